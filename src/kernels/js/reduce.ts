// Reductions over the middle axis of a contiguous (outer, R, inner) array.
import type { F, ReduceOp } from '../abi.js';

export function reduceForward(op: ReduceOp, outer: number, R: number, inner: number, x: F, out: F, argmax: Int32Array | null): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * R * inner + i;
      if (op === 'sum') {
        let s = 0;
        for (let r = 0; r < R; r++) s += x[base + r * inner]!;
        out[o * inner + i] = s;
      } else {
        let best = -Infinity, bi = 0;
        for (let r = 0; r < R; r++) {
          const v = x[base + r * inner]!;
          if (v > best || Number.isNaN(v) && !Number.isNaN(best)) { best = v; bi = r; }
        }
        out[o * inner + i] = best;
        if (argmax) argmax[o * inner + i] = bi;
      }
    }
  }
}

export function reduceBackward(op: ReduceOp, outer: number, R: number, inner: number, g: F, gx: F, argmax: Int32Array | null): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const gg = g[o * inner + i]!;
      const base = o * R * inner + i;
      if (op === 'sum') for (let r = 0; r < R; r++) gx[base + r * inner] += gg;
      else gx[base + argmax![o * inner + i]! * inner] += gg;
    }
  }
}
