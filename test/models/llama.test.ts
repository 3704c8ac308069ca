// The Llama model: GQA + untied head; KV-cached greedy decoding equals uncached decoding, prefill
// logits equal the full forward (tolerance 1e-5), config errors name the field, registry round trip,
// and `train({ arch: 'llama' })` learns and its checkpoint reloads as the same Llama.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/tape.js';
import { Llama, resolveLlamaConfig } from '../../src/models/llama.js';
import { buildModel, resolveModelConfig } from '../../src/models/registry.js';
import { generateIds } from '../../src/generate/generate.js';
import * as F from '../../src/ops/index.js';
import { train } from '../../src/train/trainer.js';
import { loadCheckpoint, resolveCheckpointDir } from '../../src/train/checkpoint.js';
import { syntheticData } from '../helpers/synthetic_data.js';
import { assertClose } from '../helpers/assert.js';
import { tempDir } from '../helpers/tmp.js';

const cfg = { n_layer: 2, n_head: 4, n_kv_head: 2, n_embd: 32, intermediate_size: 48, block_size: 32, vocab_size: 29, tie_word_embeddings: false, rope_theta: 10000 };

test('parameter names and shapes follow HF LlamaForCausalLM (GQA, untied head)', () => {
  const m = new Llama(cfg);
  const names = new Map(m.namedParameters().map(([n, t]) => [n, t.shape.join('x')]));
  assert.equal(names.get('model.embed_tokens.weight'), '29x32');
  assert.equal(names.get('model.layers.1.self_attn.q_proj.weight'), '32x32');
  assert.equal(names.get('model.layers.1.self_attn.k_proj.weight'), '16x32');
  assert.equal(names.get('model.layers.1.self_attn.v_proj.weight'), '16x32');
  assert.equal(names.get('model.layers.0.self_attn.o_proj.weight'), '32x32');
  assert.equal(names.get('model.layers.0.mlp.gate_proj.weight'), '48x32');
  assert.equal(names.get('model.layers.0.mlp.up_proj.weight'), '48x32');
  assert.equal(names.get('model.layers.0.mlp.down_proj.weight'), '32x48');
  assert.equal(names.get('model.layers.0.input_layernorm.weight'), '32');
  assert.equal(names.get('model.layers.0.post_attention_layernorm.weight'), '32');
  assert.equal(names.get('model.norm.weight'), '32');
  assert.equal(names.get('lm_head.weight'), '29x32');
  assert.equal(names.size, 1 + 2 * 9 + 1 + 1);
  const tied = new Llama({ ...cfg, tie_word_embeddings: true });
  assert.ok(!tied.namedParameters().some(([n]) => n === 'lm_head.weight'));
  assert.equal(tied.numParameters(), m.numParameters() - 29 * 32);
});

test('prefill logits equal the full forward and KV-cached greedy equals uncached greedy (tolerance 1e-5)', () => {
  const m = new Llama(cfg, { seed: 3 });
  m.eval();
  const ids = [1, 5, 9, 2, 7, 7, 3, 11, 4];
  const full = noGrad(() => m.forward(new Tensor(Int32Array.from(ids), [1, ids.length])).logits);
  const cache = m.newCache(1);
  const a = noGrad(() => m.forward(new Tensor(Int32Array.from(ids.slice(0, 5)), [1, 5]), { cache }).logits);
  const b = noGrad(() => m.forward(new Tensor(Int32Array.from(ids.slice(5)), [1, 4]), { cache }).logits);
  assertClose(F.concat([a, b], 1), full, 1e-5, 0, 'chunked prefill vs full forward');
  const cached = [...generateIds(m, ids, { maxNewTokens: 20, temperature: 0 })];
  const uncached = [...generateIds(m, ids, { maxNewTokens: 20, temperature: 0, useCache: false })];
  assert.equal(cached.length, 20);
  assert.deepEqual(cached, uncached);
});

test('config: defaults, hidden-size rule, errors name the field', () => {
  const c = resolveLlamaConfig({ n_embd: 768, n_head: 12, n_layer: 12, vocab_size: 32000 });
  assert.equal(c.intermediate_size, 2048);
  assert.equal(c.n_kv_head, 12);
  assert.equal(c.rope_theta, 10000);
  assert.throws(() => resolveLlamaConfig({ n_head: 6, n_kv_head: 4, n_embd: 48 }), /n_head \(6\) must be a multiple of n_kv_head \(4\)/);
  assert.throws(() => resolveLlamaConfig({ n_layer: 0 }), /Llama config: n_layer must be a positive integer, got 0/);
  assert.throws(() => resolveModelConfig({ arch: 'llama', rope_theta: -1 }, 'x/config.json'), /x\/config.json: Llama config: rope_theta must be > 0/);
  assert.throws(() => resolveModelConfig({ arch: 'mamba' }, 'x/config.json'), /unsupported architecture 'mamba' \(supported: gpt, llama\)/);
  const built = buildModel(resolveModelConfig({ ...cfg, arch: 'llama' }));
  assert.ok(built instanceof Llama);
  assert.deepEqual(built.config, resolveLlamaConfig(cfg));
});

test("train({ arch: 'llama' }) lowers the loss and the checkpoint reloads as the same Llama", async () => {
  const data = syntheticData(16);
  const out = join(tempDir('lmforge-llama-run-'), 'run');
  const r = await train({
    arch: 'llama', n_layer: 1, n_head: 4, n_kv_head: 2, n_embd: 32, intermediate_size: 64, rope_theta: 10000, tie_word_embeddings: false,
    block_size: 16, batch_size: 8, lr: 3e-3, warmup_iters: 2, max_iters: 60, eval_interval: 30, eval_iters: 2, data, out, test: false,
  });
  const first = r.losses.slice(0, 5).reduce((a, b) => a + b) / 5, last = r.losses.slice(-5).reduce((a, b) => a + b) / 5;
  assert.ok(first > 2.5 && last < 0.7 * first, `loss ${first} -> ${last}: expected a drop of at least 30% from about ln(16) = 2.77`);
  const ck = loadCheckpoint(resolveCheckpointDir(out, 'latest'));
  assert.ok(ck.model instanceof Llama);
  const c = ck.model.config;
  assert.ok(c.arch === 'llama' && c.n_kv_head === 2 && c.intermediate_size === 64 && c.vocab_size === 16);
});
