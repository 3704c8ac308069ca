// safetensors header: dtype table, a strict byte-level JSON parser (byte offsets, duplicate keys, depth
// limit) and the validation rules of huggingface/safetensors `tensor.rs` (FACTS.md §5.1): u64 LE length
// ≤ 100,000,000, header starts with '{', offsets relative to the data buffer, covering it exactly.
import { isUtf8 } from 'node:buffer';
import { endianness } from 'node:os';

/** Every dtype string of the format, with its size in bits and its rank in the writer's sort order. */
export const DTYPES = {
  BOOL: { bits: 8, rank: 0 }, F4: { bits: 4, rank: 1 }, F6_E2M3: { bits: 6, rank: 2 }, F6_E3M2: { bits: 6, rank: 3 },
  U8: { bits: 8, rank: 4 }, I8: { bits: 8, rank: 5 }, F8_E5M2: { bits: 8, rank: 6 }, F8_E4M3: { bits: 8, rank: 7 },
  F8_E8M0: { bits: 8, rank: 8 }, I16: { bits: 16, rank: 9 }, U16: { bits: 16, rank: 10 }, F16: { bits: 16, rank: 11 },
  BF16: { bits: 16, rank: 12 }, I32: { bits: 32, rank: 13 }, U32: { bits: 32, rank: 14 }, F32: { bits: 32, rank: 15 },
  C64: { bits: 64, rank: 16 }, F64: { bits: 64, rank: 17 }, I64: { bits: 64, rank: 18 }, U64: { bits: 64, rank: 19 },
} as const;
export type SafetensorsDtype = keyof typeof DTYPES;

export const MAX_HEADER_SIZE = 100_000_000;
/** Elements converted per step when reading or writing: bounds the scratch memory. */
export const CHUNK = 1 << 16;
const MAX_DEPTH = 64;
const MAX_ARRAY = 1024; // only shapes and data_offsets are arrays; this bounds the parse tree of a hostile header

/** A malformed or unreadable safetensors file. `offset` is a byte offset in the file when known. */
export class SafetensorsError extends Error {
  constructor(readonly file: string, readonly problem: string, readonly offset?: number, readonly tensor?: string) {
    super(`safetensors: ${file}: ${problem}`);
    this.name = 'SafetensorsError';
  }
}

/** One tensor of the header; begin/end are relative to the data buffer. */
export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

export interface ParsedHeader {
  /** Tensors sorted by data offset (the order they lie in the file). */
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  /** File offset of the data buffer (8 + header length). */
  dataStart: number;
}

export function checkEndianness(): void {
  if (endianness() !== 'LE') throw new Error('safetensors: big-endian hosts are not supported (the format is little-endian)');
}

// ------------------------------------------------------------------ strict JSON over bytes

