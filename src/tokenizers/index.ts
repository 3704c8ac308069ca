// Public API of lmforge's tokenizers: byte-level BPE (GPT-2 / tiktoken compatible, trainable), a
// character-level tokenizer, loading and saving in lmforge / Hugging Face / tiktoken formats, streaming decode.

export type { Tokenizer, EncodeOptions, SpecialPolicy } from './types.js';
export { BpeTokenizer, type BpeDefinition, type SplitPattern } from './bpe.js';
export { CharTokenizer } from './char.js';
export { StreamingDecoder } from './streaming.js';
export { loadTokenizer, loadTokenizerSync, saveTokenizer, toLmforgeJson, asciiCharTokenizer, type LoadOptions, type SaveFormat } from './load.js';
export { loadNamedTokenizer, VOCAB_NAMES, VOCAB_INFO, type VocabName } from './named.js';
export { PATTERN_NAMES, JS_PATTERNS, ORIGINAL_PATTERNS, splitWithRegex, patternFromRegex, type PatternName } from './patterns.js';
export { pretokenize } from './pretokenize.js';
export { PieceCounter, trainFromText, trainFromFiles, type TrainOptions, type TrainProgress } from './train.js';
export { trainMerges } from './train_core.js';
export { referenceTrain, referenceEncodeMerges, referenceEncodeRanks } from './reference_bpe.js';
export { bytesToUnicode, unicodeToBytes } from './byte_unicode.js';
export { encodeStream, encodeFile } from './stream_encode.js';
