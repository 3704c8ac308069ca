// Optimizers over parameter groups: SGD (with momentum) and AdamW (PyTorch semantics, FACTS §3.8).
// Parameters adjacent in one buffer (see flat.ts) are updated by one fused kernel call.
import type { FloatArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { kernelsFor } from '../kernels/backend.js';
import { contiguousRuns, type Run } from './flat.js';

export interface ParamGroup {
  params: Tensor[];
  /** Decoupled weight decay of this group (AdamW) or L2 coefficient (SGD). */
  weightDecay?: number;
}

interface Group { runs: Run[]; weightDecay: number; m: FloatArray; v: FloatArray }

function makeGroups(groups: readonly ParamGroup[] | readonly Tensor[], wd: number, moments: number): Group[] {
  const gs: ParamGroup[] = groups.length && 'params' in (groups[0] as object) ? [...(groups as ParamGroup[])] : [{ params: [...(groups as Tensor[])] }];
  return gs.map((g) => {
    const runs = contiguousRuns(g.params);
    const n = runs.reduce((a, r) => a + r.size, 0);
    const f64 = g.params[0]?.dtype === 'float64';
    const mk = (k: number): FloatArray => (k < moments ? (f64 ? new Float64Array(n) : new Float32Array(n)) : new Float32Array(0));
    return { runs, weightDecay: g.weightDecay ?? wd, m: mk(0), v: mk(1) };
  });
}

export interface AdamWOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/**
 * AdamW. `step({ lr, gradScale })` applies one update; gradScale multiplies the gradients first
 * (clipping). Moments and the step count are in `state()` for checkpoints.
 * @example const opt = new AdamW(model.parameters(), { lr: 1e-3 }); loss.backward(); opt.step(); opt.zeroGrad();
 */
export class AdamW {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  stepCount = 0;
  private groups: Group[];

  constructor(params: readonly ParamGroup[] | readonly Tensor[], opts: AdamWOptions = {}) {
    this.lr = opts.lr ?? 1e-3;
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.groups = makeGroups(params, opts.weightDecay ?? 0.01, 2);
  }

  step(opts: { lr?: number; gradScale?: number } = {}): void {
    const lr = opts.lr ?? this.lr, scale = opts.gradScale ?? 1;
    this.stepCount++;
    for (const g of this.groups) {
      for (const r of g.runs) {
        const k = kernelsFor(r.params[0]!.dtype);
        k.adamw(r.size, r.data, r.grad, g.m.subarray(r.stateOffset, r.stateOffset + r.size), g.v.subarray(r.stateOffset, r.stateOffset + r.size),
          lr, this.beta1, this.beta2, this.eps, g.weightDecay, this.stepCount, scale);
      }
    }
  }

  zeroGrad(): void {
    for (const g of this.groups) for (const r of g.runs) r.grad.fill(0);
  }

  /** Moments (one m and one v buffer per group) and the step count, for checkpoints. */
  state(): { step: number; m: FloatArray[]; v: FloatArray[] } {
    return { step: this.stepCount, m: this.groups.map((g) => g.m), v: this.groups.map((g) => g.v) };
  }

  loadState(s: { step: number; m: ArrayLike<number>[]; v: ArrayLike<number>[] }): void {
    if (s.m.length !== this.groups.length || s.v.length !== this.groups.length) throw new Error(`AdamW.loadState: expected ${this.groups.length} groups, got ${s.m.length}`);
    this.groups.forEach((g, i) => {
      if (s.m[i]!.length !== g.m.length || s.v[i]!.length !== g.v.length) throw new Error(`AdamW.loadState: group ${i} has ${g.m.length} values, state has ${s.m[i]!.length}`);
      g.m.set(s.m[i]! as never);
      g.v.set(s.v[i]! as never);
    });
    this.stepCount = s.step;
  }
}

/** Stochastic gradient descent with optional momentum and L2 weight decay (PyTorch semantics). */
export class SGD {
  lr: number;
  momentum: number;
  private groups: Group[];
  constructor(params: readonly ParamGroup[] | readonly Tensor[], opts: { lr?: number; momentum?: number; weightDecay?: number } = {}) {
    this.lr = opts.lr ?? 1e-2;
    this.momentum = opts.momentum ?? 0;
    this.groups = makeGroups(params, opts.weightDecay ?? 0, this.momentum ? 1 : 0);
  }
  step(opts: { lr?: number } = {}): void {
    const lr = opts.lr ?? this.lr;
    for (const g of this.groups) {
      for (const r of g.runs) {
        const p = r.data, gr = r.grad, buf = g.m;
        for (let i = 0; i < r.size; i++) {
          let d = gr[i]! + g.weightDecay * p[i]!;
          if (this.momentum) {
            const j = r.stateOffset + i;
            buf[j] = this.momentum * buf[j]! + d;
            d = buf[j]!;
          }
          p[i] -= lr * d;
        }
      }
    }
  }
  zeroGrad(): void {
    for (const g of this.groups) for (const r of g.runs) r.grad.fill(0);
  }
}

/** Global L2 norm of all gradients (float64 accumulation), for clipping. */
export function gradNorm(params: readonly Tensor[]): number {
  let s = 0;
  for (const p of params) if (p.grad) s += kernelsFor(p.dtype).sumSquares(p.size, p.grad.fbuffer());
  return Math.sqrt(s);
}

/**
 * nanoGPT's AdamW groups: decay on parameters with ≥ 2 dims (matmul weights, embeddings),
 * none on biases and norm weights.
 */
export function decayGroups(params: readonly Tensor[], weightDecay: number): ParamGroup[] {
  return [
    { params: params.filter((p) => p.ndim >= 2), weightDecay },
    { params: params.filter((p) => p.ndim < 2), weightDecay: 0 },
  ];
}
