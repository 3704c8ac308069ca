// GGUF v3 files (ggml-org/ggml docs/gguf.md, FACTS §5.3): a reader (metadata, tensor infos, F32/F16/Q8_0
// tensors as float32) and a streaming atomic writer (F32/F16/Q8_0). Dimensions are stored innermost first, the
// reverse of a PyTorch shape; this module speaks PyTorch order and flips at the boundary.
// Model-level mapping (names, hyperparameters, tokenizer) lives in gguf_model.ts.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Tensor } from '../tensor/tensor.js';
import { openAtomic } from './atomic.js';
import { decodeFloat16, encodeFloat16, fromFloat16Bits, toFloat16Bits } from './half.js';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** ggml_type ids (FACTS §5.3) and names, for messages. */
export const GGML_TYPES: Record<number, string> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 6: 'Q5_0', 7: 'Q5_1', 8: 'Q8_0', 9: 'Q8_1', 10: 'Q2_K', 11: 'Q3_K', 12: 'Q4_K',
  13: 'Q5_K', 14: 'Q6_K', 15: 'Q8_K', 16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS', 19: 'IQ1_S', 20: 'IQ4_NL', 21: 'IQ3_S', 22: 'IQ2_S',
  23: 'IQ4_XS', 24: 'I8', 25: 'I16', 26: 'I32', 27: 'I64', 28: 'F64', 29: 'IQ1_M', 30: 'BF16',
};

/** Metadata value type id of arrays (scalars: SCALAR_IDS). */
const ARRAY_TYPE = 9;

export type GgufScalar = number | bigint | boolean | string;
/** A metadata value with its GGUF type (arrays: the element type). */
export type GgufValue =
  | { type: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64'; value: number }
  | { type: 'u64' | 'i64'; value: number | bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'array'; itemType: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64' | 'u64' | 'i64' | 'bool' | 'string'; value: GgufScalar[] };

const SCALAR_IDS: Record<string, number> = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, u64: 10, i64: 11, f64: 12 };
const SCALAR_NAMES = Object.fromEntries(Object.entries(SCALAR_IDS).map(([k, v]) => [v, k])) as Record<number, string>;

export interface GgufTensorInfo {
  name: string;
  /** PyTorch order (outermost first). */
  shape: number[];
  /** ggml_type id. */
  type: number;
  /** Absolute byte offset of the data in the file. */
  offset: number;
  byteLength: number;
}

export interface GgufFile {
  path: string;
  version: number;
  alignment: number;
  /** Metadata key -> typed value, in file order. */
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** Plain value of a metadata key (arrays as JS arrays), or undefined. */
  get(key: string): GgufScalar | GgufScalar[] | undefined;
  /** Read one tensor as float32 (F32, F16, Q8_0); other types throw naming the tensor. */
  read(name: string): Tensor;
  close(): void;
}

/** Bytes of `n` elements of a ggml type we can size (F32, F16, BF16, Q8_0, I8..I64, F64). */
function typeBytes(type: number, n: number, name: string, file: string): number {
  switch (type) {
    case 0: case 26: return 4 * n;
    case 1: case 30: case 25: return 2 * n;
    case 24: return n;
    case 27: case 28: return 8 * n;
    case 8:
      if (n % 32 !== 0) throw new Error(`${file}: tensor '${name}': Q8_0 needs a multiple of 32 elements per row, got ${n}`);
      return (n / 32) * 34;
    default: return -1;
  }
}

/** Positioned little-endian reads through a window over a file descriptor. */
class Cursor {
  pos = 0;
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  constructor(private fd: number, readonly size: number, private file: string) {}
  fail(msg: string, at = this.pos): never {
    throw new Error(`${this.file}: ${msg} (at byte offset ${at})`);
  }
  private need(n: number): Buffer {
    if (this.pos + n > this.size) this.fail(`unexpected end of file: need ${n} bytes, the file has ${this.size}`);
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.buf.length) {
      const len = Math.min(Math.max(n, 1 << 20), this.size - this.pos);
      this.buf = Buffer.alloc(len);
      let off = 0;
      while (off < len) off += readSync(this.fd, this.buf, off, len - off, this.pos + off) || this.fail('read failed');
      this.bufStart = this.pos;
    }
    const o = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(o, o + n);
  }
  u8(): number { return this.need(1).readUInt8(0); }
  i8(): number { return this.need(1).readInt8(0); }
  u16(): number { return this.need(2).readUInt16LE(0); }
  i16(): number { return this.need(2).readInt16LE(0); }
  u32(): number { return this.need(4).readUInt32LE(0); }
  i32(): number { return this.need(4).readInt32LE(0); }
  f32(): number { return this.need(4).readFloatLE(0); }
  f64(): number { return this.need(8).readDoubleLE(0); }
  u64(): number {
    const v = this.need(8).readBigUInt64LE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`u64 value ${v} is too large`, this.pos - 8);
    return Number(v);
  }
  i64(): bigint { return this.need(8).readBigInt64LE(0); }
  str(what: string): string {
    const at = this.pos;
    const n = this.u64();
    if (n > this.size - this.pos) this.fail(`${what}: string length ${n} runs past the end of the file`, at);
    return this.need(n).toString('utf8');
  }
}

