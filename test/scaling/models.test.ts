// scaling/params against the instantiated lmforge GPT model: the same parameter names in the same order, the
// same sizes (weights compared up to GPT-2's Conv1D [in, out] vs Linear [out, in] orientation), the same total.
import test from 'node:test';
import assert from 'node:assert/strict';
import { GPT, resolveGPTConfig, type GPTConfig } from '../../src/models/gpt.js';
import { parameterTable, numel } from '../../src/scaling/params.js';
import { countParams } from '../../src/scaling/counts.js';
import { shapeFromConfig } from '../../src/scaling/config.js';

const CONV1D = /(c_attn|c_proj|c_fc)\.weight$/;

const CONFIGS: Partial<GPTConfig>[] = [
  { n_layer: 2, n_head: 2, n_embd: 32, block_size: 16, vocab_size: 50 },
  { n_layer: 3, n_head: 4, n_embd: 64, block_size: 32, vocab_size: 65, bias: false },
  { n_layer: 1, n_head: 1, n_embd: 16, block_size: 8, vocab_size: 11, tie_word_embeddings: false },
  { n_layer: 2, n_head: 3, n_embd: 48, block_size: 24, vocab_size: 97, positions: 'sinusoidal', bias: false, tie_word_embeddings: false },
];

for (const raw of CONFIGS) {
  const cfg = resolveGPTConfig(raw);
  test(`GPT ${JSON.stringify(raw)}: parameterTable = model.namedParameters()`, () => {
    const model = new GPT(cfg, { init: false });
    const actual = model.namedParameters().map(([n, t]) => ({ name: n, shape: [...t.shape] }));
    const shape = shapeFromConfig(cfg as unknown as Record<string, unknown>, 'GPTConfig'); // lmforge's own config keys
    const expected = parameterTable(shape);
    assert.deepEqual(actual.map((e) => e.name), expected.map((e) => e.name));
    for (const [i, e] of expected.entries()) {
      const want = CONV1D.test(e.name) ? [...e.shape].reverse() : e.shape;
      assert.deepEqual(actual[i]!.shape, want, e.name);
    }
    const total = actual.reduce((s, e) => s + numel(e.shape), 0);
    assert.equal(countParams(shape).params, total);
    assert.equal(countParams(shape).params, model.countParameters());
    // nanoGPT's get_num_params() (wpe excluded) is our 6N count when the head is tied
    if (cfg.tie_word_embeddings) assert.equal(countParams(shape).matmul_params, model.countParameters(true));
    else assert.equal(countParams(shape).matmul_params, model.countParameters(true) - cfg.vocab_size * cfg.n_embd);
  });
}
