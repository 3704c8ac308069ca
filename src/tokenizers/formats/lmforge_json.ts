// lmforge's own tokenizer file: versioned JSON holding everything needed to rebuild the tokenizer exactly
// (kind, mode, pattern, token bytes in base64, merges, special tokens). Written atomically
// (temp file + fsync + rename) so a crash never leaves a half-written tokenizer.

import type { BpeDefinition, SplitPattern } from '../bpe.js';
import { PATTERN_NAMES, type PatternName } from '../patterns.js';
import { TokenTable } from '../token_table.js';

export const LMFORGE_FORMAT = 'lmforge-tokenizer';
export const LMFORGE_VERSION = 1;

export interface LmforgeBpeJson {
  format: typeof LMFORGE_FORMAT;
  version: number;
  kind: 'bpe';
  name: string;
  mode: 'ranks' | 'merges';
  pattern: PatternName | { regex: string };
  wholeTokenFirst: boolean;
  /** id -> base64 bytes; null for holes and special tokens. */
  tokens: Array<string | null>;
  merges: Array<[number, number]>;
  specialTokens: Record<string, number>;
}

export interface LmforgeCharJson {
  format: typeof LMFORGE_FORMAT;
  version: number;
  kind: 'char';
  name: string;
  chars: string[];
  specialTokens: string[];
}

export type LmforgeJson = LmforgeBpeJson | LmforgeCharJson;

function fail(file: string, key: string, what: string): never {
  throw new Error(`${file}: ${key}: ${what}`);
}

/** Check the header; returns the parsed object. */
export function parseLmforgeJson(text: string, file = 'tokenizer.json'): LmforgeJson {
  let o: Record<string, unknown>;
  try { o = JSON.parse(text) as Record<string, unknown>; } catch (e) { throw new Error(`${file}: invalid JSON (${(e as Error).message})`); }
  if (o.format !== LMFORGE_FORMAT) fail(file, 'format', `expected '${LMFORGE_FORMAT}', got ${JSON.stringify(o.format)}`);
  if (typeof o.version !== 'number') fail(file, 'version', 'missing');
  if (o.version > LMFORGE_VERSION) fail(file, 'version', `${o.version} was written by a newer lmforge; this one reads version ${LMFORGE_VERSION} (upgrade lmforge)`);
  if (o.kind === 'char') {
    if (!Array.isArray(o.chars) || !o.chars.every((c) => typeof c === 'string')) fail(file, 'chars', 'must be an array of strings');
    if (o.specialTokens !== undefined && !Array.isArray(o.specialTokens)) fail(file, 'specialTokens', 'must be an array of strings');
    return { ...(o as unknown as LmforgeCharJson), specialTokens: (o.specialTokens as string[] | undefined) ?? [] };
  }
  if (o.kind !== 'bpe') fail(file, 'kind', `expected 'bpe' or 'char', got ${JSON.stringify(o.kind)}`);
  if (o.mode !== 'ranks' && o.mode !== 'merges') fail(file, 'mode', `expected 'ranks' or 'merges', got ${JSON.stringify(o.mode)}`);
  const p = o.pattern as unknown;
  const okPattern = (typeof p === 'string' && (PATTERN_NAMES as readonly string[]).includes(p)) ||
    (!!p && typeof p === 'object' && typeof (p as { regex?: unknown }).regex === 'string');
  if (!okPattern) fail(file, 'pattern', `expected one of ${PATTERN_NAMES.join(', ')} or {"regex": ...}, got ${JSON.stringify(p)}`);
  if (!Array.isArray(o.tokens)) fail(file, 'tokens', 'must be an array');
  if (!Array.isArray(o.merges)) fail(file, 'merges', 'must be an array');
  return o as unknown as LmforgeBpeJson;
}

/** BPE definition from parsed lmforge JSON; errors name the entry. */
export function bpeDefinitionFromJson(j: LmforgeBpeJson, file = 'tokenizer.json'): BpeDefinition {
  const arr: Array<Uint8Array | undefined> = j.tokens.map((t, i) => {
    if (t === null) return undefined;
    if (typeof t !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) fail(file, `tokens[${i}]`, `${JSON.stringify(t)} is not base64`);
    return new Uint8Array(Buffer.from(t, 'base64'));
  });
  const merges = j.merges.map((m, i) => {
    if (!Array.isArray(m) || m.length !== 2 || !m.every((x) => Number.isInteger(x) && x >= 0 && x < arr.length && arr[x])) {
      fail(file, `merges[${i}]`, `${JSON.stringify(m)} is not a pair of token ids`);
    }
    return [m[0], m[1]] as [number, number];
  });
  const specials = new Map<string, number>();
  for (const [s, id] of Object.entries(j.specialTokens ?? {})) {
    if (!Number.isInteger(id) || id < 0) fail(file, `specialTokens["${s}"]`, `id ${JSON.stringify(id)} is not a non-negative integer`);
    specials.set(s, id);
  }
  return {
    name: j.name ?? file, pattern: j.pattern as SplitPattern, mode: j.mode, tokens: TokenTable.fromArrays(arr),
    merges, specialTokens: specials, wholeTokenFirst: !!j.wholeTokenFirst,
  };
}

