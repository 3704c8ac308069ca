// Chinchilla planner: compute-optimal parameters and tokens from any one of C, N, D under a chosen fit,
// the predicted loss, a concrete shape realising N and the time on this machine. Follows Hoffmann et al. 2022
// (closed-form frontier of Approach 3, Table 3 for Approach 1) and Besiroglu et al. 2024's refit; FACTS §1.

import { flopsPerToken } from './counts.js';
import { shapeForParams, type ShapeChoice } from './shape_rule.js';
import type { Arch, ModelShape } from './shape.js';

/** L(N, D) = E + A/N^alpha + B/D^beta (nats per token). */
export interface LossLaw {
  E: number;
  A: number;
  B: number;
  alpha: number;
  beta: number;
}

/** Fits the planner knows. `approach1` interpolates Chinchilla Table 3 (see `approach1FromCompute`). */
export type FitName = 'hoffmann' | 'hoffmann-unrounded' | 'epoch' | 'approach1';
export const FIT_NAMES: readonly FitName[] = ['hoffmann', 'hoffmann-unrounded', 'epoch', 'approach1'];

/** The parametric laws, with where each number comes from. */
export const LAWS: Record<Exclude<FitName, 'approach1'>, LossLaw & { description: string }> = {
  hoffmann: { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28,
    description: 'Hoffmann et al. 2022 Approach 3, published rounded constants (nanoGPT scaling_laws.ipynb)' },
  'hoffmann-unrounded': { E: Math.exp(0.5267228), A: Math.exp(6.0073404), B: Math.exp(6.0179186), alpha: 0.33917084, beta: 0.2849083,
    description: 'Hoffmann et al. 2022 Approach 3, unrounded constants from the paper TeX source (Epoch true_params)' },
  epoch: { E: 1.8172, A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658,
    description: 'Besiroglu et al. 2024 (Epoch AI) refit on 240 digitised points, as commonly quoted (notebook: E 1.81686, A 482.00572, B 2085.43420, α 0.34781, β 0.36585)' },
};

/** Predicted loss L(N, D). @example predictLoss(LAWS.hoffmann, 70e9, 1.4e12) // 1.9366 */
export function predictLoss(law: LossLaw, N: number, D: number): number {
  return law.E + law.A / Math.pow(N, law.alpha) + law.B / Math.pow(D, law.beta);
}

/** Closed-form frontier constants: N_opt = G·(C/6)^a, D_opt = (C/6)^b / G. */
export interface Frontier {
  G: number;
  a: number;
  b: number;
}

/** @example frontier(LAWS.hoffmann).G // 1.3447 */
export function frontier(law: LossLaw): Frontier {
  const G = Math.pow((law.alpha * law.A) / (law.beta * law.B), 1 / (law.alpha + law.beta));
  return { G, a: law.beta / (law.alpha + law.beta), b: law.alpha / (law.alpha + law.beta) };
}

/** One row of Chinchilla Table 3 (Approach 1 projections). */
export interface Table3Row {
  params: number;
  flops: number;
  tokens: number;
}

/** Chinchilla Table 3 as printed (FACTS §1.1). */
export const CHINCHILLA_TABLE3: readonly Table3Row[] = [
  { params: 400e6, flops: 1.92e19, tokens: 8.0e9 },
  { params: 1e9, flops: 1.21e20, tokens: 20.2e9 },
  { params: 10e9, flops: 1.23e22, tokens: 205.1e9 },
  { params: 67e9, flops: 5.76e23, tokens: 1.5e12 },
  { params: 175e9, flops: 3.85e24, tokens: 3.7e12 },
  { params: 280e9, flops: 9.9e24, tokens: 5.9e12 },
  { params: 520e9, flops: 3.43e25, tokens: 11.0e12 },
  { params: 1e12, flops: 1.27e26, tokens: 21.2e12 },
  { params: 10e12, flops: 1.3e28, tokens: 216.2e12 },
];

/** Compute-optimal allocation at one point. */
export interface Allocation {
  compute: number;
  params: number;
  tokens: number;
  /** Local exponents d ln N / d ln C and d ln D / d ln C. */
  a: number;
  b: number;
}

