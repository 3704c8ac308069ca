// Hugging Face config.json <-> lmforge model config, both ways, for GPT2LMHeadModel and LlamaForCausalLM.
// Import rejects what our models cannot compute exactly (other activations, RoPE scaling, biased Llama
// projections, GPT-2 attention variants) and names the field; export writes the fields save_pretrained writes.
import { resolveGPTConfig, type GPTConfig } from '../../models/gpt.js';
import { resolveLlamaConfig, type LlamaConfig } from '../../models/llama.js';
import type { ModelConfig } from '../../models/registry.js';

type Json = Record<string, unknown>;

const SUPPORTED = 'GPT2LMHeadModel (model_type gpt2), LlamaForCausalLM (model_type llama)';

/** 'gpt' or 'llama' from `architectures` / `model_type`; an error naming the architecture otherwise. */
export function hfArch(raw: Json, file: string): 'gpt' | 'llama' {
  const archs = Array.isArray(raw.architectures) ? (raw.architectures as unknown[]).map(String) : [];
  const mt = typeof raw.model_type === 'string' ? raw.model_type : undefined;
  const isGpt = archs.some((a) => a === 'GPT2LMHeadModel' || a === 'GPT2Model') || (archs.length === 0 && mt === 'gpt2');
  const isLlama = archs.some((a) => a === 'LlamaForCausalLM' || a === 'LlamaModel') || (archs.length === 0 && mt === 'llama');
  if (isGpt) return 'gpt';
  if (isLlama) return 'llama';
  const what = archs.length ? `architectures ${JSON.stringify(archs)}` : mt ? `model_type '${mt}'` : 'no "architectures" or "model_type" field';
  throw new Error(`${file}: unsupported architecture: ${what} (supported: ${SUPPORTED})`);
}

