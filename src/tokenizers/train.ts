// Training a byte-level BPE from text or files: stream the input in chunks cut where pre-tokenization
// cannot change (pretokenize.ts::safeCut), count unique pieces, then learn merges (train_core.ts).
// Memory is bounded by the number of distinct pieces, not by the input size.

import { createReadStream, statSync } from 'node:fs';
import type { BpeDefinition, SplitPattern } from './bpe.js';
import { regexScanner, safeCut, scannerFor, type NextPiece } from './pretokenize.js';
import { SpecialTokens } from './special.js';
import { trainMerges } from './train_core.js';

export interface TrainProgress {
  phase: 'count' | 'merge';
  /** Bytes read (count) or merges learned (merge). */
  done: number;
  /** Total bytes (0 if unknown) or merges asked for. */
  total: number;
}

export interface TrainOptions {
  /** Final vocabulary size: 256 byte tokens + merges + special tokens. */
  vocabSize: number;
  /** Split pattern; default 'gpt2'. */
  pattern?: SplitPattern;
  /** Special tokens, given ids after the merges in this order (e.g. ['<|endoftext|>']). */
  specialTokens?: string[];
  name?: string;
  onProgress?: (p: TrainProgress) => void;
}

/** A string that does not keep a larger parent string alive (V8 slices share their parent). */
export function detach(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf16le').toString('utf16le');
}

/**
 * Counts pre-tokenized pieces over text fed in chunks of any size; special tokens are left out.
 * @example const c = new PieceCounter('gpt2'); c.push('hello hello'); c.end(); c.counts // Map { 'hello' => 1, ' hello' => 1 }
 */
export class PieceCounter {
  readonly counts = new Map<string, number>();
  private carry = '';
  private readonly next: NextPiece;
  private readonly special: SpecialTokens;
  private readonly specials: string[];
  private readonly whole: boolean;

  constructor(pattern: SplitPattern, specialTokens: readonly string[] = []) {
    this.whole = pattern === 'none'; // every document is one piece: nothing can be cut
    this.next = typeof pattern === 'string' ? scannerFor(pattern) : regexScanner(new RegExp(pattern.regex, 'gu'));
    this.specials = specialTokens.filter((s) => s.length > 0);
    this.special = new SpecialTokens(new Map(this.specials.map((s, i) => [s, i])));
  }

  /** Feed more text; the tail that might pre-tokenize differently with more text is held back. */
  push(text: string): void {
    const s = this.carry + text;
    if (this.whole) { this.carry = s; return; }
    let cut = safeCut(s, 0, s.length - 1);
    // Never cut inside a special token.
    for (let moved = true; moved && cut > 0;) {
      moved = false;
      for (const sp of this.specials) {
        const at = s.lastIndexOf(sp, cut - 1);
        if (at >= 0 && at + sp.length > cut) { cut = at; moved = true; }
      }
    }
    if (cut <= 0) { this.carry = s; return; }
    this.countText(s.slice(0, cut));
    this.carry = s.slice(cut);
  }

  /** Count what is held back. */
  end(): void {
    this.countText(this.carry);
    this.carry = '';
  }

  private countText(s: string): void {
    const counts = this.counts, next = this.next;
    for (const [start, end] of this.special.segments(s)) {
      for (let i = start; i < end;) {
        const e = next(s, i, end);
        const piece = s.slice(i, e);
        const v = counts.get(piece);
        if (v === undefined) counts.set(detach(piece), 1);
        else counts.set(piece, v + 1);
        i = e;
      }
    }
  }
}

/** Turn counted pieces into a tokenizer definition ('merges' mode: ids 0..255 bytes, 256+i merges, then specials). */
export function definitionFromCounts(counts: ReadonlyMap<string, number>, opts: TrainOptions): BpeDefinition {
  const specials = opts.specialTokens ?? [];
  const numMerges = opts.vocabSize - 256 - specials.length;
  if (!Number.isInteger(opts.vocabSize) || numMerges < 0) {
    throw new Error(`train: vocabSize ${opts.vocabSize} must be an integer >= 256 + ${specials.length} special tokens`);
  }
  const merges = trainMerges(counts, numMerges, (done, total) => opts.onProgress?.({ phase: 'merge', done, total }));
  const tokens: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
  for (const [a, b] of merges) {
    const t = new Uint8Array(tokens[a]!.length + tokens[b]!.length);
    t.set(tokens[a]!); t.set(tokens[b]!, tokens[a]!.length);
    tokens.push(t);
  }
  const specialTokens = new Map<string, number>();
  specials.forEach((s, i) => specialTokens.set(s, tokens.length + i));
  return { name: opts.name ?? 'bpe', pattern: opts.pattern ?? 'gpt2', mode: 'merges', tokens, merges, specialTokens };
}

/** Train from in-memory text (one string or many documents). */
export function trainFromText(texts: string | Iterable<string>, opts: TrainOptions): BpeDefinition {
  const counter = new PieceCounter(opts.pattern ?? 'gpt2', opts.specialTokens);
  if (typeof texts === 'string') { counter.push(texts); counter.end(); }
  else for (const t of texts) { counter.push(t); counter.end(); }
  return definitionFromCounts(counter.counts, opts);
}

/** Train from files, streamed in chunks (each file is a separate document). */
export async function trainFromFiles(paths: readonly string[], opts: TrainOptions): Promise<BpeDefinition> {
  const counter = new PieceCounter(opts.pattern ?? 'gpt2', opts.specialTokens);
  let total = 0, done = 0;
  for (const p of paths) {
    try { total += statSync(p).size; } catch { throw new Error(`train: cannot read input file '${p}'`); }
  }
  for (const p of paths) {
    const dec = new TextDecoder('utf-8', { ignoreBOM: true });
    for await (const chunk of createReadStream(p, { highWaterMark: 1 << 20 })) {
      counter.push(dec.decode(chunk as Buffer, { stream: true }));
      done += (chunk as Buffer).length;
      opts.onProgress?.({ phase: 'count', done, total });
    }
    counter.push(dec.decode());
    counter.end();
  }
  return definitionFromCounts(counter.counts, opts);
}
