// ModelShape: the typed, architecture-agnostic description of a Transformer that the scaling tools count.
// Defaults follow Hugging Face configs (GPT2Config, LlamaConfig, BertConfig, T5Config); resolveShape()
// fills them in and validates, so counts, FLOPs and memory all read one resolved object.

/** Architectures the counter knows. `gopher` is the DeepMind Gopher/Chinchilla family (a reconstruction, see presets.ts). */
export type Arch = 'gpt' | 'llama' | 'bert' | 't5' | 'gopher';

/** Which BERT model the count refers to (HF class names). */
export type BertHead = 'base' | 'mlm' | 'pretraining';

/**
 * A model's shape. Field names follow nanoGPT/lmforge; HF synonyms are mapped by `shapeFromConfig`.
 *
 * @example
 * const gpt2: ModelShape = { arch: 'gpt', n_layer: 12, n_embd: 768, n_head: 12, vocab_size: 50257, block_size: 1024 };
 */
export interface ModelShape {
  arch: Arch;
  /** Number of blocks (t5: encoder blocks; decoder blocks default to the same). */
  n_layer: number;
  /** d_model. */
  n_embd: number;
  /** Attention (query) heads. */
  n_head: number;
  vocab_size: number;
  /** Maximum positions: learned position table size for gpt/bert, context length for rope/relative models. */
  block_size: number;
  /** Key/value heads (GQA); default n_head. llama only. */
  n_kv_head?: number;
  /** Per-head size; default n_embd / n_head (t5's d_kv may differ, e.g. t5-3b: 32 heads x 128 with d_model 1024). */
  head_dim?: number;
  /** Feed-forward width d_ff. Default 4*n_embd, except llama: Meta's SwiGLU rule (see llamaHiddenSize). */
  intermediate_size?: number;
  /** Output head shares the token embedding. Defaults: gpt true, llama false, bert true, t5 true (v1.0), gopher true. */
  tied?: boolean;
  /** gpt only: biases in Linear and LayerNorm (GPT-2: true; nanoGPT bias=False: false). */
  bias?: boolean;
  /** gpt only: 'learned' (GPT-2 wpe table, default) or 'sinusoidal' (fixed, no parameters). */
  positions?: 'learned' | 'sinusoidal';
  /** t5 only: decoder blocks; default n_layer. */
  n_decoder_layer?: number;
  /** bert only: token-type (segment) vocabulary; default 2. */
  type_vocab_size?: number;
  /** bert only: which HF model is counted; default 'base' (BertModel with pooler). */
  bert_head?: BertHead;
  /** t5 only: gated FFN (v1.1 "gated-gelu": wi_0, wi_1); default false (v1.0 "relu"). */
  gated_ffn?: boolean;
  /** t5 only: relative attention buckets; default 32. */
  relative_attention_num_buckets?: number;
  /** llama only: SwiGLU hidden rounding (Meta `multiple_of`); default 256. */
  multiple_of?: number;
  /** llama only: Meta `ffn_dim_multiplier`; default none. */
  ffn_dim_multiplier?: number;
}

/** A shape with every default filled in. */
export interface ResolvedShape {
  arch: Arch;
  n_layer: number;
  n_decoder_layer: number;
  n_embd: number;
  n_head: number;
  n_kv_head: number;
  head_dim: number;
  vocab_size: number;
  block_size: number;
  intermediate_size: number;
  tied: boolean;
  bias: boolean;
  /** gpt only: kept so that resolving a resolved shape again gives the same shape. */
  positions?: 'learned' | 'sinusoidal';
  /** True when a learned position table exists (gpt learned, bert). */
  learned_positions: boolean;
  type_vocab_size: number;
  bert_head: BertHead;
  gated_ffn: boolean;
  relative_attention_num_buckets: number;
}

/**
 * Llama's SwiGLU hidden size (meta-llama/llama FeedForward.__init__, FACTS §3.7):
 * hidden = int(2*(4*dim)/3); if multiplier: int(mult*hidden); round up to a multiple of `multiple_of`.
 *
 * @example llamaHiddenSize(4096) // 11008
 */
