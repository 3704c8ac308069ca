// Native data-movement, elementwise, reduction, normalisation, softmax, embedding, cross-entropy,
// RoPE, SwiGLU and optimizer kernels equal the JS reference run in float64 on the same float32
// inputs, over odd / size-1 / not-multiple-of-8-or-16 / large shapes and broadcast strides.
// Tolerances (stated per check): pointwise math rtol ≤ 2e-6 with atol ≤ 1e-7 (a few fp32 ulps),
// row reductions atol 1e-5·√C-scale; exact (bitwise) for copies, gathers, argmax and where.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BinaryOp, UnaryOp } from '../../src/kernels/abi.js';
import { close, closeBound, eachThreads, f64, js, nativeSuite, randint32, randn32, uniform32 } from './parity_util.js';

const contiguous = (shape: number[]): number[] => {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
};
const numel = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
/** strides of `own` broadcast to `shape` (0 where own has 1 or is missing) */
const bcast = (own: number[], shape: number[]): number[] => {
  const cs = contiguous(own), off = shape.length - own.length;
  return shape.map((_, d) => (d < off || own[d - off] === 1 ? 0 : cs[d - off]!));
};

nativeSuite('native copy', (nk, info) => {
  test('stridedCopy: transposed, narrowed, broadcast (stride 0), offset and rank-0 views; f32, i32, f64 storage (exact)', () => {
    eachThreads(info, (t) => {
      const cases: { shape: number[]; strides: number[]; off: number; n: number }[] = [
        { shape: [], strides: [], off: 3, n: 5 },
        { shape: [7], strides: [1], off: 0, n: 7 },
        { shape: [5, 3], strides: [1, 5], off: 0, n: 15 },                 // transpose
        { shape: [4, 6, 5], strides: [30, 1, 6], off: 2, n: 4 * 30 + 2 },  // permute + offset
        { shape: [3, 4, 2], strides: [0, 2, 1], off: 1, n: 9 },            // broadcast dim
        { shape: [2, 1, 3], strides: [3, 0, 1], off: 0, n: 6 },
        { shape: [300, 257], strides: [1, 300], off: 0, n: 300 * 257 },    // large transpose
        { shape: [3, 17, 33], strides: [1200, 40, 1], off: 5, n: 3 * 1200 + 5 }, // narrowed rows
      ];
      for (const c of cases) {
        const what = `stridedCopy ${JSON.stringify(c.shape)} ${JSON.stringify(c.strides)} threads=${t}`;
        const src = randn32(c.n), a = new Float32Array(numel(c.shape) + 2).fill(9), b = new Float32Array(numel(c.shape) + 2).fill(9);
        nk.stridedCopy(src, c.off, c.shape, c.strides, a, 1);
        js.stridedCopy(src, c.off, c.shape, c.strides, b, 1);
        assert.deepEqual(a, b, what);
        const si = randint32(c.n, -50, 50), ai = new Int32Array(numel(c.shape)), bi = new Int32Array(numel(c.shape));
        nk.stridedCopy(si, c.off, c.shape, c.strides, ai, 0);
        js.stridedCopy(si, c.off, c.shape, c.strides, bi, 0);
        assert.deepEqual(ai, bi, `${what} int32`);
        const sd = Float64Array.from(randn32(c.n)), ad = new Float64Array(numel(c.shape)), bd = new Float64Array(numel(c.shape));
        nk.stridedCopy(sd, c.off, c.shape, c.strides, ad, 0);
        js.stridedCopy(sd, c.off, c.shape, c.strides, bd, 0);
        assert.deepEqual(ad, bd, `${what} float64`);
      }
    });
  });

  test('stridedAccumulate: stride-0 dims sum (expand backward), transposed and offset destinations; rtol 1e-6', () => {
    eachThreads(info, (t) => {
      const cases: { shape: number[]; strides: number[]; off: number; n: number }[] = [
        { shape: [4, 5], strides: [5, 1], off: 0, n: 20 },
        { shape: [4, 5], strides: [0, 1], off: 1, n: 6 },     // sum over dim 0
        { shape: [4, 5], strides: [1, 0], off: 0, n: 4 },     // sum over dim 1
        { shape: [3, 4, 5], strides: [0, 0, 0], off: 2, n: 3 }, // everything into one element
        { shape: [6, 7], strides: [1, 6], off: 0, n: 42 },
        { shape: [64, 130, 3], strides: [0, 3, 1], off: 0, n: 390 },
        { shape: [200, 300], strides: [300, 1], off: 0, n: 60000 },
      ];
      for (const c of cases) {
        const src = randn32(numel(c.shape)), dst = randn32(c.n), ref = f64(dst);
        nk.stridedAccumulate(src, c.shape, dst, c.off, c.strides);
        js.stridedAccumulate(f64(src), c.shape, ref, c.off, c.strides);
        close(dst, ref, 1e-6 * Math.sqrt(numel(c.shape)), 1e-6, `stridedAccumulate ${JSON.stringify(c)} threads=${t}`);
      }
    });
  });
});

