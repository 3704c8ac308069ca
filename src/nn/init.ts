// GPT-2-style initialisation shared by the models (FACTS §3.3): matmul weights and embeddings ~ N(0, 0.02),
// the projections that write into the residual stream ~ N(0, 0.02/sqrt(2·n_layer)), biases 0, norm weights 1.
import { Rng } from '../tensor/rng.js';
import type { Module } from './module.js';

export interface InitRule {
  /** Norm gains (set to 1). */
  isNormWeight: (name: string) => boolean;
  /** Residual-stream output projections (scaled std). */
  isResidualProjection: (name: string) => boolean;
}

export function initResidualScaled(model: Module, nLayer: number, seed: number, rule: InitRule): void {
  const rng = new Rng(seed);
  const projStd = 0.02 / Math.sqrt(2 * nLayer);
  for (const [name, p] of model.namedParameters()) {
    const buf = p.buffer();
    if (rule.isNormWeight(name)) { buf.fill(1); continue; }
    if (name.endsWith('.bias')) { buf.fill(0); continue; }
    const std = rule.isResidualProjection(name) ? projStd : 0.02;
    for (let i = 0; i < buf.length; i++) buf[i] = std * rng.normal();
  }
}
