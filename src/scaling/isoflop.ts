// Approach 2 (IsoFLOP profiles, Hoffmann et al. 2022 §3.2): per compute budget, fit a parabola of loss against
// ln N and take its minimum; then fit N_opt ∝ C^a and D_opt ∝ C^b (D_opt = C / (6 N_opt)) by least squares in
// log-log. Intervals: parametric bootstrap of the losses with the pooled residual variance of the parabolas.

import { interval, Rng, type Interval } from './bootstrap.js';

/** One run of an IsoFLOP family. `budget` is the family's nominal compute C (runs of one budget share it). */
export interface IsoRun {
  budget: number;
  params: number;
  loss: number;
}

/** The minimum of one IsoFLOP profile. */
export interface IsoMinimum {
  budget: number;
  params_opt: number;
  tokens_opt: number;
  /** Parabola value at the minimum. */
  loss_opt: number;
  /** loss ≈ c0 + c1·u + c2·u², u = ln N - u0. */
  coeffs: [number, number, number];
  u0: number;
  runs: number;
  /** False when the parabola opens downwards: params_opt is then the best run's N. */
  convex: boolean;
  /** True when params_opt lies outside the sizes trained for this budget. */
  extrapolated: boolean;
}

/** y = k · C^exponent fitted in log-log. */
export interface PowerLaw {
  exponent: number;
  coefficient: number;
  /** OLS standard error of the exponent (NaN with fewer than 3 budgets). */
  se_ols: number;
  ci?: Interval;
}

/** Result of `fitApproach2`. */
export interface Approach2Fit {
  minima: IsoMinimum[];
  params: PowerLaw;
  tokens: PowerLaw;
  /** Pooled residual standard deviation of the parabola fits (NaN when no degrees of freedom). */
  sigma: number;
  bootstraps: number;
}

/** Least-squares parabola through (u, y). Returns [c0, c1, c2]. */
export function fitParabola(u: readonly number[], y: readonly number[]): [number, number, number] {
  if (u.length < 3) throw new Error(`scaling/isoflop: a parabola needs 3 points, got ${u.length}`);
  // normal equations for [1, u, u²]
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, t0 = 0, t1 = 0, t2 = 0;
  for (let i = 0; i < u.length; i++) {
    const x = u[i]!, x2 = x * x;
    s0 += 1; s1 += x; s2 += x2; s3 += x2 * x; s4 += x2 * x2;
    t0 += y[i]!; t1 += x * y[i]!; t2 += x2 * y[i]!;
  }
  const M = [[s0, s1, s2], [s1, s2, s3], [s2, s3, s4]], r = [t0, t1, t2];
  return solve3(M, r) as [number, number, number];
}

function solve3(M: number[][], r: number[]): number[] {
  // Gaussian elimination with partial pivoting
  const A = M.map((row, i) => [...row, r[i]!]);
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let i = c + 1; i < 3; i++) if (Math.abs(A[i]![c]!) > Math.abs(A[p]![c]!)) p = i;
    [A[c], A[p]] = [A[p]!, A[c]!];
    if (Math.abs(A[c]![c]!) < 1e-300) throw new Error('scaling/isoflop: singular parabola fit (need 3 distinct model sizes per budget)');
    for (let i = c + 1; i < 3; i++) {
      const f = A[i]![c]! / A[c]![c]!;
      for (let j = c; j < 4; j++) A[i]![j] = A[i]![j]! - f * A[c]![j]!;
    }
  }
  const x = [0, 0, 0];
  for (let i = 2; i >= 0; i--) {
    let s = A[i]![3]!;
    for (let j = i + 1; j < 3; j++) s -= A[i]![j]! * x[j]!;
    x[i] = s / A[i]![i]!;
  }
  return x;
}

function lineFit(x: readonly number[], y: readonly number[]): { slope: number; intercept: number; se: number } {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n, my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sxx += (x[i]! - mx) ** 2; sxy += (x[i]! - mx) * (y[i]! - my); }
  const slope = sxy / sxx, intercept = my - slope * mx;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (y[i]! - intercept - slope * x[i]!) ** 2;
  return { slope, intercept, se: n > 2 ? Math.sqrt(rss / (n - 2) / sxx) : NaN };
}

function groups(runs: readonly IsoRun[]): Map<number, IsoRun[]> {
  const g = new Map<number, IsoRun[]>();
  for (const r of runs) {
    if (!(r.budget > 0 && r.params > 0 && Number.isFinite(r.loss))) throw new Error(`scaling/isoflop: bad run ${JSON.stringify(r)}`);
    const list = g.get(r.budget) ?? [];
    list.push(r);
    g.set(r.budget, list);
  }
  return new Map([...g.entries()].sort((a, b) => a[0] - b[0]));
}

