// Hugging Face import/export against the PyTorch oracle (tools/oracle/hf_models.py). The oracle writes tiny
// random GPT-2 (hub layout: Conv1D [in, out], attn.bias buffers, vocab.json + merges.txt) and Llama models
// (GQA + untied head, BF16, 2 shards + index; tied head, F16) as transformers lays them out, and evaluates them
// with plain torch code that follows HF's modeling files (transformers itself is not installable here).
// Checked: convert --from hf -> logits (atol 2e-5 + rtol 1e-4), Llama loss (1e-5) and every gradient
// (atol 1e-5 + rtol 1e-3), greedy tokens identical (KV cache on); export -> import bit-exact (also sharded);
// the oracle loads our HF export and reproduces our logits (atol 2e-5 + rtol 1e-4) and, for Llama, grads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { convertFromHf, convertToHf } from '../../src/io/convert.js';
import { loadHfModel } from '../../src/io/hf/import.js';
import { loadCheckpoint, resolveCheckpointDir } from '../../src/train/checkpoint.js';
import { generateIds } from '../../src/generate/generate.js';
import { noGrad } from '../../src/autograd/tape.js';
import { crossEntropy, narrow, reshape } from '../../src/ops/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { loadTokenizerSync } from '../../src/tokenizers/index.js';
import { assertClose } from '../helpers/assert.js';
import { fixturePath, repoRoot } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const PYTHON = process.env.LMFORGE_PYTHON ?? '/usr/bin/python3';
const tmp = (p: string): string => tempDir(`lmforge-hf-${p}-`);
const MODELS = ['gpt2_tiny', 'llama_gqa', 'llama_tied'] as const;

/** The oracle evaluates an HF folder: logits (and loss + grads when `grads`) of `ids`. A missing torch FAILS. */
function oracleEval(modelDir: string, ids: Tensor, grads: boolean): Map<string, Tensor> {
  const dir = tmp('eval');
  writeSafetensors(join(dir, 'in.safetensors'), { ids }, { grads: grads ? '1' : '0' });
  const r = spawnSync(PYTHON, [join(repoRoot, 'tools/oracle/hf_models.py'), '--eval', modelDir, join(dir, 'in.safetensors'), join(dir, 'out.safetensors')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `the PyTorch oracle failed (needs ${PYTHON} with torch):\n${r.stderr}`);
  return readSafetensors(join(dir, 'out.safetensors')).tensors;
}

/** Mean next-token loss over ids (B, T), as the oracle computes it. */
function shiftedLoss(logits: Tensor, ids: Tensor): Tensor {
  const [B, T, V] = logits.shape as [number, number, number];
  const targets = new Int32Array(B * (T - 1));
  const idv = ids.toArray();
  for (let b = 0; b < B; b++) for (let t = 0; t < T - 1; t++) targets[b * (T - 1) + t] = idv[b * T + t + 1]!;
  return crossEntropy(reshape(narrow(logits, 1, 0, T - 1), [B * (T - 1), V]), new Tensor(targets, [B * (T - 1)]));
}

for (const name of MODELS) {
  test(`${name}: convert --from hf gives the oracle's logits${name.startsWith('llama') ? ', loss and gradients' : ''} and greedy tokens`, async () => {
    const src = fixturePath(`hf_${name}`);
    const exp = readSafetensors(fixturePath(`hf_${name}_expected.safetensors`)).tensors;
    const run = join(tmp('run'), 'run');
    const r = await convertFromHf(src, run);
    assert.deepEqual(r.warnings, []);
    const ck = loadCheckpoint(resolveCheckpointDir(run));
    assert.equal(ck.config.arch, name.startsWith('llama') ? 'llama' : 'gpt');
    if (name === 'llama_gqa') assert.ok(ck.config.arch === 'llama' && ck.config.n_kv_head === 2 && !ck.config.tie_word_embeddings && ck.config.rope_theta === 500000);
    if (name === 'llama_tied') assert.ok(ck.config.arch === 'llama' && ck.config.tie_word_embeddings && ck.config.rope_theta === 10000 && ck.config.rms_norm_eps === 1e-6);
    const ids = exp.get('ids')!;
    const { logits } = ck.model.forward(ids);
    assertClose(logits, exp.get('logits')!, 2e-5, 1e-4, `${name} logits`);
    if (exp.has('loss')) {
      const loss = shiftedLoss(logits, ids);
      assertClose([loss.item()], exp.get('loss')!, 1e-5, 0, `${name} loss`);
      loss.backward();
      let n = 0;
      for (const [pname, p] of ck.model.namedParameters()) {
        assertClose(p.grad!, exp.get(`grad.${pname}`)!, 1e-5, 1e-3, `${name} grad ${pname}`);
        n++;
      }
      assert.equal(n, [...exp.keys()].filter((k) => k.startsWith('grad.')).length, 'one torch gradient per parameter');
    }
    const prompt = Array.from(exp.get('prompt')!.toArray());
    const greedy = [...generateIds(ck.model, prompt, { maxNewTokens: 16, temperature: 0 })];
    assert.deepEqual(greedy, Array.from(exp.get('greedy')!.toArray()), `${name} greedy continuation (oracle's smallest top-2 margin ${Math.min(...exp.get('margins')!.toArray())})`);
    // the tokenizer came along and reads the same way the oracle's files do
    assert.ok(ck.tokenizerPath);
    const tok = loadTokenizerSync(ck.tokenizerPath!);
    assert.equal(tok.decode(tok.encode('Once upon a time, Lily saw the red ball.')), 'Once upon a time, Lily saw the red ball.');
    assert.equal(tok.eotId, name === 'gpt2_tiny' ? 316 : 316);
  });

  test(`${name}: export to HF then import is bit-exact, and the oracle reproduces our logits from our export`, async () => {
    const run = join(tmp('run'), 'run');
    await convertFromHf(fixturePath(`hf_${name}`), run);
    const ck = loadCheckpoint(resolveCheckpointDir(run));
    const out = tmp('export');
    const r = await convertToHf(run, out);
    assert.deepEqual(r.warnings, []);
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.deepEqual(cfg.architectures, [name === 'gpt2_tiny' ? 'GPT2LMHeadModel' : 'LlamaForCausalLM']);
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'generation_config.json']) assert.ok(existsSync(join(out, f)), `${f} written`);
    const back = loadHfModel(out);
    const a = new Map(ck.model.namedParameters()), b = new Map(back.model.namedParameters());
    assert.deepEqual([...b.keys()], [...a.keys()]);
    for (const [k, t] of a) assert.deepEqual(b.get(k)!.toArray(), t.toArray(), `${k} bit-exact after export + import`);
    const ids = readSafetensors(fixturePath(`hf_${name}_expected.safetensors`)).tensors.get('ids')!;
    const ours = ck.model.forward(ids).logits;
    assert.deepEqual(back.model.forward(ids).logits.toArray(), ours.toArray(), 'logits bit-exact');
    // HF-layout specifics of the GPT-2 export: transformer. prefix and Conv1D [in, out] weights, no lm_head
    const st = readSafetensors(join(out, 'model.safetensors'));
    assert.equal(st.metadata.format, 'pt');
    if (name === 'gpt2_tiny') {
      assert.deepEqual(st.tensors.get('transformer.h.0.attn.c_attn.weight')!.shape, [32, 96]);
      assert.ok(!st.tensors.has('lm_head.weight'));
    }
    const torch = oracleEval(out, ids, name.startsWith('llama'));
    assertClose(ours, torch.get('logits')!, 2e-5, 1e-4, `${name}: oracle on our export`);
    if (torch.has('loss')) {
      const loss = shiftedLoss(ours, ids);
      assertClose([loss.item()], torch.get('loss')!, 1e-5, 0, `${name}: loss`);
      loss.backward();
      for (const [pname, p] of ck.model.namedParameters()) assertClose(p.grad!, torch.get(`grad.${pname}`)!, 1e-5, 1e-3, `${name}: grad ${pname} (oracle on our export)`);
    }
  });
}

