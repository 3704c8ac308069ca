// The exact list of parameter tensors of a ModelShape, named and shaped as in the Hugging Face checkpoints
// (GPT2Model + tied/untied lm_head, LlamaForCausalLM, BertModel / BertForMaskedLM / BertForPreTraining,
// T5ForConditionalGeneration). Tied tensors are listed once, as PyTorch's model.parameters() does.

import { resolveShape, type ModelShape, type ResolvedShape } from './shape.js';

/** What a tensor is, for embedding / non-embedding accounting (Kaplan et al. 2020 exclude token and position tables). */
export type ParamGroup = 'token_embedding' | 'position_embedding' | 'type_embedding' | 'lm_head' | 'block' | 'final_norm' | 'head_extra';

/** One parameter tensor. `shape` is the HF storage shape (GPT-2 Conv1D weights are [in, out]). */
export interface ParamEntry {
  name: string;
  shape: number[];
  group: ParamGroup;
}

/** True for groups that count as "embedding" parameters: token/position/type tables and an untied output head. */
export function isEmbeddingGroup(g: ParamGroup): boolean {
  return g === 'token_embedding' || g === 'position_embedding' || g === 'type_embedding' || g === 'lm_head';
}

function gptTable(r: ResolvedShape): ParamEntry[] {
  const C = r.n_embd, F = r.intermediate_size, out: ParamEntry[] = [];
  const b = (name: string, shape: number[]): void => { out.push({ name, shape, group: 'block' }); };
  out.push({ name: 'wte.weight', shape: [r.vocab_size, C], group: 'token_embedding' });
  if (r.learned_positions) out.push({ name: 'wpe.weight', shape: [r.block_size, C], group: 'position_embedding' });
  for (let i = 0; i < r.n_layer; i++) {
    const p = `h.${i}.`;
    b(p + 'ln_1.weight', [C]);
    if (r.bias) b(p + 'ln_1.bias', [C]);
    b(p + 'attn.c_attn.weight', [C, 3 * C]); // Conv1D: [in, out], q|k|v
    if (r.bias) b(p + 'attn.c_attn.bias', [3 * C]);
    b(p + 'attn.c_proj.weight', [C, C]);
    if (r.bias) b(p + 'attn.c_proj.bias', [C]);
    b(p + 'ln_2.weight', [C]);
    if (r.bias) b(p + 'ln_2.bias', [C]);
    b(p + 'mlp.c_fc.weight', [C, F]);
    if (r.bias) b(p + 'mlp.c_fc.bias', [F]);
    b(p + 'mlp.c_proj.weight', [F, C]);
    if (r.bias) b(p + 'mlp.c_proj.bias', [C]);
  }
  out.push({ name: 'ln_f.weight', shape: [C], group: 'final_norm' });
  if (r.bias) out.push({ name: 'ln_f.bias', shape: [C], group: 'final_norm' });
  if (!r.tied) out.push({ name: 'lm_head.weight', shape: [r.vocab_size, C], group: 'lm_head' });
  return out;
}

function llamaTable(r: ResolvedShape): ParamEntry[] {
  const C = r.n_embd, F = r.intermediate_size, q = r.n_head * r.head_dim, kv = r.n_kv_head * r.head_dim;
  const out: ParamEntry[] = [{ name: 'model.embed_tokens.weight', shape: [r.vocab_size, C], group: 'token_embedding' }];
  for (let i = 0; i < r.n_layer; i++) {
    const p = `model.layers.${i}.`;
    const b = (name: string, shape: number[]): void => { out.push({ name: p + name, shape, group: 'block' }); };
    b('self_attn.q_proj.weight', [q, C]);
    b('self_attn.k_proj.weight', [kv, C]);
    b('self_attn.v_proj.weight', [kv, C]);
    b('self_attn.o_proj.weight', [C, q]);
    b('mlp.gate_proj.weight', [F, C]);
    b('mlp.up_proj.weight', [F, C]);
    b('mlp.down_proj.weight', [C, F]);
    b('input_layernorm.weight', [C]);
    b('post_attention_layernorm.weight', [C]);
  }
  out.push({ name: 'model.norm.weight', shape: [C], group: 'final_norm' });
  if (!r.tied) out.push({ name: 'lm_head.weight', shape: [r.vocab_size, C], group: 'lm_head' });
  return out;
}

