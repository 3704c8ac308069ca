// Attention through strided layouts: the JS reference with a layout equals the dense reference on gathered
// copies (float64, |Δ| ≤ 1e-12), qkvAttention (fused (B, T, 3C) input, (B, T, C) output) equals the
// split / head-transpose / scaledDotProductAttention / merge composition in values and gradients on every
// available backend (|Δ| ≤ 1e-5 + 1e-4·|ref| in float32), passes a float64 gradcheck, and attention on
// strided views (heads of a (B, T, C) tensor, KV-cache slices) equals attention on contiguous copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, randn } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/rng.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import { noGrad } from '../../src/autograd/tape.js';
import * as F from '../../src/ops/index.js';
import { qkvAttention } from '../../src/ops/attention.js';
import { availableBackends, setBackend, currentBackend } from '../../src/kernels/backend.js';
import { jsKernels } from '../../src/kernels/js/index.js';
import { denseAttentionLayout } from '../../src/kernels/attention_layout.js';
import { assertClose } from '../helpers/assert.js';

const rng = new Rng(7);

test('JS reference: a layout (offsets, padded strides) gives the dense result on gathered copies', () => {
  const B = 2, NH = 4, NKV = 2, T = 3, S = 5, HS = 3;
  // every operand in a bigger array at an offset, with padded row / head / batch strides
  const place = (H: number, R: number, off: number) => [off, H * (R + 1) * (HS + 2) + 1, (R + 1) * (HS + 2), HS + 2];
  const L = [...place(NH, T, 3), ...place(NKV, S, 1), ...place(NKV, S, 2), ...place(NH, T, 4), ...place(NH, T, 5), ...place(NH, T, 6), ...place(NKV, S, 7), ...place(NKV, S, 8)];
  const big = (i: number, H: number, R: number) => { const n = L[4 * i]! + B * L[4 * i + 1]! + H * R * (HS + 2) + 8; return Float64Array.from({ length: n }, () => rng.normal()); };
  const gather = (x: Float64Array, i: number, H: number, R: number) => {
    const d = new Float64Array(B * H * R * HS);
    for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let r = 0; r < R; r++) for (let e = 0; e < HS; e++) {
      d[((b * H + h) * R + r) * HS + e] = x[L[4 * i]! + b * L[4 * i + 1]! + h * L[4 * i + 2]! + r * L[4 * i + 3]! + e]!;
    }
    return d;
  };
  const q = big(0, NH, T), k = big(1, NKV, S), v = big(2, NKV, S), out = big(3, NH, T), g = big(4, NH, T);
  const gq = big(5, NH, T), gk = big(6, NKV, S), gv = big(7, NKV, S);
  const mask = Int32Array.from({ length: B * S }, (_, i) => (i % 4 === 1 ? 0 : 1));
  const lse = new Float64Array(B * NH * T), dOut = new Float64Array(B * NH * T * HS), dLse = new Float64Array(lse.length);
  jsKernels.attentionForward(B, NH, NKV, T, S, HS, q, k, v, true, mask, 0.4, out, lse, L);
  jsKernels.attentionForward(B, NH, NKV, T, S, HS, gather(q, 0, NH, T), gather(k, 1, NKV, S), gather(v, 2, NKV, S), true, mask, 0.4, dOut, dLse);
  assertClose(gather(out, 3, NH, T), dOut, 1e-12, 0, 'forward out');
  assertClose(lse, dLse, 1e-12, 0, 'forward lse');
  const dgq = gather(gq, 5, NH, T), dgk = gather(gk, 6, NKV, S), dgv = gather(gv, 7, NKV, S);
  jsKernels.attentionBackward(B, NH, NKV, T, S, HS, q, k, v, true, mask, 0.4, out, lse, g, gq, gk, gv, L);
  jsKernels.attentionBackward(B, NH, NKV, T, S, HS, gather(q, 0, NH, T), gather(k, 1, NKV, S), gather(v, 2, NKV, S), true, mask, 0.4, dOut, dLse,
    gather(g, 4, NH, T), dgq, dgk, dgv);
  assertClose(gather(gq, 5, NH, T), dgq, 1e-12, 0, 'gq');
  assertClose(gather(gk, 6, NKV, S), dgk, 1e-12, 0, 'gk');
  assertClose(gather(gv, 7, NKV, S), dgv, 1e-12, 0, 'gv');
  assert.deepEqual(denseAttentionLayout(1, 2, 1, 3, 4, 5).slice(0, 8), [0, 30, 15, 5, 0, 20, 20, 5]);
});

