// Hugging Face model folder -> lmforge model: config.json mapped (config.ts), weights read from
// model.safetensors or its shards (weights.ts), keys mapped in one place (mapping.ts), F16/BF16/F64 -> F32,
// and a strict check that lists missing keys, unexpected keys and shapes that disagree with config.json.
import { readFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fmtShape, shapesEqual } from '../../tensor/shape.js';
import { buildModel, type ModelConfig } from '../../models/registry.js';
import type { CausalLM } from '../../models/types.js';
import { hfToModelConfig } from './config.js';
import { hfKeyToOurs } from './mapping.js';
import { openHfWeights } from './weights.js';
import { readHfTokenizerFiles, type HfTokenizerFiles } from './tokenizer.js';

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

export interface LoadedHfModel {
  model: CausalLM;
  config: ModelConfig;
  /** config.json as read. */
  hfConfig: Record<string, unknown>;
  /** tokenizer.json text (from tokenizer.json or GPT-2's vocab files), or null. */
  tokenizer: HfTokenizerFiles | null;
  /** HF keys not loaded on purpose (mask buffers, a tied head) with the reason. */
  skipped: string[];
  /** Storage dtypes seen, e.g. ['BF16']. */
  dtypes: string[];
}

function list(items: string[], n = 20): string {
  return items.slice(0, n).join(', ') + (items.length > n ? `, … (${items.length - n} more)` : '');
}

/** Read and parse DIR/config.json. */
export function readHfConfig(dir: string): Record<string, unknown> {
  const p = join(dir, 'config.json');
  if (!existsSync(p)) throw new Error(`${dir}: no config.json (not a Hugging Face model folder)`);
  try {
    const raw = JSON.parse(readFileSync(p, 'utf8')) as unknown;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('expected a JSON object');
    return raw as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${p}: cannot read the config (${(e as Error).message})`);
  }
}

/**
 * Load a Hugging Face GPT2LMHeadModel / LlamaForCausalLM folder into an lmforge model (float32).
 * @example const { model, tokenizer } = loadHfModel('models/TinyLlama');
 */
export function loadHfModel(dir: string): LoadedHfModel {
  const hfConfig = readHfConfig(dir);
  const config = hfToModelConfig(hfConfig, join(dir, 'config.json'));
  const model = buildModel(config, { init: false });
  const own = model.stateDict();
  const weights = openHfWeights(dir);
  try {
    const plan: { key: string; file: string; name: string; transpose: boolean }[] = [];
    const skipped: string[] = [], unexpected: string[] = [], bad: string[] = [];
    const dtypes = new Set<string>();
    const seen = new Set<string>();
    for (const [key, { file, reader }] of weights.entries) {
      const act = hfKeyToOurs(config, key);
      if (act.kind === 'skip') { skipped.push(`${key} (${act.reason})`); continue; }
      const p = own.get(act.name);
      if (!p) { unexpected.push(`${key} (${basename(file)})`); continue; }
      if (seen.has(act.name)) { bad.push(`${file}: ${key}: a second tensor for ${act.name}`); continue; }
      seen.add(act.name);
      const info = reader.info(key);
      const want = act.transpose ? [p.shape[1]!, p.shape[0]!] : p.shape;
      if (!FLOAT_DTYPES.has(info.dtype)) bad.push(`${file}: ${key}: dtype ${info.dtype} is not a float type (F32, F16, BF16, F64)`);
      else if (!shapesEqual(info.shape, want)) bad.push(`${file}: ${key}: config.json implies ${fmtShape(want)}${act.transpose ? ' (Conv1D [in, out])' : ''}, the file has ${fmtShape(info.shape)}`);
      dtypes.add(info.dtype);
      plan.push({ key, file, name: act.name, transpose: act.transpose });
    }
    const missing = [...own.keys()].filter((k) => !seen.has(k));
    if (missing.length || unexpected.length || bad.length) {
      const parts: string[] = [];
      if (missing.length) parts.push(`missing keys (${missing.length}): ${list(missing)}`);
      if (unexpected.length) parts.push(`unexpected keys (${unexpected.length}): ${list(unexpected)}`);
      if (bad.length) parts.push(`mismatches (${bad.length}): ${list(bad, 10)}`);
      throw new Error(`${dir}: weights do not match config.json (${config.arch === 'gpt' ? 'GPT2LMHeadModel' : 'LlamaForCausalLM'}): ${parts.join('; ')}`);
    }
    for (const { key, name, transpose } of plan) {
      const src = weights.entries.get(key)!.reader.get(key, { dtype: 'float32' }).data;
      const dst = own.get(name)!.buffer();
      if (!transpose) { dst.set(src as never); continue; }
      const [R, C] = own.get(name)!.shape as [number, number]; // ours (out, in) = R x C; file [in, out] = C x R
      for (let c = 0; c < C; c++) for (let r = 0; r < R; r++) dst[r * C + c] = src[c * R + r]!;
    }
    return { model, config, hfConfig, tokenizer: readHfTokenizerFiles(dir), skipped, dtypes: [...dtypes].sort() };
  } finally {
    weights.close();
  }
}
