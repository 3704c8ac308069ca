// Named model shapes from the papers and released checkpoints (numbers from /work/shared/FACTS.md §2 and §1.1).
// Each preset carries the published parameter figure it should reproduce and what differs from the print
// (GPT-3 Table 2.1 inconsistencies; Gopher/Chinchilla are reconstructions since no checkpoint is public).

import type { ModelShape } from './shape.js';

/** A named shape with the figure the paper or model card prints. */
export interface Preset {
  name: string;
  aliases: string[];
  shape: ModelShape;
  /** Published parameter count (exact when `exact`, else the paper's rounded figure). */
  published_params: number;
  exact: boolean;
  /** Training tokens of the published model, when known. */
  train_tokens?: number;
  source: string;
  note?: string;
}

const gpt2 = (n_layer: number, n_head: number, n_embd: number): ModelShape =>
  ({ arch: 'gpt', n_layer, n_head, n_embd, vocab_size: 50257, block_size: 1024, tied: true, bias: true });
const gpt3 = (n_layer: number, n_embd: number, n_head: number): ModelShape =>
  ({ arch: 'gpt', n_layer, n_embd, n_head, vocab_size: 50257, block_size: 2048, tied: true, bias: true });
const llama = (n_layer: number, n_embd: number, n_head: number, block_size: number): ModelShape =>
  ({ arch: 'llama', n_layer, n_embd, n_head, vocab_size: 32000, block_size, tied: false });
const bert = (n_layer: number, n_embd: number, n_head: number): ModelShape =>
  ({ arch: 'bert', n_layer, n_embd, n_head, vocab_size: 30522, block_size: 512, type_vocab_size: 2, bert_head: 'base' });
const t5 = (n_layer: number, n_embd: number, intermediate_size: number, n_head: number, head_dim: number): ModelShape =>
  ({ arch: 't5', n_layer, n_embd, intermediate_size, n_head, head_dim, vocab_size: 32128, block_size: 512, tied: true, gated_ffn: false });

const GPT2_SRC = 'FACTS §2.1 (openai/gpt-2, nanoGPT from_pretrained; exact counts with tied head)';
const GPT3_SRC = 'FACTS §2.2 (GPT-3 paper Table 2.1; n_ctx 2048, d_ff 4·d_model, 300B tokens)';
const LLAMA_SRC = 'FACTS §2.3 (Llama 1 Table 2; vocab 32000, untied head, SwiGLU hidden by Meta rule)';
const T5_SRC = 'FACTS §2.6 (t5 bi_v1*.gin; HF T5ForConditionalGeneration v1.0: tied lm_head, ReLU FFN, vocab 32128)';

