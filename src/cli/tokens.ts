// Shared by eval/train/sample: a tokenizer from a data or checkpoint folder, and the UTF-8 byte
// length of each token (0 for special tokens) for bits per byte.
import type { Tokenizer } from '../tokenizers/index.js';

export function tokenByteLengths(tok: Tokenizer): (id: number) => number {
  const lens = new Int32Array(tok.vocabSize).fill(-1);
  const special = new Set(tok.specialTokens.values());
  return (id: number): number => {
    let l = lens[id]!;
    if (l < 0) l = lens[id] = special.has(id) ? 0 : tok.tokenBytes(id).length;
    return l;
  };
}
