// Export of GPT variants HF's GPT-2 cannot state directly: no biases (written as zeros, same logits, with a
// warning) and sinusoidal positions (refused for HF; written as a fixed position table in GGUF, same logits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { GPT } from '../../src/models/gpt.js';
import { exportHfModel } from '../../src/io/hf/export.js';
import { loadHfModel } from '../../src/io/hf/import.js';
import { readModelGguf, writeModelGguf } from '../../src/io/gguf_model.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/autograd/tape.js';
import { tempDir } from '../helpers/tmp.js';

const cfg = { n_layer: 2, n_head: 2, n_embd: 16, block_size: 12, vocab_size: 40 };
const ids = new Tensor(Int32Array.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]), [1, 10]);

test('a GPT without biases exports to HF with zero biases and the same logits (bit-exact)', () => {
  const m = new GPT({ ...cfg, bias: false }, { seed: 5 });
  const dir = tempDir('lmforge-hfx-');
  const r = exportHfModel(m, dir);
  assert.ok(r.warnings.some((w) => /no biases: GPT-2 always has them, so they are written as zeros/.test(w)), r.warnings.join('; '));
  const back = loadHfModel(dir).model;
  assert.equal(back.config.arch === 'gpt' && back.config.bias, true);
  assert.deepEqual(noGrad(() => back.forward(ids).logits).toArray(), noGrad(() => m.forward(ids).logits).toArray());
});

test('sinusoidal positions: refused for HF, a fixed position table in GGUF with the same logits', () => {
  const m = new GPT({ ...cfg, positions: 'sinusoidal', activation: 'gelu_tanh' }, { seed: 6 });
  assert.throws(() => exportHfModel(m, tempDir('lmforge-hfx-')), /GPT-2 has learned position embeddings only; this model uses positions 'sinusoidal'/);
  const file = join(tempDir('lmforge-hfx-'), 'm.gguf');
  const { warnings } = writeModelGguf(m, file, { tokenizer: null });
  assert.ok(warnings.some((w) => /sinusoidal positions are written as a fixed position_embd table/.test(w)));
  const back = readModelGguf(file).model;
  const a = noGrad(() => back.forward(ids).logits).toArray(), b = noGrad(() => m.forward(ids).logits).toArray();
  let maxd = 0;
  for (let i = 0; i < a.length; i++) maxd = Math.max(maxd, Math.abs(a[i]! - b[i]!));
  assert.ok(maxd <= 1e-6, `logits differ by ${maxd} (tolerance 1e-6: the table is float32 either way)`);
});
