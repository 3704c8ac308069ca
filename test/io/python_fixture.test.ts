// Interop with the Python oracle writer/reader (tools/oracle/safetensors_io.py, numpy only):
// the committed fixture written by tools/oracle/io_fixture.py is read with exact values (its F16 from numpy
// and BF16 from PyTorch also check our rounding), and files we write are read back by /usr/bin/python3 and
// re-saved there byte for byte identical. A missing python or numpy FAILS the test (never skips).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tensor, tensor } from '../../src/tensor/tensor.js';
import { openSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { encodeBFloat16, encodeFloat16, fromBFloat16Bits, fromFloat16Bits } from '../../src/io/half.js';
import { ROOT, assertSame, tempDir } from './st_util.js';
import { fixturePath } from '../helpers/fixtures.js';

const PYTHON = '/usr/bin/python3';

// the same list and formulas as tools/oracle/io_fixture.py (identical IEEE double arithmetic)
const EDGE = [
  0, -0, 1, -1, 0.1, 1 / 3, 65504, 65519, 65520, -65520, 1e-8,
  2 ** -24, 2 ** -25, 3 * 2 ** -25, 2 ** -25 + 2 ** -40, 2 ** -14, 2 ** -14 - 2 ** -24,
  1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 1 + 2 ** -8, 1 + 3 * 2 ** -8,
  1 + 2 ** -8 + 2 ** -20, 3.4028234663852886e38, 1.1754943508222875e-38, 1.401298464324817e-45,
  Infinity, -Infinity, NaN, (2 - 2 ** -8) * 2 ** 127, 2049, 2051, -(2 ** -24) * 1.5,
];
const wide = (n: number): number[] => Array.from({ length: n }, (_, i) => Math.fround((i % 2 ? -1 : 1) * 2 ** ((i % 48) - 30) * (1 + ((i * 0.123) % 1))));

function bits16(raw: Uint8Array): number[] {
  return Array.from(new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2));
}

/** Run python code; fail the test with a clear message if python or numpy is missing. */
function python(code: string, args: string[]): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  if (r.error) assert.fail(`cannot run ${PYTHON} (Debian's python3 with numpy is required for this test): ${r.error.message}`);
  if (r.status !== 0) {
    if (/No module named .?numpy/.test(r.stderr)) assert.fail(`${PYTHON} cannot import numpy (install python3-numpy): ${r.stderr.trim()}`);
    assert.fail(`${PYTHON} failed with status ${r.status}:\n${r.stderr}`);
  }
  return r.stdout;
}

