// `lmforge scaling count | plan | sweep`: thin CLI over src/scaling (exact counts and memory, the Chinchilla
// planner, IsoFLOP sweeps with Approach 2/3 fits). The sweep trains through src/train/scaling_trainer.js when
// that module exists (export createScalingTrainFn); otherwise it says the trainer is not available yet.

import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  countParams, flopsPerToken, trainingFlops, trainingMemory, inferenceMemory, resolveShape, getPreset, PRESETS, readShape,
  plan, FIT_NAMES, planSweep, runSweep, readResults, buildReport, writeReport,
  si, commas, bytes, duration, parseQuantity, parseList,
  type ModelShape, type FitName, type Arch, type TrainFn, type SweepOptions,
} from '../scaling/index.js';

function fail(e: unknown): void {
  console.error(`lmforge scaling: ${(e as Error).message}`);
  process.exitCode = 1;
}

const DTYPE_BYTES: Record<string, number> = { f32: 4, fp32: 4, float32: 4, bf16: 2, f16: 2, fp16: 2, int8: 1 };

function dtypeBytes(s: string): number {
  const b = DTYPE_BYTES[s.toLowerCase()];
  if (b === undefined) throw new Error(`--dtype: unknown "${s}" (f32, bf16, f16, int8)`);
  return b;
}

/** RUN/config.json, or for a training run folder (checkpoints.json) its best checkpoint's config.json. */
async function modelConfigPath(run: string): Promise<string> {
  if (existsSync(join(run, 'config.json')) || !existsSync(join(run, 'checkpoints.json'))) return run;
  const ckpt = (await import('../train/checkpoint.js')) as { resolveCheckpointDir(path: string, which?: 'best' | 'latest'): string };
  return ckpt.resolveCheckpointDir(run, 'best');
}

interface CountOpts { model?: string; config?: string; preset?: string; json?: boolean; list?: boolean; batch: string; seq?: string; context?: string; tokens?: string; dtype: string }

