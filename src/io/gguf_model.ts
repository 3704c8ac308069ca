// lmforge models <-> GGUF as llama.cpp reads them (convert_hf_to_gguf.py's layout): tensor names
// (token_embd, blk.N.attn_q, ...), `{arch}.*` hyperparameters, the BPE tokenizer (tokenizer.ggml.*), and
// Llama q/k rows permuted from HF rotate-half to the Meta/GGUF interleaved RoPE layout (FACTS §3.5).
import { Tensor } from '../tensor/tensor.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';
import { buildModel, type ModelConfig } from '../models/registry.js';
import type { CausalLM } from '../models/types.js';
import { resolveGPTConfig, sinusoidalPositions } from '../models/gpt.js';
import { resolveLlamaConfig } from '../models/llama.js';
import { ropeHfToInterleaved, ropeInterleavedToHf } from '../ops/rope.js';
import { BpeTokenizer, bytesToUnicode, ORIGINAL_PATTERNS, type Tokenizer } from '../tokenizers/index.js';
import { mergesFromRanks } from '../tokenizers/formats/hf_json.js';
import { openGguf, writeGguf, type GgufScalar, type GgufTensorSpec, type GgufValue } from './gguf.js';

/** ggml token types (llama.cpp's llama_token_type). */
const TOKEN_NORMAL = 1, TOKEN_CONTROL = 3, TOKEN_UNUSED = 5;
/** llama.cpp pre-tokenizer names for our split patterns. */
const PRE: Record<string, string> = { gpt2: 'gpt-2', cl100k: 'llama-bpe', o200k: 'gpt-4o' };

/** lmforge parameter name -> GGUF tensor name (null: not stored). */
export function ggufTensorName(cfg: ModelConfig, name: string): string {
  const blk = (m: RegExpExecArray, rest: string): string => `blk.${m[1]}.${rest}`;
  let m: RegExpExecArray | null;
  if (cfg.arch === 'llama') {
    if (name === 'model.embed_tokens.weight') return 'token_embd.weight';
    if (name === 'model.norm.weight') return 'output_norm.weight';
    if (name === 'lm_head.weight') return 'output.weight';
    const table: Record<string, string> = {
      'input_layernorm.weight': 'attn_norm.weight', 'self_attn.q_proj.weight': 'attn_q.weight', 'self_attn.k_proj.weight': 'attn_k.weight',
      'self_attn.v_proj.weight': 'attn_v.weight', 'self_attn.o_proj.weight': 'attn_output.weight', 'post_attention_layernorm.weight': 'ffn_norm.weight',
      'mlp.gate_proj.weight': 'ffn_gate.weight', 'mlp.up_proj.weight': 'ffn_up.weight', 'mlp.down_proj.weight': 'ffn_down.weight',
    };
    if ((m = /^model\.layers\.(\d+)\.(.+)$/.exec(name)) && table[m[2]!]) return blk(m, table[m[2]!]!);
  } else {
    const top: Record<string, string> = { 'wte.weight': 'token_embd.weight', 'wpe.weight': 'position_embd.weight', 'ln_f.weight': 'output_norm.weight', 'ln_f.bias': 'output_norm.bias', 'lm_head.weight': 'output.weight' };
    if (top[name]) return top[name]!;
    const table: Record<string, string> = { ln_1: 'attn_norm', 'attn.c_attn': 'attn_qkv', 'attn.c_proj': 'attn_output', ln_2: 'ffn_norm', 'mlp.c_fc': 'ffn_up', 'mlp.c_proj': 'ffn_down' };
    if ((m = /^h\.(\d+)\.(.+)\.(weight|bias)$/.exec(name)) && table[m[2]!]) return blk(m, `${table[m[2]!]}.${m[3]}`);
  }
  throw new Error(`GGUF: no GGUF name for parameter '${name}' of a ${cfg.arch} model`);
}

const u32 = (value: number): GgufValue => ({ type: 'u32', value });
const f32 = (value: number): GgufValue => ({ type: 'f32', value });
const str = (value: string): GgufValue => ({ type: 'string', value });