type JVal =
  | { k: 'obj'; off: number; entries: Array<[string, JVal, number]> }
  | { k: 'arr'; off: number; items: JVal[] }
  | { k: 'str'; off: number; v: string }
  | { k: 'num'; off: number; text: string }
  | { k: 'lit'; off: number; v: boolean | null };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Index of the first byte that starts an invalid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) { i++; continue; }
    let n: number, min: number;
    if (c >= 0xc2 && c <= 0xdf) { n = 1; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; min = 0x10000; }
    else return i;
    let cp = c & (0x3f >> n);
    for (let j = 1; j <= n; j++) {
      const cc = b[i + j];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** Parse `b` as one JSON value (RFC 8259). Offsets in errors are file offsets (`base` + index). */
function parseJson(b: Uint8Array, base: number, fail: (msg: string, off: number) => never): JVal {
  let i = 0;
  const hex = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);
  const err = (msg: string, at = i): never => fail(`invalid JSON in header at byte offset ${base + at}: ${msg}`, base + at);
  const unexpected = (): never => (i >= b.length ? err('unexpected end of header') : err(`unexpected byte 0x${b[i]!.toString(16).padStart(2, '0')}`));
  const ws = (): void => { while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++; };

  const str = (): JVal => {
    const off = i++;
    let out = '';
    let run = i;
    for (;;) {
      if (i >= b.length) err('unterminated string', off);
      const c = b[i]!;
      if (c === 0x22) { out += utf8.decode(b.subarray(run, i)); i++; return { k: 'str', off, v: out }; }
      if (c < 0x20) err(`control character 0x${c.toString(16).padStart(2, '0')} in string`);
      if (c !== 0x5c) { i++; continue; }
      out += utf8.decode(b.subarray(run, i));
      const e = b[i + 1];
      const simple: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };
      if (e !== undefined && simple[e] !== undefined) { out += simple[e]; i += 2; run = i; continue; }
      if (e !== 0x75) err('invalid escape sequence');
      const u4 = (at: number): number => {
        let v = 0;
        for (let k = 0; k < 4; k++) { const h = at + k < b.length ? hex(b[at + k]!) : -1; if (h < 0) err('invalid \\u escape', at - 2); v = v * 16 + h; }
        return v;
      };
      let cu = u4(i + 2);
      if (cu >= 0xd800 && cu <= 0xdbff && b[i + 6] === 0x5c && b[i + 7] === 0x75) {
        const lo = u4(i + 8);
        if (lo < 0xdc00 || lo > 0xdfff) err('lone surrogate in \\u escape');
        cu = 0x10000 + ((cu - 0xd800) << 10) + (lo - 0xdc00);
        i += 12;
      } else {
        if (cu >= 0xd800 && cu <= 0xdfff) err('lone surrogate in \\u escape');
        i += 6;
      }
      out += String.fromCodePoint(cu);
      run = i;
    }
  };

  const num = (): JVal => {
    const off = i;
    const digit = (): boolean => i < b.length && b[i]! >= 0x30 && b[i]! <= 0x39;
    if (b[i] === 0x2d) i++;
    if (b[i] === 0x30) i++;
    else if (digit()) while (digit()) i++;
    else err('invalid number', off);
    if (b[i] === 0x2e) { i++; if (!digit()) err('invalid number', off); while (digit()) i++; }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!digit()) err('invalid number', off);
      while (digit()) i++;
    }
    return { k: 'num', off, text: utf8.decode(b.subarray(off, i)) };
  };

  const lit = (word: string, v: boolean | null): JVal => {
    const off = i;
    for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) err('invalid literal', off);
    i += word.length;
    return { k: 'lit', off, v };
  };

  const value = (depth: number): JVal => {
    ws();
    const c = b[i];
    if (c === 0x7b || c === 0x5b) {
      if (depth >= MAX_DEPTH) err(`nesting deeper than ${MAX_DEPTH} levels`);
      const off = i++;
      ws();
      if (c === 0x5b) {
        const items: JVal[] = [];
        if (b[i] === 0x5d) { i++; return { k: 'arr', off, items }; }
        for (;;) {
          if (items.length >= MAX_ARRAY) err(`array longer than ${MAX_ARRAY} items`);
          items.push(value(depth + 1));
          ws();
          if (b[i] === 0x2c) { i++; continue; }
          if (b[i] === 0x5d) { i++; return { k: 'arr', off, items }; }
          unexpected();
        }
      }
      const entries: Array<[string, JVal, number]> = [];
      const seen = new Set<string>();
      if (b[i] === 0x7d) { i++; return { k: 'obj', off, entries }; }
      for (;;) {
        ws();
        if (b[i] !== 0x22) unexpected();
        const key = str() as { off: number; v: string };
        if (seen.has(key.v)) fail(`duplicate key ${JSON.stringify(key.v)} in header at byte offset ${base + key.off}`, base + key.off);
        seen.add(key.v);
        ws();
        if (b[i] !== 0x3a) unexpected();
        i++;
        entries.push([key.v, value(depth + 1), key.off + base]);
        ws();
        if (b[i] === 0x2c) { i++; continue; }
        if (b[i] === 0x7d) { i++; return { k: 'obj', off, entries }; }
        unexpected();
      }
    }
    if (c === 0x22) return str();
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return num();
    if (c === 0x74) return lit('true', true);
    if (c === 0x66) return lit('false', false);
    if (c === 0x6e) return lit('null', null);
    return unexpected();
  };

  const v = value(0);
  ws();
  if (i < b.length) err(`unexpected byte 0x${b[i]!.toString(16).padStart(2, '0')} after the end of the JSON object`);
  return v;
}

// ------------------------------------------------------------------ validation

function kindName(v: JVal): string {
  return v.k === 'obj' ? 'an object' : v.k === 'arr' ? 'an array' : v.k === 'str' ? 'a string' : v.k === 'num' ? 'a number' : `${v.v}`;
}

/**
 * Validate the header bytes (`bytes` = the N bytes after the length prefix) of a file of `fileSize` bytes.
 * Throws SafetensorsError naming the problem, the tensor and the byte offset.
 */
