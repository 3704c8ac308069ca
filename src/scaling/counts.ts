// Exact parameter counts, FLOPs per token and memory (training, inference) of a ModelShape.
// Counts sum parameterTable() (HF conventions). FLOPs follow Kaplan et al. 2020 (eq. 2.1–2.2) and the
// PaLM appendix B / nanoGPT estimate_mfu form 6N + 12·L·H·Q·T; activations follow llm.c's ActivationTensors.

import { resolveShape, type ModelShape, type ResolvedShape } from './shape.js';
import { parameterTable, isEmbeddingGroup, numel, type ParamGroup } from './params.js';

/** Parameter counts of a model. */
export interface ParamCounts {
  /** Every parameter, tied tensors once (= sum of p.numel() over model.parameters()). */
  params: number;
  /** Token, position and token-type tables, plus the output head when it is untied. */
  embedding_params: number;
  /** params - embedding_params: Kaplan's N (12·n_layer·d² plus biases and norms for GPT-2). */
  non_embedding_params: number;
  /** Parameters that take part in a matmul once per token: everything except position/type tables and
   *  the token table when it is only looked up (untied or no LM head). The N of 6N. nanoGPT get_num_params(). */
  matmul_params: number;
  by_group: Record<ParamGroup, number>;
}

/**
 * Exact parameter counts.
 *
 * @example countParams({ arch: 'gpt', n_layer: 12, n_embd: 768, n_head: 12, vocab_size: 50257, block_size: 1024 }).params // 124439808
 */
export function countParams(shape: ModelShape): ParamCounts {
  const r = resolveShape(shape);
  const by_group: Record<ParamGroup, number> = {
    token_embedding: 0, position_embedding: 0, type_embedding: 0, lm_head: 0, block: 0, final_norm: 0, head_extra: 0,
  };
  let params = 0, embedding = 0;
  for (const e of parameterTable(r)) {
    const n = numel(e.shape);
    params += n;
    by_group[e.group] += n;
    if (isEmbeddingGroup(e.group)) embedding += n;
  }
  const tokenTableIsOutput = r.tied && !(r.arch === 'bert' && r.bert_head === 'base');
  const matmul = params - by_group.position_embedding - by_group.type_embedding - (tokenTableIsOutput ? 0 : by_group.token_embedding);
  return { params, embedding_params: embedding, non_embedding_params: params - embedding, matmul_params: matmul, by_group };
}

/** Number of attention "layers" of size H·Q·T: t5's decoder blocks have self- and cross-attention. */
function attentionLayers(r: ResolvedShape): number {
  return r.arch === 't5' ? r.n_layer + 2 * r.n_decoder_layer : r.n_layer;
}

/** FLOPs per token, several conventions side by side. */
export interface FlopsPerToken {
  /** Context length T used for the attention terms. */
  seq: number;
  /** Training FLOPs per token, PaLM/nanoGPT/llm.c MFU form: 6·N_matmul + 12·L·H·Q·T. The issue's `flops_per_token`. */
  flops_per_token: number;
  /** 6·N_matmul. */
  six_n: number;
  /** 12·L·H·Q·T (QKᵀ and A·V, forward 4·L·H·Q·T, times 3 for training; no causal halving). */
  attention: number;
  /** Kaplan eq. 2.2: C_forward = 2·N_nonembed + 2·n_layer·n_ctx·d_attn. */
  kaplan_forward: number;
  /** 3 × kaplan_forward (backward ≈ 2 × forward). */
  kaplan_train: number;
}

/**
 * FLOPs per token at context length `seq` (default block_size). For t5 "per token" means one source and
 * one target token (equal lengths); L counts encoder self-, decoder self- and cross-attention.
 *
 * @example flopsPerToken(gpt2).flops_per_token // 6*123653376 + 12*12*12*64*1024
 */
export function flopsPerToken(shape: ModelShape, opts: { seq?: number } = {}): FlopsPerToken {
  const r = resolveShape(shape);
  const c = countParams(r);
  const T = opts.seq ?? r.block_size;
  const dAttn = r.n_head * r.head_dim;
  const La = attentionLayers(r);
  const attention = 12 * La * dAttn * T;
  const six_n = 6 * c.matmul_params;
  const kaplan_forward = 2 * c.non_embedding_params + 2 * La * T * dAttn;
  return { seq: T, flops_per_token: six_n + attention, six_n, attention, kaplan_forward, kaplan_train: 3 * kaplan_forward };
}

/** Training compute for D tokens. */
export interface TrainingFlops {
  tokens: number;
  /** Chinchilla/Kaplan approximation C = 6·N·D with N = all parameters (Chinchilla counts embeddings). */
  six_nd: number;
  /** flops_per_token · D (PaLM form, includes attention). */
  with_attention: number;
  /** kaplan_train · D. */
  kaplan: number;
}

/** @example trainingFlops(gpt2, 10e9).six_nd // 6 * 124439808 * 1e10 */
export function trainingFlops(shape: ModelShape, tokens: number, opts: { seq?: number } = {}): TrainingFlops {
  const f = flopsPerToken(shape, opts);
  const N = countParams(shape).params;
  return { tokens, six_nd: 6 * N * tokens, with_attention: f.flops_per_token * tokens, kaplan: f.kaplan_train * tokens };
}

