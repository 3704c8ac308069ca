// The first gradient to reach a tensor is written into an uninitialised buffer instead of accumulated into
// zeros: unaryBackward, softmaxBackward, layerNormBackward and rmsNormBackward (gxOverwrite), attentionBackward (gOverwrite) and the pass-through of add/sub, whose
// first operand takes the output gradient's buffer itself. Checked: the kernels with NaN-filled gradients
// (an overwrite must never read them) against the JS reference accumulating into zeros (native: |Δ| ≤ 5e-5
// + 1e-4·|ref| as the attention parity tests; JS: exact), and the ops end to end by float64 gradchecks
// with inputs shared between an overwriting and an accumulating use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UnaryOp } from '../../src/kernels/abi.js';
import { randn } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/rng.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import * as F from '../../src/ops/index.js';
import { qkvAttention } from '../../src/ops/attention.js';
import { close, eachThreads, f64, js, nativeSuite, randn32 } from './parity_util.js';

const rng = new Rng(23);
/** Element-wise equality with -0 == 0 (0 + (−0) is 0 where an overwrite writes −0). */
function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}
const UNARY: UnaryOp[] = ['gelu', 'gelu_tanh', 'silu', 'exp', 'tanh', 'relu', 'pow'];

test('JS unaryBackward with gxOverwrite equals accumulating into zeros, ignoring NaN in gx', () => {
  for (const op of UNARY) {
    const n = 37, x = Float64Array.from({ length: n }, () => rng.normal() + (op === 'pow' ? 3 : 0));
    const y = new Float64Array(n), g = Float64Array.from({ length: n }, () => rng.normal());
    js.unaryForward(op, n, x, y, 2);
    const acc = new Float64Array(n), over = new Float64Array(n).fill(NaN);
    js.unaryBackward(op, n, x, y, g, acc, 2);
    js.unaryBackward(op, n, x, y, g, over, 2, true);
    same(over, acc, op);
  }
});

test('JS softmaxBackward with gxOverwrite equals accumulating into zeros, ignoring NaN in gx (softmax, log_softmax)', () => {
  for (const log of [false, true]) {
    const N = 5, C = 13, x = Float64Array.from({ length: N * C }, () => rng.normal());
    const y = new Float64Array(N * C), g = Float64Array.from({ length: N * C }, () => rng.normal());
    js.softmaxForward(N, C, x, y, log);
    const acc = new Float64Array(N * C), over = new Float64Array(N * C).fill(NaN);
    js.softmaxBackward(N, C, y, g, acc, log);
    js.softmaxBackward(N, C, y, g, over, log, true);
    same(over, acc, `log=${log}`);
  }
});

/** q|k|v fused layout (B, T, 3C) and its (B, T, C) output, as qkvAttention passes them. */
function qkvLayout(T: number, C: number, HS: number): number[] {
  const inp = (o: number) => [o, T * 3 * C, HS, 3 * C], res = [0, T * C, HS, C];
  return [...inp(0), ...inp(C), ...inp(2 * C), ...res, ...res, ...inp(0), ...inp(C), ...inp(2 * C)];
}

test('JS layerNormBackward and rmsNormBackward with gxOverwrite equal accumulating into zeros, ignoring NaN in gx', () => {
  const N = 5, C = 9, r = () => rng.normal();
  const x = Float64Array.from({ length: N * C }, r), w = Float64Array.from({ length: C }, r), b = Float64Array.from({ length: C }, r);
  const g = Float64Array.from({ length: N * C }, r), out = new Float64Array(N * C), mean = new Float64Array(N), rstd = new Float64Array(N);
  for (const wt of [w, null]) {
    js.layerNormForward(N, C, x, wt, b, 1e-5, out, mean, rstd);
    const acc = new Float64Array(N * C), over = new Float64Array(N * C).fill(NaN);
    js.layerNormBackward(N, C, x, wt, mean, rstd, g, acc, null, null);
    js.layerNormBackward(N, C, x, wt, mean, rstd, g, over, null, null, true);
    same(over, acc, `layer_norm w=${wt !== null}`);
    js.rmsNormForward(N, C, x, wt, 1e-5, out, rstd);
    const acc2 = new Float64Array(N * C), over2 = new Float64Array(N * C).fill(NaN);
    js.rmsNormBackward(N, C, x, wt, rstd, g, acc2, null);
    js.rmsNormBackward(N, C, x, wt, rstd, g, over2, null, true);
    same(over2, acc2, `rms_norm w=${wt !== null}`);
  }
});

