// `lmforge convert`: carry a model between lmforge runs and the formats the rest of the field uses —
// Hugging Face folders (io/hf/*) and GGUF files for llama.cpp (gguf_model.ts) — both ways. A run written
// here is a normal checkpoint (train/checkpoint.ts layout) that eval, sample and further conversion accept.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** The model of a run (best, else latest checkpoint) or checkpoint folder, with its tokenizer if any. */
export function loadRunForExport(runOrCkpt: string, warnings: string[]): { model: CausalLM; tokenizer: Tokenizer | null; tokenizerText: string | null } {
  const ck = loadCheckpoint(resolveCheckpointDir(runOrCkpt));
  let tokenizer: Tokenizer | null = null, tokenizerText: string | null = null;
  if (ck.tokenizerPath) {
    tokenizerText = readFileSync(ck.tokenizerPath, 'utf8');
    try {
      tokenizer = loadTokenizerSync(ck.tokenizerPath);
    } catch (e) {
      warnings.push(`the run's tokenizer cannot be read: ${(e as Error).message}`);
    }
  } else {
    warnings.push(`${ck.dir} has no tokenizer.json`);
  }
  return { model: ck.model, tokenizer, tokenizerText };
}

/**
 * lmforge run -> Hugging Face folder (config.json, model.safetensors or shards, tokenizer.json).
 * @example convertToHf('runs/small', 'out/hf', { dtype: 'BF16' })
 */
export function convertToHf(runOrCkpt: string, outDir: string, opts: { dtype?: 'F32' | 'F16' | 'BF16'; maxShardBytes?: number } = {}): ConvertResult {
  const warnings: string[] = [];
  const { model, tokenizer, tokenizerText } = loadRunForExport(runOrCkpt, warnings);
  let tokJson: string | null = null;
  if (tokenizerText && isHfTokenizerJson(tokenizerText)) tokJson = tokenizerText;
  else if (tokenizer instanceof BpeTokenizer) tokJson = withTemp((tmp) => { saveTokenizer(tokenizer, join(tmp, 't.json'), 'hf'); return readFileSync(join(tmp, 't.json'), 'utf8'); });
  else if (tokenizer) warnings.push(`a '${tokenizer.kind}' tokenizer has no tokenizer.json form; none was written`);
  const r = exportHfModel(model, outDir, { ...opts, tokenizerJson: tokJson, eosTokenId: tokenizer?.eotId ?? null });
  return { out: outDir, config: model.config, warnings: [...warnings, ...r.warnings] };
}

/**
 * lmforge run -> GGUF file for llama.cpp (F32, F16 or Q8_0).
 * @example convertToGguf('runs/llama', 'llama.gguf', { dtype: 'F16' })
 */
export function convertToGguf(runOrCkpt: string, outFile: string, opts: { dtype?: 'F32' | 'F16' | 'Q8_0'; name?: string } = {}): ConvertResult {
  const warnings: string[] = [];
  const { model, tokenizer } = loadRunForExport(runOrCkpt, warnings);
  const r = writeModelGguf(model, outFile, { dtype: opts.dtype, tokenizer, name: opts.name });
  return { out: outFile, config: model.config, warnings: [...warnings, ...r.warnings] };
}
