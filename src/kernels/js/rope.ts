// Rotary position embedding (Su et al. 2021) in Hugging Face's rotate-half layout: dimension i of a
// head is paired with i + HS/2 (FACTS §3.5). The Meta/GGUF interleaved layout is a row permutation
// of q/k weights (ops/rope.ts), so one kernel layout serves both. cos/sin rows hold the angles of T positions.
import type { F } from '../abi.js';

/** out[r, t, i] = x·cos − x[i+h]·sin, out[r, t, i+h] = x[i+h]·cos + x[i]·sin (h = HS/2, angle of position t). */
export function ropeForward(R: number, T: number, HS: number, x: F, cos: F, sin: F, out: F): void {
  const h = HS / 2;
  for (let r = 0; r < R; r++) {
    for (let t = 0; t < T; t++) {
      const o = (r * T + t) * HS, c = t * h;
      for (let i = 0; i < h; i++) {
        const a = x[o + i]!, b = x[o + i + h]!, cs = cos[c + i]!, sn = sin[c + i]!;
        out[o + i] = a * cs - b * sn;
        out[o + i + h] = b * cs + a * sn;
      }
    }
  }
}

/** gx += Rᵀ·g (the rotation by −angle). */
export function ropeBackward(R: number, T: number, HS: number, cos: F, sin: F, g: F, gx: F): void {
  const h = HS / 2;
  for (let r = 0; r < R; r++) {
    for (let t = 0; t < T; t++) {
      const o = (r * T + t) * HS, c = t * h;
      for (let i = 0; i < h; i++) {
        const ga = g[o + i]!, gb = g[o + i + h]!, cs = cos[c + i]!, sn = sin[c + i]!;
        gx[o + i] += ga * cs + gb * sn;
        gx[o + i + h] += gb * cs - ga * sn;
      }
    }
  }
}
