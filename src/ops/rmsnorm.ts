// RMSNorm over the last dim: x / sqrt(mean(x²) + eps) · weight (Llama, T5; FACTS §3.6).
import { Tensor, zeros, empty } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';
import { gradForKernel, gradIfNeeded, record } from '../autograd/tape.js';
import { assertFloat, K } from './util.js';
import { contiguous } from './view.js';

/** @param x (..., C); weight (C) or null */
export function rmsNorm(xIn: Tensor, weight: Tensor | null, eps = 1e-6): Tensor {
  assertFloat('rms_norm', xIn, weight);
  const C = xIn.shape[xIn.ndim - 1] ?? 0;
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C)) throw new Error(`rms_norm: weight ${fmtShape(weight.shape)} does not match normalized dim ${C} of input ${fmtShape(xIn.shape)}`);
  const x = contiguous(xIn), w = weight ? contiguous(weight) : null;
  const N = C === 0 ? 0 : x.size / C;
  const out = empty(x.shape, { dtype: x.dtype });
  const rstd = zeros([N], { dtype: x.dtype });
  K(x).rmsNormForward(N, C, x.fbuffer(), w ? w.fbuffer() : null, eps, out.fbuffer(), rstd.fbuffer());
  return record(out, 'rms_norm', [x, w], (g) => {
    // the first gradient to reach x overwrites an uninitialised buffer (no zero fill, no read of zeros)
    const gx = gradForKernel(x);
    K(x).rmsNormBackward(N, C, x.fbuffer(), w ? w.fbuffer() : null, rstd.fbuffer(), g, gx ? gx.buf : null, gradIfNeeded(w), gx ? gx.overwrite : false);
  });
}
