// softmax and log_softmax over one dim (the last by default; other dims are moved last).
import { Tensor, empty } from '../tensor/tensor.js';
import { normDim } from '../tensor/shape.js';
import { gradForKernel, record } from '../autograd/tape.js';
import { assertFloat, K } from './util.js';
import { contiguous, transpose } from './view.js';

function softmaxImpl(xIn: Tensor, dim: number, log: boolean): Tensor {
  const op = log ? 'log_softmax' : 'softmax';
  assertFloat(op, xIn);
  if (xIn.ndim === 0) throw new Error(`${op}: needs at least 1 dim`);
  const d = normDim(dim, xIn.ndim, op);
  if (d !== xIn.ndim - 1) return transpose(softmaxImpl(transpose(xIn, d, -1), -1, log), d, -1);
  const x = contiguous(xIn);
  const C = x.shape[x.ndim - 1]!, N = C === 0 ? 0 : x.size / C;
  const out = empty(x.shape, { dtype: x.dtype });
  K(x).softmaxForward(N, C, x.fbuffer(), out.fbuffer(), log);
  return record(out, op, [x], (g) => {
    // the first gradient to reach x overwrites an uninitialised buffer (no zero fill, no read of zeros)
    const gx = gradForKernel(x)!;
    K(x).softmaxBackward(N, C, out.fbuffer(), g, gx.buf, log, gx.overwrite);
  });
}

/** softmax(x) along `dim` (default last). */
export function softmax(x: Tensor, dim = -1): Tensor {
  return softmaxImpl(x, dim, false);
}

/** log(softmax(x)) along `dim`, computed stably. */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return softmaxImpl(x, dim, true);
}
