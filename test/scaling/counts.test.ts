// Exact parameter counts against published numbers (FACTS §2), FLOPs per token against the nanoGPT/Kaplan
// formulas written out by hand, memory against llm.c's activation list and the KV-cache formula.
import test from 'node:test';
import assert from 'node:assert/strict';
import { countParams, flopsPerToken, trainingFlops, trainingMemory, inferenceMemory, activationFloats } from '../../src/scaling/counts.js';
import { parameterTable, numel } from '../../src/scaling/params.js';
import { getPreset, PRESETS } from '../../src/scaling/presets.js';
import { llamaHiddenSize, resolveShape, type ModelShape } from '../../src/scaling/shape.js';
import { assertRel } from './near.js';

const count = (name: string): number => countParams(getPreset(name).shape).params;

test('GPT-2 sizes: exact released counts with tied head (FACTS §2.1)', () => {
  assert.equal(count('gpt2'), 124_439_808);
  assert.equal(count('gpt2-medium'), 354_823_168);
  assert.equal(count('gpt2-large'), 774_030_080);
  assert.equal(count('gpt2-xl'), 1_557_611_200);
});

test('GPT-2 124M: non-embedding 85,056,000 and nanoGPT get_num_params 123,653,376', () => {
  const c = countParams(getPreset('gpt2').shape);
  assert.equal(c.non_embedding_params, 85_056_000);
  assert.equal(c.embedding_params, 50257 * 768 + 1024 * 768);
  assert.equal(c.matmul_params, 123_653_376); // nanoGPT excludes wpe only
  assert.equal(c.by_group.block, 7_087_872 * 12);
});

test('GPT-2 untied head adds V·C; bias=false removes every Linear and LayerNorm bias', () => {
  const base: ModelShape = { arch: 'gpt', n_layer: 12, n_embd: 768, n_head: 12, vocab_size: 50257, block_size: 1024 };
  assert.equal(countParams({ ...base, tied: false }).params, 124_439_808 + 50257 * 768);
  // per block biases: ln_1 C, c_attn 3C, c_proj C, ln_2 C, c_fc 4C, c_proj C = 11C; plus ln_f C
  assert.equal(countParams({ ...base, bias: false }).params, 124_439_808 - 12 * 11 * 768 - 768);
});

test('Llama 1 sizes and Llama 2 7B: exact derived counts (FACTS §2.3, §2.4)', () => {
  assert.equal(count('llama-7b'), 6_738_415_616);
  assert.equal(count('llama-13b'), 13_015_864_320);
  assert.equal(count('llama-33b'), 32_528_943_616);
  assert.equal(count('llama-65b'), 65_285_660_672);
  assert.equal(count('llama2-7b'), 6_738_415_616);
});

test("Llama SwiGLU hidden-size rule (FACTS §3.7)", () => {
  assert.deepEqual([4096, 5120, 6656, 8192].map((d) => llamaHiddenSize(d)), [11008, 13824, 17920, 22016]);
  assert.equal(llamaHiddenSize(8192, 4096, 1.3), 28672); // Llama 2 70B
  assert.equal(resolveShape(getPreset('llama-33b').shape).intermediate_size, 17920);
});

test('Llama GQA: k_proj and v_proj shrink to n_kv_head·head_dim rows', () => {
  const s: ModelShape = { arch: 'llama', n_layer: 2, n_embd: 256, n_head: 8, n_kv_head: 2, vocab_size: 1000, block_size: 128, intermediate_size: 512 };
  const t = parameterTable(s);
  assert.deepEqual(t.find((e) => e.name === 'model.layers.0.self_attn.k_proj.weight')!.shape, [64, 256]);
  assert.deepEqual(t.find((e) => e.name === 'model.layers.0.self_attn.q_proj.weight')!.shape, [256, 256]);
  const perLayer = 256 * 256 * 2 + 2 * 64 * 256 + 3 * 256 * 512 + 2 * 256;
  assert.equal(countParams(s).params, 2 * perLayer + 2 * 1000 * 256 + 256);
});

test('GPT-3 Table 2.1: 175B ≈ 175.0B (within 0.3%), every row within 2% of the printed size', () => {
  assertRel(count('gpt3-175b'), 175.0e9, 0.003, 'gpt3-175b');
  assert.equal(count('gpt3-175b'), 174_604_259_328);
  for (const p of PRESETS.filter((x) => x.name.startsWith('gpt3'))) assertRel(countParams(p.shape).params, p.published_params, 0.02, p.name);
});

