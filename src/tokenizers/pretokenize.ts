// Fast pre-tokenizers: hand-written scanners equal to the split regexes of patterns.ts, with no
// backtracking and no allocation. Each `next*(s, i, n)` returns the end of the piece that starts at i
// in s[0, n). Parity with the RegExp is proved on the corpus and on fuzz (test/tokenizers/pretokenize.test.ts).

import { BMP_FLAGS as T, flagsAt, F_L, F_N, F_WS, F_NL, F_UP, F_LO } from './charclass.js';
import type { PatternName } from './patterns.js';

/** Returns the end (exclusive) of the piece starting at i; i < n. */
export type NextPiece = (s: string, i: number, n: number) => number;

const LN = F_L | F_N;
const LNW = F_L | F_N | F_WS;

// Contraction after an apostrophe at i: returns the end, or -1. `ci`: case-insensitive (cl100k, o200k).
function contraction(s: string, i: number, n: number, ci: boolean): number {
  if (i + 1 >= n) return -1;
  let d = s.charCodeAt(i + 1);
  if (ci) {
    if (d === 0x17f) return i + 2; // long s folds to s in Rust's case-insensitive matching
    if (d >= 65 && d <= 90) d += 32;
  }
  if (d === 115 || d === 116 || d === 109 || d === 100) return i + 2; // s t m d
  if (i + 2 >= n) return -1;
  let e = s.charCodeAt(i + 2);
  if (ci && e >= 65 && e <= 90) e += 32;
  if ((d === 114 && e === 101) || (d === 118 && e === 101) || (d === 108 && e === 108)) return i + 3; // re ve ll
  return -1;
}

// Advance over code points whose flags satisfy (flags & mask) === want.
function runWhile(s: string, j: number, n: number, mask: number, want: number): number {
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c < 0xd800 || c > 0xdbff) {
      if ((T[c]! & mask) !== want) return j;
      j++;
    } else {
      const f = flagsAt(s, j, n);
      if ((f & mask) !== want) return j;
      j += f & 256 ? 2 : 1;
    }
  }
  return j;
}

// Whitespace run starting at i, followed by the `\s+(?!\S)|\s+` rule.
function spaceTail(s: string, i: number, r: number, n: number): number {
  if (r === n) return n;
  return r - i >= 2 ? r - 1 : r;
}

/** GPT-2 / r50k: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` */
export const nextGpt2: NextPiece = (s, i, n) => {
  const c = s.charCodeAt(i);
  if (c === 39) { const e = contraction(s, i, n, false); if (e > 0) return e; }
  let j = i;
  let f = c < 0xd800 || c > 0xdbff ? T[c]! : flagsAt(s, i, n);
  if (c === 32 && i + 1 < n) { j = i + 1; f = flagsAt(s, j, n); }
  if (f & F_L) return runWhile(s, j, n, F_L, F_L);
  if (f & F_N) return runWhile(s, j, n, F_N, F_N);
  if (!(f & F_WS)) return runWhile(s, j, n, LNW, 0);
  const r = runWhile(s, i + 1, n, F_WS, F_WS);
  return spaceTail(s, i, r, n);
};

// cl100k / o200k whitespace alternatives: `\s*[\r\n]+|\s+(?!\S)|\s+`.
function newlineOrSpace(s: string, i: number, n: number): number {
  const r = runWhile(s, i + 1, n, F_WS, F_WS);
  for (let k = r - 1; k >= i; k--) {
    const c = s.charCodeAt(k);
    if (c === 10 || c === 13) return k + 1;
  }
  return spaceTail(s, i, r, n);
}

/** cl100k / o200k's `\p{N}{1,3}`: one number char already taken (ending at j), up to two more. */
function digits3(s: string, j: number, n: number): number {
  for (let k = 1; k < 3 && j < n; k++) {
    const g = flagsAt(s, j, n);
    if (!(g & F_N)) break;
    j += g & 256 ? 2 : 1;
  }
  return j;
}

function skipNewlines(s: string, j: number, n: number): number {
  while (j < n) { const c = s.charCodeAt(j); if (c !== 10 && c !== 13) break; j++; }
  return j;
}

/** cl100k: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+` */
export const nextCl100k: NextPiece = (s, i, n) => {
  const c = s.charCodeAt(i);
  if (c === 39) { const e = contraction(s, i, n, true); if (e > 0) return e; }
  const f = c < 0xd800 || c > 0xdbff ? T[c]! : flagsAt(s, i, n);
  const w = f & 256 ? 2 : 1;
  if (f & F_L) return runWhile(s, i + w, n, F_L, F_L);
  if (f & F_N) return digits3(s, i + w, n);
  if (!(f & F_NL) && i + w < n) {
    const g = flagsAt(s, i + w, n);
    if (g & F_L) return runWhile(s, i + w + (g & 256 ? 2 : 1), n, F_L, F_L);
  }
  if (!(f & F_WS)) return skipNewlines(s, runWhile(s, i + w, n, LNW, 0), n);
  if (c === 32 && i + 1 < n && !(flagsAt(s, i + 1, n) & LNW)) return skipNewlines(s, runWhile(s, i + 1, n, LNW, 0), n);
  return newlineOrSpace(s, i, n);
};

