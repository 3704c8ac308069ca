// Parameters, gradients and optimizer moments in contiguous buffers with tensors as views:
// one fused AdamW call per group, one-pass gradient norm, one fill to zero the gradients.
import type { FloatArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

export interface FlatParams {
  /** All parameter values, in the given order. */
  data: FloatArray;
  /** All gradients, same layout. */
  grad: FloatArray;
}

/**
 * Re-home `params` (float32 or float64, all the same dtype) into one buffer and give each a
 * preallocated gradient view into a second buffer. Values are preserved; tensors keep identity.
 */
export function flattenParameters(params: readonly Tensor[]): FlatParams {
  if (params.length === 0) return { data: new Float32Array(0), grad: new Float32Array(0) };
  const dtype = params[0]!.dtype;
  for (const p of params) if (p.dtype !== dtype || dtype === 'int32') throw new Error(`flattenParameters: all parameters must share one float dtype (${dtype} vs ${p.dtype})`);
  const total = params.reduce((a, p) => a + p.size, 0);
  const Ctor = dtype === 'float64' ? Float64Array : Float32Array;
  const data = new Ctor(total), grad = new Ctor(total);
  let off = 0;
  for (const p of params) {
    const vals = p.toArray();
    data.set(vals as never, off);
    if (p.grad) grad.set(p.grad.toArray() as never, off);
    p.data = data;
    p.offset = off;
    p.strides = contiguousOf(p.shape);
    p.grad = new Tensor(grad, p.shape, undefined, off);
    off += p.size;
  }
  return { data, grad };
}

function contiguousOf(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}

/** A maximal run of parameters that are adjacent in one storage (and so are their grads). */
export interface Run {
  params: Tensor[];
  data: FloatArray;
  grad: FloatArray;
  /** Offset of this run inside the optimizer's moment buffers. */
  stateOffset: number;
  size: number;
}

/** Split a parameter list into runs that can be updated by one kernel call each. */
export function contiguousRuns(params: readonly Tensor[]): Run[] {
  const runs: Run[] = [];
  let stateOffset = 0;
  let cur: Tensor[] = [];
  const flush = (): void => {
    if (!cur.length) return;
    const first = cur[0]!, last = cur[cur.length - 1]!;
    const size = last.offset + last.size - first.offset;
    const g0 = first.grad!;
    runs.push({
      params: cur,
      data: first.data.subarray(first.offset, first.offset + size) as FloatArray,
      grad: g0.data.subarray(g0.offset, g0.offset + size) as FloatArray,
      stateOffset,
      size,
    });
    stateOffset += size;
    cur = [];
  };
  for (const p of params) {
    if (!p.grad) p.grad = new Tensor(p.dtype === 'float64' ? new Float64Array(p.size) : new Float32Array(p.size), p.shape);
    if (!p.isContiguous() || !p.grad.isContiguous()) throw new Error(`optimizer: parameter ${p} is not contiguous`);
    const prev = cur[cur.length - 1];
    const adjacent = prev && prev.data === p.data && prev.offset + prev.size === p.offset
      && prev.grad!.data === p.grad.data && prev.grad!.offset + prev.size === p.grad.offset;
    if (!adjacent) flush();
    cur.push(p);
  }
  flush();
  return runs;
}