/** The shortest decimal that is the same float32 (1e-5 stored as f32 reads back as 1e-5, not 9.99999974e-6). */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v)) return v;
  for (let p = 1; p <= 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return s;
  }
  return v;
}

function readScalar(c: Cursor, type: number, what: string): GgufScalar {
  switch (type) {
    case 0: return c.u8();
    case 1: return c.i8();
    case 2: return c.u16();
    case 3: return c.i16();
    case 4: return c.u32();
    case 5: return c.i32();
    case 6: return c.f32();
    case 7: { const b = c.u8(); if (b > 1) c.fail(`${what}: bool byte ${b} is not 0 or 1`, c.pos - 1); return b === 1; }
    case 8: return c.str(what);
    case 10: return c.u64();
    case 11: return c.i64();
    case 12: return c.f64();
    default: return c.fail(`${what}: unknown metadata value type ${type}`, c.pos - 4);
  }
}

/**
 * Open a GGUF file: header, metadata and tensor infos are parsed; tensors are read on demand.
 * @example const g = openGguf('model.gguf'); g.get('general.architecture'); g.read('token_embd.weight'); g.close();
 */
export function openGguf(path: string): GgufFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const c = new Cursor(fd, size, path);
    if (size < 24) c.fail(`too short for a GGUF header (${size} bytes)`, 0);
    const magic = c.u32();
    if (magic !== GGUF_MAGIC) c.fail(`not a GGUF file (magic 0x${magic.toString(16)}, expected "GGUF")`, 0);
    const version = c.u32();
    if (version !== 2 && version !== 3) c.fail(`GGUF version ${version} is not supported (2 or 3)`, 4);
    const nTensors = c.u64(), nKv = c.u64();
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < nKv; i++) {
      const key = c.str(`metadata key ${i}`);
      const type = c.u32();
      if (type === 9) {
        const item = c.u32();
        if (!(item in SCALAR_NAMES)) c.fail(`metadata '${key}': unsupported array element type ${item}`, c.pos - 4);
        const n = c.u64();
        if (n > size) c.fail(`metadata '${key}': array length ${n} is larger than the file`);
        const values: GgufScalar[] = new Array(n);
        for (let j = 0; j < n; j++) values[j] = readScalar(c, item, `metadata '${key}'[${j}]`);
        metadata.set(key, { type: 'array', itemType: SCALAR_NAMES[item] as never, value: values });
      } else {
        if (!(type in SCALAR_NAMES)) c.fail(`metadata '${key}': unknown value type ${type}`, c.pos - 4);
        const v = readScalar(c, type, `metadata '${key}'`);
        metadata.set(key, { type: SCALAR_NAMES[type] as never, value: (type === 6 ? shortestFloat32(v as number) : v) as never });
      }
    }
    const al = metadata.get('general.alignment');
    const alignment = al ? Number(al.value) : GGUF_DEFAULT_ALIGNMENT;
    if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0) c.fail(`general.alignment ${alignment} must be a positive multiple of 8`);
    const infos: { name: string; shape: number[]; type: number; rel: number }[] = [];
    for (let i = 0; i < nTensors; i++) {
      const name = c.str(`tensor info ${i}`);
      const nd = c.u32();
      if (nd > 4) c.fail(`tensor '${name}': ${nd} dimensions (at most 4)`, c.pos - 4);
      const dims: number[] = [];
      for (let d = 0; d < nd; d++) dims.push(c.u64());
      const type = c.u32();
      const rel = c.u64();
      if (rel % alignment !== 0) c.fail(`tensor '${name}': data offset ${rel} is not a multiple of the alignment ${alignment}`, c.pos - 8);
      infos.push({ name, shape: dims.reverse(), type, rel });
    }
    const dataStart = c.pos + ((alignment - (c.pos % alignment)) % alignment);
    const tensors: GgufTensorInfo[] = infos.map((t) => {
      const n = t.shape.reduce((a, b) => a * b, 1);
      const bytes = typeBytes(t.type, n, t.name, path);
      const offset = dataStart + t.rel;
      if (bytes >= 0 && offset + bytes > size) {
        throw new Error(`${path}: tensor '${t.name}' (${GGML_TYPES[t.type] ?? t.type}, shape [${t.shape.join(', ')}]) needs bytes ${offset}..${offset + bytes}, the file has ${size} (truncated)`);
      }
      return { name: t.name, shape: t.shape, type: t.type, offset, byteLength: bytes };
    });
    const byName = new Map(tensors.map((t) => [t.name, t]));
    let open = true;
    return {
      path, version, alignment, metadata, tensors,
      get(key) {
        const v = metadata.get(key);
        return v === undefined ? undefined : v.value;
      },
      read(name) {
        if (!open) throw new Error(`${path}: the file was closed`);
        const t = byName.get(name);
        if (!t) throw new Error(`${path}: no tensor '${name}'`);
        if (t.type !== 0 && t.type !== 1 && t.type !== 8) {
          throw new Error(`${path}: tensor '${name}' has ggml type ${t.type} (${GGML_TYPES[t.type] ?? 'unknown'}), which lmforge cannot read (supported: F32, F16, Q8_0)`);
        }
        const raw = Buffer.alloc(t.byteLength);
        let off = 0;
        while (off < raw.length) {
          const n = readSync(fd, raw, off, raw.length - off, t.offset + off);
          if (n === 0) throw new Error(`${path}: tensor '${name}': unexpected end of file at byte offset ${t.offset + off}`);
          off += n;
        }
        const n = t.shape.reduce((a, b) => a * b, 1);
        const out = new Float32Array(n);
        if (t.type === 0) out.set(new Float32Array(raw.buffer, raw.byteOffset, n));
        else if (t.type === 1) decodeFloat16(new Uint16Array(raw.buffer, raw.byteOffset, n), out);
        else {
          // Q8_0: blocks of 32 values = f16 scale d + 32 int8 q; value = d·q
          for (let b = 0; b < n / 32; b++) {
            const o = b * 34, d = fromFloat16Bits(raw.readUInt16LE(o));
            for (let j = 0; j < 32; j++) out[b * 32 + j] = d * raw.readInt8(o + 2 + j);
          }
        }
        return new Tensor(out, t.shape);
      },
      close() {
        if (open) { open = false; closeSync(fd); }
      },
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

// ------------------------------------------------------------------ writing

export interface GgufTensorSpec {
  name: string;
  /** float32/float64 values, any layout (written in row-major order of its shape). */
  tensor: Tensor;
  /** Q8_0 needs the innermost dimension to be a multiple of 32. */
  type: 'F32' | 'F16' | 'Q8_0';
}

/**
 * Q8_0 blocks of 32 values as ggml's quantize_row_q8_0_ref makes them: d = max|x|/127, q = roundf(x/d)
 * (half away from zero), stored as f16 d then 32 int8 — 34 bytes per block.
 */
export function quantizeQ8_0(x: ArrayLike<number>): Uint8Array {
  if (x.length % 32 !== 0) throw new Error(`Q8_0: ${x.length} values is not a multiple of 32`);
  const out = Buffer.alloc((x.length / 32) * 34);
  for (let b = 0; b < x.length / 32; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[b * 32 + j]!));
    const d = Math.fround(amax / 127), id = d ? Math.fround(1 / d) : 0;
    out.writeUInt16LE(toFloat16Bits(d), b * 34);
    for (let j = 0; j < 32; j++) {
      const v = Math.fround(x[b * 32 + j]! * id);
      out.writeInt8(Math.sign(v) * Math.floor(Math.abs(v) + 0.5), b * 34 + 2 + j);
    }
  }
  return out;
}

