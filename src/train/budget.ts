// Compute and memory budget of a training run: FLOPs per token (for MFU), an up-front memory
// estimate, and the machine's peak FLOP/s (measured by the native backend's FMA microbenchmark).
import type { ModelConfig } from '../models/registry.js';
import { loadNative } from '../kernels/native/loader.js';
import { jsKernels } from '../kernels/js/index.js';

function paramCount(c: ModelConfig): { total: number; positions: number } {
  const C = c.n_embd, L = c.n_layer, V = c.vocab_size;
  const b = c.bias ? 1 : 0;
  const block = 2 * C * (1 + b) + C * 3 * C + b * 3 * C + C * C + b * C + C * 4 * C + b * 4 * C + 4 * C * C + b * C;
  const positions = c.positions === 'learned' ? c.block_size * C : 0;
  const head = c.tie_word_embeddings ? 0 : V * C;
  return { total: V * C + positions + L * block + C * (1 + b) + head, positions };
}

/**
 * Training FLOPs per token: 6·N + 12·L·C·T (the PaLM / nanoGPT estimate_mfu formula; N excludes
 * position embeddings, the second term is attention's score and value products).
 */
export function flopsPerToken(c: ModelConfig): number {
  const { total, positions } = paramCount(c);
  return 6 * (total - positions) + 12 * c.n_layer * c.n_embd * c.block_size;
}

/**
 * Bytes for training at batch B, context T: fp32 weights, gradients and two AdamW moments (16 bytes
 * per parameter) plus the activations the tape keeps for backward (per layer and token about 26·C
 * floats: norms, qkv and its head copies, attention output, MLP 4C pre- and post-GELU, residuals)
 * plus the logits and their gradient (2·V per token).
 */
export function memoryEstimate(c: ModelConfig, B: number, T: number): number {
  const { total } = paramCount(c);
  const acts = B * T * (c.n_layer * 26 * c.n_embd + 2 * c.vocab_size + 4 * c.n_embd);
  return 16 * total + 4 * acts;
}

let peak: number | null | undefined;
/** Peak fp32 FLOP/s of this machine on the configured threads, or null without the native backend. */
export function peakFlops(): number | null {
  if (peak !== undefined) return peak;
  const n = loadNative(jsKernels);
  const fn = n?.addon.peakFlops as ((ms: number) => number) | undefined;
  peak = typeof fn === 'function' ? fn(100) : null;
  return peak;
}
