// Token shards: a 32-byte versioned header + little-endian uint16 or uint32 token ids.
//   bytes 0..7   magic "LMFTOKS\0"
//   bytes 8..11  u32 version (1)
//   bytes 12..15 u32 bytes per token (2 or 4)
//   bytes 16..23 u64 number of tokens
//   bytes 24..31 reserved (0)
// Reads are positioned (pread), so a shard of any size is sampled with bounded memory.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { openAtomic, type AtomicWriter } from '../io/atomic.js';

export const SHARD_MAGIC = 'LMFTOKS\0';
export const SHARD_VERSION = 1;
export const SHARD_HEADER_BYTES = 32;

/** Streams token ids into a shard file, atomically (nothing is visible until `finish`). */
export class ShardWriter {
  private w: AtomicWriter;
  private count = 0;
  private buf: Buffer;
  private fill = 0;

  constructor(readonly path: string, readonly bytesPerToken: 2 | 4) {
    this.w = openAtomic(path);
    this.w.write(new Uint8Array(SHARD_HEADER_BYTES)); // placeholder, rewritten by finish()
    this.buf = Buffer.alloc(1 << 20);
  }

  write(ids: ArrayLike<number>): void {
    const max = this.bytesPerToken === 2 ? 0xffff : 0xffffffff;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id <= max)) throw new Error(`ShardWriter(${this.path}): token id ${id} does not fit ${this.bytesPerToken * 8} bits`);
      if (this.fill + this.bytesPerToken > this.buf.length) this.flush();
      if (this.bytesPerToken === 2) this.buf.writeUInt16LE(id, this.fill);
      else this.buf.writeUInt32LE(id, this.fill);
      this.fill += this.bytesPerToken;
    }
    this.count += ids.length;
  }

  private flush(): void {
    if (this.fill) this.w.write(this.buf.subarray(0, this.fill));
    this.fill = 0;
  }

  get tokens(): number {
    return this.count;
  }

  /** Write the header, fsync and rename into place. */
  finish(): void {
    this.flush();
    // patch the header of the temp file in place, then fsync + rename
    const fd = openSync(this.w.tempPath, 'r+');
    try {
      writeSync(fd, shardHeader(this.bytesPerToken, this.count), 0, SHARD_HEADER_BYTES, 0);
    } finally {
      closeSync(fd);
    }
    this.w.commit();
  }

  abort(): void {
    this.w.abort();
  }
}

export function shardHeader(bytesPerToken: number, count: number): Uint8Array {
  const h = Buffer.alloc(SHARD_HEADER_BYTES);
  h.write(SHARD_MAGIC, 0, 'latin1');
  h.writeUInt32LE(SHARD_VERSION, 8);
  h.writeUInt32LE(bytesPerToken, 12);
  h.writeBigUInt64LE(BigInt(count), 16);
  return h;
}

/** Random access to a shard's tokens. Counts how often it was opened (the test split must be read once). */
export class Shard {
  static opens = new Map<string, number>();
  readonly length: number;
  readonly bytesPerToken: 2 | 4;
  private fd: number;

  constructor(readonly path: string) {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new Error(`token shard ${path} cannot be opened: ${(e as Error).message}`);
    }
    this.fd = fd;
    Shard.opens.set(path, (Shard.opens.get(path) ?? 0) + 1);
    const size = fstatSync(fd).size;
    const h = Buffer.alloc(SHARD_HEADER_BYTES);
    if (size < SHARD_HEADER_BYTES || readSync(fd, h, 0, SHARD_HEADER_BYTES, 0) !== SHARD_HEADER_BYTES) {
      closeSync(fd);
      throw new Error(`token shard ${path}: file of ${size} bytes is shorter than the ${SHARD_HEADER_BYTES}-byte header`);
    }
    if (h.toString('latin1', 0, 8) !== SHARD_MAGIC) {
      closeSync(fd);
      throw new Error(`token shard ${path}: bad magic at byte 0 (not an lmforge token shard)`);
    }
    const version = h.readUInt32LE(8);
    if (version !== SHARD_VERSION) { closeSync(fd); throw new Error(`token shard ${path}: version ${version} at byte 8 is not supported (expected ${SHARD_VERSION})`); }
    const bpt = h.readUInt32LE(12);
    if (bpt !== 2 && bpt !== 4) { closeSync(fd); throw new Error(`token shard ${path}: bytes per token ${bpt} at byte 12 must be 2 or 4`); }
    this.bytesPerToken = bpt;
    const n = Number(h.readBigUInt64LE(16));
    if (SHARD_HEADER_BYTES + n * bpt !== size) {
      closeSync(fd);
      throw new Error(`token shard ${path}: header says ${n} tokens (${SHARD_HEADER_BYTES + n * bpt} bytes) but the file has ${size} bytes (truncated or corrupt)`);
    }
    this.length = n;
  }

  /** Tokens [start, start+count) as int32. */
  read(start: number, count: number, out = new Int32Array(count)): Int32Array {
    if (start < 0 || start + count > this.length) throw new Error(`token shard ${this.path}: range [${start}, ${start + count}) outside [0, ${this.length})`);
    const bytes = Buffer.alloc(count * this.bytesPerToken);
    const got = readSync(this.fd, bytes, 0, bytes.length, SHARD_HEADER_BYTES + start * this.bytesPerToken);
    if (got !== bytes.length) throw new Error(`token shard ${this.path}: short read at token ${start}`);
    if (this.bytesPerToken === 2) for (let i = 0; i < count; i++) out[i] = bytes.readUInt16LE(2 * i);
    else for (let i = 0; i < count; i++) out[i] = bytes.readUInt32LE(4 * i);
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}
