// LayerNorm over the last dim with optional affine weight and bias (GPT-2: eps = 1e-5).
import { Tensor, zeros, empty } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';
import { gradForKernel, gradIfNeeded, record } from '../autograd/tape.js';
import { assertFloat, K } from './util.js';
import { contiguous } from './view.js';

/**
 * @param x (..., C); weight, bias: (C) or null
 * @example layerNorm(x, ln.weight, ln.bias, 1e-5)
 */
export function layerNorm(xIn: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  assertFloat('layer_norm', xIn, weight, bias);
  const C = xIn.shape[xIn.ndim - 1] ?? 0;
  for (const [p, name] of [[weight, 'weight'], [bias, 'bias']] as const) {
    if (p && (p.ndim !== 1 || p.shape[0] !== C)) throw new Error(`layer_norm: ${name} ${fmtShape(p.shape)} does not match normalized dim ${C} of input ${fmtShape(xIn.shape)}`);
  }
  const x = contiguous(xIn), w = weight ? contiguous(weight) : null, b = bias ? contiguous(bias) : null;
  const N = C === 0 ? 0 : x.size / C;
  const out = empty(x.shape, { dtype: x.dtype });
  const mean = zeros([N], { dtype: x.dtype }), rstd = zeros([N], { dtype: x.dtype });
  K(x).layerNormForward(N, C, x.fbuffer(), w ? w.fbuffer() : null, b ? b.fbuffer() : null, eps, out.fbuffer(), mean.fbuffer(), rstd.fbuffer());
  return record(out, 'layer_norm', [x, w, b], (g) => {
    // the first gradient to reach x overwrites an uninitialised buffer (no zero fill, no read of zeros)
    const gx = gradForKernel(x);
    K(x).layerNormBackward(N, C, x.fbuffer(), w ? w.fbuffer() : null, mean.fbuffer(), rstd.fbuffer(), g, gx ? gx.buf : null, gradIfNeeded(w), gradIfNeeded(b), gx ? gx.overwrite : false);
  });
}
