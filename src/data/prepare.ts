// `lmforge prepare`: documents -> deterministic train/val/test split by document -> token shards
// (uint16 when the vocabulary fits, else uint32) + meta.json + tokenizer.json. A BPE tokenizer can be
// trained on the train split only (--vocab-size). Two passes over the inputs keep memory bounded.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../tensor/rng.js';
import { writeFileAtomic } from '../io/atomic.js';
import { documents, type Doc } from './corpus.js';
import { ShardWriter } from './shards.js';
import { DATA_FORMAT, DATA_VERSION, type DataMeta, type SplitName } from './dataset.js';
import { BpeTokenizer, CharTokenizer, loadTokenizer, saveTokenizer, type PatternName, type Tokenizer } from '../tokenizers/index.js';

export interface PrepareOptions {
  /** Files, folders or JSONL files; empty = the built-in corpus (npm nlp-corpus). */
  inputs: string[];
  /** A tokenizer file, a name (gpt2, r50k_base, cl100k_base, o200k_base), 'char', or 'bpe' to train one. */
  tokenizer: string;
  out: string;
  valFrac?: number;
  testFrac?: number;
  seed?: number;
  /** Train a byte-level BPE of this size on the train split (implies tokenizer 'bpe'). */
  vocabSize?: number;
  /** Split pattern of a trained BPE (default gpt2). */
  pattern?: PatternName;
  onProgress?: (phase: 'tokenizer' | 'encode', docsDone: number) => void;
}

export interface PrepareResult {
  meta: DataMeta;
  tokenizer: Tokenizer;
}

/** The split of each document, decided in document order by a seeded generator. */
function splitOf(rng: Rng, valFrac: number, testFrac: number): SplitName {
  const u = rng.uniform();
  return u < valFrac ? 'val' : u < valFrac + testFrac ? 'test' : 'train';
}

function* withSplits(inputs: string[], seed: number, valFrac: number, testFrac: number): Generator<[Doc, SplitName]> {
  const rng = new Rng(seed);
  for (const d of documents(inputs)) yield [d, splitOf(rng, valFrac, testFrac)];
}

/**
 * Prepare a data folder.
 * @example await prepare({ inputs: [], tokenizer: 'char', out: 'data/corpus' })
 */
export async function prepare(o: PrepareOptions): Promise<PrepareResult> {
  const valFrac = o.valFrac ?? 0.05, testFrac = o.testFrac ?? 0.05, seed = o.seed ?? 1337;
  if (!(valFrac > 0 && testFrac > 0 && valFrac + testFrac < 1)) {
    throw new Error(`prepare: --val-frac (${valFrac}) and --test-frac (${testFrac}) must be > 0 and sum to less than 1`);
  }
  mkdirSync(o.out, { recursive: true });
  let tok: Tokenizer;
  const trainTexts = function* (): Generator<string> {
    let n = 0;
    for (const [d, s] of withSplits(o.inputs, seed, valFrac, testFrac)) {
      if (s === 'train') yield d.text;
      if (++n % 1000 === 0) o.onProgress?.('tokenizer', n);
    }
  };
  if (o.vocabSize !== undefined || o.tokenizer === 'bpe') {
    if (!o.vocabSize) throw new Error('prepare: training a BPE tokenizer needs --vocab-size');
    tok = BpeTokenizer.train(trainTexts(), { vocabSize: o.vocabSize, pattern: o.pattern ?? 'gpt2', specialTokens: ['<|endoftext|>'], name: 'bpe' });
  } else if (o.tokenizer === 'char') {
    // nanoGPT's char-level recipe: the character set of all the text (only the set, no statistics)
    const all = function* (): Generator<string> {
      for (const d of documents(o.inputs)) { yield d.text; if (d.joiner) yield d.joiner; }
      yield '\n';
    };
    tok = CharTokenizer.train(all());
  } else {
    tok = await loadTokenizer(o.tokenizer);
  }

  const bytesPerToken = tok.vocabSize <= 65536 ? 2 : 4;
  const splits: SplitName[] = ['train', 'val', 'test'];
  const writers = Object.fromEntries(splits.map((s) => [s, new ShardWriter(join(o.out, `${s}.bin`), bytesPerToken)])) as Record<SplitName, ShardWriter>;
  const stats = Object.fromEntries(splits.map((s) => [s, { bytes: 0, docs: 0 }])) as Record<SplitName, { bytes: number; docs: number }>;
  const sources = new Set<string>();
  const sep = tok.kind === 'char' ? [tok.encode('\n')[0]!] : tok.eotId !== undefined ? [tok.eotId] : [];
  try {
    let n = 0;
    for (const [d, s] of withSplits(o.inputs, seed, valFrac, testFrac)) {
      sources.add(d.source);
      const ids = tok.encode(d.text, { policy: 'text' });
      if (d.joiner !== null) ids.push(...tok.encode(d.joiner, { policy: 'text' }));
      else ids.push(...sep);
      writers[s].write(ids);
      // bytes of the text the tokens stand for (an EOT separator stands for none, a char '\n' for one)
      stats[s].bytes += Buffer.byteLength(d.text, 'utf8') + (d.joiner !== null ? Buffer.byteLength(d.joiner, 'utf8') : tok.kind === 'char' ? 1 : 0);
      stats[s].docs++;
      if (++n % 1000 === 0) o.onProgress?.('encode', n);
    }
    for (const s of splits) {
      if (stats[s].docs === 0) throw new Error(`prepare: the ${s} split got no documents (${n} documents in all); add data or raise --${s}-frac`);
    }
    for (const s of splits) writers[s].finish();
  } catch (e) {
    for (const s of splits) writers[s].abort();
    throw e;
  }
  saveTokenizer(tok, join(o.out, 'tokenizer.json'));
  const meta: DataMeta = {
    format: DATA_FORMAT, version: DATA_VERSION,
    tokenizer: { name: o.vocabSize ? `bpe-${o.vocabSize}` : o.tokenizer, file: 'tokenizer.json', vocab_size: tok.vocabSize, eot_id: tok.eotId ?? null, kind: tok.kind },
    dtype: bytesPerToken === 2 ? 'uint16' : 'uint32',
    splits: Object.fromEntries(splits.map((s) => [s, { file: `${s}.bin`, tokens: writers[s].tokens, bytes: stats[s].bytes, docs: stats[s].docs }])) as DataMeta['splits'],
    seed, val_frac: valFrac, test_frac: testFrac,
    sources: o.inputs.length === 0 ? ['nlp-corpus (built-in)'] : [...sources].slice(0, 1000),
  };
  writeFileAtomic(join(o.out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  return { meta, tokenizer: tok };
}