function bertTable(r: ResolvedShape): ParamEntry[] {
  const C = r.n_embd, F = r.intermediate_size, inner = r.n_head * r.head_dim;
  const pre = r.bert_head === 'base' ? '' : 'bert.';
  const out: ParamEntry[] = [];
  const e = (name: string, shape: number[], group: ParamGroup): void => { out.push({ name: pre + name, shape, group }); };
  e('embeddings.word_embeddings.weight', [r.vocab_size, C], 'token_embedding');
  e('embeddings.position_embeddings.weight', [r.block_size, C], 'position_embedding');
  e('embeddings.token_type_embeddings.weight', [r.type_vocab_size, C], 'type_embedding');
  e('embeddings.LayerNorm.weight', [C], 'block');
  e('embeddings.LayerNorm.bias', [C], 'block');
  for (let i = 0; i < r.n_layer; i++) {
    const p = `encoder.layer.${i}.`;
    const b = (name: string, shape: number[]): void => e(p + name, shape, 'block');
    for (const m of ['query', 'key', 'value']) {
      b(`attention.self.${m}.weight`, [inner, C]);
      b(`attention.self.${m}.bias`, [inner]);
    }
    b('attention.output.dense.weight', [C, inner]);
    b('attention.output.dense.bias', [C]);
    b('attention.output.LayerNorm.weight', [C]);
    b('attention.output.LayerNorm.bias', [C]);
    b('intermediate.dense.weight', [F, C]);
    b('intermediate.dense.bias', [F]);
    b('output.dense.weight', [C, F]);
    b('output.dense.bias', [C]);
    b('output.LayerNorm.weight', [C]);
    b('output.LayerNorm.bias', [C]);
  }
  if (r.bert_head !== 'mlm') {
    // BertModel(add_pooling_layer=True); BertForMaskedLM builds BertModel without the pooler.
    e('pooler.dense.weight', [C, C], 'head_extra');
    e('pooler.dense.bias', [C], 'head_extra');
  }
  if (r.bert_head !== 'base') {
    const h = (name: string, shape: number[], group: ParamGroup = 'head_extra'): void => { out.push({ name, shape, group }); };
    h('cls.predictions.transform.dense.weight', [C, C]);
    h('cls.predictions.transform.dense.bias', [C]);
    h('cls.predictions.transform.LayerNorm.weight', [C]);
    h('cls.predictions.transform.LayerNorm.bias', [C]);
    // decoder.weight is tied to word_embeddings (unless tied=false); decoder.bias is the same tensor as predictions.bias.
    if (!r.tied) h('cls.predictions.decoder.weight', [r.vocab_size, C], 'lm_head');
    h('cls.predictions.bias', [r.vocab_size]);
    if (r.bert_head === 'pretraining') {
      h('cls.seq_relationship.weight', [2, C]);
      h('cls.seq_relationship.bias', [2]);
    }
  }
  return out;
}

