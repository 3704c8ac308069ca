// Fuzz of the safetensors reader: thousands of seeded random mutations and truncations of a valid file,
// random length prefixes, random grammar-built headers and random bytes. Every outcome must be either a
// correct read (checked against an independent DataView decoder and JSON.parse of the header) or a
// SafetensorsError with a message and an in-file offset; outputs never exceed 8 bytes per file byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSafetensorsBuffer, readSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import { build, tempDir } from './st_util.js';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

const SIZES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8, C64: 8,
};

/** Independent decoder: the value of element i, 'range' if it cannot be int32, 'unsupported' for C64 etc. */
function refElement(dv: DataView, dtype: string, p: number): number | 'range' | 'unsupported' {
  const f16 = (h: number): number => {
    const s = h >> 15 ? -1 : 1, e = (h >> 10) & 31, m = h & 1023;
    return e === 0 ? s * m / 2 ** 24 : e === 31 ? (m ? NaN : s * Infinity) : s * 2 ** (e - 15) * (1 + m / 1024);
  };
  switch (dtype) {
    case 'F32': return dv.getFloat32(p, true);
    case 'F64': return dv.getFloat64(p, true);
    case 'F16': return f16(dv.getUint16(p, true));
    case 'BF16': { const t = new DataView(new ArrayBuffer(4)); t.setUint16(2, dv.getUint16(p, true), true); return t.getFloat32(0, true); }
    case 'F8_E5M2': return f16(dv.getUint8(p) << 8);
    case 'F8_E4M3': {
      const b = dv.getUint8(p), s = b >> 7 ? -1 : 1, e = (b >> 3) & 15, m = b & 7;
      return e === 15 && m === 7 ? NaN : e === 0 ? s * m / 512 : s * 2 ** (e - 7) * (1 + m / 8);
    }
    case 'F8_E8M0': { const b = dv.getUint8(p); return b === 255 ? NaN : 2 ** (b - 127); }
    case 'BOOL': return dv.getUint8(p) ? 1 : 0;
    case 'U8': return dv.getUint8(p);
    case 'I8': return dv.getInt8(p);
    case 'I16': return dv.getInt16(p, true);
    case 'U16': return dv.getUint16(p, true);
    case 'I32': return dv.getInt32(p, true);
    case 'U32': { const v = dv.getUint32(p, true); return v > 2 ** 31 - 1 ? 'range' : v; }
    case 'I64': { const v = dv.getBigInt64(p, true); return v < -(2n ** 31n) || v >= 2n ** 31n ? 'range' : Number(v); }
    case 'U64': { const v = dv.getBigUint64(p, true); return v >= 2n ** 31n ? 'range' : Number(v); }
    default: return 'unsupported';
  }
}

interface Stats { ok: number; failed: number; tensors: number }