test('BERT: HF BertModel bert-base-uncased = 109,482,240; large = 335,141,888; MLM and pre-training heads', () => {
  assert.equal(count('bert-base'), 109_482_240);
  assert.equal(count('bert-large'), 335_141_888);
  const base = getPreset('bert-base').shape;
  // BertForMaskedLM: no pooler (-C²-C), transform dense C²+C, LayerNorm 2C, decoder bias V (decoder weight tied)
  assert.equal(countParams({ ...base, bert_head: 'mlm' }).params, 109_482_240 + 2 * 768 + 30522);
  // BertForPreTraining: pooler kept, plus MLM head and the 2-way NSP classifier
  assert.equal(countParams({ ...base, bert_head: 'pretraining' }).params, 109_482_240 + 768 * 768 + 768 + 2 * 768 + 30522 + 2 * 768 + 2);
  assertRel(count('bert-base'), 110e6, 0.01, 'bert-base vs README 110M');
  assertRel(count('bert-large'), 340e6, 0.02, 'bert-large vs README 340M');
});

test('T5 v1.0 sizes: approximately the paper figures (within 6%), exactly the widely reported HF counts', () => {
  for (const p of PRESETS.filter((x) => x.name.startsWith('t5-'))) assertRel(countParams(p.shape).params, p.published_params, 0.06, p.name);
  // Widely reported parameter counts of the HF checkpoints (not in FACTS; our formula gives them exactly).
  assert.equal(count('t5-small'), 60_506_624);
  assert.equal(count('t5-base'), 222_903_552);
  assert.equal(count('t5-large'), 737_668_096);
  // t5-small by hand: shared 32128·512; encoder 6 blocks of 4·512² + 2·512·2048 + 2·512, one 32×8 bias, final norm
  const enc = 6 * (4 * 512 * 512 + 2 * 512 * 2048 + 2 * 512) + 32 * 8 + 512;
  const dec = 6 * (8 * 512 * 512 + 2 * 512 * 2048 + 3 * 512) + 32 * 8 + 512;
  assert.equal(count('t5-small'), 32128 * 512 + enc + dec);
});

test('Gopher and Chinchilla reconstructions within 0.5% of 280B and 70B', () => {
  assertRel(count('gopher-280b'), 280e9, 0.005, 'gopher');
  assertRel(count('chinchilla-70b'), 70e9, 0.005, 'chinchilla');
});

test('parameter table: HF names, tensor counts, and the sum equals the count', () => {
  const g = parameterTable(getPreset('gpt2').shape);
  assert.equal(g.length, 2 + 12 * 12 + 2); // wte, wpe, 12 tensors per block, ln_f
  assert.deepEqual(g.slice(0, 3).map((e) => e.name), ['wte.weight', 'wpe.weight', 'h.0.ln_1.weight']);
  assert.deepEqual(g.find((e) => e.name === 'h.11.attn.c_attn.weight')!.shape, [768, 2304]); // Conv1D [in, out]
  const l = parameterTable(getPreset('llama-7b').shape);
  assert.equal(l.length, 1 + 32 * 9 + 1 + 1); // 291 tensors in the HF checkpoint
  assert.equal(l[l.length - 1]!.name, 'lm_head.weight');
  const t = parameterTable(getPreset('t5-small').shape);
  assert.ok(t.some((e) => e.name === 'decoder.block.0.layer.1.EncDecAttention.q.weight'));
  assert.equal(t.filter((e) => e.name.includes('relative_attention_bias')).length, 2);
  for (const p of PRESETS) {
    const sum = parameterTable(p.shape).reduce((s, e) => s + numel(e.shape), 0);
    assert.equal(sum, countParams(p.shape).params, p.name);
  }
});

test('FLOPs per token: GPT-2 equals nanoGPT estimate_mfu and Kaplan eq. 2.2 written out', () => {
  const f = flopsPerToken(getPreset('gpt2').shape);
  assert.equal(f.flops_per_token, 6 * 123_653_376 + 12 * 12 * 12 * 64 * 1024);
  assert.equal(f.attention, 12 * 12 * 12 * 64 * 1024);
  assert.equal(f.kaplan_forward, 2 * 85_056_000 + 2 * 12 * 1024 * 768);
  assert.equal(f.kaplan_train, 3 * f.kaplan_forward);
  const f256 = flopsPerToken(getPreset('gpt2').shape, { seq: 256 });
  assert.equal(f256.flops_per_token, 6 * 123_653_376 + 12 * 12 * 12 * 64 * 256);
  // llama: the looked-up embedding table costs no FLOPs, the untied head does
  const l = flopsPerToken(getPreset('llama-7b').shape);
  assert.equal(l.six_n, 6 * (6_738_415_616 - 32000 * 4096));
});