/** The tokenizer.ggml.* keys for a byte-level BPE tokenizer padded to the model's vocab_size. */
function tokenizerMetadata(tok: Tokenizer | null, vocab: number, warnings: string[]): [string, GgufValue][] {
  if (!tok) {
    warnings.push('no tokenizer: the GGUF file says tokenizer.ggml.model = "none" (llama.cpp then needs token ids)');
    return [['tokenizer.ggml.model', str('none')]];
  }
  if (!(tok instanceof BpeTokenizer)) {
    warnings.push(`the '${tok.kind}' tokenizer has no llama.cpp equivalent: tokenizer.ggml.model = "none"`);
    return [['tokenizer.ggml.model', str('none')]];
  }
  if (tok.vocabSize > vocab) throw new Error(`GGUF export: the tokenizer has ${tok.vocabSize} tokens but the model's vocab_size is ${vocab}`);
  const ordinary = tok.ordinaryTokens();
  const tokens: string[] = [], types: number[] = [];
  const special = new Map([...tok.specialTokens].map(([s, id]) => [id, s]));
  for (let id = 0; id < vocab; id++) {
    const t = ordinary[id];
    if (t) { tokens.push(bytesToUnicode(t)); types.push(TOKEN_NORMAL); } else if (special.has(id)) { tokens.push(special.get(id)!); types.push(TOKEN_CONTROL); } else { tokens.push(`[PAD${id}]`); types.push(TOKEN_UNUSED); }
  }
  const merges = (tok.mode === 'ranks' ? mergesFromRanks(ordinary) : tok.merges).map(([a, b]) => `${bytesToUnicode(ordinary[a]!)} ${bytesToUnicode(ordinary[b]!)}`);
  const pat = typeof tok.pattern === 'string' ? tok.pattern : null;
  let pre = pat ? PRE[pat] : undefined;
  if (!pre) {
    warnings.push(`llama.cpp has no pre-tokenizer for split pattern ${JSON.stringify(tok.pattern)}: written as 'default' (prompts may tokenize differently there)`);
    pre = 'default';
  }
  const out: [string, GgufValue][] = [
    ['tokenizer.ggml.model', str('gpt2')], ['tokenizer.ggml.pre', str(pre)],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: types }],
    ['tokenizer.ggml.merges', { type: 'array', itemType: 'string', value: merges }],
  ];
  const eot = tok.eotId;
  if (eot !== undefined) out.push(['tokenizer.ggml.bos_token_id', u32(eot)], ['tokenizer.ggml.eos_token_id', u32(eot)]);
  out.push(['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }], ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }]);
  return out;
}

export interface GgufExportOptions {
  /**
   * Storage type of 2-D weights (norms and biases stay F32, as convert_hf_to_gguf does). Default F32.
   * Q8_0 applies to weights whose rows are a multiple of 32 values; others are written F16.
   */
  dtype?: 'F32' | 'F16' | 'Q8_0';
  tokenizer?: Tokenizer | null;
  /** general.name */
  name?: string;
}

/**
 * Write a model (and its tokenizer) as a GGUF file llama.cpp loads (architectures llama and gpt2).
 * @example const { warnings } = writeModelGguf(model, 'model.gguf', { tokenizer: tok, dtype: 'F16' });
 */
export function writeModelGguf(model: CausalLM, path: string, opts: GgufExportOptions = {}): { warnings: string[] } {
  const cfg = model.config, dtype = opts.dtype ?? 'F32';
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'Q8_0') throw new Error(`GGUF export: dtype must be F32, F16 or Q8_0, got ${String(dtype)}`);
  const warnings: string[] = [];
  const arch = cfg.arch === 'llama' ? 'llama' : 'gpt2';
  const md = new Map<string, GgufValue>([
    ['general.architecture', str(arch)], ['general.name', str(opts.name ?? 'lmforge')], ['general.file_type', u32({ F32: 0, F16: 1, Q8_0: 7 }[dtype])],
    [`${arch}.vocab_size`, u32(cfg.vocab_size)], [`${arch}.context_length`, u32(cfg.block_size)], [`${arch}.embedding_length`, u32(cfg.n_embd)],
    [`${arch}.block_count`, u32(cfg.n_layer)], [`${arch}.attention.head_count`, u32(cfg.n_head)],
  ]);
  const tensors: GgufTensorSpec[] = [];
  if (dtype === 'Q8_0') md.set('general.quantization_version', u32(2));
  const add = (name: string, t: Tensor): void => {
    const type = t.ndim < 2 ? 'F32' : dtype === 'Q8_0' && t.shape[t.ndim - 1]! % 32 !== 0 ? 'F16' : dtype;
    tensors.push({ name, tensor: t, type });
  };
  if (cfg.arch === 'llama') {
    md.set('llama.feed_forward_length', u32(cfg.intermediate_size));
    md.set('llama.attention.head_count_kv', u32(cfg.n_kv_head));
    md.set('llama.rope.dimension_count', u32(cfg.n_embd / cfg.n_head));
    md.set('llama.rope.freq_base', f32(cfg.rope_theta));
    md.set('llama.attention.layer_norm_rms_epsilon', f32(cfg.rms_norm_eps));
    for (const [name, t] of model.namedParameters()) {
      if (name.endsWith('self_attn.q_proj.weight')) add(ggufTensorName(cfg, name), ropeHfToInterleaved(t, cfg.n_head));
      else if (name.endsWith('self_attn.k_proj.weight')) add(ggufTensorName(cfg, name), ropeHfToInterleaved(t, cfg.n_kv_head));
      else add(ggufTensorName(cfg, name), t);
    }
  } else {
    md.set('gpt2.feed_forward_length', u32(4 * cfg.n_embd));
    md.set('gpt2.attention.layer_norm_epsilon', f32(cfg.layer_norm_epsilon));
    if (cfg.activation !== 'gelu_tanh') warnings.push("llama.cpp's gpt2 uses the tanh GELU; this model uses the erf GELU (outputs will differ slightly)");
    const params = new Map(model.namedParameters());
    for (const [name, t] of params) add(ggufTensorName(cfg, name), t);
    if (cfg.positions === 'sinusoidal') {
      add('position_embd.weight', sinusoidalPositions(cfg.block_size, cfg.n_embd));
      warnings.push('sinusoidal positions are written as a fixed position_embd table (same outputs)');
    }
    if (!cfg.bias) {
      const C = cfg.n_embd, zero = (n: number): Tensor => new Tensor(new Float32Array(n), [n]);
      for (let i = 0; i < cfg.n_layer; i++) {
        for (const [k, n] of [['attn_norm', C], ['attn_qkv', 3 * C], ['attn_output', C], ['ffn_norm', C], ['ffn_up', 4 * C], ['ffn_down', C]] as const) add(`blk.${i}.${k}.bias`, zero(n));
      }
      add('output_norm.bias', zero(C));
      warnings.push('the model has no biases: llama.cpp\'s gpt2 needs them, written as zeros (same outputs)');
    }
  }
  for (const [k, v] of tokenizerMetadata(opts.tokenizer ?? null, cfg.vocab_size, warnings)) md.set(k, v);
  writeGguf(path, md, tensors);
  return { warnings };
}

