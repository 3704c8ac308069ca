// Hugging Face `tokenizer.json` for byte-level BPE (GPT-2 / RoBERTa / Llama-3 style): read and write.
// Read: model BPE + ByteLevel pre-tokenizer (its own GPT-2 regex, or a Split regex before it); added
// tokens become special tokens. Write: the same layout, merges as pairs (tokenizers >= 0.20 format).

import { bytesToUnicode, unicodeToBytes } from '../byte_unicode.js';
import type { BpeDefinition, SplitPattern } from '../bpe.js';
import { ORIGINAL_PATTERNS, patternFromRegex } from '../patterns.js';
import { TokenTable } from '../token_table.js';

type Json = Record<string, unknown>;

function fail(file: string, where: string, what: string): never {
  throw new Error(`${file}: ${where}: ${what}`);
}

function obj(v: unknown): Json | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

/** Work out the split pattern from the pre_tokenizer section. */
function readPattern(pre: Json | undefined, file: string): SplitPattern {
  if (!pre) fail(file, 'pre_tokenizer', 'missing: only byte-level BPE (a ByteLevel pre-tokenizer) is supported');
  const list = pre.type === 'Sequence' ? (pre.pretokenizers as unknown[] ?? []).map(obj) : [pre];
  let regex: string | undefined;
  let byteLevel: Json | undefined;
  list.forEach((p, i) => {
    const where = pre.type === 'Sequence' ? `pre_tokenizer.pretokenizers[${i}]` : 'pre_tokenizer';
    if (!p) fail(file, where, 'not an object');
    if (p.type === 'ByteLevel') {
      byteLevel = p;
      if (p.add_prefix_space === true) fail(file, `${where}.add_prefix_space`, 'true is not supported (lmforge never adds a prefix space)');
      if (p.use_regex !== false) {
        if (regex !== undefined) fail(file, where, 'a Split regex and a ByteLevel regex together are not supported');
        regex = ORIGINAL_PATTERNS.gpt2;
      }
    } else if (p.type === 'Split') {
      const pat = obj(p.pattern);
      const src = pat && typeof pat.Regex === 'string' ? pat.Regex : undefined;
      if (src === undefined) fail(file, `${where}.pattern`, 'only {"Regex": ...} split patterns are supported');
      if (p.behavior !== 'Isolated' || p.invert === true) fail(file, where, `only behavior "Isolated" without invert is supported, got ${JSON.stringify(p.behavior)}`);
      if (regex !== undefined) fail(file, where, 'only one split regex is supported');
      regex = src;
    } else {
      fail(file, `${where}.type`, `pre-tokenizer '${String(p.type)}' is not supported (byte-level BPE only)`);
    }
  });
  if (!byteLevel) fail(file, 'pre_tokenizer', 'no ByteLevel step: only byte-level BPE is supported');
  if (regex === undefined) return 'none';
  const named = patternFromRegex(regex);
  if (named) return named;
  try { new RegExp(regex, 'gu'); } catch (e) {
    fail(file, 'pre_tokenizer', `split regex '${regex}' is not a valid JS RegExp (${(e as Error).message})`);
  }
  return { regex };
}

/**
 * Parse tokenizer.json text into a BPE definition ('merges' semantics). Errors name the file and the key.
 * @example new BpeTokenizer(parseHfTokenizerJson(readFileSync('tokenizer.json', 'utf8'), 'tokenizer.json'))
 */
