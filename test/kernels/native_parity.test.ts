// Native SGEMM, linear and attention kernels equal the JS reference (run in float64 on the same
// float32 inputs) on odd, size-1, non-multiple-of-block and large shapes, at 1, 2 and 3 threads.
// Tolerances: GEMM |Δ| ≤ 1e-6·(Σ_k|α·a·b| + |β·c|) per element (a few fp32 ulps of the dot's scale);
// linear likewise; attention |Δ| ≤ 2e-5 + 1e-4·|ref| (inputs ~ N(0, 1)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kernels } from '../../src/kernels/abi.js';
import { close, closeBound, copy32, eachThreads, f64, js, nativeSuite, randn32 } from './parity_util.js';

const GEMM_TOL = 1e-6;

interface GemmCase { ta: boolean; tb: boolean; M: number; N: number; K: number; alpha: number; beta: number; batch: number;
  sA: 'own' | 'shared'; sC: 'own' | 'sum'; pad: number; off: number }

/** Runs one GEMM case on native (float32) and the reference (float64) and compares with the Σ|a·b| bound. */
function checkGemm(nk: Kernels, c: GemmCase, what: string, nanC = false): void {
  const rowsA = c.ta ? c.K : c.M, colsA = c.ta ? c.M : c.K, rowsB = c.tb ? c.N : c.K, colsB = c.tb ? c.K : c.N;
  const lda = colsA + c.pad, ldb = colsB + c.pad, ldc = c.N + c.pad;
  const matA = rowsA * lda, matB = rowsB * ldb, matC = c.M * ldc;
  const strideA = c.sA === 'shared' ? 0 : matA, strideB = matB, strideC = c.sC === 'sum' ? 0 : matC;
  const nA = c.off + matA * (c.sA === 'shared' ? 1 : c.batch), nB = c.off + matB * c.batch, nC = c.off + matC * (c.sC === 'sum' ? 1 : c.batch);
  const A = randn32(nA), B = randn32(nB), C = randn32(nC);
  if (nanC) C.fill(NaN);
  const Cn = copy32(C), Cr = f64(C);
  nk.gemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A, c.off, lda, strideA, B, c.off, ldb, strideB, c.beta, Cn, c.off, ldc, strideC, c.batch);
  js.gemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, f64(A), c.off, lda, strideA, f64(B), c.off, ldb, strideB, c.beta, Cr, c.off, ldc, strideC, c.batch);
  // bound: |α|·Σ|a||b| + |β|·|c| over the batches that reach each element
  const bound = new Float64Array(nC);
  const absA = Float64Array.from(A, Math.abs), absB = Float64Array.from(B, Math.abs);
  const C0 = Float64Array.from(C, (x) => (nanC ? 0 : Math.abs(x)));
  js.gemm(c.ta, c.tb, c.M, c.N, c.K, Math.abs(c.alpha), absA, c.off, lda, strideA, absB, c.off, ldb, strideB,
    c.beta === 0 ? 0 : Math.abs(c.beta), C0, c.off, ldc, strideC, c.batch);
  for (let i = 0; i < nC; i++) bound[i] = C0[i]! + 1e-30;
  // the padding columns and the offset must be untouched
  for (let b = 0; b < (c.sC === 'sum' ? 1 : c.batch); b++) {
    for (let i = 0; i < c.M; i++) {
      for (let j = c.N; j < ldc; j++) {
        const k = c.off + b * matC + i * ldc + j;
        assert.ok(Object.is(Cn[k], C[k]), `${what}: padding C[${k}] changed`);
      }
    }
  }
  for (let i = 0; i < c.off; i++) assert.ok(Object.is(Cn[i], C[i]), `${what}: C before cOff changed`);
  closeBound(Cn, Cr, bound, GEMM_TOL, what);
}

const base: GemmCase = { ta: false, tb: false, M: 1, N: 1, K: 1, alpha: 1, beta: 0, batch: 1, sA: 'own', sC: 'own', pad: 0, off: 0 };
const TRANS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