function num(get: (k: string) => GgufScalar | GgufScalar[] | undefined, key: string, file: string, fallback?: number): number {
  const v = get(key);
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${file}: metadata '${key}' is missing`);
  }
  if (typeof v !== 'number' && typeof v !== 'bigint') throw new Error(`${file}: metadata '${key}' must be a number, got ${JSON.stringify(String(v))}`);
  return Number(v);
}

/** tokenizer.json text (byte-level BPE) from tokenizer.ggml.* keys, or null with a warning. */
function tokenizerJsonFromGguf(get: (k: string) => GgufScalar | GgufScalar[] | undefined, file: string, warnings: string[]): string | null {
  const model = get('tokenizer.ggml.model');
  if (model === undefined || model === 'none') { warnings.push(`${file}: no tokenizer in the file`); return null; }
  if (model !== 'gpt2') { warnings.push(`${file}: tokenizer.ggml.model '${String(model)}' is not supported (byte-level BPE 'gpt2' only); the run has no tokenizer`); return null; }
  const tokens = get('tokenizer.ggml.tokens'), types = get('tokenizer.ggml.token_type'), merges = get('tokenizer.ggml.merges');
  if (!Array.isArray(tokens) || !Array.isArray(merges)) throw new Error(`${file}: tokenizer.ggml.tokens and tokenizer.ggml.merges must be arrays`);
  const vocab: Record<string, number> = {};
  const added: Record<string, unknown>[] = [];
  tokens.forEach((t, id) => {
    const type = Array.isArray(types) ? Number(types[id]) : TOKEN_NORMAL;
    if (type === TOKEN_UNUSED) return;
    if (type === TOKEN_CONTROL || type === 4) added.push({ id, content: String(t), single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    else vocab[String(t)] = id;
  });
  const pre = String(get('tokenizer.ggml.pre') ?? 'gpt-2');
  const byteLevel = (useRegex: boolean): Record<string, unknown> => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
  const patternOf: Record<string, string> = { 'llama-bpe': ORIGINAL_PATTERNS.cl100k, 'gpt-4o': ORIGINAL_PATTERNS.o200k };
  let preTok: Record<string, unknown> = byteLevel(true);
  if (patternOf[pre]) preTok = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: patternOf[pre] }, behavior: 'Isolated', invert: false }, byteLevel(false)] };
  else if (pre !== 'gpt-2' && pre !== 'default') warnings.push(`${file}: pre-tokenizer '${pre}' is not known to lmforge; GPT-2's split pattern is used`);
  return JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: added, normalizer: null, pre_tokenizer: preTok,
    post_processor: null, decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: merges.map(String) },
  });
}

