// nn.Linear: out = x·Wᵀ + b with W in (OUT, IN) layout, built on the reference GEMM.
import type { F } from '../abi.js';
import { gemm } from './matmul.js';

export function linearForward(x: F, w: F, bias: F | null, out: F, N: number, IN: number, OUT: number): void {
  gemm(false, true, N, OUT, IN, 1, x, 0, IN, 0, w, 0, IN, 0, 0, out, 0, OUT, 0, 1);
  if (bias) for (let n = 0; n < N; n++) for (let o = 0; o < OUT; o++) out[n * OUT + o] += bias[o]!;
}

export function linearBackward(x: F, w: F, g: F, gx: F | null, gw: F | null, gb: F | null, N: number, IN: number, OUT: number,
  gxOverwrite = false): void {
  if (gx) gemm(false, false, N, IN, OUT, 1, g, 0, OUT, 0, w, 0, IN, 0, gxOverwrite ? 0 : 1, gx, 0, IN, 0, 1); // (N,OUT)·(OUT,IN)
  if (gw) gemm(true, false, OUT, IN, N, 1, g, 0, OUT, 0, x, 0, IN, 0, 1, gw, 0, IN, 0, 1); // (OUT,N)·(N,IN)
  if (gb) for (let n = 0; n < N; n++) for (let o = 0; o < OUT; o++) gb[o] += g[n * OUT + o]!;
}
