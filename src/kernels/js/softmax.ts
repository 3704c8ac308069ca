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

export function softmaxBackward(N: number, C: number, y: F, g: F, gx: F, log: boolean, gxOverwrite = false): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    // log: y = log p, d = g − p·Σg; else d = y ⊙ (g − Σ y·g)
    let s = 0;
    if (log) for (let c = 0; c < C; c++) s += g[o + c]!;
    else for (let c = 0; c < C; c++) s += y[o + c]! * g[o + c]!;
    for (let c = 0; c < C; c++) {
      const d = log ? g[o + c]! - Math.exp(y[o + c]!) * s : y[o + c]! * (g[o + c]! - s);
      if (gxOverwrite) gx[o + c] = d;
      else gx[o + c] += d;
    }
  }
}