/**
 * Read a GGUF file (llama or gpt2; F32, F16 or Q8_0 tensors) into an lmforge model (float32), with its
 * tokenizer as tokenizer.json text. Errors name the file and the tensor.
 * @example const { model, tokenizerJson } = readModelGguf('tinyllama.Q8_0.gguf');
 */
export function readModelGguf(path: string): { model: CausalLM; config: ModelConfig; tokenizerJson: string | null; warnings: string[] } {
  const g = openGguf(path);
  try {
    const get = (k: string): GgufScalar | GgufScalar[] | undefined => g.get(k);
    const arch = get('general.architecture');
    if (arch !== 'llama' && arch !== 'gpt2') throw new Error(`${path}: unsupported architecture '${String(arch)}' (supported: llama, gpt2)`);
    const info = new Map(g.tensors.map((t) => [t.name, t]));
    const emb = info.get('token_embd.weight');
    if (!emb) throw new Error(`${path}: no tensor 'token_embd.weight'`);
    const vocab = emb.shape[0]!;
    const tied = !info.has('output.weight');
    const a = arch;
    let config: ModelConfig;
    try {
      if (a === 'llama') {
        const C = num(get, 'llama.embedding_length', path), NH = num(get, 'llama.attention.head_count', path);
        const rot = num(get, 'llama.rope.dimension_count', path, C / NH);
        if (rot !== C / NH) throw new Error(`${path}: llama.rope.dimension_count ${rot} differs from the head size ${C / NH} (partial RoPE is not supported)`);
        if (get('llama.rope.scaling.type') !== undefined && get('llama.rope.scaling.type') !== 'none') throw new Error(`${path}: RoPE scaling '${String(get('llama.rope.scaling.type'))}' is not supported`);
        config = resolveLlamaConfig({
          n_layer: num(get, 'llama.block_count', path), n_head: NH, n_kv_head: num(get, 'llama.attention.head_count_kv', path, NH), n_embd: C,
          intermediate_size: num(get, 'llama.feed_forward_length', path), block_size: num(get, 'llama.context_length', path), vocab_size: vocab,
          rope_theta: num(get, 'llama.rope.freq_base', path, 10000), rms_norm_eps: num(get, 'llama.attention.layer_norm_rms_epsilon', path, 1e-5),
          tie_word_embeddings: tied, dropout: 0,
        });
      } else {
        const C = num(get, 'gpt2.embedding_length', path);
        const ff = num(get, 'gpt2.feed_forward_length', path, 4 * C);
        if (ff !== 4 * C) throw new Error(`${path}: gpt2.feed_forward_length ${ff} is not 4·n_embd = ${4 * C}`);
        config = resolveGPTConfig({
          n_layer: num(get, 'gpt2.block_count', path), n_head: num(get, 'gpt2.attention.head_count', path), n_embd: C, block_size: num(get, 'gpt2.context_length', path),
          vocab_size: vocab, layer_norm_epsilon: num(get, 'gpt2.attention.layer_norm_epsilon', path, 1e-5), activation: 'gelu_tanh', bias: true,
          positions: 'learned', tie_word_embeddings: tied, dropout: 0,
        });
      }
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.startsWith(path) ? msg : `${path}: ${msg}`);
    }
    const model = buildModel(config, { init: false });
    const wanted = new Map(model.namedParameters().map(([n, t]) => [ggufTensorName(config, n), { n, t }]));
    const missing = [...wanted.keys()].filter((k) => !info.has(k));
    const unexpected = g.tensors.map((t) => t.name).filter((k) => !wanted.has(k));
    if (missing.length || unexpected.length) {
      throw new Error(`${path}: tensors do not match a ${arch} model: ${missing.length ? `missing (${missing.length}): ${missing.slice(0, 20).join(', ')}` : ''}${missing.length && unexpected.length ? '; ' : ''}${unexpected.length ? `unexpected (${unexpected.length}): ${unexpected.slice(0, 20).join(', ')}` : ''}`);
    }
    for (const [gname, { n, t }] of wanted) {
      const ti = info.get(gname)!;
      if (!shapesEqual(ti.shape, t.shape)) throw new Error(`${path}: tensor '${gname}' has shape ${fmtShape(ti.shape)}, the metadata implies ${fmtShape(t.shape)}`);
      let v = g.read(gname);
      if (config.arch === 'llama' && n.endsWith('q_proj.weight')) v = ropeInterleavedToHf(v, config.n_head);
      if (config.arch === 'llama' && n.endsWith('k_proj.weight')) v = ropeInterleavedToHf(v, config.n_kv_head);
      t.buffer().set(v.buffer() as Float32Array);
    }
    const warnings: string[] = [];
    const tokenizerJson = tokenizerJsonFromGguf(get, path, warnings);
    return { model, config, tokenizerJson, warnings };
  } finally {
    g.close();
  }
}