nativeSuite('native gemm', (nk, info) => {
  test('gemm: every transpose, M/N/K in 1..17 and primes (not multiples of the 6×16 / 12×32 tiles), padded lda', () => {
    const sizes = [1, 2, 3, 5, 6, 7, 8, 13, 16, 17, 31, 33];
    for (const [ta, tb] of TRANS) {
      for (const M of sizes) for (const N of sizes) for (const K of [1, 3, 8, 17, 33]) {
        checkGemm(nk, { ...base, ta, tb, M, N, K, pad: (M + N) % 3, off: K % 2 }, `gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${M}x${N}x${K}`);
      }
    }
  });

  test('gemm: alpha/beta, beta = 0 never reads C (C full of NaN), K = 0 gives beta·C', () => {
    for (const [ta, tb] of TRANS) {
      checkGemm(nk, { ...base, ta, tb, M: 19, N: 23, K: 29, alpha: -0.5, beta: 0.25, pad: 1 }, `alpha/beta ${ta}${tb}`);
      checkGemm(nk, { ...base, ta, tb, M: 19, N: 23, K: 29, alpha: 2, beta: 0, pad: 2 }, `beta=0 NaN C ${ta}${tb}`, true);
      checkGemm(nk, { ...base, ta, tb, M: 7, N: 9, K: 0, alpha: 1, beta: 0.5 }, `K=0 beta=0.5 ${ta}${tb}`);
      checkGemm(nk, { ...base, ta, tb, M: 7, N: 9, K: 0, alpha: 1, beta: 0 }, `K=0 beta=0 ${ta}${tb}`, true);
      checkGemm(nk, { ...base, ta, tb, M: 300, N: 70, K: 260, alpha: 1, beta: 1, pad: 3, off: 5 }, `beta=1 multi-KC ${ta}${tb}`);
    }
  });

  test('gemm: batched (own and shared A), strideC = 0 sums the batches in order into C', () => {
    for (const [ta, tb] of TRANS) {
      for (const batch of [1, 2, 3, 5]) {
        checkGemm(nk, { ...base, ta, tb, M: 17, N: 19, K: 23, batch }, `batched ${batch} ${ta}${tb}`);
        checkGemm(nk, { ...base, ta, tb, M: 6, N: 16, K: 7, batch, sA: 'shared', alpha: 0.5 }, `shared A ${batch} ${ta}${tb}`);
        checkGemm(nk, { ...base, ta, tb, M: 13, N: 11, K: 9, batch, sC: 'sum', beta: 0 }, `strideC=0 beta=0 ${batch} ${ta}${tb}`, true);
        checkGemm(nk, { ...base, ta, tb, M: 13, N: 11, K: 9, batch, sC: 'sum', beta: 1, alpha: -1 }, `strideC=0 beta=1 ${batch} ${ta}${tb}`);
      }
    }
  });

  test('gemm: large shapes (several MC/KC/NC blocks, long K) at 1, 2 and 3 threads', () => {
    eachThreads(info, (t) => {
      for (const [ta, tb] of TRANS) {
        checkGemm(nk, { ...base, ta, tb, M: 301, N: 259, K: 517, pad: 1 }, `large ${ta}${tb} threads=${t}`);
        checkGemm(nk, { ...base, ta, tb, M: 37, N: 4133, K: 21, beta: 0.5 }, `wide ${ta}${tb} threads=${t}`);
        checkGemm(nk, { ...base, ta, tb, M: 40, N: 50, K: 60, batch: 7 }, `batch 7 ${ta}${tb} threads=${t}`);
        checkGemm(nk, { ...base, ta, tb, M: 90, N: 70, K: 50, batch: 3, sC: 'sum', beta: 1 }, `sum batch ${ta}${tb} threads=${t}`);
        // K ≥ 4·max(M, N) and work for 3 threads: split along K over the threads, partial sums added (alpha, beta, padded lda, offsets)
        checkGemm(nk, { ...base, ta, tb, M: 70, N: 90, K: 1100, alpha: -0.5, beta: 0.25, pad: 2, off: 3 }, `long K ${ta}${tb} threads=${t}`);
        checkGemm(nk, { ...base, ta, tb, M: 16, N: 320, K: 1400, beta: 0 }, `long K beta=0 NaN C ${ta}${tb} threads=${t}`, true);
        // K = 4·256 + 2: the last slice of K is shorter than 2·threads columns
        checkGemm(nk, { ...base, ta, tb, M: 80, N: 80, K: 1026 }, `long K short last slice ${ta}${tb} threads=${t}`);
        // one shared k slice of op(B) at a time (M ≥ 48, a slice ≤ 4 MiB), rows taken by the threads: 2 slices, the last short
        checkGemm(nk, { ...base, ta, tb, M: 50, N: 2600, K: 500, alpha: 0.5, beta: 0.25, pad: 1, off: 2 }, `wide ${ta}${tb} threads=${t}`);
        // 6 slices (each buffer reused 3 times, last slice 20 deep) for C of 256 rows and more, where the K split is not used
        checkGemm(nk, { ...base, ta, tb, M: 300, N: 200, K: 1300, alpha: -0.5, beta: 0.25, pad: 2, off: 3 }, `slices ${ta}${tb} threads=${t}`);
        checkGemm(nk, { ...base, ta, tb, M: 260, N: 70, K: 800, beta: 0 }, `slices beta=0 NaN C ${ta}${tb} threads=${t}`, true);
        // more rows than one MC block (AVX2 and AVX-512: 1536) on 1 thread: op(A) packed in two blocks
        checkGemm(nk, { ...base, ta, tb, M: 1601, N: 40, K: 300, alpha: 0.5, beta: 0.25, pad: 1, off: 1 }, `two MC blocks ${ta}${tb} threads=${t}`);
        // a slice of op(B) over 4 MiB (N > 4096): a grid of C rectangles
        checkGemm(nk, { ...base, ta, tb, M: 50, N: 4200, K: 300, alpha: 0.5, beta: 0.25, pad: 1 }, `wider ${ta}${tb} threads=${t}`);
      }
    });
  });

  test('gemm: shared slices of op(B) give the same bits at 1, 2 and 3 threads', () => {
    for (const [ta, tb] of TRANS) {
      const M = 300, N = 200, K = 700, lda = ta ? M : K, ldb = tb ? K : N;
      const A = randn32(M * K), B = randn32(K * N), C0 = randn32(M * N);
      const outs: Float32Array[] = [];
      eachThreads(info, () => {
        const C = copy32(C0);
        nk.gemm(ta, tb, M, N, K, 0.5, A, 0, lda, 0, B, 0, ldb, 0, 0.25, C, 0, N, 0, 1);
        outs.push(C);
      });
      for (let t = 1; t < outs.length; t++)
        for (let i = 0; i < M * N; i++) assert.ok(Object.is(outs[t]![i], outs[0]![i]), `${ta}${tb} C[${i}] at ${t + 1} threads != 1 thread`);
    }
  });

  test('gemm: a buffer too short throws a RangeError naming it', () => {
    assert.throws(() => nk.gemm(false, false, 4, 4, 4, 1, new Float32Array(15), 0, 4, 0, new Float32Array(16), 0, 4, 0, 0, new Float32Array(16), 0, 4, 0, 1),
      /gemm: A has 15 elements, needs 16/);
    assert.throws(() => nk.gemm(false, false, 2, 2, 2, 1, new Float64Array(4), 0, 2, 0, new Float32Array(4), 0, 2, 0, 0, new Float32Array(4), 0, 2, 0, 1),
      /A must be a Float32Array/);
  });
});

