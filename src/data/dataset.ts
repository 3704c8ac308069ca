// A prepared data folder: meta.json, tokenizer.json and train/val/test token shards.
// The test split is opened through `openTest()` only, which counts its reads (touched once).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Shard } from './shards.js';

export const DATA_FORMAT = 'lmforge-tokens';
export const DATA_VERSION = 1;

export type SplitName = 'train' | 'val' | 'test';

export interface SplitMeta {
  file: string;
  tokens: number;
  /** UTF-8 bytes of the split's text. */
  bytes: number;
  docs: number;
}

export interface DataMeta {
  format: typeof DATA_FORMAT;
  version: number;
  tokenizer: { name: string; file: string; vocab_size: number; eot_id: number | null; kind: string };
  dtype: 'uint16' | 'uint32';
  splits: Record<SplitName, SplitMeta>;
  seed: number;
  val_frac: number;
  test_frac: number;
  sources: string[];
}

export class Dataset {
  /** How many times each split's shard was opened through this class (instrumentation). */
  static reads: Record<SplitName, number> = { train: 0, val: 0, test: 0 };

  constructor(readonly dir: string, readonly meta: DataMeta) {}

  static open(dir: string): Dataset {
    const metaPath = join(dir, 'meta.json');
    if (!existsSync(metaPath)) throw new Error(`data ${dir}: no meta.json (prepare it with \`lmforge prepare --out ${dir}\`)`);
    let meta: DataMeta;
    try {
      meta = JSON.parse(readFileSync(metaPath, 'utf8')) as DataMeta;
    } catch (e) {
      throw new Error(`${metaPath}: not valid JSON (${(e as Error).message})`);
    }
    if (meta.format !== DATA_FORMAT) throw new Error(`${metaPath}: format '${String(meta.format)}' is not '${DATA_FORMAT}'`);
    if (meta.version !== DATA_VERSION) throw new Error(`${metaPath}: version ${meta.version} is not supported (expected ${DATA_VERSION}); prepare the data again`);
    for (const s of ['train', 'val', 'test'] as const) {
      const m = meta.splits?.[s];
      if (!m || typeof m.tokens !== 'number') throw new Error(`${metaPath}: split '${s}' is missing`);
    }
    return new Dataset(dir, meta);
  }

  get tokenizerPath(): string {
    return join(this.dir, this.meta.tokenizer.file);
  }

  get vocabSize(): number {
    return this.meta.tokenizer.vocab_size;
  }

  /** Open train or val (any number of times). */
  open(split: 'train' | 'val'): Shard {
    return this.openSplit(split);
  }

  /** Open the test split. Call once per run, at the very end. */
  openTest(): Shard {
    return this.openSplit('test');
  }

  private openSplit(split: SplitName): Shard {
    const m = this.meta.splits[split];
    if (m.tokens === 0) throw new Error(`data ${this.dir}: the ${split} split is empty (0 tokens); use more data or other --val-frac/--test-frac`);
    Dataset.reads[split]++;
    const shard = new Shard(join(this.dir, m.file));
    if (shard.length !== m.tokens) throw new Error(`data ${this.dir}: ${m.file} has ${shard.length} tokens but meta.json says ${m.tokens}`);
    return shard;
  }
}
