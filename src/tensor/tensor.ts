// Tensor: a typed-array storage seen through shape, strides and an offset, plus autograd fields.
// Views (reshape, transpose, narrow, expand) share storage; ops read views through strides or
// call contiguous() first. Gradients are always contiguous tensors of the same shape.
import { allocate, allocateUninit, type DType, type FloatArray, type Storage, dtypeOf } from './dtype.js';
import { contiguousStrides, fmtShape, numel, type Shape } from './shape.js';
import { defaultRng, type Rng } from './rng.js';
import { backward as runBackward, type Node } from '../autograd/tape.js';

type Nested = number | Nested[];

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export class Tensor {
  data: Storage;
  shape: number[];
  strides: number[];
  offset: number;
  readonly dtype: DType;
  /** True for leaves that want a gradient and for every result computed from one. */
  requiresGrad: boolean;
  /** Accumulated gradient (contiguous, same shape) once backward has reached this tensor. */
  grad: Tensor | null = null;
  /** The tape node that produced this tensor (null for leaves and after backward released it). */
  ctx: Node | null = null;
  /** Keep `grad` on a non-leaf after backward (like torch's retain_grad). */
  retainsGrad = false;

  constructor(data: Storage, shape: Shape, strides?: readonly number[], offset = 0, requiresGrad = false) {
    this.data = data;
    this.shape = [...shape];
    this.strides = strides ? [...strides] : contiguousStrides(shape);
    this.offset = offset;
    this.dtype = dtypeOf(data);
    this.requiresGrad = requiresGrad;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`Tensor: invalid shape ${fmtShape(shape)}`);
    }
    if (!strides && numel(shape) > data.length - offset) {
      throw new Error(`Tensor: storage of ${data.length} elements is too small for shape ${fmtShape(shape)}`);
    }
  }

  get ndim(): number { return this.shape.length; }
  get size(): number { return numel(this.shape); }
  get isLeaf(): boolean { return this.ctx === null; }

  isContiguous(): boolean {
    let expect = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expect) return false;
      expect *= this.shape[i]!;
    }
    return true;
  }

  /** The contiguous elements as a typed array view (zero-copy); throws if not contiguous. */
  buffer(): Storage {
    if (!this.isContiguous()) throw new Error(`buffer(): tensor of shape ${fmtShape(this.shape)} is not contiguous; call contiguous() first`);
    const n = this.size;
    this.assertLive();
    return this.offset === 0 && this.data.length === n ? this.data : this.data.subarray(this.offset, this.offset + n);
  }

  /** Throws when the storage was recycled by a backward pass with releaseGraph. */
  assertLive(): void {
    if (this.data.length === 0 && this.size > 0) {
      throw new Error(`tensor of shape ${fmtShape(this.shape)}: its storage was released after backward (the trainer recycles intermediate activations)`);
    }
  }

  /** Float buffer view; throws on int32. */
  fbuffer(): FloatArray {
    if (this.dtype === 'int32') throw new Error(`expected a float tensor, got int32 of shape ${fmtShape(this.shape)}`);
    return this.buffer() as FloatArray;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor has ${this.size} elements (shape ${fmtShape(this.shape)}), expected 1`);
    this.assertLive();
    return this.data[this.offset]!;
  }

  /** A fresh contiguous copy of the values as a plain typed array (row-major). */
  toArray(): Storage {
    const out = allocate(this.dtype, this.size);
    copyInto(this, out);
    return out;
  }

  /** Values as a nested JS array. */
  toList(): Nested {
    const flat = Array.from(this.toArray());
    if (this.shape.length === 0) return flat[0]!;
    let i = 0;
    const build = (d: number): Nested[] => {
      const out: Nested[] = [];
      for (let k = 0; k < this.shape[d]!; k++) out.push(d === this.shape.length - 1 ? flat[i++]! : build(d + 1));
      return out;
    };
    return build(0);
  }

  /** Reverse-mode autodiff from this tensor. Non-scalar outputs need an explicit gradient. */
  backward(gradient?: Tensor): void {
    runBackward(this, gradient);
  }

  /** A tensor sharing storage with this one but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.strides, this.offset, false);
  }

  /** Mark a leaf as requiring a gradient (chainable). */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf) throw new Error('requiresGrad_(): only leaf tensors can change requiresGrad; use detach() first');
    if (flag && this.dtype === 'int32') throw new Error('requiresGrad_(): int32 tensors cannot require gradients');
    this.requiresGrad = flag;
    return this;
  }

  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  toString(): string {
    return `Tensor(shape=${fmtShape(this.shape)}, dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

/** Copy a (possibly strided) tensor's values into a contiguous typed array. */
export function copyInto(t: Tensor, out: Storage): void {
  const n = t.size;
  t.assertLive();
  if (t.isContiguous()) {
    out.set(t.data.subarray(t.offset, t.offset + n) as never);
    return;
  }
  // strided walk, row-major
  const rank = t.shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let li = 0; li < n; li++) {
    let p = t.offset;
    for (let d = 0; d < rank; d++) p += idx[d]! * t.strides[d]!;
    out[li] = t.data[p]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < t.shape[d]!) break;
      idx[d] = 0;
    }
  }
}