const BYTES_OF = { F32: (n: number) => 4 * n, F16: (n: number) => 2 * n, Q8_0: (n: number) => (n / 32) * 34 } as const;
const TYPE_ID = { F32: 0, F16: 1, Q8_0: 8 } as const;

function encodeString(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.alloc(8 + b.length);
  out.writeBigUInt64LE(BigInt(b.length), 0);
  b.copy(out, 8);
  return out;
}

function encodeScalar(type: string, v: GgufScalar, key: string): Buffer {
  const fail = (): never => { throw new Error(`GGUF writer: metadata '${key}': ${JSON.stringify(String(v))} is not a valid ${type}`); };
  const b = Buffer.alloc(type === 'u64' || type === 'i64' || type === 'f64' ? 8 : type === 'u32' || type === 'i32' || type === 'f32' ? 4 : type === 'u16' || type === 'i16' ? 2 : 1);
  switch (type) {
    case 'string': return typeof v === 'string' ? encodeString(v) : fail();
    case 'bool': if (typeof v !== 'boolean') fail(); b.writeUInt8(v ? 1 : 0); return b;
    case 'u64': b.writeBigUInt64LE(BigInt(v as number)); return b;
    case 'i64': b.writeBigInt64LE(BigInt(v as number)); return b;
    case 'f64': b.writeDoubleLE(Number(v)); return b;
    case 'f32': b.writeFloatLE(Number(v)); return b;
    case 'u32': b.writeUInt32LE(Number(v)); return b;
    case 'i32': b.writeInt32LE(Number(v)); return b;
    case 'u16': b.writeUInt16LE(Number(v)); return b;
    case 'i16': b.writeInt16LE(Number(v)); return b;
    case 'u8': b.writeUInt8(Number(v)); return b;
    case 'i8': b.writeInt8(Number(v)); return b;
    default: return fail();
  }
}

