// One way to name a model everywhere: a run folder (its best checkpoint), a checkpoint folder, a
// Hugging Face model folder, or a hub id OWNER/NAME (pulled into the cache unless offline).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CausalLM } from '../models/types.js';
import { loadCheckpoint, readIndex, resolveCheckpointDir } from '../train/checkpoint.js';
import { loadHfModel } from '../io/hf/import.js';
import { resolveModelSource } from '../io/hub.js';
import { loadTokenizerSync, type Tokenizer } from '../tokenizers/index.js';

export interface OpenedModel {
  model: CausalLM;
  tokenizer: Tokenizer | null;
  /** Where the weights came from. */
  source: string;
}

function isLmforgeCheckpoint(dir: string): boolean {
  const cfg = join(dir, 'config.json');
  if (!existsSync(join(dir, 'model.safetensors')) || !existsSync(cfg)) return false;
  try {
    const j = JSON.parse(readFileSync(cfg, 'utf8')) as Record<string, unknown>;
    return typeof j.arch === 'string' && j.model_type === undefined;
  } catch {
    return false;
  }
}

export async function openModel(nameOrPath: string): Promise<OpenedModel> {
  const dir = await resolveModelSource(nameOrPath);
  if (readIndex(dir) || isLmforgeCheckpoint(dir)) {
    const ck = loadCheckpoint(resolveCheckpointDir(dir, 'best'));
    return { model: ck.model, tokenizer: ck.tokenizerPath ? loadTokenizerSync(ck.tokenizerPath) : null, source: ck.dir };
  }
  const hf = loadHfModel(dir);
  let tokenizer: Tokenizer | null = null;
  if (existsSync(join(dir, 'tokenizer.json'))) tokenizer = loadTokenizerSync(join(dir, 'tokenizer.json'));
  return { model: hf.model, tokenizer, source: dir };
}
