// Every malformed-file case of the issue, with the exact error: message, problem and byte offset.
// Truncation, bad header length, header start, UTF-8, JSON syntax, dtype, offsets (range, overlap, holes),
// size mismatch, duplicate keys, metadata types, dims; plus the same through real files (no fd leak).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSafetensors, readSafetensors, openSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import { build, tempDir } from './st_util.js';

/** Assert parsing `bytes` fails with exactly `problem` and (when given) `offset`. */
function expectError(bytes: Uint8Array, problem: string, offset?: number): void {
  let err: unknown;
  try {
    parseSafetensors(bytes);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof SafetensorsError, `expected a SafetensorsError for "${problem}", got ${err === undefined ? 'success' : String(err)}`);
  assert.equal(err.message, `safetensors: <buffer>: ${problem}`);
  assert.equal(err.problem, problem);
  if (offset !== undefined) assert.equal(err.offset, offset, `offset of "${problem}"`);
}

/** File offset of the first occurrence of `needle` in header text `h` (the header starts at byte 8). */
const at = (h: string, needle: string): number => {
  const i = h.indexOf(needle);
  assert.ok(i >= 0, `${needle} not in ${h}`);
  return 8 + Buffer.byteLength(h.slice(0, i));
};

const A = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
const B = { dtype: 'I32', shape: [1], data_offsets: [8, 12] };
const DATA = new Array(12).fill(0);
const valid = (): Uint8Array => build({ a: A, b: B }, DATA);

test('the baseline file is valid', () => {
  const r = parseSafetensors(valid());
  assert.deepEqual([...r.tensors.keys()], ['a', 'b']);
  assert.deepEqual(r.tensors.get('a')!.toList(), [0, 0]);
});

test('truncated files and bad header lengths', () => {
  expectError(new Uint8Array(0), 'truncated file: 0 bytes, fewer than the 8-byte header length at byte offset 0', 0);
  expectError(new Uint8Array(5), 'truncated file: 5 bytes, fewer than the 8-byte header length at byte offset 0', 0);
  const v = valid();
  expectError(build({ a: A, b: B }, DATA, 1000n), `header length 1000 (u64 at byte offset 0) runs past the end of the file (${v.length} bytes)`, 0);
  expectError(build('{}', [], 100_000_001n), 'header length 100000001 (u64 at byte offset 0) is over the limit of 100000000 bytes', 0);
  expectError(build('{}', [], 2n ** 64n - 1n), 'header length 18446744073709551615 (u64 at byte offset 0) is over the limit of 100000000 bytes', 0);
  expectError(build('{}', [], 99_999_999n), 'header length 99999999 (u64 at byte offset 0) runs past the end of the file (10 bytes)', 0);
  // cut inside the header
  expectError(v.subarray(0, 20), `header length ${v.length - 20} (u64 at byte offset 0) runs past the end of the file (20 bytes)`, 0);
  // cut inside the data: the last tensor now runs past the end
  const h = JSON.stringify({ a: A, b: B });
  expectError(v.subarray(0, v.length - 4), `tensor "b" (header byte offset ${at(h, '"b"')}): data_offsets [8, 12] run past the end of the data buffer (8 bytes at byte offset ${8 + h.length})`, at(h, '"b"'));
  // trailing bytes after the last tensor
  const long = build({ a: A, b: B }, [...DATA, 1, 2, 3, 4]);
  expectError(long, `data bytes 12..16 (byte offset ${8 + h.length + 12}) are not covered by any tensor`, 8 + h.length + 12);
});

test('header start, emptiness and UTF-8', () => {
  expectError(build(''), "header is empty (length 0 at byte offset 0); it must start with '{'", 0);
  expectError(build(' {}'), "header must start with '{' but byte offset 8 is 0x20", 8);
  expectError(build('[1]'), "header must start with '{' but byte offset 8 is 0x5b", 8);
  const bad = build('{"ab":1}');
  bad[10] = 0xff; // inside the key
  expectError(bad, 'header is not valid UTF-8 at byte offset 10', 10);
  const overlong = build('{"ab":1}');
  overlong[10] = 0xc0; overlong[11] = 0x80; // overlong encoding of NUL
  expectError(overlong, 'header is not valid UTF-8 at byte offset 10', 10);
});