const UNARY: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'relu', 'gelu', 'gelu_tanh', 'silu', 'pow', 'abs'];

/** inputs suited to each op: positive for log/sqrt/pow; wide range incl. tails for the activations */
function unaryInput(op: UnaryOp, n: number): Float32Array {
  if (op === 'log' || op === 'sqrt' || op === 'pow') return uniform32(n, 0.05, 6);
  if (op === 'exp') return uniform32(n, -80, 80);
  return uniform32(n, -12, 12);
}

nativeSuite('native elementwise', (nk, info) => {
  test('unary forward/backward, every op, sizes 1..33 and 100003 (SIMD tails); forward rtol 2e-6 + atol 1e-7, backward rtol 1e-5 + atol 1e-6', () => {
    eachThreads(info, (t) => {
      for (const op of UNARY) {
        for (const n of [1, 3, 7, 8, 9, 15, 16, 17, 33, 100003]) {
          for (const p of op === 'pow' ? [2, 3, -0.5, 0.7] : [0]) {
            const what = `unary ${op}(p=${p}) n=${n} threads=${t}`;
            const x = unaryInput(op, n), y = new Float32Array(n), ry = new Float64Array(n);
            nk.unaryForward(op, n, x, y, p);
            js.unaryForward(op, n, f64(x), ry, p);
            close(y, ry, 1e-7, 2e-6, `${what} forward`);
            const g = randn32(n), gx = randn32(n), rgx = f64(gx);
            nk.unaryBackward(op, n, x, y, g, gx, p);
            js.unaryBackward(op, n, f64(x), ry, f64(g), rgx, p);
            // backward reads the float32 forward output y, so e.g. 1 − y near saturation carries y's rounding
            close(gx, rgx, 1e-6, 1e-5, `${what} backward`);
          }
        }
      }
    });
  });

  test('unary special values: exp(±Inf, NaN), tanh/sigmoid saturate, relu(NaN) = 0 as the reference', () => {
    const x = Float32Array.from([Infinity, -Infinity, NaN, 0, -0, 89, -104, 1e-30, 88.7, -30, 30]);
    for (const op of ['exp', 'tanh', 'sigmoid', 'relu', 'neg', 'abs', 'silu'] as UnaryOp[]) {
      const y = new Float32Array(x.length), ry = new Float64Array(x.length);
      nk.unaryForward(op, x.length, x, y, 0);
      js.unaryForward(op, x.length, f64(x), ry, 0);
      close(y, Float32Array.from(ry), 1e-38, 2e-6, `special ${op}`);
    }
    // GELU at ±Infinity: x·Φ(x) gives +Inf and NaN (−Inf·0), as PyTorch; the JS reference's erf(±Inf)
    // is NaN, so the infinities are checked against their limits here instead
    const gx = Float32Array.from([Infinity, -Infinity, NaN, -30, 30, 0]), gy = new Float32Array(6);
    nk.unaryForward('gelu', 6, gx, gy, 0);
    assert.ok(gy[0] === Infinity && Number.isNaN(gy[1]) && Number.isNaN(gy[2]), `gelu(±Inf, NaN) = ${Array.from(gy.subarray(0, 3))}`);
    assert.ok(Object.is(gy[3], -0) || Math.abs(gy[3]!) < 1e-30, `gelu(-30) = ${gy[3]}`);
    assert.equal(gy[4], 30);
    assert.equal(gy[5], 0);
  });

  const BIN: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'];
  const SHAPES: [number[], number[]][] = [
    [[3, 4], [3, 4]], [[2, 3, 5], [5]], [[4, 1], [1, 3]], [[1], [2, 3]], [[2, 1, 3], [2, 4, 1]], [[], [3, 2]],
    [[17, 33], [33]], [[64, 130], [64, 1]], [[5, 1, 7, 9], [1, 6, 7, 1]], [[300, 257], [300, 257]],
  ];
  test('binary forward/backward with broadcasting (stride 0), every op; rtol 2e-6 (pow 1e-5)', () => {
    eachThreads(info, (t) => {
      for (const op of BIN) {
        for (const [sa, sb] of SHAPES) {
          const shape = sa.length >= sb.length ? [...sa] : [...sb];
          const off = shape.length - Math.min(sa.length, sb.length);
          const small = sa.length >= sb.length ? sb : sa;
          for (let d = 0; d < small.length; d++) shape[d + off] = Math.max(shape[d + off]!, small[d]!);
          const what = `binary ${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)} threads=${t}`;
          const a = op === 'pow' ? uniform32(numel(sa) + 1, 0.2, 3) : randn32(numel(sa) + 1);
          const b = op === 'div' ? uniform32(numel(sb) + 2, 0.5, 2) : op === 'pow' ? uniform32(numel(sb) + 2, -2, 2) : randn32(numel(sb) + 2);
          const aS = bcast(sa, shape), bS = bcast(sb, shape), n = numel(shape);
          const out = new Float32Array(n), ref = new Float64Array(n);
          nk.binaryForward(op, shape, a, 1, aS, b, 2, bS, out);
          js.binaryForward(op, shape, f64(a), 1, aS, f64(b), 2, bS, ref);
          const rt = op === 'pow' ? 1e-5 : 2e-6;
          close(out, ref, 1e-7, rt, `${what} forward`);
          const g = randn32(n), ga = randn32(numel(sa)), gb = randn32(numel(sb)), rga = f64(ga), rgb = f64(gb);
          const gaS = bcast(sa, shape), gbS = bcast(sb, shape);
          nk.binaryBackward(op, shape, a, 1, aS, b, 2, bS, g, ga, gaS, gb, gbS);
          js.binaryBackward(op, shape, f64(a), 1, aS, f64(b), 2, bS, f64(g), rga, gaS, rgb, gbS);
          close(ga, rga, 1e-6 * Math.sqrt(n), rt, `${what} ga`);
          close(gb, rgb, 1e-6 * Math.sqrt(n), rt, `${what} gb`);
        }
      }
      // a transposed (non-contiguous) operand and the same gradient buffer for both sides (x + x)
      const a = randn32(12), out = new Float32Array(12), ref = new Float64Array(12);
      nk.binaryForward('mul', [3, 4], a, 0, [1, 3], a, 0, [4, 1], out);
      js.binaryForward('mul', [3, 4], f64(a), 0, [1, 3], f64(a), 0, [4, 1], ref);
      close(out, ref, 0, 1e-7, 'binary on transposed view');
      const g = randn32(12), gx = randn32(12), rgx = f64(gx);
      nk.binaryBackward('add', [3, 4], a, 0, [4, 1], a, 0, [4, 1], g, gx, [4, 1], gx, [4, 1]);
      js.binaryBackward('add', [3, 4], f64(a), 0, [4, 1], f64(a), 0, [4, 1], f64(g), rgx, [4, 1], rgx, [4, 1]);
      close(gx, rgx, 1e-6, 1e-6, 'x + x accumulates twice');
    });
  });

  test('where forward/backward with broadcast condition and operands (exact forward)', () => {
    for (const [shape, cs, as, bs] of [
      [[4, 5], [4, 5], [4, 5], [4, 5]], [[3, 4], [1, 4], [3, 1], [4]], [[2, 3, 17], [2, 1, 17], [17], [2, 3, 17]], [[130, 70], [130, 1], [1], [130, 70]],
    ] as number[][][]) {
      const n = numel(shape!), cond = randint32(numel(cs!), 0, 2), a = randn32(numel(as!)), b = randn32(numel(bs!));
      const cS = bcast(cs!, shape!), aS = bcast(as!, shape!), bS = bcast(bs!, shape!);
      const out = new Float32Array(n), ref = new Float64Array(n);
      nk.whereForward(shape!, cond, 0, cS, a, 0, aS, b, 0, bS, out);
      js.whereForward(shape!, cond, 0, cS, f64(a), 0, aS, f64(b), 0, bS, ref);
      close(out, ref, 0, 0, `where ${JSON.stringify(shape)}`);
      const g = randn32(n), ga = randn32(numel(as!)), gb = randn32(numel(bs!)), rga = f64(ga), rgb = f64(gb);
      nk.whereBackward(shape!, cond, 0, cS, g, ga, aS, gb, bS);
      js.whereBackward(shape!, cond, 0, cS, f64(g), rga, aS, rgb, bS);
      close(ga, rga, 1e-6 * Math.sqrt(n), 1e-6, `where ga ${JSON.stringify(shape)}`);
      close(gb, rgb, 1e-6 * Math.sqrt(n), 1e-6, `where gb ${JSON.stringify(shape)}`);
    }
  });

  test('swiglu and rope forward/backward; rtol 2e-6', () => {
    eachThreads(info, (t) => {
      for (const n of [1, 7, 16, 17, 100001]) {
        const a = uniform32(n, -10, 10), b = randn32(n), out = new Float32Array(n), ref = new Float64Array(n);
        nk.swigluForward(n, a, b, out);
        js.swigluForward(n, f64(a), f64(b), ref);
        close(out, ref, 1e-7, 2e-6, `swiglu n=${n} threads=${t}`);
        const g = randn32(n), ga = randn32(n), gb = randn32(n), rga = f64(ga), rgb = f64(gb);
        nk.swigluBackward(n, a, b, g, ga, gb);
        js.swigluBackward(n, f64(a), f64(b), f64(g), rga, rgb);
        // silu'(a) = s(1 + a(1 − s)) cancels near a ≈ −1.28: the error scales with |b·g| (≤ ~10 here)
        close(ga, rga, 5e-6, 1e-5, `swiglu ga n=${n}`);
        close(gb, rgb, 1e-6, 4e-6, `swiglu gb n=${n}`);
      }
      for (const [R, T, HS] of [[1, 1, 2], [3, 5, 6], [2, 9, 34], [24, 77, 64], [4, 64, 128]]) {
        const h = HS! / 2, x = randn32(R! * T! * HS!), ang = uniform32(T! * h, -20, 20);
        const cos = Float32Array.from(ang, Math.cos), sin = Float32Array.from(ang, Math.sin);
        const out = new Float32Array(x.length), ref = new Float64Array(x.length);
        nk.ropeForward(R!, T!, HS!, x, cos, sin, out);
        js.ropeForward(R!, T!, HS!, f64(x), f64(cos), f64(sin), ref);
        close(out, ref, 1e-6, 1e-6, `rope ${R},${T},${HS} threads=${t}`);
        const g = randn32(x.length), gx = randn32(x.length), rgx = f64(gx);
        nk.ropeBackward(R!, T!, HS!, cos, sin, g, gx);
        js.ropeBackward(R!, T!, HS!, f64(cos), f64(sin), f64(g), rgx);
        close(gx, rgx, 1e-6, 1e-6, `rope backward ${R},${T},${HS}`);
      }
    });
  });
});

