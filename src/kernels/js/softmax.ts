// Row-wise softmax and log_softmax, max-subtracted for stability.
import type { F } from '../abi.js';

export function softmaxForward(N: number, C: number, x: F, out: F, log: boolean): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let mx = -Infinity;
    for (let c = 0; c < C; c++) if (x[o + c]! > mx) mx = x[o + c]!;
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[o + c]! - mx);
    if (log) {
      const lse = mx + Math.log(s);
      for (let c = 0; c < C; c++) out[o + c] = x[o + c]! - lse;
    } else {
      for (let c = 0; c < C; c++) out[o + c] = Math.exp(x[o + c]! - mx) / s;
    }
  }
}

export function softmaxBackward(N: number, C: number, y: F, g: F, gx: F, log: boolean): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    if (log) {
      // y = log p: gx = g − p·Σg
      let sg = 0;
      for (let c = 0; c < C; c++) sg += g[o + c]!;
      for (let c = 0; c < C; c++) gx[o + c] += g[o + c]! - Math.exp(y[o + c]!) * sg;
    } else {
      // gx = y ⊙ (g − Σ y·g)
      let dot = 0;
      for (let c = 0; c < C; c++) dot += y[o + c]! * g[o + c]!;
      for (let c = 0; c < C; c++) gx[o + c] += y[o + c]! * (g[o + c]! - dot);
    }
  }
}
