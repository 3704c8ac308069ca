// Data preparation: document splits are deterministic and whole, shards match meta.json, the
// tokenizer can be trained on the train split only, bad input names the file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { prepare } from '../../src/data/prepare.js';
import { documents } from '../../src/data/corpus.js';
import { Dataset } from '../../src/data/dataset.js';
import { BpeTokenizer, loadTokenizerSync } from '../../src/tokenizers/index.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = (): string => tempDir('lmforge-prep-');

function corpusDir(): string {
  const dir = tmp();
  mkdirSync(join(dir, 'sub'));
  const docs: string[] = [];
  for (let i = 0; i < 60; i++) docs.push(`Document number ${i}: ${'the quick brown fox jumps over the lazy dog. '.repeat(1 + (i % 4))}`);
  docs.slice(0, 20).forEach((d, i) => writeFileSync(join(dir, `a${String(i).padStart(2, '0')}.txt`), d));
  writeFileSync(join(dir, 'sub', 'more.jsonl'), docs.slice(20).map((d) => JSON.stringify({ text: d })).join('\n') + '\n');
  return dir;
}

function readSplit(ds: Dataset, split: 'train' | 'val'): number[] {
  const s = ds.open(split);
  const ids = Array.from(s.read(0, s.length));
  s.close();
  return ids;
}

test('prepare: deterministic, split by whole documents, meta matches the shards', async () => {
  const input = corpusDir();
  const a = tmp(), b = tmp();
  const ra = await prepare({ inputs: [input], tokenizer: 'gpt2', out: a, valFrac: 0.2, testFrac: 0.2, seed: 7 });
  await prepare({ inputs: [input], tokenizer: 'gpt2', out: b, valFrac: 0.2, testFrac: 0.2, seed: 7 });
  for (const f of ['train.bin', 'val.bin', 'test.bin', 'meta.json']) assert.deepEqual(readFileSync(join(a, f)), readFileSync(join(b, f)), `${f} identical run to run`);
  const m = ra.meta;
  assert.equal(m.dtype, 'uint16');
  assert.equal(m.splits.train.docs + m.splits.val.docs + m.splits.test.docs, 60);
  const ds = Dataset.open(a);
  const tok = loadTokenizerSync(ds.tokenizerPath);
  // every val document is whole: decoding the shard gives complete documents separated by <|endoftext|>
  const val = tok.decode(readSplit(ds, 'val'));
  const pieces = val.split('<|endoftext|>').filter((s) => s.length);
  assert.equal(pieces.length, m.splits.val.docs);
  for (const p of pieces) assert.match(p, /^Document number \d+: (the quick brown fox jumps over the lazy dog\. ){1,4}$/);
  assert.equal(Buffer.byteLength(pieces.join(''), 'utf8'), m.splits.val.bytes);
  const c = await prepare({ inputs: [input], tokenizer: 'gpt2', out: tmp(), valFrac: 0.2, testFrac: 0.2, seed: 8 });
  assert.notDeepEqual(c.meta.splits, m.splits, 'another seed, another split');
});

test('prepare: a BPE trained on the train split only; uint32 shards for large vocabularies', async () => {
  const input = corpusDir();
  const out = tmp();
  await prepare({ inputs: [input], tokenizer: 'bpe', vocabSize: 300, out, valFrac: 0.2, testFrac: 0.2, seed: 3 });
  const ds = Dataset.open(out);
  // retrain from the train documents alone: same merges
  const trainDocs: string[] = [];
  const { Rng } = await import('../../src/tensor/rng.js');
  const rng = new Rng(3);
  for (const d of documents([input])) { const u = rng.uniform(); if (u >= 0.4) trainDocs.push(d.text); }
  const expected = BpeTokenizer.train(trainDocs, { vocabSize: 300, pattern: 'gpt2', specialTokens: ['<|endoftext|>'] });
  const got = loadTokenizerSync(ds.tokenizerPath);
  const probe = 'the quick brown fox jumps over the lazy dog. Document number 42';
  assert.deepEqual(got.encode(probe), expected.encode(probe));
  assert.equal(got.vocabSize, 300);
  const big = await prepare({ inputs: [input], tokenizer: 'o200k_base', out: tmp(), valFrac: 0.2, testFrac: 0.2 });
  assert.equal(big.meta.dtype, 'uint32');
});

test('prepare: char tokenizer on a single text file keeps it contiguous in ~8 KB paragraph chunks', async () => {
  const dir = tmp();
  const paras = Array.from({ length: 3000 }, (_, i) => `Paragraph ${i}. ${'lorem ipsum dolor sit amet '.repeat(5)}`);
  writeFileSync(join(dir, 'book.txt'), paras.join('\n\n'));
  const out = tmp();
  const r = await prepare({ inputs: [join(dir, 'book.txt')], tokenizer: 'char', out, valFrac: 0.1, testFrac: 0.1, seed: 1 });
  const total = r.meta.splits.train.bytes + r.meta.splits.val.bytes + r.meta.splits.test.bytes;
  assert.equal(total, Buffer.byteLength(paras.join('\n\n'), 'utf8') + 1, 'all text accounted for (plus the final separator)');
  assert.ok(r.meta.splits.train.docs > 3);
  const tok = loadTokenizerSync(join(out, 'tokenizer.json'));
  assert.equal(tok.kind, 'char');
});

test('the built-in corpus is 100,000 sentence documents', () => {
  let n = 0, bytes = 0;
  for (const d of documents([])) { n++; bytes += d.text.length; }
  assert.equal(n, 100000);
  assert.ok(bytes > 8e6, `${bytes} characters`);
});

test('prepare: bad input names the file and the line', async () => {
  await assert.rejects(prepare({ inputs: ['/no/such/file.txt'], tokenizer: 'gpt2', out: tmp() }), /input \/no\/such\/file.txt: no such file or folder/);
  const dir = tmp();
  writeFileSync(join(dir, 'bad.jsonl'), '{"text": "ok"}\n{"text": oops}\n');
  await assert.rejects(prepare({ inputs: [join(dir, 'bad.jsonl')], tokenizer: 'gpt2', out: tmp() }), /bad\.jsonl:2: invalid JSON/);
  writeFileSync(join(dir, 'one.jsonl'), '{"text": "only one document"}\n');
  await assert.rejects(prepare({ inputs: [join(dir, 'one.jsonl')], tokenizer: 'gpt2', out: tmp() }), /the (val|test|train) split got no documents/);
  await assert.rejects(prepare({ inputs: [], tokenizer: 'gpt2', out: tmp(), valFrac: 0.6, testFrac: 0.5 }), /must be > 0 and sum to less than 1/);
  await assert.rejects(prepare({ inputs: [join(dir, 'one.jsonl')], tokenizer: 'nope', out: tmp() }), /tokenizer 'nope': no such file/);
});
