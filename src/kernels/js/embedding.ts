// Embedding lookup (gather) and its scatter-add backward.
import type { F } from '../abi.js';

export function embeddingForward(N: number, C: number, ids: Int32Array, weight: F, out: F): void {
  for (let n = 0; n < N; n++) {
    const src = ids[n]! * C;
    for (let c = 0; c < C; c++) out[n * C + c] = weight[src + c]!;
  }
}

export function embeddingBackward(N: number, C: number, ids: Int32Array, g: F, gw: F): void {
  for (let n = 0; n < N; n++) {
    const dst = ids[n]! * C;
    for (let c = 0; c < C; c++) gw[dst + c] += g[n * C + c]!;
  }
}
