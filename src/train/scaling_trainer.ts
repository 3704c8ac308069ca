// The real trainer as the scaling sweep's TrainFn: one short run per (shape, tokens), a cosine
// schedule over the whole run, and the final loss measured on the validation split (disjoint
// windows, the same tokens for every run) so the runs of a sweep are comparable.
import type { TrainFn, TrainSpec, TrainOutcome } from '../scaling/sweep.js';
import { train, type TrainEvent } from './trainer.js';
import { Dataset } from '../data/dataset.js';
import { evaluateShard } from './evaluate.js';
import { loadCheckpoint, resolveCheckpointDir } from './checkpoint.js';
import { flopsPerToken } from './budget.js';

export interface ScalingTrainOptions {
  data: string;
  batchSize: number;
  blockSize: number;
  vocabSize: number;
  /** Peak learning rate (default 2e-3: small models on a small corpus). */
  lr?: number;
  /** Validation tokens for the final loss (default 65,536). */
  evalTokens?: number;
  onEvent?: (e: TrainEvent) => void;
}

export function createScalingTrainFn(o: ScalingTrainOptions): TrainFn {
  return async (spec: TrainSpec): Promise<TrainOutcome> => {
    const s = spec.shape;
    if (s.arch !== 'gpt') throw new Error(`scaling sweep: arch '${s.arch}' is not trainable here yet (gpt only)`);
    const iters = spec.iters ?? Math.max(1, Math.round(spec.tokens / (o.batchSize * o.blockSize)));
    const lr = o.lr ?? 2e-3;
    const t0 = performance.now();
    const res = await train({
      data: o.data, out: spec.outDir, arch: 'gpt', n_layer: s.n_layer, n_head: s.n_head, n_embd: s.n_embd, block_size: o.blockSize,
      batch_size: o.batchSize, max_iters: iters, lr, min_lr: lr / 10, warmup_iters: Math.max(1, Math.round(iters * 0.05)),
      eval_interval: iters, eval_iters: 4, dropout: 0, seed: spec.seed, test: false, keep_last: 1,
    }, { onEvent: o.onEvent });
    const ck = loadCheckpoint(resolveCheckpointDir(res.runDir, 'latest'));
    const ds = Dataset.open(o.data);
    const shard = ds.open('val');
    let valLoss: number;
    try {
      valLoss = evaluateShard(ck.model, shard, { blockSize: o.blockSize, batchSize: o.batchSize, maxTokens: o.evalTokens ?? 65536 }).loss;
    } finally {
      shard.close();
    }
    const tokens = iters * o.batchSize * o.blockSize;
    return { valLoss, tokens, params: ck.model.numParameters(), flops: flopsPerToken(ck.config) * tokens, seconds: (performance.now() - t0) / 1000 };
  };
}
