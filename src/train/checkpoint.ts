// Checkpoints: one folder per saved step with model.safetensors (HF names), config.json,
// tokenizer.json, optimizer.safetensors (AdamW moments) and state.json (step, RNG states, data
// cursor, early-stopping state). A folder is written under a temporary name and renamed into place;
// RUN/checkpoints.json (written atomically) names the latest and the best. kill -9 at any moment
// leaves the previous checkpoint intact and resumable.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, openSync, fsyncSync, closeSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { Tensor } from '../tensor/tensor.js';
import type { CausalLM } from '../models/types.js';
import { buildModel, resolveModelConfig, type ModelConfig } from '../models/registry.js';

export const CHECKPOINT_VERSION = 1;

export interface CheckpointIndex {
  format: 'lmforge-run';
  version: number;
  latest: string | null;
  best: string | null;
  best_val_loss: number | null;
  /** Saved step folders, oldest first. */
  saved: string[];
}

export interface SaveCheckpointArgs {
  runDir: string;
  step: number;
  model: CausalLM;
  /** Path of the tokenizer file to copy in (from the data folder). */
  tokenizerPath: string | null;
  optimizer?: { m: ArrayLike<number>[]; v: ArrayLike<number>[]; step: number } | null;
  state: Record<string, unknown>;
  isBest: boolean;
  bestValLoss: number | null;
  keepLast: number;
}

function fsyncPath(p: string): void {
  const fd = openSync(p, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

export function readIndex(runDir: string): CheckpointIndex | null {
  const p = join(runDir, 'checkpoints.json');
  if (!existsSync(p)) return null;
  let idx: CheckpointIndex;
  try {
    idx = JSON.parse(readFileSync(p, 'utf8')) as CheckpointIndex;
  } catch (e) {
    throw new Error(`${p}: not valid JSON (${(e as Error).message})`);
  }
  if (idx.format !== 'lmforge-run') throw new Error(`${p}: not an lmforge run index (format '${String(idx.format)}')`);
  if (idx.version !== CHECKPOINT_VERSION) throw new Error(`${p}: run index version ${idx.version} is not supported (expected ${CHECKPOINT_VERSION}); re-run with this lmforge version`);
  return idx;
}

const stepName = (step: number): string => `step-${String(step).padStart(7, '0')}`;

/** Save a checkpoint folder atomically and update the index; prunes all but the last N and the best. */
export function saveCheckpoint(a: SaveCheckpointArgs): string {
  mkdirSync(a.runDir, { recursive: true });
  const name = stepName(a.step);
  const tmp = join(a.runDir, `.tmp-${name}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const params = new Map<string, Tensor>();
  for (const [k, t] of a.model.namedParameters()) params.set(k, t);
  writeSafetensors(join(tmp, 'model.safetensors'), params, { format: 'lmforge', arch: a.model.config.arch });
  writeFileAtomic(join(tmp, 'config.json'), JSON.stringify(a.model.config, null, 2) + '\n');
  if (a.tokenizerPath) {
    copyFileSync(a.tokenizerPath, join(tmp, 'tokenizer.json'));
    fsyncPath(join(tmp, 'tokenizer.json'));
  }
  if (a.optimizer) {
    const o = new Map<string, Tensor>();
    a.optimizer.m.forEach((m, i) => o.set(`m.${i}`, new Tensor(Float32Array.from(m), [m.length])));
    a.optimizer.v.forEach((v, i) => o.set(`v.${i}`, new Tensor(Float32Array.from(v), [v.length])));
    writeSafetensors(join(tmp, 'optimizer.safetensors'), o, { step: String(a.optimizer.step) });
  }
  writeFileAtomic(join(tmp, 'state.json'), JSON.stringify({ version: CHECKPOINT_VERSION, step: a.step, ...a.state }, null, 2) + '\n');
  fsyncPath(tmp);
  const final = join(a.runDir, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  fsyncPath(a.runDir);

  const prev = readIndex(a.runDir);
  const saved = [...(prev?.saved ?? []).filter((s) => s !== name), name];
  const best = a.isBest ? name : prev?.best ?? null;
  const bestVal = a.isBest ? a.bestValLoss : prev?.best_val_loss ?? null;
  const keep = new Set(saved.slice(-Math.max(1, a.keepLast)));
  if (best) keep.add(best);
  const index: CheckpointIndex = { format: 'lmforge-run', version: CHECKPOINT_VERSION, latest: name, best, best_val_loss: bestVal, saved: saved.filter((s) => keep.has(s)) };
  writeFileAtomic(join(a.runDir, 'checkpoints.json'), JSON.stringify(index, null, 2) + '\n');
  for (const s of saved) if (!keep.has(s)) rmSync(join(a.runDir, s), { recursive: true, force: true });
  return final;
}

/** Remove temporary folders left by a killed save. */
export function cleanStaleTemps(runDir: string): void {
  if (!existsSync(runDir)) return;
  for (const f of readdirSync(runDir)) if (f.startsWith('.tmp-step-')) rmSync(join(runDir, f), { recursive: true, force: true });
}

/** Resolve a model path: a run folder (best, else latest checkpoint) or a checkpoint folder itself. */
export function resolveCheckpointDir(path: string, which: 'best' | 'latest' = 'best'): string {
  if (existsSync(join(path, 'model.safetensors')) && existsSync(join(path, 'config.json'))) return path;
  const idx = readIndex(path);
  if (!idx) {
    if (!existsSync(path)) throw new Error(`model ${path}: no such folder`);
    throw new Error(`model ${path}: neither a run folder (no checkpoints.json) nor a checkpoint (no model.safetensors + config.json)`);
  }
  const name = which === 'best' ? idx.best ?? idx.latest : idx.latest;
  if (!name) throw new Error(`model ${path}: the run has no saved checkpoint yet`);
  return join(path, name);
}

export interface LoadedCheckpoint {
  dir: string;
  config: ModelConfig;
  model: CausalLM;
  state: Record<string, unknown> & { step: number };
  tokenizerPath: string | null;
  optimizer: { m: Float32Array[]; v: Float32Array[]; step: number } | null;
}

/** Load a checkpoint folder (model weights strictly checked against config.json). */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const cfgPath = join(dir, 'config.json');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${cfgPath}: cannot read model config (${(e as Error).message})`);
  }
  const config = resolveModelConfig(raw, cfgPath);
  const model = buildModel(config, { init: false });
  const weights = join(dir, 'model.safetensors');
  const { tensors, metadata } = readSafetensors(weights);
  if (metadata.format !== undefined && metadata.format !== 'lmforge') {
    throw new Error(`${weights}: foreign checkpoint (metadata format '${metadata.format}'); convert it with \`lmforge convert --from hf\``);
  }
  model.loadStateDict(tensors, { source: weights });
  const statePath = join(dir, 'state.json');
  const state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : { step: 0 };
  let optimizer: LoadedCheckpoint['optimizer'] = null;
  const optPath = join(dir, 'optimizer.safetensors');
  if (existsSync(optPath)) {
    const o = readSafetensors(optPath);
    const m: Float32Array[] = [], v: Float32Array[] = [];
    for (let i = 0; o.tensors.has(`m.${i}`); i++) {
      m.push(o.tensors.get(`m.${i}`)!.toArray() as Float32Array);
      v.push(o.tensors.get(`v.${i}`)!.toArray() as Float32Array);
    }
    optimizer = { m, v, step: Number(o.metadata.step ?? 0) };
  }
  const tok = join(dir, 'tokenizer.json');
  return { dir, config, model, state, tokenizerPath: existsSync(tok) ? tok : null, optimizer };
}
