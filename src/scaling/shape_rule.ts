// A concrete model shape (n_layer, n_embd, n_head) whose exact parameter count realises a target N.
// Rule: n_embd a multiple of 32 / 64 / 128 (head_dim 32 up to 256, 64 up to 2048, 128 above); among shapes within `tolerance`
// minimise (ln(params/N)/0.02)^2 + (ln(aspect/target)/ln 2)^2, aspect = d_model/n_layer, target growing with N.

import { countParams } from './counts.js';
import type { Arch, ModelShape } from './shape.js';

/** Options of `shapeForParams`. */
export interface ShapeRuleOptions {
  arch?: Arch;
  vocab_size?: number;
  block_size?: number;
  /** Relative count error above which the choice is flagged `within_tolerance: false` (default 0.05). */
  tolerance?: number;
  /** Override the aspect-ratio target d_model/n_layer (default: aspectTarget(N)). */
  aspect?: number;
  /** Largest n_layer tried (default 256). */
  maxLayers?: number;
  /** Relative count error that costs as much as an aspect ratio off by 2x (default 0.02). Sweeps use a looser
   *  value: their N is recorded exactly, so a regular family of shapes matters more than hitting N. */
  countScale?: number;
}

/** The shape chosen and how well it realises N. */
export interface ShapeChoice {
  shape: ModelShape;
  params: number;
  /** params / N - 1. */
  rel_error: number;
  aspect: number;
  aspect_target: number;
  /** False when the count misses N by more than the tolerance (e.g. N below the embedding table alone). */
  within_tolerance: boolean;
}

/**
 * Target d_model/n_layer: 32 up to 1e6 parameters, rising log-linearly to 64 at 1e8 (GPT-2 124M: 768/12 = 64),
 * flat to 1e9, rising to 128 at 1e11 and above (GPT-3 175B: 128; Chinchilla 70B: 102; Llama 65B: 102).
 * Kaplan et al. 2020 (Fig. 5) found loss within a few percent over aspect ratios 20-200, so this is a
 * convention, not an optimum.
 *
 * @example aspectTarget(1e8) // 64
 */
export function aspectTarget(N: number): number {
  if (N <= 1e6) return 32;
  if (N < 1e8) return 32 * Math.pow(2, Math.log10(N / 1e6) / 2);
  if (N <= 1e9) return 64;
  if (N >= 1e11) return 128;
  return 64 * Math.pow(2, Math.log10(N / 1e9) / 2);
}

// Allowed widths, index i >= 1: multiples of 32 up to 256 (head_dim 32), of 64 up to 2048 (head_dim 64),
// of 128 above (head_dim 128).
const W_MAX_INDEX = 8 + 28 + (262144 - 2048) / 128;
function widthAt(i: number): number {
  if (i <= 8) return 32 * i;
  if (i <= 36) return 256 + 64 * (i - 8);
  return 2048 + 128 * (i - 36);
}

function headDimFor(n_embd: number): number {
  return n_embd <= 256 ? 32 : n_embd <= 2048 ? 64 : 128;
}

function makeShape(arch: Arch, n_layer: number, n_embd: number, vocab_size: number, block_size: number): ModelShape {
  const hd = headDimFor(n_embd);
  const s: ModelShape = { arch, n_layer, n_embd, n_head: n_embd / hd, vocab_size, block_size };
  if (arch === 't5') s.head_dim = hd;
  return s;
}

/**
 * Choose (n_layer, n_embd, n_head) for a target total parameter count N (embeddings included, as Chinchilla counts).
 *
 * @example shapeForParams(124e6, { vocab_size: 50257, block_size: 1024 }).shape // 12 layers x 768 (GPT-2 small)
 */
export function shapeForParams(N: number, opts: ShapeRuleOptions = {}): ShapeChoice {
  if (!(N > 0) || !Number.isFinite(N)) throw new Error(`scaling/shape_rule: target params must be a positive number, got ${N}`);
  const arch = opts.arch ?? 'gpt', V = opts.vocab_size ?? 50257, T = opts.block_size ?? 1024;
  const tol = opts.tolerance ?? 0.05, target = opts.aspect ?? aspectTarget(N), maxL = opts.maxLayers ?? 256;
  // The count is affine in n_layer for a fixed width (every block is the same size; t5's relative bias lives in
  // block 0), so two exact counts per width give all depths.
  const cache = new Map<number, [number, number]>();
  const count = (L: number, C: number): number => {
    let e = cache.get(C);
    if (!e) {
      const c1 = countParams(makeShape(arch, 1, C, V, T)).params;
      e = [c1, countParams(makeShape(arch, 2, C, V, T)).params - c1];
      cache.set(C, e);
    }
    return e[0] + (L - 1) * e[1];
  };
  type Cand = { L: number; C: number; p: number; err: number; aspect: number };
  const cands: Cand[] = [];
  for (let L = 1; L <= maxL; L++) {
    // count is increasing in the width: binary-search the allowed width just below N, keep it and the next one
    let lo = 1, hi = W_MAX_INDEX;
    if (count(L, widthAt(1)) > N) hi = 1;
    else {
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (count(L, widthAt(mid)) <= N) lo = mid; else hi = mid;
      }
    }
    for (const k of new Set([lo, hi])) {
      const C = widthAt(k);
      const p = count(L, C);
      cands.push({ L, C, p, err: p / N - 1, aspect: C / L });
    }
    if (count(L, widthAt(1)) > N * (1 + tol) && L > 1) break; // deeper models only get bigger
  }
  // Trade count error against aspect error: a `countScale` (2%) count miss costs as much as an aspect ratio off by 2x.
  const cs = opts.countScale ?? 0.02;
  const score = (c: Cand): number => (Math.log(c.p / N) / cs) ** 2 + (Math.log(c.aspect / target) / Math.LN2) ** 2;
  const best = cands.reduce((x, y) => (score(y) < score(x) ? y : x));
  const shape = makeShape(arch, best.L, best.C, V, T);
  return {
    shape,
    params: countParams(shape).params,
    rel_error: best.err,
    aspect: best.aspect,
    aspect_target: target,
    within_tolerance: Math.abs(best.err) <= tol,
  };
}