export function llamaHiddenSize(dim: number, multipleOf = 256, ffnDimMultiplier?: number): number {
  let hidden = Math.floor((2 * (4 * dim)) / 3);
  if (ffnDimMultiplier !== undefined) hidden = Math.floor(ffnDimMultiplier * hidden);
  return multipleOf * Math.ceil(hidden / multipleOf);
}

const ARCHS: readonly Arch[] = ['gpt', 'llama', 'bert', 't5', 'gopher'];

function posInt(v: unknown, key: string, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new Error(`${where}: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * Fill defaults and validate a shape. Throws with the offending key.
 *
 * @example resolveShape({ arch: 'llama', n_layer: 32, n_embd: 4096, n_head: 32, vocab_size: 32000, block_size: 2048 }).intermediate_size // 11008
 */
export function resolveShape(s: ModelShape, where = 'scaling/shape'): ResolvedShape {
  if (!ARCHS.includes(s.arch)) throw new Error(`${where}: unknown arch ${JSON.stringify(s.arch)} (expected one of ${ARCHS.join(', ')})`);
  const n_layer = posInt(s.n_layer, 'n_layer', where);
  const n_embd = posInt(s.n_embd, 'n_embd', where);
  const n_head = posInt(s.n_head, 'n_head', where);
  const vocab_size = posInt(s.vocab_size, 'vocab_size', where);
  const block_size = posInt(s.block_size, 'block_size', where);
  let head_dim: number;
  if (s.head_dim !== undefined) head_dim = posInt(s.head_dim, 'head_dim', where);
  else {
    if (n_embd % n_head !== 0) throw new Error(`${where}: n_embd ${n_embd} is not divisible by n_head ${n_head} (give head_dim explicitly)`);
    head_dim = n_embd / n_head;
  }
  const n_kv_head = s.n_kv_head !== undefined ? posInt(s.n_kv_head, 'n_kv_head', where) : n_head;
  if (n_head % n_kv_head !== 0) throw new Error(`${where}: n_head ${n_head} is not a multiple of n_kv_head ${n_kv_head}`);
  if (s.arch === 'gpt' && s.positions !== undefined && s.positions !== 'learned' && s.positions !== 'sinusoidal') {
    throw new Error(`${where}: positions must be 'learned' or 'sinusoidal' for arch gpt, got ${JSON.stringify(s.positions)}`);
  }
  if (s.arch !== 'llama' && n_kv_head !== n_head) throw new Error(`${where}: n_kv_head (GQA) is only supported for arch llama, got arch ${s.arch}`);
  let intermediate_size: number;
  if (s.intermediate_size !== undefined) intermediate_size = posInt(s.intermediate_size, 'intermediate_size', where);
  else if (s.arch === 'llama') intermediate_size = llamaHiddenSize(n_embd, s.multiple_of ?? 256, s.ffn_dim_multiplier);
  else intermediate_size = 4 * n_embd;
  const tiedDefault = s.arch !== 'llama';
  return {
    arch: s.arch,
    n_layer,
    n_decoder_layer: s.arch === 't5' ? (s.n_decoder_layer !== undefined ? posInt(s.n_decoder_layer, 'n_decoder_layer', where) : n_layer) : 0,
    n_embd,
    n_head,
    n_kv_head,
    head_dim,
    vocab_size,
    block_size,
    intermediate_size,
    tied: s.tied ?? tiedDefault,
    bias: s.arch === 'gpt' ? (s.bias ?? true) : s.arch === 'bert',
    ...(s.arch === 'gpt' ? { positions: s.positions ?? 'learned' } : {}),
    learned_positions: s.arch === 'bert' || (s.arch === 'gpt' && (s.positions ?? 'learned') === 'learned'),
    type_vocab_size: s.arch === 'bert' ? posInt(s.type_vocab_size ?? 2, 'type_vocab_size', where) : 0,
    bert_head: s.bert_head ?? 'base',
    gated_ffn: s.arch === 't5' ? (s.gated_ffn ?? false) : s.arch === 'llama',
    relative_attention_num_buckets: s.arch === 't5' ? posInt(s.relative_attention_num_buckets ?? 32, 'relative_attention_num_buckets', where) : 0,
  };
}