async function count(o: CountOpts): Promise<void> {
  if (o.list) {
    for (const p of PRESETS) console.log(`${p.name.padEnd(16)} ${p.shape.arch.padEnd(7)} ${si(countParams(p.shape).params).padStart(9)}  ${p.aliases.join(', ')}`);
    return;
  }
  const given = [o.model, o.config, o.preset].filter((v) => v !== undefined).length;
  if (given !== 1) throw new Error('count: give exactly one of --model RUN, --config FILE, --preset NAME (see --list)');
  let shape: ModelShape, name: string, published: number | undefined, exact = false, trainTokens: number | undefined, note: string | undefined;
  if (o.preset) {
    const p = getPreset(o.preset);
    shape = p.shape; name = p.name; published = p.published_params; exact = p.exact; trainTokens = p.train_tokens; note = p.note;
  } else if (o.config) {
    shape = readShape(o.config); name = o.config;
  } else {
    shape = readShape(await modelConfigPath(o.model!)); name = o.model!;
  }
  const r = resolveShape(shape);
  const c = countParams(r);
  const seq = o.seq ? parseQuantity(o.seq, '--seq') : r.block_size;
  const batch = parseQuantity(o.batch, '--batch');
  const context = o.context ? parseQuantity(o.context, '--context') : r.block_size;
  const tokens = o.tokens ? parseQuantity(o.tokens, '--tokens') : trainTokens ?? 20 * c.params;
  const f = flopsPerToken(r, { seq });
  const tf = trainingFlops(r, tokens, { seq });
  const tm = trainingMemory(r, { batch, seq });
  const ib = dtypeBytes(o.dtype);
  const im = inferenceMemory(r, { context, bytes: ib });
  if (o.json) {
    console.log(JSON.stringify({
      name, arch: r.arch, shape: r, params: c.params, embedding_params: c.embedding_params, non_embedding_params: c.non_embedding_params,
      matmul_params: c.matmul_params, by_group: c.by_group, flops_per_token: f.flops_per_token, flops: f,
      training_tokens: tokens, training_flops: tf, training_memory: tm, inference_memory: { ...im, dtype: o.dtype },
      ...(published !== undefined ? { published_params: published, published_exact: exact } : {}),
    }));
    return;
  }
  const line = (k: string, v: string): void => console.log(`  ${k.padEnd(30)} ${v}`);
  console.log(`${name}: ${r.arch}, n_layer ${r.n_layer}${r.arch === 't5' ? ` (+${r.n_decoder_layer} decoder)` : ''}, n_embd ${r.n_embd}, n_head ${r.n_head}` +
    `${r.n_kv_head !== r.n_head ? ` (kv ${r.n_kv_head})` : ''}, head_dim ${r.head_dim}, d_ff ${r.intermediate_size}, vocab ${r.vocab_size}, block ${r.block_size}, ${r.tied ? 'tied' : 'untied'} head`);
  console.log('parameters');
  line('total', `${commas(c.params)} (${si(c.params)})`);
  const parts = (['token_embedding', 'position_embedding', 'type_embedding', 'lm_head'] as const).filter((g) => c.by_group[g] > 0)
    .map((g) => `${g.replace('_embedding', '')} ${commas(c.by_group[g])}`);
  line('embedding', `${commas(c.embedding_params)} (${parts.join(', ')})`);
  line('non-embedding (Kaplan N)', commas(c.non_embedding_params));
  if (published !== undefined) line('published', `${exact ? commas(published) : si(published)} ${exact ? '(exact)' : '(rounded)'}; ours/published = ${(c.params / published).toFixed(4)}`);
  if (note) line('note', note);
  console.log(`FLOPs per token (T = ${seq})`);
  line('6N + 12·L·H·Q·T (PaLM/nanoGPT)', `${si(f.flops_per_token)}  (6N ${si(f.six_n)} with N = ${commas(c.matmul_params)}, attention ${si(f.attention)})`);
  line('Kaplan forward 2N + 2·L·T·d', si(f.kaplan_forward));
  console.log(`training compute for D = ${si(tokens)} tokens${o.tokens ? '' : trainTokens ? ' (published)' : ' (20 tokens/param)'}`);
  line('6·N·D (Chinchilla)', tf.six_nd.toExponential(3));
  line('with attention', tf.with_attention.toExponential(3));
  console.log(`training memory (fp32 weights/grads, fp32 AdamW m+v, fp32 activations; B = ${batch}, T = ${seq})`);
  line('weights + grads + AdamW', `${bytes(tm.params_bytes)} + ${bytes(tm.grads_bytes)} + ${bytes(tm.adamw_bytes)}`);
  line('activations (llm.c layout)', bytes(tm.activations_bytes));
  line('total', bytes(tm.total_bytes));
  console.log(`inference memory (${o.dtype}, context ${context}, batch 1)`);
  line('weights + KV cache', `${bytes(im.weights_bytes)} + ${bytes(im.kv_cache_bytes)} = ${bytes(im.total_bytes)}`);
}

interface PlanOpts { compute?: string; params?: string; tokens?: string; fit: string; arch: string; vocabSize: string; blockSize: string; tokensPerSecond?: string; flopsPerSecond?: string; json?: boolean }

