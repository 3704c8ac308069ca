// THE one place where Hugging Face state-dict keys and lmforge parameter names meet (FACTS §5.2).
// lmforge already uses HF names; what differs: GPT-2's Conv1D weights are stored [in, out] (we keep
// nn.Linear's (out, in)), GPT2LMHeadModel files may carry a `transformer.` prefix and the `attn.bias` /
// `attn.masked_bias` causal-mask buffers, and a tied output head is either absent or a copy of the embedding.
import type { ModelConfig } from '../../models/registry.js';

/** What to do with one HF key on import. */
export type HfKeyAction =
  | { kind: 'param'; name: string; transpose: boolean }
  | { kind: 'skip'; reason: string };

/** GPT-2 Conv1D modules: weight [in, out] in HF files, (out, in) in lmforge (nanoGPT's from_pretrained list). */
const CONV1D = /^h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/;
/** GPT-2's non-parameter buffers (causal mask, masked-bias constant) found in hub files. */
const GPT2_BUFFERS = /^h\.\d+\.attn\.(bias|masked_bias)$/;

/**
 * Map an HF key to an lmforge parameter (or say why it is skipped).
 * @example hfKeyToOurs({ arch: 'gpt', ... }, 'transformer.h.0.attn.c_attn.weight') // { kind: 'param', name: 'h.0.attn.c_attn.weight', transpose: true }
 */
export function hfKeyToOurs(cfg: ModelConfig, key: string): HfKeyAction {
  if (cfg.arch === 'gpt') {
    const k = key.startsWith('transformer.') ? key.slice('transformer.'.length) : key;
    if (GPT2_BUFFERS.test(k)) return { kind: 'skip', reason: 'causal-mask buffer' };
    if (k === 'lm_head.weight' && cfg.tie_word_embeddings) return { kind: 'skip', reason: 'tied to wte.weight' };
    return { kind: 'param', name: k, transpose: CONV1D.test(k) };
  }
  if (key === 'lm_head.weight' && cfg.tie_word_embeddings) return { kind: 'skip', reason: 'tied to model.embed_tokens.weight' };
  if (/^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/.test(key)) return { kind: 'skip', reason: 'RoPE buffer (recomputed from rope_theta)' };
  return { kind: 'param', name: key, transpose: false };
}

/**
 * The HF key (and orientation) under which an lmforge parameter is exported: GPT2LMHeadModel's
 * `transformer.` prefix (as save_pretrained writes it) and Conv1D [in, out] weights; Llama unchanged.
 */
export function oursToHfKey(cfg: ModelConfig, name: string): { key: string; transpose: boolean } {
  if (cfg.arch === 'gpt') {
    if (name === 'lm_head.weight') return { key: name, transpose: false };
    return { key: `transformer.${name}`, transpose: CONV1D.test(name) };
  }
  return { key: name, transpose: false };
}