// Approach 1: piecewise-linear interpolation of ln N against ln C through the Table 3 (params, FLOPs) columns,
// extended beyond the table with the end segments' slopes; D = C / (6N). The rows satisfy C = 6ND to the printed
// precision except 67B, whose FLOPs are the Gopher budget (5.76e23 / (6·67e9) = 1.43T, printed 1.5T).
const T3x = CHINCHILLA_TABLE3.map((r) => Math.log(r.flops));
const T3y = CHINCHILLA_TABLE3.map((r) => Math.log(r.params));

function segment(xs: readonly number[], x: number): number {
  let i = 0;
  while (i < xs.length - 2 && x > xs[i + 1]!) i++;
  return i;
}

/** Approach 1 allocation for a compute budget. @example approach1FromCompute(1.21e20).params // 1e9 */
export function approach1FromCompute(C: number): Allocation {
  const x = Math.log(C);
  const i = segment(T3x, x);
  const slope = (T3y[i + 1]! - T3y[i]!) / (T3x[i + 1]! - T3x[i]!);
  const N = Math.exp(T3y[i]! + slope * (x - T3x[i]!));
  return { compute: C, params: N, tokens: C / (6 * N), a: slope, b: 1 - slope };
}

/** Approach 1 allocation for a parameter count (inverse interpolation). */
export function approach1FromParams(N: number): Allocation {
  const y = Math.log(N);
  const i = segment(T3y, y);
  const slope = (T3x[i + 1]! - T3x[i]!) / (T3y[i + 1]! - T3y[i]!);
  return approach1FromCompute(Math.exp(T3x[i]! + slope * (y - T3y[i]!)));
}

/** Approach 1 allocation for a token count (D(C) is increasing: bisection on ln C). */
export function approach1FromTokens(D: number): Allocation {
  let lo = Math.log(1e6), hi = Math.log(1e40);
  for (let k = 0; k < 200; k++) {
    const mid = 0.5 * (lo + hi);
    if (approach1FromCompute(Math.exp(mid)).tokens < D) lo = mid; else hi = mid;
  }
  return approach1FromCompute(Math.exp(0.5 * (lo + hi)));
}

/** Closed-form allocation under a parametric law given exactly one of C, N, D (C = 6ND). */
export function lawAllocation(law: LossLaw, given: { compute?: number; params?: number; tokens?: number }): Allocation {
  const { G, a, b } = frontier(law);
  let C: number;
  if (given.compute !== undefined) C = given.compute;
  else if (given.params !== undefined) C = 6 * Math.pow(given.params / G, 1 / a);
  else if (given.tokens !== undefined) C = 6 * Math.pow(given.tokens * G, 1 / b);
  else throw new Error('scaling/chinchilla: give one of compute, params, tokens');
  return { compute: C, params: G * Math.pow(C / 6, a), tokens: Math.pow(C / 6, b) / G, a, b };
}

/** Planner input: exactly one of these. */
export interface PlanInput {
  compute?: number;
  params?: number;
  tokens?: number;
}

/** Planner options. */
export interface PlanOptions {
  fit?: FitName;
  /** Architecture, vocabulary and context of the concrete shape (default gpt, 50257, 1024). */
  arch?: Arch;
  vocab_size?: number;
  block_size?: number;
  /** Measured training throughput (tokens/s), a number or a function of the shape. */
  tokensPerSecond?: number | ((shape: ModelShape) => number);
  /** Alternatively, achieved training FLOP/s; time = flops_per_token(shape) · D / flopsPerSecond. */
  flopsPerSecond?: number;
}

