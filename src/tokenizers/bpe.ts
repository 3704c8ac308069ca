// The byte-level BPE tokenizer: pre-tokenize (split pattern), merge each piece (bpe_core.ts), cache
// piece -> ids. Two semantics: 'ranks' (tiktoken: a piece that is a token is that token, then join the
// adjacent parts whose concatenation has the lowest rank) and 'merges' (minbpe / Hugging Face merges list).

import { PairTable, bpeMerge } from './bpe_core.js';
import { type NextPiece, scannerFor, regexScanner } from './pretokenize.js';
import type { PatternName } from './patterns.js';
import { SpecialTokens, type ResolvedSpecial } from './special.js';
import type { EncodeOptions, Tokenizer } from './types.js';
import { utf8Decode, utf8DecodeEscaped, utf8EncodeInto } from './utf8.js';
import { BytesIndex, TokenTable } from './token_table.js';
import { PieceCache } from './piece_cache.js';
import { trainFromFiles, trainFromText, type TrainOptions } from './train.js';

/** A built-in split pattern, or a custom JS RegExp source (flags 'u'). */
export type SplitPattern = PatternName | { regex: string };

/** Everything that defines a byte-level BPE tokenizer. */
export interface BpeDefinition {
  name?: string;
  pattern: SplitPattern;
  /** 'ranks': tiktoken semantics (id = rank); 'merges': apply `merges` in order. */
  mode: 'ranks' | 'merges';
  /** id -> bytes for ordinary tokens (holes allowed). A TokenTable is taken over, not copied. */
  tokens: TokenTable | ReadonlyArray<Uint8Array | undefined>;
  /** 'merges' mode: merge i joins ids (a, b) into the token whose bytes are bytes(a)+bytes(b). */
  merges?: ReadonlyArray<readonly [number, number]>;
  /** Special token text -> id. */
  specialTokens?: ReadonlyMap<string, number> | Record<string, number>;
  /** Hugging Face `ignore_merges`: a piece that is a token is that token (always true in 'ranks' mode). */
  wholeTokenFirst?: boolean;
}


/**
 * Byte-level BPE (GPT-2 / tiktoken family). Build one with `BpeTokenizer.train*`, `loadTokenizer`, or from a
 * `BpeDefinition`.
 * @example
 * const tok = BpeTokenizer.train('aaabdaaabac', { vocabSize: 259, pattern: 'none' });
 * tok.encode('aaabdaaabac'); // [258, 100, 258, 97, 99]
 */
