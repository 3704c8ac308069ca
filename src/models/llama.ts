// Llama: a decoder-only Transformer (Touvron et al. 2023) — RMSNorm pre-norm blocks, rotary position
// embeddings (HF rotate-half layout), grouped-query attention, SwiGLU MLP, no biases, tied or untied head.
// Differs from gpt.ts in exactly those pieces. Parameter names follow HF LlamaForCausalLM checkpoints.
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { initResidualScaled } from '../nn/init.js';
import { Module, ModuleList } from '../nn/module.js';
import { Embedding, Linear, RMSNorm } from '../nn/layers.js';
import * as F from '../ops/index.js';
import { KVCache } from '../generate/kvcache.js';
import type { ForwardOptions, ForwardResult } from './gpt.js';

export interface LlamaConfig {
  arch: 'llama';
  n_layer: number;
  /** Query heads (HF num_attention_heads). */
  n_head: number;
  /** Key/value heads (HF num_key_value_heads); n_head % n_kv_head == 0. Equal to n_head = plain MHA. */
  n_kv_head: number;
  /** Model width (HF hidden_size). */
  n_embd: number;
  /** SwiGLU hidden size (HF intermediate_size); 0 = Llama's rule from n_embd (llamaHiddenSize). */
  intermediate_size: number;
  /** Context length (HF max_position_embeddings). */
  block_size: number;
  vocab_size: number;
  /** RoPE base (HF rope_theta; Llama 1/2: 10000). */
  rope_theta: number;
  rms_norm_eps: number;
  /** Output head shares embed_tokens (HF tie_word_embeddings; Llama 2: false). */
  tie_word_embeddings: boolean;
  /** Dropout on the attention and MLP outputs while training (0 = off, as in Llama). */
  dropout: number;
  /** Always false: Llama has no biases (kept so every ModelConfig answers the same questions). */
  bias: false;
  /** Always 'rope'. */
  positions: 'rope';
}

export const defaultLlamaConfig: LlamaConfig = {
  arch: 'llama', n_layer: 12, n_head: 12, n_kv_head: 12, n_embd: 768, intermediate_size: 0, block_size: 1024,
  vocab_size: 32000, rope_theta: 10000, rms_norm_eps: 1e-5, tie_word_embeddings: false, dropout: 0, bias: false, positions: 'rope',
};

/**
 * Llama's SwiGLU hidden size (FACTS §3.7): int(2·4·dim/3), times ffn_dim_multiplier if given, rounded
 * up to a multiple of multiple_of (256). 4096 → 11008, 768 → 2048.
 * @example llamaHiddenSize(4096) // 11008
 */
export function llamaHiddenSize(dim: number, multipleOf = 256, ffnDimMultiplier?: number): number {
  let hidden = Math.floor((2 * 4 * dim) / 3);
  if (ffnDimMultiplier !== undefined) hidden = Math.floor(ffnDimMultiplier * hidden);
  return multipleOf * Math.ceil(hidden / multipleOf);
}

/** Fill in defaults and validate; errors name the offending field. */
export function resolveLlamaConfig(c: Partial<LlamaConfig>): LlamaConfig {
  const cfg: LlamaConfig = { ...defaultLlamaConfig, ...c, arch: 'llama', bias: false, positions: 'rope' };
  if (c.n_kv_head === undefined) cfg.n_kv_head = cfg.n_head;
  for (const k of ['n_layer', 'n_head', 'n_kv_head', 'n_embd', 'block_size', 'vocab_size'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] <= 0) throw new Error(`Llama config: ${k} must be a positive integer, got ${cfg[k]}`);
  }
  if (!Number.isInteger(cfg.intermediate_size) || cfg.intermediate_size < 0) throw new Error(`Llama config: intermediate_size must be a non-negative integer (0 = Llama's rule), got ${cfg.intermediate_size}`);
  if (cfg.intermediate_size === 0) cfg.intermediate_size = llamaHiddenSize(cfg.n_embd);
  if (cfg.n_embd % cfg.n_head !== 0) throw new Error(`Llama config: n_embd (${cfg.n_embd}) must be divisible by n_head (${cfg.n_head})`);
  if ((cfg.n_embd / cfg.n_head) % 2 !== 0) throw new Error(`Llama config: head size n_embd/n_head = ${cfg.n_embd / cfg.n_head} must be even for RoPE`);
  if (cfg.n_head % cfg.n_kv_head !== 0) throw new Error(`Llama config: n_head (${cfg.n_head}) must be a multiple of n_kv_head (${cfg.n_kv_head})`);
  if (!(cfg.rope_theta > 0)) throw new Error(`Llama config: rope_theta must be > 0, got ${cfg.rope_theta}`);
  if (!(cfg.rms_norm_eps > 0)) throw new Error(`Llama config: rms_norm_eps must be > 0, got ${cfg.rms_norm_eps}`);
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw new Error(`Llama config: dropout must be in [0, 1), got ${cfg.dropout}`);
  if (typeof cfg.tie_word_embeddings !== 'boolean') throw new Error(`Llama config: tie_word_embeddings must be a boolean, got ${String(cfg.tie_word_embeddings)}`);
  return cfg;
}

