// The training loop: AdamW with decay/no-decay groups, warmup + cosine schedule, gradient
// accumulation, global-norm clipping, periodic validation with early stopping, atomic
// checkpoints with exact resume, NaN/Inf step skipping, and one final test evaluation of the best
// checkpoint. Progress is reported as typed events (the CLI renders them as a progress bar).
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset } from '../data/dataset.js';
import { BatchSampler } from '../data/batches.js';
import { buildModel, type ModelConfig } from '../models/registry.js';
import { resolveLlamaConfig } from '../models/llama.js';
import type { CausalLM } from '../models/types.js';
import { flattenParameters } from './flat.js';
import { AdamW, decayGroups } from './optim.js';
import { learningRate } from './schedule.js';
import { estimateLoss, evaluateShard, type EvalResult } from './evaluate.js';
import { cleanStaleTemps, loadCheckpoint, readIndex, resolveCheckpointDir, saveCheckpoint } from './checkpoint.js';
import { MODEL_KEYS, resolveTrainConfig, type TrainConfig } from './config.js';
import { kernelsFor, backendSummary } from '../kernels/backend.js';
import { mul } from '../ops/binary.js';
import { backward } from '../autograd/tape.js';
import { flopsPerToken, memoryEstimate, peakFlops } from './budget.js';
import type { Rng, RngState } from '../tensor/rng.js';

export type TrainEvent =
  | { type: 'start'; config: TrainConfig; params: number; flopsPerToken: number; memoryBytes: number; backend: string; resumedFrom: number | null }
  | { type: 'step'; iter: number; maxIters: number; loss: number; lr: number; gradNorm: number; tokensPerSec: number; msPerStep: number; mfu: number | null; etaSec: number }
  | { type: 'skip'; iter: number; reason: string }
  | { type: 'eval'; iter: number; valLoss: number; bestValLoss: number; improved: boolean }
  | { type: 'checkpoint'; iter: number; path: string; best: boolean }
  | { type: 'early_stop'; iter: number; evalsWithoutImprovement: number }
  | { type: 'test'; result: EvalResult; checkpoint: string }
  | { type: 'done'; iters: number; bestValLoss: number | null };

export interface TrainHooks {
  onEvent?: (e: TrainEvent) => void;
  /** UTF-8 byte length of a token id, for bits per byte in the final test evaluation. */
  tokenBytes?: (id: number) => number;
  /** Testing aid: put a NaN into the gradients at these iterations. */
  injectNaNAt?: readonly number[];
  /** Testing aid: stop (as if killed) after this many iterations of this call. */
  stopAfter?: number;
}

export interface TrainResult {
  runDir: string;
  iters: number;
  bestValLoss: number | null;
  /** Training loss of every iteration run by this call (skipped steps: NaN). */
  losses: number[];
  stoppedEarly: boolean;
  test: EvalResult | null;
}

interface LoopState {
  iter: number;
  bestValLoss: number | null;
  evalsWithoutImprovement: number;
  badSteps: number;
}

function modelConfigOf(c: TrainConfig, vocab: number): ModelConfig {
  if (c.arch === 'llama') {
    // Llama: RMSNorm, RoPE, SwiGLU, no biases (--bias/--positions/--activation do not apply)
    return resolveLlamaConfig({
      n_layer: c.n_layer, n_head: c.n_head, n_kv_head: c.n_kv_head || c.n_head, n_embd: c.n_embd, intermediate_size: c.intermediate_size,
      block_size: c.block_size, vocab_size: vocab, rope_theta: c.rope_theta, rms_norm_eps: 1e-5, tie_word_embeddings: c.tie_word_embeddings, dropout: c.dropout,
    });
  }
  return {
    arch: 'gpt', n_layer: c.n_layer, n_head: c.n_head, n_embd: c.n_embd, block_size: c.block_size, vocab_size: vocab,
    dropout: c.dropout, bias: c.bias, positions: c.positions, tie_word_embeddings: c.tie_word_embeddings, activation: c.activation,
    layer_norm_epsilon: 1e-5,
  };
}

/**
 * Train a model on a prepared data folder.
 * @example await train({ data: 'data/corpus', out: 'runs/small', max_iters: 500 }, { onEvent: console.log });
 */