/** The planner's answer. */
export interface Plan {
  fit: FitName;
  fit_description: string;
  given: 'compute' | 'params' | 'tokens';
  compute: number;
  params: number;
  tokens: number;
  tokens_per_param: number;
  /** Predicted loss at (params, tokens), nats/token on the paper's MassiveText/SentencePiece setup. */
  loss: number;
  /** The law the loss comes from (approach1 has none of its own: hoffmann-unrounded). */
  loss_law: Exclude<FitName, 'approach1'>;
  /** Frontier constants (approach1: the local slopes; G absent). */
  G?: number;
  a: number;
  b: number;
  shape: ModelShape;
  shape_params: number;
  shape_rel_error: number;
  shape_aspect: number;
  shape_within_tolerance: boolean;
  /** Training FLOPs per token of the shape (6N + attention) at its block_size. */
  shape_flops_per_token: number;
  /** Seconds to train the shape on `tokens` at the given throughput; null when no throughput was given. */
  seconds: number | null;
  time_basis: string;
}

/**
 * Compute-optimal plan from one of C, N, D.
 *
 * @example plan({ compute: 5.76e23 }, { fit: 'epoch' }).params // ≈ 72.3e9
 */
export function plan(input: PlanInput, opts: PlanOptions = {}): Plan {
  const given = (['compute', 'params', 'tokens'] as const).filter((k) => input[k] !== undefined);
  if (given.length !== 1) throw new Error(`scaling/chinchilla: give exactly one of compute, params, tokens (got ${given.length === 0 ? 'none' : given.join(', ')})`);
  const key = given[0]!;
  const v = input[key]!;
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`scaling/chinchilla: ${key} must be a positive number, got ${v}`);
  const fit = opts.fit ?? 'epoch';
  if (!FIT_NAMES.includes(fit)) throw new Error(`scaling/chinchilla: unknown fit "${fit}" (expected ${FIT_NAMES.join(', ')})`);
  let alloc: Allocation, G: number | undefined, description: string, lossLaw: Exclude<FitName, 'approach1'>;
  if (fit === 'approach1') {
    alloc = key === 'compute' ? approach1FromCompute(v) : key === 'params' ? approach1FromParams(v) : approach1FromTokens(v);
    description = 'Hoffmann et al. 2022 Approach 1: log-log interpolation of Table 3 (params, FLOPs), D = C/(6N); loss from hoffmann-unrounded';
    lossLaw = 'hoffmann-unrounded';
  } else {
    const law = LAWS[fit];
    alloc = lawAllocation(law, { [key]: v });
    G = frontier(law).G;
    description = law.description;
    lossLaw = fit;
  }
  const choice: ShapeChoice = shapeForParams(alloc.params, { arch: opts.arch, vocab_size: opts.vocab_size, block_size: opts.block_size });
  const fpt = flopsPerToken(choice.shape).flops_per_token;
  let seconds: number | null = null, basis = 'no throughput given (pass tokensPerSecond / --tokens-per-second)';
  if (opts.tokensPerSecond !== undefined) {
    const tps = typeof opts.tokensPerSecond === 'function' ? opts.tokensPerSecond(choice.shape) : opts.tokensPerSecond;
    if (!(tps > 0)) throw new Error(`scaling/chinchilla: tokensPerSecond must be positive, got ${tps}`);
    seconds = alloc.tokens / tps;
    basis = `${tps.toPrecision(4)} tokens/s`;
  } else if (opts.flopsPerSecond !== undefined) {
    if (!(opts.flopsPerSecond > 0)) throw new Error(`scaling/chinchilla: flopsPerSecond must be positive, got ${opts.flopsPerSecond}`);
    seconds = (fpt * alloc.tokens) / opts.flopsPerSecond;
    basis = `${(opts.flopsPerSecond / 1e9).toPrecision(4)} GFLOP/s achieved, ${fpt.toPrecision(4)} FLOPs/token`;
  }
  return {
    fit, fit_description: description, given: key,
    compute: alloc.compute, params: alloc.params, tokens: alloc.tokens, tokens_per_param: alloc.tokens / alloc.params,
    loss: predictLoss(LAWS[lossLaw], alloc.params, alloc.tokens), loss_law: lossLaw,
    ...(G !== undefined ? { G } : {}), a: alloc.a, b: alloc.b,
    shape: choice.shape, shape_params: choice.params, shape_rel_error: choice.rel_error, shape_aspect: choice.aspect,
    shape_within_tolerance: choice.within_tolerance, shape_flops_per_token: fpt,
    seconds, time_basis: basis,
  };
}
