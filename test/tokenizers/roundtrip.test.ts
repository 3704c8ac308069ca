// Property tests: encode -> decode gives back any string exactly, and encodeBytes -> decodeBytes gives back
// any byte string exactly (invalid UTF-8 included), for the named vocabularies, trained tokenizers of every
// pattern, and the char tokenizer. count() always equals encode().length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BpeTokenizer } from '../../src/tokenizers/bpe.js';
import { CharTokenizer } from '../../src/tokenizers/char.js';
import { loadNamedTokenizer } from '../../src/tokenizers/named.js';
import type { Tokenizer } from '../../src/tokenizers/types.js';
import { utf8DecodeEscaped, utf8EncodeEscaped } from '../../src/tokenizers/utf8.js';
import { bytesToUnicode, unicodeToBytes, GPT2_BYTE_ORDER } from '../../src/tokenizers/byte_unicode.js';
import { corpusText, fuzzBytes, fuzzString, rng, FRAGMENTS } from './_helpers.js';

const trainText = () => corpusText().slice(0, 150_000) + fuzzString(rng(77), 3000);
const tokenizers: Array<[string, () => Tokenizer]> = [
  ['gpt2', () => loadNamedTokenizer('gpt2')],
  ['cl100k_base', () => loadNamedTokenizer('cl100k_base')],
  ['o200k_base', () => loadNamedTokenizer('o200k_base')],
  ['trained gpt2 pattern', () => BpeTokenizer.train(trainText(), { vocabSize: 800, pattern: 'gpt2' })],
  ['trained cl100k pattern', () => BpeTokenizer.train(trainText(), { vocabSize: 800, pattern: 'cl100k' })],
  ['trained o200k pattern', () => BpeTokenizer.train(trainText(), { vocabSize: 800, pattern: 'o200k' })],
  ['trained no pattern', () => BpeTokenizer.train(trainText().slice(0, 20_000), { vocabSize: 400, pattern: 'none' })],
];

for (const [name, make] of tokenizers) {
  test(`${name}: decode(encode(s)) = s on 1,500 fuzzed strings; count = encode length`, () => {
    const tok = make();
    const r = rng(name.length);
    const fams = Object.keys(FRAGMENTS).filter((f) => f !== 'surrogate');
    for (let k = 0; k < 1500; k++) {
      const s = fuzzString(r, 1 + Math.floor(r() * 50), fams);
      const ids = tok.encode(s, { policy: 'text' });
      assert.equal(tok.decode(ids), s, `${name} #${k}: ${JSON.stringify(s)}`);
      assert.equal(tok.count(s, { policy: 'text' }), ids.length);
    }
  });

  test(`${name}: decodeBytes(encodeBytes(b)) = b on 1,500 fuzzed byte strings (invalid UTF-8 included)`, () => {
    const tok = make();
    const r = rng(name.length + 100);
    for (let k = 0; k < 1500; k++) {
      const b = fuzzBytes(r, 1 + Math.floor(r() * 80));
      const back = tok.decodeBytes(tok.encodeBytes(b, { policy: 'text' }));
      assert.deepEqual(Array.from(back), Array.from(b), `${name} #${k}: ${Buffer.from(b).toString('hex')}`);
    }
  });
}

test('lone surrogates encode as U+FFFD (like TextEncoder and tiktoken)', () => {
  const tok = loadNamedTokenizer('cl100k_base');
  assert.equal(tok.decode(tok.encode('a\ud800b\udfffc')), 'a\ufffdb\ufffdc');
});

test('surrogate-escaped UTF-8 decoding is lossless on 2,000 fuzzed byte strings', () => {
  const r = rng(4);
  for (let k = 0; k < 2000; k++) {
    const b = fuzzBytes(r, 1 + Math.floor(r() * 60));
    assert.deepEqual(Array.from(utf8EncodeEscaped(utf8DecodeEscaped(b))), Array.from(b));
  }
});

test('GPT-2 byte <-> unicode map (FACTS.md §4)', () => {
  assert.equal(bytesToUnicode(Uint8Array.of(0x20)), '\u0120');
  assert.equal(bytesToUnicode(Uint8Array.of(0x0a)), '\u010a');
  assert.equal(bytesToUnicode(Uint8Array.of(0x09)), '\u0109');
  assert.equal(bytesToUnicode(Uint8Array.of(0x00)), '\u0100');
  assert.equal(bytesToUnicode(Uint8Array.of(0xad)), '\u0143');
  assert.equal(bytesToUnicode(Uint8Array.of(0x21, 0x7e, 0xa1, 0xff)), '!~¡ÿ');
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(Array.from(unicodeToBytes(bytesToUnicode(all))!), Array.from(all));
  assert.equal(unicodeToBytes('\u0500'), null);
  assert.equal(GPT2_BYTE_ORDER.length, 256);
  assert.deepEqual(GPT2_BYTE_ORDER.slice(0, 3), [33, 34, 35]);
  assert.equal(GPT2_BYTE_ORDER[188], 0);
});

test('char tokenizer: round trip, unknown characters named, specials by policy', () => {
  const text = corpusText().slice(0, 50_000);
  const tok = CharTokenizer.train(text, ['<|endoftext|>']);
  assert.equal(tok.decode(tok.encode(text)), text);
  assert.equal(tok.count(text), [...text].length);
  const hello = CharTokenizer.train('hello');
  assert.deepEqual(hello.chars, ['e', 'h', 'l', 'o']);
  assert.deepEqual(hello.encode('hole'), [1, 3, 2, 0]);
  assert.throws(() => hello.encode('help'), /character "p" \(U\+0070\) at offset 3 is not in the vocabulary/);
  assert.throws(() => hello.decode([4]), /cannot decode id 4 at position 0/);
  const e = CharTokenizer.train('ab😀', ['<|endoftext|>']);
  assert.deepEqual(e.encode('😀a<|endoftext|>b', { policy: 'allow' }), [2, 0, 3, 1]);
  assert.throws(() => e.encode('a<|endoftext|>'), /special token '<\|endoftext\|>' at offset 1/);
  assert.equal(e.eotId, 3);
  assert.equal(e.vocabSize, 4);
  assert.deepEqual(Array.from(e.decodeBytes([2])), [0xf0, 0x9f, 0x98, 0x80]);
});

test('char tokenizer trained from a file (streamed) = trained on the same text', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'lmf-char-'));
  try {
    const text = corpusText().slice(0, 200_000) + '😀 ñ 中';
    writeFileSync(join(dir, 'a.txt'), text);
    const fromFile = await CharTokenizer.trainFromFiles([join(dir, 'a.txt')]);
    assert.deepEqual(fromFile.chars, CharTokenizer.train(text).chars);
    assert.equal(fromFile.decode(fromFile.encode(text)), text);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