async function planCmd(o: PlanOpts & { measure?: boolean }): Promise<void> {
  if (!FIT_NAMES.includes(o.fit as FitName)) throw new Error(`--fit: unknown "${o.fit}" (${FIT_NAMES.join(', ')})`);
  if (!o.tokensPerSecond && !o.flopsPerSecond && o.measure !== false) {
    // the time on this machine comes from a few timed training steps of a reference model, here and now
    const { measureThroughput } = await import('../train/throughput.js');
    const m = measureThroughput();
    o = { ...o, flopsPerSecond: String(m.flopsPerSecond) };
    if (!o.json) console.error(`measured ${(m.flopsPerSecond / 1e9).toFixed(1)} GFLOP/s achieved training throughput (GPT ${m.config.n_layer}x${m.config.n_embd}, ${Math.round(m.tokensPerSecond)} tokens/s)`);
  }
  const input = {
    ...(o.compute ? { compute: parseQuantity(o.compute, '--compute') } : {}),
    ...(o.params ? { params: parseQuantity(o.params, '--params') } : {}),
    ...(o.tokens ? { tokens: parseQuantity(o.tokens, '--tokens') } : {}),
  };
  const p = plan(input, {
    fit: o.fit as FitName, arch: o.arch as Arch, vocab_size: parseQuantity(o.vocabSize, '--vocab-size'), block_size: parseQuantity(o.blockSize, '--block-size'),
    ...(o.tokensPerSecond ? { tokensPerSecond: parseQuantity(o.tokensPerSecond, '--tokens-per-second') } : {}),
    ...(o.flopsPerSecond ? { flopsPerSecond: parseQuantity(o.flopsPerSecond, '--flops-per-second') } : {}),
  });
  if (o.json) { console.log(JSON.stringify(p)); return; }
  const line = (k: string, v: string): void => console.log(`  ${k.padEnd(22)} ${v}`);
  console.log(`fit: ${p.fit} — ${p.fit_description}`);
  line('compute C', `${p.compute.toExponential(3)} FLOPs (6ND)`);
  line('parameters N_opt', `${si(p.params)} (${commas(p.params)})`);
  line('tokens D_opt', `${si(p.tokens)} (${commas(p.tokens)})`);
  line('tokens per parameter', p.tokens_per_param.toFixed(2));
  line('predicted loss', `${p.loss.toFixed(4)} nats/token (${p.loss_law}; Chinchilla's data and tokenizer)`);
  line('frontier', `${p.G !== undefined ? `G = ${p.G.toFixed(4)}, ` : ''}a = ${p.a.toFixed(4)}, b = ${p.b.toFixed(4)}`);
  const s = p.shape;
  line('shape', `${s.arch} n_layer ${s.n_layer}, n_embd ${s.n_embd}, n_head ${s.n_head}, vocab ${s.vocab_size}, block ${s.block_size}`);
  line('shape parameters', `${commas(p.shape_params)} (${(p.shape_rel_error * 100).toFixed(2)}% from N_opt; d/L = ${p.shape_aspect.toFixed(1)})${p.shape_within_tolerance ? '' : ' — no shape within 5%'}`);
  line('time on this machine', p.seconds === null ? p.time_basis : `${duration(p.seconds)} at ${p.time_basis}`);
}

interface SweepOpts { flopsPerSecond?: string; data?: string; budgets: string; sizes?: string; sizesPerBudget: string; spread: string; arch: string; vocabSize?: string; blockSize: string; batchSize: string; seed: string; out: string; dryRun?: boolean; fitOnly?: boolean; bootstraps: string }

/** The contract of the trainer module the sweep loads (written in src/train/). */
interface TrainerModule {
  createScalingTrainFn(options: { data: string; batchSize: number; blockSize: number; vocabSize: number }): TrainFn | Promise<TrainFn>;
}

const TRAINER_MODULE = '../train/scaling_trainer.js';

async function loadTrainer(): Promise<TrainerModule> {
  const url = new URL(TRAINER_MODULE, import.meta.url);
  if (!existsSync(url)) throw new Error(`sweep: the trainer is not available yet (expected ${url.pathname} exporting createScalingTrainFn)`);
  const mod = (await import(url.href)) as Partial<TrainerModule>;
  if (typeof mod.createScalingTrainFn !== 'function') throw new Error(`sweep: ${url.pathname} does not export createScalingTrainFn`);
  return mod as TrainerModule;
}

function vocabFromData(dir: string | undefined): number | undefined {
  if (!dir) return undefined;
  const meta = join(dir, 'meta.json');
  if (!existsSync(meta)) return undefined;
  const j = JSON.parse(readFileSync(meta, 'utf8')) as { vocab_size?: unknown; tokenizer?: { vocab_size?: unknown } };
  const v = j.tokenizer?.vocab_size ?? j.vocab_size; // lmforge prepare writes tokenizer.vocab_size
  return typeof v === 'number' ? v : undefined;
}

