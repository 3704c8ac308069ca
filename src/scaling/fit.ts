// Approach 3: fit L(N, D) = E + A/N^α + B/D^β to (N, D, loss) points by minimising the Huber loss (δ = 1e-3)
// of log-loss residuals with L-BFGS from a grid of starts, parametrised as in Hoffmann et al. 2022 / Epoch AI:
// log L̂ = LSE(a - α·ln N, b - β·ln D, e) with A = e^a, B = e^b, E = e^e; bootstrap intervals over points.

import { lbfgs, type LbfgsOptions } from './lbfgs.js';
import { huber, huberGrad } from './huber.js';
import { interval, resampleIndices, Rng, type Interval } from './bootstrap.js';
import { frontier, type Frontier, type LossLaw } from './chinchilla.js';

/** One trained model: parameters, training tokens, final loss (nats/token). */
export interface Observation {
  params: number;
  tokens: number;
  loss: number;
}

/** Options of `fitApproach3`. */
export interface Approach3Options {
  /** Huber threshold on log-loss residuals (default 1e-3). */
  delta?: number;
  /** Starting points [a, b, e, α, β]; default the Chinchilla grid (4,500 starts, see `chinchillaGrid`). */
  starts?: number[][];
  lbfgs?: LbfgsOptions;
  /** Bootstrap resamples of the points (default 200; 0 = none). */
  bootstraps?: number;
  /** Starts per bootstrap refit: the best this many distinct full-data solutions (default 8). */
  bootstrapStarts?: number;
  seed?: number;
  /** Interval coverage (default 0.95). */
  level?: number;
}

/** Fitted law with its frontier and intervals. */
export interface Approach3Fit {
  law: LossLaw;
  /** [a, b, e, α, β] = [ln A, ln B, ln E, α, β]. */
  theta: number[];
  frontier: Frontier;
  /** Σ Huber_δ(log L̂ - log L) at the optimum (the quantity Epoch and Chinchilla minimise). */
  huber_sum: number;
  /** Root mean square of log-loss residuals. */
  rmse_log: number;
  points: number;
  starts: number;
  bootstraps: number;
  /** Percentile intervals (absent when bootstraps = 0). */
  ci?: Record<'E' | 'A' | 'B' | 'alpha' | 'beta' | 'a' | 'b' | 'G', Interval>;
}

/** Hoffmann et al.'s grid: α, β ∈ {0, 0.5, ..., 2}, e ∈ {-1, -0.5, ..., 1}, a, b ∈ {0, 5, ..., 25}. */
export function chinchillaGrid(): number[][] {
  const out: number[][] = [];
  for (let a = 0; a <= 25; a += 5)
    for (let b = 0; b <= 25; b += 5)
      for (let e = -1; e <= 1 + 1e-9; e += 0.5)
        for (let al = 0; al <= 2 + 1e-9; al += 0.5)
          for (let be = 0; be <= 2 + 1e-9; be += 0.5) out.push([a, b, e, al, be]);
  return out;
}

/**
 * The objective (scaled by 1/δ so its size does not depend on δ) and its gradient, for L-BFGS.
 * Exported for tests.
 */
export function approach3Objective(obs: readonly Observation[], delta: number): (x: Float64Array, g: Float64Array) => number {
  const lnN = obs.map((o) => Math.log(o.params)), lnD = obs.map((o) => Math.log(o.tokens)), y = obs.map((o) => Math.log(o.loss));
  return (x, g) => {
    const [a, b, e, al, be] = x as unknown as [number, number, number, number, number];
    g.fill(0);
    let f = 0;
    for (let i = 0; i < y.length; i++) {
      const t1 = a - al * lnN[i]!, t2 = b - be * lnD[i]!, t3 = e;
      const m = Math.max(t1, t2, t3);
      const e1 = Math.exp(t1 - m), e2 = Math.exp(t2 - m), e3 = Math.exp(t3 - m), s = e1 + e2 + e3;
      const r = m + Math.log(s) - y[i]!;
      f += huber(r, delta);
      const h = huberGrad(r, delta);
      const p1 = e1 / s, p2 = e2 / s, p3 = e3 / s;
      g[0] = g[0]! + h * p1;
      g[1] = g[1]! + h * p2;
      g[2] = g[2]! + h * p3;
      g[3] = g[3]! - h * p1 * lnN[i]!;
      g[4] = g[4]! - h * p2 * lnD[i]!;
    }
    for (let k = 0; k < 5; k++) g[k] = g[k]! / delta;
    return f / delta;
  };
}

