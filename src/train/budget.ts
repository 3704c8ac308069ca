// Compute and memory budget of a training run, from the exact counts of src/scaling (one source
// of truth): FLOPs per token for MFU (6N + 12·L·H·Q·T), the up-front memory estimate, and the
// machine's peak FLOP/s (measured by the native backend's FMA microbenchmark).
import type { ModelConfig } from '../models/registry.js';
import { shapeFromConfig } from '../scaling/config.js';
import { flopsPerToken as countFlops, trainingMemory } from '../scaling/counts.js';
import { loadNative } from '../kernels/native/loader.js';
import { jsKernels } from '../kernels/js/index.js';

const shapeOf = (c: ModelConfig) => shapeFromConfig(c as unknown as Record<string, unknown> as never, 'model config');

/** Training FLOPs per token at the model's block size. */
export function flopsPerToken(c: ModelConfig): number {
  return countFlops(shapeOf(c)).flops_per_token;
}

/** Bytes for training at batch B, context T: weights, gradients, AdamW moments and activations. */
export function memoryEstimate(c: ModelConfig, B: number, T: number): number {
  return trainingMemory(shapeOf(c), { batch: B, seq: T }).total_bytes;
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
