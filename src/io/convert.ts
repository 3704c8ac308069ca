// `lmforge convert`: carry a model between lmforge runs and the formats the rest of the field uses —
// Hugging Face folders (io/hf/*) and GGUF files for llama.cpp (gguf_model.ts) — both ways. A run written
// here is a normal checkpoint (train/checkpoint.ts layout) that eval, sample and further conversion accept.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CausalLM } from '../models/types.js';
import type { ModelConfig } from '../models/registry.js';
import { loadCheckpoint, readIndex, resolveCheckpointDir, saveCheckpoint } from '../train/checkpoint.js';
import { BpeTokenizer, loadTokenizerSync, saveTokenizer, type Tokenizer } from '../tokenizers/index.js';
import { loadHfModel } from './hf/import.js';
import { exportHfModel } from './hf/export.js';
import { isHfTokenizerJson } from './hf/tokenizer.js';
import { readModelGguf, writeModelGguf } from './gguf_model.js';
import { resolveModelSource, type HubOptions } from './hub.js';

export interface ConvertResult {
  /** The run folder, HF folder or GGUF file written. */
  out: string;
  config: ModelConfig;
  warnings: string[];
}

function withTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'lmforge-convert-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Save a model (and tokenizer.json text) as a new run folder with one checkpoint (step 0). */
function writeRun(outRun: string, model: CausalLM, tokenizerJson: string | null, source: Record<string, unknown>, warnings: string[]): string {
  if (readIndex(outRun)) throw new Error(`${outRun} already holds a run; choose another --out`);
  return withTemp((tmp) => {
    let tokPath: string | null = null;
    if (tokenizerJson) {
      tokPath = join(tmp, 'tokenizer.json');
      writeFileSync(tokPath, tokenizerJson);
      try {
        loadTokenizerSync(tokPath);
      } catch (e) {
        warnings.push(`the tokenizer was copied, but lmforge cannot use it: ${(e as Error).message}`);
      }
    } else {
      warnings.push('no tokenizer: the run has none (sampling needs --tokenizer)');
    }
    return saveCheckpoint({ runDir: outRun, step: 0, model, tokenizerPath: tokPath, optimizer: null, state: { imported_from: source }, isBest: false, bestValLoss: null, keepLast: 1 });
  });
}

/**
 * HF folder or hub id (OWNER/NAME) -> lmforge run folder.
 * @example const { out, warnings } = await convertFromHf('openai-community/gpt2', 'runs/gpt2');
 */
export async function convertFromHf(source: string, outRun: string, hub: HubOptions = {}): Promise<ConvertResult> {
  const dir = await resolveModelSource(source, hub);
  const loaded = loadHfModel(dir);
  const warnings: string[] = [];
  writeRun(outRun, loaded.model, loaded.tokenizer?.json ?? null, { format: 'hf', source, dir, dtypes: loaded.dtypes, skipped: loaded.skipped.length }, warnings);
  return { out: outRun, config: loaded.config, warnings };
}

/** GGUF file -> lmforge run folder (F32, F16 or Q8_0 tensors become float32). */
export function convertFromGguf(file: string, outRun: string): ConvertResult {
  const r = readModelGguf(file);
  const warnings = [...r.warnings];
  writeRun(outRun, r.model, r.tokenizerJson, { format: 'gguf', source: file }, warnings);
  return { out: outRun, config: r.config, warnings };
}

function loadTokenizerText(path: string | null, where: string, warnings: string[]): { tokenizer: Tokenizer | null; tokenizerText: string | null } {
  if (!path) { warnings.push(`${where} has no tokenizer`); return { tokenizer: null, tokenizerText: null }; }
  const tokenizerText = readFileSync(path, 'utf8');
  try {
    return { tokenizer: loadTokenizerSync(path), tokenizerText };
  } catch (e) {
    warnings.push(`the tokenizer of ${where} cannot be read: ${(e as Error).message}`);
    return { tokenizer: null, tokenizerText };
  }
}

/**
 * The model to export, named like everywhere else: a run (best, else latest checkpoint), a checkpoint folder,
 * a Hugging Face folder or a hub id OWNER/NAME — with its tokenizer if any.
 */
export async function loadModelForExport(nameOrPath: string, warnings: string[], hub: HubOptions = {}): Promise<{ model: CausalLM; tokenizer: Tokenizer | null; tokenizerText: string | null }> {
  const dir = await resolveModelSource(nameOrPath, hub);
  const cfgPath = join(dir, 'config.json');
  const isHf = !existsSync(join(dir, 'checkpoints.json')) && existsSync(cfgPath) && (() => {
    try { const c = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>; return c.arch === undefined && (c.architectures !== undefined || c.model_type !== undefined); } catch { return false; }
  })();
  if (isHf) {
    const hf = loadHfModel(dir);
    if (!hf.tokenizer) return { model: hf.model, ...loadTokenizerText(null, dir, warnings) };
    return withTemp((tmp) => {
      const p = join(tmp, 'tokenizer.json');
      writeFileSync(p, hf.tokenizer!.json);
      return { model: hf.model, ...loadTokenizerText(p, dir, warnings) };
    });
  }
  const ck = loadCheckpoint(resolveCheckpointDir(dir));
  return { model: ck.model, ...loadTokenizerText(ck.tokenizerPath, ck.dir, warnings) };
}

/**
 * lmforge run (or any model: checkpoint, HF folder, hub id) -> Hugging Face folder (config.json,
 * model.safetensors or shards, tokenizer.json).
 * @example await convertToHf('runs/small', 'out/hf', { dtype: 'BF16' })
 */
export async function convertToHf(source: string, outDir: string, opts: { dtype?: 'F32' | 'F16' | 'BF16'; maxShardBytes?: number } & HubOptions = {}): Promise<ConvertResult> {
  const warnings: string[] = [];
  const { model, tokenizer, tokenizerText } = await loadModelForExport(source, warnings, opts);
  let tokJson: string | null = null;
  if (tokenizerText && isHfTokenizerJson(tokenizerText)) tokJson = tokenizerText;
  else if (tokenizer instanceof BpeTokenizer) tokJson = withTemp((tmp) => { saveTokenizer(tokenizer, join(tmp, 't.json'), 'hf'); return readFileSync(join(tmp, 't.json'), 'utf8'); });
  else if (tokenizer) warnings.push(`a '${tokenizer.kind}' tokenizer has no tokenizer.json form; none was written`);
  const r = exportHfModel(model, outDir, { ...opts, tokenizerJson: tokJson, eosTokenId: tokenizer?.eotId ?? null });
  return { out: outDir, config: model.config, warnings: [...warnings, ...r.warnings] };
}

/**
 * lmforge run (or any model: checkpoint, HF folder, hub id) -> GGUF file for llama.cpp (F32, F16 or Q8_0).
 * @example await convertToGguf('TinyLlama/TinyLlama-1.1B-Chat-v1.0', 'tinyllama.gguf', { dtype: 'F16' })
 */
export async function convertToGguf(source: string, outFile: string, opts: { dtype?: 'F32' | 'F16' | 'Q8_0'; name?: string } & HubOptions = {}): Promise<ConvertResult> {
  const warnings: string[] = [];
  const { model, tokenizer } = await loadModelForExport(source, warnings, opts);
  const r = writeModelGguf(model, outFile, { dtype: opts.dtype, tokenizer, name: opts.name });
  return { out: outFile, config: model.config, warnings: [...warnings, ...r.warnings] };
}
