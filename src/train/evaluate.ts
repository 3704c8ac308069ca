// Evaluation: mean next-token loss, perplexity and bits per byte (FACTS §9) over a whole split in
// disjoint windows of block_size, and the quick random-batch estimate used during training.
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/tape.js';
import type { CausalLM } from '../models/types.js';
import type { Shard } from '../data/shards.js';
import type { BatchSampler } from '../data/batches.js';
import { crossEntropy } from '../ops/cross_entropy.js';

export interface EvalResult {
  /** Mean loss in nats per predicted token. */
  loss: number;
  perplexity: number;
  /** Σ loss / ln 2 / UTF-8 bytes of the predicted tokens (null without a byte counter). */
  bits_per_byte: number | null;
  tokens: number;
  bytes: number | null;
}

/** Mean loss over `iters` random batches (eval mode, no grad). */
export function estimateLoss(model: CausalLM, sampler: BatchSampler, iters: number): number {
  const was = model.training;
  model.eval();
  try {
    let sum = 0;
    for (let i = 0; i < iters; i++) {
      const { x, y } = sampler.next();
      sum += noGrad(() => model.forward(x, { targets: y }).loss!.item());
    }
    return sum / iters;
  } finally {
    model.train(was);
  }
}

export interface EvaluateOptions {
  blockSize: number;
  batchSize?: number;
  /** Stop after this many predicted tokens (default: the whole split). */
  maxTokens?: number;
  /** UTF-8 byte length of a token (0 for special tokens), for bits per byte. */
  tokenBytes?: (id: number) => number;
  onProgress?: (done: number, total: number) => void;
}

/** Every token of the shard (after the first) predicted once, in disjoint windows. */
export function evaluateShard(model: CausalLM, shard: Shard, opts: EvaluateOptions): EvalResult {
  const T = opts.blockSize, B = opts.batchSize ?? 8;
  const total = Math.min(shard.length - 1, opts.maxTokens ?? Infinity);
  if (total < 1) throw new Error(`evaluate: ${shard.path} has ${shard.length} tokens; at least 2 are needed`);
  const was = model.training;
  model.eval();
  let lossSum = 0, count = 0, bytes = 0;
  try {
    for (let start = 0; start < total; start += B * T) {
      const rows: [number, number][] = [];
      for (let b = 0; b < B && start + b * T < total; b++) {
        const s = start + b * T;
        rows.push([s, Math.min(T, total - s)]);
      }
      // rows of unequal length (the last window) are evaluated separately
      const groups = new Map<number, number[]>();
      for (const [s, len] of rows) groups.set(len, [...(groups.get(len) ?? []), s]);
      for (const [len, starts] of groups) {
        const x = new Int32Array(starts.length * len), y = new Int32Array(starts.length * len);
        const buf = new Int32Array(len + 1);
        starts.forEach((s, r) => {
          shard.read(s, len + 1, buf);
          x.set(buf.subarray(0, len), r * len);
          y.set(buf.subarray(1), r * len);
          if (opts.tokenBytes) for (let i = 1; i <= len; i++) bytes += opts.tokenBytes(buf[i]!);
        });
        const targets = new Tensor(y, [starts.length, len]);
        const l = noGrad(() => {
          const { logits } = model.forward(new Tensor(x, [starts.length, len]));
          return crossEntropy(logits, targets, { reduction: 'sum' }).item();
        });
        lossSum += l;
        count += starts.length * len;
      }
      opts.onProgress?.(Math.min(count, total), total);
    }
  } finally {
    model.train(was);
  }
  const loss = lossSum / count;
  return {
    loss,
    perplexity: Math.exp(loss),
    bits_per_byte: opts.tokenBytes && bytes > 0 ? lossSum / Math.LN2 / bytes : null,
    tokens: count,
    bytes: opts.tokenBytes ? bytes : null,
  };
}
