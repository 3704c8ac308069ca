// Token shards for other trainers: nanoGPT's train.bin / val.bin (raw uint16, no header, plus a meta.pkl
// holding vocab_size as nanoGPT's train.py reads it) and llm.c's shards (a header of 256 int32 — magic
// 20240520, version 1, token count — then uint16 tokens; llm.c dev/data/data_common.py write_datafile).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset } from './dataset.js';
import type { Shard } from './shards.js';
import { openAtomic } from '../io/atomic.js';

export type ShardFormat = 'nanogpt' | 'llmc';

export const LLMC_MAGIC = 20240520;
export const LLMC_VERSION = 1;
export const LLMC_HEADER_INTS = 256;

export interface ExportedShard { split: 'train' | 'val'; path: string; tokens: number }

export interface ExportOptions {
  /** llm.c: tokens per shard file (default 100,000,000, as llm.c's FineWeb script). */
  shardTokens?: number;
  /** llm.c: file name prefix (default 'lmforge'): PREFIX_train_000000.bin, PREFIX_val_000000.bin. */
  prefix?: string;
}

/** A pickle (protocol 2) of {'vocab_size': n}: what nanoGPT's train.py reads from meta.pkl. */
export function nanogptMetaPickle(vocabSize: number): Uint8Array {
  const key = Buffer.from('vocab_size', 'utf8');
  const b = Buffer.alloc(2 + 1 + 1 + 4 + key.length + 1 + 4 + 1 + 1);
  let o = 0;
  b[o++] = 0x80; b[o++] = 2; // PROTO 2
  b[o++] = 0x7d; // EMPTY_DICT
  b[o++] = 0x58; b.writeUInt32LE(key.length, o); o += 4; key.copy(b, o); o += key.length; // BINUNICODE
  b[o++] = 0x4a; b.writeInt32LE(vocabSize, o); o += 4; // BININT
  b[o++] = 0x73; // SETITEM
  b[o++] = 0x2e; // STOP
  return b;
}

/** llm.c's 1024-byte header. */
export function llmcHeader(tokens: number): Uint8Array {
  const h = Buffer.alloc(LLMC_HEADER_INTS * 4);
  h.writeInt32LE(LLMC_MAGIC, 0);
  h.writeInt32LE(LLMC_VERSION, 4);
  h.writeInt32LE(tokens, 8);
  return h;
}

/** Stream tokens [start, start+count) of a shard as uint16 LE into `write`. */
function copyTokens(shard: Shard, start: number, count: number, write: (b: Uint8Array) => void): void {
  const CH = 1 << 20;
  const ids = new Int32Array(CH);
  const out = Buffer.alloc(CH * 2);
  for (let i = 0; i < count; i += CH) {
    const n = Math.min(CH, count - i);
    shard.read(start + i, n, ids);
    for (let j = 0; j < n; j++) out.writeUInt16LE(ids[j]!, 2 * j);
    write(out.subarray(0, 2 * n));
  }
}

function writeFile(path: string, parts: (write: (b: Uint8Array) => void) => void): void {
  const w = openAtomic(path);
  try {
    parts((b) => w.write(b));
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}

/**
 * Write a prepared data folder's train and val splits in nanoGPT's or llm.c's format (uint16 tokens).
 * The test split is not exported (it stays held out). Every file is written atomically.
 * @example exportShards('data/shakespeare', 'nanogpt', 'nanoGPT/data/shakespeare_lmforge')
 */
export function exportShards(dataDir: string, format: ShardFormat, outDir: string, opts: ExportOptions = {}): ExportedShard[] {
  if (format !== 'nanogpt' && format !== 'llmc') throw new Error(`exportShards: format must be 'nanogpt' or 'llmc', got '${String(format)}'`);
  const ds = Dataset.open(dataDir);
  if (ds.vocabSize > 65536) {
    throw new Error(`exportShards: ${format} stores tokens as uint16, but the data's tokenizer has ${ds.vocabSize} tokens (at most 65,536 fit)`);
  }
  const shardTokens = opts.shardTokens ?? 100_000_000;
  if (!Number.isInteger(shardTokens) || shardTokens <= 0 || shardTokens >= 2 ** 31) throw new Error(`exportShards: shardTokens must be a positive integer below 2^31, got ${shardTokens}`);
  const prefix = opts.prefix ?? 'lmforge';
  mkdirSync(outDir, { recursive: true });
  const out: ExportedShard[] = [];
  for (const split of ['train', 'val'] as const) {
    const shard = ds.open(split);
    try {
      if (format === 'nanogpt') {
        const path = join(outDir, `${split}.bin`);
        writeFile(path, (w) => copyTokens(shard, 0, shard.length, w));
        out.push({ split, path, tokens: shard.length });
        continue;
      }
      for (let i = 0, k = 0; i < shard.length || k === 0; i += shardTokens, k++) {
        const n = Math.min(shardTokens, shard.length - i);
        const path = join(outDir, `${prefix}_${split}_${String(k).padStart(6, '0')}.bin`);
        writeFile(path, (w) => { w(llmcHeader(n)); copyTokens(shard, i, n, w); });
        out.push({ split, path, tokens: n });
      }
    } finally {
      shard.close();
    }
  }
  if (format === 'nanogpt') writeFile(join(outDir, 'meta.pkl'), (w) => w(nanogptMetaPickle(ds.vocabSize)));
  return out;
}
