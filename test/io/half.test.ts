// float16 / bfloat16 conversions (src/io/half.ts): exhaustive round trips of all 65,536 patterns,
// hand-computed rounding of edge values (ties to even, subnormals, overflow, NaN/Inf), fast path = exact path.
// The numpy/PyTorch oracle comparison lives in python_fixture.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeBFloat16, decodeFloat16, encodeBFloat16, encodeFloat16,
  fromBFloat16Bits, fromFloat16Bits, toBFloat16Bits, toFloat16Bits,
} from '../../src/io/half.js';

const hex = (h: number): string => `0x${h.toString(16).padStart(4, '0')}`;
const isF16NaN = (h: number): boolean => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
const isBf16NaN = (h: number): boolean => (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;

test('float16: every one of the 65,536 patterns decodes and re-encodes to itself (NaN stays NaN)', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const dec = decodeFloat16(all);
  const dec64 = decodeFloat16(all, new Float64Array(65536));
  const back = encodeFloat16(dec); // Float32Array fast path
  let bad = 0;
  for (let h = 0; h < 65536; h++) {
    const v = fromFloat16Bits(h);
    if (isF16NaN(h)) {
      if (!(Number.isNaN(v) && Number.isNaN(dec[h]!) && isF16NaN(back[h]!) && isF16NaN(toFloat16Bits(v)))) bad++;
      continue;
    }
    if (!Object.is(dec[h], v) || !Object.is(dec64[h], v) || toFloat16Bits(v) !== h || back[h] !== h) {
      if (bad++ < 5) console.error(`float16 ${hex(h)}: value ${v}, table ${dec[h]}, exact ${hex(toFloat16Bits(v))}, fast ${hex(back[h]!)}`);
    }
  }
  assert.equal(bad, 0, `${bad} float16 patterns did not round trip`);
  // NaN payloads survive the table decode and the fast encode (quiet bit set)
  assert.equal(back[0x7e01], 0x7e01);
  assert.equal(back[0xfe55], 0xfe55);
});

test('float16: known values', () => {
  const known: Array<[number, number]> = [
    [0x3c00, 1], [0xc000, -2], [0x7bff, 65504], [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24], [0x0400, 2 ** -14],
    [0x3555, 0.333251953125], [0x7c00, Infinity], [0xfc00, -Infinity], [0x8000, -0], [0x0000, 0],
  ];
  for (const [h, v] of known) {
    assert.ok(Object.is(fromFloat16Bits(h), v), `fromFloat16Bits(${hex(h)}) = ${fromFloat16Bits(h)}, expected ${v}`);
    assert.equal(toFloat16Bits(v), h, `toFloat16Bits(${v})`);
  }
});

test('float16: rounding to nearest even on ties, subnormals, overflow', () => {
  const cases: Array<[number, number, string]> = [
    [65519, 0x7bff, 'just below the midpoint to 65536 stays finite'],
    [65520, 0x7c00, 'midpoint 65520 rounds to even = +Inf'],
    [-65520, 0xfc00, 'and -Inf'],
    [3.4028234663852886e38, 0x7c00, 'float32 max overflows'],
    [2 ** -25, 0x0000, 'half the smallest subnormal: tie to even 0'],
    [-(2 ** -25), 0x8000, 'negative tie keeps the sign of zero'],
    [2 ** -25 + 2 ** -40, 0x0001, 'just above half the smallest subnormal'],
    [3 * 2 ** -25, 0x0002, 'subnormal tie 1.5 ulp → 2'],
    [-1.5 * 2 ** -24, 0x8002, 'negative subnormal tie'],
    [2 ** -14 - 2 ** -24, 0x03ff, 'largest subnormal'],
    [2 ** -14 - 2 ** -26, 0x0400, 'rounds up into the smallest normal'],
    [1e-8, 0x0000, 'underflow to zero'],
    [1 + 2 ** -11, 0x3c00, 'tie between 1 and 1+ulp → 1 (even)'],
    [1 + 3 * 2 ** -11, 0x3c02, 'tie between odd and even → even'],
    [1 + 2 ** -11 + 2 ** -20, 0x3c01, 'above the tie rounds up'],
    [2049, 0x6800, 'integer tie at spacing 2 → 2048'],
    [2051, 0x6802, 'integer tie at spacing 2 → 2052'],
    [0.1, 0x2e66, '0.1'],
  ];
  for (const [x, h, why] of cases) {
    assert.equal(hex(toFloat16Bits(x)), hex(h), `toFloat16Bits(${x}): ${why}`);
    assert.equal(hex(encodeFloat16(new Float32Array([x]))[0]!), hex(h), `fast path (${x} as float32): ${why}`);
  }
  // exact rounding from a double: 1 + 2^-11 + 2^-40 is above the tie, but rounds to the tie in float32
  assert.equal(hex(toFloat16Bits(1 + 2 ** -11 + 2 ** -40)), '0x3c01');
  assert.equal(hex(encodeFloat16(new Float64Array([1 + 2 ** -11 + 2 ** -40]))[0]!), '0x3c01');
  assert.equal(hex(encodeFloat16(new Float32Array([1 + 2 ** -11 + 2 ** -40]))[0]!), '0x3c00');
  assert.equal(hex(toFloat16Bits(Infinity)), '0x7c00');
  assert.equal(hex(toFloat16Bits(-Infinity)), '0xfc00');
  assert.ok(isF16NaN(toFloat16Bits(NaN)));
  assert.ok(isF16NaN(encodeFloat16(new Float32Array([NaN]))[0]!));
  assert.ok(Number.isNaN(fromFloat16Bits(0x7e00)));
});

