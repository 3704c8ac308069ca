// GPT: a decoder-only Transformer (GPT-2 architecture, nanoGPT-sized). Pre-LayerNorm blocks with
// residuals, causal multi-head attention, GELU MLP, final LayerNorm, tied output head.
// Parameter names follow HF GPT-2 checkpoints (wte, wpe, h.0.attn.c_attn, ...), but Linear weights
// are stored (out, in) like nn.Linear; HF's Conv1D transpose lives in io/hf (one place).
import { Tensor, zeros } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { Module, ModuleList } from '../nn/module.js';
import { Embedding, LayerNorm, Linear } from '../nn/layers.js';
import { initResidualScaled } from '../nn/init.js';
import * as F from '../ops/index.js';
import { qkvAttention } from '../ops/attention.js';
import { KVCache } from '../generate/kvcache.js';

export interface GPTConfig {
  arch: 'gpt';
  n_layer: number;
  n_head: number;
  n_embd: number;
  block_size: number;
  vocab_size: number;
  /** Dropout on embeddings, attention output and MLP output (0 = off). */
  dropout: number;
  /** Biases in Linear and LayerNorm layers (GPT-2: true). */
  bias: boolean;
  /** 'learned' (GPT-2 wpe) or 'sinusoidal' (fixed, interleaved sin/cos as in Vaswani et al.). */
  positions: 'learned' | 'sinusoidal';
  /** Output head shares wte (GPT-2: true). */
  tie_word_embeddings: boolean;
  /** 'gelu_tanh' (GPT-2 / HF gelu_new) or 'gelu' (exact erf, nanoGPT's nn.GELU()). */
  activation: 'gelu_tanh' | 'gelu';
  layer_norm_epsilon: number;
}

export const defaultGPTConfig: GPTConfig = {
  arch: 'gpt', n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257,
  dropout: 0, bias: true, positions: 'learned', tie_word_embeddings: true, activation: 'gelu_tanh', layer_norm_epsilon: 1e-5,
};

/** Fill in defaults and validate; errors name the offending field. */
export function resolveGPTConfig(c: Partial<GPTConfig>): GPTConfig {
  const cfg = { ...defaultGPTConfig, ...c, arch: 'gpt' as const };
  for (const k of ['n_layer', 'n_head', 'n_embd', 'block_size', 'vocab_size'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] <= 0) throw new Error(`GPT config: ${k} must be a positive integer, got ${cfg[k]}`);
  }
  if (cfg.n_embd % cfg.n_head !== 0) throw new Error(`GPT config: n_embd (${cfg.n_embd}) must be divisible by n_head (${cfg.n_head})`);
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw new Error(`GPT config: dropout must be in [0, 1), got ${cfg.dropout}`);
  if (cfg.positions !== 'learned' && cfg.positions !== 'sinusoidal') throw new Error(`GPT config: positions must be 'learned' or 'sinusoidal', got ${cfg.positions}`);
  if (cfg.activation !== 'gelu' && cfg.activation !== 'gelu_tanh') throw new Error(`GPT config: activation must be 'gelu' or 'gelu_tanh', got ${cfg.activation}`);
  return cfg;
}

/** PE(pos, 2i) = sin(pos / 10000^(2i/C)), PE(pos, 2i+1) = cos(...) — interleaved (FACTS §3.4). */
export function sinusoidalPositions(T: number, C: number): Tensor {
  const pe = zeros([T, C]);
  for (let pos = 0; pos < T; pos++) {
    for (let i = 0; i < C; i += 2) {
      const angle = pos / Math.pow(10000, i / C);
      pe.data[pos * C + i] = Math.sin(angle);
      if (i + 1 < C) pe.data[pos * C + i + 1] = Math.cos(angle);
    }
  }
  return pe;
}

class CausalSelfAttention extends Module {
  c_attn: Linear;
  c_proj: Linear;
  constructor(private cfg: GPTConfig) {
    super();
    this.c_attn = this.child('c_attn', new Linear(cfg.n_embd, 3 * cfg.n_embd, { bias: cfg.bias }));
    this.c_proj = this.child('c_proj', new Linear(cfg.n_embd, cfg.n_embd, { bias: cfg.bias }));
  }

