// Bootstrap helpers: seeded resampling with replacement, percentile intervals and standard errors.
// Percentile intervals as in Efron & Tibshirani (1993) ch. 13; quantiles by linear interpolation (numpy's default).

import { Rng } from '../tensor/rng.js';

/** Quantile q in [0, 1] of `values` by linear interpolation between order statistics. @example quantile([1, 2, 3, 4], 0.5) // 2.5 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('scaling/bootstrap: quantile of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h), hi = Math.ceil(h);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

/** Sample standard deviation (n - 1). @example stddev([1, 2, 3]) // 1 */
export function stddev(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const m = values.reduce((a, b) => a + b, 0) / n;
  return Math.sqrt(values.reduce((a, b) => a + (b - m) * (b - m), 0) / (n - 1));
}

/** A percentile interval and standard error. */
export interface Interval {
  lo: number;
  hi: number;
  se: number;
  /** Coverage, e.g. 0.95. */
  level: number;
}

/** Percentile interval of bootstrap replicates. @example interval([1, 2, 3], 0.5) */
export function interval(replicates: readonly number[], level = 0.95): Interval {
  const a = (1 - level) / 2;
  return { lo: quantile(replicates, a), hi: quantile(replicates, 1 - a), se: stddev(replicates), level };
}

/** n indices drawn uniformly with replacement from [0, n). @example resampleIndices(new Rng(1), 3) // e.g. [2, 0, 2] */
export function resampleIndices(rng: Rng, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = rng.randint(0, n);
  return out;
}

export { Rng };