test('JS attentionBackward with gOverwrite equals accumulating into zeros (dense GQA and fused qkv layouts)', () => {
  const r = () => rng.normal();
  // dense GQA: NH = 4 query heads over NKV = 2
  const [B, NH, NKV, T, HS] = [2, 4, 2, 5, 3];
  const q = Float64Array.from({ length: B * NH * T * HS }, r), k = Float64Array.from({ length: B * NKV * T * HS }, r);
  const v = Float64Array.from({ length: k.length }, r), g = Float64Array.from({ length: q.length }, r);
  const out = new Float64Array(q.length), lse = new Float64Array(B * NH * T);
  js.attentionForward(B, NH, NKV, T, T, HS, q, k, v, true, null, 0.5, out, lse);
  const zq = new Float64Array(q.length), zk = new Float64Array(k.length), zv = new Float64Array(k.length);
  js.attentionBackward(B, NH, NKV, T, T, HS, q, k, v, true, null, 0.5, out, lse, g, zq, zk, zv);
  const nq = new Float64Array(q.length).fill(NaN), nk_ = new Float64Array(k.length).fill(NaN), nv = new Float64Array(k.length).fill(NaN);
  js.attentionBackward(B, NH, NKV, T, T, HS, q, k, v, true, null, 0.5, out, lse, g, nq, nk_, nv, null, true);
  same(nq, zq, 'gq'); same(nk_, zk, 'gk'); same(nv, zv, 'gv');
  // fused qkv
  const C = 6, L = qkvLayout(T, C, 2), x = Float64Array.from({ length: B * T * 3 * C }, r), g2 = Float64Array.from({ length: B * T * C }, r);
  const o2 = new Float64Array(B * T * C), l2 = new Float64Array(B * 3 * T);
  js.attentionForward(B, 3, 3, T, T, 2, x, x, x, true, null, 0.7, o2, l2, L);
  const z = new Float64Array(x.length), n = new Float64Array(x.length).fill(NaN);
  js.attentionBackward(B, 3, 3, T, T, 2, x, x, x, true, null, 0.7, o2, l2, g2, z, z, z, L);
  js.attentionBackward(B, 3, 3, T, T, 2, x, x, x, true, null, 0.7, o2, l2, g2, n, n, n, L, true);
  same(n, z, 'gqkv');
});

