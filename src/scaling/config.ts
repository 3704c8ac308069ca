// Read a ModelShape from a config.json: lmforge keys (arch, n_layer, n_embd, ...) or Hugging Face keys of
// GPT2Config, LlamaConfig (and Llama-like model types), BertConfig and T5Config, with HF's defaults.
// Used by `lmforge scaling count --model RUN | --config FILE`.

import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveShape, type Arch, type ModelShape } from './shape.js';

type Json = Record<string, unknown>;

function num(j: Json, keys: string[], where: string, dflt?: number): number {
  for (const k of keys) if (j[k] !== undefined && j[k] !== null) {
    const v = j[k];
    if (typeof v !== 'number') throw new Error(`${where}: key "${k}" must be a number, got ${JSON.stringify(v)}`);
    return v;
  }
  if (dflt !== undefined) return dflt;
  throw new Error(`${where}: missing key ${keys.map((k) => `"${k}"`).join(' or ')}`);
}

function opt(j: Json, keys: string[], where: string): number | undefined {
  for (const k of keys) if (j[k] !== undefined && j[k] !== null) return num(j, [k], where);
  return undefined;
}

const LLAMA_TYPES = ['llama', 'mistral', 'qwen2', 'smollm', 'olmo'];

/**
 * Map a parsed config object to a ModelShape (validated). `where` names the file in errors.
 *
 * @example shapeFromConfig({ model_type: 'gpt2', n_layer: 12, n_embd: 768, n_head: 12, vocab_size: 50257, n_positions: 1024 })
 */
