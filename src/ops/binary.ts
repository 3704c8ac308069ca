// Broadcasting binary arithmetic: add, sub, mul, div, pow, maximum, minimum.
// Operands are read through broadcast strides (no expanded copies); backward accumulates into
// each operand's gradient through stride-0 dims, which sums over the broadcast axes.
import type { BinaryOp } from '../kernels/abi.js';
import { Tensor, empty } from '../tensor/tensor.js';
import { broadcastShapes, broadcastStrides, contiguousStrides, shapesEqual } from '../tensor/shape.js';
import { gradIfNeeded, record, uninitGrad } from '../autograd/tape.js';
import { asTensor, assertFloat, K } from './util.js';

function binary(op: BinaryOp, aIn: Tensor | number, bIn: Tensor | number): Tensor {
  if (typeof aIn === 'number' && typeof bIn === 'number') throw new Error(`${op}: at least one operand must be a tensor`);
  const a = asTensor(aIn, bIn as Tensor), b = asTensor(bIn, a);
  assertFloat(op, a, b);
  const shape = broadcastShapes(a.shape, b.shape, op);
  const aS = broadcastStrides(a.shape, a.strides, shape);
  const bS = broadcastStrides(b.shape, b.strides, shape);
  const out = empty(shape, { dtype: a.dtype });
  K(a).binaryForward(op, shape, a.data as never, a.offset, aS, b.data as never, b.offset, bS, out.fbuffer());
  return record(out, op, [a, b], (g) => {
    // a + b and a − b pass g unchanged to an a of the output's shape: when that is a's first gradient, a takes
    // g's buffer itself (no zero fill, no accumulation pass; e.g. the residual stream); a + b's b of that
    // shape gets a copy of g as its first gradient
    let gaTaken = false, gbDone = false;
    if ((op === 'add' || op === 'sub') && a.requiresGrad && a.grad === null && out.grad && !out.retainsGrad && shapesEqual(a.shape, shape)) {
      a.grad = out.grad;
      out.grad = null;
      gaTaken = true;
    }
    if (op === 'add' && b.requiresGrad && b.grad === null && shapesEqual(b.shape, shape)) {
      uninitGrad(b).set(g);
      gbDone = true;
    }
    const ga = gaTaken ? null : gradIfNeeded(a), gb = gbDone ? null : gradIfNeeded(b);
    if (!ga && !gb) return;
    K(a).binaryBackward(op, shape, a.data as never, a.offset, aS, b.data as never, b.offset, bS, g,
      ga, broadcastStrides(a.shape, contiguousStrides(a.shape), shape),
      gb, broadcastStrides(b.shape, contiguousStrides(b.shape), shape));
  });
}

/** a + b with broadcasting. */
export const add = (a: Tensor | number, b: Tensor | number): Tensor => binary('add', a, b);
/** a − b with broadcasting. */
export const sub = (a: Tensor | number, b: Tensor | number): Tensor => binary('sub', a, b);
/** a · b elementwise with broadcasting. */
export const mul = (a: Tensor | number, b: Tensor | number): Tensor => binary('mul', a, b);
/** a / b with broadcasting. */
export const div = (a: Tensor | number, b: Tensor | number): Tensor => binary('div', a, b);
/** Elementwise maximum (gradient to the first on ties). */
export const maximum = (a: Tensor | number, b: Tensor | number): Tensor => binary('maximum', a, b);
/** Elementwise minimum (gradient to the first on ties). */
export const minimum = (a: Tensor | number, b: Tensor | number): Tensor => binary('minimum', a, b);
/** a^b with broadcasting; a number exponent uses the cheaper unary form (see unary.ts powScalar). */
export const powTensor = (a: Tensor | number, b: Tensor | number): Tensor => binary('pow', a, b);