/** The composition GPT-2 used before qkvAttention: split, heads as views, attention, merge. */
function composed(qkv: Tensor, NH: number): Tensor {
  const [B, T, C3] = qkv.shape as [number, number, number];
  const C = C3 / 3, HS = C / NH;
  const [q, k, v] = F.split(qkv, C, 2).map((t) => F.transpose(F.reshape(t, [B, T, NH, HS]), 1, 2)) as [Tensor, Tensor, Tensor];
  return F.reshape(F.transpose(F.scaledDotProductAttention(q, k, v, { causal: true }), 1, 2), [B, T, C]);
}

for (const backend of availableBackends()) {
  test(`qkvAttention equals the split/transpose/attention/merge composition, values and grads (${backend})`, () => {
    const prev = currentBackend();
    setBackend(backend);
    try {
      for (const [B, T, NH, HS] of [[1, 1, 1, 4], [2, 5, 3, 7], [3, 64, 4, 32], [1, 130, 2, 16]] as const) {
        const what = `${backend} B=${B} T=${T} NH=${NH} HS=${HS}`;
        const x = randn([B, T, 3 * NH * HS], { rng }).requiresGrad_();
        const w = randn([B, T, NH * HS], { rng });
        const a = qkvAttention(x, NH, { causal: true });
        F.sum(F.mul(a, w)).backward();
        const ga = x.grad!.toArray();
        x.grad = null;
        const b = composed(x, NH);
        F.sum(F.mul(b, w)).backward();
        assertClose(a.toArray(), b.toArray(), 1e-5, 1e-4, `${what} values`);
        assertClose(ga, x.grad!.toArray(), 1e-5, 1e-4, `${what} grad`);
      }
    } finally {
      setBackend(prev);
    }
  });

  test(`attention on strided views (heads of (B, T, C), KV-cache slices) equals attention on contiguous copies (${backend})`, () => {
    const prev = currentBackend();
    setBackend(backend);
    try {
      const B = 2, T = 3, NH = 4, NKV = 2, HS = 8, maxT = 11, S = 7;
      const q = F.transpose(F.reshape(randn([B, T, NH * HS], { rng }), [B, T, NH, HS]), 1, 2);
      const cache = randn([B, NKV, maxT, HS], { rng }), cacheV = randn([B, NKV, maxT, HS], { rng });
      const k = F.narrow(cache, 2, 0, S), v = F.narrow(cacheV, 2, 0, S);
      assert.ok(!q.isContiguous() && !k.isContiguous());
      const a = noGrad(() => F.scaledDotProductAttention(q, k, v, { causal: true }));
      const b = noGrad(() => F.scaledDotProductAttention(F.contiguous(q), F.contiguous(k), F.contiguous(v), { causal: true }));
      assertClose(a.toArray(), b.toArray(), 1e-6, 1e-5, `${backend} strided vs contiguous`);
    } finally {
      setBackend(prev);
    }
  });
}

test('qkvAttention passes a float64 gradcheck (JS reference), with and without a key padding mask', () => {
  const x = randn([2, 4, 3 * 2 * 3], { dtype: 'float64', rng }).requiresGrad_();
  const r = gradcheck((t) => qkvAttention(t, 2, { causal: true }), [x]);
  assert.ok(r.ok, `causal: ${r.failure} (max |diff| ${r.maxAbsDiff})`);
  const mask = new Tensor(Int32Array.of(1, 1, 0, 1, 1, 0, 1, 1), [2, 4]);
  const r2 = gradcheck((t) => qkvAttention(t, 3, { keyPaddingMask: mask }), [x]);
  assert.ok(r2.ok, `masked: ${r2.failure} (max |diff| ${r2.maxAbsDiff})`);
});

test('qkvAttention errors name the shape', () => {
  assert.throws(() => qkvAttention(randn([2, 3, 10]), 2), /qkv must be \(B, T, 3C\), got \[2, 3, 10\]/);
  assert.throws(() => qkvAttention(randn([2, 3, 12]), 3), /C = 4 .* is not divisible by nHead = 3/);
});