test('invalid JSON: the byte offset of the problem', () => {
  const cases: Array<[string, string, number]> = [
    ['{"a":{"dtype":"F32",}}', 'unexpected byte 0x7d', 8 + 20],
    ['{"a', 'unterminated string', 9],
    ['{"a":1', 'unexpected end of header', 14],
    ['{} x', 'unexpected byte 0x78 after the end of the JSON object', 11],
    ['{}\0\0\0\0\0\0', 'unexpected byte 0x00 after the end of the JSON object', 10],
    ['{"a":NaN}', 'unexpected byte 0x4e', 13],
    ['{"a":01}', 'unexpected byte 0x31', 14],
    ['{"a":-}', 'invalid number', 13],
    ['{"a":1.}', 'invalid number', 13],
    ['{"a":tru}', 'invalid literal', 13],
    ['{"a\\q":1}', 'invalid escape sequence', 11],
    ['{"a\\u12G4":1}', 'invalid \\u escape', 11],
    ['{"\\ud800":1}', 'lone surrogate in \\u escape', 10],
    ['{"\\ud800\\u0041":1}', 'lone surrogate in \\u escape', 10],
    ['{"a\nb":1}', 'control character 0x0a in string', 11],
    ['{"a" 1}', 'unexpected byte 0x31', 13],
    ['{1:2}', 'unexpected byte 0x31', 9],
    [`{"a":${'['.repeat(100)}`, 'nesting deeper than 64 levels', 8 + 4 + 64],
    [`{"a":{"dtype":"F32","shape":[${new Array(1100).fill(1).join(',')}],"data_offsets":[0,4]}}`, 'array longer than 1024 items', 8 + 29 + 2048],
  ];
  for (const [h, why, off] of cases) expectError(build(h), `invalid JSON in header at byte offset ${off}: ${why}`, off);
});

test('duplicate keys, at the top level and inside an entry', () => {
  const h = `{"a":${JSON.stringify(A)},"a":${JSON.stringify(A)}}`;
  const second = h.lastIndexOf('"a"') + 8;
  expectError(build(h, new Array(8).fill(0)), `duplicate key "a" in header at byte offset ${second}`, second);
  const h2 = '{"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}';
  expectError(build(h2, new Array(8).fill(0)), `duplicate key "dtype" in header at byte offset ${8 + 20}`, 28);
  const h3 = '{"__metadata__":{},"__metadata__":{}}';
  expectError(build(h3), `duplicate key "__metadata__" in header at byte offset ${8 + 19}`, 27);
});

test('tensor entries: dtype, shape, data_offsets, sizes', () => {
  const one = (entry: unknown, data = 8, extra: Record<string, unknown> = {}): [Uint8Array, string] => {
    const h = JSON.stringify({ ...extra, a: entry });
    return [build(h, new Array(data).fill(0)), `tensor "a" (header byte offset ${at(h, '"a"')})`];
  };
  const cases: Array<[unknown, string, number?]> = [
    [{ ...A, dtype: 'F128' }, 'unknown dtype "F128"'],
    [{ ...A, dtype: 'f32' }, 'unknown dtype "f32"'],
    [{ ...A, dtype: 4 }, 'dtype is a number, expected a string'],
    [5, 'entry is a number, expected an object with dtype, shape, data_offsets'],
    [[1], 'entry is an array, expected an object with dtype, shape, data_offsets'],
    [{ dtype: 'F32', data_offsets: [0, 8] }, 'missing "shape"'],
    [{ dtype: 'F32', shape: [2] }, 'missing "data_offsets"'],
    [{ shape: [2], data_offsets: [0, 8] }, 'missing "dtype"'],
    [{ ...A, shape: 2 }, 'shape is a number, expected an array'],
    [{ ...A, shape: [-2] }, 'shape[0] is negative (-2)'],
    [{ ...A, shape: [1, 2.5] }, 'shape[1] is not an integer (2.5)'],
    [{ ...A, shape: [1e21] }, 'shape[0] is not an integer (1e+21)'],
    [{ ...A, shape: ['2'] }, 'shape[0] is a string, expected a non-negative integer'],
    [{ ...A, shape: [null] }, 'shape[0] is null, expected a non-negative integer'],
    [{ ...A, shape: [2 ** 60] }, 'shape[0] is too large (1152921504606847000)'],
    [{ ...A, shape: [3] }, 'shape [3] × F32 (4 bytes) = 12 bytes but data_offsets [0, 8] span 8 bytes'],
    [{ ...A, shape: [2 ** 52, 2 ** 52] }, 'shape [4503599627370496, 4503599627370496] × F32 (4 bytes) = 81129638414606681695789005144064 bytes but data_offsets [0, 8] span 8 bytes'],
    [{ ...A, shape: [] }, 'shape [] × F32 (4 bytes) = 4 bytes but data_offsets [0, 8] span 8 bytes'],
    [{ ...A, data_offsets: [0] }, 'data_offsets must be an array of 2 integers [begin, end]'],
    [{ ...A, data_offsets: { begin: 0 } }, 'data_offsets must be an array of 2 integers [begin, end]'],
    [{ ...A, data_offsets: [8, 0] }, 'data_offsets [8, 0] end before they begin'],
    [{ ...A, data_offsets: [0, -8] }, 'data_offsets[1] is negative (-8)'],
    [{ ...A, data_offsets: [0, 8.5] }, 'data_offsets[1] is not an integer (8.5)'],
    [{ ...A, data_offsets: [0, 2 ** 64] }, 'data_offsets[1] is too large (18446744073709552000)'],
    [{ ...A, data_offsets: [0, 16] }, 'data_offsets [0, 16] run past the end of the data buffer (8 bytes at byte offset 63)'],
    [{ dtype: 'F4', shape: [3], data_offsets: [0, 8] }, 'shape [3] × F4 (4 bits) is not a whole number of bytes'],
  ];
  for (const [entry, why] of cases) {
    const [bytes, where] = one(entry);
    expectError(bytes, `${where}: ${why}`);
  }
});

