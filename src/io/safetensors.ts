// safetensors read and write (huggingface/safetensors format, FACTS.md §5.1): the format of fixtures and
// checkpoints. This file reads, lazily (header up front, each tensor by positioned reads, converted in chunks);
// the writer is safetensors_write.ts (re-exported here), header parsing/validation safetensors_header.ts.
import * as fs from 'node:fs';
import { Tensor } from '../tensor/tensor.js';
import { allocate, type DType, type Storage } from '../tensor/dtype.js';
import { decodeBFloat16, decodeFloat16, fromFloat16Bits } from './half.js';
import {
  CHUNK, DTYPES, SafetensorsError, checkEndianness, headerLength, parseHeader, type HeaderEntry, type SafetensorsDtype,
} from './safetensors_header.js';

export { SafetensorsError, MAX_HEADER_SIZE, type SafetensorsDtype } from './safetensors_header.js';
export { serializeSafetensors, writeSafetensors, type WriteDtype, type WriteOptions } from './safetensors_write.js';

// ------------------------------------------------------------------ reading

export interface ReadOptions {
  /** Float tensors (F16, BF16, F32, F64, F8_*) come out as this dtype. Default: float64 for F64, float32 otherwise. */
  dtype?: 'float32' | 'float64';
}

export interface SafetensorsTensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte offset of the tensor's data in the file. */
  byteOffset: number;
  byteLength: number;
}

/** An open safetensors file: the header is parsed, tensors are read on demand. */
export interface SafetensorsReader {
  readonly path: string;
  readonly metadata: Record<string, string>;
  /** Tensor names in file order. */
  keys(): string[];
  has(name: string): boolean;
  info(name: string): SafetensorsTensorInfo;
  /** Read one tensor: floats → float32 (or float64, see ReadOptions), integers and BOOL → int32. */
  get(name: string, opts?: ReadOptions): Tensor;
  /** The tensor's bytes as stored (little-endian), without conversion. */
  raw(name: string): Uint8Array;
  close(): void;
}

interface Source {
  name: string;
  size: number;
  read(dst: Uint8Array, pos: number): void;
  close(): void;
}

function fileSource(path: string): Source {
  const fd = fs.openSync(path, 'r');
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  let open = true;
  return {
    name: path,
    size,
    read(dst, pos) {
      if (!open) throw new SafetensorsError(path, 'the file was closed');
      let off = 0;
      while (off < dst.length) {
        const n = fs.readSync(fd, dst, off, Math.min(dst.length - off, 1 << 30), pos + off);
        if (n === 0) throw new SafetensorsError(path, `unexpected end of file at byte offset ${pos + off} (the file shrank while open?)`, pos + off);
        off += n;
      }
    },
    close() {
      if (open) { open = false; fs.closeSync(fd); }
    },
  };
}

function memorySource(bytes: Uint8Array, name: string): Source {
  return {
    name,
    size: bytes.length,
    read(dst, pos) {
      if (pos + dst.length > bytes.length) throw new SafetensorsError(name, `unexpected end of buffer at byte offset ${bytes.length}`, bytes.length);
      dst.set(bytes.subarray(pos, pos + dst.length));
    },
    close() {},
  };
}

