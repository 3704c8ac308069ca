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
  // Work on GPT-2's printable strings (one char per byte) and turn them into bytes once at the end.
  const strs: string[] = GPT2_BYTE_ORDER.map((b) => bytesToUnicode(Uint8Array.of(b)));
  const idOf = new Map<string, number>();
  strs.forEach((t, i) => idOf.set(t, i));
  const lines = vocabBpe.split('\n');
  const first = lines[0]?.startsWith('#version') ? 1 : 0;
  for (let i = first; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line === '') continue;
    const sp = line.indexOf(' ');
    if (sp <= 0 || sp === line.length - 1 || line.indexOf(' ', sp + 1) >= 0) throw new Error(`${bpePath}: line ${i + 1}: expected two tokens separated by one space, got '${line}'`);
    const a = line.slice(0, sp), b = line.slice(sp + 1);
    if (!idOf.has(a) || !idOf.has(b)) {
      if (!unicodeToBytes(a) || !unicodeToBytes(b)) throw new Error(`${bpePath}: line ${i + 1}: '${line}' has a character outside GPT-2's byte-level alphabet`);
      throw new Error(`${bpePath}: line ${i + 1}: merge '${line}' uses a token not made by an earlier line`);
    }
    const t = a + b;
    if (idOf.has(t)) throw new Error(`${bpePath}: line ${i + 1}: merge '${line}' makes a token that already exists`);
    idOf.set(t, strs.length);
    strs.push(t);
  }
  // encoder.json must agree: same tokens at the same ids (tiktoken asserts this too).
  let nOrdinary = 0;
  for (const tok in enc) {
    const id = enc[tok];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new Error(`${encoderPath}: key '${tok}': id ${JSON.stringify(id)} is not a non-negative integer`);
    if (tok === '<|endoftext|>') { specialTokens.set(tok, id); continue; }
    nOrdinary++;
    if (strs[id] === tok) continue;
    if (!unicodeToBytes(tok)) throw new Error(`${encoderPath}: key '${tok}' (id ${id}) has a character outside GPT-2's byte-level alphabet`);
    throw new Error(`${encoderPath}: key '${tok}' has id ${id}, but ${bpePath} gives that id to '${strs[id] ?? '(nothing)'}'`);
  }
  if (nOrdinary !== strs.length) throw new Error(`${encoderPath}: ${nOrdinary} ordinary tokens, but ${bpePath} defines ${strs.length}`);
  return { table: TokenTable.fromArrays(strs.map((t) => unicodeToBytes(t)!)), specialTokens };
}

/** Read encoder.json + vocab.bpe from disk. */
export function readGpt2Files(encoderPath: string, bpePath: string): { table: TokenTable; specialTokens: Map<string, number> } {
  return parseGpt2Files(readFileSync(encoderPath, 'utf8'), readFileSync(bpePath, 'utf8'), encoderPath, bpePath);
}
