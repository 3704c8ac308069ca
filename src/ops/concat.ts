// concat, split and stack along a dim. concat copies each input into its slab of the output;
// split returns views (narrow); stack = concat of unsqueezed inputs.
import { Tensor, zeros } from '../tensor/tensor.js';
import { contiguousStrides, fmtShape, normDim } from '../tensor/shape.js';
import { gradOf, record } from '../autograd/tape.js';
import { K } from './util.js';
import { contiguous, narrow, unsqueeze } from './view.js';

/** Join tensors along an existing dim; all other dims must match. */
export function concat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('concat: needs at least one tensor');
  const first = tensors[0]!;
  const d = normDim(dim, first.ndim, 'concat');
  let total = 0;
  for (const t of tensors) {
    if (t.dtype !== first.dtype) throw new Error(`concat: dtype mismatch (${first.dtype} vs ${t.dtype})`);
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new Error(`concat: shapes ${tensors.map((x) => fmtShape(x.shape)).join(', ')} differ outside dim ${d}`);
    }
    total += t.shape[d]!;
  }
  const shape = [...first.shape];
  shape[d] = total;
  const out = zeros(shape, { dtype: first.dtype });
  const oStrides = contiguousStrides(shape);
  const parts = tensors.map((t) => contiguous(t));
  let start = 0;
  const starts: number[] = [];
  for (const t of parts) {
    starts.push(start);
    // out is zeros, so accumulating writes the slab (float); int32 goes through the same JS loop
    K(t).stridedAccumulate(t.buffer() as never, t.shape, out.data as never, start * oStrides[d]!, oStrides);
    start += t.shape[d]!;
  }
  return record(out, 'concat', parts, (g) => {
    parts.forEach((t, i) => {
      if (!t.requiresGrad) return;
      const tmp = zeros(t.shape, { dtype: t.dtype });
      K(t).stridedCopy(g, starts[i]! * oStrides[d]!, t.shape, oStrides, tmp.data, 0);
      K(t).stridedAccumulate(tmp.fbuffer(), t.shape, gradOf(t), 0, contiguousStrides(t.shape));
    });
  });
}

/** Split into pieces of `size` (last may be smaller) or of the given sizes; returns views. */
export function split(x: Tensor, sizes: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim(dim, x.ndim, 'split');
  const n = x.shape[d]!;
  let list: number[];
  if (typeof sizes === 'number') {
    if (!(sizes > 0)) throw new Error(`split: size must be positive, got ${sizes}`);
    list = [];
    for (let s = 0; s < n; s += sizes) list.push(Math.min(sizes, n - s));
  } else {
    list = [...sizes];
    const sum = list.reduce((a, b) => a + b, 0);
    if (sum !== n) throw new Error(`split: sizes ${JSON.stringify(sizes)} sum to ${sum}, but dim ${d} of ${fmtShape(x.shape)} is ${n}`);
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const len of list) {
    out.push(narrow(x, d, start, len));
    start += len;
  }
  return out;
}

/** Stack equal-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: needs at least one tensor');
  const first = tensors[0]!;
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => s !== first.shape[i])) {
      throw new Error(`stack: all shapes must be equal, got ${tensors.map((x) => fmtShape(x.shape)).join(', ')}`);
    }
  }
  const d = normDim(dim, first.ndim + 1, 'stack');
  return concat(tensors.map((t) => unsqueeze(t, d)), d);
}