test('the python-written fixture reads back with exact values', () => {
  const f = openSafetensors(fixturePath('io/python_written.safetensors'));
  try {
    assert.deepEqual(f.metadata, { format: 'pt', producer: 'tools/oracle/io_fixture.py', unicode: 'naïve ✓ 🚀' });
    // the reference writer's order: descending dtype alignment, then UTF-8 name
    assert.deepEqual(f.keys(), ['u64', 'i64', 'f64', 'edge_f32', 'empty', 'héllo.wörld 🚀', 'ramp_f32', 'scalar', 'wide_f32', 'u32', 'i32',
      'edge_bf16', 'wide_bf16', 'edge_f16', 'wide_f16', 'u16', 'i16', 'i8', 'u8', 'bool']);
    const get = (k: string): number[] => Array.from(f.get(k).toArray());
    const edge = new Float32Array(EDGE);
    assertSame(get('edge_f32'), edge, 'edge_f32');
    const w = new Float32Array(wide(480));
    assertSame(get('wide_f32'), w, 'wide_f32');
    for (const [name, src] of [['edge', edge], ['wide', w]] as const) {
      // numpy's float32 → float16 and PyTorch's float32 → bfloat16 against ours, bit for bit (NaN: both NaN)
      const f16 = bits16(f.raw(`${name}_f16`)), ours16 = Array.from(encodeFloat16(src));
      const bf = bits16(f.raw(`${name}_bf16`)), oursBf = Array.from(encodeBFloat16(src));
      for (let i = 0; i < src.length; i++) {
        if (Number.isNaN(src[i]!)) {
          assert.ok(Number.isNaN(fromFloat16Bits(f16[i]!)) && Number.isNaN(fromBFloat16Bits(bf[i]!)), `${name}[${i}] NaN`);
          continue;
        }
        assert.equal(ours16[i], f16[i], `float16 of ${src[i]} (${name}[${i}]): ours 0x${ours16[i]!.toString(16)}, numpy 0x${f16[i]!.toString(16)}`);
        assert.equal(oursBf[i], bf[i], `bfloat16 of ${src[i]} (${name}[${i}]): ours 0x${oursBf[i]!.toString(16)}, oracle 0x${bf[i]!.toString(16)}`);
      }
      assertSame(get(`${name}_f16`), f16.map(fromFloat16Bits), `${name}_f16 values`);
      assertSame(get(`${name}_bf16`), bf.map(fromBFloat16Bits), `${name}_bf16 values`);
      assert.equal(f.info(`${name}_f16`).dtype, 'F16');
      assert.equal(f.info(`${name}_bf16`).dtype, 'BF16');
    }
    const ramp = f.get('ramp_f32');
    assert.deepEqual(ramp.shape, [4, 5, 6]);
    assertSame(ramp.toArray(), Array.from({ length: 120 }, (_, i) => Math.fround(i * 0.37 - 20)), 'ramp_f32');
    const f64 = f.get('f64');
    assert.equal(f64.dtype, 'float64');
    assertSame(f64.toArray(), [Math.PI, Math.E, 1e300, -1e-300, 5e-324, Infinity, -Infinity, 0.1], 'f64');
    const ints: Array<[string, string, number[], number[]]> = [
      ['i64', 'I64', [5], [-(2 ** 31), 2 ** 31 - 1, 0, -1, 123456789]],
      ['i32', 'I32', [3, 4], Array.from({ length: 12 }, (_, i) => i * 7 - 40)],
      ['i16', 'I16', [4], [-32768, 32767, -1, 0]], ['i8', 'I8', [4], [-128, 127, -1, 0]],
      ['u8', 'U8', [4], [0, 1, 128, 255]], ['u16', 'U16', [4], [0, 1, 32768, 65535]],
      ['u32', 'U32', [3], [0, 1, 2 ** 31 - 1]], ['u64', 'U64', [3], [0, 7, 2 ** 31 - 1]],
      ['bool', 'BOOL', [2, 3], [1, 0, 1, 0, 0, 1]],
    ];
    for (const [k, dtype, shape, vals] of ints) {
      const t = f.get(k);
      assert.equal(f.info(k).dtype, dtype, k);
      assert.equal(t.dtype, 'int32', k);
      assert.deepEqual(t.shape, shape, k);
      assert.deepEqual(Array.from(t.toArray()), vals, k);
    }
    assert.deepEqual(f.get('scalar').shape, []);
    assert.equal(f.get('scalar').item(), 42.5);
    assert.deepEqual(f.get('empty').shape, [0, 3]);
    assert.deepEqual(f.get('héllo.wörld 🚀').toList(), [1, 2]);
  } finally {
    f.close();
  }
});

const READER = String.raw`
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import safetensors_io as st
out = {}
for path, resave in zip(sys.argv[2::2], sys.argv[3::2]):
    ts, meta = st.load_with_metadata(path, bf16_as="bits")
    info = json.loads(open(path, "rb").read()[8:8 + int.from_bytes(open(path, "rb").read(8), "little")])
    desc = {}
    for k, a in ts.items():
        u = a.view(np.dtype("<u%d" % a.dtype.itemsize)) if a.dtype.itemsize > 1 else a.view(np.uint8)
        desc[k] = {"np": str(a.dtype), "dtype": info[k]["dtype"], "shape": list(a.shape), "bits": [str(int(x)) for x in u.ravel()]}
    st.save(resave, {k: (st.BF16(a) if info[k]["dtype"] == "BF16" else a) for k, a in ts.items()}, metadata=meta or None)
    out[path] = {"metadata": meta, "tensors": desc}
print(json.dumps(out))
`;