test('bfloat16: every pattern round trips; rounding ties, overflow, subnormals, NaN', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const dec = decodeBFloat16(all);
  const dec64 = decodeBFloat16(all, new Float64Array(65536));
  const back = encodeBFloat16(dec);
  let bad = 0;
  for (let h = 0; h < 65536; h++) {
    const v = fromBFloat16Bits(h);
    if (isBf16NaN(h)) {
      if (!(Number.isNaN(v) && Number.isNaN(dec[h]!) && isBf16NaN(back[h]!) && isBf16NaN(toBFloat16Bits(v)))) bad++;
      continue;
    }
    if (!Object.is(dec[h], v) || !Object.is(dec64[h], v) || toBFloat16Bits(v) !== h || back[h] !== h) {
      if (bad++ < 5) console.error(`bfloat16 ${hex(h)}: value ${v}, exact ${hex(toBFloat16Bits(v))}, fast ${hex(back[h]!)}`);
    }
  }
  assert.equal(bad, 0, `${bad} bfloat16 patterns did not round trip`);
  const cases: Array<[number, number, string]> = [
    [1, 0x3f80, 'one'], [-2, 0xc000, 'minus two'], [0.1, 0x3dcd, '0.1'],
    [1 + 2 ** -8, 0x3f80, 'tie → even (1)'],
    [1 + 3 * 2 ** -8, 0x3f82, 'tie → even (up)'],
    [1 + 2 ** -8 + 2 ** -20, 0x3f81, 'above the tie'],
    [3.4028234663852886e38, 0x7f80, 'float32 max rounds up to +Inf'],
    [(2 - 2 ** -8) * 2 ** 127, 0x7f80, 'midpoint between bf16 max and 2^128 → even = Inf'],
    [3.3895313892515355e38, 0x7f7f, 'bf16 max'],
    [1.1754943508222875e-38, 0x0080, 'smallest float32 normal'],
    [1.401298464324817e-45, 0x0000, 'smallest float32 subnormal underflows'],
    [2 ** -133, 0x0001, 'smallest bf16 subnormal'],
    [-0, 0x8000, 'negative zero'], [Infinity, 0x7f80, '+Inf'], [-Infinity, 0xff80, '-Inf'],
  ];
  for (const [x, h, why] of cases) {
    assert.equal(hex(toBFloat16Bits(x)), hex(h), `toBFloat16Bits(${x}): ${why}`);
    assert.equal(hex(encodeBFloat16(new Float32Array([x]))[0]!), hex(h), `fast path (${x} as float32): ${why}`);
  }
  assert.equal(hex(toBFloat16Bits(1 + 2 ** -8 + 2 ** -40)), '0x3f81', 'exact from a double (no double rounding)');
  assert.ok(isBf16NaN(toBFloat16Bits(NaN)));
  assert.equal(hex(encodeBFloat16(new Float32Array([NaN]))[0]!), '0x7fc0');
  assert.ok(Number.isNaN(fromBFloat16Bits(0x7fc0)) && Number.isNaN(fromBFloat16Bits(0xffff)));
});

test('fast Float32Array paths equal the exact scalar paths on 200,000 random float32 bit patterns', () => {
  let s = 0x9e3779b9;
  const bits = new Uint32Array(200_000);
  for (let i = 0; i < bits.length; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5; // xorshift32
    bits[i] = s >>> 0;
  }
  const f = new Float32Array(bits.buffer);
  const h16 = encodeFloat16(f), b16 = encodeBFloat16(f);
  let bad16 = 0, badB = 0;
  for (let i = 0; i < f.length; i++) {
    const x = f[i]!;
    if (Number.isNaN(x)) {
      if (!isF16NaN(h16[i]!)) bad16++;
      if (!isBf16NaN(b16[i]!)) badB++;
      continue;
    }
    if (h16[i] !== toFloat16Bits(x) && bad16++ < 3) console.error(`f16 ${x}: fast ${hex(h16[i]!)} exact ${hex(toFloat16Bits(x))}`);
    if (b16[i] !== toBFloat16Bits(x) && badB++ < 3) console.error(`bf16 ${x}: fast ${hex(b16[i]!)} exact ${hex(toBFloat16Bits(x))}`);
  }
  assert.equal(bad16, 0, 'float16 fast path mismatches');
  assert.equal(badB, 0, 'bfloat16 fast path mismatches');
});
