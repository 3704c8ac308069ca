// A pool of large typed-array buffers, so a training step reuses the memory of the previous one
// instead of asking V8 for fresh zeroed buffers (each a page-faulting, GC-pressuring allocation).
// Buffers come back only through `release`, which the tape calls for storage it knows is dead
// (intermediate gradients; a released graph). Users never see the pool.
import type { DType, Storage } from './dtype.js';

/** Buffers smaller than this (elements) are plain allocations. */
export const POOL_MIN_ELEMENTS = 16384;
const free = new Map<string, Storage[]>();
let pooledBytes = 0;
let maxPooledBytes = 2 ** 30;

const key = (dtype: DType, n: number): string => `${dtype}:${n}`;

/** A pooled buffer of exactly n elements (contents undefined), or null when none is free. */
export function takePooled(dtype: DType, n: number): Storage | null {
  if (n < POOL_MIN_ELEMENTS) return null;
  const list = free.get(key(dtype, n));
  const buf = list?.pop();
  if (!buf) return null;
  pooledBytes -= buf.byteLength;
  return buf;
}

/** Buffers allocate() made as 64-byte-aligned views of slightly larger ArrayBuffers: whole buffers all the same. */
const alignedViews = new WeakSet<Storage>();
export function markAligned(buf: Storage): void {
  alignedViews.add(buf);
}

/** Give a dead buffer back (ignored when small, a view of a larger buffer, or the pool is full). */
export function releaseBuffer(buf: Storage): void {
  if (buf.length < POOL_MIN_ELEMENTS) return;
  if (!alignedViews.has(buf) && (buf.byteOffset !== 0 || buf.byteLength !== buf.buffer.byteLength)) return;
  if (pooledBytes + buf.byteLength > maxPooledBytes) return;
  const dtype: DType = buf instanceof Float32Array ? 'float32' : buf instanceof Float64Array ? 'float64' : 'int32';
  const k = key(dtype, buf.length);
  let list = free.get(k);
  if (!list) free.set(k, (list = []));
  list.push(buf);
  pooledBytes += buf.byteLength;
}

/** Bytes currently held by the pool. */
export function pooledSize(): number {
  return pooledBytes;
}

/** Drop every pooled buffer (the GC reclaims them) and set the cap. */
export function resetPool(maxBytes = 2 ** 30): void {
  free.clear();
  pooledBytes = 0;
  maxPooledBytes = maxBytes;
}
