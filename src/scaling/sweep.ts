// IsoFLOP sweep orchestration: for each compute budget choose a family of model shapes, train each for
// D = C / (6N) tokens (Chinchilla's compute convention, N = all parameters) with a pluggable TrainFn, record each
// finished run to results.jsonl as it ends (resumable: recorded ids are skipped), then fit and write the report.

import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countParams } from './counts.js';
import { shapeForParams } from './shape_rule.js';
import { buildReport, writeReport, type ReportOptions, type RunResult, type ScalingReport } from './report.js';
import type { Arch, ModelShape } from './shape.js';

/** What the sweep asks the trainer to do. `iters` × `batchTokens` = `tokens`. */
export interface TrainSpec {
  shape: ModelShape;
  tokens: number;
  outDir: string;
  seed: number;
  iters?: number;
  batchTokens?: number;
}

/** What the trainer reports back. */
export interface TrainOutcome {
  valLoss: number;
  tokens: number;
  params: number;
  flops: number;
  seconds: number;
}

/** The training function the sweep calls; the real trainer plugs in here. */
export type TrainFn = (spec: TrainSpec) => Promise<TrainOutcome>;

/** Sweep options. */
export interface SweepOptions {
  /** Compute budgets C in FLOPs (C = 6·N·D). */
  budgets: number[];
  /** Target parameter counts used at every budget. Default: `sizesPerBudget` sizes per budget, log-spaced by
   *  `spread` and centred on the Chinchilla-style optimum N* = sqrt(C / (6·tokensPerParam)). */
  sizes?: number[];
  sizesPerBudget?: number;
  spread?: number;
  tokensPerParam?: number;
  arch?: Arch;
  vocab_size: number;
  block_size: number;
  /** Tokens per optimizer step (batch × block). Tokens are rounded to whole steps. */
  batchTokens: number;
  /** Runs with fewer steps than this are left out of the plan (default 1). */
  minIters?: number;
  seed?: number;
  outDir: string;
}

/** One planned run. */
export interface SweepRunPlan {
  id: string;
  budget: number;
  target_params: number;
  shape: ModelShape;
  params: number;
  non_embedding_params: number;
  iters: number;
  tokens: number;
  /** 6 · params · tokens after rounding to whole steps. */
  flops: number;
  seed: number;
}

/** One line of results.jsonl. */
export interface RunRecord extends RunResult {
  id: string;
  budget: number;
  target_params: number;
  shape: ModelShape;
  /** Our count for the shape; a mismatch with the trainer's `params` is reported as a warning. */
  counted_params: number;
  non_embedding_params: number;
  iters: number;
  trainer_flops: number;
  seed: number;
  finished_at: string;
}

/** Progress events. */
export type SweepEvent =
  | { type: 'plan'; runs: SweepRunPlan[]; dropped: string[] }
  | { type: 'skip'; run: SweepRunPlan }
  | { type: 'start'; run: SweepRunPlan; index: number; total: number }
  | { type: 'done'; run: SweepRunPlan; record: RunRecord }
  | { type: 'warn'; message: string }
  | { type: 'report'; files: string[] };

function runId(budget: number, shape: ModelShape, seed: number): string {
  return `C${budget.toExponential(2)}-L${shape.n_layer}-d${shape.n_embd}-s${seed}`;
}

/**
 * The runs of a sweep, without training anything.
 *
 * @example planSweep({ budgets: [1e13, 3e13, 1e14], vocab_size: 65, block_size: 64, batchTokens: 512, outDir: 'runs/s' }).length // 12
 */
