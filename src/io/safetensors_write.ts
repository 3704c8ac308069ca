// safetensors writer (huggingface/safetensors format, FACTS.md §5.1): validates names and metadata, orders
// tensors like the reference writer (descending dtype alignment, then name), pads the header to 8 bytes
// with spaces, and streams tensor by tensor (zero-copy, or converted in chunks) into an atomic temp file.
import { Tensor } from '../tensor/tensor.js';
import { allocate, type Storage } from '../tensor/dtype.js';
import { openAtomic } from './atomic.js';
import { encodeBFloat16, encodeFloat16 } from './half.js';
import { CHUNK, DTYPES, checkEndianness, type SafetensorsDtype } from './safetensors_header.js';

export type WriteDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export interface WriteOptions {
  /** Storage dtype of float tensors (default: F32 for float32, F64 for float64). int32 tensors are always I32. */
  dtype?: WriteDtype;
}

type TensorDict = Record<string, Tensor> | Map<string, Tensor>;
interface PlanItem { name: string; t: Tensor; dtype: SafetensorsDtype }

function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Validate inputs, order tensors as the reference writer does, and build the padded header. */
function plan(tensors: TensorDict, metadata: Record<string, string> | undefined, opts: WriteOptions, file: string): { header: Uint8Array; items: PlanItem[]; total: number } {
  const fail = (msg: string): never => { throw new Error(`writeSafetensors: ${file}: ${msg}`); };
  if (opts.dtype !== undefined && !['F32', 'F16', 'BF16', 'F64'].includes(opts.dtype)) fail(`opts.dtype must be F32, F16, BF16 or F64, got ${String(opts.dtype)}`);
  const pairs: Array<[string, unknown]> = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const items: PlanItem[] = pairs.map(([name, t]) => {
    if (typeof name !== 'string') fail(`tensor names must be strings, got ${typeof name}`);
    if (name === '__metadata__') fail('"__metadata__" is reserved and cannot name a tensor');
    if (/[\uD800-\uDFFF]/u.test(name)) fail(`tensor name ${JSON.stringify(name)} contains a lone surrogate (not representable in UTF-8)`);
    if (!(t instanceof Tensor)) return fail(`value for ${JSON.stringify(name)} is not a Tensor`);
    const dtype: SafetensorsDtype = t.dtype === 'int32' ? 'I32' : opts.dtype ?? (t.dtype === 'float64' ? 'F64' : 'F32');
    return { name, t, dtype };
  });
  // Descending dtype alignment (the reference's enum order), then name by UTF-8 bytes.
  items.sort((a, b) => DTYPES[b.dtype].rank - DTYPES[a.dtype].rank || utf8Compare(a.name, b.name));
  const parts: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) fail('metadata must be an object of strings');
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') fail(`metadata[${JSON.stringify(k)}] is ${typeof v}, expected a string`);
      if (/[\uD800-\uDFFF]/u.test(k + v)) fail(`metadata[${JSON.stringify(k)}] contains a lone surrogate`);
    }
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const it of items) {
    const nbytes = it.t.size * (DTYPES[it.dtype].bits / 8);
    parts.push(`${JSON.stringify(it.name)}:{"dtype":"${it.dtype}","shape":[${it.t.shape.join(',')}],"data_offsets":[${offset},${offset + nbytes}]}`);
    offset += nbytes;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = json.length + ((8 - (json.length % 8)) % 8);
  const header = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  return { header, items, total: header.length + offset };
}

/** A function filling `out` with the next out.length elements of `t` in row-major order. */
function stridedReader(t: Tensor): (out: Storage) => void {
  let p = t.offset;
  if (t.isContiguous()) return (out) => { out.set(t.data.subarray(p, p + out.length) as never); p += out.length; };
  const rank = t.shape.length, idx = new Array<number>(rank).fill(0);
  return (out) => {
    for (let k = 0; k < out.length; k++) {
      out[k] = t.data[p]!;
      for (let d = rank - 1; d >= 0; d--) {
        p += t.strides[d]!;
        if (++idx[d]! < t.shape[d]!) break;
        p -= t.strides[d]! * t.shape[d]!;
        idx[d] = 0;
      }
    }
  };
}

/** Stream one tensor's bytes in `dtype` to `sink`: zero-copy when stored as is, else converted in chunks. */
function streamTensor(t: Tensor, dtype: SafetensorsDtype, sink: (chunk: Uint8Array) => void): void {
  const n = t.size;
  const same = (dtype === 'F32' && t.dtype === 'float32') || (dtype === 'F64' && t.dtype === 'float64') || dtype === 'I32';
  if (same && t.isContiguous()) {
    const b = t.data.subarray(t.offset, t.offset + n);
    if (n > 0) sink(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    return;
  }
  const bpe = DTYPES[dtype].bits / 8;
  const next = stridedReader(t);
  const src = allocate(t.dtype, Math.min(n, CHUNK));
  const buf = new ArrayBuffer(Math.min(n, CHUNK) * bpe);
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    const s = src.subarray(0, m);
    next(s);
    if (dtype === 'F16') encodeFloat16(s, new Uint16Array(buf, 0, m));
    else if (dtype === 'BF16') encodeBFloat16(s, new Uint16Array(buf, 0, m));
    else if (dtype === 'F32') new Float32Array(buf, 0, m).set(s);
    else if (dtype === 'F64') new Float64Array(buf, 0, m).set(s);
    else new Int32Array(buf, 0, m).set(s);
    sink(new Uint8Array(buf, 0, m * bpe));
  }
}

/**
 * Write tensors to a safetensors file atomically (temp file + fsync + rename), streaming tensor by tensor.
 * Floats are stored as F32/F64 by default or as `opts.dtype` (F16/BF16 round to nearest even); int32 as I32.
 * Views (transposed, sliced) are written in row-major order of their shape.
 * @example writeSafetensors('out/model.safetensors', { 'wte.weight': wte }, { format: 'pt' }, { dtype: 'BF16' })
 */
export function writeSafetensors(path: string, tensors: TensorDict, metadata?: Record<string, string>, opts: WriteOptions = {}): void {
  checkEndianness();
  const { header, items } = plan(tensors, metadata, opts, path);
  const w = openAtomic(path);
  try {
    w.write(header);
    for (const it of items) streamTensor(it.t, it.dtype, (c) => w.write(c));
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
}

/**
 * The bytes of a safetensors file, built in memory (same layout as writeSafetensors).
 * @example const bytes = serializeSafetensors({ x: tensor([1, 2, 3]) }, { format: 'pt' });
 */
export function serializeSafetensors(tensors: TensorDict, metadata?: Record<string, string>, opts: WriteOptions = {}): Uint8Array {
  checkEndianness();
  const { header, items, total } = plan(tensors, metadata, opts, '<buffer>');
  const out = new Uint8Array(total);
  out.set(header);
  let pos = header.length;
  for (const it of items) streamTensor(it.t, it.dtype, (c) => { out.set(c, pos); pos += c.length; });
  return out;
}
