// View ops: reshape, permute/transpose, narrow, expand, (un)squeeze and contiguous().
// Forward shares storage (no copy) except contiguous() and reshape of a non-contiguous view.
// Backward of every view: scatter the output gradient into the input's contiguous gradient
// through the strides that map view positions to input positions (stridedAccumulate).
import { Tensor } from '../tensor/tensor.js';
import { allocateUninit } from '../tensor/dtype.js';
import { contiguousStrides, fmtShape, normDim, numel, type Shape } from '../tensor/shape.js';
import { gradOf, record } from '../autograd/tape.js';
import { K } from './util.js';

/** Record a view `out` of `x` whose element at view index i is x's element at Σ i_k·gStrides_k + gOff. */
function viewOf(x: Tensor, out: Tensor, op: string, gOff: number, gStrides: readonly number[]): Tensor {
  return record(out, op, [x], (g) => {
    K(x).stridedAccumulate(g, out.shape, gradOf(x), gOff, gStrides);
  });
}

/** A contiguous tensor with the same values (returns `x` itself when already contiguous). */
export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous()) return x;
  const out = new Tensor(allocateUninit(x.dtype, x.size), x.shape);
  K(x).stridedCopy(x.data, x.offset, x.shape, x.strides, out.data, 0);
  return viewOf(x, out, 'contiguous', 0, contiguousStrides(x.shape));
}

/**
 * Same values, new shape (one dim may be -1). A view when possible, else a copy.
 * @example reshape(x, [B, T, NH, HS])
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const s = [...shape];
  const neg = s.indexOf(-1);
  if (neg >= 0) {
    const rest = numel(s.filter((_, i) => i !== neg));
    if (rest === 0 || x.size % rest !== 0) throw new Error(`reshape: cannot infer -1 in ${fmtShape(shape)} for ${x.size} elements (input ${fmtShape(x.shape)})`);
    s[neg] = x.size / rest;
  }
  if (numel(s) !== x.size || s.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`);
  }
  const strides = viewStrides(x.shape, x.strides, s);
  if (strides) {
    // a view even of a strided tensor (e.g. splitting the last dim of a narrowed slice into heads)
    const out = new Tensor(x.data, s, strides, x.offset);
    return viewOf(x, out, 'reshape', 0, contiguousStrides(s));
  }
  const c = contiguous(x);
  const out = new Tensor(c.data, s, contiguousStrides(s), c.offset);
  // gradient layout is contiguous in both shapes: a flat add
  return viewOf(c, out, 'reshape', 0, contiguousStrides(s));
}

/**
 * Strides that show `shape`/`strides` as `target` without copying, or null when impossible
 * (PyTorch's computeStride: each run of old dims that are contiguous with each other can be
 * regrouped freely).
 */
function viewStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] | null {
  const n = numel(shape);
  if (n === 0) return contiguousStrides(target);
  const out = new Array<number>(target.length);
  let viewD = target.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    // end of a contiguous chunk of old dims
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= target[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

/** Flatten dims [start, end] into one. */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  const r = x.ndim;
  if (r === 0) return reshape(x, [1]);
  const a = normDim(start, r, 'flatten'), b = normDim(end, r, 'flatten');
  const shape = [...x.shape.slice(0, a), numel(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)];
  return reshape(x, shape);
}

/** Reorder dims: out.shape[i] = x.shape[dims[i]]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const r = x.ndim;
  if (dims.length !== r) throw new Error(`permute: got ${dims.length} dims for a tensor of shape ${fmtShape(x.shape)}`);
  const d = dims.map((v) => normDim(v, r, 'permute'));
  if (new Set(d).size !== r) throw new Error(`permute: dims ${JSON.stringify(dims)} are not a permutation`);
  const out = new Tensor(x.data, d.map((i) => x.shape[i]!), d.map((i) => x.strides[i]!), x.offset);
  const cs = contiguousStrides(x.shape);
  return viewOf(x, out, 'permute', 0, d.map((i) => cs[i]!));
}

/** Swap two dims. */
export function transpose(x: Tensor, d0: number, d1: number): Tensor {
  const r = x.ndim;
  const a = normDim(d0, r, 'transpose'), b = normDim(d1, r, 'transpose');
  const dims = [...Array(r).keys()];
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/** The slice [start, start+length) along `dim` (a view). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim(dim, x.ndim, 'narrow');
  const n = x.shape[d]!;
  if (start < 0) start += n;
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > n) {
    throw new Error(`narrow: range [${start}, ${start + length}) out of bounds for dim ${dim} of size ${n} (shape ${fmtShape(x.shape)})`);
  }
  const shape = [...x.shape];
  shape[d] = length;
  const out = new Tensor(x.data, shape, x.strides, x.offset + start * x.strides[d]!);
  const cs = contiguousStrides(x.shape);
  return viewOf(x, out, 'narrow', start * cs[d]!, cs);
}

/** Python-style slice along one dim: x[start:end] (negative indices allowed). */
export function slice(x: Tensor, dim: number, start: number, end?: number): Tensor {
  const d = normDim(dim, x.ndim, 'slice');
  const n = x.shape[d]!;
  const s = Math.min(Math.max(start < 0 ? start + n : start, 0), n);
  const e = Math.min(Math.max(end === undefined ? n : end < 0 ? end + n : end, s), n);
  return narrow(x, d, s, e - s);
}

/** Broadcast size-1 dims (and new leading dims) to `shape` without copying; -1 keeps a dim. */
export function expand(x: Tensor, shape: Shape): Tensor {
  const r = shape.length, off = r - x.ndim;
  if (off < 0) throw new Error(`expand: cannot expand ${fmtShape(x.shape)} to fewer dims ${fmtShape(shape)}`);
  const outShape: number[] = [];
  const strides: number[] = [];
  const gStrides: number[] = [];
  const cs = contiguousStrides(x.shape);
  for (let i = 0; i < r; i++) {
    const src = i >= off ? x.shape[i - off]! : 1;
    const want = shape[i] === -1 ? src : shape[i]!;
    if (src !== want && src !== 1) throw new Error(`expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)} (dim ${i}: ${src} vs ${want})`);
    outShape.push(want);
    const broadcast = i < off || (src === 1 && want !== 1);
    strides.push(broadcast ? 0 : x.strides[i - off]!);
    gStrides.push(broadcast ? 0 : cs[i - off]!);
  }
  const out = new Tensor(x.data, outShape, strides, x.offset);
  return viewOf(x, out, 'expand', 0, gStrides);
}

/** Insert a size-1 dim at `dim`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  const strides = [...x.strides];
  strides.splice(d, 0, d < x.ndim ? x.strides[d]! * x.shape[d]! : 1);
  const out = new Tensor(x.data, shape, strides, x.offset);
  return viewOf(x, out, 'unsqueeze', 0, contiguousStrides(shape));
}

/** Remove size-1 dims (all, or the one given). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  const keep: number[] = [];
  const d = dim === undefined ? -1 : normDim(dim, x.ndim, 'squeeze');
  for (let i = 0; i < x.ndim; i++) if (!(x.shape[i] === 1 && (d === -1 || d === i))) keep.push(i);
  const shape = keep.map((i) => x.shape[i]!);
  const out = new Tensor(x.data, shape, keep.map((i) => x.strides[i]!), x.offset);
  return viewOf(x, out, 'squeeze', 0, contiguousStrides(shape));
}