nativeSuite('native linear', (nk, info) => {
  const cases: [number, number, number][] = [[1, 1, 1], [1, 3, 2], [5, 7, 3], [17, 33, 9], [64, 100, 130], [300, 200, 130],
    [3200, 40, 50], [60, 3000, 40],  // long K (split over threads): dW over 3200 tokens (fused db), forward over IN = 3000
    [1000, 64, 300],  // dW (OUT = 300 rows of C) in 4 shared slices of op(B), db summed per slice
    [40, 30, 1601]];  // dW over two MC blocks of rows on 1 thread (db of the second block at its offset)
  test('linear forward/backward (bias fused in the epilogue, db fused in the dW pass), accumulating grads', () => {
    eachThreads(info, (t) => {
      for (const [N, IN, OUT] of cases) {
        for (const withBias of [true, false]) {
          const x = randn32(N * IN), w = randn32(OUT * IN, 0.2), b = withBias ? randn32(OUT) : null, g = randn32(N * OUT);
          const what = `linear N=${N} IN=${IN} OUT=${OUT} bias=${withBias} threads=${t}`;
          const out = new Float32Array(N * OUT), ref = new Float64Array(N * OUT);
          nk.linearForward(x, w, b, out, N, IN, OUT);
          js.linearForward(f64(x), f64(w), b && f64(b), ref, N, IN, OUT);
          close(out, ref, 2e-5 * Math.sqrt(IN), 1e-5, `${what} forward`);
          for (const mask of [7, 1, 2, 4, 6]) {  // which of gx, gw, gb are requested
            const gx = mask & 1 ? randn32(N * IN) : null, gw = mask & 2 ? randn32(OUT * IN) : null, gb = mask & 4 && withBias ? randn32(OUT) : null;
            const rgx = gx && f64(gx), rgw = gw && f64(gw), rgb = gb && f64(gb);
            nk.linearBackward(x, w, g, gx, gw, gb, N, IN, OUT);
            js.linearBackward(f64(x), f64(w), f64(g), rgx, rgw, rgb, N, IN, OUT);
            if (gx) close(gx, rgx!, 2e-5 * Math.sqrt(OUT), 1e-5, `${what} gx mask ${mask}`);
            if (gw) close(gw, rgw!, 2e-5 * Math.sqrt(N), 1e-5, `${what} gw mask ${mask}`);
            if (gb) close(gb, rgb!, 2e-5 * Math.sqrt(N), 1e-5, `${what} gb mask ${mask}`);
          }
        }
      }
    });
  });
});