test('sharded BF16 export (max shard size) loads back, and the oracle reads the shards', async () => {
  const run = join(tmp('run'), 'run');
  await convertFromHf(fixturePath('hf_llama_gqa'), run);
  const out = tmp('shards');
  await convertToHf(run, out, { dtype: 'BF16', maxShardBytes: 20_000 });
  const shards = readdirSync(out).filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f));
  assert.ok(shards.length >= 3, `several shards, got ${shards.join(', ')}`);
  assert.ok(!existsSync(join(out, 'model.safetensors')));
  const index = JSON.parse(readFileSync(join(out, 'model.safetensors.index.json'), 'utf8'));
  assert.deepEqual(new Set(Object.values(index.weight_map)), new Set(shards));
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).torch_dtype, 'bfloat16');
  // the fixture was BF16 already, so BF16 export of its weights is exact
  const ck = loadCheckpoint(resolveCheckpointDir(run));
  const back = loadHfModel(out);
  assert.deepEqual(back.dtypes, ['BF16']);
  for (const [k, t] of ck.model.namedParameters()) assert.deepEqual(back.model.stateDict().get(k)!.toArray(), t.toArray(), k);
  const ids = readSafetensors(fixturePath('hf_llama_gqa_expected.safetensors')).tensors.get('ids')!;
  assertClose(noGrad(() => ck.model.forward(ids).logits), oracleEval(out, ids, false).get('logits')!, 2e-5, 1e-4, 'oracle on sharded export');
  // re-export as one file into the same folder: stale shards and index are removed
  await convertToHf(run, out);
  assert.deepEqual(readdirSync(out).filter((f) => f.includes('safetensors')).sort(), ['model.safetensors']);
});
