// The hand-written pre-tokenizers equal the split regexes (patterns.ts) piece for piece: on the whole
// corpus and on fuzzed adversarial Unicode. Also: chunks cut at safeCut() pre-tokenize like the whole text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pretokenize, safeCut } from '../../src/tokenizers/pretokenize.js';
import { splitWithRegex, type PatternName } from '../../src/tokenizers/patterns.js';
import { corpusText, fuzzString, rng, diffMessage, FRAGMENTS } from './_helpers.js';

const PATTERNS: PatternName[] = ['gpt2', 'cl100k', 'o200k'];

for (const p of PATTERNS) {
  test(`${p}: scanner = RegExp on the whole corpus`, () => {
    const text = corpusText();
    const a = pretokenize(text, p), b = splitWithRegex(text, p);
    assert.equal(a.join(''), text, 'pieces must cover the text');
    assert.ok(a.length === b.length && a.every((x, i) => x === b[i]), diffMessage(`${p} corpus`, a, b));
  });

  test(`${p}: scanner = RegExp on 3,000 fuzzed strings (all families, lone surrogates included)`, () => {
    const r = rng(1234 + p.length);
    const fams = Object.keys(FRAGMENTS);
    for (let k = 0; k < 3000; k++) {
      const s = fuzzString(r, 1 + Math.floor(r() * 40), fams);
      const a = pretokenize(s, p), b = splitWithRegex(s, p);
      assert.ok(a.length === b.length && a.every((x, i) => x === b[i]), diffMessage(`${p} fuzz #${k} ${JSON.stringify(s)}`, a, b));
    }
  });
}

test('o200k: scanner = RegExp on 20,000 letter-heavy fuzzed strings (case classes, Lt/Lm/Lo, marks, contractions)', () => {
  const r = rng(2024);
  const fams = ['word', 'contraction', 'casing', 'combining', 'cyrillic', 'greek', 'devanagari', 'kana', 'space', 'punct', 'digit', 'ascii'];
  for (let k = 0; k < 20000; k++) {
    const s = fuzzString(r, 1 + Math.floor(r() * 12), fams);
    const a = pretokenize(s, 'o200k'), b = splitWithRegex(s, 'o200k');
    assert.ok(a.length === b.length && a.every((x, i) => x === b[i]), diffMessage(`o200k letters #${k} ${JSON.stringify(s)}`, a, b));
  }
});

test('contractions and whitespace rules, spelled out', () => {
  assert.deepEqual(pretokenize("I'm here, they'RE 12345 ok  \n\nx", 'gpt2'), ['I', "'m", ' here', ',', ' they', "'", 'RE', ' 12345', ' ok', '  \n', '\n', 'x']);
  assert.deepEqual(pretokenize("I'm here, they'RE 12345 ok  \n\nx", 'cl100k'), ['I', "'m", ' here', ',', ' they', "'RE", ' ', '123', '45', ' ok', '  \n\n', 'x']);
  assert.deepEqual(pretokenize('a\u0085\u0085b \ufeff\ufeffc', 'cl100k'), ['a', '\u0085', '\u0085b', ' \ufeff\ufeff', 'c']);
  assert.deepEqual(pretokenize("don'ſt", 'o200k'), ["don'ſ", 't']);
  assert.deepEqual(pretokenize('', 'gpt2'), []);
  assert.deepEqual(pretokenize('abc', 'none'), ['abc']);
});

for (const p of PATTERNS) {
  test(`${p}: cutting at safeCut() positions pre-tokenizes exactly like the whole text`, () => {
    const r = rng(99);
    const text = corpusText().slice(0, 400_000) + fuzzString(r, 3000);
    const whole = pretokenize(text, p);
    const parts: string[] = [];
    let start = 0;
    while (start < text.length) {
      const want = start + 1 + Math.floor(r() * 5000);
      let cut = want >= text.length ? -1 : safeCut(text, start, want);
      if (cut <= start) cut = text.length;
      parts.push(...pretokenize(text.slice(start, cut), p));
      start = cut;
    }
    assert.ok(parts.length === whole.length && parts.every((x, i) => x === whole[i]), diffMessage(`${p} chunked`, parts, whole));
  });
}
