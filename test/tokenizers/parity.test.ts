// Id-for-id parity of gpt2 / r50k_base / cl100k_base / o200k_base with tiktoken (npm, WASM build of the
// Rust original) and js-tiktoken: the whole nlp-corpus, fuzzed Unicode, special tokens under each
// policy, and tiktoken's published test vectors (tests/test_encoding.py, FACTS.md §4).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { getEncoding } from 'js-tiktoken';
import { loadNamedTokenizer, type VocabName } from '../../src/tokenizers/named.js';
import { corpusDocs, corpusText, fuzzString, rng, diffMessage, FRAGMENTS } from './_helpers.js';

const NAMES: VocabName[] = ['gpt2', 'cl100k_base', 'o200k_base'];
const wasm = new Map<string, Tiktoken>();
const tk = (name: VocabName) => { let e = wasm.get(name); if (!e) { e = get_encoding(name); wasm.set(name, e); } return e; };
after(() => { for (const e of wasm.values()) e.free(); });
const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (x, i) => x === b[i]);

for (const name of NAMES) {
  test(`${name}: whole corpus as one 8.8 MB string = tiktoken`, () => {
    const text = corpusText();
    const ours = loadNamedTokenizer(name).encode(text);
    const t = tk(name).encode(text);
    assert.ok(same(ours, t), diffMessage(`${name} vs tiktoken`, ours, Array.from(t)));
    assert.equal(loadNamedTokenizer(name).count(text), ours.length);
  });

  test(`${name}: whole corpus line by line = js-tiktoken (= tiktoken where js-tiktoken strays)`, () => {
    const tok = loadNamedTokenizer(name);
    const js = getEncoding(name);
    let strays = 0;
    for (const [k, doc] of corpusDocs().entries()) {
      const ours = tok.encode(doc);
      const j = js.encode(doc);
      if (same(ours, j)) continue;
      // js-tiktoken uses JS's \s (has U+FEFF, lacks U+0085): the only place it may differ from tiktoken.
      assert.ok(/[\u0085\ufeff\u017f]/.test(doc), diffMessage(`${name} doc ${k} vs js-tiktoken`, ours, j));
      const t = tk(name).encode(doc);
      assert.ok(same(ours, t), diffMessage(`${name} doc ${k} vs tiktoken`, ours, Array.from(t)));
      strays++;
    }
    assert.ok(strays <= 20, `js-tiktoken differs on ${strays} documents`);
  });

  test(`${name}: 2,000 fuzzed strings (CJK, emoji + ZWJ, marks, whitespace, digits, contractions, code, lone surrogates)`, () => {
    const r = rng(7 + name.length);
    const tok = loadNamedTokenizer(name);
    const js = getEncoding(name);
    const fams = Object.keys(FRAGMENTS).filter((f) => f !== 'special');
    let jsDisagree = 0;
    for (let k = 0; k < 2000; k++) {
      const s = fuzzString(r, 1 + Math.floor(r() * 60), fams);
      const ours = tok.encode(s);
      const t = Array.from(tk(name).encode(s));
      assert.ok(same(ours, t), diffMessage(`${name} fuzz #${k} ${JSON.stringify(s)} vs tiktoken`, ours, t));
      const j = js.encode(s);
      if (!same(j, t)) {
        // js-tiktoken uses JS's \s (has U+FEFF, lacks U+0085) and drops case folding of U+017F: only there may it differ.
        assert.ok(/[\u0085\ufeff\u017f]/.test(s), `js-tiktoken differs from tiktoken on ${JSON.stringify(s)}, which has none of U+0085 U+FEFF U+017F`);
        jsDisagree++;
      } else assert.ok(same(ours, j), diffMessage(`${name} fuzz #${k} vs js-tiktoken`, ours, j));
    }
    assert.ok(jsDisagree < 2000);
  });

  test(`${name}: '<|endoftext|>' inside text under each policy = tiktoken`, () => {
    const tok = loadNamedTokenizer(name);
    const r = rng(3);
    for (let k = 0; k < 200; k++) {
      const s = fuzzString(r, 10) + '<|endoftext|>' + fuzzString(r, 5) + (k % 2 ? '<|endoftext|>x' : '');
      assert.throws(() => tok.encode(s), /special token '<\|endoftext\|>' at offset \d+/);
      assert.throws(() => tk(name).encode(s));
      const allow = tok.encode(s, { policy: 'allow' });
      assert.ok(same(allow, tk(name).encode(s, 'all')), diffMessage(`${name} allow`, allow, Array.from(tk(name).encode(s, 'all'))));
      assert.ok(same(tok.encode(s, { allowedSpecial: ['<|endoftext|>'] }), allow));
      const asText = tok.encode(s, { policy: 'text' });
      assert.ok(same(asText, tk(name).encode(s, [], [])), diffMessage(`${name} text`, asText, Array.from(tk(name).encode(s, [], []))));
      assert.ok(same(asText, tok.encodeOrdinary(s)));
      assert.equal(tok.decode(allow), s);
      assert.equal(tok.decode(asText), s);
    }
  });
}