nativeSuite('native reductions and rows', (nk, info) => {
  test('reduce sum/max over (outer, R, inner), inner = 1 and > 1, NaN in max as the reference; argmax exact', () => {
    eachThreads(info, (t) => {
      for (const [o, R, i] of [[1, 1, 1], [3, 7, 1], [2, 5, 3], [1, 100003, 1], [17, 33, 9], [64, 1, 130], [5, 300, 257]]) {
        const x = randn32(o! * R! * i!);
        if (x.length > 20) x[13] = NaN;
        for (const op of ['sum', 'max'] as const) {
          const what = `reduce ${op} ${o},${R},${i} threads=${t}`;
          const out = new Float32Array(o! * i!), ref = new Float64Array(o! * i!);
          const am = op === 'max' ? new Int32Array(o! * i!) : null, ram = op === 'max' ? new Int32Array(o! * i!) : null;
          nk.reduceForward(op, o!, R!, i!, x, out, am);
          js.reduceForward(op, o!, R!, i!, f64(x), ref, ram);
          if (op === 'sum') {
            // fp32 summation error, probabilistic bound (Higham & Mary 2019): ≲ √R·2^-24·Σ|x| (strided sums run
            // in float lanes along R; a fixed atol of ~1e-6·√R failed for 2 of 5 other seeds at R = 300)
            const bound = new Float64Array(o! * i!);
            for (let a = 0; a < o!; a++) for (let c = 0; c < i!; c++) {
              let s = 0;
              for (let r = 0; r < R!; r++) s += Math.abs(x[(a * R! + r) * i! + c]!);
              bound[a * i! + c] = 1e-7 + Math.sqrt(R!) * 2 ** -24 * s;
            }
            closeBound(out, ref, bound, 1, `${what} forward`);
          } else close(out, ref, 0, 0, `${what} forward`);
          if (am) assert.deepEqual(am, ram, `${what} argmax`);
          const g = randn32(o! * i!), gx = randn32(x.length), rgx = f64(gx);
          nk.reduceBackward(op, o!, R!, i!, g, gx, am);
          js.reduceBackward(op, o!, R!, i!, f64(g), rgx, ram);
          close(gx, rgx, 1e-7, 1e-6, `${what} backward`);
        }
      }
    });
  });

  const ROWS: [number, number][] = [[1, 1], [3, 7], [5, 8], [4, 9], [17, 33], [64, 1000], [33, 768], [100, 65]];
  test('softmax / log_softmax forward and backward; -Inf entries; atol 1e-6, rtol 1e-5 (log backward: see bound)', () => {
    eachThreads(info, (t) => {
      for (const [N, C] of ROWS) {
        for (const log of [false, true]) {
          const x = randn32(N * C, 3);
          if (C > 2) { x[1] = -Infinity; x[C + 2] = -Infinity; }
          const y = new Float32Array(N * C), ry = new Float64Array(N * C);
          nk.softmaxForward(N, C, x, y, log);
          js.softmaxForward(N, C, f64(x), ry, log);
          close(y, ry, 1e-6, 1e-5, `softmax log=${log} ${N}x${C} threads=${t}`);
          const g = randn32(N * C), gx = randn32(N * C), rgx = f64(gx);
          nk.softmaxBackward(N, C, y, g, gx, log);
          js.softmaxBackward(N, C, ry, f64(g), rgx, log);
          if (!log) close(gx, rgx, 1e-5, 1e-5, `softmax backward log=${log} ${N}x${C}`);
          else {
            // gx = g − exp(y)·Σg reads the float32 y = x − lse, whose rounding (~1.2e-7·(|x| + |lse|)) is
            // amplified by p·|Σg|, and Σg itself is summed in float lanes (blocks of 64 adds; an absolute error of
            // order 2^-24·Σ|g| however small Σg is, amplified by p): |Δ| ≤ 1e-6·(1 + |g|) +
            // 1e-6·p·|Σg|·(1 + |x| + |lse|) (a few ulps of y) + p·2·2^-24·Σ|g|
            const bound = new Float64Array(N * C);
            for (let n = 0; n < N; n++) {
              let sg = 0, sag = 0, lse = 0;
              for (let c = 0; c < C; c++) { sg += g[n * C + c]!; sag += Math.abs(g[n * C + c]!); }
              for (let c = 0; c < C; c++) if (Number.isFinite(ry[n * C + c]!)) { lse = x[n * C + c]! - ry[n * C + c]!; break; }
              for (let c = 0; c < C; c++) {
                const i = n * C + c, p = Math.exp(ry[i]!);
                bound[i] = 1e-6 * (1 + Math.abs(g[i]!)) + (p === 0 ? 0 : 1e-6 * p * Math.abs(sg) * (1 + Math.abs(x[i]!) + Math.abs(lse)) + p * 2 * 2 ** -24 * sag);
              }
            }
            closeBound(gx, rgx, bound, 1, `softmax backward log=${log} ${N}x${C}`);
          }
        }
      }
    });
  });

  test('layer_norm and rms_norm forward/backward with and without affine, partial grads; atol 2e-5, rtol 1e-5', () => {
    eachThreads(info, (t) => {
      for (const [N, C] of [...ROWS, [300, 130] as [number, number]]) {
        for (const affine of [true, false]) {
          const what = `${N}x${C} affine=${affine} threads=${t}`;
          const x = randn32(N * C, 2, 0.5), w = affine ? randn32(C) : null, b = affine ? randn32(C) : null;
          const out = new Float32Array(N * C), mean = new Float32Array(N), rstd = new Float32Array(N);
          const rout = new Float64Array(N * C), rmean = new Float64Array(N), rrstd = new Float64Array(N);
          nk.layerNormForward(N, C, x, w, b, 1e-5, out, mean, rstd);
          js.layerNormForward(N, C, f64(x), w && f64(w), b && f64(b), 1e-5, rout, rmean, rrstd);
          close(out, rout, 2e-5, 1e-5, `layer_norm ${what}`);
          close(mean, rmean, 1e-6, 1e-5, `layer_norm mean ${what}`);
          close(rstd, rrstd, 1e-6, 1e-5, `layer_norm rstd ${what}`);
          const g = randn32(N * C);
          for (const mask of [7, 1, 6]) {
            const gx = mask & 1 ? randn32(N * C) : null, gw = mask & 2 && affine ? randn32(C) : null, gb = mask & 4 && affine ? randn32(C) : null;
            const rgx = gx && f64(gx), rgw = gw && f64(gw), rgb = gb && f64(gb);
            nk.layerNormBackward(N, C, x, w, mean, rstd, g, gx, gw, gb);
            js.layerNormBackward(N, C, f64(x), w && f64(w), rmean, rrstd, f64(g), rgx, rgw, rgb);
            if (gx) close(gx, rgx!, 2e-5, 1e-4, `layer_norm gx ${what}`);
            if (gw) close(gw, rgw!, 2e-5 * Math.sqrt(N), 1e-5, `layer_norm gw ${what}`);
            if (gb) close(gb, rgb!, 2e-5 * Math.sqrt(N), 1e-5, `layer_norm gb ${what}`);
          }
          const rs = new Float32Array(N), rrs = new Float64Array(N);
          nk.rmsNormForward(N, C, x, w, 1e-6, out, rs);
          js.rmsNormForward(N, C, f64(x), w && f64(w), 1e-6, rout, rrs);
          close(out, rout, 2e-5, 1e-5, `rms_norm ${what}`);
          close(rs, rrs, 1e-6, 1e-5, `rms_norm rstd ${what}`);
          const gx = randn32(N * C), gw = affine ? randn32(C) : null, rgx = f64(gx), rgw = gw && f64(gw);
          nk.rmsNormBackward(N, C, x, w, rs, g, gx, gw);
          js.rmsNormBackward(N, C, f64(x), w && f64(w), rrs, f64(g), rgx, rgw);
          close(gx, rgx, 2e-5, 1e-4, `rms_norm gx ${what}`);
          if (gw) close(gw, rgw!, 2e-5 * Math.sqrt(N), 1e-5, `rms_norm gw ${what}`);
        }
      }
    });
  });

  test('embedding gather (exact) and scatter-add with repeated ids', () => {
    eachThreads(info, (t) => {
      for (const [N, C, V] of [[1, 1, 1], [6, 3, 5], [37, 17, 4], [1000, 64, 50], [4096, 33, 3000]]) {
        const ids = randint32(N!, 0, V!), w = randn32(V! * C!), out = new Float32Array(N! * C!), ref = new Float64Array(N! * C!);
        nk.embeddingForward(N!, C!, ids, w, out);
        js.embeddingForward(N!, C!, ids, f64(w), ref);
        close(out, ref, 0, 0, `embedding ${N},${C},${V}`);
        const g = randn32(N! * C!), gw = randn32(V! * C!), rgw = f64(gw);
        nk.embeddingBackward(N!, C!, ids, g, gw);
        js.embeddingBackward(N!, C!, ids, f64(g), rgw);
        close(gw, rgw, 1e-6 * Math.sqrt(N!), 1e-6, `embedding backward ${N},${C},${V} threads=${t}`);
      }
    });
    assert.throws(() => nk.embeddingForward(1, 2, Int32Array.from([3]), new Float32Array(6), new Float32Array(2)), /id 3 is out of range \[0, 3\)/);
  });

  test('cross-entropy forward/backward with ignore index, V up to 50257; atol 2e-5, rtol 1e-5', () => {
    eachThreads(info, (t) => {
      for (const [N, V] of [[1, 1], [5, 4], [7, 17], [33, 1000], [6, 50257]]) {
        const x = randn32(N! * V!, 3), tg = randint32(N!, 0, V!);
        if (N! > 1) tg[1] = -100;
        const losses = new Float32Array(N!), lse = new Float32Array(N!), rl = new Float64Array(N!), rlse = new Float64Array(N!);
        nk.crossEntropyForward(N!, V!, x, tg, -100, losses, lse);
        js.crossEntropyForward(N!, V!, f64(x), tg, -100, rl, rlse);
        close(losses, rl, 2e-5, 1e-5, `cross_entropy ${N}x${V} threads=${t}`);
        close(lse, rlse, 2e-5, 1e-5, `cross_entropy lse ${N}x${V}`);
        const gl = randn32(N!), gx = randn32(N! * V!), rgx = f64(gx);
        nk.crossEntropyBackward(N!, V!, x, tg, -100, lse, gl, gx);
        js.crossEntropyBackward(N!, V!, f64(x), tg, -100, rlse, f64(gl), rgx);
        close(gx, rgx, 1e-6, 1e-5, `cross_entropy backward ${N}x${V}`);
      }
    });
    assert.throws(() => nk.crossEntropyForward(1, 3, new Float32Array(3), Int32Array.from([5]), -100, new Float32Array(1), new Float32Array(1)),
      /targets: id 5 is out of range \[0, 3\)/);
  });
});