async function sweepCmd(o: SweepOpts, argv: string[]): Promise<void> {
  const vocab = o.vocabSize ? parseQuantity(o.vocabSize, '--vocab-size') : vocabFromData(o.data);
  if (vocab === undefined) throw new Error('sweep: pass --vocab-size (or --data DIR prepared by lmforge prepare)');
  const blockSize = parseQuantity(o.blockSize, '--block-size'), batchSize = parseQuantity(o.batchSize, '--batch-size');
  const opts: SweepOptions = {
    budgets: parseList(o.budgets, '--budgets'),
    ...(o.sizes ? { sizes: parseList(o.sizes, '--sizes') } : {}),
    sizesPerBudget: parseQuantity(o.sizesPerBudget, '--sizes-per-budget'), spread: parseQuantity(o.spread, '--spread'),
    arch: o.arch as Arch, vocab_size: vocab, block_size: blockSize, batchTokens: batchSize * blockSize,
    seed: Number(o.seed), outDir: resolve(o.out),
  };
  const command = `lmforge scaling sweep ${argv.map((a) => (/^[\w.,=+\-/:]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}`;
  const nb = parseQuantity(o.bootstraps, '--bootstraps');
  const report = { command, bootstraps3: nb, bootstraps2: 5 * nb, title: 'Scaling sweep report' };
  if (o.fitOnly) {
    const records = readResults(join(opts.outDir, 'results.jsonl'), (m) => console.error(`warning: ${m}`));
    if (!records.length) throw new Error(`sweep --fit-only: no results in ${join(opts.outDir, 'results.jsonl')}`);
    for (const f of writeReport(opts.outDir, buildReport(records, report))) console.log(`wrote ${f}`);
    return;
  }
  const { runs, dropped } = planSweep(opts);
  for (const d of dropped) console.error(`dropped ${d}`);
  const totalFlops = runs.reduce((s, r) => s + r.flops, 0);
  console.log(`${runs.length} runs, ${totalFlops.toExponential(2)} FLOPs in all (6ND), batch ${batchSize} × ${blockSize} tokens`);
  if (o.flopsPerSecond) {
    // time from the attention-aware count (6N + 12·L·H·Q·T per token), which is what the machine actually does
    const fps = parseQuantity(o.flopsPerSecond, '--flops-per-second');
    const work = runs.reduce((s, r) => s + flopsPerToken(r.shape, { seq: blockSize }).flops_per_token * r.tokens, 0);
    console.log(`estimated training time at ${si(fps)}FLOP/s: ${duration(work / fps)} (${work.toExponential(2)} FLOPs with attention)`);
  }
  for (const r of runs) {
    console.log(`  ${r.id.padEnd(28)} params ${commas(r.params).padStart(12)}  tokens ${commas(r.tokens).padStart(13)}  steps ${String(r.iters).padStart(7)}  tok/param ${(r.tokens / r.params).toFixed(1)}`);
  }
  if (o.dryRun) return;
  if (!o.data) throw new Error('sweep: --data DIR is required (or use --dry-run / --fit-only)');
  const trainer = await loadTrainer();
  const train = await trainer.createScalingTrainFn({ data: resolve(o.data), batchSize, blockSize, vocabSize: vocab });
  const res = await runSweep({ ...opts, train, report, onEvent: (e) => {
    if (e.type === 'skip') console.log(`skip ${e.run.id} (already recorded)`);
    else if (e.type === 'start') console.log(`[${e.index + 1}/${e.total}] ${e.run.id}: ${commas(e.run.params)} params, ${commas(e.run.tokens)} tokens`);
    else if (e.type === 'done') console.log(`  val loss ${e.record.loss.toFixed(4)} in ${duration(e.record.seconds ?? 0)}`);
    else if (e.type === 'warn') console.error(`warning: ${e.message}`);
    else if (e.type === 'report') for (const f of e.files) console.log(`wrote ${f}`);
  } });
  console.log(`${res.ran} runs trained, ${res.skipped} resumed from results.jsonl`);
}

