// Checkpoints are self-describing and strict: a renamed key fails with the missing and unexpected
// keys listed; foreign, corrupt or mismatched files give errors that name the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GPT } from '../../src/models/gpt.js';
import { loadCheckpoint, resolveCheckpointDir, saveCheckpoint } from '../../src/train/checkpoint.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { tempDir } from '../helpers/tmp.js';

function saved(): string {
  const run = join(tempDir('lmforge-ck-'), 'run');
  const model = new GPT({ n_layer: 1, n_head: 2, n_embd: 8, block_size: 8, vocab_size: 11 }, { seed: 1 });
  saveCheckpoint({ runDir: run, step: 5, model, tokenizerPath: null, state: { note: 'x' }, isBest: true, bestValLoss: 1.5, keepLast: 2 });
  return run;
}

test('round trip: the loaded model has the saved weights and config', () => {
  const run = saved();
  const ck = loadCheckpoint(resolveCheckpointDir(run));
  const again = new GPT({ n_layer: 1, n_head: 2, n_embd: 8, block_size: 8, vocab_size: 11 }, { seed: 1 });
  const a = ck.model.namedParameters(), b = again.namedParameters();
  assert.deepEqual(a.map(([n]) => n), b.map(([n]) => n));
  a.forEach(([n, t], i) => assert.deepEqual(t.toArray(), b[i]![1].toArray(), n));
  assert.equal(ck.state.step, 5);
  assert.equal(ck.config.n_embd, 8);
});

test('a renamed key fails with a readable diff of missing and unexpected keys', () => {
  const run = saved();
  const dir = resolveCheckpointDir(run);
  const file = join(dir, 'model.safetensors');
  const { tensors, metadata } = readSafetensors(file);
  const renamed = new Map([...tensors].map(([k, v]) => [k === 'h.0.attn.c_attn.weight' ? 'h.0.attn.qkv.weight' : k, v]));
  writeSafetensors(file, renamed, metadata);
  assert.throws(() => loadCheckpoint(dir), /missing keys \(1\): h\.0\.attn\.c_attn\.weight; unexpected keys \(1\): h\.0\.attn\.qkv\.weight/);
});

test('foreign, corrupt and mismatched checkpoints name the file', () => {
  let dir = resolveCheckpointDir(saved());
  const file = join(dir, 'model.safetensors');
  const { tensors } = readSafetensors(file);
  writeSafetensors(file, tensors, { format: 'pt' });
  assert.throws(() => loadCheckpoint(dir), /model\.safetensors: foreign checkpoint \(metadata format 'pt'\); convert it with `lmforge convert --from hf`/);

  dir = resolveCheckpointDir(saved());
  truncateSync(join(dir, 'model.safetensors'), statSync(join(dir, 'model.safetensors')).size - 10);
  assert.throws(() => loadCheckpoint(dir), /safetensors: .*model\.safetensors/);

  dir = resolveCheckpointDir(saved());
  writeFileSync(join(dir, 'config.json'), '{"arch": "gpt", "n_layer": 1, "n_head": 3, "n_embd": 8}');
  assert.throws(() => loadCheckpoint(dir), /config\.json: GPT config: n_embd \(8\) must be divisible by n_head \(3\)/);
  writeFileSync(join(dir, 'config.json'), '{"arch": "bert"}');
  assert.throws(() => loadCheckpoint(dir), /config\.json: unsupported architecture 'bert'/);
  writeFileSync(join(dir, 'config.json'), 'not json');
  assert.throws(() => loadCheckpoint(dir), /config\.json: cannot read model config/);

  const run = saved();
  const idx = JSON.parse(readFileSync(join(run, 'checkpoints.json'), 'utf8'));
  writeFileSync(join(run, 'checkpoints.json'), JSON.stringify({ ...idx, version: 99 }));
  assert.throws(() => resolveCheckpointDir(run), /run index version 99 is not supported/);
  assert.throws(() => resolveCheckpointDir(join(run, 'nope')), /no such folder/);
});
