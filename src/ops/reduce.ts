// Reductions: sum, mean and max over one or more dims (keepdim optional). Several dims reduce
// one at a time, so every reduction is the same (outer, R, inner) kernel.
import { Tensor, empty } from '../tensor/tensor.js';
import { normDim, numel } from '../tensor/shape.js';
import { gradOf, record } from '../autograd/tape.js';
import { assertFloat, K } from './util.js';
import { contiguous, reshape, squeeze } from './view.js';
import { mul } from './binary.js';

function reduceDim(op: 'sum' | 'max', xIn: Tensor, d: number): Tensor {
  const x = contiguous(xIn);
  const outer = numel(x.shape.slice(0, d)), R = x.shape[d]!, inner = numel(x.shape.slice(d + 1));
  if (op === 'max' && R === 0) throw new Error(`max: cannot reduce an empty dim ${d} (shape [${x.shape.join(', ')}])`);
  const shape = [...x.shape];
  shape[d] = 1;
  const out = empty(shape, { dtype: x.dtype });
  const argmax = op === 'max' ? new Int32Array(outer * inner) : null;
  K(x).reduceForward(op, outer, R, inner, x.fbuffer(), out.fbuffer(), argmax);
  return record(out, op, [x], (g) => K(x).reduceBackward(op, outer, R, inner, g, gradOf(x), argmax));
}

function dimsOf(x: Tensor, dim: number | readonly number[] | undefined, op: string): number[] {
  if (dim === undefined) return [...Array(x.ndim).keys()];
  const ds = (typeof dim === 'number' ? [dim] : [...dim]).map((d) => normDim(d, x.ndim, op));
  if (new Set(ds).size !== ds.length) throw new Error(`${op}: repeated dim in ${JSON.stringify(dim)}`);
  return ds.sort((a, b) => b - a);
}

function reduce(op: 'sum' | 'max', x: Tensor, dim: number | readonly number[] | undefined, keepdim: boolean): Tensor {
  assertFloat(op, x);
  if (x.ndim === 0) return x;
  const ds = dimsOf(x, dim, op);
  let y = x;
  for (const d of ds) y = reduceDim(op, y, d);
  if (keepdim) return y;
  if (ds.length === x.ndim) return reshape(y, []);
  for (const d of ds) y = squeeze(y, d); // descending order keeps indices valid
  return y;
}

/**
 * Sum over `dim` (all dims when omitted).
 * @example sum(x, -1, true) // (B, T, 1)
 */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return reduce('sum', x, dim, keepdim);
}

/** Mean over `dim` (all dims when omitted). */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  const ds = x.ndim === 0 ? [] : dimsOf(x, dim, 'mean');
  const n = ds.reduce((acc, d) => acc * x.shape[d]!, 1);
  return mul(reduce('sum', x, dim, keepdim), 1 / n);
}

/** Max over `dim` (all dims when omitted); the gradient goes to the first maximal element. */
export function max(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  return reduce('max', x, dim, keepdim);
}
