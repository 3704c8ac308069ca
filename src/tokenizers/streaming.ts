// Incremental decoding for generation: feed ids one at a time, get text back as soon as it forms whole
// characters. A multi-byte character split across tokens (emoji, CJK in byte-level BPE) is held back
// until complete, so the output never contains a broken character mid-stream.

import type { Tokenizer } from './types.js';

/**
 * @example
 * const sd = new StreamingDecoder(tok);
 * for (const id of ids) process.stdout.write(sd.push(id));
 * process.stdout.write(sd.flush());
 */
export class StreamingDecoder {
  private dec = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

  constructor(private readonly tok: Tokenizer) {}

  /** Add one id or several; returns the text completed by them ('' while a character is incomplete). */
  push(ids: number | ArrayLike<number>): string {
    const bytes = this.tok.decodeBytes(typeof ids === 'number' ? [ids] : ids);
    return this.dec.decode(bytes, { stream: true });
  }

  /** End of stream: an incomplete trailing character comes out as U+FFFD. Resets the decoder. */
  flush(): string {
    const s = this.dec.decode();
    this.dec = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
    return s;
  }
}
