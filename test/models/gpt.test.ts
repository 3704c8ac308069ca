// GPT model: parameter count, initial loss, learning, KV-cache equivalence, config errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPT } from '../../src/models/gpt.js';
import { Tensor, tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/tape.js';
import { AdamW } from '../../src/train/optim.js';
import { generateIds } from '../../src/generate/generate.js';
import { narrow } from '../../src/ops/view.js';
import { assertClose } from '../helpers/assert.js';

const tiny = { n_layer: 2, n_head: 2, n_embd: 16, block_size: 16, vocab_size: 11 };

test('GPT-2 124M has exactly 124,439,808 parameters (tied head)', () => {
  const m = new GPT({}, { init: false });
  assert.equal(m.countParameters(), 124439808);
  assert.equal(m.countParameters(true), 124439808 - 1024 * 768);
  const names = m.namedParameters().map(([n]) => n);
  assert.equal(names[0], 'wte.weight');
  assert.ok(names.includes('h.11.attn.c_attn.weight') && names.includes('h.0.mlp.c_proj.bias') && names.includes('ln_f.weight'));
  assert.ok(!names.includes('lm_head.weight'));
});

test('initial loss is close to ln(V) and the model learns a pattern', () => {
  const m = new GPT(tiny, { seed: 1 });
  const seq = Array.from({ length: 17 * 4 }, (_, i) => (i * 3) % 11);
  const x = new Tensor(Int32Array.from(seq.slice(0, 64)), [4, 16]);
  const y = new Tensor(Int32Array.from(seq.slice(1, 65)), [4, 16]);
  const first = m.forward(x, { targets: y }).loss!.item();
  assert.ok(Math.abs(first - Math.log(11)) < 0.15, `initial loss ${first} vs ln 11 = ${Math.log(11)}`);
  const opt = new AdamW(m.parameters(), { lr: 1e-2, weightDecay: 0 });
  let last = first;
  for (let i = 0; i < 60; i++) {
    const { loss } = m.forward(x, { targets: y });
    opt.zeroGrad();
    loss!.backward();
    opt.step();
    last = loss!.item();
  }
  assert.ok(last < 0.1, `loss after 60 AdamW steps: ${last}`);
});

test('KV cache: incremental logits equal full-forward logits at every position; cached greedy = uncached', () => {
  const m = new GPT({ ...tiny, block_size: 24 }, { seed: 3 }).eval();
  const ids = [1, 5, 2, 7, 3, 3, 9, 0, 4, 6];
  const full = noGrad(() => m.forward(new Tensor(Int32Array.from(ids), [1, ids.length])).logits); // (1, T, V)
  const cache = m.newCache(1);
  // prefill 4 tokens, then one at a time
  const pre = noGrad(() => m.forward(new Tensor(Int32Array.from(ids.slice(0, 4)), [1, 4]), { cache }).logits);
  assertClose(pre, narrow(full, 1, 0, 4), 1e-5, 1e-5, 'prefill logits');
  for (let t = 4; t < ids.length; t++) {
    const step = noGrad(() => m.forward(new Tensor(Int32Array.from([ids[t]!]), [1, 1]), { cache }).logits);
    assertClose(step, narrow(full, 1, t, 1), 1e-5, 1e-5, `cached logits at position ${t}`);
  }
  const a = [...generateIds(m, [1, 2, 3], { temperature: 0, maxNewTokens: 15 })];
  const b = [...generateIds(m, [1, 2, 3], { temperature: 0, maxNewTokens: 15, useCache: false })];
  assert.equal(a.length, 15);
  assert.deepEqual(a, b);
  // past the context window (24): both drop the oldest half and continue identically
  const c = [...generateIds(m, [1, 2, 3], { temperature: 0, maxNewTokens: 50 })];
  const d = [...generateIds(m, [1, 2, 3], { temperature: 0, maxNewTokens: 50, useCache: false })];
  assert.equal(c.length, 50);
  assert.deepEqual(c, d);
});

test('sinusoidal positions, untied head, no bias, erf GELU variants build and run', () => {
  const m = new GPT({ ...tiny, positions: 'sinusoidal', tie_word_embeddings: false, bias: false, activation: 'gelu' }, { seed: 2 });
  const names = m.namedParameters().map(([n]) => n);
  assert.ok(names.includes('lm_head.weight') && !names.includes('wpe.weight') && !names.some((n) => n.endsWith('.bias')));
  const { logits } = noGrad(() => m.forward(tensor([[1, 2, 3]], { dtype: 'int32' })));
  assert.deepEqual(logits.shape, [1, 3, 11]);
});

test('config and input errors name the problem', () => {
  assert.throws(() => new GPT({ ...tiny, n_embd: 15 }), /n_embd \(15\) must be divisible by n_head \(2\)/);
  const m = new GPT(tiny);
  assert.throws(() => m.forward(tensor([[1, 2]])), /ids must be int32 \(B, T\)/);
  assert.throws(() => m.forward(new Tensor(new Int32Array(17), [1, 17])), /sequence of 17 tokens exceeds block_size 16/);
  assert.throws(() => [...generateIds(m, Array(16).fill(1))], /prompt of 16 tokens does not fit the context of 16/);
});