/** The minimum of one budget's profile from its runs (≥ 3 distinct sizes). */
export function isoMinimum(budget: number, runs: readonly IsoRun[], losses?: readonly number[]): IsoMinimum {
  const lnN = runs.map((r) => Math.log(r.params));
  const y = losses ?? runs.map((r) => r.loss);
  if (new Set(lnN.map((v) => v.toFixed(9))).size < 3) throw new Error(`scaling/isoflop: budget ${budget.toExponential(3)} has fewer than 3 distinct model sizes`);
  const u0 = lnN.reduce((a, b) => a + b, 0) / lnN.length;
  const u = lnN.map((v) => v - u0);
  const c = fitParabola(u, y);
  const lo = Math.min(...lnN), hi = Math.max(...lnN);
  let lnOpt: number, params_opt: number;
  const convex = c[2] > 0;
  if (convex) { lnOpt = u0 - c[1] / (2 * c[2]); params_opt = Math.exp(lnOpt); }
  else {
    let k = 0;
    for (let i = 1; i < y.length; i++) if (y[i]! < y[k]!) k = i;
    lnOpt = lnN[k]!;
    params_opt = runs[k]!.params;
  }
  const du = lnOpt - u0;
  return {
    budget, params_opt, tokens_opt: budget / (6 * params_opt), loss_opt: c[0] + c[1] * du + c[2] * du * du,
    coeffs: c, u0, runs: runs.length, convex, extrapolated: lnOpt < lo - 1e-12 || lnOpt > hi + 1e-12,
  };
}

/**
 * Fit Approach 2 to runs grouped by budget (≥ 2 budgets, ≥ 3 sizes each).
 *
 * @example const a2 = fitApproach2(runs, { bootstraps: 1000, seed: 0 }); a2.params.exponent // a in N_opt ∝ C^a
 */
export function fitApproach2(runs: readonly IsoRun[], opts: { bootstraps?: number; seed?: number; level?: number } = {}): Approach2Fit {
  const g = groups(runs);
  if (g.size < 2) throw new Error(`scaling/isoflop: Approach 2 needs at least 2 compute budgets, got ${g.size}`);
  const budgets = [...g.keys()];
  const minima = budgets.map((C) => isoMinimum(C, g.get(C)!));
  const powerLaws = (ms: IsoMinimum[]): { n: ReturnType<typeof lineFit>; d: ReturnType<typeof lineFit> } => {
    const x = ms.map((m) => Math.log(m.budget));
    return { n: lineFit(x, ms.map((m) => Math.log(m.params_opt))), d: lineFit(x, ms.map((m) => Math.log(m.tokens_opt))) };
  };
  const base = powerLaws(minima);
  // pooled residual variance of the parabolas
  let rss = 0, dof = 0;
  for (const [i, C] of budgets.entries()) {
    const rs = g.get(C)!, m = minima[i]!;
    for (const r of rs) {
      const u = Math.log(r.params) - m.u0;
      rss += (r.loss - (m.coeffs[0] + m.coeffs[1] * u + m.coeffs[2] * u * u)) ** 2;
    }
    dof += rs.length - 3;
  }
  const sigma = dof > 0 ? Math.sqrt(rss / dof) : NaN;
  const fit: Approach2Fit = {
    minima,
    params: { exponent: base.n.slope, coefficient: Math.exp(base.n.intercept), se_ols: base.n.se },
    tokens: { exponent: base.d.slope, coefficient: Math.exp(base.d.intercept), se_ols: base.d.se },
    sigma, bootstraps: 0,
  };
  const nb = opts.bootstraps ?? 1000;
  if (nb > 0 && Number.isFinite(sigma) && sigma > 0) {
    const rng = new Rng(opts.seed ?? 0), repN: number[] = [], repD: number[] = [];
    for (let b = 0; b < nb; b++) {
      const ms = budgets.map((C, i) => {
        const rs = g.get(C)!, m = minima[i]!;
        const y = rs.map((r) => {
          const u = Math.log(r.params) - m.u0;
          return m.coeffs[0] + m.coeffs[1] * u + m.coeffs[2] * u * u + sigma * rng.normal();
        });
        return isoMinimum(C, rs, y);
      });
      const p = powerLaws(ms);
      if (Number.isFinite(p.n.slope) && Number.isFinite(p.d.slope)) { repN.push(p.n.slope); repD.push(p.d.slope); }
    }
    const level = opts.level ?? 0.95;
    fit.params.ci = interval(repN, level);
    fit.tokens.ci = interval(repD, level);
    fit.bootstraps = repN.length;
  }
  return fit;
}