export function parseHeader(bytes: Uint8Array, fileSize: number, file: string): ParsedHeader {
  const fail: (msg: string, off?: number, tensor?: string) => never = (msg, off, tensor) => { throw new SafetensorsError(file, msg, off, tensor); };
  const n = bytes.length;
  const dataStart = 8 + n;
  const dataLen = fileSize - dataStart;
  if (n === 0) fail(`header is empty (length 0 at byte offset 0); it must start with '{'`, 0);
  if (bytes[0] !== 0x7b) fail(`header must start with '{' but byte offset 8 is 0x${bytes[0]!.toString(16).padStart(2, '0')}`, 8);
  const bad = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
  if (bad >= 0) fail(`header is not valid UTF-8 at byte offset ${8 + bad}`, 8 + bad);
  const root = parseJson(bytes, 8, (m, off) => fail(m, off)) as Extract<JVal, { k: 'obj' }>;

  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, v, keyOff] of root.entries) {
    if (name === '__metadata__') {
      if (v.k !== 'obj') fail(`__metadata__ (header byte offset ${keyOff}) is ${kindName(v)}, expected an object of strings`, keyOff);
      for (const [mk, mv] of v.entries) {
        if (mv.k !== 'str') fail(`__metadata__[${JSON.stringify(mk)}] (header byte offset ${mv.off + 8}) is ${kindName(mv)}, expected a string`, mv.off + 8);
        Object.defineProperty(metadata, mk, { value: mv.v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    const where = `tensor ${JSON.stringify(name)} (header byte offset ${keyOff})`;
    const tfail: (msg: string) => never = (msg) => fail(`${where}: ${msg}`, keyOff, name);
    if (v.k !== 'obj') tfail(`entry is ${kindName(v)}, expected an object with dtype, shape, data_offsets`);
    const o = v as Extract<JVal, { k: 'obj' }>;
    const field = (f: string): JVal => o.entries.find((e) => e[0] === f)?.[1] ?? tfail(`missing "${f}"`);
    const dt = field('dtype');
    if (dt.k !== 'str') tfail(`dtype is ${kindName(dt)}, expected a string`);
    const dtype = (dt as { v: string }).v;
    if (!Object.prototype.hasOwnProperty.call(DTYPES, dtype)) tfail(`unknown dtype ${JSON.stringify(dtype)}`);
    const uint = (x: JVal, what: string): number => {
      if (x.k !== 'num') return tfail(`${what} is ${kindName(x)}, expected a non-negative integer`);
      const t = x.text;
      const shown = t.length > 40 ? `${t.slice(0, 40)}…` : t;
      if (!/^-?(0|[1-9]\d*)$/.test(t)) return tfail(`${what} is not an integer (${shown})`);
      if (t.startsWith('-') && t !== '-0') return tfail(`${what} is negative (${shown})`);
      if (t.length > 16 || Number(t) > Number.MAX_SAFE_INTEGER) return tfail(`${what} is too large (${shown})`);
      return Number(t) + 0; // -0 → 0
    };
    const sh = field('shape');
    if (sh.k !== 'arr') tfail(`shape is ${kindName(sh)}, expected an array`);
    const shape = (sh as { items: JVal[] }).items.map((d, k) => uint(d, `shape[${k}]`));
    const offs = field('data_offsets');
    if (offs.k !== 'arr' || offs.items.length !== 2) tfail('data_offsets must be an array of 2 integers [begin, end]');
    const [begin, end] = (offs as { items: JVal[] }).items.map((d, k) => uint(d, `data_offsets[${k}]`)) as [number, number];
    if (end < begin) tfail(`data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen) tfail(`data_offsets [${begin}, ${end}] run past the end of the data buffer (${dataLen} bytes at byte offset ${dataStart})`);
    const d = DTYPES[dtype as SafetensorsDtype];
    let count = 1n;
    for (const s of shape) count *= BigInt(s);
    const bits = count * BigInt(d.bits);
    const shapeStr = `[${shape.join(', ')}]`;
    if (bits % 8n !== 0n) tfail(`shape ${shapeStr} × ${dtype} (${d.bits} bits) is not a whole number of bytes`);
    if (bits / 8n !== BigInt(end - begin)) {
      tfail(`shape ${shapeStr} × ${dtype} (${d.bits / 8} bytes) = ${bits / 8n} bytes but data_offsets [${begin}, ${end}] span ${end - begin} bytes`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape, begin, end });
  }

  // Tensors must cover the data buffer exactly: sorted by offsets, each begins where the previous ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: HeaderEntry | undefined;
  for (const e of entries) {
    if (e.begin < pos) {
      fail(`tensors ${JSON.stringify(prev!.name)} (data bytes ${prev!.begin}..${prev!.end}) and ${JSON.stringify(e.name)} ` +
        `(data bytes ${e.begin}..${e.end}) overlap at byte offset ${dataStart + e.begin}`, dataStart + e.begin, e.name);
    }
    if (e.begin > pos) {
      fail(`data bytes ${pos}..${e.begin} (byte offset ${dataStart + pos}) are not covered by any tensor`, dataStart + pos);
    }
    pos = e.end;
    if (e.end > e.begin || !prev) prev = e;
  }
  if (pos !== dataLen) fail(`data bytes ${pos}..${dataLen} (byte offset ${dataStart + pos}) are not covered by any tensor`, dataStart + pos);
  return { entries, metadata, dataStart };
}

/** Read and check the 8-byte length prefix; returns the header length. */
export function headerLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8) throw new SafetensorsError(file, `truncated file: ${fileSize} bytes, fewer than the 8-byte header length at byte offset 0`, 0);
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE)) {
    throw new SafetensorsError(file, `header length ${n} (u64 at byte offset 0) is over the limit of ${MAX_HEADER_SIZE} bytes`, 0);
  }
  if (8n + n > BigInt(fileSize)) {
    throw new SafetensorsError(file, `header length ${n} (u64 at byte offset 0) runs past the end of the file (${fileSize} bytes)`, 0);
  }
  return Number(n);
}
