// SwiGLU gate as one op (Shazeer 2020, FACTS §3.7): silu(gate) · up, the Llama MLP nonlinearity
// between gate_proj/up_proj and down_proj (one pass over memory instead of silu then mul).
import { Tensor, zeros } from '../tensor/tensor.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';
import { gradIfNeeded, record } from '../autograd/tape.js';
import { assertFloat, K } from './util.js';
import { contiguous } from './view.js';

/**
 * @param gate (...) and up (same shape)
 * @returns silu(gate) · up
 * @example const h = swiglu(gate_proj.forward(x), up_proj.forward(x));
 */
export function swiglu(gateIn: Tensor, upIn: Tensor): Tensor {
  assertFloat('swiglu', gateIn, upIn);
  if (!shapesEqual(gateIn.shape, upIn.shape)) throw new Error(`swiglu: gate ${fmtShape(gateIn.shape)} and up ${fmtShape(upIn.shape)} must have the same shape`);
  const gate = contiguous(gateIn), up = contiguous(upIn);
  const out = zeros(gate.shape, { dtype: gate.dtype });
  const n = gate.size;
  K(gate).swigluForward(n, gate.fbuffer(), up.fbuffer(), out.fbuffer());
  return record(out, 'swiglu', [gate, up], (g) => {
    K(gate).swigluBackward(n, gate.fbuffer(), up.fbuffer(), g, gradIfNeeded(gate), gradIfNeeded(up));
  });
}