function num(raw: Json, key: string, file: string, fallback?: number): number {
  const v = raw[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new Error(`${file}: "${key}" is missing`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${file}: "${key}" must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function unsupported(file: string, key: string, value: unknown, why: string): never {
  throw new Error(`${file}: unsupported "${key}": ${JSON.stringify(value)} (${why})`);
}

/**
 * Map an HF config.json object to an lmforge model config (validated).
 * @example hfToModelConfig(JSON.parse(readFileSync('gpt2/config.json', 'utf8')), 'gpt2/config.json')
 */
export function hfToModelConfig(raw: Json, file = 'config.json'): ModelConfig {
  const arch = hfArch(raw, file);
  try {
    return arch === 'gpt' ? gpt2Config(raw, file) : llamaConfig(raw, file);
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(file) ? msg : `${file}: ${msg}`);
  }
}

function gpt2Config(raw: Json, file: string): GPTConfig {
  const C = num(raw, 'n_embd', file);
  const inner = raw.n_inner;
  if (inner !== undefined && inner !== null && inner !== 4 * C) unsupported(file, 'n_inner', inner, `lmforge's GPT uses an MLP of 4·n_embd = ${4 * C}`);
  const actName = raw.activation_function ?? 'gelu_new';
  const act = actName === 'gelu_new' || actName === 'gelu_pytorch_tanh' ? 'gelu_tanh' : actName === 'gelu' ? 'gelu' : null;
  if (!act) unsupported(file, 'activation_function', actName, 'supported: gelu_new, gelu_pytorch_tanh, gelu');
  if (raw.scale_attn_weights === false) unsupported(file, 'scale_attn_weights', false, 'attention is always scaled by 1/sqrt(head size)');
  if (raw.scale_attn_by_inverse_layer_idx === true) unsupported(file, 'scale_attn_by_inverse_layer_idx', true, 'not implemented');
  return resolveGPTConfig({
    n_layer: num(raw, 'n_layer', file), n_head: num(raw, 'n_head', file), n_embd: C,
    block_size: num(raw, 'n_positions', file, raw.n_ctx as number | undefined), vocab_size: num(raw, 'vocab_size', file),
    layer_norm_epsilon: num(raw, 'layer_norm_epsilon', file, 1e-5), activation: act!, bias: true, positions: 'learned',
    tie_word_embeddings: raw.tie_word_embeddings === undefined ? true : raw.tie_word_embeddings === true, dropout: 0,
  });
}

function llamaConfig(raw: Json, file: string): LlamaConfig {
  const act = raw.hidden_act ?? 'silu';
  if (act !== 'silu') unsupported(file, 'hidden_act', act, 'Llama uses silu (SwiGLU)');
  const scaling = raw.rope_scaling;
  if (scaling !== undefined && scaling !== null) {
    const type = (scaling as Json).rope_type ?? (scaling as Json).type;
    if (type !== 'default') unsupported(file, 'rope_scaling', scaling, 'RoPE scaling is not implemented');
  }
  for (const k of ['attention_bias', 'mlp_bias']) if (raw[k] === true) unsupported(file, k, true, 'lmforge\'s Llama has no biases');
  const params = (raw.rope_parameters ?? {}) as Json; // newer transformers nest rope_theta here
  const C = num(raw, 'hidden_size', file), NH = num(raw, 'num_attention_heads', file);
  if (raw.head_dim !== undefined && raw.head_dim !== null && raw.head_dim !== C / NH) unsupported(file, 'head_dim', raw.head_dim, `lmforge needs head_dim = hidden_size / num_attention_heads = ${C / NH}`);
  return resolveLlamaConfig({
    n_layer: num(raw, 'num_hidden_layers', file), n_head: NH, n_kv_head: num(raw, 'num_key_value_heads', file, NH), n_embd: C,
    intermediate_size: num(raw, 'intermediate_size', file), block_size: num(raw, 'max_position_embeddings', file, 2048),
    vocab_size: num(raw, 'vocab_size', file), rope_theta: num(raw, 'rope_theta', file, num(params, 'rope_theta', file, 10000)),
    rms_norm_eps: num(raw, 'rms_norm_eps', file, 1e-6), tie_word_embeddings: raw.tie_word_embeddings === true, dropout: 0,
  });
}

export interface HfConfigExtras {
  bosTokenId?: number | null;
  eosTokenId?: number | null;
  /** torch_dtype recorded in config.json ('float32', 'float16', 'bfloat16'). */
  torchDtype?: string;
}

/**
 * An HF config.json object for an lmforge model config (GPT2LMHeadModel or LlamaForCausalLM).
 * GPT configs HF cannot express (sinusoidal positions) throw; `warnings` receives lossy mappings.
 * @example modelConfigToHf(model.config, { eosTokenId: 50256 })
 */
export function modelConfigToHf(cfg: ModelConfig, extras: HfConfigExtras = {}, warnings: string[] = []): Json {
  const dtype = extras.torchDtype ?? 'float32';
  const bos = extras.bosTokenId ?? extras.eosTokenId ?? null, eos = extras.eosTokenId ?? extras.bosTokenId ?? null;
  if (cfg.arch === 'gpt') {
    if (cfg.positions !== 'learned') throw new Error(`export to HF: GPT-2 has learned position embeddings only; this model uses positions '${cfg.positions}'`);
    if (!cfg.bias) warnings.push('the model has no biases: GPT-2 always has them, so they are written as zeros (same outputs)');
    if (cfg.dropout > 0) warnings.push(`dropout ${cfg.dropout} is recorded as HF's resid/embd/attn pdrop`);
    return {
      activation_function: cfg.activation === 'gelu_tanh' ? 'gelu_new' : 'gelu', architectures: ['GPT2LMHeadModel'], attn_pdrop: cfg.dropout,
      bos_token_id: bos ?? cfg.vocab_size - 1, embd_pdrop: cfg.dropout, eos_token_id: eos ?? cfg.vocab_size - 1, initializer_range: 0.02,
      layer_norm_epsilon: cfg.layer_norm_epsilon, model_type: 'gpt2', n_ctx: cfg.block_size, n_embd: cfg.n_embd, n_head: cfg.n_head,
      n_inner: null, n_layer: cfg.n_layer, n_positions: cfg.block_size, reorder_and_upcast_attn: false, resid_pdrop: cfg.dropout,
      scale_attn_by_inverse_layer_idx: false, scale_attn_weights: true, summary_activation: null, summary_first_dropout: 0.1,
      summary_proj_to_labels: true, summary_type: 'cls_index', summary_use_proj: true, tie_word_embeddings: cfg.tie_word_embeddings,
      torch_dtype: dtype, use_cache: true, vocab_size: cfg.vocab_size,
    };
  }
  return {
    architectures: ['LlamaForCausalLM'], attention_bias: false, attention_dropout: 0.0, bos_token_id: bos, eos_token_id: eos,
    hidden_act: 'silu', hidden_size: cfg.n_embd, initializer_range: 0.02, intermediate_size: cfg.intermediate_size,
    max_position_embeddings: cfg.block_size, mlp_bias: false, model_type: 'llama', num_attention_heads: cfg.n_head,
    num_hidden_layers: cfg.n_layer, num_key_value_heads: cfg.n_kv_head, pretraining_tp: 1, rms_norm_eps: cfg.rms_norm_eps,
    rope_scaling: null, rope_theta: cfg.rope_theta, tie_word_embeddings: cfg.tie_word_embeddings, torch_dtype: dtype,
    use_cache: true, vocab_size: cfg.vocab_size,
  };
}