export async function train(partial: Partial<TrainConfig> & { data: string; out: string; resume?: boolean }, hooks: TrainHooks = {}): Promise<TrainResult> {
  const emit = hooks.onEvent ?? (() => {});
  const resume = !!partial.resume;
  delete (partial as { resume?: boolean }).resume;
  let cfg = resolveTrainConfig(partial);
  const ds = Dataset.open(cfg.data);
  const runDir = cfg.out;
  mkdirSync(runDir, { recursive: true });
  cleanStaleTemps(runDir);

  let model: CausalLM;
  let state: LoopState = { iter: 0, bestValLoss: null, evalsWithoutImprovement: 0, badSteps: 0 };
  let resumed: ReturnType<typeof loadCheckpoint> | null = null;
  if (resume) {
    if (!readIndex(runDir)) throw new Error(`--resume: ${runDir} has no checkpoint to resume from`);
    resumed = loadCheckpoint(resolveCheckpointDir(runDir, 'latest'));
    const saved = resumed.state.train_config as TrainConfig;
    for (const k of MODEL_KEYS) {
      if (k in partial && partial[k] !== saved[k]) throw new Error(`--resume: ${k} was ${String(saved[k])} in the run, cannot change it to ${String(partial[k])}`);
    }
    cfg = resolveTrainConfig({ ...saved, ...partial, data: cfg.data, out: runDir });
    model = resumed.model;
    state = resumed.state.loop as LoopState;
  } else {
    if (readIndex(runDir)) throw new Error(`${runDir} already holds a run; use --resume to continue it or choose another --out`);
    model = buildModel(modelConfigOf(cfg, ds.vocabSize), { seed: cfg.seed });
  }
  if (model.config.vocab_size < ds.vocabSize) {
    throw new Error(`tokenizer/vocabulary mismatch: the data's tokenizer has ${ds.vocabSize} tokens but the model's vocab_size is ${model.config.vocab_size}`);
  }

  // parameters, gradients and moments in contiguous buffers: decay group first, then no-decay
  const groups = decayGroups(model.parameters(), cfg.weight_decay);
  const flat = flattenParameters([...groups[0]!.params, ...groups[1]!.params]);
  const opt = new AdamW(groups, { lr: cfg.lr, betas: [cfg.beta1, cfg.beta2], eps: 1e-8 });
  const trainSampler = new BatchSampler(ds.open('train'), cfg.batch_size, cfg.block_size, cfg.seed, 'train');
  const valShard = ds.open('val');
  if (resumed) {
    if (resumed.optimizer) opt.loadState(resumed.optimizer);
    trainSampler.rng.setState(resumed.state.rng_data as RngState);
    (model as unknown as { rng: Rng }).rng.setState(resumed.state.rng_model as RngState);
  } else {
    (model as unknown as { rng: Rng }).rng.seed(cfg.seed + 1);
  }
  new BatchSampler(valShard, 1, cfg.block_size, 0, 'val'); // validates the val split size up front

  const params = model.numParameters();
  const fpt = flopsPerToken(model.config);
  emit({ type: 'start', config: cfg, params, flopsPerToken: fpt, memoryBytes: memoryEstimate(model.config, cfg.batch_size, cfg.block_size), backend: backendSummary(), resumedFrom: resumed ? state.iter : null });

  const metricsPath = join(runDir, 'metrics.jsonl');
  if (resumed && existsSync(metricsPath)) {
    // drop lines written after the checkpoint we resume from (a killed run may have logged more)
    const keep = readFileSync(metricsPath, 'utf8').split('\n').filter((l) => l && (JSON.parse(l) as { iter: number }).iter <= state.iter);
    writeFileSync(metricsPath, keep.map((l) => l + '\n').join(''));
  }
  const log = (o: Record<string, unknown>): void => appendFileSync(metricsPath, JSON.stringify(o) + '\n');

  const k = kernelsFor('float32');
  const tokensPerIter = cfg.batch_size * cfg.block_size * cfg.grad_accum;
  const peak = peakFlops();
  const losses: number[] = [];
  let stoppedEarly = false;
  let ranThisCall = 0;
  const t0 = performance.now();
  let emaMs = 0;

  const checkpoint = (isBest: boolean): void => {
    const path = saveCheckpoint({
      runDir, step: state.iter, model, tokenizerPath: ds.tokenizerPath, optimizer: opt.state(), isBest, bestValLoss: state.bestValLoss,
      keepLast: cfg.keep_last,
      state: { loop: state, rng_data: trainSampler.rng.getState(), rng_model: (model as unknown as { rng: Rng }).rng.getState(), train_config: cfg },
    });
    emit({ type: 'checkpoint', iter: state.iter, path, best: isBest });
  };

  while (state.iter < cfg.max_iters) {
    if (hooks.stopAfter !== undefined && ranThisCall >= hooks.stopAfter) return { runDir, iters: state.iter, bestValLoss: state.bestValLoss, losses, stoppedEarly: false, test: null };
    const it = state.iter;
    const lr = learningRate(it, cfg);
    const ts = performance.now();
    let lossSum = 0;
    for (let micro = 0; micro < cfg.grad_accum; micro++) {
      const { x, y } = trainSampler.next();
      const { loss } = model.forward(x, { targets: y });
      lossSum += loss!.item();
      backward(mul(loss!, 1 / cfg.grad_accum), undefined, { releaseGraph: true }); // activations go back to the pool
    }
    const loss = lossSum / cfg.grad_accum;
    if (hooks.injectNaNAt?.includes(it)) flat.grad[0] = NaN;
    const gradNorm = Math.sqrt(k.sumSquares(flat.grad.length, flat.grad));
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      flat.grad.fill(0);
      state.badSteps++;
      losses.push(NaN);
      const reason = `${!Number.isFinite(loss) ? `loss ${loss}` : `gradient norm ${gradNorm}`} at iteration ${it}: step skipped`;
      emit({ type: 'skip', iter: it, reason });
      log({ iter: it, skipped: reason });
      if (state.badSteps > cfg.max_bad_steps) {
        const idx = readIndex(runDir);
        throw new Error(`training stopped: ${state.badSteps} consecutive steps had NaN/Inf loss or gradients (last at iteration ${it}); ` +
          (idx?.latest ? `the last good checkpoint is ${join(runDir, idx.latest)} (resume with --resume, e.g. with a lower --lr)` : 'no checkpoint was saved yet'));
      }
    } else {
      state.badSteps = 0;
      const clip = cfg.grad_clip > 0 && gradNorm > cfg.grad_clip ? cfg.grad_clip / gradNorm : 1;
      opt.step({ lr, gradScale: clip });
      flat.grad.fill(0);
      losses.push(loss);
      const ms = performance.now() - ts;
      emaMs = emaMs === 0 ? ms : 0.9 * emaMs + 0.1 * ms;
      const tps = tokensPerIter / (ms / 1000);
      emit({ type: 'step', iter: it, maxIters: cfg.max_iters, loss, lr, gradNorm, tokensPerSec: tps, msPerStep: ms, mfu: peak ? (fpt * tps) / peak : null, etaSec: ((cfg.max_iters - it - 1) * emaMs) / 1000 });
      log({ iter: it, loss, lr, grad_norm: gradNorm, ms, tokens_per_sec: tps });
    }
    state.iter = it + 1;
    ranThisCall++;

    if (state.iter % cfg.eval_interval === 0 || state.iter === cfg.max_iters) {
      const valLoss = estimateLoss(model, new BatchSampler(valShard, cfg.batch_size, cfg.block_size, cfg.seed + 7, 'val'), cfg.eval_iters);
      const improved = state.bestValLoss === null || valLoss < state.bestValLoss;
      if (improved) { state.bestValLoss = valLoss; state.evalsWithoutImprovement = 0; } else state.evalsWithoutImprovement++;
      emit({ type: 'eval', iter: state.iter, valLoss, bestValLoss: state.bestValLoss!, improved });
      log({ iter: state.iter, val_loss: valLoss, best_val_loss: state.bestValLoss, elapsed_s: (performance.now() - t0) / 1000 });
      checkpoint(improved);
      if (cfg.patience > 0 && state.evalsWithoutImprovement >= cfg.patience) {
        stoppedEarly = true;
        emit({ type: 'early_stop', iter: state.iter, evalsWithoutImprovement: state.evalsWithoutImprovement });
        break;
      }
    }
  }

  let test: EvalResult | null = null;
  if (cfg.test) {
    // the test split is touched exactly once, with the best checkpoint
    const bestDir = resolveCheckpointDir(runDir, 'best');
    const best = loadCheckpoint(bestDir);
    const shard = ds.openTest();
    try {
      test = evaluateShard(best.model, shard, { blockSize: cfg.block_size, batchSize: cfg.batch_size, tokenBytes: hooks.tokenBytes });
    } finally {
      shard.close();
    }
    writeFileSync(join(runDir, 'test.json'), JSON.stringify({ checkpoint: bestDir, ...test }, null, 2) + '\n');
    log({ iter: state.iter, test_loss: test.loss, test_perplexity: test.perplexity, test_bits_per_byte: test.bits_per_byte });
    emit({ type: 'test', result: test, checkpoint: bestDir });
  }
  emit({ type: 'done', iters: state.iter, bestValLoss: state.bestValLoss });
  return { runDir, iters: state.iter, bestValLoss: state.bestValLoss, losses, stoppedEarly, test };
}