const FLOAT_DTYPES = new Set<SafetensorsDtype>(['F16', 'BF16', 'F32', 'F64', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0']);
const INT_DTYPES = new Set<SafetensorsDtype>(['BOOL', 'U8', 'I8', 'I16', 'U16', 'I32', 'U32', 'I64', 'U64']);

const f8Tables = new Map<string, Float32Array>();
/** Decode table of an 8-bit float: E5M2 is the top byte of a float16; E4M3 is the "FN" variant (no Inf); E8M0 is 2^(e-127). */
function f8Table(dtype: SafetensorsDtype): Float32Array {
  let t = f8Tables.get(dtype);
  if (t) return t;
  t = new Float32Array(256);
  for (let b = 0; b < 256; b++) {
    if (dtype === 'F8_E5M2') t[b] = fromFloat16Bits(b << 8);
    else if (dtype === 'F8_E8M0') t[b] = b === 255 ? NaN : 2 ** (b - 127);
    else {
      const s = b & 0x80 ? -1 : 1, e = (b >> 3) & 0xf, m = b & 7;
      t[b] = e === 15 && m === 7 ? NaN : e === 0 ? s * m * 2 ** -9 : s * (8 + m) * 2 ** (e - 10);
    }
  }
  f8Tables.set(dtype, t);
  return t;
}

function readEntry(src: Source, e: HeaderEntry, dataStart: number, opts: ReadOptions = {}): Tensor {
  const where = `tensor ${JSON.stringify(e.name)}`;
  const fail = (msg: string, off?: number): never => { throw new SafetensorsError(src.name, `${where}: ${msg}`, off, e.name); };
  let out: DType;
  if (FLOAT_DTYPES.has(e.dtype)) out = opts.dtype ?? (e.dtype === 'F64' ? 'float64' : 'float32');
  else if (INT_DTYPES.has(e.dtype)) out = 'int32';
  else return fail(`dtype ${e.dtype} is not supported for reading (supported: ${[...FLOAT_DTYPES, ...INT_DTYPES].join(', ')})`);
  if (opts.dtype !== undefined && opts.dtype !== 'float32' && opts.dtype !== 'float64') fail(`ReadOptions.dtype must be 'float32' or 'float64', got ${String(opts.dtype)}`);
  const bpe = DTYPES[e.dtype].bits / 8;
  const n = (e.end - e.begin) / bpe; // = numel(shape), validated with the header
  const pos = dataStart + e.begin;
  let data: Storage;
  try {
    data = allocate(out, n);
  } catch {
    return fail(`${n} elements (shape [${e.shape.join(', ')}]) do not fit in one ${out} array`);
  }
  if ((e.dtype === 'F32' && out === 'float32') || (e.dtype === 'F64' && out === 'float64') || e.dtype === 'I32') {
    src.read(new Uint8Array(data.buffer, data.byteOffset, n * bpe), pos);
    return new Tensor(data, e.shape);
  }
  const scratch = new ArrayBuffer(Math.min(n, CHUNK) * bpe);
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    src.read(new Uint8Array(scratch, 0, m * bpe), pos + i * bpe);
    const dst = data.subarray(i, i + m);
    switch (e.dtype) {
      case 'F16': decodeFloat16(new Uint16Array(scratch, 0, m), dst as Float32Array); break;
      case 'BF16': decodeBFloat16(new Uint16Array(scratch, 0, m), dst as Float32Array); break;
      case 'F32': dst.set(new Float32Array(scratch, 0, m)); break;
      case 'F64': dst.set(new Float64Array(scratch, 0, m)); break;
      case 'U8': dst.set(new Uint8Array(scratch, 0, m)); break;
      case 'I8': dst.set(new Int8Array(scratch, 0, m)); break;
      case 'I16': dst.set(new Int16Array(scratch, 0, m)); break;
      case 'U16': dst.set(new Uint16Array(scratch, 0, m)); break;
      case 'BOOL': {
        const s = new Uint8Array(scratch, 0, m);
        for (let k = 0; k < m; k++) dst[k] = s[k] ? 1 : 0;
        break;
      }
      case 'U32': {
        const s = new Uint32Array(scratch, 0, m);
        for (let k = 0; k < m; k++) {
          if (s[k]! > 0x7fffffff) fail(`U32 value ${s[k]} at element ${i + k} is outside the int32 range`, pos + (i + k) * 4);
          dst[k] = s[k]!;
        }
        break;
      }
      case 'I64': case 'U64': {
        const s = new Int32Array(scratch, 0, 2 * m);
        const signed = e.dtype === 'I64';
        for (let k = 0; k < m; k++) {
          const lo = s[2 * k]!, hi = s[2 * k + 1]!;
          if (signed ? hi !== lo >> 31 : hi !== 0 || lo < 0) {
            const v = (BigInt(signed ? hi : hi >>> 0) << 32n) | BigInt(lo >>> 0);
            fail(`${e.dtype} value ${v} at element ${i + k} is outside the int32 range`, pos + (i + k) * 8);
          }
          dst[k] = lo;
        }
        break;
      }
      default: {
        const t = f8Table(e.dtype), s = new Uint8Array(scratch, 0, m);
        for (let k = 0; k < m; k++) dst[k] = t[s[k]!]!;
      }
    }
  }
  return new Tensor(data, e.shape);
}

function openSource(src: Source): SafetensorsReader {
  checkEndianness();
  let entries: HeaderEntry[], metadata: Record<string, string>, dataStart: number;
  try {
    const prefix = new Uint8Array(8);
    if (src.size >= 8) src.read(prefix, 0);
    const hb = new Uint8Array(headerLength(prefix, src.size, src.name)); // ≤ file size, checked first
    src.read(hb, 8);
    ({ entries, metadata, dataStart } = parseHeader(hb, src.size, src.name));
  } catch (e) {
    src.close();
    throw e;
  }
  const byName = new Map(entries.map((e) => [e.name, e]));
  const entry = (name: string): HeaderEntry => {
    const e = byName.get(name);
    if (e) return e;
    const names = entries.slice(0, 8).map((x) => JSON.stringify(x.name)).join(', ') + (entries.length > 8 ? ', …' : '');
    throw new SafetensorsError(src.name, `no tensor named ${JSON.stringify(name)} (the file has ${entries.length}: ${names})`, undefined, name);
  };
  return {
    path: src.name,
    metadata,
    keys: () => entries.map((e) => e.name),
    has: (name) => byName.has(name),
    info(name) {
      const e = entry(name);
      return { dtype: e.dtype, shape: [...e.shape], byteOffset: dataStart + e.begin, byteLength: e.end - e.begin };
    },
    get: (name, opts) => readEntry(src, entry(name), dataStart, opts),
    raw(name) {
      const e = entry(name);
      const out = new Uint8Array(e.end - e.begin);
      src.read(out, dataStart + e.begin);
      return out;
    },
    close: () => src.close(),
  };
}

/**
 * Open a safetensors file lazily: reads and validates only the header; tensors are read by `get`.
 * A multi-GB checkpoint opens with a few KB of memory. Call `close()` when done.
 * @example
 * const f = openSafetensors('model.safetensors');
 * try { const wte = f.get('wte.weight'); } finally { f.close(); }
 */
export function openSafetensors(path: string): SafetensorsReader {
  return openSource(fileSource(path));
}

/**
 * Open a safetensors file already in memory, with the same lazy interface and validation as openSafetensors.
 * @example const f = openSafetensorsBuffer(bytes); f.info('wte.weight').shape
 */
export function openSafetensorsBuffer(bytes: Uint8Array, name = '<buffer>'): SafetensorsReader {
  return openSource(memorySource(bytes, name));
}

function readAll(r: SafetensorsReader, opts?: ReadOptions): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  try {
    const tensors = new Map<string, Tensor>();
    for (const k of r.keys()) tensors.set(k, r.get(k, opts));
    return { tensors, metadata: r.metadata };
  } finally {
    r.close();
  }
}

/**
 * Read every tensor of a safetensors file. F16/BF16/F32 → float32, F64 → float64 (override with `opts.dtype`),
 * BOOL/U8/I8/I16/U16/I32/U32/I64/U64 → int32 (values outside int32 are an error naming the tensor).
 * @example const { tensors, metadata } = readSafetensors('test/fixtures/ops/linear.safetensors');
 */
export function readSafetensors(path: string, opts?: ReadOptions): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  return readAll(openSafetensors(path), opts);
}

/**
 * Read a safetensors file already in memory (same validation and conversions as readSafetensors).
 * @example const { tensors } = parseSafetensors(serializeSafetensors({ x: tensor([1, 2]) }));
 */
export function parseSafetensors(bytes: Uint8Array, opts?: ReadOptions, name = '<buffer>'): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  return readAll(openSafetensorsBuffer(bytes, name), opts);
}