test('offsets must cover the data buffer exactly: overlaps and holes', () => {
  const h1 = JSON.stringify({ a: A, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } });
  expectError(build(h1, new Array(8).fill(0)), `tensors "a" (data bytes 0..8) and "b" (data bytes 4..8) overlap at byte offset ${8 + h1.length + 4}`, 8 + h1.length + 4);
  const h2 = JSON.stringify({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } });
  expectError(build(h2, DATA), `data bytes 4..8 (byte offset ${8 + h2.length + 4}) are not covered by any tensor`, 8 + h2.length + 4);
  const h3 = JSON.stringify({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } });
  expectError(build(h3, new Array(8).fill(0)), `data bytes 0..4 (byte offset ${8 + h3.length}) are not covered by any tensor`, 8 + h3.length);
  // the same tensor twice under two names
  const h4 = JSON.stringify({ a: A, b: A });
  expectError(build(h4, new Array(8).fill(0)), `tensors "a" (data bytes 0..8) and "b" (data bytes 0..8) overlap at byte offset ${8 + h4.length}`);
  // empty tensors may sit anywhere on the boundary; entries in any header order are fine
  const ok = parseSafetensors(build({ z: { dtype: 'F32', shape: [0], data_offsets: [8, 8] }, b: B, a: A, e: { dtype: 'I64', shape: [0, 5], data_offsets: [12, 12] } }, DATA));
  assert.deepEqual([...ok.tensors.keys()], ['a', 'z', 'b', 'e']);
  assert.deepEqual(ok.tensors.get('e')!.shape, [0, 5]);
  // but not inside another tensor
  const h5 = JSON.stringify({ a: A, z: { dtype: 'F32', shape: [0], data_offsets: [4, 4] } });
  expectError(build(h5, new Array(8).fill(0)), `tensors "a" (data bytes 0..8) and "z" (data bytes 4..4) overlap at byte offset ${8 + h5.length + 4}`);
});

test('metadata must be a map of strings', () => {
  const meta = (m: unknown): [Uint8Array, string] => {
    const h = JSON.stringify({ __metadata__: m, a: A });
    return [build(h, new Array(8).fill(0)), h];
  };
  let [b, h] = meta({ format: 'pt', n: 1 });
  expectError(b, `__metadata__["n"] (header byte offset ${at(h, '1}')}) is a number, expected a string`, at(h, '1}'));
  [b, h] = meta([]);
  expectError(b, `__metadata__ (header byte offset 9) is an array, expected an object of strings`, 9);
  [b, h] = meta({ nested: { x: 'y' } });
  expectError(b, `__metadata__["nested"] (header byte offset ${at(h, '{"x"')}) is an object, expected a string`);
  [b, h] = meta(null);
  expectError(b, '__metadata__ (header byte offset 9) is null, expected an object of strings');
  // odd but legal keys stay plain data
  const r = parseSafetensors(build('{"__metadata__":{"__proto__":"x","constructor":"y"}}'));
  assert.deepEqual(Object.keys(r.metadata), ['__proto__', 'constructor']);
  assert.equal(r.metadata['__proto__'], 'x');
  assert.equal(Object.getPrototypeOf(r.metadata), Object.prototype);
});

test('through real files: the message names the path; no file descriptor leaks', () => {
  const dir = tempDir('st-bad');
  const p = path.join(dir, 'bad.safetensors');
  fs.writeFileSync(p, build('{"a":5}'));
  const fds = (): number => fs.readdirSync('/proc/self/fd').length;
  const before = fds();
  for (let i = 0; i < 50; i++) {
    assert.throws(() => readSafetensors(p), { message: `safetensors: ${p}: tensor "a" (header byte offset 9): entry is a number, expected an object with dtype, shape, data_offsets` });
    assert.throws(() => openSafetensors(p), SafetensorsError);
  }
  assert.equal(fds(), before, 'file descriptors leaked');
  fs.writeFileSync(p, new Uint8Array(3));
  assert.throws(() => readSafetensors(p), { message: `safetensors: ${p}: truncated file: 3 bytes, fewer than the 8-byte header length at byte offset 0` });
  assert.throws(() => readSafetensors(path.join(dir, 'missing.safetensors')), { code: 'ENOENT', message: /missing\.safetensors/ });
  fs.rmSync(dir, { recursive: true });
});
