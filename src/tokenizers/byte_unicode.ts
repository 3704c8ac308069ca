// GPT-2's reversible byte <-> unicode mapping, used to write byte tokens as printable strings in
// encoder.json / vocab.bpe / Hugging Face tokenizer.json. Follows openai/gpt-2 encoder.py::bytes_to_unicode
// (FACTS.md §4): the 188 printable bytes map to themselves, the other 68 to chr(256 + n) in byte order.

const B2U: string[] = [];
const U2B_CODE = new Int16Array(0x144).fill(-1); // char code -> byte (all mapped chars are < U+0144)
{
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const ch = printable(b) ? String.fromCharCode(b) : String.fromCharCode(256 + n++);
    B2U[b] = ch;
    U2B_CODE[ch.charCodeAt(0)] = b;
  }
}

/**
 * The byte order GPT-2 gives the 256 single-byte tokens (ids 0..255): printable bytes first, then the rest.
 * tiktoken's rank of single byte b is `GPT2_BYTE_ORDER.indexOf(b)`.
 */
export const GPT2_BYTE_ORDER: readonly number[] = (() => {
  const order: number[] = [];
  for (let b = 0; b < 256; b++) if (B2U[b]!.charCodeAt(0) === b) order.push(b);
  for (let b = 0; b < 256; b++) if (B2U[b]!.charCodeAt(0) !== b) order.push(b);
  return order;
})();

/** Bytes -> GPT-2 printable string. @example bytesToUnicode(Uint8Array.of(0x20, 0x61)) // 'Ġa' */
export function bytesToUnicode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += B2U[bytes[i]!]!;
  return s;
}

/**
 * GPT-2 printable string -> bytes. Returns `null` if a character is not in the mapping.
 * @example unicodeToBytes('Ġa') // Uint8Array [0x20, 0x61]
 */
export function unicodeToBytes(s: string): Uint8Array | null {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const b = c < 0x144 ? U2B_CODE[c]! : -1;
    if (b < 0) return null;
    out[i] = b;
  }
  return out;
}