interface AttnCase { B: number; NH: number; NKV: number; T: number; S: number; HS: number; causal: boolean; mask?: 'pad' | 'allpad' | 'first' }

const ATT_CASES: AttnCase[] = [
  { B: 1, NH: 1, NKV: 1, T: 1, S: 1, HS: 1, causal: true },
  { B: 2, NH: 3, NKV: 3, T: 5, S: 5, HS: 7, causal: true },
  { B: 1, NH: 4, NKV: 2, T: 9, S: 9, HS: 16, causal: true },          // GQA
  { B: 2, NH: 6, NKV: 1, T: 7, S: 20, HS: 5, causal: true },          // MQA, T < S (KV-cache offset)
  { B: 2, NH: 2, NKV: 2, T: 6, S: 6, HS: 3, causal: false, mask: 'pad' },
  { B: 2, NH: 2, NKV: 1, T: 5, S: 8, HS: 4, causal: true, mask: 'first' },  // early rows see no key
  { B: 2, NH: 2, NKV: 2, T: 4, S: 4, HS: 8, causal: false, mask: 'allpad' }, // a batch with every key masked
  { B: 1, NH: 2, NKV: 2, T: 9, S: 4, HS: 6, causal: false },          // T > S, not causal
  { B: 1, NH: 2, NKV: 1, T: 131, S: 131, HS: 33, causal: true },       // several query blocks and key chunks
  { B: 2, NH: 3, NKV: 3, T: 70, S: 300, HS: 64, causal: true, mask: 'pad' },
  { B: 1, NH: 2, NKV: 2, T: 257, S: 257, HS: 64, causal: false },
];

function keyMask(c: AttnCase): Int32Array | null {
  if (!c.mask) return null;
  const m = new Int32Array(c.B * c.S).fill(1);
  for (let b = 0; b < c.B; b++) {
    for (let s = 0; s < c.S; s++) {
      if (c.mask === 'pad' && (s * 7 + b) % 5 === 1) m[b * c.S + s] = 0;
      if (c.mask === 'first' && s < 4) m[b * c.S + s] = 0;
      if (c.mask === 'allpad' && b === 1) m[b * c.S + s] = 0;
    }
  }
  return m;
}