export function planSweep(opts: SweepOptions): { runs: SweepRunPlan[]; dropped: string[] } {
  if (!opts.budgets.length) throw new Error('scaling/sweep: no budgets given');
  if (!(opts.batchTokens > 0)) throw new Error(`scaling/sweep: batchTokens must be positive, got ${opts.batchTokens}`);
  const k = opts.sizesPerBudget ?? 4, spread = opts.spread ?? 2, tpp = opts.tokensPerParam ?? 20, seed = opts.seed ?? 0;
  const minIters = opts.minIters ?? 1;
  const runs: SweepRunPlan[] = [], dropped: string[] = [];
  for (const C of [...opts.budgets].sort((a, b) => a - b)) {
    if (!(C > 0)) throw new Error(`scaling/sweep: budget must be positive, got ${C}`);
    const centre = Math.sqrt(C / (6 * tpp));
    const targets = opts.sizes ?? Array.from({ length: k }, (_, i) => centre * Math.pow(spread, i - (k - 1) / 2));
    const seen = new Set<string>();
    for (const target of targets) {
      // countScale 0.1: a regular family (depth and width growing together) matters more than hitting N exactly,
      // since each run's exact N is recorded and fitted.
      const choice = shapeForParams(target, { arch: opts.arch ?? 'gpt', vocab_size: opts.vocab_size, block_size: opts.block_size, countScale: 0.1 });
      const id = runId(C, choice.shape, seed);
      if (seen.has(id)) { dropped.push(`${id}: same shape as another size of this budget (target ${Math.round(target)})`); continue; }
      seen.add(id);
      const c = countParams(choice.shape);
      const iters = Math.round(C / (6 * c.params) / opts.batchTokens);
      if (iters < minIters) { dropped.push(`${id}: ${iters} steps < minIters ${minIters} (model too large for this budget)`); continue; }
      const tokens = iters * opts.batchTokens;
      runs.push({ id, budget: C, target_params: target, shape: choice.shape, params: c.params, non_embedding_params: c.non_embedding_params,
        iters, tokens, flops: 6 * c.params * tokens, seed });
    }
  }
  return { runs, dropped };
}

/** Read results.jsonl; a torn last line (crash mid-write) is ignored with a warning. */
export function readResults(path: string, warn: (m: string) => void = () => {}): RunRecord[] {
  if (!existsSync(path)) return [];
  const out: RunRecord[] = [];
  readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try { out.push(JSON.parse(line) as RunRecord); } catch { warn(`${path}:${i + 1}: unreadable line ignored`); }
  });
  return out;
}

/** Result of `runSweep`. */
export interface SweepResult {
  records: RunRecord[];
  ran: number;
  skipped: number;
  report: ScalingReport;
  files: string[];
}

/**
 * Run (or resume) a sweep and write the report into `outDir`.
 *
 * @example await runSweep({ ...opts, train: myTrainFn, onEvent: (e) => console.log(e.type) })
 */
export async function runSweep(opts: SweepOptions & { train: TrainFn; onEvent?: (e: SweepEvent) => void; report?: ReportOptions }): Promise<SweepResult> {
  const emit = opts.onEvent ?? (() => {});
  mkdirSync(opts.outDir, { recursive: true });
  const { runs, dropped } = planSweep(opts);
  emit({ type: 'plan', runs, dropped });
  const { train: _t, onEvent: _e, report: _r, ...plain } = opts;
  writeFileSync(join(opts.outDir, 'sweep.json'), JSON.stringify({ version: 1, options: plain, runs }, null, 2) + '\n');
  const resultsPath = join(opts.outDir, 'results.jsonl');
  const done = new Map(readResults(resultsPath, (m) => emit({ type: 'warn', message: m })).map((r) => [r.id, r]));
  let ran = 0, skipped = 0;
  for (const [i, run] of runs.entries()) {
    if (done.has(run.id)) { skipped++; emit({ type: 'skip', run }); continue; }
    emit({ type: 'start', run, index: i, total: runs.length });
    const outDir = join(opts.outDir, 'runs', run.id);
    mkdirSync(outDir, { recursive: true });
    const res = await opts.train({ shape: run.shape, tokens: run.tokens, outDir, seed: run.seed, iters: run.iters, batchTokens: opts.batchTokens });
    if (!(Number.isFinite(res.valLoss) && res.valLoss > 0)) throw new Error(`scaling/sweep: run ${run.id} returned an invalid valLoss ${res.valLoss}`);
    if (res.params !== run.params) emit({ type: 'warn', message: `run ${run.id}: trainer reports ${res.params} parameters, scaling/counts says ${run.params}` });
    const record: RunRecord = {
      id: run.id, budget: run.budget, target_params: run.target_params, shape: run.shape,
      params: res.params, counted_params: run.params, non_embedding_params: run.non_embedding_params,
      n_layer: run.shape.n_layer, n_embd: run.shape.n_embd, n_head: run.shape.n_head,
      iters: run.iters, tokens: res.tokens, flops: 6 * res.params * res.tokens, trainer_flops: res.flops,
      loss: res.valLoss, seconds: res.seconds, seed: run.seed, finished_at: new Date().toISOString(),
    };
    appendFileSync(resultsPath, JSON.stringify(record) + '\n'); // one write per finished run
    done.set(run.id, record);
    ran++;
    emit({ type: 'done', run, record });
  }
  const wanted = new Set(runs.map((r) => r.id));
  const records = [...done.values()].filter((r) => wanted.has(r.id));
  const report = buildReport(records, opts.report);
  const files = writeReport(opts.outDir, report);
  emit({ type: 'report', files });
  return { records, ran, skipped, report, files };
}