// ---------------------------------------------------------------- factories

function inferShape(x: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0]!;
    if (cur === undefined) break;
  }
  return shape;
}

/**
 * Build a tensor from nested arrays or a typed array.
 * @example tensor([[1, 2], [3, 4]], { requiresGrad: true })
 */
export function tensor(values: Nested | Storage | readonly number[], opts: TensorOptions & { shape?: Shape } = {}): Tensor {
  const dtype = opts.dtype ?? (ArrayBuffer.isView(values) ? dtypeOf(values as Storage) : 'float32');
  let shape: number[];
  let flat: ArrayLike<number>;
  if (ArrayBuffer.isView(values)) {
    flat = values as Storage;
    shape = opts.shape ? [...opts.shape] : [flat.length];
  } else {
    shape = opts.shape ? [...opts.shape] : inferShape(values as Nested);
    flat = Array.isArray(values) ? ((values as unknown[]).flat(Infinity as 1) as number[]) : [values as number];
    if (!opts.shape && flat.length !== numel(shape)) throw new Error(`tensor(): ragged nested array (inferred shape ${fmtShape(shape)}, ${flat.length} values)`);
  }
  if (flat.length !== numel(shape)) throw new Error(`tensor(): ${flat.length} values do not fill shape ${fmtShape(shape)}`);
  const data = allocate(dtype, flat.length);
  if (ArrayBuffer.isView(values) && dtypeOf(values as Storage) === dtype) data.set(values as never);
  else for (let i = 0; i < flat.length; i++) data[i] = flat[i]!;
  const t = new Tensor(data, shape);
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  const t = new Tensor(allocate(opts.dtype ?? 'float32', numel(shape)), shape);
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** A tensor whose values are undefined: for op outputs that a kernel overwrites completely. */
export function empty(shape: Shape, opts: { dtype?: DType } = {}): Tensor {
  return new Tensor(allocateUninit(opts.dtype ?? 'float32', numel(shape)), shape);
}

export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  const t = zeros(shape, opts);
  t.data.fill(value);
  return t;
}

export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

export function zerosLike(t: Tensor): Tensor {
  return zeros(t.shape, { dtype: t.dtype });
}

/** [start, end) with step, as int32 unless a float dtype is asked for. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) { end = start; start = 0; }
  const n = Math.max(0, Math.ceil((end - start) / step));
  const t = zeros([n], { dtype: opts.dtype ?? 'int32' });
  for (let i = 0; i < n; i++) t.data[i] = start + i * step;
  return t;
}

/** Samples of N(mean, std²) from a seeded generator (the default one unless given). */
export function randn(shape: Shape, opts: TensorOptions & { rng?: Rng; mean?: number; std?: number } = {}): Tensor {
  const t = zeros(shape, { dtype: opts.dtype ?? 'float32' });
  const rng = opts.rng ?? defaultRng;
  const mean = opts.mean ?? 0, std = opts.std ?? 1;
  for (let i = 0; i < t.data.length; i++) t.data[i] = mean + std * rng.normal();
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** Samples of U[low, high). */
export function rand(shape: Shape, opts: TensorOptions & { rng?: Rng; low?: number; high?: number } = {}): Tensor {
  const t = zeros(shape, { dtype: opts.dtype ?? 'float32' });
  const rng = opts.rng ?? defaultRng;
  const lo = opts.low ?? 0, hi = opts.high ?? 1;
  for (let i = 0; i < t.data.length; i++) t.data[i] = lo + (hi - lo) * rng.uniform();
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** Integers uniform in [low, high), int32. */
export function randint(low: number, high: number, shape: Shape, opts: { rng?: Rng } = {}): Tensor {
  const t = zeros(shape, { dtype: 'int32' });
  const rng = opts.rng ?? defaultRng;
  for (let i = 0; i < t.data.length; i++) t.data[i] = rng.randint(low, high);
  return t;
}
