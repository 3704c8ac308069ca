// Unicode character classes for the hand-written pre-tokenizers: one byte of flags per BMP code unit,
// built once from the same \p{...} properties the regexes use, plus a small cache for astral code points.
// Lone surrogates get no flag, as in a JS `u` RegExp (they are "other", like U+FFFD in tiktoken).

import { WS_CLASS } from './patterns.js';

export const F_L = 1;    // \p{L}
export const F_N = 2;    // \p{N}
export const F_WS = 4;   // Unicode White_Space (Rust \s)
export const F_NL = 8;   // \r or \n
export const F_UP = 16;  // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]  (o200k "upper-ish")
export const F_LO = 32;  // [\p{Ll}\p{Lm}\p{Lo}\p{M}]        (o200k "lower-ish")

const TESTS: [RegExp, number][] = [
  [/\p{L}/u, F_L], [/\p{N}/u, F_N], [new RegExp(`[${WS_CLASS}]`, 'u'), F_WS], [/[\r\n]/u, F_NL],
  [/[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]/u, F_UP], [/[\p{Ll}\p{Lm}\p{Lo}\p{M}]/u, F_LO],
];

function classifyString(ch: string): number {
  let f = 0;
  for (const [re, bit] of TESTS) if (re.test(ch)) f |= bit;
  return f;
}

/** Flags of every BMP code unit (surrogates: 0). */
export const BMP_FLAGS: Uint8Array = (() => {
  const t = new Uint8Array(65536);
  // Scan one string of all non-surrogate BMP characters per property: much faster than 65k tests.
  const codes: number[] = [];
  for (let c = 0; c < 65536; c++) if (c < 0xd800 || c > 0xdfff) codes.push(c);
  let all = '';
  for (let i = 0; i < codes.length; i += 4096) all += String.fromCharCode(...codes.slice(i, i + 4096));
  for (const [re, bit] of TESTS) {
    const g = new RegExp(re.source + '+', 'gu');
    for (const m of all.matchAll(g)) {
      const s = m.index!;
      for (let k = 0; k < m[0].length; k++) t[all.charCodeAt(s + k)] |= bit;
    }
  }
  return t;
})();

const astralCache = new Map<number, number>();

/** Flags of an astral code point (cached). */
export function astralFlags(cp: number): number {
  let f = astralCache.get(cp);
  if (f === undefined) {
    f = classifyString(String.fromCodePoint(cp));
    astralCache.set(cp, f);
  }
  return f;
}

/**
 * Flags of the code point starting at s[i]; for a surrogate pair sets `width` to 2 via the returned value:
 * result = flags | (width === 2 ? 256 : 0).
 */
export function flagsAt(s: string, i: number, n: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return BMP_FLAGS[c]!;
  if (i + 1 < n) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return astralFlags(0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)) | 256;
  }
  return 0;
}