nativeSuite('native gradient overwrite', (nk, info) => {
  test('unaryBackward with gxOverwrite ignores the NaN in gx and equals the reference', () => {
    eachThreads(info, (t) => {
      for (const op of UNARY) {
        for (const n of [1, 7, 8, 33, 70000]) {
          const x = randn32(n).map((v) => (op === 'pow' ? Math.abs(v) + 0.5 : v)), g = randn32(n);
          const y = new Float32Array(n), ry = new Float64Array(n);
          nk.unaryForward(op, n, x, y, 2);
          js.unaryForward(op, n, f64(x), ry, 2);
          const gx = new Float32Array(n).fill(NaN), rgx = new Float64Array(n);
          nk.unaryBackward(op, n, x, y, g, gx, 2, true);
          js.unaryBackward(op, n, f64(x), Float64Array.from(y), f64(g), rgx, 2);
          close(gx, rgx, 1e-6, 1e-5, `${op} n=${n} threads=${t}`);
        }
      }
    });
  });

  test('softmaxBackward with gxOverwrite ignores the NaN in gx; outputs of 8 MiB and more (streamed stores, rows at every alignment)', () => {
    eachThreads(info, (t) => {
      // 2100 × 1001 floats = 8.4 MB: written with non-temporal stores; rows of 1001 start at every 4-byte offset
      for (const [N, C] of [[1, 1], [3, 7], [17, 33], [2100, 1001]] as const) {
        for (const log of [false, true]) {
          const what = `${N}x${C} log=${log} threads=${t}`;
          const x = randn32(N * C, 3), y = new Float32Array(N * C);
          nk.softmaxForward(N, C, x, y, log);
          const g = randn32(N * C), gx = new Float32Array(N * C).fill(NaN), rgx = new Float64Array(N * C);
          nk.softmaxBackward(N, C, y, g, gx, log, true);
          js.softmaxBackward(N, C, Float64Array.from(y), f64(g), rgx, log);
          close(gx, rgx, 1e-5, 1e-5, what);
          // the same into a buffer offset by one float (another alignment of every row)
          const buf = new Float32Array(N * C + 1).fill(NaN), gx1 = buf.subarray(1);
          nk.softmaxBackward(N, C, y, g, gx1, log, true);
          close(gx1, rgx, 1e-5, 1e-5, `${what} offset`);
        }
      }
    });
  });

  test('layerNormBackward / rmsNormBackward with gxOverwrite ignore the NaN in gx; outputs of 8 MiB and more (streamed), rows at every alignment', () => {
    eachThreads(info, (t) => {
      // 2100 × 1001 floats = 8.4 MB: streamed where a row is vector-aligned; rows of 1001 start at every 4-byte offset
      for (const [N, C] of [[1, 1], [3, 7], [17, 33], [2100, 1001]] as const) {
        const what = `${N}x${C} threads=${t}`;
        const x = randn32(N * C), w = randn32(C), b = randn32(C), g = randn32(N * C);
        const out = new Float32Array(N * C), mean = new Float32Array(N), rstd = new Float32Array(N);
        nk.layerNormForward(N, C, x, w, b, 1e-5, out, mean, rstd);
        const rgx = new Float64Array(N * C), rgw = new Float64Array(C), rgb = new Float64Array(C);
        js.layerNormBackward(N, C, f64(x), f64(w), f64(mean), f64(rstd), f64(g), rgx, rgw, rgb);
        for (const off of [0, 1]) {
          const buf = new Float32Array(N * C + off).fill(NaN), gx = buf.subarray(off), gw = new Float32Array(C), gb = new Float32Array(C);
          nk.layerNormBackward(N, C, x, w, mean, rstd, g, gx, gw, gb, true);
          close(gx, rgx, 2e-5, 1e-5, `layer_norm gx ${what} offset ${off}`);
          close(gw, rgw, 2e-5 * Math.sqrt(N), 1e-5, `layer_norm gw ${what} offset ${off}`);
          close(gb, rgb, 2e-5 * Math.sqrt(N), 1e-5, `layer_norm gb ${what} offset ${off}`);
        }
        nk.rmsNormForward(N, C, x, w, 1e-5, out, rstd);
        const rgx2 = new Float64Array(N * C);
        js.rmsNormBackward(N, C, f64(x), f64(w), f64(rstd), f64(g), rgx2, null);
        for (const off of [0, 1]) {
          const buf = new Float32Array(N * C + off).fill(NaN), gx = buf.subarray(off);
          nk.rmsNormBackward(N, C, x, w, rstd, g, gx, null, true);
          close(gx, rgx2, 2e-5, 1e-5, `rms_norm gx ${what} offset ${off}`);
        }
      }
    });
  });

  test('attentionBackward with gOverwrite ignores the NaN in gq, gk, gv (dense GQA with a key mask, fused qkv)', () => {
    eachThreads(info, (th) => {
      for (const [B, NH, NKV, T, HS] of [[1, 1, 1, 1, 4], [2, 4, 2, 37, 8], [2, 6, 3, 70, 16]] as const) {
        const what = `B=${B} NH=${NH} NKV=${NKV} T=${T} HS=${HS} threads=${th}`;
        const q = randn32(B * NH * T * HS), k = randn32(B * NKV * T * HS), v = randn32(k.length), g = randn32(q.length);
        const mask = Int32Array.from({ length: B * T }, (_, i) => (i % 5 === 3 ? 0 : 1));
        const out = new Float32Array(q.length), lse = new Float32Array(B * NH * T);
        nk.attentionForward(B, NH, NKV, T, T, HS, q, k, v, true, mask, 0.3, out, lse);
        const gq = new Float32Array(q.length).fill(NaN), gk = new Float32Array(k.length).fill(NaN), gv = new Float32Array(k.length).fill(NaN);
        nk.attentionBackward(B, NH, NKV, T, T, HS, q, k, v, true, mask, 0.3, out, lse, g, gq, gk, gv, null, true);
        const rq = new Float64Array(q.length), rk = new Float64Array(k.length), rv = new Float64Array(k.length);
        js.attentionBackward(B, NH, NKV, T, T, HS, f64(q), f64(k), f64(v), true, mask, 0.3, Float64Array.from(out), Float64Array.from(lse), f64(g), rq, rk, rv);
        close(gq, rq, 5e-5, 1e-4, `${what} gq`);
        close(gk, rk, 5e-5, 1e-4, `${what} gk`);
        close(gv, rv, 5e-5, 1e-4, `${what} gv`);
        const C = NH * HS, L = qkvLayout(T, C, HS);
        const x = randn32(B * T * 3 * C), g2 = randn32(B * T * C), o2 = new Float32Array(B * T * C), l2 = new Float32Array(B * NH * T);
        nk.attentionForward(B, NH, NH, T, T, HS, x, x, x, true, null, 0.3, o2, l2, L);
        const gx = new Float32Array(x.length).fill(NaN), rgx = new Float64Array(x.length), rx = f64(x);
        nk.attentionBackward(B, NH, NH, T, T, HS, x, x, x, true, null, 0.3, o2, l2, g2, gx, gx, gx, L, true);
        js.attentionBackward(B, NH, NH, T, T, HS, rx, rx, rx, true, null, 0.3, Float64Array.from(o2), Float64Array.from(l2), f64(g2), rgx, rgx, rgx, L);
        close(gx, rgx, 5e-5, 1e-4, `${what} fused qkv`);
      }
    });
  });
});