function t5Table(r: ResolvedShape): ParamEntry[] {
  const C = r.n_embd, F = r.intermediate_size, inner = r.n_head * r.head_dim;
  const out: ParamEntry[] = [{ name: 'shared.weight', shape: [r.vocab_size, C], group: 'token_embedding' }];
  const attn = (p: string, rel: boolean): void => {
    for (const m of ['q', 'k', 'v']) out.push({ name: `${p}.${m}.weight`, shape: [inner, C], group: 'block' });
    out.push({ name: `${p}.o.weight`, shape: [C, inner], group: 'block' });
    // Only block 0 of each stack owns the relative position bias; later blocks reuse it ("bias_shared").
    if (rel) out.push({ name: `${p}.relative_attention_bias.weight`, shape: [r.relative_attention_num_buckets, r.n_head], group: 'block' });
  };
  const ffn = (p: string): void => {
    if (r.gated_ffn) {
      out.push({ name: `${p}.DenseReluDense.wi_0.weight`, shape: [F, C], group: 'block' });
      out.push({ name: `${p}.DenseReluDense.wi_1.weight`, shape: [F, C], group: 'block' });
    } else out.push({ name: `${p}.DenseReluDense.wi.weight`, shape: [F, C], group: 'block' });
    out.push({ name: `${p}.DenseReluDense.wo.weight`, shape: [C, F], group: 'block' });
  };
  const ln = (name: string): void => { out.push({ name, shape: [C], group: 'block' }); };
  for (let i = 0; i < r.n_layer; i++) {
    const p = `encoder.block.${i}.layer`;
    attn(`${p}.0.SelfAttention`, i === 0);
    ln(`${p}.0.layer_norm.weight`);
    ffn(`${p}.1`);
    ln(`${p}.1.layer_norm.weight`);
  }
  out.push({ name: 'encoder.final_layer_norm.weight', shape: [C], group: 'final_norm' });
  for (let i = 0; i < r.n_decoder_layer; i++) {
    const p = `decoder.block.${i}.layer`;
    attn(`${p}.0.SelfAttention`, i === 0);
    ln(`${p}.0.layer_norm.weight`);
    attn(`${p}.1.EncDecAttention`, false);
    ln(`${p}.1.layer_norm.weight`);
    ffn(`${p}.2`);
    ln(`${p}.2.layer_norm.weight`);
  }
  out.push({ name: 'decoder.final_layer_norm.weight', shape: [C], group: 'final_norm' });
  if (!r.tied) out.push({ name: 'lm_head.weight', shape: [r.vocab_size, C], group: 'lm_head' });
  return out;
}

// Gopher/Chinchilla (Rae et al. 2021; Hoffmann et al. 2022): RMSNorm, no biases, GELU MLP 4*d, Transformer-XL
// relative attention. Our reconstruction: q,k,v,o plus the d x d relative-position projection W_r per layer and the
// per-layer u, v content/position biases. Names are ours (no public checkpoint exists).
function gopherTable(r: ResolvedShape): ParamEntry[] {
  const C = r.n_embd, F = r.intermediate_size, inner = r.n_head * r.head_dim;
  const out: ParamEntry[] = [{ name: 'embed.weight', shape: [r.vocab_size, C], group: 'token_embedding' }];
  for (let i = 0; i < r.n_layer; i++) {
    const p = `layers.${i}.`;
    const b = (name: string, shape: number[]): void => { out.push({ name: p + name, shape, group: 'block' }); };
    b('attn_norm.weight', [C]);
    for (const m of ['q', 'k', 'v']) b(`attn.${m}.weight`, [inner, C]);
    b('attn.o.weight', [C, inner]);
    b('attn.r.weight', [inner, C]);
    b('attn.r_w_bias', [r.n_head, r.head_dim]);
    b('attn.r_r_bias', [r.n_head, r.head_dim]);
    b('mlp_norm.weight', [C]);
    b('mlp.fc.weight', [F, C]);
    b('mlp.proj.weight', [C, F]);
  }
  out.push({ name: 'norm.weight', shape: [C], group: 'final_norm' });
  if (!r.tied) out.push({ name: 'lm_head.weight', shape: [r.vocab_size, C], group: 'lm_head' });
  return out;
}

/**
 * Every parameter tensor of the model, HF names and shapes, tied tensors once.
 * Use it to check an instantiated model: same names, same shapes, same total.
 *
 * @example parameterTable({ arch: 'gpt', n_layer: 12, n_embd: 768, n_head: 12, vocab_size: 50257, block_size: 1024 })[0]
 * // { name: 'wte.weight', shape: [50257, 768], group: 'token_embedding' }
 */
export function parameterTable(shape: ModelShape): ParamEntry[] {
  const r = resolveShape(shape); // idempotent: a ResolvedShape is also a ModelShape
  switch (r.arch) {
    case 'gpt': return gptTable(r);
    case 'llama': return llamaTable(r);
    case 'bert': return bertTable(r);
    case 't5': return t5Table(r);
    case 'gopher': return gopherTable(r);
  }
}

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
