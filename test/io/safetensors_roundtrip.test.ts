// safetensors write → read round trips for every dtype we write (F32/F64/I32/F16/BF16), views, scalars,
// empty tensors, metadata; byte-exact layout against the reference implementation's own test vectors;
// the lazy reader (info/raw/get, a 10 GB sparse file opened with a few KB); integer and 8-bit float reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tensor, tensor } from '../../src/tensor/tensor.js';
import {
  openSafetensors, parseSafetensors, readSafetensors, serializeSafetensors, writeSafetensors,
} from '../../src/io/safetensors.js';
import { fromBFloat16Bits, fromFloat16Bits, toBFloat16Bits, toFloat16Bits } from '../../src/io/half.js';
import { assertSame, build, bytesOf, tempDir } from './st_util.js';

const SPECIAL = [0, -0, 1, -1, 0.1, 65504, 65520, 1e-8, 2 ** -24, 3.4e38, 1e-40, Infinity, -Infinity, NaN];

function values(n: number, seed: number): number[] {
  const out = [...SPECIAL];
  let s = seed;
  while (out.length < n) { s = (s * 1103515245 + 12345) % 2 ** 31; out.push(((s / 2 ** 31) - 0.5) * 2 ** ((s % 40) - 20)); }
  return out.slice(0, n);
}