class Attention extends Module {
  q_proj: Linear;
  k_proj: Linear;
  v_proj: Linear;
  o_proj: Linear;
  constructor(private cfg: LlamaConfig) {
    super();
    const C = cfg.n_embd, HS = C / cfg.n_head;
    this.q_proj = this.child('q_proj', new Linear(C, cfg.n_head * HS, { bias: false }));
    this.k_proj = this.child('k_proj', new Linear(C, cfg.n_kv_head * HS, { bias: false }));
    this.v_proj = this.child('v_proj', new Linear(C, cfg.n_kv_head * HS, { bias: false }));
    this.o_proj = this.child('o_proj', new Linear(cfg.n_head * HS, C, { bias: false }));
  }

  /** x (B, T, C) -> (B, T, C); positions start at `start` (the cache length). */
  forward(x: Tensor, layer: number, cache: KVCache | null, start: number, training: boolean, rng: Rng): Tensor {
    const [B, T, C] = x.shape as [number, number, number];
    const NH = this.cfg.n_head, NKV = this.cfg.n_kv_head, HS = C / NH;
    const heads = (t: Tensor, n: number): Tensor => F.transpose(F.reshape(t, [B, T, n, HS]), 1, 2); // (B, n, T, HS)
    const ropeOpts = { theta: this.cfg.rope_theta, offset: start };
    const q = F.rope(heads(this.q_proj.forward(x), NH), ropeOpts); // (B, NH, T, HS)
    let k = F.rope(heads(this.k_proj.forward(x), NKV), ropeOpts); // (B, NKV, T, HS)
    let v = heads(this.v_proj.forward(x), NKV); // (B, NKV, T, HS)
    if (cache) [k, v] = cache.append(layer, k, v); // (B, NKV, S, HS)
    const y = F.scaledDotProductAttention(q, k, v, { causal: true }); // (B, NH, T, HS), GQA inside
    const merged = F.reshape(F.transpose(y, 1, 2), [B, T, C]); // (B, T, C)
    return F.dropout(this.o_proj.forward(merged), this.cfg.dropout, training, rng);
  }
}

class MLP extends Module {
  gate_proj: Linear;
  up_proj: Linear;
  down_proj: Linear;
  constructor(private cfg: LlamaConfig) {
    super();
    const C = cfg.n_embd, H = cfg.intermediate_size;
    this.gate_proj = this.child('gate_proj', new Linear(C, H, { bias: false }));
    this.up_proj = this.child('up_proj', new Linear(C, H, { bias: false }));
    this.down_proj = this.child('down_proj', new Linear(H, C, { bias: false }));
  }
  /** down(silu(gate(x)) · up(x)) (FACTS §3.7) */
  forward(x: Tensor, training: boolean, rng: Rng): Tensor {
    const h = F.swiglu(this.gate_proj.forward(x), this.up_proj.forward(x)); // (B, T, H)
    return F.dropout(this.down_proj.forward(h), this.cfg.dropout, training, rng);
  }
}

class DecoderLayer extends Module {
  input_layernorm: RMSNorm;
  self_attn: Attention;
  post_attention_layernorm: RMSNorm;
  mlp: MLP;
  constructor(cfg: LlamaConfig) {
    super();
    this.input_layernorm = this.child('input_layernorm', new RMSNorm(cfg.n_embd, cfg.rms_norm_eps));
    this.self_attn = this.child('self_attn', new Attention(cfg));
    this.post_attention_layernorm = this.child('post_attention_layernorm', new RMSNorm(cfg.n_embd, cfg.rms_norm_eps));
    this.mlp = this.child('mlp', new MLP(cfg));
  }
  forward(x: Tensor, layer: number, cache: KVCache | null, start: number, rng: Rng): Tensor {
    x = F.add(x, this.self_attn.forward(this.input_layernorm.forward(x), layer, cache, start, this.training, rng));
    return F.add(x, this.mlp.forward(this.post_attention_layernorm.forward(x), this.training, rng));
  }
}

