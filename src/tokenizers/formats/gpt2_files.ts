// GPT-2's original vocabulary files: encoder.json (byte-level token string -> id) and vocab.bpe (merges,
// "#version" header). Follows tiktoken load.py::data_gym_to_mergeable_bpe_ranks: the 256 bytes come
// first in bytes_to_unicode order, then one token per merge in file order, checked against encoder.json.

import { readFileSync } from 'node:fs';
import { GPT2_BYTE_ORDER, bytesToUnicode, unicodeToBytes } from '../byte_unicode.js';
import { TokenTable } from '../token_table.js';

/**
 * Build GPT-2 ranks from the two files' text. `<|endoftext|>` is returned separately as a special token.
 * Errors name the file and the offending entry.
 */
export function parseGpt2Files(encoderJson: string, vocabBpe: string, encoderPath = 'encoder.json', bpePath = 'vocab.bpe'):
  { table: TokenTable; specialTokens: Map<string, number> } {
  let enc: Record<string, unknown>;
  try { enc = JSON.parse(encoderJson) as Record<string, unknown>; } catch (e) { throw new Error(`${encoderPath}: invalid JSON (${(e as Error).message})`); }
  if (!enc || typeof enc !== 'object' || Array.isArray(enc)) throw new Error(`${encoderPath}: expected an object of token -> id`);
  const specialTokens = new Map<string, number>();
  const table: Uint8Array[] = [];
  const lines = vocabBpe.split('\n');
  let first = 0;
  if (lines[0]?.startsWith('#version')) first = 1;
  for (const b of GPT2_BYTE_ORDER) table.push(Uint8Array.of(b));
  const idOf = new Map<string, number>();
  table.forEach((t, i) => idOf.set(Buffer.from(t!).toString('latin1'), i));
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '') continue;
    const parts = line.split(' ');
    if (parts.length !== 2) throw new Error(`${bpePath}: line ${i + 1}: expected two tokens separated by one space, got '${line}'`);
    const a = unicodeToBytes(parts[0]!), b = unicodeToBytes(parts[1]!);
    if (!a || !b) throw new Error(`${bpePath}: line ${i + 1}: '${line}' has a character outside GPT-2's byte-level alphabet`);
    const ka = Buffer.from(a).toString('latin1'), kb = Buffer.from(b).toString('latin1');
    if (!idOf.has(ka) || !idOf.has(kb)) throw new Error(`${bpePath}: line ${i + 1}: merge '${line}' uses a token not made by an earlier line`);
    const t = new Uint8Array(a.length + b.length);
    t.set(a); t.set(b, a.length);
    const kt = ka + kb;
    if (idOf.has(kt)) throw new Error(`${bpePath}: line ${i + 1}: merge '${line}' makes a token that already exists`);
    idOf.set(kt, table.length);
    table.push(t);
  }
  // encoder.json must agree: same tokens at the same ids (tiktoken asserts this too).
  for (const [tok, id] of Object.entries(enc)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new Error(`${encoderPath}: key '${tok}': id ${JSON.stringify(id)} is not a non-negative integer`);
    if (tok === '<|endoftext|>') { specialTokens.set(tok, id); continue; }
    const bytes = unicodeToBytes(tok);
    if (!bytes) throw new Error(`${encoderPath}: key '${tok}' (id ${id}) has a character outside GPT-2's byte-level alphabet`);
    const expect = table[id];
    if (!expect || bytesToUnicode(expect) !== tok) {
      throw new Error(`${encoderPath}: key '${tok}' has id ${id}, but ${bpePath} gives that id to '${expect ? bytesToUnicode(expect) : '(nothing)'}'`);
    }
  }
  const nOrdinary = Object.keys(enc).length - specialTokens.size;
  if (nOrdinary !== table.length) throw new Error(`${encoderPath}: ${nOrdinary} ordinary tokens, but ${bpePath} defines ${table.length}`);
  return { table: TokenTable.fromArrays(table), specialTokens };
}

/** Read encoder.json + vocab.bpe from disk. */
export function readGpt2Files(encoderPath: string, bpePath: string): { table: TokenTable; specialTokens: Map<string, number> } {
  return parseGpt2Files(readFileSync(encoderPath, 'utf8'), readFileSync(bpePath, 'utf8'), encoderPath, bpePath);
}