test('byte-exact output: the reference implementation\'s serialization test vectors', () => {
  // huggingface/safetensors tensor.rs test_serialization / test_empty / test_serialization_forced_alignement
  const a = serializeSafetensors({ 'attn.0': tensor([0, 1, 2, 3, 4, 5], { shape: [1, 2, 3] }) });
  assert.deepEqual(Array.from(a), [
    64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34,
    44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116,
    115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64]);
  assert.deepEqual(Array.from(serializeSafetensors({})), [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual(Array.from(serializeSafetensors({}, { framework: 'pt' })), [
    40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114, 97, 109, 101,
    119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32]);
  const c = serializeSafetensors({ attn0: tensor([0, 1, 2, 3, 4, 5], { shape: [1, 1, 2, 3] }) });
  assert.deepEqual(Array.from(c.subarray(0, 8)), [72, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(c.subarray(8 + 65, 80)), [32, 32, 32, 32, 32, 32, 32], 'header padded to 8 bytes with spaces');
  assert.deepEqual(Array.from(c.subarray(80)), bytesOf(new Float32Array([0, 1, 2, 3, 4, 5])));
});

test('round trip of every dtype we write, through a file', () => {
  const dir = tempDir('st-rt');
  const f32 = tensor(values(100, 1), { shape: [4, 25] });
  const f64 = tensor([...values(30, 2), Math.PI, 5e-324, 1e300], { dtype: 'float64' });
  const i32 = tensor([-(2 ** 31), 2 ** 31 - 1, 0, -1, 7], { dtype: 'int32' });
  const scalar = tensor([42.5], { shape: [] });
  const empty = tensor([], { shape: [2, 0, 4] });
  const base = tensor(Array.from({ length: 24 }, (_, i) => i * 1.25 - 7), { shape: [2, 3, 4] });
  const transposed = new Tensor(base.data, [4, 3, 2], [1, 4, 12], 0); // permute(2, 1, 0)
  const sliced = new Tensor(base.data, [2, 2], [12, 2], 5); // base[:, 1:, 1::2]-like strided view
  const meta = { format: 'pt', 'naïve ✓': '🚀 unicode', constructor: 'not special', empty: '' };
  const tensors = { f32, f64, i32, scalar, empty, transposed, sliced, 'h.0.attn.c_attn.weight': f32, 'é名🚀': scalar };

  const p = path.join(dir, 'all.safetensors');
  writeSafetensors(p, tensors, meta);
  assert.deepEqual(fs.readdirSync(dir), ['all.safetensors'], 'no temp file left behind');
  const { tensors: back, metadata } = readSafetensors(p);
  assert.deepEqual(metadata, meta);
  assert.equal(back.size, Object.keys(tensors).length);
  for (const [k, t] of Object.entries(tensors)) {
    const r = back.get(k)!;
    assert.ok(r, `tensor ${k} missing`);
    assert.deepEqual(r.shape, t.shape, `${k} shape`);
    assert.equal(r.dtype, t.dtype, `${k} dtype`);
    assertSame(r.toArray(), t.toArray(), k);
  }
  assert.deepEqual(back.get('transposed')!.toList(), transposed.toList());
  assert.deepEqual(Array.from(back.get('sliced')!.toArray()), [-0.75, 1.75, 14.25, 16.75]);

  // F16 and BF16 storage: values come back rounded to nearest even, and the file is exactly half the size
  for (const [dtype, enc, dec] of [['F16', toFloat16Bits, fromFloat16Bits], ['BF16', toBFloat16Bits, fromBFloat16Bits]] as const) {
    const q = path.join(dir, `${dtype}.safetensors`);
    writeSafetensors(q, { f32, f64, transposed, i32 }, undefined, { dtype });
    const f = openSafetensors(q);
    try {
      assert.equal(f.info('f32').dtype, dtype);
      assert.equal(f.info('f32').byteLength, 200);
      assert.equal(f.info('i32').dtype, 'I32', 'int32 tensors stay I32');
      for (const [k, t] of Object.entries({ f32, f64, transposed })) {
        const want = Array.from(t.toArray(), (x) => dec(enc(x)));
        const got = f.get(k);
        assert.equal(got.dtype, 'float32');
        assertSame(got.toArray(), want, `${dtype} ${k}`);
        const raw = f.raw(k);
        const bits = Array.from(new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2));
        assertSame(bits, Array.from(t.toArray(), (x) => enc(x)), `${dtype} ${k} bits`);
      }
    } finally {
      f.close();
    }
  }
  // F32 storage of a float64 tensor rounds like Math.fround; reading as float64 widens exactly
  const q = path.join(dir, 'f32.safetensors');
  writeSafetensors(q, { f64 }, undefined, { dtype: 'F32' });
  assertSame(readSafetensors(q).tensors.get('f64')!.toArray(), Array.from(f64.toArray(), Math.fround), 'F64 → F32');
  const wide = readSafetensors(q, { dtype: 'float64' }).tensors.get('f64')!;
  assert.equal(wide.dtype, 'float64');
  assertSame(wide.toArray(), Array.from(f64.toArray(), Math.fround), 'F32 read as float64');
  const narrow = readSafetensors(p, { dtype: 'float32' }).tensors.get('f64')!;
  assert.equal(narrow.dtype, 'float32');
  assertSame(narrow.toArray(), Array.from(f64.toArray(), Math.fround), 'F64 read as float32');
  fs.rmSync(dir, { recursive: true });
});

test('layout: sorted by descending dtype alignment then UTF-8 name bytes; header padded with spaces', () => {
  const one = tensor([1]);
  const names = ['b', 'a', 'Z', 'é', '\u{1F600}', '\uFFFD'];
  const input = new Map<string, Tensor>();
  for (const n of names) input.set(n, one);
  input.set('d64', tensor([1], { dtype: 'float64' }));
  input.set('i', tensor([1], { dtype: 'int32' }));
  input.set('a64', tensor([2], { dtype: 'float64' }));
  const bytes = serializeSafetensors(input);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const text = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
  assert.match(text, /^\{.*\} *$/s);
  const keys = Object.keys(JSON.parse(text));
  // F64 (rank 17) > F32 (15) > I32 (13); UTF-8 order puts U+FFFD (EF BF BD) before U+1F600 (F0 ...)
  assert.deepEqual(keys, ['a64', 'd64', 'Z', 'a', 'b', 'é', '\uFFFD', '\u{1F600}', 'i']);
  // data offsets follow the same order
  const hdr = JSON.parse(text) as Record<string, { data_offsets: [number, number] }>;
  assert.deepEqual(keys.map((k) => hdr[k]!.data_offsets[0]), [0, 8, 16, 20, 24, 28, 32, 36, 40]);
});

test('lazy reader: keys, info, raw, get; a 10 GB sparse file opens with a few KB', () => {
  const dir = tempDir('st-lazy');
  const p = path.join(dir, 'lazy.safetensors');
  writeSafetensors(p, { w: tensor([1, 2], { shape: [1, 2] }), ids: tensor([3, -4], { dtype: 'int32' }) }, { format: 'pt' });
  const f = openSafetensors(p);
  assert.deepEqual(f.keys(), ['w', 'ids']);
  assert.equal(f.has('w'), true);
  assert.equal(f.has('x'), false);
  assert.deepEqual(f.metadata, { format: 'pt' });
  const size = fs.statSync(p).size;
  assert.deepEqual(f.info('w'), { dtype: 'F32', shape: [1, 2], byteOffset: size - 16, byteLength: 8 });
  assert.deepEqual(f.info('ids'), { dtype: 'I32', shape: [2], byteOffset: size - 8, byteLength: 8 });
  assert.deepEqual(Array.from(f.raw('w')), [0, 0, 128, 63, 0, 0, 0, 64]);
  assert.deepEqual(f.get('w', { dtype: 'float64' }).toList(), [[1, 2]]);
  assert.equal(f.get('w', { dtype: 'float64' }).dtype, 'float64');
  assert.deepEqual(f.get('ids', { dtype: 'float64' }).toList(), [3, -4], 'ints stay int32 whatever the float dtype');
  assert.throws(() => f.get('nope'), { message: `safetensors: ${p}: no tensor named "nope" (the file has 2: "w", "ids")` });
  f.close();
  assert.throws(() => f.get('w'), { message: `safetensors: ${p}: the file was closed` });

  // 10 GiB of F32 declared, backed by a sparse file; a small tensor lies after it
  const big = path.join(dir, 'big.safetensors');
  const G = 10 * 2 ** 30;
  const header = { huge: { dtype: 'F32', shape: [G / 4], data_offsets: [0, G] }, tail: { dtype: 'F32', shape: [2], data_offsets: [G, G + 8] } };
  const head = build(header);
  const fd = fs.openSync(big, 'w');
  fs.writeSync(fd, head);
  fs.writeSync(fd, new Uint8Array(new Float32Array([6.5, -1]).buffer), 0, 8, head.length + G);
  fs.closeSync(fd);
  assert.equal(fs.statSync(big).size, head.length + G + 8);
  const before = process.memoryUsage().arrayBuffers;
  const g = openSafetensors(big);
  const grew = process.memoryUsage().arrayBuffers - before;
  assert.ok(grew < 64 << 10, `opening grew ArrayBuffer memory by ${grew} bytes (limit 64 KiB)`);
  assert.deepEqual(g.info('huge'), { dtype: 'F32', shape: [G / 4], byteOffset: head.length, byteLength: G });
  assert.deepEqual(g.get('tail').toList(), [6.5, -1], 'positioned read past 10 GB');
  g.close();
  fs.rmSync(dir, { recursive: true });
});

test('integer dtypes read as int32; out-of-range values are errors naming the tensor', () => {
  const file = (dtype: string, data: ArrayBufferView, shape = [data.byteLength / ({ I64: 8, U64: 8, U32: 4 } as Record<string, number>)[dtype]!]) =>
    build({ t: { dtype, shape, data_offsets: [0, data.byteLength] } }, bytesOf(data));
  const read = (bytes: Uint8Array) => Array.from(parseSafetensors(bytes).tensors.get('t')!.toArray());
  assert.deepEqual(read(file('I64', new BigInt64Array([-(2n ** 31n), 2n ** 31n - 1n, 0n, -1n]))), [-(2 ** 31), 2 ** 31 - 1, 0, -1]);
  assert.deepEqual(read(file('U64', new BigUint64Array([0n, 2n ** 31n - 1n]))), [0, 2 ** 31 - 1]);
  assert.deepEqual(read(file('U32', new Uint32Array([0, 2 ** 31 - 1]))), [0, 2 ** 31 - 1]);
  const cases: Array<[string, ArrayBufferView, string]> = [
    ['I64', new BigInt64Array([1n, 2n ** 32n]), 'I64 value 4294967296 at element 1'],
    ['I64', new BigInt64Array([-(2n ** 31n) - 1n]), 'I64 value -2147483649 at element 0'],
    ['I64', new BigInt64Array([2n ** 31n]), 'I64 value 2147483648 at element 0'],
    ['U64', new BigUint64Array([5n, 6n, 2n ** 63n]), 'U64 value 9223372036854775808 at element 2'],
    ['U32', new Uint32Array([2 ** 31]), 'U32 value 2147483648 at element 0'],
  ];
  for (const [dtype, data, what] of cases) {
    assert.throws(() => parseSafetensors(file(dtype, data)), { message: `safetensors: <buffer>: tensor "t": ${what} is outside the int32 range` });
  }
  const small = build({
    b: { dtype: 'BOOL', shape: [4], data_offsets: [0, 4] }, u8: { dtype: 'U8', shape: [2], data_offsets: [4, 6] },
    i8: { dtype: 'I8', shape: [2], data_offsets: [6, 8] }, i16: { dtype: 'I16', shape: [2], data_offsets: [8, 12] },
    u16: { dtype: 'U16', shape: [2], data_offsets: [12, 16] },
  }, [0, 1, 2, 255, 0, 255, 0x80, 0x7f, 0x00, 0x80, 0xff, 0x7f, 0xff, 0xff, 0x00, 0x80]);
  const r = parseSafetensors(small).tensors;
  assert.deepEqual(r.get('b')!.toList(), [0, 1, 1, 1]);
  assert.deepEqual(r.get('u8')!.toList(), [0, 255]);
  assert.deepEqual(r.get('i8')!.toList(), [-128, 127]);
  assert.deepEqual(r.get('i16')!.toList(), [-32768, 32767]);
  assert.deepEqual(r.get('u16')!.toList(), [65535, 32768]);
  for (const t of r.values()) assert.equal(t.dtype, 'int32');
});

test('8-bit floats decode; C64 and sub-byte dtypes are reported as unsupported', () => {
  const f8 = build({
    e4m3: { dtype: 'F8_E4M3', shape: [5], data_offsets: [0, 5] }, e5m2: { dtype: 'F8_E5M2', shape: [4], data_offsets: [5, 9] },
    e8m0: { dtype: 'F8_E8M0', shape: [3], data_offsets: [9, 12] },
  }, [0x38, 0x7e, 0x7f, 0x01, 0xb8, 0x3c, 0x7c, 0x01, 0xfc, 127, 0, 255]);
  const r = parseSafetensors(f8).tensors;
  assertSame(r.get('e4m3')!.toArray(), [1, 448, NaN, 2 ** -9, -1], 'F8_E4M3');
  assertSame(r.get('e5m2')!.toArray(), [1, Infinity, 2 ** -16, -Infinity], 'F8_E5M2');
  assertSame(r.get('e8m0')!.toArray(), [1, 2 ** -127, NaN], 'F8_E8M0');
  const c64 = build({ z: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Array(8).fill(0));
  assert.throws(() => parseSafetensors(c64), { message: /^safetensors: <buffer>: tensor "z": dtype C64 is not supported for reading \(supported: F16, BF16, F32, F64, F8_E5M2, F8_E4M3, F8_E8M0, BOOL, U8, I8, I16, U16, I32, U32, I64, U64\)$/ });
  const f4 = build({ q: { dtype: 'F4', shape: [4], data_offsets: [0, 2] } }, [0, 0]);
  assert.throws(() => parseSafetensors(f4), { message: /tensor "q": dtype F4 is not supported for reading/ });
});

test('writer rejects bad input with messages naming the key', () => {
  const t = tensor([1]);
  assert.throws(() => serializeSafetensors({ __metadata__: t }), { message: 'writeSafetensors: <buffer>: "__metadata__" is reserved and cannot name a tensor' });
  assert.throws(() => serializeSafetensors({ x: [1, 2] as unknown as Tensor }), { message: 'writeSafetensors: <buffer>: value for "x" is not a Tensor' });
  assert.throws(() => serializeSafetensors({ x: t }, { n: 3 as unknown as string }), { message: 'writeSafetensors: <buffer>: metadata["n"] is number, expected a string' });
  assert.throws(() => serializeSafetensors({ x: t }, undefined, { dtype: 'F8' as 'F16' }), { message: 'writeSafetensors: <buffer>: opts.dtype must be F32, F16, BF16 or F64, got F8' });
  assert.throws(() => serializeSafetensors({ ['a\uD800']: t }), { message: /contains a lone surrogate/ });
  const dir = tempDir('st-bad');
  assert.throws(() => writeSafetensors(path.join(dir, 'no/such/dir/x.safetensors'), { x: t }), { message: /^openAtomic: cannot create a temp file for .*x\.safetensors: ENOENT/ });
  fs.rmSync(dir, { recursive: true });
});

test('large F32 tensors (pool-sized: 64-byte-aligned views on the native backend) read back exactly', () => {
  const dir = tempDir('st-large');
  const p = path.join(dir, 'large.safetensors');
  const n = 3 * 16384 + 5;   // above the buffer pool's minimum, where allocate() may return a view at a byteOffset
  const big = new Tensor(new Float32Array(values(n, 7)), [n]);
  writeSafetensors(p, { big });
  const back = readSafetensors(p).tensors.get('big')!;
  assertSame(back.toArray(), big.toArray(), 'big');
  assertSame(openSafetensors(p).get('big').toArray(), big.toArray(), 'big, lazily');
});
