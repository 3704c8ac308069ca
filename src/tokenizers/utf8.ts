// UTF-8 <-> JS string conversion for byte-level tokenizers, with a lossless mode for invalid bytes.
// Strings from users follow TextEncoder (a lone surrogate becomes U+FFFD, as tiktoken does); bytes that
// are not valid UTF-8 are decoded "surrogate-escaped" (byte b -> U+DC00+b, as Python's surrogateescape).

const textDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const textEncoder = new TextEncoder();

/** UTF-8 bytes of a string; lone surrogates become U+FFFD (EF BF BD), exactly like `TextEncoder`. */
export function utf8Encode(s: string): Uint8Array {
  return textEncoder.encode(s);
}

/** Decode UTF-8 with U+FFFD for invalid sequences (what `decode(ids)` returns). */
export function utf8Decode(b: Uint8Array): string {
  return textDecoder.decode(b);
}

/**
 * Decode bytes losslessly: valid UTF-8 decodes normally, each byte of an invalid sequence becomes the
 * lone surrogate U+DC00+byte. `utf8EncodeEscaped` inverts it exactly.
 * @example utf8EncodeEscaped(utf8DecodeEscaped(Uint8Array.of(0xff, 0x61))) // -> [0xff, 0x61]
 */
export function utf8DecodeEscaped(b: Uint8Array): string {
  try {
    return strictDecoder.decode(b);
  } catch {
    return decodeEscapedSlow(b);
  }
}

function decodeEscapedSlow(b: Uint8Array): string {
  const out: number[] = [];
  let s = '';
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    let cp = -1, len = 1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c <= 0xdf && i + 1 < n && (b[i + 1]! & 0xc0) === 0x80) {
      cp = ((c & 0x1f) << 6) | (b[i + 1]! & 0x3f); len = 2;
    } else if (c >= 0xe0 && c <= 0xef && i + 2 < n && (b[i + 1]! & 0xc0) === 0x80 && (b[i + 2]! & 0xc0) === 0x80) {
      const v = ((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f);
      if (v >= 0x800 && (v < 0xd800 || v > 0xdfff)) { cp = v; len = 3; }
    } else if (c >= 0xf0 && c <= 0xf4 && i + 3 < n && (b[i + 1]! & 0xc0) === 0x80 && (b[i + 2]! & 0xc0) === 0x80 && (b[i + 3]! & 0xc0) === 0x80) {
      const v = ((c & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f);
      if (v >= 0x10000 && v <= 0x10ffff) { cp = v; len = 4; }
    }
    if (cp < 0) { out.push(0xdc00 + c); i += 1; }
    else if (cp >= 0x10000) { const v = cp - 0x10000; out.push(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff)); i += len; }
    else { out.push(cp); i += len; }
    if (out.length >= 8192) { s += String.fromCharCode(...out); out.length = 0; }
  }
  return s + String.fromCharCode(...out);
}

/**
 * Write the UTF-8 bytes of s[start, end) into `out` (at least 3*(end-start) long), returning the count.
 * escaped=false: lone surrogates -> EF BF BD (TextEncoder); escaped=true: lone U+DC80..U+DCFF -> that byte.
 */
export function utf8EncodeInto(s: string, start: number, end: number, out: Uint8Array, escaped: boolean): number {
  let j = 0;
  for (let i = start; i < end; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) { out[j++] = c; continue; }
    if (c < 0x800) { out[j++] = 0xc0 | (c >> 6); out[j++] = 0x80 | (c & 0x3f); continue; }
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff && i + 1 < end) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          out[j++] = 0xf0 | (cp >> 18); out[j++] = 0x80 | ((cp >> 12) & 0x3f);
          out[j++] = 0x80 | ((cp >> 6) & 0x3f); out[j++] = 0x80 | (cp & 0x3f);
          i++;
          continue;
        }
      }
      if (escaped && c >= 0xdc80 && c <= 0xdcff) { out[j++] = c - 0xdc00; continue; }
      c = 0xfffd;
    }
    out[j++] = 0xe0 | (c >> 12); out[j++] = 0x80 | ((c >> 6) & 0x3f); out[j++] = 0x80 | (c & 0x3f);
  }
  return j;
}

/** Inverse of `utf8DecodeEscaped`. */
export function utf8EncodeEscaped(s: string): Uint8Array {
  const buf = new Uint8Array(s.length * 3);
  return buf.slice(0, utf8EncodeInto(s, 0, s.length, buf, true));
}

/** Bytes as a latin1 string (one char per byte): a cheap Map key for byte sequences. */
export function bytesKey(b: Uint8Array, start = 0, end = b.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Concatenate byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