/** Parse `bytes`; assert the outcome is a correct read or a proper SafetensorsError. */
function check(bytes: Uint8Array, what: string, stats: Stats): void {
  const fail = (msg: string): never => assert.fail(`${what}: ${msg}`);
  let r;
  try {
    r = openSafetensorsBuffer(bytes);
  } catch (e) {
    if (!(e instanceof SafetensorsError)) fail(`threw ${String(e)} (${(e as Error)?.constructor?.name}), not a SafetensorsError`);
    const err = e as SafetensorsError;
    if (!err.message.startsWith('safetensors: <buffer>: ') || err.problem.length < 10) fail(`bad message ${err.message}`);
    if (err.offset !== undefined && !(err.offset >= 0 && err.offset <= bytes.length)) fail(`offset ${err.offset} outside the file (${bytes.length} bytes): ${err.message}`);
    stats.failed++;
    return;
  }
  // header accepted: it must be valid JSON with the same entries, and the tensors must tile the data buffer
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const dataStart = 8 + n;
  const parsed = JSON.parse(Buffer.from(bytes.subarray(8, dataStart)).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const names = Object.keys(parsed).filter((k) => k !== '__metadata__');
  const keys = r.keys();
  if (names.length !== keys.length || names.some((k) => !r.has(k))) fail(`keys ${JSON.stringify(keys)} differ from JSON.parse ${JSON.stringify(names)}`);
  let pos = dataStart, total = 0;
  for (const k of keys) {
    const info = r.info(k);
    const p = parsed[k]!;
    if (info.dtype !== p.dtype || JSON.stringify(info.shape) !== JSON.stringify(p.shape)) fail(`info of ${k} differs from the header`);
    if (info.byteOffset !== dataStart + p.data_offsets[0] || info.byteLength !== p.data_offsets[1] - p.data_offsets[0]) fail(`offsets of ${k}`);
    if (info.byteOffset !== pos) fail(`tensor ${k} at ${info.byteOffset}, expected ${pos} (hole or overlap accepted)`);
    const count = info.shape.reduce((a, b) => a * b, 1);
    if (count * (SIZES[info.dtype] ?? 0) !== info.byteLength && SIZES[info.dtype] !== undefined) fail(`size of ${k} does not match its shape`);
    pos += info.byteLength;
    // decode with the independent reader and compare
    const want: number[] = [];
    let problem: string | null = null;
    for (let i = 0; i < count && problem === null; i++) {
      const v = refElement(dv, info.dtype, info.byteOffset + i * SIZES[info.dtype]!);
      if (typeof v === 'string') problem = v; else want.push(v);
    }
    if (SIZES[info.dtype] === undefined || info.dtype === 'C64') problem = 'unsupported';
    try {
      const t = r.get(k);
      if (problem) fail(`tensor ${k} read although its values are ${problem}`);
      const got = t.toArray();
      if (got.length !== count || got.length > bytes.length) fail(`tensor ${k} has ${got.length} elements`);
      total += got.byteLength;
      const float = t.dtype !== 'int32';
      for (let i = 0; i < count; i++) {
        const w = float && t.dtype === 'float32' ? Math.fround(want[i]!) : want[i]!;
        if (!Object.is(got[i], w) && !(Number.isNaN(got[i]!) && Number.isNaN(w))) fail(`tensor ${k}[${i}] = ${got[i]}, reference ${w}`);
      }
      stats.tensors++;
    } catch (e) {
      if (!(e instanceof SafetensorsError)) throw e;
      if (!problem) fail(`tensor ${k} failed: ${e.message}`);
    }
  }
  if (pos !== bytes.length) fail(`tensors end at ${pos} but the file has ${bytes.length} bytes`);
  if (total > 8 * bytes.length) fail(`outputs of ${total} bytes from a ${bytes.length}-byte file`);
  stats.ok++;
}

/** A valid file with every readable dtype, small in-range integers, and metadata. */
function baseFile(rand: () => number): Uint8Array {
  const specs: Array<[string, string, number[]]> = [
    ['w.f32', 'F32', [2, 3]], ['w.f16', 'F16', [4]], ['w.bf16', 'BF16', [3]], ['w.f64', 'F64', [2]], ['ids', 'I64', [3]],
    ['u8', 'U8', [3]], ['mask', 'BOOL', [2]], ['i8', 'I8', [1]], ['i16', 'I16', [2]], ['u16', 'U16', [2]], ['u32', 'U32', [1]],
    ['u64', 'U64', [1]], ['f8', 'F8_E4M3', [2]], ['i32', 'I32', [2]], ['scalar', 'F32', []], ['empty', 'F32', [0, 2]],
  ];
  const header: Record<string, unknown> = { __metadata__: { format: 'pt', note: 'fuzz ✓' } };
  const data: number[] = [];
  for (const [name, dtype, shape] of specs) {
    const nb = shape.reduce((a, b) => a * b, 1) * SIZES[dtype]!;
    header[name] = { dtype, shape, data_offsets: [data.length, data.length + nb] };
    for (let i = 0; i < nb; i++) {
      const small = ['I64', 'U64', 'U32'].includes(dtype) && i % SIZES[dtype]! !== 0;
      data.push(small ? 0 : Math.floor(rand() * 256) & (['I64', 'U64', 'U32'].includes(dtype) ? 0x7f : 0xff));
    }
  }
  return build(header, data);
}

const TOKENS = ['-1', '0', '1e3', '2.5', '"', '{', '}', '[', ']', ',', ':', 'null', '99999999999999999999', '"F32"', '"X"', ' ', '\\', '\u00e9', '\u{1F600}', '"__metadata__"'];

test('fuzz: mutations, truncations, length prefixes, random headers and bytes', { timeout: 300_000 }, () => {
  const rand = rng(20240611);
  const int = (n: number): number => Math.floor(rand() * n);
  const stats: Stats = { ok: 0, failed: 0, tensors: 0 };
  const base = baseFile(rand);
  check(base, 'base', stats);
  assert.equal(stats.ok, 1, 'the base file must be valid');
  const n = Number(new DataView(base.buffer).getBigUint64(0, true));
  const header = Buffer.from(base.subarray(8, 8 + n)).toString('utf8');

  for (let c = 0; c < 4000; c++) { // byte flips: 40% in the header, 60% in the data
    const m = base.slice();
    const k = 1 + int(4);
    const inHeader = rand() < 0.4;
    for (let j = 0; j < k; j++) {
      const p = inHeader ? 8 + int(n) : 8 + n + int(m.length - 8 - n);
      m[p] = rand() < 0.5 ? m[p]! ^ (1 << int(8)) : int(256);
    }
    check(m, `flip case ${c}`, stats);
  }
  for (let c = 0; c < 1000; c++) check(base.slice(0, int(base.length)), `truncation case ${c}`, stats);
  for (let c = 0; c < 500; c++) { // length prefix
    const m = base.slice();
    const choices = [BigInt(int(m.length + 16)), BigInt(n + int(9) - 4), 2n ** BigInt(int(64)), BigInt(100_000_000 + int(3) - 1)];
    new DataView(m.buffer).setBigUint64(0, BigInt.asUintN(64, choices[int(choices.length)]!), true);
    check(m, `length case ${c}`, stats);
  }
  for (let c = 0; c < 2000; c++) { // token-level header edits, length prefix kept consistent
    let h = header;
    for (let j = 0; j < 1 + int(3); j++) {
      const p = int(h.length);
      const tok = TOKENS[int(TOKENS.length)]!;
      const r = rand();
      h = r < 0.4 ? h.slice(0, p) + tok + h.slice(p + 1) : r < 0.7 ? h.slice(0, p) + tok + h.slice(p) : h.slice(0, p) + h.slice(p + 1 + int(4));
    }
    check(build(h, base.subarray(8 + n)), `token case ${c}`, stats);
  }
  for (let c = 0; c < 3000; c++) { // random grammar-built headers
    const entries: string[] = [];
    let off = 0;
    const dtypes = Object.keys(SIZES).concat(['F4', 'X', 'f32']);
    const count = int(5);
    for (let t = 0; t < count; t++) {
      const dtype = dtypes[int(dtypes.length)]!;
      const shape = Array.from({ length: int(4) }, () => (rand() < 0.9 ? int(4) : [-1, 2.5, 2 ** 53, 1e30][int(4)]!));
      const size = shape.reduce((a, b) => a * b, 1) * (SIZES[dtype] ?? 1);
      let o: unknown[] = [off, off + size];
      if (rand() < 0.2) o = [off + int(3) - 1, off + size + int(3) - 1];
      if (rand() < 0.05) o = [off];
      off += Number.isFinite(size) && size >= 0 && size < 1e6 ? size : 0;
      const name = rand() < 0.1 ? 'dup' : `t${t}${'é🚀'.slice(0, int(3))}`;
      entries.push(`${JSON.stringify(name)}:{"dtype":${JSON.stringify(dtype)},"shape":${JSON.stringify(shape)},"data_offsets":${JSON.stringify(o)}}`);
    }
    if (rand() < 0.3) entries.push(`"__metadata__":${rand() < 0.8 ? '{"k":"v"}' : '{"k":1}'}`);
    for (let i = entries.length - 1; i > 0; i--) { const j = int(i + 1); [entries[i], entries[j]] = [entries[j]!, entries[i]!]; }
    const text = `{${entries.join(',')}}${' '.repeat(int(8))}`;
    const data = Array.from({ length: Math.max(0, off + (rand() < 0.8 ? 0 : int(5) - 2)) }, () => int(256));
    check(build(text, data), `grammar case ${c}: ${text}`, stats);
  }
  for (let c = 0; c < 500; c++) { // random bytes, sometimes with a plausible length prefix
    const m = new Uint8Array(int(200));
    for (let i = 0; i < m.length; i++) m[i] = int(256);
    if (m.length >= 8 && rand() < 0.5) { new DataView(m.buffer).setBigUint64(0, BigInt(int(m.length - 7)), true); m[8] = 0x7b; }
    check(m, `random case ${c}`, stats);
  }
  console.log(`fuzz: ${stats.ok} files read correctly (${stats.tensors} tensors checked), ${stats.failed} rejected with SafetensorsError`);
  assert.ok(stats.ok > 1000 && stats.failed > 3000, `both outcomes must be exercised (ok ${stats.ok}, failed ${stats.failed})`);
});

test('fuzz through real files: same outcome as in memory', { timeout: 120_000 }, () => {
  const rand = rng(7);
  const int = (n: number): number => Math.floor(rand() * n);
  const base = baseFile(rand);
  const dataStart = 8 + Number(new DataView(base.buffer).getBigUint64(0, true));
  const dir = tempDir('st-fuzz');
  const p = path.join(dir, 'm.safetensors');
  let ok = 0;
  for (let c = 0; c < 300; c++) {
    const m = c % 2 ? base.slice(0, int(base.length)) : base.slice();
    if (c % 2 === 0) m[dataStart + int(m.length - dataStart)] = int(256); // data bytes: must still read
    fs.writeFileSync(p, m);
    let a: string, b: string;
    try { const r = readSafetensors(p); a = JSON.stringify([...r.tensors].map(([k, t]) => [k, t.shape, Array.from(t.toArray(), String)])); ok++; }
    catch (e) { assert.ok(e instanceof SafetensorsError, String(e)); a = e.problem; }
    try { const r = openSafetensorsBuffer(m); const t = [...r.keys()].map((k) => [k, r.get(k).shape, Array.from(r.get(k).toArray(), String)]); b = JSON.stringify(t); }
    catch (e) { assert.ok(e instanceof SafetensorsError, String(e)); b = e.problem; }
    assert.equal(a, b, `case ${c}`);
  }
  assert.ok(ok > 100, `${ok} mutated files read`);
  fs.rmSync(dir, { recursive: true });
});