/** A scanner that runs a sticky RegExp (for patterns without a hand-written scanner). */
export function regexScanner(re: RegExp): NextPiece {
  const sticky = new RegExp(re.source, 'uy');
  let cached = '', cachedFor = '', cachedN = -1;
  return (s, i, n) => {
    // Lookaheads must see the end of the segment, so match against the segment itself.
    let text = s;
    if (n !== s.length) {
      if (cachedFor !== s || cachedN !== n) { cached = s.slice(0, n); cachedFor = s; cachedN = n; }
      text = cached;
    }
    sticky.lastIndex = i;
    const m = sticky.exec(text);
    if (!m || m[0].length === 0) return i + 1; // cannot happen for the built-in patterns
    return i + m[0].length;
  };
}

// o200k letters: UP = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}], LO = [\p{Ll}\p{Lm}\p{Lo}\p{M}]; Lm, Lo and marks are both.
const BOTH = F_UP | F_LO;

// `[UP]*[LO]+(?i:contraction)?` at j, with the regex's backtracking: the UP run gives back its last
// "both" character when no LO character follows it. Returns the end or -1.
function upLo(s: string, j: number, n: number): number {
  if (j >= n) return -1;
  let a = j, lastBoth = -1, lastW = 1;
  while (a < n) {
    const f = flagsAt(s, a, n);
    if (!(f & F_UP)) break;
    const w = f & 256 ? 2 : 1;
    if ((f & BOTH) === BOTH) { lastBoth = a; lastW = w; }
    a += w;
  }
  let e: number;
  if (a < n && flagsAt(s, a, n) & F_LO) e = runWhile(s, a, n, F_LO, F_LO);
  else if (lastBoth >= 0) e = lastBoth + lastW;
  else return -1;
  if (e < n && s.charCodeAt(e) === 39) { const c = contraction(s, e, n, true); if (c > 0) return c; }
  return e;
}

// `[UP]+[LO]*(?i:contraction)?` at j, or -1.
function upPlusLo(s: string, j: number, n: number): number {
  if (j >= n) return -1;
  const a = runWhile(s, j, n, F_UP, F_UP);
  if (a === j) return -1;
  const e = runWhile(s, a, n, F_LO, F_LO);
  if (e < n && s.charCodeAt(e) === 39) { const c = contraction(s, e, n, true); if (c > 0) return c; }
  return e;
}

/** o200k: case-aware letter runs with trailing contractions, `\p{N}{1,3}`, symbols with `[\r\n/]*`, whitespace as cl100k. */
export const nextO200k: NextPiece = (s, i, n) => {
  const f = flagsAt(s, i, n);
  const w = f & 256 ? 2 : 1;
  const prefix = !(f & (F_L | F_N | F_NL)); // [^\r\n\p{L}\p{N}]
  if (f & (F_UP | F_LO) || prefix) {
    let e: number;
    if (prefix && (e = upLo(s, i + w, n)) >= 0) return e;
    if ((e = upLo(s, i, n)) >= 0) return e;
    if (prefix && (e = upPlusLo(s, i + w, n)) >= 0) return e;
    if ((e = upPlusLo(s, i, n)) >= 0) return e;
  }
  if (f & F_N) return digits3(s, i + w, n);
  let j = -1;
  if (!(f & LNW)) j = runWhile(s, i + w, n, LNW, 0);
  else if (s.charCodeAt(i) === 32 && i + 1 < n && !(flagsAt(s, i + 1, n) & LNW)) j = runWhile(s, i + 1, n, LNW, 0);
  if (j >= 0) {
    while (j < n) { const c = s.charCodeAt(j); if (c !== 10 && c !== 13 && c !== 47) break; j++; }
    return j;
  }
  return newlineOrSpace(s, i, n);
};

/** The scanner for a pattern: hand-written where we have one, else the RegExp. `none` takes the segment whole. */
export function scannerFor(name: PatternName): NextPiece {
  switch (name) {
    case 'gpt2': return nextGpt2;
    case 'cl100k': return nextCl100k;
    case 'o200k': return nextO200k;
    case 'none': return (_s, _i, n) => n;
  }
}

/**
 * Split text into pieces with the fast scanner.
 * @example pretokenize("Hello world's", 'cl100k') // ['Hello', ' world', "'s"]
 */
export function pretokenize(text: string, name: PatternName): string[] {
  const next = scannerFor(name);
  const out: string[] = [];
  const n = text.length;
  for (let i = 0; i < n;) { const e = next(text, i, n); out.push(text.slice(i, e)); i = e; }
  return out;
}

/**
 * The last position c <= `to` (and > `from`) where text can be cut into chunks that pre-tokenize
 * exactly as the whole: before an ASCII letter that follows "letter space" or "non-space \n". -1 if none.
 * Used to stream large inputs in bounded memory.
 */
export function safeCut(text: string, from: number, to: number): number {
  for (let c = Math.min(to, text.length - 2); c > from + 1; c--) {
    const a = text.charCodeAt(c + 1);
    if (!((a >= 65 && a <= 90) || (a >= 97 && a <= 122))) continue;
    const m = text.charCodeAt(c);
    const p = text.charCodeAt(c - 1);
    // "x y": cut before the space; the letter run ends at c in both texts.
    if (m === 32 && ((p >= 65 && p <= 90) || (p >= 97 && p <= 122))) return c;
    // "x\ny" with x not whitespace: cut after the newline.
    if (m === 10 && !(flagsAt(text, c - 1, text.length) & F_WS) && !(p >= 0xdc00 && p <= 0xdfff)) return c + 1;
  }
  return -1;
}