nativeSuite('native attention', (nk, info) => {
  test('attention forward/backward: causal offset, GQA/MQA, key mask, fully masked rows, T > S, multi-block', () => {
    eachThreads(info, (t) => {
      for (const c of ATT_CASES) {
        const what = `attention ${JSON.stringify(c)} threads=${t}`;
        const nq = c.B * c.NH * c.T * c.HS, nk_ = c.B * c.NKV * c.S * c.HS, nl = c.B * c.NH * c.T;
        const q = randn32(nq), k = randn32(nk_), v = randn32(nk_), g = randn32(nq);
        const mask = keyMask(c), scale = 1 / Math.sqrt(c.HS);
        const out = new Float32Array(nq), lse = new Float32Array(nl), rout = new Float64Array(nq), rlse = new Float64Array(nl);
        nk.attentionForward(c.B, c.NH, c.NKV, c.T, c.S, c.HS, q, k, v, c.causal, mask, scale, out, lse);
        js.attentionForward(c.B, c.NH, c.NKV, c.T, c.S, c.HS, f64(q), f64(k), f64(v), c.causal, mask, scale, rout, rlse);
        close(out, rout, 2e-5, 1e-4, `${what} out`);
        close(lse, rlse, 2e-5, 1e-5, `${what} lse`);
        const gq = randn32(nq), gk = randn32(nk_), gv = randn32(nk_);
        const rgq = f64(gq), rgk = f64(gk), rgv = f64(gv);
        nk.attentionBackward(c.B, c.NH, c.NKV, c.T, c.S, c.HS, q, k, v, c.causal, mask, scale, out, lse, g, gq, gk, gv);
        js.attentionBackward(c.B, c.NH, c.NKV, c.T, c.S, c.HS, f64(q), f64(k), f64(v), c.causal, mask, scale, rout, rlse, f64(g), rgq, rgk, rgv);
        close(gq, rgq, 5e-5, 1e-4, `${what} gq`);
        close(gk, rgk, 5e-5, 1e-4, `${what} gk`);
        close(gv, rgv, 5e-5, 1e-4, `${what} gv`);
        // only some grads requested
        const gv2 = randn32(nk_), rgv2 = f64(gv2);
        nk.attentionBackward(c.B, c.NH, c.NKV, c.T, c.S, c.HS, q, k, v, c.causal, mask, scale, out, lse, g, null, null, gv2);
        js.attentionBackward(c.B, c.NH, c.NKV, c.T, c.S, c.HS, f64(q), f64(k), f64(v), c.causal, mask, scale, rout, rlse, f64(g), null, null, rgv2);
        close(gv2, rgv2, 5e-5, 1e-4, `${what} gv only`);
      }
    });
  });

  test('attention: fully masked rows output zeros and lse = -Infinity', () => {
    const c: AttnCase = { B: 2, NH: 1, NKV: 1, T: 3, S: 3, HS: 4, causal: false, mask: 'allpad' };
    const q = randn32(24), k = randn32(24), v = randn32(24), out = new Float32Array(24).fill(7), lse = new Float32Array(6);
    nk.attentionForward(c.B, c.NH, c.NKV, c.T, c.S, c.HS, q, k, v, false, keyMask(c), 0.5, out, lse);
    assert.deepEqual(Array.from(lse.subarray(3)), [-Infinity, -Infinity, -Infinity]);
    assert.deepEqual(Array.from(out.subarray(12)), new Array(12).fill(0));
    assert.ok(Array.from(lse.subarray(0, 3)).every(Number.isFinite));
  });

  test('attention: NH not a multiple of NKV throws', () => {
    const z = new Float32Array(64);
    assert.throws(() => nk.attentionForward(1, 3, 2, 2, 2, 2, z, z, z, true, null, 1, z, z), /NH = 3 must be a multiple of NKV = 2/);
  });
});

