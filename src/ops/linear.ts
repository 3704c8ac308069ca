// nn.Linear as one fused op: y = x·Wᵀ + b, W stored (out_features, in_features) as in PyTorch.
// Backward computes dx, dW and db in one kernel call (fused in the native backend); dx overwrites a fresh
// gradient buffer instead of accumulating into zeros when it is the first gradient of x.
import { Tensor, empty } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';
import { gradForKernel, gradIfNeeded, record } from '../autograd/tape.js';
import { assertFloat, K } from './util.js';
import { contiguous } from './view.js';

/**
 * @param x (..., IN)
 * @param weight (OUT, IN)
 * @param bias (OUT) or null
 * @returns (..., OUT)
 */
export function linear(xIn: Tensor, weightIn: Tensor, biasIn: Tensor | null = null): Tensor {
  assertFloat('linear', xIn, weightIn, biasIn);
  if (weightIn.ndim !== 2) throw new Error(`linear: weight must be 2-D (out, in), got ${fmtShape(weightIn.shape)}`);
  const [OUT, IN] = weightIn.shape as [number, number];
  if (xIn.ndim < 1 || xIn.shape[xIn.ndim - 1] !== IN) {
    throw new Error(`linear: input ${fmtShape(xIn.shape)} does not end in in_features ${IN} of weight ${fmtShape(weightIn.shape)}`);
  }
  if (biasIn && (biasIn.ndim !== 1 || biasIn.shape[0] !== OUT)) throw new Error(`linear: bias ${fmtShape(biasIn.shape)} does not match out_features ${OUT}`);
  const x = contiguous(xIn), w = contiguous(weightIn), b = biasIn ? contiguous(biasIn) : null;
  const N = x.size / IN;
  const out = empty([...x.shape.slice(0, -1), OUT], { dtype: x.dtype });
  K(x).linearForward(x.fbuffer(), w.fbuffer(), b ? b.fbuffer() : null, out.fbuffer(), N, IN, OUT);
  return record(out, 'linear', [x, w, b], (g) => {
    // the first gradient to reach x overwrites an uninitialised buffer (no zero fill, no read of zeros)
    const gx = gradForKernel(x);
    K(x).linearBackward(x.fbuffer(), w.fbuffer(), g, gx?.buf ?? null, gradIfNeeded(w), gradIfNeeded(b), N, IN, OUT, gx?.overwrite ?? false);
  });
}
