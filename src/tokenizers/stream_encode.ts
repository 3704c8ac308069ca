// Encode inputs of any size in bounded memory: bytes arrive in chunks, incomplete UTF-8 at a chunk end is
// carried over, text is cut only where pre-tokenization cannot change (safeCut, never inside a special
// token), and bytes that are not valid UTF-8 are kept (surrogate-escaped) so the ids decode to the same bytes.

import { createReadStream, statSync } from 'node:fs';
import { BpeTokenizer } from './bpe.js';
import { safeCut } from './pretokenize.js';
import type { EncodeOptions, Tokenizer } from './types.js';
import { utf8DecodeEscaped } from './utf8.js';

/** Length of the longest prefix of b[0, n) that ends on a UTF-8 character boundary (or an invalid byte). */
function completePrefix(b: Uint8Array, n: number): number {
  for (let back = 1; back <= 3 && back <= n; back++) {
    const c = b[n - back]!;
    if ((c & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/**
 * Encode a stream of byte chunks, yielding ids chunk by chunk.
 * @example for await (const ids of encodeStream(tok, createReadStream('big.txt'))) out.write(Uint16Array.from(ids))
 */
export async function* encodeStream(tok: Tokenizer, chunks: AsyncIterable<Uint8Array | string>, opts?: EncodeOptions): AsyncGenerator<number[]> {
  const whole = tok instanceof BpeTokenizer && tok.pattern === 'none';
  const specials = [...tok.specialTokens.keys()].filter((s) => s.length > 0);
  let carryBytes = new Uint8Array(0);
  let text = '';
  let base = 0; // characters already encoded, so errors give offsets into the whole input
  const enc = (s: string): number[] => {
    try { return tok instanceof BpeTokenizer ? tok.encodeEscaped(s, opts) : tok.encode(s, opts); } catch (e) {
      const err = e as Error;
      err.message = err.message.replace(/at offset (\d+)/, (_m, d: string) => `at offset ${base + Number(d)}`);
      throw err;
    } finally { base += s.length; }
  };
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    const b = new Uint8Array(carryBytes.length + chunk.length);
    b.set(carryBytes); b.set(chunk, carryBytes.length);
    const n = completePrefix(b, b.length);
    carryBytes = b.slice(n);
    text += utf8DecodeEscaped(b.subarray(0, n));
    if (whole) continue;
    let cut = tok instanceof BpeTokenizer ? safeCut(text, 0, text.length - 1) : codePointCut(text);
    for (let moved = true; moved && cut > 0;) {
      moved = false;
      for (const sp of specials) {
        const at = text.lastIndexOf(sp, cut - 1);
        if (at >= 0 && at + sp.length > cut) { cut = at; moved = true; }
      }
    }
    if (cut <= 0) continue;
    yield enc(text.slice(0, cut));
    text = text.slice(cut);
  }
  text += utf8DecodeEscaped(carryBytes);
  if (text.length > 0) yield enc(text);
}

// For a character tokenizer any code point boundary is safe: keep a trailing high surrogate back.
function codePointCut(text: string): number {
  const n = text.length;
  if (n === 0) return 0;
  const c = text.charCodeAt(n - 1);
  return c >= 0xd800 && c <= 0xdbff ? n - 1 : n;
}

/**
 * Encode a file in bounded memory; `onChunk` gets the ids of each chunk and the bytes read so far.
 * @example await encodeFile(tok, 'big.txt', {}, (ids) => sink.push(...ids))
 */
export async function encodeFile(tok: Tokenizer, path: string, opts: EncodeOptions | undefined,
  onChunk: (ids: number[], bytesRead: number, totalBytes: number) => void): Promise<number> {
  let total: number;
  try { total = statSync(path).size; } catch { throw new Error(`cannot read input file '${path}'`); }
  let read = 0, count = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 22 });
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const c of stream) { read += (c as Buffer).length; yield c as Buffer; }
  }
  for await (const ids of encodeStream(tok, counted(), opts)) { count += ids.length; onChunk(ids, read, total); }
  return count;
}
