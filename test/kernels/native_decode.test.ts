// Parity of the decoding fast paths against the JS reference (float64 on the same float32 inputs), at 1, 2
// and 3 threads: linear forward for N ≤ 4 rows (csrc/matvec.c: row-streaming dot products), N = 5 (back on
// the SGEMM) and attention forward for T ≤ 4 query rows (csrc/attention_decode.c), including strided
// layouts (a KV cache of capacity maxT, a fused (B, T, 3C) q|k|v). Tolerances: linear |Δ| ≤ 2e-5·√IN + 1e-5·|ref|
// (inputs ~ N(0, 1), weights ~ N(0, 0.04)); attention |Δ| ≤ 2e-5 + 1e-4·|ref|, lse 2e-5 + 1e-5·|ref|.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { close, eachThreads, f64, js, nativeSuite, randn32 } from './parity_util.js';
import { denseAttentionLayout } from '../../src/kernels/attention_layout.js';

nativeSuite('native decode paths', (nk, info) => {
  test('linear forward with N = 1..5 rows: odd IN (tails of the vector width), IN = 1, OUT = 1, large OUT, with and without bias', () => {
    const shapes: [number, number][] = [[1, 1], [1, 9], [3, 1], [7, 5], [13, 8], [17, 33], [64, 100], [300, 131], [1031, 257], [50, 2049]];
    eachThreads(info, (t) => {
      for (const N of [1, 2, 3, 4, 5]) {
        for (const [OUT, IN] of shapes) {
          for (const withBias of [true, false]) {
            const x = randn32(N * IN), w = randn32(OUT * IN, 0.2), b = withBias ? randn32(OUT) : null;
            const out = new Float32Array(N * OUT).fill(NaN), ref = new Float64Array(N * OUT);
            nk.linearForward(x, w, b, out, N, IN, OUT);
            js.linearForward(f64(x), f64(w), b && f64(b), ref, N, IN, OUT);
            close(out, ref, 2e-5 * Math.sqrt(IN), 1e-5, `linear N=${N} OUT=${OUT} IN=${IN} bias=${withBias} threads=${t}`);
          }
        }
      }
    });
  });

  test('linear forward with N = 1: the result does not depend on the thread count (bit for bit)', () => {
    const OUT = 5003, IN = 300;
    const x = randn32(IN), w = randn32(OUT * IN, 0.2), b = randn32(OUT);
    const outs: Float32Array[] = [];
    eachThreads(info, () => { const o = new Float32Array(OUT); nk.linearForward(x, w, b, o, 1, IN, OUT); outs.push(o); });
    assert.deepEqual(outs[1], outs[0]);
    assert.deepEqual(outs[2], outs[0]);
  });

  test('linear forward with N = 1, IN = 0 writes the bias (or zeros)', () => {
    const out = new Float32Array(3).fill(NaN);
    nk.linearForward(new Float32Array(0), new Float32Array(0), Float32Array.of(1, 2, 3), out, 1, 0, 3);
    assert.deepEqual(Array.from(out), [1, 2, 3]);
    nk.linearForward(new Float32Array(0), new Float32Array(0), null, out, 1, 0, 3);
    assert.deepEqual(Array.from(out), [0, 0, 0]);
  });

  test('attention forward with T ≤ 4 rows: dense, KV cache of capacity maxT, causal offset, GQA, key mask, fully masked rows', () => {
    const cases = [
      { B: 1, NH: 1, NKV: 1, T: 1, S: 1, HS: 1 }, { B: 1, NH: 12, NKV: 12, T: 1, S: 37, HS: 64 },
      { B: 2, NH: 4, NKV: 2, T: 3, S: 19, HS: 13 }, { B: 3, NH: 6, NKV: 1, T: 4, S: 4, HS: 8 },
      { B: 2, NH: 2, NKV: 2, T: 2, S: 1030, HS: 17 },
    ];
    eachThreads(info, (th) => {
      for (const c of cases) {
        for (const maxT of [c.S, c.S + 5]) {
          for (const masked of [false, true]) {
            for (const causal of [true, false]) {
              const { B, NH, NKV, T, S, HS } = c;
              const what = `decode attention ${JSON.stringify(c)} maxT=${maxT} mask=${masked} causal=${causal} threads=${th}`;
              // q dense; k, v in a cache (B, NKV, maxT, HS) of which the first S rows are used
              const q = randn32(B * NH * T * HS), k = randn32(B * NKV * maxT * HS), v = randn32(B * NKV * maxT * HS);
              const mask = masked ? Int32Array.from({ length: B * S }, (_, i) => (i % 7 === 2 || (i >= S && i < 2 * S) ? 0 : 1)) : null;
              const L = denseAttentionLayout(B, NH, NKV, T, S, HS);
              L.splice(4, 8, 0, NKV * maxT * HS, maxT * HS, HS, 0, NKV * maxT * HS, maxT * HS, HS);
              const out = new Float32Array(B * NH * T * HS).fill(NaN), lse = new Float32Array(B * NH * T);
              const rout = new Float64Array(out.length), rlse = new Float64Array(lse.length);
              nk.attentionForward(B, NH, NKV, T, S, HS, q, k, v, causal, mask, 1 / Math.sqrt(HS), out, lse, L);
              js.attentionForward(B, NH, NKV, T, S, HS, f64(q), f64(k), f64(v), causal, mask, 1 / Math.sqrt(HS), rout, rlse, L);
              close(out, rout, 2e-5, 1e-4, `${what} out`);
              close(lse, rlse, 2e-5, 1e-5, `${what} lse`);
            }
          }
        }
      }
    });
  });

  test('attention forward and backward on a fused (B, T, 3C) q|k|v with a (B, T, C) output, T = 1..4 and T = 70', () => {
    eachThreads(info, (th) => {
      for (const [B, T, NH, HS] of [[1, 1, 2, 8], [2, 3, 3, 5], [2, 4, 2, 16], [2, 70, 3, 24]] as const) {
        const C = NH * HS, what = `qkv layout B=${B} T=${T} NH=${NH} HS=${HS} threads=${th}`;
        const inp = (o: number) => [o, T * 3 * C, HS, 3 * C], res = [0, T * C, HS, C];
        const L = [...inp(0), ...inp(C), ...inp(2 * C), ...res, ...res, ...inp(0), ...inp(C), ...inp(2 * C)];
        const x = randn32(B * T * 3 * C), g = randn32(B * T * C), gx = randn32(B * T * 3 * C);
        const out = new Float32Array(B * T * C), lse = new Float32Array(B * NH * T);
        const rout = new Float64Array(out.length), rlse = new Float64Array(lse.length), rgx = f64(gx), rx = f64(x);
        nk.attentionForward(B, NH, NH, T, T, HS, x, x, x, true, null, 0.3, out, lse, L);
        js.attentionForward(B, NH, NH, T, T, HS, rx, rx, rx, true, null, 0.3, rout, rlse, L);
        close(out, rout, 2e-5, 1e-4, `${what} out`);
        nk.attentionBackward(B, NH, NH, T, T, HS, x, x, x, true, null, 0.3, out, lse, g, gx, gx, gx, L);
        js.attentionBackward(B, NH, NH, T, T, HS, rx, rx, rx, true, null, 0.3, rout, rlse, f64(g), rgx, rgx, rgx, L);
        close(gx, rgx, 5e-5, 1e-4, `${what} gqkv`);
      }
    });
  });

  test('attention layout errors name the operand', () => {
    const z = new Float32Array(16), L = denseAttentionLayout(1, 1, 1, 2, 2, 4);
    L[4 * 2] = 9; // v starts at 9: its second row ends at 17, past the 16 elements
    assert.throws(() => nk.attentionForward(1, 1, 1, 2, 2, 4, z, z, z, true, null, 1, z, z, L), /v has 16 elements, needs 17/);
    const L2 = denseAttentionLayout(1, 1, 1, 2, 2, 4);
    L2[3] = 2; // q rows overlap
    assert.throws(() => nk.attentionForward(1, 1, 1, 2, 2, 4, z, z, z, true, null, 1, z, z, L2), /q: row stride 2 is smaller than HS = 4/);
    assert.throws(() => nk.attentionForward(1, 1, 1, 2, 2, 4, z, z, z, true, null, 1, z, z, [1, 2, 3]), /layout has 3 entries, needs 32/);
  });
});
