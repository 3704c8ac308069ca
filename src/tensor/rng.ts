// Seeded random numbers, reproducible run to run and across machines.
// Algorithm: xoshiro128** (Blackman & Vigna 2018) with its 128-bit state seeded by SplitMix32.
//   uniform(): 53-bit float in [0, 1) from two draws; normal(): Box–Muller (cos branch only, no cache,
//   so the stream position is a pure function of the number of calls); randint: unbiased rejection;
//   permutation: Fisher–Yates from the back. The state (4 uint32) is saved in checkpoints.

export type RngState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private s: Uint32Array = new Uint32Array(4);

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Reset from an integer seed (any safe integer; the high bits are folded in). */
  seed(seed: number): void {
    const hi = Math.floor(seed / 0x100000000) >>> 0;
    const sm = splitmix32((seed >>> 0) ^ Math.imul(hi, 0x27d4eb2f));
    for (let i = 0; i < 4; i++) this.s[i] = sm();
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }

  getState(): RngState {
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!];
  }

  setState(st: RngState): void {
    if (!Array.isArray(st) || st.length !== 4) throw new Error(`Rng.setState: expected 4 uint32 values, got ${JSON.stringify(st)}`);
    for (let i = 0; i < 4; i++) this.s[i] = st[i]! >>> 0;
  }

  /** Next raw 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Standard normal N(0, 1) by Box–Muller. */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Integer uniform in [lo, hi). */
  randint(lo: number, hi: number): number {
    const range = hi - lo;
    if (!(range > 0) || !Number.isInteger(range)) throw new Error(`Rng.randint: empty or non-integer range [${lo}, ${hi})`);
    if (range <= 0x100000000) {
      // rejection sampling on 32 bits: unbiased
      const limit = 0x100000000 - (0x100000000 % range);
      let x = this.nextU32();
      while (x >= limit) x = this.nextU32();
      return lo + (x % range);
    }
    return lo + Math.floor(this.uniform() * range);
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.randint(0, i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The library-wide default generator; `manualSeed` resets it. */
export const defaultRng = new Rng(0);

export function manualSeed(seed: number): void {
  defaultRng.seed(seed);
}
