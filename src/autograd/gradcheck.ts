// gradcheck: compare tape gradients with float64 central finite differences.
// The output is reduced to a scalar with a fixed random projection r (L = Σ r·y), so every
// output element's gradient is checked at once; dL/dx is compared element by element.
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { fmtShape } from '../tensor/shape.js';
import { noGrad } from './tape.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Relative tolerance (default 1e-4). */
  rtol?: number;
  /** Seed of the projection vector. */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** Largest |analytic − numeric| over all checked elements. */
  maxAbsDiff: number;
  /** First failing element, for the error message. */
  failure?: string;
}

function projected(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], r: Float64Array): number {
  const y = fn(...inputs);
  const v = y.toArray();
  let s = 0;
  for (let i = 0; i < v.length; i++) s += r[i]! * v[i]!;
  return s;
}

/**
 * Check the gradients of `fn` with respect to every float64 input that requires grad.
 * @example gradcheck((a, b) => mul(a, b), [randn([3, 4], { dtype: 'float64', requiresGrad: true }), ...])
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-6, rtol = opts.rtol ?? 1e-4;
  for (const x of inputs) {
    if (x.requiresGrad && x.dtype !== 'float64') throw new Error(`gradcheck: inputs that require grad must be float64, got ${x.dtype} ${fmtShape(x.shape)}`);
    if (x.requiresGrad && !x.isLeaf) throw new Error('gradcheck: inputs must be leaf tensors');
  }
  const y = fn(...inputs);
  const rng = new Rng(opts.seed ?? 1234);
  const r = new Float64Array(y.size);
  for (let i = 0; i < r.length; i++) r[i] = rng.normal();
  for (const x of inputs) x.grad = null;
  if (!y.requiresGrad) throw new Error('gradcheck: the output does not require grad');
  y.backward(new Tensor(new Float64Array(r), y.shape));

  let maxAbsDiff = 0;
  let failure: string | undefined;
  inputs.forEach((x, xi) => {
    if (!x.requiresGrad) return;
    const analytic = x.grad ? x.grad.toArray() : new Float64Array(x.size);
    // perturb the storage element behind each logical position (inputs are contiguous leaves)
    const c = x.isContiguous();
    if (!c) throw new Error('gradcheck: inputs must be contiguous');
    for (let i = 0; i < x.size; i++) {
      const p = x.offset + i;
      const orig = x.data[p]!;
      x.data[p] = orig + eps;
      const lp = noGrad(() => projected(fn, inputs, r));
      x.data[p] = orig - eps;
      const lm = noGrad(() => projected(fn, inputs, r));
      x.data[p] = orig;
      const numeric = (lp - lm) / (2 * eps);
      const a = analytic[i]!;
      const diff = Math.abs(a - numeric);
      if (!(diff <= maxAbsDiff)) maxAbsDiff = Number.isNaN(diff) ? NaN : Math.max(maxAbsDiff, diff);
      if (!(diff <= atol + rtol * Math.abs(numeric)) && !failure) {
        failure = `input ${xi} ${fmtShape(x.shape)} element ${i}: analytic ${a}, numeric ${numeric} (|diff| ${diff})`;
      }
    }
  });
  for (const x of inputs) x.grad = null;
  return { ok: !failure, maxAbsDiff, failure };
}