test('r50k_base = gpt2 = tiktoken r50k_base on the first 2 MB of the corpus', () => {
  const text = corpusText().slice(0, 2_000_000);
  const r50k = loadNamedTokenizer('r50k_base').encode(text);
  assert.ok(same(r50k, loadNamedTokenizer('gpt2').encode(text)));
  assert.ok(same(r50k, tk('r50k_base' as VocabName).encode(text)));
});

test("tiktoken's published test vectors", () => {
  const gpt2 = loadNamedTokenizer('gpt2'), cl = loadNamedTokenizer('cl100k_base'), r50k = loadNamedTokenizer('r50k_base');
  const vectors: Array<[typeof gpt2, string, number[], boolean?]> = [
    [gpt2, 'hello world', [31373, 995]],
    [gpt2, 'hello <|endoftext|>', [31373, 220, 50256], true],
    [r50k, 'hello world', [31373, 995]],
    [gpt2, '0', [15]], [gpt2, '00', [405]], [gpt2, '000', [830]], [gpt2, '0000', [2388]], [gpt2, '00000', [20483]],
    [gpt2, '000000', [10535]], [gpt2, '0000000', [24598]], [gpt2, '00000000', [8269]], [gpt2, '000000000', [10535, 830]],
    [cl, 'hello world', [15339, 1917]],
    [cl, 'hello <|endoftext|>', [15339, 220, 100257], true],
    [cl, 'rer', [38149]], [cl, "'rer", [2351, 81]],
    [cl, 'today\n ', [31213, 198, 220]], [cl, 'today\n \n', [31213, 27907]], [cl, 'today\n  \n', [31213, 14211]],
    [cl, ' \u00850', [220, 126, 227, 15]],
    [cl, '👍', [9468, 239, 235]], [cl, '\ud83d\udc4d', [9468, 239, 235]],
    [cl, '', []],
  ];
  for (const [tok, s, ids, allow] of vectors) {
    const got = tok.encode(s, allow ? { policy: 'allow' } : undefined);
    assert.deepEqual(got, ids, `${tok.name} ${JSON.stringify(s)}`);
    assert.deepEqual(Array.from(tk(tok.name as VocabName).encode(s, allow ? 'all' : undefined)), ids, `tiktoken itself on ${JSON.stringify(s)}`);
  }
  assert.deepEqual(cl.encode('\ud83d'), cl.encode('\ufffd'));
  assert.deepEqual(cl.encodeBytes(Uint8Array.of(0x20, 0xec, 0x8b, 0xa4, 0xed)), Array.from(tk('cl100k_base').encode_ordinary(' 실')).concat(cl.encodeBytes(Uint8Array.of(0xed))));
  assert.equal(gpt2.decode([31373, 995]), 'hello world');
  assert.equal(gpt2.eotId, 50256);
  assert.equal(cl.eotId, 100257);
  assert.equal(gpt2.vocabSize, 50257);
  assert.equal(cl.vocabSize, 100277);
  assert.equal(loadNamedTokenizer('o200k_base').vocabSize, 200019);
});