function lawOf(t: ArrayLike<number>): LossLaw {
  return { A: Math.exp(t[0]!), B: Math.exp(t[1]!), E: Math.exp(t[2]!), alpha: t[3]!, beta: t[4]! };
}

function solve(obs: readonly Observation[], starts: readonly number[][], delta: number, lo: LbfgsOptions): { theta: number[]; f: number }[] {
  const fn = approach3Objective(obs, delta);
  const sols: { theta: number[]; f: number }[] = [];
  for (const s of starts) {
    const r = lbfgs(fn, s, lo);
    if (Number.isFinite(r.f)) sols.push({ theta: Array.from(r.x), f: r.f });
  }
  sols.sort((p, q) => p.f - q.f);
  return sols;
}

/**
 * Fit Approach 3. Throws if fewer than 5 points.
 *
 * @example
 * const fit = fitApproach3(points, { bootstraps: 100, seed: 1 });
 * fit.law.alpha; fit.ci?.alpha.lo;
 */
export function fitApproach3(obs: readonly Observation[], opts: Approach3Options = {}): Approach3Fit {
  if (obs.length < 5) throw new Error(`scaling/fit: Approach 3 needs at least 5 points (5 parameters), got ${obs.length}`);
  for (const [i, o] of obs.entries()) {
    if (!(o.params > 0 && o.tokens > 0 && o.loss > 0)) throw new Error(`scaling/fit: point ${i} has non-positive params/tokens/loss: ${JSON.stringify(o)}`);
  }
  const delta = opts.delta ?? 1e-3, lo = opts.lbfgs ?? {}, level = opts.level ?? 0.95;
  const starts = opts.starts ?? chinchillaGrid();
  const sols = solve(obs, starts, delta, lo);
  if (sols.length === 0) throw new Error('scaling/fit: every L-BFGS start diverged');
  const best = sols[0]!;
  const law = lawOf(best.theta);
  let sq = 0;
  for (const o of obs) {
    const r = Math.log(law.E + law.A / o.params ** law.alpha + law.B / o.tokens ** law.beta) - Math.log(o.loss);
    sq += r * r;
  }
  const fit: Approach3Fit = {
    law, theta: best.theta, frontier: frontier(law), huber_sum: best.f * delta, rmse_log: Math.sqrt(sq / obs.length),
    points: obs.length, starts: starts.length, bootstraps: 0,
  };
  const nb = opts.bootstraps ?? 200;
  if (nb > 0) {
    // distinct refit starts: the best solutions that differ from each other (rounded to 1e-3)
    const k = opts.bootstrapStarts ?? 8, seen = new Set<string>(), bstarts: number[][] = [];
    for (const s of sols) {
      const key = s.theta.map((v) => v.toFixed(3)).join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      bstarts.push(s.theta);
      if (bstarts.length >= k) break;
    }
    const rng = new Rng(opts.seed ?? 0);
    const rep: Record<keyof NonNullable<Approach3Fit['ci']>, number[]> = { E: [], A: [], B: [], alpha: [], beta: [], a: [], b: [], G: [] };
    for (let i = 0; i < nb; i++) {
      const sample = resampleIndices(rng, obs.length).map((j) => obs[j]!);
      const s = solve(sample, bstarts, delta, lo)[0];
      if (!s) continue;
      const l = lawOf(s.theta), fr = frontier(l);
      rep.E.push(l.E); rep.A.push(l.A); rep.B.push(l.B); rep.alpha.push(l.alpha); rep.beta.push(l.beta);
      rep.a.push(fr.a); rep.b.push(fr.b); rep.G.push(fr.G);
    }
    fit.bootstraps = rep.E.length;
    if (rep.E.length >= 2) {
      fit.ci = {
        E: interval(rep.E, level), A: interval(rep.A, level), B: interval(rep.B, level), alpha: interval(rep.alpha, level),
        beta: interval(rep.beta, level), a: interval(rep.a, level), b: interval(rep.b, level), G: interval(rep.G, level),
      };
    }
  }
  return fit;
}