/** HF's LlamaModel: `model.embed_tokens`, `model.layers.N`, `model.norm`. */
class LlamaBody extends Module {
  embed_tokens: Embedding;
  layers: ModuleList<DecoderLayer>;
  norm: RMSNorm;
  constructor(cfg: LlamaConfig) {
    super();
    this.embed_tokens = this.child('embed_tokens', new Embedding(cfg.vocab_size, cfg.n_embd));
    this.layers = this.child('layers', new ModuleList<DecoderLayer>());
    for (let i = 0; i < cfg.n_layer; i++) this.layers.push(new DecoderLayer(cfg));
    this.norm = this.child('norm', new RMSNorm(cfg.n_embd, cfg.rms_norm_eps));
  }
}

/**
 * Llama language model (LlamaForCausalLM layout: `model.*` and `lm_head.weight` unless tied).
 * @example const model = new Llama({ n_layer: 4, n_head: 8, n_kv_head: 2, n_embd: 256, block_size: 256, vocab_size: 4096 });
 *          const { logits, loss } = model.forward(ids, { targets });
 */
export class Llama extends Module {
  readonly config: LlamaConfig;
  model: LlamaBody;
  lm_head: Linear | null;
  /** Generator for dropout masks (its state is saved in checkpoints). */
  rng = new Rng(0);

  constructor(config: Partial<LlamaConfig>, opts: { seed?: number; init?: boolean } = {}) {
    super();
    const cfg = (this.config = resolveLlamaConfig(config));
    this.model = this.child('model', new LlamaBody(cfg));
    this.lm_head = cfg.tie_word_embeddings ? null : this.child('lm_head', new Linear(cfg.n_embd, cfg.vocab_size, { bias: false }));
    if (opts.init !== false) this.initWeights(opts.seed ?? 0);
  }

  /**
   * HF Llama initialisation (weights ~ N(0, 0.02), RMSNorm weights 1) with GPT-2's residual scaling:
   * the projections that write into the residual stream (o_proj, down_proj) get 0.02/sqrt(2·n_layer).
   */
  initWeights(seed: number): void {
    initResidualScaled(this, this.config.n_layer, seed, {
      isNormWeight: (n) => n.endsWith('layernorm.weight') || n === 'model.norm.weight',
      isResidualProjection: (n) => n.endsWith('o_proj.weight') || n.endsWith('down_proj.weight'),
    });
  }

  countParameters(): number {
    return this.numParameters();
  }

  forward(ids: Tensor, opts: ForwardOptions = {}): ForwardResult {
    if (ids.dtype !== 'int32' || ids.ndim !== 2) throw new Error(`Llama.forward: ids must be int32 (B, T), got ${ids.dtype} [${ids.shape.join(', ')}]`);
    const T = ids.shape[1]!;
    const cache = opts.cache ?? null;
    const start = cache ? cache.length : 0;
    if (start + T > this.config.block_size) {
      throw new Error(`Llama.forward: sequence of ${start + T} tokens exceeds block_size ${this.config.block_size}`);
    }
    let x = this.model.embed_tokens.forward(ids); // (B, T, C)
    this.model.layers.items.forEach((layer, i) => { x = layer.forward(x, i, cache, start, this.rng); });
    if (cache) cache.advance(T);
    if (opts.lastOnly) x = F.narrow(x, 1, T - 1, 1); // (B, 1, C): norm and head only where needed
    x = this.model.norm.forward(x);
    const headW = this.lm_head ? this.lm_head.weight : this.model.embed_tokens.weight;
    const logits = F.linear(x, headW); // (B, T, V)
    const loss = opts.targets ? F.crossEntropy(logits, opts.targets, { ignoreIndex: opts.ignoreIndex ?? -1 }) : null;
    return { logits, loss };
  }

  /** A KV cache sized for this model (batch B, up to block_size positions, n_kv_head heads). */
  newCache(B = 1): KVCache {
    const c = this.config;
    return new KVCache(c.n_layer, B, c.n_kv_head, c.block_size, c.n_embd / c.n_head);
  }
}
