// Cross-entropy from logits, fused with log-softmax; rows whose target is ignoreIndex contribute 0.
import type { F } from '../abi.js';

export function crossEntropyForward(N: number, V: number, logits: F, targets: Int32Array, ignoreIndex: number, losses: F, lse: F): void {
  for (let n = 0; n < N; n++) {
    const o = n * V;
    let mx = -Infinity;
    for (let v = 0; v < V; v++) if (logits[o + v]! > mx) mx = logits[o + v]!;
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(logits[o + v]! - mx);
    const l = mx + Math.log(s);
    lse[n] = l;
    const t = targets[n]!;
    losses[n] = t === ignoreIndex ? 0 : l - logits[o + t]!;
  }
}

export function crossEntropyBackward(N: number, V: number, logits: F, targets: Int32Array, ignoreIndex: number, lse: F, gLoss: F, gx: F): void {
  for (let n = 0; n < N; n++) {
    const t = targets[n]!;
    if (t === ignoreIndex) continue;
    const o = n * V, l = lse[n]!, gl = gLoss[n]!;
    for (let v = 0; v < V; v++) gx[o + v] += gl * Math.exp(logits[o + v]! - l);
    gx[o + t] -= gl;
  }
}
