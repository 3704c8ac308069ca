// float16 (IEEE 754 binary16) and bfloat16 conversions, both directions, round-to-nearest-even.
// Scalar functions work on any JS number (exactly rounded from the double, no double rounding);
// array functions take a bit-twiddling fast path for Float32Array input. NaN stays NaN, ±Inf stays ±Inf.

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Round a non-negative double to the nearest integer, ties to even. */
function rint(q: number): number {
  const f = Math.floor(q);
  const d = q - f; // exact: q < 2^53 here
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Exact floor(log2(a)) for a positive finite double. */
function ilog2(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

/**
 * Encode a double into a binary format with `m` mantissa bits and exponent bias `bias`
 * (float16: 10, 15; bfloat16: 7, 127), rounding to nearest even. Returns the 16-bit pattern.
 */
function encode(x: number, m: number, bias: number): number {
  const expAll = (bias * 2 + 1) << m; // exponent field all ones
  if (Number.isNaN(x)) return expAll | (1 << (m - 1)); // quiet NaN
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | expAll;
  const emin = 1 - bias;
  if (a < 2 ** emin) return sign | rint(a * 2 ** (m - emin)); // subnormal (may round up to the smallest normal)
  let e = ilog2(a);
  let q = rint(a * 2 ** (m - e)); // in [2^m, 2^(m+1)]
  if (q === 2 ** (m + 1)) { e++; q = 2 ** m; }
  if (e + bias >= 2 * bias + 1) return sign | expAll; // overflow → Inf
  return sign | ((e + bias) << m) | (q - 2 ** m);
}

/**
 * float16 bit pattern (0..0xFFFF) of a number, round-to-nearest-even.
 * @example toFloat16Bits(1) === 0x3c00; toFloat16Bits(65520) === 0x7c00 // rounds to +Inf
 */
export function toFloat16Bits(x: number): number {
  return encode(x, 10, 15);
}

/**
 * bfloat16 bit pattern of a number, round-to-nearest-even.
 * @example toBFloat16Bits(1) === 0x3f80
 */
export function toBFloat16Bits(x: number): number {
  return encode(x, 7, 127);
}

/**
 * The value of a float16 bit pattern (exact; every float16 is a float32).
 * @example fromFloat16Bits(0x3c00) === 1
 */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return sign * f * 2 ** -24;
  if (e === 31) return f === 0 ? sign * Infinity : NaN;
  return sign * (1024 + f) * 2 ** (e - 25);
}

/**
 * The value of a bfloat16 bit pattern (exact).
 * @example fromBFloat16Bits(0x3f80) === 1
 */
export function fromBFloat16Bits(h: number): number {
  U32[0] = (h & 0xffff) << 16;
  return F32[0]!;
}

/** float32 bit pattern → float16 bit pattern, round-to-nearest-even (the classic integer algorithm). */
function f32BitsToF16(b: number): number {
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const man = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 | (man >>> 13) : 0); // Inf / NaN (quiet, top payload kept)
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    const m = man | 0x800000; // 24-bit significand
    const shift = 14 - e; // 14..24
    const q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (q + (rem > half || (rem === half && (q & 1)) ? 1 : 0));
  }
  const q = (e << 10) | (man >>> 13);
  const rem = man & 0x1fff;
  return sign | (q + (rem > 0x1000 || (rem === 0x1000 && (q & 1)) ? 1 : 0)); // carry may reach Inf: correct
}

/** float32 bit pattern → bfloat16 bit pattern, round-to-nearest-even. */
function f32BitsToBf16(b: number): number {
  if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0) return ((b >>> 16) | 0x40) & 0xffff; // quiet NaN
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * Encode floats to float16 bit patterns.
 * @example encodeFloat16(new Float32Array([1, -2])) // Uint16Array [0x3c00, 0xc000]
 */
export function encodeFloat16(src: ArrayLike<number>, out = new Uint16Array(src.length)): Uint16Array {
  if (src instanceof Float32Array) {
    const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
    for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16(bits[i]!);
  } else {
    for (let i = 0; i < src.length; i++) out[i] = encode(src[i]!, 10, 15);
  }
  return out;
}

/**
 * Encode floats to bfloat16 bit patterns.
 * @example encodeBFloat16(new Float32Array([1])) // Uint16Array [0x3f80]
 */
export function encodeBFloat16(src: ArrayLike<number>, out = new Uint16Array(src.length)): Uint16Array {
  if (src instanceof Float32Array) {
    const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
    for (let i = 0; i < bits.length; i++) out[i] = f32BitsToBf16(bits[i]!);
  } else {
    for (let i = 0; i < src.length; i++) out[i] = encode(src[i]!, 7, 127);
  }
  return out;
}

let f16Table: Float32Array | null = null;

/**
 * Decode float16 bit patterns into floats (exact), through a 65,536-entry table built on first use.
 * @example decodeFloat16(new Uint16Array([0x3c00])) // Float32Array [1]
 */
export function decodeFloat16<T extends Float32Array | Float64Array = Float32Array>(src: Uint16Array, out?: T): T {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = fromFloat16Bits(h);
    // keep NaN payloads: write the float32 bit pattern directly
    const tb = new Uint32Array(f16Table.buffer);
    for (let h = 0; h < 65536; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff)) tb[h] = ((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13);
    }
  }
  const o = (out ?? new Float32Array(src.length)) as T;
  const t = f16Table;
  for (let i = 0; i < src.length; i++) o[i] = t[src[i]!]!;
  return o;
}

/**
 * Decode bfloat16 bit patterns into floats (exact: a bfloat16 is the top half of a float32).
 * @example decodeBFloat16(new Uint16Array([0x3f80])) // Float32Array [1]
 */
export function decodeBFloat16<T extends Float32Array | Float64Array = Float32Array>(src: Uint16Array, out?: T): T {
  const o = (out ?? new Float32Array(src.length)) as T;
  if (o instanceof Float32Array) {
    const bits = new Uint32Array(o.buffer, o.byteOffset, src.length);
    for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  } else {
    for (let i = 0; i < src.length; i++) o[i] = fromBFloat16Bits(src[i]!);
  }
  return o;
}