/**
 * Floats of forward activations kept for backward at batch B, length T, following llm.c's ActivationTensors
 * (every op output saved once, plus LayerNorm mean/rstd, pre-softmax and softmax attention maps, logits and probs).
 * GPT-2 per layer per token: 6C + 3C (qkv) + C (atty) + 2F (fch, gelu) + 4 + 2·NH·T = 18C + 4 + 2·NH·T for F = 4C.
 * Other architectures apply the same rule to their ops (documented in docs/scaling.md).
 */
export function activationFloats(shape: ModelShape, B: number, T: number): number {
  const r = resolveShape(shape);
  const C = r.n_embd, F = r.intermediate_size, V = r.vocab_size, NH = r.n_head;
  const q = r.n_head * r.head_dim, kv = r.n_kv_head * r.head_dim, att = 2 * NH * T;
  let perTok: number;
  switch (r.arch) {
    case 'gpt':
      // ln1 C, ln1 stats 2, qkv q+2kv, atty q, attproj C, residual2 C, ln2 C, stats 2, fch F, gelu F, fcproj C, residual3 C
      perTok = C + r.n_layer * (6 * C + (q + 2 * kv) + q + 2 * F + 4 + att) + C + 2 + 2 * V + 1;
      break;
    case 'gopher':
      // as gpt with RMSNorm (1 stat per norm)
      perTok = C + r.n_layer * (6 * C + (q + 2 * kv) + q + 2 * F + 2 + att) + C + 1 + 2 * V + 1;
      break;
    case 'llama':
      // norm1 C+1, qkv q+2kv, rope(q,k) q+kv, att, atty q, o C, residual C, norm2 C+1, gate F, up F, silu(gate)*up F, down C, residual C
      perTok = C + r.n_layer * (6 * C + (q + 2 * kv) + (q + kv) + q + 3 * F + 2 + att) + C + 1 + 2 * V + 1;
      break;
    case 'bert': {
      // post-LN: qkv 3q, att, atty q, attn out C, sum C, LN C+2, inter F, gelu F, out C, sum C, LN C+2
      const head = r.bert_head === 'base' ? 0 : 3 * C + 2 + 2 * V + 1;
      perTok = 2 * C + 2 + r.n_layer * (6 * C + 4 * q + 2 * F + 4 + att) + head;
      break;
    }
    case 't5': {
      const ffn = r.gated_ffn ? 4 * F : 2 * F; // wi (wi_0, gelu, wi_1, product) and act
      const enc = 6 * C + 2 + 3 * q + q + att + ffn;
      const dec = enc + (3 * C + 1 + 3 * q + q + att); // + cross-attention: ln, q/k/v, atty, o, residual
      perTok = 2 * C + r.n_layer * enc + r.n_decoder_layer * dec + 2 * (C + 1) + 2 * V + 1;
      break;
    }
  }
  return B * T * perTok;
}

/** Training memory in bytes (fp32 by default): weights, gradients, AdamW m and v, saved activations. */
export interface TrainingMemory {
  batch: number;
  seq: number;
  params_bytes: number;
  grads_bytes: number;
  adamw_bytes: number;
  activations_bytes: number;
  total_bytes: number;
}

/**
 * @example trainingMemory(gpt2, { batch: 4, seq: 1024 }).adamw_bytes // 2 * 4 * 124439808
 */
export function trainingMemory(shape: ModelShape, opts: { batch: number; seq?: number; bytesPerParam?: number; bytesPerActivation?: number }): TrainingMemory {
  const r = resolveShape(shape);
  const T = opts.seq ?? r.block_size;
  const bp = opts.bytesPerParam ?? 4, ba = opts.bytesPerActivation ?? 4;
  const N = countParams(r).params;
  const params_bytes = N * bp, grads_bytes = N * bp, adamw_bytes = 2 * N * 4; // moments stay fp32
  const activations_bytes = activationFloats(r, opts.batch, T) * ba;
  return { batch: opts.batch, seq: T, params_bytes, grads_bytes, adamw_bytes, activations_bytes,
    total_bytes: params_bytes + grads_bytes + adamw_bytes + activations_bytes };
}

/** Inference memory in bytes: weights plus the KV cache at `context` tokens. */
export interface InferenceMemory {
  batch: number;
  context: number;
  weights_bytes: number;
  kv_cache_bytes: number;
  total_bytes: number;
}

/**
 * KV cache = 2 (K and V) · layers · n_kv_head · head_dim · context · batch · bytes. t5 adds the decoder's
 * cross-attention K/V over a source of `context` tokens; bert (encoder only) keeps no cache.
 *
 * @example inferenceMemory(llama7b, { context: 2048, bytes: 2 }).kv_cache_bytes // 2*32*32*128*2048*2 = 1 GiB
 */
export function inferenceMemory(shape: ModelShape, opts: { context?: number; batch?: number; bytes?: number; kvBytes?: number } = {}): InferenceMemory {
  const r = resolveShape(shape);
  const ctx = opts.context ?? r.block_size, B = opts.batch ?? 1;
  const wb = opts.bytes ?? 4, kb = opts.kvBytes ?? wb;
  const weights_bytes = countParams(r).params * wb;
  let perTokLayerFloats: number;
  if (r.arch === 'bert') perTokLayerFloats = 0;
  else if (r.arch === 't5') perTokLayerFloats = r.n_decoder_layer * (2 * r.n_head * r.head_dim) * 2; // self + cross
  else perTokLayerFloats = r.n_layer * 2 * r.n_kv_head * r.head_dim;
  const kv_cache_bytes = perTokLayerFloats * ctx * B * kb;
  return { batch: B, context: ctx, weights_bytes, kv_cache_bytes, total_bytes: weights_bytes + kv_cache_bytes };
}
