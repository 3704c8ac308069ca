// Bad Hugging Face inputs give errors that name the file, the field or tensor, and what was expected:
// unsupported architectures and features, missing shards, shapes that disagree with config.json, missing
// and unexpected keys, pickle-only folders, malformed GPT-2 vocab files. Nothing is written on failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadHfModel } from '../../src/io/hf/import.js';
import { hfToModelConfig } from '../../src/io/hf/config.js';
import { gpt2VocabToTokenizerJson } from '../../src/io/hf/tokenizer.js';
import { convertFromHf } from '../../src/io/convert.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { fixturePath } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

function copyFixture(name: string): string {
  const dir = join(tempDir('lmforge-hferr-'), name);
  cpSync(fixturePath(name), dir, { recursive: true });
  return dir;
}
const editConfig = (dir: string, edit: (c: Record<string, unknown>) => void): void => {
  const p = join(dir, 'config.json');
  const c = JSON.parse(readFileSync(p, 'utf8'));
  edit(c);
  writeFileSync(p, JSON.stringify(c));
};

test('unsupported architecture and features are named, with the file', () => {
  assert.throws(() => hfToModelConfig({ architectures: ['MistralForCausalLM'], model_type: 'mistral' }, 'm/config.json'),
    /^Error: m\/config.json: unsupported architecture: architectures \["MistralForCausalLM"\] \(supported: GPT2LMHeadModel \(model_type gpt2\), LlamaForCausalLM \(model_type llama\)\)$/);
  assert.throws(() => hfToModelConfig({ model_type: 'bert' }, 'b/config.json'), /b\/config.json: unsupported architecture: model_type 'bert'/);
  assert.throws(() => hfToModelConfig({}, 'x/config.json'), /no "architectures" or "model_type" field/);
  const llama = JSON.parse(readFileSync(join(fixturePath('hf_llama_gqa'), 'config.json'), 'utf8'));
  assert.throws(() => hfToModelConfig({ ...llama, rope_scaling: { type: 'linear', factor: 2 } }, 'c.json'), /c.json: unsupported "rope_scaling": \{"type":"linear","factor":2\} \(RoPE scaling is not implemented\)/);
  assert.throws(() => hfToModelConfig({ ...llama, hidden_act: 'gelu' }, 'c.json'), /c.json: unsupported "hidden_act": "gelu"/);
  assert.throws(() => hfToModelConfig({ ...llama, attention_bias: true }, 'c.json'), /unsupported "attention_bias": true/);
  assert.throws(() => hfToModelConfig({ ...llama, num_key_value_heads: 3 }, 'c.json'), /c.json: Llama config: n_head \(4\) must be a multiple of n_kv_head \(3\)/);
  const { hidden_size: _, ...noHidden } = llama;
  assert.throws(() => hfToModelConfig(noHidden, 'c.json'), /c.json: "hidden_size" is missing/);
  const gpt2 = JSON.parse(readFileSync(join(fixturePath('hf_gpt2_tiny'), 'config.json'), 'utf8'));
  assert.throws(() => hfToModelConfig({ ...gpt2, n_inner: 100 }, 'g.json'), /g.json: unsupported "n_inner": 100 \(lmforge's GPT uses an MLP of 4·n_embd = 128\)/);
  assert.throws(() => hfToModelConfig({ ...gpt2, activation_function: 'relu' }, 'g.json'), /unsupported "activation_function": "relu"/);
});

test('a missing shard names the file and the tensors it should hold; nothing is written', async () => {
  const dir = copyFixture('hf_llama_gqa');
  rmSync(join(dir, 'model-00002-of-00002.safetensors'));
  assert.throws(() => loadHfModel(dir), (e: Error) => {
    assert.match(e.message, /model-00002-of-00002\.safetensors: missing shard \(model\.safetensors\.index\.json maps 11 tensors to it: lm_head\.weight, model\.layers\.1\.input_layernorm\.weight, .* and 6 more\)/);
    return true;
  });
  const out = join(dir, '..', 'run');
  await assert.rejects(convertFromHf(dir, out), /missing shard/);
  assert.ok(!existsSync(out), 'no run folder after a failed conversion');
});

test('a tensor listed in the index but absent from its shard is named', () => {
  const dir = copyFixture('hf_llama_gqa');
  const p = join(dir, 'model.safetensors.index.json');
  const idx = JSON.parse(readFileSync(p, 'utf8'));
  idx.weight_map['model.layers.0.mlp.up_proj.weight'] = 'model-00002-of-00002.safetensors';
  writeFileSync(p, JSON.stringify(idx));
  assert.throws(() => loadHfModel(dir), /model-00002-of-00002\.safetensors: tensor 'model\.layers\.0\.mlp\.up_proj\.weight' is listed in model\.safetensors\.index\.json but is not in this shard/);
});

test('shapes that disagree with config.json are listed with file, key, expected and actual shape', () => {
  const dir = copyFixture('hf_llama_gqa');
  editConfig(dir, (c) => { c.intermediate_size = 48; });
  assert.throws(() => loadHfModel(dir), (e: Error) => {
    assert.match(e.message, /weights do not match config\.json \(LlamaForCausalLM\): mismatches \(6\)/);
    assert.match(e.message, /model-00001-of-00002\.safetensors: model\.layers\.0\.mlp\.down_proj\.weight: config\.json implies \[32, 48\], the file has \[32, 40\]/);
    return true;
  });
  const g = copyFixture('hf_gpt2_tiny');
  editConfig(g, (c) => { c.n_positions = 16; });
  assert.throws(() => loadHfModel(g), /model\.safetensors: wpe\.weight: config\.json implies \[16, 32\], the file has \[32, 32\]/);
});

test('missing and unexpected keys are listed (strict key check)', () => {
  const dir = copyFixture('hf_llama_tied');
  const p = join(dir, 'model.safetensors');
  const { tensors, metadata } = readSafetensors(p);
  const renamed = new Map<string, Tensor>();
  for (const [k, v] of tensors) renamed.set(k === 'model.layers.0.mlp.up_proj.weight' ? 'model.layers.0.mlp.upproj.weight' : k, v);
  renamed.set('model.layers.0.self_attn.q_proj.bias', new Tensor(new Float32Array(48), [48]));
  writeSafetensors(p, renamed, metadata);
  assert.throws(() => loadHfModel(dir), (e: Error) => {
    assert.match(e.message, /missing keys \(1\): model\.layers\.0\.mlp\.up_proj\.weight/);
    assert.match(e.message, /unexpected keys \(2\): model\.layers\.0\.mlp\.upproj\.weight \(model\.safetensors\), model\.layers\.0\.self_attn\.q_proj\.bias \(model\.safetensors\)/);
    return true;
  });
});

test('a non-float tensor, a pickle-only folder and a missing config.json are explained', () => {
  const dir = copyFixture('hf_llama_tied');
  const p = join(dir, 'model.safetensors');
  const { tensors, metadata } = readSafetensors(p);
  tensors.set('model.norm.weight', new Tensor(new Int32Array(48), [48]));
  writeSafetensors(p, tensors, metadata);
  assert.throws(() => loadHfModel(dir), /model\.safetensors: model\.norm\.weight: dtype I32 is not a float type \(F32, F16, BF16, F64\)/);
  rmSync(p);
  writeFileSync(join(dir, 'pytorch_model.bin'), 'not really');
  assert.throws(() => loadHfModel(dir), /no model\.safetensors or model\.safetensors\.index\.json \(only pytorch_model\.bin: pickle checkpoints are not read; convert them to safetensors first\)/);
  rmSync(join(dir, 'config.json'));
  assert.throws(() => loadHfModel(dir), /: no config\.json \(not a Hugging Face model folder\)/);
});

test('GPT-2 vocab files: tokenizer.json built from them; malformed lines are named', () => {
  const vocab = JSON.stringify({ a: 0, b: 1, ab: 2, '<|endoftext|>': 3 });
  const tj = JSON.parse(gpt2VocabToTokenizerJson(vocab, '#version: 0.2\na b\n'));
  assert.deepEqual(tj.model.merges, ['a b']);
  assert.deepEqual(tj.added_tokens.map((t: { id: number; content: string }) => [t.id, t.content]), [[3, '<|endoftext|>']]);
  assert.throws(() => gpt2VocabToTokenizerJson(vocab, '#version: 0.2\na b c\n', 'v.json', 'm.txt'), /m\.txt: line 2: expected two tokens separated by one space, got 'a b c'/);
  assert.throws(() => gpt2VocabToTokenizerJson(vocab, 'a x\n', 'v.json', 'm.txt'), /m\.txt: line 1: token 'x' is not in v\.json/);
  assert.throws(() => gpt2VocabToTokenizerJson('{"a": "zero"}', '', 'v.json', 'm.txt'), /v\.json: entry "a" has id "zero", expected a non-negative integer/);
  assert.throws(() => gpt2VocabToTokenizerJson('{oops', '', 'v.json', 'm.txt'), /v\.json: invalid JSON/);
});
