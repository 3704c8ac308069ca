// RoPE and SwiGLU ops: float64 gradchecks (eps 1e-6, atol 1e-6, rtol 1e-4), RoPE against the Meta
// interleaved formula (complex multiplication) through the q/k row permutation, the permutation's
// inverse, and the Llama hidden-size rule (FACTS §3.7 values).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, randn } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/rng.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import * as F from '../../src/ops/index.js';
import { llamaHiddenSize } from '../../src/models/llama.js';
import { assertClose } from '../helpers/assert.js';

const rng = new Rng(7);
const r64 = (shape: number[]): Tensor => randn(shape, { dtype: 'float64', rng }).requiresGrad_();

test('gradcheck: rope (several shapes, offsets, thetas) and swiglu', () => {
  for (const [shape, offset, theta] of [[[1, 1, 1, 2], 0, 10000], [[2, 3, 5, 4], 0, 10000], [[1, 2, 3, 8], 7, 500000], [[2, 1, 1, 6], 100, 10]] as const) {
    const r = gradcheck((x) => F.rope(x, { offset, theta }), [r64([...shape])]);
    assert.ok(r.ok, `rope ${shape} offset ${offset}: ${r.failure} (max |diff| ${r.maxAbsDiff})`);
  }
  for (const shape of [[7], [2, 3, 5], [1]]) {
    const r = gradcheck((a, b) => F.swiglu(a, b), [r64(shape), r64(shape)]);
    assert.ok(r.ok, `swiglu ${shape}: ${r.failure} (max |diff| ${r.maxAbsDiff})`);
  }
});

test('swiglu equals silu(gate)·up (tolerance 1e-15, float64)', () => {
  const a = randn([3, 11], { dtype: 'float64', rng }), b = randn([3, 11], { dtype: 'float64', rng });
  assertClose(F.swiglu(a, b), F.mul(F.silu(a), b), 1e-15, 0, 'swiglu');
});

/** Meta's apply_rotary_emb: adjacent pairs as complex numbers times e^{i·pos·θ_j} (FACTS §3.5). */
function metaRope(x: Float64Array, T: number, HS: number, theta: number, offset: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < HS / 2; j++) {
      const a = (offset + t) * Math.pow(theta, -(2 * j) / HS);
      const re = x[t * HS + 2 * j]!, im = x[t * HS + 2 * j + 1]!;
      out[t * HS + 2 * j] = re * Math.cos(a) - im * Math.sin(a);
      out[t * HS + 2 * j + 1] = re * Math.sin(a) + im * Math.cos(a);
    }
  }
  return out;
}

test('rotate-half RoPE on HF weights == Meta interleaved RoPE on permuted weights (tolerance 1e-12)', () => {
  const NH = 3, HS = 8, C = 5, T = 6, theta = 10000, offset = 4;
  const w = randn([NH * HS, C], { dtype: 'float64', rng }); // HF q_proj layout (out, in)
  const x = randn([T, C], { dtype: 'float64', rng });
  const wMeta = F.ropeHfToInterleaved(w, NH);
  assertClose(F.ropeInterleavedToHf(wMeta, NH), w, 0, 0, 'permutation round trip');
  // HF path: q = x·wᵀ, heads (1, NH, T, HS), rotate-half rope
  const qHf = F.transpose(F.reshape(F.linear(x, w), [1, T, NH, HS]), 1, 2);
  const rotHf = F.rope(qHf, { theta, offset }).toArray() as Float64Array; // (1, NH, T, HS)
  const qMeta = F.linear(x, wMeta).toArray() as Float64Array; // (T, NH·HS)
  for (let h = 0; h < NH; h++) {
    const head = new Float64Array(T * HS);
    for (let t = 0; t < T; t++) for (let i = 0; i < HS; i++) head[t * HS + i] = qMeta[t * NH * HS + h * HS + i]!;
    const rotMeta = metaRope(head, T, HS, theta, offset);
    // Meta row 2i+j holds HF row j·HS/2+i
    const back = new Float64Array(T * HS);
    for (let t = 0; t < T; t++) for (let i = 0; i < HS / 2; i++) for (let j = 0; j < 2; j++) back[t * HS + j * HS / 2 + i] = rotMeta[t * HS + 2 * i + j]!;
    assertClose(rotHf.subarray(h * T * HS, (h + 1) * T * HS), back, 1e-12, 0, `head ${h}`);
  }
});

test('rope at position 0 is the identity and preserves norms at every position (tolerance 1e-12)', () => {
  const x = randn([1, 2, 5, 6], { dtype: 'float64', rng });
  const y = F.rope(x).toArray();
  const xs = x.toArray();
  for (let r = 0; r < 2; r++) {
    for (let t = 0; t < 5; t++) {
      let nx = 0, ny = 0;
      for (let i = 0; i < 6; i++) { const o = (r * 5 + t) * 6 + i; nx += xs[o]! ** 2; ny += y[o]! ** 2; if (t === 0) assert.ok(Math.abs(xs[o]! - y[o]!) < 1e-12); }
      assert.ok(Math.abs(nx - ny) < 1e-12, `norm at ${r},${t}: ${nx} vs ${ny}`);
    }
  }
});

test('rope errors name the shape', () => {
  assert.throws(() => F.rope(randn([2, 3, 5])), /rope: input must be \(B, H, T, HS\), got \[2, 3, 5\]/);
  assert.throws(() => F.rope(randn([1, 1, 2, 3])), /head size must be even, got 3/);
  assert.throws(() => F.ropeHfToInterleaved(randn([10, 4]), 3), /\[10, 4\] cannot be split into 3 heads/);
});

test('Llama hidden-size rule: 4096→11008, 5120→13824, 6656→17920, 8192→22016, 768→2048; 70B 8192·1.3 mult 4096 → 28672', () => {
  assert.deepEqual([4096, 5120, 6656, 8192, 768].map((d) => llamaHiddenSize(d)), [11008, 13824, 17920, 22016, 2048]);
  assert.equal(llamaHiddenSize(8192, 4096, 1.3), 28672);
});
