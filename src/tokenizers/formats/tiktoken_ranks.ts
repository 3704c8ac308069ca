// tiktoken rank files: the `.tiktoken` format (one "base64 rank" per line, tiktoken load.py) and the
// compressed JSON that js-tiktoken and the tiktoken npm package ship ({pat_str, special_tokens, bpe_ranks}
// where bpe_ranks lines are "<ignored> <first rank> <base64> <base64> ...").

import { readFileSync } from 'node:fs';

import { TokenTable } from '../token_table.js';

/** id -> bytes, holes where a rank is unused. */
export type RankTable = TokenTable;

const B64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/** Decode base64 text[s, e) straight into the table as `id`; false if it is not base64. */
function putB64(table: TokenTable, id: number, text: string, s: number, e: number): boolean {
  if ((e - s) % 4 !== 0 || e === s) return false;
  let pad = 0;
  if (text.charCodeAt(e - 1) === 61) { pad++; if (text.charCodeAt(e - 2) === 61) pad++; }
  const n = ((e - s) / 4) * 3 - pad;
  const o = table.reserve(id, n);
  const pool = table.pool;
  let w = o;
  for (let i = s; i < e; i += 4) {
    const a = B64[text.charCodeAt(i)]!, b = B64[text.charCodeAt(i + 1)]!;
    const c = i + 2 < e - pad || pad < 2 ? B64[text.charCodeAt(i + 2)]! : 0;
    const d = i + 3 < e - pad || pad < 1 ? B64[text.charCodeAt(i + 3)]! : 0;
    if ((a | b | c | d) < 0) return false;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    pool[w++] = v >> 16;
    if (w - o < n) pool[w++] = (v >> 8) & 255;
    if (w - o < n) pool[w++] = v & 255;
  }
  if (table.has(id)) return false;
  table.commit(id, n);
  return true;
}

function lineError(file: string, where: string, what: string): Error {
  return new Error(`${file}: ${where}: ${what}`);
}

/**
 * Parse `.tiktoken` text ("<base64> <rank>" per line). Errors name the file and the line.
 * @example parseTiktoken('IQ== 0\nIg== 1\n', 'x.tiktoken').get(1) // Uint8Array [34]
 */
export function parseTiktoken(text: string, file = '<tiktoken>'): RankTable {
  const table = new TokenTable(1 << 17, 1 << 20);
  let lineNo = 0;
  for (let p = 0; p < text.length;) {
    let eol = text.indexOf('\n', p);
    if (eol < 0) eol = text.length;
    lineNo++;
    let end = eol;
    if (end > p && text.charCodeAt(end - 1) === 13) end--;
    if (end > p) {
      const sp = text.indexOf(' ', p);
      if (sp < 0 || sp >= end || text.indexOf(' ', sp + 1) < end && text.indexOf(' ', sp + 1) >= 0) {
        throw lineError(file, `line ${lineNo}`, `expected "<base64> <rank>", got '${text.slice(p, Math.min(end, p + 60))}'`);
      }
      const rankStr = text.slice(sp + 1, end);
      if (!/^\d{1,10}$/.test(rankStr)) throw lineError(file, `line ${lineNo}`, `rank '${rankStr}' is not a non-negative integer`);
      const rank = Number(rankStr);
      if (table.has(rank)) throw lineError(file, `line ${lineNo}`, `rank ${rank} appears twice`);
      if (!putB64(table, rank, text, p, sp)) throw lineError(file, `line ${lineNo}`, `'${text.slice(p, sp)}' is not base64`);
    }
    p = eol + 1;
  }
  if (table.size === 0) throw new Error(`${file}: no ranks found`);
  return table;
}

/** Read a `.tiktoken` file. */
export function readTiktoken(path: string): RankTable {
  return parseTiktoken(readFileSync(path, 'utf8'), path);
}

/** Write ranks as `.tiktoken` text (holes skipped). */
export function formatTiktoken(table: ReadonlyArray<Uint8Array | undefined>): string {
  const out: string[] = [];
  table.forEach((b, r) => { if (b) out.push(`${Buffer.from(b).toString('base64')} ${r}`); });
  return out.join('\n') + '\n';
}

export interface CompressedRanks {
  pat_str: string;
  special_tokens: Record<string, number>;
  bpe_ranks: string;
  explicit_n_vocab?: number;
}

/** Parse js-tiktoken's compressed `bpe_ranks` string ("<ignored> <first rank> <base64> <base64> ..." lines). */
export function parseCompressedRanks(bpeRanks: string, file = '<ranks>'): RankTable {
  const table = new TokenTable(1 << 17, 1 << 20);
  let lineNo = 0;
  for (let p = 0; p < bpeRanks.length;) {
    let eol = bpeRanks.indexOf('\n', p);
    if (eol < 0) eol = bpeRanks.length;
    lineNo++;
    if (eol > p) {
      const sp1 = bpeRanks.indexOf(' ', p);
      const sp2 = sp1 < 0 ? -1 : bpeRanks.indexOf(' ', sp1 + 1);
      const offEnd = sp2 < 0 || sp2 > eol ? eol : sp2;
      const offsetStr = sp1 < 0 || sp1 > eol ? '' : bpeRanks.slice(sp1 + 1, offEnd);
      if (!/^\d{1,10}$/.test(offsetStr)) throw lineError(file, `bpe_ranks line ${lineNo}`, `bad offset '${offsetStr}'`);
      let rank = Number(offsetStr);
      for (let q = offEnd + 1; q <= eol && offEnd < eol; rank++) {
        let sp = bpeRanks.indexOf(' ', q);
        if (sp < 0 || sp > eol) sp = eol;
        if (table.has(rank)) throw lineError(file, `bpe_ranks line ${lineNo}`, `rank ${rank} appears twice`);
        if (!putB64(table, rank, bpeRanks, q, sp)) throw lineError(file, `bpe_ranks line ${lineNo}`, `'${bpeRanks.slice(q, sp)}' is not base64`);
        q = sp + 1;
      }
    }
    p = eol + 1;
  }
  return table;
}

/**
 * Read a js-tiktoken ranks module (`export default {...}`) or a tiktoken npm encoder JSON file.
 * @example readCompressedRanks('node_modules/js-tiktoken/dist/ranks/gpt2.js').pat_str
 */
export function readCompressedRanks(path: string): CompressedRanks & { table: RankTable } {
  let text = readFileSync(path, 'utf8').trim();
  text = text.replace(/^export\s+default\s+/, '').replace(/^module\.exports\s*=\s*/, '').replace(/;$/, '');
  let obj: CompressedRanks;
  try { obj = JSON.parse(text) as CompressedRanks; } catch (e) { throw new Error(`${path}: not a ranks JSON object (${(e as Error).message})`); }
  if (typeof obj.bpe_ranks !== 'string' || typeof obj.pat_str !== 'string') throw new Error(`${path}: missing 'bpe_ranks' or 'pat_str'`);
  return { ...obj, special_tokens: obj.special_tokens ?? {}, table: parseCompressedRanks(obj.bpe_ranks, path) };
}