test('training FLOPs for D tokens: 6ND with all parameters, and the attention-aware total', () => {
  const t = trainingFlops(getPreset('chinchilla-70b').shape, 1.4e12);
  assertRel(t.six_nd, 5.88e23, 0.002, '6·70B·1.4T'); // FACTS §1.1: 5.88e23
  const g = trainingFlops(getPreset('gpt2').shape, 10e9);
  assert.equal(g.six_nd, 6 * 124_439_808 * 10e9);
  assert.equal(g.with_attention, (6 * 123_653_376 + 12 * 12 * 12 * 64 * 1024) * 10e9);
});

test("activation memory: GPT-2 equals llm.c's ActivationTensors sizes summed", () => {
  const B = 4, T = 64, C = 768, L = 12, NH = 12, V = 50257;
  const llmc = [B * T * C, L * B * T * C, L * B * T, L * B * T, L * B * T * 3 * C, L * B * T * C, L * B * NH * T * T, L * B * NH * T * T,
    L * B * T * C, L * B * T * C, L * B * T * C, L * B * T, L * B * T, L * B * T * 4 * C, L * B * T * 4 * C, L * B * T * C, L * B * T * C,
    B * T * C, B * T, B * T, B * T * V, B * T * V, B * T].reduce((a, b) => a + b, 0);
  assert.equal(activationFloats(getPreset('gpt2').shape, B, T), llmc);
  const m = trainingMemory(getPreset('gpt2').shape, { batch: B, seq: T });
  assert.equal(m.activations_bytes, 4 * llmc);
  assert.equal(m.params_bytes, 4 * 124_439_808);
  assert.equal(m.adamw_bytes, 8 * 124_439_808);
  assert.equal(m.total_bytes, 16 * 124_439_808 + 4 * llmc);
});

test('inference memory: weights plus KV cache 2·L·n_kv·head_dim·context·bytes', () => {
  const m = inferenceMemory(getPreset('llama-7b').shape, { context: 2048, bytes: 2 });
  assert.equal(m.kv_cache_bytes, 2 * 32 * 32 * 128 * 2048 * 2); // exactly 1 GiB
  assert.equal(m.kv_cache_bytes, 1024 ** 3);
  assert.equal(m.weights_bytes, 2 * 6_738_415_616);
  const g = inferenceMemory(getPreset('gpt2').shape, { context: 1024, batch: 2 });
  assert.equal(g.kv_cache_bytes, 2 * 12 * 768 * 1024 * 2 * 4);
  assert.equal(inferenceMemory(getPreset('bert-base').shape).kv_cache_bytes, 0);
  // t5: decoder self-attention plus cross-attention K/V over the source
  assert.equal(inferenceMemory(getPreset('t5-small').shape, { context: 512 }).kv_cache_bytes, 6 * 2 * 2 * 512 * 512 * 4);
});

test('invalid shapes fail naming the key', () => {
  assert.throws(() => countParams({ arch: 'gpt', n_layer: 2, n_embd: 100, n_head: 3, vocab_size: 10, block_size: 8 }), /n_embd 100 is not divisible by n_head 3/);
  assert.throws(() => countParams({ arch: 'gpt', n_layer: 0, n_embd: 64, n_head: 1, vocab_size: 10, block_size: 8 }), /"n_layer" must be a positive integer/);
  assert.throws(() => countParams({ arch: 'gpt', n_layer: 1, n_embd: 64, n_head: 4, n_kv_head: 2, vocab_size: 10, block_size: 8 }), /only supported for arch llama/);
  assert.throws(() => getPreset('gpt5'), /unknown preset "gpt5"/);
});

test('resolveShape is idempotent for every preset and option (counts never change on a second resolve)', () => {
  const extra: ModelShape[] = [
    { arch: 'gpt', n_layer: 2, n_embd: 64, n_head: 2, vocab_size: 97, block_size: 32, positions: 'sinusoidal', bias: false, tied: false },
    { arch: 'llama', n_layer: 2, n_embd: 256, n_head: 8, n_kv_head: 2, vocab_size: 1000, block_size: 128, tied: true },
    { arch: 't5', n_layer: 2, n_decoder_layer: 3, n_embd: 64, n_head: 2, head_dim: 16, vocab_size: 100, block_size: 64, gated_ffn: true, tied: false },
    { arch: 'bert', n_layer: 2, n_embd: 64, n_head: 2, vocab_size: 100, block_size: 64, bert_head: 'pretraining', type_vocab_size: 3 },
  ];
  for (const s of [...PRESETS.map((p) => p.shape), ...extra]) {
    const r = resolveShape(s);
    assert.deepEqual(resolveShape(r), r);
    assert.equal(countParams(r).params, parameterTable(s).reduce((n, e) => n + numel(e.shape), 0));
  }
  // sinusoidal positions: no wpe table
  assert.equal(countParams(extra[0]!).by_group.position_embedding, 0);
});
