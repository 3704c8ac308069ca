// The fast trainer (train_core.ts: incremental counts + lazy heap) learns exactly the reference trainer's
// merges (reference_bpe.ts, minbpe-style, recounting everything each step) on random corpora, for every
// split pattern; streaming in chunks counts the same pieces as the whole text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BpeTokenizer } from '../../src/tokenizers/bpe.js';
import { referenceTrain, referenceEncodeMerges } from '../../src/tokenizers/reference_bpe.js';
import { splitWithRegex, type PatternName } from '../../src/tokenizers/patterns.js';
import { PieceCounter, trainFromText } from '../../src/tokenizers/train.js';
import { trainMerges } from '../../src/tokenizers/train_core.js';
import { corpusText, fuzzString, rng, diffMessage } from './_helpers.js';

/** Random text over a small alphabet (many ties) mixed with fuzz. */
function randomCorpus(r: () => number, n: number): string {
  const alpha = ['a', 'b', 'c', 'ab', ' ', ' a', 'ba', '\n', 'é', '1', '22', "'s", '!'];
  let s = '';
  while (s.length < n) s += r() < 0.85 ? alpha[Math.floor(r() * alpha.length)] : fuzzString(r, 1);
  return s;
}

const flat = (m: ReadonlyArray<readonly [number, number]>) => m.flat();

for (const pattern of ['gpt2', 'cl100k', 'o200k', 'none'] as PatternName[]) {
  test(`${pattern}: fast trainer = reference trainer on 12 random corpora`, () => {
    const r = rng(pattern.length * 31);
    for (let k = 0; k < 12; k++) {
      const text = randomCorpus(r, pattern === 'none' ? 300 + Math.floor(r() * 600) : 500 + Math.floor(r() * 2500));
      const numMerges = 20 + Math.floor(r() * 150);
      const ref = referenceTrain(splitWithRegex(text, pattern), numMerges);
      const def = trainFromText(text, { vocabSize: 256 + numMerges, pattern });
      assert.ok(ref.length > 0);
      assert.deepEqual(flat(def.merges!), flat(ref), diffMessage(`${pattern} corpus ${k} merges`, flat(def.merges!), flat(ref)));
    }
  });
}

test('fast trainer = reference trainer on a 60 KB slice of real text (gpt2 pattern, 300 merges)', () => {
  const text = corpusText().slice(100_000, 160_000);
  const ref = referenceTrain(splitWithRegex(text, 'gpt2'), 300);
  const def = trainFromText(text, { vocabSize: 556, pattern: 'gpt2' });
  assert.deepEqual(flat(def.merges!), flat(ref), diffMessage('real text merges', flat(def.merges!), flat(ref)));
});

test('ties go to the smallest (left, right) pair; stops early when no pair is left', () => {
  assert.deepEqual(trainMerges(new Map([['ba', 1], ['ab', 1]]), 5), [[97, 98], [98, 97]]);
  assert.deepEqual(trainMerges(new Map([['aaaa', 1]]), 10), [[97, 97], [256, 256]]);
  assert.deepEqual(trainMerges(new Map([['x', 5]]), 10), []);
  assert.deepEqual(referenceTrain(['aaaa'], 10), [[97, 97], [256, 256]]);
});

test('trained tokenizer: fast encoder = reference encoder (merges semantics) on fuzzed text', () => {
  const r = rng(5);
  const train = corpusText().slice(0, 200_000) + fuzzString(r, 2000);
  for (const pattern of ['gpt2', 'cl100k', 'o200k'] as PatternName[]) {
    const tok = BpeTokenizer.train(train, { vocabSize: 1200, pattern, specialTokens: ['<|endoftext|>'] });
    const merges = new Map<string, [number, number]>();
    tok.merges.forEach(([a, b], i) => merges.set(`${a},${b}`, [i, 256 + i]));
    for (let k = 0; k < 300; k++) {
      const s = k % 3 ? fuzzString(r, 30) : corpusText().slice(300_000 + k * 200, 300_000 + k * 200 + 200);
      const ours = tok.encode(s);
      const ref: number[] = [];
      for (const piece of splitWithRegex(s, pattern)) ref.push(...referenceEncodeMerges(new TextEncoder().encode(piece), (b) => b, merges));
      assert.deepEqual(ours, ref, diffMessage(`${pattern} #${k} ${JSON.stringify(s)}`, ours, ref));
      assert.equal(tok.decode(ours), s, `${pattern} round trip`);
    }
    assert.equal(tok.vocabSize, 1200);
    assert.equal(tok.eotId, 1199);
    assert.deepEqual(tok.encode('a<|endoftext|>', { policy: 'allow' }).slice(-1), [1199]);
  }
});

test('special tokens are left out of training and get ids after the merges', () => {
  const text = 'hello<|endoftext|>hello<|endoftext|><|pad|>world';
  const def = trainFromText(text, { vocabSize: 256 + 3 + 2, pattern: 'gpt2', specialTokens: ['<|endoftext|>', '<|pad|>'] });
  const ref = referenceTrain(['hello', 'hello', 'world'], 3);
  assert.deepEqual(def.merges, ref);
  assert.deepEqual([...(def.specialTokens as Map<string, number>)], [['<|endoftext|>', 259], ['<|pad|>', 260]]);
  assert.throws(() => trainFromText(text, { vocabSize: 257, specialTokens: ['<|a|>', '<|b|>'] }), /vocabSize 257 must be an integer >= 256 \+ 2/);
});

test('streaming: pieces counted over random chunk boundaries = counted over the whole text', () => {
  const r = rng(11);
  const text = corpusText().slice(0, 300_000) + fuzzString(r, 4000) + '<|endoftext|>' + corpusText().slice(300_000, 400_000);
  for (const pattern of ['gpt2', 'cl100k', 'o200k'] as PatternName[]) {
    const whole = new PieceCounter(pattern, ['<|endoftext|>']);
    whole.push(text); whole.end();
    const chunked = new PieceCounter(pattern, ['<|endoftext|>']);
    for (let i = 0; i < text.length;) { const n = 1 + Math.floor(r() * 3000); chunked.push(text.slice(i, i + n)); i += n; }
    chunked.end();
    assert.equal(chunked.counts.size, whole.counts.size, `${pattern}: distinct pieces`);
    for (const [p, c] of whole.counts) assert.equal(chunked.counts.get(p), c, `${pattern}: count of ${JSON.stringify(p)}`);
  }
});

test('trainFromFiles (streamed) = train on the same text in memory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmf-tok-'));
  try {
    const a = corpusText().slice(0, 150_000), b = corpusText().slice(150_000, 250_000);
    writeFileSync(join(dir, 'a.txt'), a); writeFileSync(join(dir, 'b.txt'), b);
    const seen: string[] = [];
    const fromFiles = await BpeTokenizer.trainFromFiles([join(dir, 'a.txt'), join(dir, 'b.txt')], { vocabSize: 700, pattern: 'cl100k', onProgress: (p) => seen.push(p.phase) });
    const inMemory = BpeTokenizer.train([a, b], { vocabSize: 700, pattern: 'cl100k' });
    assert.deepEqual(flat(fromFiles.merges), flat(inMemory.merges));
    assert.ok(seen.includes('count') && seen.includes('merge'));
    await assert.rejects(BpeTokenizer.trainFromFiles([join(dir, 'missing.txt')], { vocabSize: 300 }), /cannot read input file '.*missing.txt'/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
