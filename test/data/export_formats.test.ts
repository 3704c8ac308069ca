// nanoGPT and llm.c token shards, byte for byte: nanoGPT train.bin/val.bin are the raw uint16 tokens and
// meta.pkl unpickles to {'vocab_size': V}; llm.c shards carry the 256-int32 header (20240520, 1, count) then
// uint16 tokens, split at shardTokens. numpy/pickle (/usr/bin/python3) read them as those trainers do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportShards } from '../../src/data/export_formats.js';
import { Dataset } from '../../src/data/dataset.js';
import { syntheticData } from '../helpers/synthetic_data.js';
import { tempDir } from '../helpers/tmp.js';

const PYTHON = process.env.LMFORGE_PYTHON ?? '/usr/bin/python3';

function tokensOf(dataDir: string, split: 'train' | 'val'): number[] {
  const s = Dataset.open(dataDir).open(split);
  try { return Array.from(s.read(0, s.length)); } finally { s.close(); }
}
const u16 = (ids: number[]): Buffer => { const b = Buffer.alloc(ids.length * 2); ids.forEach((v, i) => b.writeUInt16LE(v, 2 * i)); return b; };

test('nanoGPT: train.bin / val.bin are raw uint16 tokens, meta.pkl holds vocab_size; numpy reads them back', () => {
  const data = syntheticData(300, { train: 5000, val: 700, test: 300 });
  const out = tempDir('lmforge-nanogpt-');
  const files = exportShards(data, 'nanogpt', out);
  assert.deepEqual(files.map((f) => [f.split, f.tokens]), [['train', 5000], ['val', 700]]);
  assert.deepEqual(readdirSync(out).sort(), ['meta.pkl', 'train.bin', 'val.bin'], 'the test split stays held out');
  const train = tokensOf(data, 'train'), val = tokensOf(data, 'val');
  assert.ok(Buffer.compare(readFileSync(join(out, 'train.bin')), u16(train)) === 0, 'train.bin bytes');
  assert.ok(Buffer.compare(readFileSync(join(out, 'val.bin')), u16(val)) === 0, 'val.bin bytes');
  const py = `import numpy as np, pickle, sys, json
d = sys.argv[1]
t = np.memmap(d + '/train.bin', dtype=np.uint16, mode='r'); v = np.memmap(d + '/val.bin', dtype=np.uint16, mode='r')
print(json.dumps({'meta': pickle.load(open(d + '/meta.pkl', 'rb')), 'train': [int(len(t)), int(t[:50].astype(np.int64).sum()), int(t[-1])], 'val': [int(len(v)), int(v[0])]}))`;
  const r = spawnSync(PYTHON, ['-c', py, out], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python/numpy needed: ${r.stderr}`);
  assert.deepEqual(JSON.parse(r.stdout), { meta: { vocab_size: 300 }, train: [5000, train.slice(0, 50).reduce((a, b) => a + b), train.at(-1)], val: [700, val[0]] });
});

test('llm.c: 256-int32 header (magic 20240520, version 1, count) + uint16 tokens, split at shardTokens', () => {
  const data = syntheticData(50, { train: 2500, val: 400, test: 100 });
  const out = tempDir('lmforge-llmc-');
  const files = exportShards(data, 'llmc', out, { shardTokens: 1000, prefix: 'tiny' });
  assert.deepEqual(files.map((f) => [f.path.slice(out.length + 1), f.tokens]), [
    ['tiny_train_000000.bin', 1000], ['tiny_train_000001.bin', 1000], ['tiny_train_000002.bin', 500], ['tiny_val_000000.bin', 400],
  ]);
  const train = tokensOf(data, 'train');
  for (const [k, f] of files.filter((f) => f.split === 'train').entries()) {
    const b = readFileSync(f.path);
    assert.equal(b.length, 1024 + 2 * f.tokens);
    const header = Array.from({ length: 256 }, (_, i) => b.readInt32LE(4 * i));
    assert.deepEqual(header.slice(0, 3), [20240520, 1, f.tokens]);
    assert.ok(header.slice(3).every((x) => x === 0), 'reserved header ints are 0');
    assert.ok(Buffer.compare(b.subarray(1024), u16(train.slice(1000 * k, 1000 * k + f.tokens))) === 0, `${f.path} tokens`);
  }
  // read the way llm.c's dataloader does (header then uint16), with numpy
  const py = `import numpy as np, sys
h = np.fromfile(sys.argv[1], dtype=np.int32, count=256); t = np.fromfile(sys.argv[1], dtype=np.uint16, offset=1024)
assert h[0] == 20240520 and h[1] == 1 and h[2] == len(t), (h[:3], len(t)); print(int(t.astype(np.int64).sum()))`;
  const r = spawnSync(PYTHON, ['-c', py, join(out, 'tiny_val_000000.bin')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python/numpy needed: ${r.stderr}`);
  assert.equal(Number(r.stdout), tokensOf(data, 'val').reduce((a, b) => a + b));
});

test('a vocabulary that does not fit uint16 and an unknown format are refused', () => {
  const data = syntheticData(16);
  const meta = JSON.parse(readFileSync(join(data, 'meta.json'), 'utf8'));
  meta.tokenizer.vocab_size = 100277;
  // a copy of the folder with a cl100k-sized vocabulary
  const big = tempDir('lmforge-big-');
  for (const f of readdirSync(data)) copyFileSync(join(data, f), join(big, f));
  writeFileSync(join(big, 'meta.json'), JSON.stringify(meta));
  assert.throws(() => exportShards(big, 'llmc', tempDir('x-')), /llmc stores tokens as uint16, but the data's tokenizer has 100277 tokens \(at most 65,536 fit\)/);
  assert.throws(() => exportShards(data, 'megatron' as never, tempDir('x-')), /format must be 'nanogpt' or 'llmc', got 'megatron'/);
});
