// config.json readers: HF GPT2Config / LlamaConfig / BertConfig / T5Config keys and lmforge keys give the same
// exact counts as the presets; errors name the file and the key.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shapeFromConfig, readShape } from '../../src/scaling/config.js';
import { countParams } from '../../src/scaling/counts.js';
import { parseQuantity, parseList, si, bytes, duration, commas } from '../../src/scaling/format.js';

test('HF GPT-2 config → 124,439,808', () => {
  const s = shapeFromConfig({ model_type: 'gpt2', n_layer: 12, n_embd: 768, n_head: 12, vocab_size: 50257, n_positions: 1024, n_inner: null });
  assert.equal(countParams(s).params, 124_439_808);
});

test('Llama-2-7b-hf config.json (FACTS §2.4) → 6,738,415,616', () => {
  const cfg = { architectures: ['LlamaForCausalLM'], bos_token_id: 1, eos_token_id: 2, hidden_act: 'silu', hidden_size: 4096, initializer_range: 0.02,
    intermediate_size: 11008, max_position_embeddings: 4096, model_type: 'llama', num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 32,
    pretraining_tp: 1, rms_norm_eps: 1e-5, rope_scaling: null, tie_word_embeddings: false, torch_dtype: 'float16', vocab_size: 32000 };
  const s = shapeFromConfig(cfg);
  assert.equal(s.block_size, 4096);
  assert.equal(countParams(s).params, 6_738_415_616);
});

test('HF BERT and T5 configs with their defaults', () => {
  assert.equal(countParams(shapeFromConfig({ model_type: 'bert', architectures: ['BertModel'] })).params, 109_482_240);
  assert.equal(countParams(shapeFromConfig({ model_type: 'bert', architectures: ['BertForMaskedLM'] })).params, 109_482_240 + 2 * 768 + 30522);
  assert.equal(countParams(shapeFromConfig({ model_type: 't5', d_model: 512, d_ff: 2048, d_kv: 64, num_layers: 6, num_heads: 8, vocab_size: 32128 })).params, 60_506_624);
  const v11 = shapeFromConfig({ model_type: 't5', d_model: 512, d_ff: 1024, d_kv: 64, num_layers: 8, num_heads: 6, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false });
  assert.equal(v11.gated_ffn, true);
  assert.equal(v11.tied, false);
});

test('lmforge config and RUN directories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmforge-cfg-'));
  try {
    mkdirSync(join(dir, 'run'));
    writeFileSync(join(dir, 'run', 'config.json'), JSON.stringify({ arch: 'gpt', n_layer: 12, n_embd: 768, n_head: 12, vocab_size: 50257, block_size: 1024 }));
    assert.equal(countParams(readShape(join(dir, 'run'))).params, 124_439_808);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ model_type: 'llama', num_hidden_layers: 2, hidden_size: 'big', num_attention_heads: 2 }));
    assert.throws(() => readShape(join(dir, 'bad.json')), /bad\.json: key "hidden_size" must be a number, got "big"/);
    writeFileSync(join(dir, 'broken.json'), '{ "n_layer": ');
    assert.throws(() => readShape(join(dir, 'broken.json')), /broken\.json: invalid JSON/);
    assert.throws(() => readShape(join(dir, 'missing.json')), /missing\.json does not exist/);
    assert.throws(() => shapeFromConfig({ model_type: 'gptj' }, 'x.json'), /x\.json: model_type "gptj" is not supported/);
    assert.throws(() => shapeFromConfig({ arch: 'gpt', n_layer: 2, n_embd: 64, n_head: 2, vocab_size: 10 }, 'y.json'), /y\.json: missing key "block_size" or "n_positions" or "max_position_embeddings"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('quantity parsing and formatting', () => {
  assert.equal(parseQuantity('5.76e23'), 5.76e23);
  assert.equal(parseQuantity('70B'), 70e9);
  assert.equal(parseQuantity('1.4T'), 1.4e12);
  assert.equal(parseQuantity('124,439,808'), 124439808);
  assert.equal(parseQuantity('2_000k'), 2e6);
  assert.deepEqual(parseList('1e13, 3e13,1e14'), [1e13, 3e13, 1e14]);
  assert.throws(() => parseQuantity('ten', '--compute'), /--compute: cannot parse "ten"/);
  assert.throws(() => parseQuantity('0', '--params'), /--params: must be a positive number/);
  assert.equal(si(124439808), '124.44M');
  assert.equal(si(1.4e12), '1.40T');
  assert.equal(bytes(1024 ** 3), '1.00 GiB');
  assert.equal(duration(7200), '2.00 h');
  assert.equal(commas(6738415616), '6,738,415,616');
});