/** Register `lmforge scaling ...`. */
export function register(program: Command): void {
  const sc = program.command('scaling').description('parameter/FLOP/memory counts, the Chinchilla planner, IsoFLOP sweeps');
  sc.command('count')
    .description('exact parameters, FLOPs per token, training and inference memory of a model')
    .option('--model <run>', 'a run directory holding config.json (lmforge or Hugging Face keys)')
    .option('--config <file>', 'a config.json (lmforge or Hugging Face keys)')
    .option('--preset <name>', 'a named model (see --list)')
    .option('--list', 'list the presets')
    .option('--batch <B>', 'batch size for activation memory', '8')
    .option('--seq <T>', 'sequence length for FLOPs and activations (default block_size)')
    .option('--context <N>', 'context length for the KV cache (default block_size)')
    .option('--tokens <D>', 'training tokens for total FLOPs (default: published, else 20 per parameter)')
    .option('--dtype <t>', 'inference weight/KV dtype: f32, bf16, f16, int8', 'f32')
    .option('--json', 'print one JSON object')
    .action(async (o: CountOpts) => { try { await count(o); } catch (e) { fail(e); } });
  sc.command('plan')
    .description('compute-optimal parameters and tokens from one of --compute, --params, --tokens')
    .option('--compute <C>', 'training FLOPs, e.g. 5.76e23')
    .option('--params <N>', 'parameters, e.g. 70B')
    .option('--tokens <D>', 'training tokens, e.g. 1.4T')
    .option('--fit <name>', `fit: ${FIT_NAMES.join(' | ')}`, 'epoch')
    .option('--arch <arch>', 'architecture of the proposed shape: gpt | llama', 'gpt')
    .option('--vocab-size <V>', 'vocabulary of the proposed shape', '50257')
    .option('--block-size <T>', 'context of the proposed shape', '1024')
    .option('--tokens-per-second <x>', 'measured training throughput on this machine')
    .option('--flops-per-second <x>', 'achieved training FLOP/s (time = FLOPs/token × D / this)')
    .option('--no-measure', 'do not time a few training steps here to estimate the training time')
    .option('--json', 'print one JSON object')
    .action(async (o: PlanOpts & { measure?: boolean }) => { try { await planCmd(o); } catch (e) { fail(e); } });
  sc.command('sweep')
    .description('train IsoFLOP families with the real trainer (resumable), fit Approach 2 and 3, write report + SVGs')
    .option('--data <dir>', 'training data directory (passed to the trainer)')
    .requiredOption('--budgets <list>', 'compute budgets, e.g. 1e13,3e13,1e14')
    .option('--sizes <list>', 'target parameter counts used at every budget (default: 4 sizes around 20 tokens/param)')
    .option('--sizes-per-budget <k>', 'sizes per budget when --sizes is not given', '4')
    .option('--spread <x>', 'ratio between neighbouring sizes', '2')
    .option('--arch <arch>', 'gpt | llama', 'gpt')
    .option('--vocab-size <V>', 'vocabulary (default: the data folder\'s tokenizer)')
    .option('--block-size <T>', 'context length', '64')
    .option('--batch-size <B>', 'sequences per step', '8')
    .option('--seed <s>', 'seed of every run', '0')
    .option('--out <dir>', 'output directory (results.jsonl, runs/, report)', 'runs/scaling-sweep')
    .option('--bootstraps <n>', 'Approach 3 bootstrap resamples (Approach 2 uses 5×)', '200')
    .option('--flops-per-second <x>', 'achieved training FLOP/s on this machine, to estimate the sweep time')
    .option('--dry-run', 'print the plan and stop')
    .option('--fit-only', 'refit and rewrite the report from OUT/results.jsonl')
    .action(async (o: SweepOpts) => {
      const i = process.argv.indexOf('sweep');
      try { await sweepCmd(o, i >= 0 ? process.argv.slice(i + 1) : []); } catch (e) { fail(e); }
    });
}