function encodeKv(key: string, v: GgufValue): Buffer {
  const parts = [encodeString(key)];
  const t = Buffer.alloc(4);
  if (v.type === 'array') {
    t.writeUInt32LE(ARRAY_TYPE);
    const head = Buffer.alloc(12);
    head.writeUInt32LE(SCALAR_IDS[v.itemType]!, 0);
    head.writeBigUInt64LE(BigInt(v.value.length), 4);
    parts.push(t, head, ...v.value.map((x) => encodeScalar(v.itemType, x, key)));
  } else {
    t.writeUInt32LE(SCALAR_IDS[v.type]!);
    parts.push(t, encodeScalar(v.type, v.value, key));
  }
  return Buffer.concat(parts);
}

const pad = (n: number, a: number): number => (a - (n % a)) % a;

/**
 * Write a GGUF v3 file atomically, streaming tensor by tensor (F32, F16 or Q8_0).
 * @example writeGguf('m.gguf', new Map([['general.architecture', { type: 'string', value: 'llama' }]]), [{ name: 'token_embd.weight', tensor: wte, type: 'F32' }])
 */
export function writeGguf(path: string, metadata: Map<string, GgufValue>, tensors: GgufTensorSpec[], alignment = GGUF_DEFAULT_ALIGNMENT): void {
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw new Error(`GGUF writer: duplicate tensor name '${t.name}'`);
    if (Buffer.byteLength(t.name) > 64) throw new Error(`GGUF writer: tensor name '${t.name}' is longer than 64 bytes`);
    if (t.tensor.ndim < 1 || t.tensor.ndim > 4) throw new Error(`GGUF writer: tensor '${t.name}' has ${t.tensor.ndim} dimensions (1 to 4)`);
    if (t.tensor.dtype === 'int32') throw new Error(`GGUF writer: tensor '${t.name}' is int32 (float tensors only)`);
    if (t.type === 'Q8_0' && (t.tensor.shape[t.tensor.ndim - 1] ?? 0) % 32 !== 0) throw new Error(`GGUF writer: tensor '${t.name}' ${JSON.stringify(t.tensor.shape)}: Q8_0 needs rows of a multiple of 32 values`);
    names.add(t.name);
  }
  const md = new Map(metadata);
  if (alignment !== GGUF_DEFAULT_ALIGNMENT) md.set('general.alignment', { type: 'u32', value: alignment });
  const head: Buffer[] = [];
  const h = Buffer.alloc(24);
  h.writeUInt32LE(GGUF_MAGIC, 0);
  h.writeUInt32LE(GGUF_VERSION, 4);
  h.writeBigUInt64LE(BigInt(tensors.length), 8);
  h.writeBigUInt64LE(BigInt(md.size), 16);
  head.push(h);
  for (const [k, v] of md) head.push(encodeKv(k, v));
  let rel = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const dims = [...t.tensor.shape].reverse();
    const info = Buffer.alloc(4 + 8 * dims.length + 4 + 8);
    info.writeUInt32LE(dims.length, 0);
    dims.forEach((d, i) => info.writeBigUInt64LE(BigInt(d), 4 + 8 * i));
    info.writeUInt32LE(TYPE_ID[t.type], 4 + 8 * dims.length);
    info.writeBigUInt64LE(BigInt(rel), 8 + 8 * dims.length);
    head.push(encodeString(t.name), info);
    offsets.push(rel);
    rel += BYTES_OF[t.type](t.tensor.size);
    rel += pad(rel, alignment);
  }
  const header = Buffer.concat(head);
  const w = openAtomic(path);
  try {
    w.write(header);
    w.write(new Uint8Array(pad(header.length, alignment)));
    let written = 0;
    tensors.forEach((t, i) => {
      if (written < offsets[i]!) { w.write(new Uint8Array(offsets[i]! - written)); written = offsets[i]!; }
      const vals = t.tensor.toArray();
      const CH = 1 << 16; // a multiple of 32: Q8_0 blocks never straddle chunks
      for (let s = 0; s < vals.length; s += CH) {
        const part = vals.subarray(s, Math.min(vals.length, s + CH));
        const bytes = t.type === 'F32' ? new Uint8Array(Float32Array.from(part).buffer)
          : t.type === 'F16' ? new Uint8Array(encodeFloat16(part).buffer) : quantizeQ8_0(part);
        w.write(bytes);
        written += bytes.length;
      }
    });
    w.write(new Uint8Array(pad(written, alignment)));
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}
