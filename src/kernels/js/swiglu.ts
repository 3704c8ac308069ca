// SwiGLU gate (Shazeer 2020, FACTS §3.7): out = silu(gate) · up, elementwise; the Llama MLP's
// nonlinearity between gate_proj/up_proj and down_proj, fused so it is one pass over memory.
import type { F } from '../abi.js';

export function swigluForward(n: number, gate: F, up: F, out: F): void {
  for (let i = 0; i < n; i++) {
    const a = gate[i]!;
    out[i] = (a / (1 + Math.exp(-a))) * up[i]!;
  }
}

/** ggate += g·up·silu'(gate), gup += g·silu(gate); either may be null. */
export function swigluBackward(n: number, gate: F, up: F, g: F, ggate: F | null, gup: F | null): void {
  for (let i = 0; i < n; i++) {
    const a = gate[i]!, s = 1 / (1 + Math.exp(-a));
    if (gup) gup[i] += g[i]! * a * s;
    if (ggate) ggate[i] += g[i]! * up[i]! * s * (1 + a * (1 - s));
  }
}
