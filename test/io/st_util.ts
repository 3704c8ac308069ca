// Helpers for the safetensors tests: hand-built files (any header text, any length prefix), temp folders,
// the repository root, and exact element-wise comparison (Object.is: -0 and NaN count).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { tempDir as makeTempDir } from '../helpers/tmp.js';

/** The repository root (tests run from dist/test/io). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Bytes of a safetensors file: u64 LE length (of the header text, or `length`), the header, then `data`. */
export function build(header: object | string, data: ArrayLike<number> = [], length?: bigint): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const h = Buffer.from(text, 'utf8');
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(Array.from(data), 8 + h.length);
  return out;
}

/** Little-endian bytes of typed-array values. */
export function bytesOf(a: ArrayBufferView): number[] {
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** A fresh temp folder `lmforge-${tag}-` and six random characters, removed when the test process exits (also after a failure). */
export function tempDir(tag: string): string {
  return makeTempDir(`lmforge-${tag}-`);
}

/** Assert two sequences are identical element by element (Object.is), naming the first difference. */
export function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  let first = -1, count = 0;
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) { if (first < 0) first = i; count++; }
  }
  if (first >= 0) assert.fail(`${what}: ${count} of ${actual.length} elements differ; first at ${first}: ${actual[first]} vs ${expected[first]}`);
}
