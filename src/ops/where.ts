// where(cond, a, b) with broadcasting, and masked_fill(x, mask, value) = where(mask, value, x).
import { Tensor, empty } from '../tensor/tensor.js';
import { broadcastShapes, broadcastStrides, contiguousStrides } from '../tensor/shape.js';
import { gradIfNeeded, record } from '../autograd/tape.js';
import { asTensor, assertFloat, assertInt, K } from './util.js';

/** Elementwise cond ? a : b; cond is int32 (nonzero = true). */
export function where(cond: Tensor, aIn: Tensor | number, bIn: Tensor | number): Tensor {
  assertInt('where', cond, 'cond');
  if (typeof aIn === 'number' && typeof bIn === 'number') throw new Error('where: at least one of a, b must be a tensor');
  const a = asTensor(aIn, bIn as Tensor), b = asTensor(bIn, a);
  assertFloat('where', a, b);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const cS = broadcastStrides(cond.shape, cond.strides, shape);
  const aS = broadcastStrides(a.shape, a.strides, shape);
  const bS = broadcastStrides(b.shape, b.strides, shape);
  const out = empty(shape, { dtype: a.dtype });
  const c = cond.data as Int32Array;
  K(a).whereForward(shape, c, cond.offset, cS, a.data as never, a.offset, aS, b.data as never, b.offset, bS, out.fbuffer());
  return record(out, 'where', [a, b], (g) => {
    K(a).whereBackward(shape, c, cond.offset, cS, g,
      gradIfNeeded(a), broadcastStrides(a.shape, contiguousStrides(a.shape), shape),
      gradIfNeeded(b), broadcastStrides(b.shape, contiguousStrides(b.shape), shape));
  });
}

/** x with `value` wherever mask is nonzero (mask broadcasts to x). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return where(mask, value, x);
}