export function shapeFromConfig(j: Json, where = 'config.json'): ModelShape {
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new Error(`${where}: expected a JSON object`);
  const mt = typeof j.model_type === 'string' ? j.model_type.toLowerCase() : undefined;
  let arch: Arch;
  if (typeof j.arch === 'string') arch = j.arch as Arch;
  else if (mt === 'gpt2') arch = 'gpt';
  else if (mt && LLAMA_TYPES.includes(mt)) arch = 'llama';
  else if (mt === 'bert') arch = 'bert';
  else if (mt === 't5') arch = 't5';
  else if (mt) throw new Error(`${where}: model_type "${mt}" is not supported (gpt2, llama, bert, t5)`);
  else if (j.n_layer !== undefined && j.n_embd !== undefined) arch = 'gpt';
  else if (j.d_model !== undefined && j.num_layers !== undefined) arch = 't5';
  else if (j.hidden_size !== undefined && j.type_vocab_size !== undefined) arch = 'bert';
  else if (j.hidden_size !== undefined) arch = 'llama';
  else throw new Error(`${where}: cannot tell the architecture (no "arch", "model_type", n_layer/n_embd or hidden_size)`);

  let s: ModelShape;
  if (typeof j.arch === 'string') {
    // lmforge config: ModelShape keys, HF synonyms accepted for the sizes
    s = {
      arch,
      n_layer: num(j, ['n_layer', 'num_hidden_layers', 'num_layers'], where),
      n_embd: num(j, ['n_embd', 'hidden_size', 'd_model'], where),
      n_head: num(j, ['n_head', 'num_attention_heads', 'num_heads'], where),
      vocab_size: num(j, ['vocab_size'], where),
      block_size: num(j, ['block_size', 'n_positions', 'max_position_embeddings'], where),
    };
    const extra: (keyof ModelShape)[] = ['n_kv_head', 'head_dim', 'intermediate_size', 'n_decoder_layer', 'type_vocab_size', 'relative_attention_num_buckets', 'multiple_of', 'ffn_dim_multiplier'];
    for (const k of extra) { const v = opt(j, [k], where); if (v !== undefined) (s as unknown as Record<string, unknown>)[k] = v; }
    if (s.intermediate_size === 0) delete s.intermediate_size; // lmforge LlamaConfig: 0 = Llama's rule
    for (const k of ['tied', 'bias', 'gated_ffn'] as const) if (typeof j[k] === 'boolean') s[k] = j[k] as boolean;
    if (typeof j.tie_word_embeddings === 'boolean' && s.tied === undefined) s.tied = j.tie_word_embeddings;
    if (arch === 'gpt' && (j.positions === 'learned' || j.positions === 'sinusoidal')) s.positions = j.positions;
    if (arch !== 'gpt') delete s.bias; // lmforge's Llama config carries bias: false for uniformity
    if (j.bert_head === 'base' || j.bert_head === 'mlm' || j.bert_head === 'pretraining') s.bert_head = j.bert_head;
  } else if (arch === 'gpt') {
    s = { arch, n_layer: num(j, ['n_layer'], where), n_embd: num(j, ['n_embd'], where), n_head: num(j, ['n_head'], where),
      vocab_size: num(j, ['vocab_size'], where, 50257), block_size: num(j, ['n_positions', 'n_ctx', 'block_size'], where, 1024),
      tied: typeof j.tie_word_embeddings === 'boolean' ? j.tie_word_embeddings : true,
      bias: typeof j.bias === 'boolean' ? j.bias : true };
    const inner = opt(j, ['n_inner'], where);
    if (inner !== undefined) s.intermediate_size = inner;
  } else if (arch === 'llama') {
    s = { arch, n_layer: num(j, ['num_hidden_layers'], where), n_embd: num(j, ['hidden_size'], where), n_head: num(j, ['num_attention_heads'], where),
      vocab_size: num(j, ['vocab_size'], where, 32000), block_size: num(j, ['max_position_embeddings'], where, 2048),
      intermediate_size: num(j, ['intermediate_size'], where, 11008),
      tied: typeof j.tie_word_embeddings === 'boolean' ? j.tie_word_embeddings : false };
    const kv = opt(j, ['num_key_value_heads'], where), hd = opt(j, ['head_dim'], where);
    if (kv !== undefined) s.n_kv_head = kv;
    if (hd !== undefined) s.head_dim = hd;
  } else if (arch === 'bert') {
    const archs = Array.isArray(j.architectures) ? j.architectures : [];
    s = { arch, n_layer: num(j, ['num_hidden_layers'], where, 12), n_embd: num(j, ['hidden_size'], where, 768), n_head: num(j, ['num_attention_heads'], where, 12),
      vocab_size: num(j, ['vocab_size'], where, 30522), block_size: num(j, ['max_position_embeddings'], where, 512),
      intermediate_size: num(j, ['intermediate_size'], where, 3072), type_vocab_size: num(j, ['type_vocab_size'], where, 2),
      bert_head: archs.includes('BertForPreTraining') ? 'pretraining' : archs.includes('BertForMaskedLM') ? 'mlm' : 'base' };
  } else {
    const proj = typeof j.feed_forward_proj === 'string' ? j.feed_forward_proj : 'relu';
    s = { arch, n_layer: num(j, ['num_layers'], where, 6), n_embd: num(j, ['d_model'], where, 512), n_head: num(j, ['num_heads'], where, 8),
      head_dim: num(j, ['d_kv'], where, 64), intermediate_size: num(j, ['d_ff'], where, 2048), vocab_size: num(j, ['vocab_size'], where, 32128),
      block_size: num(j, ['n_positions'], where, 512), gated_ffn: proj.startsWith('gated'),
      tied: typeof j.tie_word_embeddings === 'boolean' ? j.tie_word_embeddings : true,
      relative_attention_num_buckets: num(j, ['relative_attention_num_buckets'], where, 32) };
    const dec = opt(j, ['num_decoder_layers'], where);
    if (dec !== undefined) s.n_decoder_layer = dec;
  }
  resolveShape(s, where); // validate now, naming the file
  return s;
}

/**
 * Read a config file, or RUN/config.json when given a directory.
 *
 * @example readShape('runs/gpt2-tiny') // reads runs/gpt2-tiny/config.json
 */
export function readShape(path: string): ModelShape {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'config.json') : path;
  if (!existsSync(file)) throw new Error(`scaling/config: ${file} does not exist`);
  let j: unknown;
  try { j = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { throw new Error(`${file}: invalid JSON (${(e as Error).message})`); }
  return shapeFromConfig(j as Json, file);
}
