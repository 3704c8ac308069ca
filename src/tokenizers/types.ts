// The Tokenizer contract every lmforge tokenizer (byte-level BPE, character-level) implements, and the
// special-token policy of encode. Data preparation, training and sampling depend only on this file.

/**
 * What encode does with the text of a special token (e.g. '<|endoftext|>'):
 * - 'raise' (default): throw, unless the token is listed in `allowedSpecial` (then it becomes its id);
 * - 'allow': encode it as its special id;
 * - 'text': encode it as ordinary text (tiktoken's encode_ordinary).
 */
export type SpecialPolicy = 'raise' | 'allow' | 'text';

export interface EncodeOptions {
  /** Special-token policy; default 'raise'. */
  policy?: SpecialPolicy;
  /** Special tokens encoded as ids under 'raise' (tiktoken's allowed_special), or the subset allowed under 'allow'. */
  allowedSpecial?: 'all' | Iterable<string>;
}

/**
 * A tokenizer: text <-> token ids.
 * @example
 * const tok = await loadTokenizer('gpt2');
 * tok.encode('hello world');            // [31373, 995]
 * tok.decode([31373, 995]);             // 'hello world'
 * tok.encode('<|endoftext|>', { policy: 'allow' }); // [50256]
 */
export interface Tokenizer {
  /** 'bpe' or 'char'. */
  readonly kind: 'bpe' | 'char';
  /** A short name (e.g. 'gpt2', 'cl100k_base', or the file it came from). */
  readonly name: string;
  /** Largest id + 1 (special tokens included). */
  readonly vocabSize: number;
  /** Id of '<|endoftext|>' (or the tokenizer's end-of-text token), if it has one. */
  readonly eotId: number | undefined;
  /** Special token text -> id. */
  readonly specialTokens: ReadonlyMap<string, number>;
  /** Text -> ids. */
  encode(text: string, opts?: EncodeOptions): number[];
  /** Raw bytes -> ids; bytes that are not valid UTF-8 still round-trip through decodeBytes exactly. */
  encodeBytes(bytes: Uint8Array, opts?: EncodeOptions): number[];
  /** Number of ids encode would return (without building the array where possible). */
  count(text: string, opts?: EncodeOptions): number;
  /** Ids -> text (invalid UTF-8 becomes U+FFFD). Throws on an id outside the vocabulary. */
  decode(ids: ArrayLike<number>): string;
  /** Ids -> the exact bytes. */
  decodeBytes(ids: ArrayLike<number>): Uint8Array;
  /** The bytes of one token. */
  tokenBytes(id: number): Uint8Array;
  /** Id of a special token, or undefined. */
  specialTokenId(token: string): number | undefined;
}