test('files we write are read by the python reader and re-saved there byte for byte', () => {
  const dir = tempDir('st-py');
  const vals = [0, -0, 1.5, -2.25, 0.1, 65504, 70000, 1e-8, 2 ** -24, 3e38, Infinity, -Infinity, NaN, Math.PI];
  const base = tensor(Array.from({ length: 12 }, (_, i) => i - 5.5), { shape: [3, 4] });
  const view = new Tensor(base.data, [4, 3], [1, 4], 0); // transpose
  const tensors = {
    'h.0.attn.c_attn.weight': tensor(vals, { shape: [2, 7] }),
    f64: tensor([Math.PI, -1e-310, 1e300, NaN], { dtype: 'float64' }),
    ids: tensor([-(2 ** 31), 2 ** 31 - 1, 0, 42], { dtype: 'int32', shape: [2, 2] }),
    view, scalar: tensor([3], { shape: [] }), empty: tensor([], { shape: [0, 5] }), 'ünï 🚀': tensor([1, 2, 3]),
  };
  const files: Array<[string, 'F32' | 'F16' | 'BF16']> = [['f32', 'F32'], ['f16', 'F16'], ['bf16', 'BF16']];
  const args: string[] = [];
  for (const [name, dtype] of files) {
    const p = path.join(dir, `${name}.safetensors`);
    writeSafetensors(p, tensors, { format: 'pt', dtype, 'ключ': 'значение ✓' }, { dtype });
    args.push(p, path.join(dir, `${name}.resaved.safetensors`));
  }
  const out = JSON.parse(python(READER, [path.join(ROOT, 'tools/oracle'), ...args])) as Record<string, {
    metadata: Record<string, string>; tensors: Record<string, { np: string; dtype: string; shape: number[]; bits: string[] }>;
  }>;
  for (const [name, dtype] of files) {
    const p = path.join(dir, `${name}.safetensors`);
    const got = out[p]!;
    assert.deepEqual(got.metadata, { format: 'pt', dtype, 'ключ': 'значение ✓' }, `${name} metadata`);
    assert.deepEqual(Object.keys(got.tensors).sort(), Object.keys(tensors).sort(), `${name} names`);
    for (const [k, t] of Object.entries(tensors)) {
      const d = got.tensors[k]!;
      const isInt = t.dtype === 'int32';
      const want = isInt ? 'I32' : dtype;
      assert.equal(d.dtype, want, `${name}/${k} dtype`);
      assert.deepEqual(d.shape, t.shape, `${name}/${k} shape`);
      const v = t.toArray();
      let expected: string[];
      if (isInt) expected = Array.from(new Uint32Array(new Int32Array(v).buffer), String);
      else if (want === 'F16') expected = Array.from(encodeFloat16(v), String);
      else if (want === 'BF16') expected = Array.from(encodeBFloat16(v), String);
      else expected = Array.from(new Uint32Array(new Float32Array(v).buffer), String);
      assert.deepEqual(d.bits, expected, `${name}/${k} bits as read by python (numpy dtype ${d.np})`);
    }
    const ours = fs.readFileSync(p), theirs = fs.readFileSync(path.join(dir, `${name}.resaved.safetensors`));
    assert.ok(ours.equals(theirs), `${name}: python re-save differs from our file (${ours.length} vs ${theirs.length} bytes)`);
  }
  // F64 storage too (default for float64 tensors)
  const p64 = path.join(dir, 'f64.safetensors');
  writeSafetensors(p64, { f64: tensors.f64 });
  const o64 = JSON.parse(python(READER, [path.join(ROOT, 'tools/oracle'), p64, p64 + '.re'])) as Record<string, { tensors: Record<string, { dtype: string; bits: string[] }> }>;
  assert.equal(o64[p64]!.tensors['f64']!.dtype, 'F64');
  assert.deepEqual(o64[p64]!.tensors['f64']!.bits, Array.from(new BigUint64Array(new Float64Array(tensors.f64.toArray()).buffer), String));
  assert.ok(fs.readFileSync(p64).equals(fs.readFileSync(p64 + '.re')), 'F64 file re-saved identically');
  fs.rmSync(dir, { recursive: true });
});