export function parseHfTokenizerJson(text: string, file = 'tokenizer.json'): BpeDefinition {
  let root: Json;
  try { root = JSON.parse(text) as Json; } catch (e) { throw new Error(`${file}: invalid JSON (${(e as Error).message})`); }
  const model = obj(root.model);
  if (!model) fail(file, 'model', 'missing');
  if (model.type !== undefined && model.type !== 'BPE') fail(file, 'model.type', `'${String(model.type)}' is not supported (BPE only)`);
  if (model.continuing_subword_prefix || model.end_of_word_suffix) fail(file, 'model', 'continuing_subword_prefix / end_of_word_suffix are not supported');
  if (model.dropout !== undefined && model.dropout !== null) fail(file, 'model.dropout', 'BPE dropout is not supported');
  const vocab = obj(model.vocab);
  if (!vocab) fail(file, 'model.vocab', 'missing or not an object');
  const tokens: Array<Uint8Array | undefined> = [];
  const idOf = new Map<string, number>();
  for (const [tok, id] of Object.entries(vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) fail(file, `model.vocab["${tok}"]`, `id ${JSON.stringify(id)} is not a non-negative integer`);
    const bytes = unicodeToBytes(tok);
    if (!bytes) fail(file, `model.vocab["${tok}"]`, 'has a character outside the byte-level alphabet');
    if (tokens[id]) fail(file, `model.vocab["${tok}"]`, `id ${id} is used twice`);
    tokens[id] = bytes;
    idOf.set(tok, id);
  }
  const rawMerges = model.merges;
  if (!Array.isArray(rawMerges)) fail(file, 'model.merges', 'missing or not an array');
  const merges: Array<[number, number]> = rawMerges.map((m, i) => {
    let a: unknown, b: unknown;
    if (typeof m === 'string') {
      const parts = m.split(' ');
      if (parts.length !== 2) fail(file, `model.merges[${i}]`, `'${m}' is not two tokens separated by one space`);
      [a, b] = parts;
    } else if (Array.isArray(m) && m.length === 2) [a, b] = m;
    else fail(file, `model.merges[${i}]`, `${JSON.stringify(m)} is neither "a b" nor ["a", "b"]`);
    const ia = idOf.get(a as string), ib = idOf.get(b as string);
    if (ia === undefined || ib === undefined) fail(file, `model.merges[${i}]`, `${JSON.stringify(m)} uses a token missing from model.vocab`);
    if (!idOf.has((a as string) + (b as string))) fail(file, `model.merges[${i}]`, `${JSON.stringify(m)} makes '${(a as string) + (b as string)}', which is not in model.vocab`);
    return [ia, ib];
  });
  const specialTokens = new Map<string, number>();
  const added = root.added_tokens;
  if (added !== undefined && added !== null && !Array.isArray(added)) fail(file, 'added_tokens', 'not an array');
  (added as unknown[] | undefined ?? []).forEach((t, i) => {
    const a = obj(t);
    if (!a || typeof a.content !== 'string' || typeof a.id !== 'number') fail(file, `added_tokens[${i}]`, 'needs "id" and "content"');
    const existing = idOf.get(a.content);
    if (existing === a.id) { tokens[a.id] = undefined; idOf.delete(a.content); } // special listed in vocab too
    else if (tokens[a.id]) fail(file, `added_tokens[${i}]`, `id ${a.id} is also model.vocab's '${bytesToUnicode(tokens[a.id]!)}'`);
    specialTokens.set(a.content, a.id);
  });
  const pattern = readPattern(obj(root.pre_tokenizer), file);
  const normalizer = root.normalizer;
  if (normalizer !== undefined && normalizer !== null) fail(file, 'normalizer', 'normalizers are not supported (byte-level BPE reads raw text)');
  return {
    name: file, pattern, mode: 'merges', tokens: TokenTable.fromArrays(tokens), merges, specialTokens,
    wholeTokenFirst: model.ignore_merges === true,
  };
}

export interface HfSource {
  pattern: SplitPattern;
  tokens: ReadonlyArray<Uint8Array | undefined>;
  merges: ReadonlyArray<readonly [number, number]>;
  specialTokens: ReadonlyMap<string, number>;
  wholeTokenFirst: boolean;
}

/** tokenizer.json text for a byte-level BPE. */
export function formatHfTokenizerJson(src: HfSource): string {
  const str = (id: number) => bytesToUnicode(src.tokens[id]!);
  const vocab: Record<string, number> = {};
  src.tokens.forEach((t, id) => { if (t) vocab[bytesToUnicode(t)] = id; });
  const byteLevel = (useRegex: boolean) => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
  let pre: Json;
  const p = src.pattern;
  if (p === 'gpt2') pre = byteLevel(true);
  else if (p === 'none') pre = byteLevel(false);
  else {
    const regex = typeof p === 'string' ? ORIGINAL_PATTERNS[p] : p.regex;
    pre = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false }, byteLevel(false)] };
  }
  const root = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...src.specialTokens].map(([content, id]) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: null,
    pre_tokenizer: pre,
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: src.wholeTokenFirst,
      vocab,
      merges: src.merges.map(([a, b]) => [str(a), str(b)]),
    },
  };
  return JSON.stringify(root, null, 2);
}

/**
 * Merges equivalent to tiktoken ranks, for writing a 'ranks' tokenizer as tokenizer.json (the conversion
 * transformers' TikTokenConverter uses): every split of every token into two tokens, ordered by the rank of
 * the result, then the ranks of the two halves. Pair with ignore_merges = true.
 */
export function mergesFromRanks(tokens: ReadonlyArray<Uint8Array | undefined>): Array<[number, number]> {
  const idOf = new Map<string, number>();
  tokens.forEach((t, id) => { if (t) idOf.set(Buffer.from(t).toString('latin1'), id); });
  const merges: Array<[number, number]> = [];
  tokens.forEach((t) => {
    if (!t || t.length < 2) return;
    const k = Buffer.from(t).toString('latin1');
    const local: Array<[number, number]> = [];
    for (let cut = 1; cut < k.length; cut++) {
      const a = idOf.get(k.slice(0, cut)), b = idOf.get(k.slice(cut));
      if (a !== undefined && b !== undefined) local.push([a, b]);
    }
    local.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    merges.push(...local);
  });
  return merges;
}
