// Choosing the next token from logits: greedy, temperature, top-k and top-p (nucleus) sampling.
import type { Rng } from '../tensor/rng.js';

export interface SamplerOptions {
  /** 0 = greedy (argmax); default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens. */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p. */
  topP?: number;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/** Sample one token id from a row of logits (V). */
export function sampleToken(logits: ArrayLike<number>, rng: Rng, opts: SamplerOptions = {}): number {
  const temperature = opts.temperature ?? 1;
  if (!(temperature >= 0)) throw new Error(`sample: temperature must be >= 0, got ${temperature}`);
  if (temperature === 0) return argmax(logits);
  const V = logits.length;
  // candidates sorted by logit, descending
  let idx = Array.from({ length: V }, (_, i) => i);
  const topK = opts.topK;
  if (topK !== undefined) {
    if (!(Number.isInteger(topK) && topK > 0)) throw new Error(`sample: top-k must be a positive integer, got ${topK}`);
  }
  idx.sort((a, b) => logits[b]! - logits[a]! || a - b);
  if (topK !== undefined && topK < V) idx = idx.slice(0, topK);
  const mx = logits[idx[0]!]!;
  let probs = idx.map((i) => Math.exp((logits[i]! - mx) / temperature));
  let sum = probs.reduce((a, b) => a + b, 0);
  if (opts.topP !== undefined) {
    const p = opts.topP;
    if (!(p > 0 && p <= 1)) throw new Error(`sample: top-p must be in (0, 1], got ${p}`);
    let acc = 0, keep = 0;
    while (keep < probs.length) { acc += probs[keep]! / sum; keep++; if (acc >= p) break; }
    idx = idx.slice(0, keep);
    probs = probs.slice(0, keep);
    sum = probs.reduce((a, b) => a + b, 0);
  }
  let u = rng.uniform() * sum;
  for (let j = 0; j < idx.length; j++) {
    u -= probs[j]!;
    if (u < 0) return idx[j]!;
  }
  return idx[idx.length - 1]!;
}