nativeSuite('native optimizer', (nk, info) => {
  test('adamw (decay, bias correction, grad scale) over n = 1..1e6+3, sumSquares and scaleInPlace; rtol 2e-6 (+ atol, see below)', () => {
    eachThreads(info, (t) => {
      for (const n of [1, 7, 8, 9, 31, 1000, 1000003]) {
        for (const [lr, b1, b2, eps, wd, step, gs] of [[1e-3, 0.9, 0.999, 1e-8, 0.1, 1, 1], [6e-4, 0.9, 0.95, 1e-8, 0, 10, 0.5], [0.1, 0.8, 0.9, 1e-3, 0.01, 1000, 2]]) {
          const p = randn32(n), g = randn32(n), m = randn32(n, 0.1), v = uniform32(n, 0, 0.1);
          const rp = f64(p), rm = f64(m), rv = f64(v);
          nk.adamw(n, p, g, m, v, lr!, b1!, b2!, eps!, wd!, step!, gs!);
          js.adamw(n, rp, f64(g), rm, rv, lr!, b1!, b2!, eps!, wd!, step!, gs!);
          const what = `adamw n=${n} lr=${lr} step=${step} threads=${t}`;
          // β1, β2, lr, eps are float32 in the kernel (0.9f ≠ 0.9): m = β1·m + (1−β1)·g can cancel, so
          // the absolute error is relative to the terms' scale (|m|, |g| ≲ 5): atol 2e-7 on m
          close(p, rp, 2e-6 * lr!, 2e-6, `${what} p`);
          close(m, rm, 2e-7, 2e-6, `${what} m`);
          close(v, rv, 1e-9, 2e-6, `${what} v`);
        }
        const g = randn32(n);
        const s = nk.sumSquares(n, g), rs = js.sumSquares(n, f64(g));
        assert.ok(Math.abs(s - rs) <= 1e-12 * rs + 1e-30, `sumSquares n=${n}: ${s} vs ${rs}`);
        const x = randn32(n), rx = f64(x);
        nk.scaleInPlace(n, x, 0.37);
        js.scaleInPlace(n, rx, 0.37);
        close(x, rx, 0, 1e-7, `scaleInPlace n=${n}`);
      }
    });
  });
});