/** All presets. Look one up with `getPreset(name)`. */
export const PRESETS: readonly Preset[] = [
  { name: 'gpt2', aliases: ['gpt2-small', 'gpt2-124m'], shape: gpt2(12, 12, 768), published_params: 124_439_808, exact: true, source: GPT2_SRC },
  { name: 'gpt2-medium', aliases: ['gpt2-355m'], shape: gpt2(24, 16, 1024), published_params: 354_823_168, exact: true, source: GPT2_SRC },
  { name: 'gpt2-large', aliases: ['gpt2-774m'], shape: gpt2(36, 20, 1280), published_params: 774_030_080, exact: true, source: GPT2_SRC },
  { name: 'gpt2-xl', aliases: ['gpt2-1.5b', 'gpt2-1558m'], shape: gpt2(48, 25, 1600), published_params: 1_557_611_200, exact: true, source: GPT2_SRC },

  { name: 'gpt3-small', aliases: ['gpt3-125m'], shape: gpt3(12, 768, 12), published_params: 125e6, exact: false, train_tokens: 300e9, source: GPT3_SRC },
  { name: 'gpt3-medium', aliases: ['gpt3-350m'], shape: gpt3(24, 1024, 16), published_params: 350e6, exact: false, train_tokens: 300e9, source: GPT3_SRC },
  { name: 'gpt3-large', aliases: ['gpt3-760m'], shape: gpt3(24, 1536, 16), published_params: 760e6, exact: false, train_tokens: 300e9, source: GPT3_SRC },
  { name: 'gpt3-xl', aliases: ['gpt3-1.3b'], shape: gpt3(24, 2048, 16), published_params: 1.3e9, exact: false, train_tokens: 300e9, source: GPT3_SRC,
    note: 'Table 2.1 prints n_heads 24 with d_head 128 (24·128 = 3072 ≠ d_model 2048); we keep d_model 2048 and use 16 heads of 128. The parameter count does not depend on the head split.' },
  { name: 'gpt3-2.7b', aliases: [], shape: gpt3(32, 2560, 32), published_params: 2.7e9, exact: false, train_tokens: 300e9, source: GPT3_SRC },
  { name: 'gpt3-6.7b', aliases: [], shape: gpt3(32, 4096, 32), published_params: 6.7e9, exact: false, train_tokens: 300e9, source: GPT3_SRC },
  { name: 'gpt3-13b', aliases: [], shape: gpt3(40, 5120, 40), published_params: 13.0e9, exact: false, train_tokens: 300e9, source: GPT3_SRC,
    note: 'Table 2.1 prints d_model 5140, which 40 heads do not divide; we use 5120 = 40·128 (likely intended). This gives 12.85B against the printed 13.0B (5140 would give 12.95B).' },
  { name: 'gpt3-175b', aliases: ['gpt3', 'davinci'], shape: gpt3(96, 12288, 96), published_params: 175.0e9, exact: false, train_tokens: 300e9, source: GPT3_SRC },

  { name: 'llama-7b', aliases: ['llama1-7b', 'llama-6.7b'], shape: llama(32, 4096, 32, 2048), published_params: 6_738_415_616, exact: true, train_tokens: 1.0e12, source: LLAMA_SRC },
  { name: 'llama-13b', aliases: ['llama1-13b'], shape: llama(40, 5120, 40, 2048), published_params: 13_015_864_320, exact: true, train_tokens: 1.0e12, source: LLAMA_SRC },
  { name: 'llama-33b', aliases: ['llama1-33b', 'llama-30b', 'llama-32.5b'], shape: llama(60, 6656, 52, 2048), published_params: 32_528_943_616, exact: true, train_tokens: 1.4e12, source: LLAMA_SRC },
  { name: 'llama-65b', aliases: ['llama1-65b', 'llama-65.2b'], shape: llama(80, 8192, 64, 2048), published_params: 65_285_660_672, exact: true, train_tokens: 1.4e12, source: LLAMA_SRC },
  { name: 'llama2-7b', aliases: ['llama-2-7b', 'llama-2-7b-hf'], shape: { ...llama(32, 4096, 32, 4096), intermediate_size: 11008, n_kv_head: 32 }, published_params: 6_738_415_616, exact: true, train_tokens: 2.0e12,
    source: 'FACTS §2.4 (meta-llama/Llama-2-7b-hf config.json: 4096 context, tie_word_embeddings false)' },

  { name: 'gopher-280b', aliases: ['gopher'], shape: { arch: 'gopher', n_layer: 80, n_embd: 16384, n_head: 128, head_dim: 128, vocab_size: 32000, block_size: 2048, tied: true },
    published_params: 280e9, exact: false, train_tokens: 300e9,
    source: 'FACTS §1.1 (Chinchilla Table 4: 80 layers, 128 heads, kv size 128, d_model 16384, FFN 4·d)',
    note: 'Reconstruction: RMSNorm, no biases, vocab 32000, tied embeddings (our assumption; untied adds 0.52B), Transformer-XL relative attention with a d×d position projection per layer. 12·L·d² alone is 257.7B; the extra projection makes 13·L·d² = 279.2B.' },
  { name: 'chinchilla-70b', aliases: ['chinchilla'], shape: { arch: 'gopher', n_layer: 80, n_embd: 8192, n_head: 64, head_dim: 128, vocab_size: 32000, block_size: 2048, tied: true },
    published_params: 70e9, exact: false, train_tokens: 1.4e12,
    source: 'FACTS §1.1 (Chinchilla Table 4: 80 layers, 64 heads, kv size 128, d_model 8192, FFN 4·d; 1.4T tokens)',
    note: 'Same reconstruction as gopher-280b (13·L·d² = 69.8B plus the embedding).' },

  { name: 'bert-base', aliases: ['bert-base-uncased'], shape: bert(12, 768, 12), published_params: 110e6, exact: false,
    source: 'FACTS §2.5 (google-research/bert README "110M"); HF BertModel (with pooler) of bert-base-uncased has 109,482,240' },
  { name: 'bert-large', aliases: ['bert-large-uncased'], shape: bert(24, 1024, 16), published_params: 340e6, exact: false,
    source: 'FACTS §2.5 (google-research/bert README "340M"); HF BertModel (with pooler), vocab 30522' },

  { name: 't5-small', aliases: [], shape: t5(6, 512, 2048, 8, 64), published_params: 60e6, exact: false, source: T5_SRC },
  { name: 't5-base', aliases: [], shape: t5(12, 768, 3072, 12, 64), published_params: 220e6, exact: false, source: T5_SRC },
  { name: 't5-large', aliases: [], shape: t5(24, 1024, 4096, 16, 64), published_params: 770e6, exact: false, source: T5_SRC },
  { name: 't5-3b', aliases: [], shape: t5(24, 1024, 16384, 32, 128), published_params: 3e9, exact: false, source: T5_SRC },
  { name: 't5-11b', aliases: [], shape: t5(24, 1024, 65536, 128, 128), published_params: 11e9, exact: false, source: T5_SRC },
];

/**
 * Find a preset by name or alias (case-insensitive). Throws listing the known names.
 *
 * @example getPreset('gpt2').shape.n_embd // 768
 */
export function getPreset(name: string): Preset {
  const key = name.trim().toLowerCase();
  const p = PRESETS.find((x) => x.name === key || x.aliases.includes(key));
  if (!p) throw new Error(`scaling/presets: unknown preset "${name}". Known: ${PRESETS.map((x) => x.name).join(', ')}`);
  return p;
}