export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  readonly name: string;
  readonly pattern: SplitPattern;
  readonly mode: 'ranks' | 'merges';
  readonly vocabSize: number;
  readonly eotId: number | undefined;
  readonly specialTokens: ReadonlyMap<string, number>;
  /** 'merges' mode: the merges list. */
  readonly merges: ReadonlyArray<readonly [number, number]>;
  readonly wholeTokenFirst: boolean;
  /** Number of ordinary (non-special) tokens. */
  readonly ordinaryCount: number;

  private readonly next: NextPiece;
  private readonly special: SpecialTokens;
  private readonly table: TokenTable;
  private readonly index: BytesIndex;
  private readonly byteIds = new Int32Array(256).fill(-1);
  private readonly pairs: PairTable;
  private readonly cache = new PieceCache();
  private maxTokenLen = 1;
  private buf = new Uint8Array(1024);
  private syms = new Int32Array(1024);

  constructor(def: BpeDefinition) {
    this.name = def.name ?? 'bpe';
    this.pattern = def.pattern;
    this.mode = def.mode;
    this.wholeTokenFirst = def.mode === 'ranks' || !!def.wholeTokenFirst;
    this.next = typeof def.pattern === 'string' ? scannerFor(def.pattern) : regexScanner(new RegExp(def.pattern.regex, 'gu'));
    const table = def.tokens instanceof TokenTable ? def.tokens : TokenTable.fromArrays(def.tokens);
    this.table = table;
    try { this.index = new BytesIndex(table); } catch (e) { throw new Error(`${this.name}: ${(e as Error).message}`); }
    let ordinary = 0;
    for (let id = 0; id < table.size; id++) {
      const n = table.len[id]!;
      if (n < 0) continue;
      ordinary++;
      if (n > this.maxTokenLen) this.maxTokenLen = n;
      if (n === 1) this.byteIds[table.pool[table.start[id]!]!] = id;
    }
    this.ordinaryCount = ordinary;
    this.merges = def.merges ?? [];
    if (def.mode === 'merges') {
      this.pairs = new PairTable(this.merges.length);
      let scratch = new Uint8Array(256);
      this.merges.forEach(([a, b], rank) => {
        if (!table.has(a) || !table.has(b)) throw new Error(`${this.name}: merge ${rank} (${a}, ${b}) refers to a missing token`);
        const la = table.len[a]!, lb = table.len[b]!;
        if (scratch.length < la + lb) scratch = new Uint8Array((la + lb) * 2);
        scratch.set(table.pool.subarray(table.start[a]!, table.start[a]! + la));
        scratch.set(table.pool.subarray(table.start[b]!, table.start[b]! + lb), la);
        const out = this.index.find(scratch, 0, la + lb);
        if (out < 0) throw new Error(`${this.name}: merge ${rank} (${a}, ${b}) makes bytes that are not a token`);
        if (this.pairs.find(a, b) < 0) this.pairs.set(a, b, rank, out);
      });
    } else {
      // tiktoken semantics: parts A, B may join iff bytes(A)+bytes(B) is a token; its rank orders the joins.
      this.pairs = new PairTable(table.size * 2);
      const pool = table.pool;
      for (let id = 0; id < table.size; id++) {
        const n = table.len[id]!, s = table.start[id]!;
        for (let cut = 1; cut < n; cut++) {
          const a = this.index.find(pool, s, s + cut);
          if (a < 0) continue;
          const b = this.index.find(pool, s + cut, s + n);
          if (b >= 0) this.pairs.set(a, b, id, id);
        }
      }
    }
    const specials = def.specialTokens instanceof Map ? new Map(def.specialTokens) : new Map(Object.entries(def.specialTokens ?? {}));
    const enc = new TextEncoder();
    for (const [s, id] of specials) {
      if (!Number.isInteger(id) || id < 0) throw new Error(`${this.name}: special token '${s}' has invalid id ${id}`);
      if (table.has(id)) throw new Error(`${this.name}: special token '${s}' reuses id ${id} of an ordinary token`);
      const b = enc.encode(s);
      table.set(id, b, 0, b.length);
    }
    this.specialTokens = specials;
    this.special = new SpecialTokens(specials);
    this.vocabSize = table.size;
    this.eotId = specials.get('<|endoftext|>') ?? specials.get('<|end_of_text|>') ?? specials.get('</s>');
  }

  /**
   * Train on in-memory text (a string or many documents) with the fast trainer.
   * @example BpeTokenizer.train(text, { vocabSize: 4096, pattern: 'gpt2', specialTokens: ['<|endoftext|>'] })
   */
  static train(texts: string | Iterable<string>, opts: TrainOptions): BpeTokenizer {
    return new BpeTokenizer(trainFromText(texts, opts));
  }

  /**
   * Train on files, streamed (memory bounded by the number of distinct pieces).
   * @example await BpeTokenizer.trainFromFiles(['a.txt'], { vocabSize: 16384, pattern: 'cl100k' })
   */
  static async trainFromFiles(paths: readonly string[], opts: TrainOptions): Promise<BpeTokenizer> {
    return new BpeTokenizer(await trainFromFiles(paths, opts));
  }

  specialTokenId(token: string): number | undefined { return this.specialTokens.get(token); }

  /** True if id is a special token. */
  isSpecial(id: number): boolean { return this.specialIds().has(id); }

  private specialIdSet: Set<number> | undefined;
  private specialIds(): Set<number> { return (this.specialIdSet ??= new Set(this.specialTokens.values())); }

  /** A copy of the bytes of one token (special tokens: their UTF-8 text). */
  tokenBytes(id: number): Uint8Array {
    const t = this.table.get(id);
    if (!t) throw new Error(`${this.name}: token id ${id} is not in the vocabulary (size ${this.vocabSize})`);
    return t.slice();
  }

  /** Bytes of every ordinary token (id -> bytes, undefined for holes and special tokens). */
  ordinaryTokens(): Array<Uint8Array | undefined> {
    const out: Array<Uint8Array | undefined> = [];
    const sp = this.specialIds();
    for (let id = 0; id < this.table.size; id++) out.push(sp.has(id) ? undefined : this.table.get(id)?.slice());
    return out;
  }

  /** Text -> ids. Special tokens follow `opts.policy` (default 'raise'). */
  encode(text: string, opts?: EncodeOptions): number[] {
    const out: number[] = [];
    this.encodeInto(text, this.special.resolve(opts), out, false);
    return out;
  }

  /** Raw bytes -> ids; invalid UTF-8 bytes are kept (surrogate-escaped) so decodeBytes gives them back. */
  encodeBytes(bytes: Uint8Array, opts?: EncodeOptions): number[] {
    const text = utf8DecodeEscaped(bytes);
    const out: number[] = [];
    this.encodeInto(text, this.special.resolve(opts), out, /[\udc80-\udcff]/.test(text));
    return out;
  }

  /** Encode text made by `utf8DecodeEscaped` (lone U+DC80..U+DCFF stand for raw bytes). */
  encodeEscaped(text: string, opts?: EncodeOptions): number[] {
    const out: number[] = [];
    this.encodeInto(text, this.special.resolve(opts), out, /[\udc80-\udcff]/.test(text));
    return out;
  }

  /** Encode text ignoring special tokens entirely (tiktoken's encode_ordinary). */
  encodeOrdinary(text: string): number[] {
    const out: number[] = [];
    this.encodeSegment(text, 0, text.length, out, false);
    return out;
  }

  /** Number of tokens `encode(text, opts)` returns. */
  count(text: string, opts?: EncodeOptions): number {
    const r = this.special.resolve(opts);
    this.special.check(text, r);
    let n = 0, start = 0;
    const scratch: number[] = [];
    for (;;) {
      const m = this.special.next(text, start, r.allowed);
      const end = m ? m[0] : text.length;
      n += this.countSegment(text, start, end, scratch);
      if (!m) return n;
      n++;
      start = m[0] + m[1].length;
    }
  }

  /** Encode text with its special tokens resolved, appending to `out`. `escaped`: see utf8DecodeEscaped. */
  encodeInto(text: string, r: ResolvedSpecial, out: number[], escaped: boolean): void {
    this.special.check(text, r);
    let start = 0;
    for (;;) {
      const m = this.special.next(text, start, r.allowed);
      const end = m ? m[0] : text.length;
      if (end > start) this.encodeSegment(text, start, end, out, escaped);
      if (!m) return;
      out.push(this.specialTokens.get(m[1])!);
      start = m[0] + m[1].length;
    }
  }

  /** Pre-tokenize text[start, end) and encode every piece, appending to out. */
  encodeSegment(text: string, start: number, end: number, out: number[], escaped: boolean): void {
    const next = this.next, cache = this.cache;
    if (escaped) {
      for (let i = start; i < end;) { const e = next(text, i, end); this.encodePiece(text, i, e, out, true); i = e; }
      return;
    }
    for (let i = start; i < end;) {
      const e = next(text, i, end);
      const ent = cache.lookup(text, i, e);
      if (ent >= 0) cache.emit(ent, out);
      else {
        const at = out.length;
        this.encodePiece(text, i, e, out, false);
        cache.insert(text, i, e, out, at, out.length);
      }
      i = e;
    }
  }

  private countSegment(text: string, start: number, end: number, scratch: number[]): number {
    const next = this.next, cache = this.cache;
    let n = 0;
    for (let i = start; i < end;) {
      const e = next(text, i, end);
      const ent = cache.lookup(text, i, e);
      if (ent >= 0) n += cache.size(ent);
      else {
        scratch.length = 0;
        this.encodePiece(text, i, e, scratch, false);
        cache.insert(text, i, e, scratch, 0, scratch.length);
        n += scratch.length;
      }
      i = e;
    }
    return n;
  }

  /** Merge one piece text[i, e) (no cache). */
  private encodePiece(text: string, i: number, e: number, out: number[], escaped: boolean): void {
    if (this.buf.length < (e - i) * 3) { this.buf = new Uint8Array((e - i) * 6); this.syms = new Int32Array((e - i) * 6); }
    const buf = this.buf, syms = this.syms;
    const n = utf8EncodeInto(text, i, e, buf, escaped);
    if (this.wholeTokenFirst && n > 1 && n <= this.maxTokenLen) {
      const id = this.index.find(buf, 0, n);
      if (id >= 0) { out.push(id); return; }
    }
    for (let k = 0; k < n; k++) {
      const id = this.byteIds[buf[k]!]!;
      if (id < 0) throw new Error(`${this.name}: byte 0x${buf[k]!.toString(16)} has no token, cannot encode '${text.slice(i, e)}'`);
      syms[k] = id;
    }
    bpeMerge(this.pairs, syms, n, out);
  }

  /** Ids -> exact bytes. */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    const { pool, start, len } = this.table;
    const size = this.table.size;
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const l = id >= 0 && id < size ? len[id]! : -1;
      if (l < 0) throw new Error(`${this.name}: cannot decode id ${id} at position ${i}: not in the vocabulary (size ${this.vocabSize})`);
      n += l;
    }
    const out = new Uint8Array(n);
    let o = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!, s = start[id]!, l = len[id]!;
      for (let k = 0; k < l; k++) out[o + k] = pool[s + k]!;
      o += l;
    }
    return out;
  }

  /** Ids -> text (invalid UTF-8 -> U+FFFD, as tiktoken's decode). */
  decode(ids: ArrayLike<number>): string {
    return utf8Decode(this.decodeBytes(ids));
  }
}