  /** x (B, T, C) -> (B, T, C); with a cache, keys/values of earlier positions are reused. */
  forward(x: Tensor, layer: number, cache: KVCache | null, rng: Rng): Tensor {
    const [B, T, C] = x.shape as [number, number, number];
    const NH = this.cfg.n_head, HS = C / NH;
    const qkv = this.c_attn.forward(x); // (B, T, 3C): q, k, v order as in GPT-2
    let merged: Tensor; // (B, T, C)
    if (!cache) {
      // the kernel reads q/k/v inside qkv and writes (B, T, C) (llm.c's layout): no head split/merge copies
      merged = qkvAttention(qkv, NH, { causal: true });
    } else {
      const [q0, k0, v0] = F.split(qkv, C, 2); // each (B, T, C)
      const heads = (t: Tensor): Tensor => F.transpose(F.reshape(t, [B, T, NH, HS]), 1, 2); // (B, NH, T, HS) views
      const [k, v] = cache.append(layer, heads(k0), heads(v0)); // (B, NH, S, HS) views of the cache
      const y = F.scaledDotProductAttention(heads(q0), k, v, { causal: true }); // (B, NH, T, HS), read in place
      merged = F.reshape(F.transpose(y, 1, 2), [B, T, C]);
    }
    return F.dropout(this.c_proj.forward(merged), this.cfg.dropout, this.training, rng);
  }
}

class MLP extends Module {
  c_fc: Linear;
  c_proj: Linear;
  constructor(private cfg: GPTConfig) {
    super();
    this.c_fc = this.child('c_fc', new Linear(cfg.n_embd, 4 * cfg.n_embd, { bias: cfg.bias }));
    this.c_proj = this.child('c_proj', new Linear(4 * cfg.n_embd, cfg.n_embd, { bias: cfg.bias }));
  }
  forward(x: Tensor, rng: Rng): Tensor {
    const h = F.gelu(this.c_fc.forward(x), this.cfg.activation === 'gelu_tanh' ? 'tanh' : 'none'); // (B, T, 4C)
    return F.dropout(this.c_proj.forward(h), this.cfg.dropout, this.training, rng);
  }
}

class Block extends Module {
  ln_1: LayerNorm;
  attn: CausalSelfAttention;
  ln_2: LayerNorm;
  mlp: MLP;
  constructor(cfg: GPTConfig) {
    super();
    this.ln_1 = this.child('ln_1', new LayerNorm(cfg.n_embd, cfg.layer_norm_epsilon, { bias: cfg.bias }));
    this.attn = this.child('attn', new CausalSelfAttention(cfg));
    this.ln_2 = this.child('ln_2', new LayerNorm(cfg.n_embd, cfg.layer_norm_epsilon, { bias: cfg.bias }));
    this.mlp = this.child('mlp', new MLP(cfg));
  }
  forward(x: Tensor, layer: number, cache: KVCache | null, rng: Rng): Tensor {
    x = F.add(x, this.attn.forward(this.ln_1.forward(x), layer, cache, rng));
    return F.add(x, this.mlp.forward(this.ln_2.forward(x), rng));
  }
}

export interface ForwardOptions {
  /** Targets (B, T) int32 for the loss; positions equal to ignoreIndex are skipped. */
  targets?: Tensor;
  ignoreIndex?: number;
  /** Only compute logits for the last position (generation). */
  lastOnly?: boolean;
  /** KV cache for incremental decoding; positions continue from cache.length. */
  cache?: KVCache | null;
}

export interface ForwardResult {
  /** (B, T, V), or (B, 1, V) with lastOnly. */
  logits: Tensor;
  /** Mean cross-entropy over non-ignored targets, when targets were given. */
  loss: Tensor | null;
}

/**
 * GPT language model.
 * @example const model = new GPT({ n_layer: 4, n_head: 4, n_embd: 128, block_size: 64, vocab_size: 65 });
 *          const { logits, loss } = model.forward(ids, { targets });
 */
