// LayerNorm over the last dim (biased variance, FACTS §3.2), forward and backward as in llm.c.
import type { F } from '../abi.js';

export function layerNormForward(N: number, C: number, x: F, w: F | null, b: F | null, eps: number, out: F, mean: F, rstd: F): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let m = 0;
    for (let c = 0; c < C; c++) m += x[o + c]!;
    m /= C;
    let v = 0;
    for (let c = 0; c < C; c++) { const d = x[o + c]! - m; v += d * d; }
    v /= C;
    const r = 1 / Math.sqrt(v + eps);
    for (let c = 0; c < C; c++) {
      const xh = (x[o + c]! - m) * r;
      out[o + c] = xh * (w ? w[c]! : 1) + (b ? b[c]! : 0);
    }
    mean[n] = m;
    rstd[n] = r;
  }
}

export function layerNormBackward(N: number, C: number, x: F, w: F | null, mean: F, rstd: F, g: F, gx: F | null, gw: F | null, gb: F | null, gxOverwrite = false): void {
  for (let n = 0; n < N; n++) {
    const o = n * C, m = mean[n]!, r = rstd[n]!;
    // dxhat = g·w; dx = r·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat))
    let s1 = 0, s2 = 0;
    for (let c = 0; c < C; c++) {
      const xh = (x[o + c]! - m) * r;
      const dxh = g[o + c]! * (w ? w[c]! : 1);
      s1 += dxh;
      s2 += dxh * xh;
    }
    s1 /= C;
    s2 /= C;
    for (let c = 0; c < C; c++) {
      const xh = (x[o + c]! - m) * r;
      const gg = g[o + c]!;
      if (gb) gb[c] += gg;
      if (gw) gw[c] += gg * xh;
      if (gx) {
        const d = r * (gg * (w ? w[c]! : 1) - s1 - xh * s2);
        gx[o + c] = gxOverwrite ? d : gx[o + c]! + d;
      }
    }
  }
}
