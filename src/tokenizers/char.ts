// Character-level tokenizer (nanoGPT's shakespeare_char): one id per Unicode code point seen in training,
// in sorted code point order, then optional special tokens. Unknown characters are an error naming them.

import { SpecialTokens, type ResolvedSpecial } from './special.js';
import type { EncodeOptions, Tokenizer } from './types.js';
import { utf8Encode } from './utf8.js';

/**
 * @example
 * const tok = CharTokenizer.train('hello');   // chars: e h l o
 * tok.encode('hole');                          // [1, 3, 2, 0]
 * tok.decode([1, 0, 2, 2, 3]);                 // 'hello'
 */
export class CharTokenizer implements Tokenizer {
  readonly kind = 'char' as const;
  readonly name: string;
  readonly vocabSize: number;
  readonly eotId: number | undefined;
  readonly specialTokens: ReadonlyMap<string, number>;
  /** id -> character (a whole code point). */
  readonly chars: readonly string[];
  private readonly idOf = new Map<number, number>();
  private readonly special: SpecialTokens;
  private readonly strings: string[];

  constructor(chars: readonly string[], specialTokens: readonly string[] = [], name = 'char') {
    this.name = name;
    this.chars = chars.slice();
    chars.forEach((c, i) => {
      const cp = c.codePointAt(0);
      if (cp === undefined || String.fromCodePoint(cp) !== c) throw new Error(`${name}: entry ${i} ${JSON.stringify(c)} is not exactly one code point`);
      if (this.idOf.has(cp)) throw new Error(`${name}: character ${JSON.stringify(c)} appears twice (ids ${this.idOf.get(cp)} and ${i})`);
      this.idOf.set(cp, i);
    });
    const sp = new Map<string, number>();
    specialTokens.forEach((s, i) => sp.set(s, chars.length + i));
    this.specialTokens = sp;
    this.special = new SpecialTokens(sp);
    this.strings = [...chars, ...specialTokens];
    this.vocabSize = this.strings.length;
    this.eotId = sp.get('<|endoftext|>');
  }

  /** The sorted set of code points in the text(s). */
  static train(texts: string | Iterable<string>, specialTokens: readonly string[] = []): CharTokenizer {
    const set = new Set<number>();
    for (const t of typeof texts === 'string' ? [texts] : texts) for (const ch of t) set.add(ch.codePointAt(0)!);
    return new CharTokenizer([...set].sort((a, b) => a - b).map((c) => String.fromCodePoint(c)), specialTokens);
  }

  /**
   * The sorted set of code points in text files, streamed.
   * @example const tok = await CharTokenizer.trainFromFiles(['input.txt'])
   */
  static async trainFromFiles(paths: readonly string[], specialTokens: readonly string[] = []): Promise<CharTokenizer> {
    const { createReadStream } = await import('node:fs');
    const set = new Set<number>();
    for (const p of paths) {
      const dec = new TextDecoder('utf-8', { ignoreBOM: true });
      const add = (t: string) => { for (const ch of t) set.add(ch.codePointAt(0)!); };
      try {
        for await (const chunk of createReadStream(p, { highWaterMark: 1 << 22 })) add(dec.decode(chunk as Buffer, { stream: true }));
      } catch (e) { throw new Error(`char: cannot read input file '${p}' (${(e as Error).message})`); }
      add(dec.decode());
    }
    return new CharTokenizer([...set].sort((a, b) => a - b).map((c) => String.fromCodePoint(c)), specialTokens);
  }

  specialTokenId(token: string): number | undefined { return this.specialTokens.get(token); }

  encode(text: string, opts?: EncodeOptions): number[] {
    const r: ResolvedSpecial = this.special.resolve(opts);
    this.special.check(text, r);
    const out: number[] = [];
    let start = 0;
    for (;;) {
      const m = this.special.next(text, start, r.allowed);
      const end = m ? m[0] : text.length;
      for (let i = start; i < end;) {
        const cp = text.codePointAt(i)!;
        const id = this.idOf.get(cp);
        if (id === undefined) throw new Error(`${this.name}: character ${JSON.stringify(String.fromCodePoint(cp))} (U+${cp.toString(16).toUpperCase().padStart(4, '0')}) at offset ${i} is not in the vocabulary`);
        out.push(id);
        i += cp > 0xffff ? 2 : 1;
      }
      if (!m) return out;
      out.push(this.specialTokens.get(m[1])!);
      start = m[0] + m[1].length;
    }
  }

  /** Bytes must be valid UTF-8 here: a character vocabulary has no byte tokens. */
  encodeBytes(bytes: Uint8Array, opts?: EncodeOptions): number[] {
    let text: string;
    try { text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes); } catch {
      throw new Error(`${this.name}: input is not valid UTF-8; a character tokenizer cannot encode raw bytes (use a byte-level BPE)`);
    }
    return this.encode(text, opts);
  }

  count(text: string, opts?: EncodeOptions): number { return this.encode(text, opts).length; }

  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const t = this.strings[ids[i]!];
      if (t === undefined) throw new Error(`${this.name}: cannot decode id ${ids[i]} at position ${i}: not in the vocabulary (size ${this.vocabSize})`);
      s += t;
    }
    return s;
  }

  decodeBytes(ids: ArrayLike<number>): Uint8Array { return utf8Encode(this.decode(ids)); }

  tokenBytes(id: number): Uint8Array { return this.decodeBytes([id]); }
}

