// lmforge model -> Hugging Face folder: config.json (config.ts), model.safetensors (or shards + index) with
// HF keys and orientations (mapping.ts), tokenizer.json and generation_config.json, as transformers'
// from_pretrained reads them. Every file is written atomically; stale weight files of another layout are removed.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, zeros } from '../../tensor/tensor.js';
import type { CausalLM } from '../../models/types.js';
import { writeSafetensors, type WriteDtype } from '../safetensors.js';
import { writeFileAtomic } from '../atomic.js';
import { modelConfigToHf } from './config.js';
import { oursToHfKey } from './mapping.js';

export interface HfExportOptions {
  /** Storage dtype of the weights (default F32). */
  dtype?: 'F32' | 'F16' | 'BF16';
  /** Split the weights into shards of at most this many bytes (default: one file). */
  maxShardBytes?: number;
  /** tokenizer.json text to write beside the weights (null: none). */
  tokenizerJson?: string | null;
  bosTokenId?: number | null;
  eosTokenId?: number | null;
}

export interface HfExportResult {
  files: string[];
  warnings: string[];
}

const TORCH_DTYPE = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' } as const;
const BYTES = { F32: 4, F16: 2, BF16: 2 } as const;

/** The HF state dict of a model: keys as HF writes them, Conv1D weights as transposed views (no copies). */
export function hfStateDict(model: CausalLM, warnings: string[] = []): Map<string, Tensor> {
  const cfg = model.config;
  const out = new Map<string, Tensor>();
  for (const [name, t] of model.namedParameters()) {
    const { key, transpose } = oursToHfKey(cfg, name);
    out.set(key, transpose ? new Tensor(t.data, [t.shape[1]!, t.shape[0]!], [t.strides[1]!, t.strides[0]!], t.offset) : t);
  }
  if (cfg.arch === 'gpt' && !cfg.bias) {
    // GPT-2 always has biases: zeros compute the same function
    const C = cfg.n_embd;
    const zero = (n: number): Tensor => zeros([n]);
    for (let i = 0; i < cfg.n_layer; i++) {
      const p = `transformer.h.${i}.`;
      for (const [k, n] of [['ln_1.bias', C], ['attn.c_attn.bias', 3 * C], ['attn.c_proj.bias', C], ['ln_2.bias', C], ['mlp.c_fc.bias', 4 * C], ['mlp.c_proj.bias', C]] as const) out.set(p + k, zero(n));
    }
    out.set('transformer.ln_f.bias', zero(C));
    if (!warnings.some((w) => w.includes('no biases'))) warnings.push('the model has no biases: GPT-2 always has them, so they are written as zeros (same outputs)');
  }
  return out;
}

function removeStale(dir: string, keep: Set<string>): void {
  for (const f of readdirSync(dir)) {
    const isWeights = f === 'model.safetensors' || f === 'model.safetensors.index.json' || /^model-\d+-of-\d+\.safetensors$/.test(f);
    if (isWeights && !keep.has(f)) rmSync(join(dir, f), { force: true });
  }
}

/**
 * Write a model as a Hugging Face folder (GPT2LMHeadModel or LlamaForCausalLM).
 * @example exportHfModel(model, 'out/hf', { tokenizerJson, eosTokenId: 50256 })
 */
export function exportHfModel(model: CausalLM, outDir: string, opts: HfExportOptions = {}): HfExportResult {
  const dtype = opts.dtype ?? 'F32';
  if (!(dtype in TORCH_DTYPE)) throw new Error(`export to HF: dtype must be F32, F16 or BF16, got ${String(dtype)}`);
  const warnings: string[] = [];
  const config = modelConfigToHf(model.config, { bosTokenId: opts.bosTokenId, eosTokenId: opts.eosTokenId, torchDtype: TORCH_DTYPE[dtype] }, warnings);
  const state = hfStateDict(model, warnings);
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  const keys = [...state.keys()];
  const sizeOf = (k: string): number => state.get(k)!.size * BYTES[dtype];
  const total = keys.reduce((a, k) => a + sizeOf(k), 0);
  const max = opts.maxShardBytes;
  if (max !== undefined && !(max > 0)) throw new Error(`export to HF: maxShardBytes must be > 0, got ${max}`);
  const shards: string[][] = [];
  if (max === undefined || total <= max) shards.push(keys);
  else {
    let cur: string[] = [], bytes = 0;
    for (const k of keys) {
      if (cur.length && bytes + sizeOf(k) > max) { shards.push(cur); cur = []; bytes = 0; }
      cur.push(k);
      bytes += sizeOf(k);
    }
    if (cur.length) shards.push(cur);
  }
  const names = shards.length === 1 ? ['model.safetensors'] : shards.map((_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`);
  const keep = new Set(names);
  if (shards.length > 1) keep.add('model.safetensors.index.json');
  if (existsSync(outDir)) removeStale(outDir, keep);
  shards.forEach((part, i) => {
    const p = join(outDir, names[i]!);
    writeSafetensors(p, new Map(part.map((k) => [k, state.get(k)!])), { format: 'pt' }, { dtype: dtype as WriteDtype });
    files.push(p);
  });
  if (shards.length > 1) {
    const weightMap: Record<string, string> = {};
    shards.forEach((part, i) => { for (const k of part) weightMap[k] = names[i]!; });
    const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const p = join(outDir, 'model.safetensors.index.json');
    writeFileAtomic(p, JSON.stringify({ metadata: { total_size: total }, weight_map: sorted }, null, 2) + '\n');
    files.push(p);
  }
  const cfgPath = join(outDir, 'config.json');
  writeFileAtomic(cfgPath, JSON.stringify(config, null, 2) + '\n');
  files.push(cfgPath);
  const gen = { _from_model_config: true, bos_token_id: config.bos_token_id, eos_token_id: config.eos_token_id };
  writeFileAtomic(join(outDir, 'generation_config.json'), JSON.stringify(gen, null, 2) + '\n');
  files.push(join(outDir, 'generation_config.json'));
  if (opts.tokenizerJson) {
    writeFileAtomic(join(outDir, 'tokenizer.json'), opts.tokenizerJson);
    files.push(join(outDir, 'tokenizer.json'));
  } else {
    warnings.push('no tokenizer: tokenizer.json was not written');
  }
  return { files, warnings };
}
