// RMSNorm (Zhang & Sennrich 2019): y = x / sqrt(mean(x²) + eps) · w, no mean, no bias (FACTS §3.6).
import type { F } from '../abi.js';

export function rmsNormForward(N: number, C: number, x: F, w: F | null, eps: number, out: F, rstd: F): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let ss = 0;
    for (let c = 0; c < C; c++) ss += x[o + c]! * x[o + c]!;
    const r = 1 / Math.sqrt(ss / C + eps);
    for (let c = 0; c < C; c++) out[o + c] = x[o + c]! * r * (w ? w[c]! : 1);
    rstd[n] = r;
  }
}

export function rmsNormBackward(N: number, C: number, x: F, w: F | null, rstd: F, g: F, gx: F | null, gw: F | null, gxOverwrite = false): void {
  for (let n = 0; n < N; n++) {
    const o = n * C, r = rstd[n]!;
    // xhat = x·r; dx = r·(dxhat − xhat·mean(dxhat·xhat))
    let s = 0;
    for (let c = 0; c < C; c++) s += g[o + c]! * (w ? w[c]! : 1) * x[o + c]! * r;
    s /= C;
    for (let c = 0; c < C; c++) {
      const xh = x[o + c]! * r;
      if (gw) gw[c] += g[o + c]! * xh;
      if (gx) {
        const d = r * (g[o + c]! * (w ? w[c]! : 1) - xh * s);
        gx[o + c] = gxOverwrite ? d : gx[o + c]! + d;
      }
    }
  }
}