test('ops: gradients through first-use overwrites and the add/sub pass-through match float64 gradchecks', () => {
  const x = randn([2, 3, 12], { dtype: 'float64', rng }).requiresGrad_();
  const y = randn([2, 3, 12], { dtype: 'float64', rng }).requiresGrad_();
  // x feeds add (takes g's buffer), then gelu and the sub's second operand (accumulate into it); x + x aliases
  const f1 = (a: typeof x, b: typeof x) => {
    const r = F.add(a, F.gelu(b, 'tanh'));
    return F.sum(F.mul(F.add(F.sub(r, a), F.add(r, r)), F.silu(a)));
  };
  const r1 = gradcheck(f1, [x, y]);
  assert.ok(r1.ok, `${r1.failure} (max |diff| ${r1.maxAbsDiff})`);
  // fused-qkv attention whose input also feeds a residual add (overwrite first, accumulate after)
  const qkv = randn([2, 5, 12], { dtype: 'float64', rng }).requiresGrad_();
  const f2 = (a: typeof qkv) => F.sum(F.mul(F.add(qkvAttention(a, 2, { causal: true }), F.gelu(F.narrow(a, 2, 0, 4))), F.tanh(F.narrow(a, 2, 4, 4))));
  const r2 = gradcheck(f2, [qkv]);
  assert.ok(r2.ok, `${r2.failure} (max |diff| ${r2.maxAbsDiff})`);
  // softmax (overwrite) and log_softmax whose input also feeds a product (accumulate after)
  const z = randn([3, 7], { dtype: 'float64', rng }).requiresGrad_();
  const f3 = (a: typeof z) => F.sum(F.mul(F.add(F.softmax(a), F.logSoftmax(a, 0)), F.tanh(a)));
  const r3 = gradcheck(f3, [z]);
  assert.ok(r3.ok, `${r3.failure} (max |diff| ${r3.maxAbsDiff})`);
  // layer_norm and rms_norm (overwrite) whose input also feeds a product (accumulate after), and the reverse
  const u = randn([3, 8], { dtype: 'float64', rng }).requiresGrad_(), lw = randn([8], { dtype: 'float64', rng }).requiresGrad_();
  const f4 = (a: typeof u, wt: typeof u) => F.sum(F.mul(F.add(F.layerNorm(a, wt, null), F.rmsNorm(F.tanh(a), wt)), F.exp(a)));
  const r4 = gradcheck(f4, [u, lw]);
  assert.ok(r4.ok, `${r4.failure} (max |diff| ${r4.maxAbsDiff})`);
});

test('add keeps retained gradients: an output with retainGrad keeps its own buffer', () => {
  const a = randn([3, 4], { rng }).requiresGrad_(), b = randn([3, 4], { rng }).requiresGrad_();
  const s = F.add(a, b);
  s.retainGrad();
  F.sum(F.mul(s, s)).backward();
  const ga = a.grad!.toArray(), gs = s.grad!.toArray(), sv = s.toArray();
  for (let i = 0; i < 12; i++) {
    assert.ok(Math.abs(gs[i]! - 2 * sv[i]!) < 1e-5, `s.grad[${i}]`);
    assert.ok(Math.abs(ga[i]! - gs[i]!) < 1e-6, `a.grad[${i}]`);
  }
  assert.notEqual(a.grad!.data, s.grad!.data);
});