export class GPT extends Module {
  readonly config: GPTConfig;
  wte: Embedding;
  wpe: Embedding | null;
  h: ModuleList<Block>;
  ln_f: LayerNorm;
  lm_head: Linear | null;
  /** Generator for dropout masks (its state is saved in checkpoints). */
  rng = new Rng(0);
  private pe: Tensor | null = null;

  constructor(config: Partial<GPTConfig>, opts: { seed?: number; init?: boolean } = {}) {
    super();
    const cfg = (this.config = resolveGPTConfig(config));
    this.wte = this.child('wte', new Embedding(cfg.vocab_size, cfg.n_embd));
    this.wpe = cfg.positions === 'learned' ? this.child('wpe', new Embedding(cfg.block_size, cfg.n_embd)) : null;
    this.h = this.child('h', new ModuleList<Block>());
    for (let i = 0; i < cfg.n_layer; i++) this.h.push(new Block(cfg));
    this.ln_f = this.child('ln_f', new LayerNorm(cfg.n_embd, cfg.layer_norm_epsilon, { bias: cfg.bias }));
    this.lm_head = cfg.tie_word_embeddings ? null : this.child('lm_head', new Linear(cfg.n_embd, cfg.vocab_size, { bias: false }));
    if (cfg.positions === 'sinusoidal') this.pe = sinusoidalPositions(cfg.block_size, cfg.n_embd);
    if (opts.init !== false) this.initWeights(opts.seed ?? 0);
  }

  /**
   * GPT-2 initialisation (FACTS §3.3): weights ~ N(0, 0.02), biases 0, LayerNorm 1/0, and the
   * residual projections (attn.c_proj, mlp.c_proj) ~ N(0, 0.02/sqrt(2·n_layer)).
   */
  initWeights(seed: number): void {
    initResidualScaled(this, this.config.n_layer, seed, {
      isNormWeight: (n) => n.includes('ln_') && n.endsWith('.weight'),
      isResidualProjection: (n) => n.endsWith('c_proj.weight'),
    });
  }

  /** Parameter count; with nonEmbedding, position embeddings are excluded (nanoGPT's convention). */
  countParameters(nonEmbedding = false): number {
    let n = this.numParameters();
    if (nonEmbedding && this.wpe) n -= this.wpe.weight.size;
    return n;
  }

  forward(ids: Tensor, opts: ForwardOptions = {}): ForwardResult {
    if (ids.dtype !== 'int32' || ids.ndim !== 2) throw new Error(`GPT.forward: ids must be int32 (B, T), got ${ids.dtype} [${ids.shape.join(', ')}]`);
    const [B, T] = ids.shape as [number, number];
    const cache = opts.cache ?? null;
    const start = cache ? cache.length : 0;
    if (start + T > this.config.block_size) {
      throw new Error(`GPT.forward: sequence of ${start + T} tokens exceeds block_size ${this.config.block_size}`);
    }
    let x = this.wte.forward(ids); // (B, T, C)
    if (this.wpe) {
      const pos = zeros([T], { dtype: 'int32' });
      for (let t = 0; t < T; t++) pos.data[t] = start + t;
      x = F.add(x, this.wpe.forward(pos)); // (T, C) broadcast over B
    } else {
      x = F.add(x, F.narrow(this.pe!, 0, start, T));
    }
    x = F.dropout(x, this.config.dropout, this.training, this.rng);
    this.h.items.forEach((block, i) => { x = block.forward(x, i, cache, this.rng); });
    if (cache) cache.advance(T);
    x = this.ln_f.forward(x);
    if (opts.lastOnly) x = F.narrow(x, 1, T - 1, 1); // (B, 1, C)
    const headW = this.lm_head ? this.lm_head.weight : this.wte.weight;
    const logits = F.linear(x, headW); // (B, T, V)
    const loss = opts.targets ? F.crossEntropy(logits, opts.targets, { ignoreIndex: opts.ignoreIndex ?? -1 }) : null;
    return { logits, loss };
  }

  /** A KV cache sized for this model (batch B, up to block_size positions). */
  newCache(B = 1): KVCache {
    const c = this.config;
    return new KVCache(c.n_layer, B, c.n_head, c.block_size, c.n_embd / c.n_head);
  }
}
