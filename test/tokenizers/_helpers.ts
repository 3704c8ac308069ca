// Shared test helpers for tokenizers: the built-in corpus (npm nlp-corpus), a seeded fuzzer of
// adversarial Unicode text, and a first-difference report for id sequences.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** node_modules/nlp-corpus/builds, found by walking up from this file. */
export function corpusDir(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    const p = join(d, 'node_modules', 'nlp-corpus', 'builds');
    if (existsSync(p)) return p;
    if (dirname(d) === d) throw new Error('nlp-corpus is not installed (npm install nlp-corpus)');
  }
}

let docs: string[] | undefined;
/** The ~100,000 sentences of nlp-corpus (about 8.8 MB), in file order. */
export function corpusDocs(): string[] {
  if (docs) return docs;
  const dir = corpusDir();
  const files = readdirSync(dir).filter((f) => /^doc-\d+\.json$/.test(f)).sort((a, b) => parseInt(a.slice(4)) - parseInt(b.slice(4)));
  docs = [];
  for (const f of files) docs.push(...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as string[]));
  return docs;
}

/** The whole corpus as one string (documents joined by '\n'). */
export function corpusText(): string { return corpusDocs().join('\n'); }

/** mulberry32: small seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const range = (a: number, b: number) => (r: () => number) => String.fromCodePoint(a + Math.floor(r() * (b - a + 1)));
const pick = (xs: string[]) => (r: () => number) => xs[Math.floor(r() * xs.length)]!;

/** Generators of adversarial fragments, by family. */
export const FRAGMENTS: Record<string, (r: () => number) => string> = {
  ascii: range(32, 126),
  word: pick(['the', 'The', 'HELLO', 'world', 'tokenizer', 'naïve', 'café', 'Straße', 'x', 'I', 'ǅemal', 'ʰello', 'McDonald', 'iPhone']),
  contraction: pick(["'s", "'S", "'t", "'re", "'RE", "'Re", "'ve", "'m", "'ll", "'LL", "'d", "'D", "'ſ", "'x", "''", "don't", "I'M", "we'Ve"]),
  space: pick([' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', ' \n', '\n ', '\u00a0', '\u3000', '\u2003', '\u0085', '\ufeff', '\u2028', '\u200b', '\u000b', '\f', '    \n\n  ']),
  digit: pick(['0', '7', '12', '123', '1234', '12345678', '3.14', '1,000', '٣٤٥', '０１２', '\u{1d7ce}\u{1d7cf}', '²', 'Ⅻ', '½']),
  cjk: range(0x4e00, 0x9fff),
  kana: range(0x3040, 0x30ff),
  hangul: range(0xac00, 0xd7a3),
  cyrillic: range(0x0400, 0x04ff),
  greek: range(0x0370, 0x03ff),
  arabic: range(0x0600, 0x06ff),
  devanagari: range(0x0900, 0x097f),
  casing: pick(['ǅ', 'ʰ', 'Ǆ', 'ǆ', '\u0301', '\u0903', 'ᾈ', 'ᾀ', 'ß', 'ẞ', 'A\u0301b', "'S", "X'll", 'ŉ', 'ﬁ', 'ǈa', 'Aʰb', 'aʰB', '\u{1d400}\u{1d41a}', '\u{10400}\u{10428}', 'Ⅻv', 'ͅ']),
  combining: (r) => 'aeoAEO'[Math.floor(r() * 6)]! + String.fromCodePoint(0x300 + Math.floor(r() * 0x70)),
  emoji: range(0x1f600, 0x1f64f),
  zwj: pick(['👨‍👩‍👧‍👦', '🧑🏽‍💻', '🏳️‍🌈', '👍🏽', '🇺🇸', '🇯🇵', '❤️', '☺️', '1️⃣']),
  punct: pick(['.', ',', '!', '?', '...', '—', '–', '"', '“', '”', '«', '»', '(', ')', '[', ']', '{', '}', '/', '//', '\\', '#', '@', '$', '%', '^', '&&', '||', '=>', '->', '::', '<', '>', '</div>', '<|', '|>', '___', '***']),
  code: pick(['function f(x) {\n  return x * 2;\n}\n', 'if (a && b) {\n\treturn;\n}', 'const s = `${a}`;', 'def main():\n    print("hi")\n', '#include <stdio.h>\n', 'x += 1; // comment', '    for i in range(10):\n        pass\n']),
  special: pick(['<|endoftext|>', '<|fim_prefix|>', '<|endofprompt|>']),
  surrogate: pick(['\ud800', '\udc00', '\ud83d', 'a\udfffb']),
  // Astral blocks assigned long ago: tiktoken's Rust regex tables predate Node's Unicode 17, so characters
  // assigned recently (e.g. U+18DE4, U+1E6E7) are letters to Node and unassigned to tiktoken.
  astral: (r) => {
    const blocks = [[0x10000, 0x1007f], [0x10330, 0x1034f], [0x10400, 0x1044f], [0x12000, 0x1236f], [0x1d400, 0x1d7ff], [0x1f300, 0x1f5ff], [0x20000, 0x2a6df]];
    const [a, b] = blocks[Math.floor(r() * blocks.length)]!;
    return String.fromCodePoint(a! + Math.floor(r() * (b! - a! + 1)));
  },
};

/**
 * A random string of `n` fragments drawn from the given families (default: all but 'special' and 'surrogate').
 * @example fuzzString(rng(1), 20)
 */
export function fuzzString(r: () => number, n: number, families: string[] = Object.keys(FRAGMENTS).filter((f) => f !== 'special' && f !== 'surrogate')): string {
  let s = '';
  for (let i = 0; i < n; i++) s += FRAGMENTS[families[Math.floor(r() * families.length)]!]!(r);
  return s;
}

/** Random bytes, biased to contain UTF-8 fragments and invalid sequences. */
export function fuzzBytes(r: () => number, n: number): Uint8Array {
  const out: number[] = [];
  const enc = new TextEncoder();
  while (out.length < n) {
    const k = r();
    if (k < 0.4) out.push(Math.floor(r() * 256));
    else if (k < 0.7) out.push(...enc.encode(fuzzString(r, 1)));
    else if (k < 0.85) out.push(...enc.encode(fuzzString(r, 1)).slice(0, 1 + Math.floor(r() * 2))); // truncated sequence
    else out.push(0x20 + Math.floor(r() * 95));
  }
  return Uint8Array.from(out.slice(0, n));
}

/** Index of the first difference of two sequences, or -1. */
export function firstDiff(a: ArrayLike<number | string>, b: ArrayLike<number | string>): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** A readable message for a mismatch at index i. */
export function diffMessage(what: string, a: ArrayLike<number | string>, b: ArrayLike<number | string>): string {
  const i = firstDiff(a, b);
  const win = (x: ArrayLike<number | string>) => JSON.stringify(Array.from(x).slice(Math.max(0, i - 3), i + 5));
  return `${what}: first difference at index ${i} of ${a.length} vs ${b.length}: ours ${win(a)} vs peer ${win(b)}`;
}
