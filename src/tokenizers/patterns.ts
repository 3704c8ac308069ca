// Split (pre-tokenization) patterns: GPT-2/r50k, cl100k, o200k and none, ported to JS RegExp.
// Sources: openai/gpt-2 encoder.py and tiktoken openai_public.py (FACTS.md §4). JS has no possessive
// quantifiers, so the original non-possessive forms are used; `\s` is spelled out as Unicode White_Space
// (what tiktoken's Rust regex means by \s: it has U+0085 and lacks U+FEFF, unlike JS's \s).

/** Names of the built-in split patterns. */
export type PatternName = 'gpt2' | 'cl100k' | 'o200k' | 'none';

export const PATTERN_NAMES: readonly PatternName[] = ['gpt2', 'cl100k', 'o200k', 'none'];

/** Unicode White_Space, the set Rust's (and Python `regex`'s) `\s` matches. */
export const WS_CLASS = '\\t-\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const S = `[${WS_CLASS}]`;
const NS = `[^${WS_CLASS}]`;
const OTHER = `[^${WS_CLASS}\\p{L}\\p{N}]`;
// (?i:'s|'t|'re|'ve|'m|'ll|'d) expanded for engines without inline modifiers. Rust's case-insensitive
// matching folds U+017F (long s) to s, so it belongs to the class as well.
const CONTRACTION_I = "'(?:[sS\\u017F]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])";
const UPPERISH = '[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]';
const LOWERISH = '[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]';

/** JS RegExp sources (flags 'gu'), equivalent to the tiktoken patterns. */
export const JS_PATTERNS: Readonly<Record<Exclude<PatternName, 'none'>, string>> = {
  gpt2: `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?${OTHER}+|${S}+(?!${NS})|${S}+`,
  cl100k: `${CONTRACTION_I}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?${OTHER}+[\\r\\n]*|${S}*[\\r\\n]+|${S}+(?!${NS})|${S}+`,
  o200k: [
    `[^\\r\\n\\p{L}\\p{N}]?${UPPERISH}*${LOWERISH}+(?:${CONTRACTION_I})?`,
    `[^\\r\\n\\p{L}\\p{N}]?${UPPERISH}+${LOWERISH}*(?:${CONTRACTION_I})?`,
    `\\p{N}{1,3}`,
    ` ?${OTHER}+[\\r\\n/]*`,
    `${S}*[\\r\\n]+`,
    `${S}+(?!${NS})`,
    `${S}+`,
  ].join('|'),
};

/**
 * The original (Rust/Python regex syntax) pattern strings, as tiktoken and Hugging Face store them.
 * Used when writing tokenizer.json / reading it back.
 */
export const ORIGINAL_PATTERNS: Readonly<Record<Exclude<PatternName, 'none'>, string>> = {
  gpt2: "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  cl100k: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  o200k: [
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    '\\p{N}{1,3}',
    ' ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*',
    '\\s*[\\r\\n]+',
    '\\s+(?!\\S)',
    '\\s+',
  ].join('|'),
};

/** Other spellings of the same patterns found in the wild (tiktoken possessive forms, js-tiktoken). */
const ALIASES: Record<string, PatternName> = {
  "'(?:[sdmt]|ll|ve|re)| ?\\p{L}++| ?\\p{N}++| ?[^\\s\\p{L}\\p{N}]++|\\s++$|\\s+(?!\\S)|\\s": 'gpt2',
  "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s": 'cl100k',
  "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+": 'cl100k',
  "('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": 'cl100k',
};

/**
 * Recognise a pattern string (original, possessive or JS-expanded spelling) as a built-in pattern.
 * @example patternFromRegex("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+") // 'gpt2'
 */
export function patternFromRegex(src: string): PatternName | undefined {
  for (const name of ['gpt2', 'cl100k', 'o200k'] as const) {
    if (ORIGINAL_PATTERNS[name] === src || JS_PATTERNS[name] === src) return name;
  }
  if (ALIASES[src]) return ALIASES[src];
  // js-tiktoken spells o200k's contractions out; compare after normalising them.
  const norm = src.replace(/\('s\|'S\|'t\|'T\|'re\|'rE\|'Re\|'RE\|'ve\|'vE\|'Ve\|'VE\|'m\|'M\|'ll\|'lL\|'Ll\|'LL\|'d\|'D\)/g, "(?i:'s|'t|'re|'ve|'m|'ll|'d)");
  if (norm === ORIGINAL_PATTERNS.o200k) return 'o200k';
  return undefined;
}

/** A fresh global+unicode RegExp for a built-in pattern (`none` has no regex). */
export function patternRegExp(name: Exclude<PatternName, 'none'>): RegExp {
  return new RegExp(JS_PATTERNS[name], 'gu');
}

/**
 * Split text into pre-tokens with the JS RegExp (the readable definition; `pretokenize.ts` has the fast
 * scanners proved equal to it).
 * @example splitWithRegex("Hello world's", 'gpt2') // ['Hello', ' world', "'s"]
 */
export function splitWithRegex(text: string, name: PatternName): string[] {
  if (name === 'none') return text.length ? [text] : [];
  return text.match(patternRegExp(name)) ?? [];
}
