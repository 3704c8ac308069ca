// Pointwise math and activations: neg, exp, log, sqrt, abs, pow (scalar exponent), tanh, sigmoid,
// relu, gelu (erf or tanh form, FACTS §3.1), silu. Forward and backward share one kernel pair.
import type { UnaryOp } from '../kernels/abi.js';
import { Tensor, empty } from '../tensor/tensor.js';
import { gradForKernel, record } from '../autograd/tape.js';
import { assertFloat, K } from './util.js';
import { contiguous } from './view.js';
import { powTensor } from './binary.js';

function unary(op: UnaryOp, xIn: Tensor, param = 0): Tensor {
  assertFloat(op, xIn);
  const x = contiguous(xIn);
  const out = empty(x.shape, { dtype: x.dtype });
  const n = x.size;
  K(x).unaryForward(op, n, x.fbuffer(), out.fbuffer(), param);
  return record(out, op, [x], (g) => {
    // the first gradient to reach x overwrites an uninitialised buffer (no zero fill, no read of zeros)
    const gx = gradForKernel(x)!;   // x requires grad: it is this node's only input
    K(x).unaryBackward(op, n, x.fbuffer(), out.fbuffer(), g, gx.buf, param, gx.overwrite);
  });
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** SiLU / swish: x·σ(x). */
export const silu = (x: Tensor): Tensor => unary('silu', x);

/**
 * GELU. `approximate: 'none'` is the exact erf form (HF "gelu", nanoGPT's nn.GELU());
 * `'tanh'` is GPT-2's form (HF "gelu_new").
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return unary(approximate === 'tanh' ? 'gelu_tanh' : 'gelu', x);
}

/** x^p; p a number (fast path) or a tensor (broadcasting). */
export function pow(x: Tensor, p: number | Tensor): Tensor {
  return typeof p === 'number' ? unary('pow', x, p) : powTensor(x, p);
}
