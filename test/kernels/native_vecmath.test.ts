// Accuracy of the native fp32 vector math (csrc/simd.h, csrc/piecewise.h) against double precision on dense
// grids: exp, tanh, sigmoid, silu within a few ulps; GELU (erf form x·Φ(x), tanh form x·σ(2u)) with Φ and σ(2u)
// by piecewise polynomials on [−3.5, 4.5] (Numerical Recipes' erfc fit and exp outside) within the stated
// relative bounds; GELU' of both forms (piecewise polynomials on [−3.5, 4.5]; exp and erfc outside) within an
// absolute bound. The measured maxima are printed as diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UnaryOp } from '../../src/kernels/abi.js';
import { erf } from '../../src/kernels/js/elementwise.js';
import { nativeSuite } from './parity_util.js';

const ULP = 2 ** -24; // half an fp32 ulp, relative: max error in these units ≈ ulps
const SQ2PI = Math.sqrt(2 / Math.PI);
const REF: Record<string, (x: number) => number> = {
  exp: Math.exp,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  silu: (x) => x / (1 + Math.exp(-x)),
  gelu: (x) => (x >= 0 ? 0.5 * x * (1 + erf(x / Math.SQRT2)) : 0.5 * x * (1 - erf(-x / Math.SQRT2))),
  // 0.5x(1 + tanh u) = x·σ(2u): the double reference in the form without cancellation
  gelu_tanh: (x) => x / (1 + Math.exp(-2 * SQ2PI * (x + 0.044715 * x * x * x))),
};

/** [op, lo, hi, max relative error allowed, ignore |ref| below] */
const CASES: [UnaryOp, number, number, number, number][] = [
  ['exp', -87, 88, 4 * ULP, 0],
  ['tanh', -10, 10, 4 * ULP, 0],
  ['sigmoid', -80, 80, 5 * ULP, 0],
  ['silu', -80, 80, 6 * ULP, 1e-30],
  ['gelu', -2, 2, 3e-6, 0],          // PyTorch 1.13's A&S 7.1.26 erf: 3.8e-6 here, 4.9e-2 on [−5, 5]
  ['gelu', -3.5, 4.5, 1e-6, 0],      // the piecewise polynomials' range: 1.5e-7 (16 intervals), 7e-7 (AVX2's 8)
  ['gelu', -5, 5, 4e-6, 0],          // x·Φ(x); the negative tail's exp(−x²/2) argument is rounded
  ['gelu_tanh', -2, 2, 3e-6, 0],
  ['gelu_tanh', -3.5, 4.5, 1e-6, 0], // the piecewise polynomials' range: 1.7e-7 (16 intervals), 8.7e-7 (AVX2's 8)
  ['gelu_tanh', -5, 5, 5e-6, 0],
  ['gelu', -6, 10, 1e-5, 0],        // below −6 the double reference 1 − erf(−x/√2) itself loses digits
  ['gelu_tanh', -10, 10, 3e-5, 1e-30],
];

/** GELU'(x) = Φ(x) + x·φ(x) in double, Φ without cancellation in the negative tail */
const geluDeriv = (x: number) => (x >= 0 ? 0.5 * (1 + erf(x / Math.SQRT2)) : 0.5 * (1 - erf(-x / Math.SQRT2))) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
/** d/dx x·σ(2u) = s + 2x·s(1 − s)·u', s = σ(2u), u = √(2/π)(x + 0.044715x³), in double */
const geluTanhDeriv = (x: number) => {
  const u = SQ2PI * (x + 0.044715 * x * x * x), s = 1 / (1 + Math.exp(-2 * u)), oms = 1 / (1 + Math.exp(2 * u));
  return s + 2 * x * s * oms * SQ2PI * (1 + 3 * 0.044715 * x * x);
};

nativeSuite('native vector math', (nk) => {
  for (const [op, ref] of [['gelu', geluDeriv], ['gelu_tanh', geluTanhDeriv]] as const) {
    test(`${op}' (backward with g = 1) vs double: |error| ≤ 5e-7 on [−3.5, 4.5] (the piecewise polynomials) and [−8, 8]`, (t) => {
      // absolute error: GELU' crosses 0 at x ≈ −0.75, so no relative bound holds there
      for (const [lo, hi] of [[-3.5, 4.5], [-8, 8]] as const) {
        const n = 200001, x = new Float32Array(n);
        for (let i = 0; i < n; i++) x[i] = lo + (hi - lo) * i / (n - 1);
        const y = new Float32Array(n), g = new Float32Array(n).fill(1), d = new Float32Array(n);
        nk.unaryForward(op, n, x, y, 0);
        nk.unaryBackward(op, n, x, y, g, d, 0, true);
        let worst = 0, at = 0;
        for (let i = 0; i < n; i++) {
          const e = Math.abs(d[i]! - ref(x[i]!));
          if (!(e <= worst)) { worst = e; at = x[i]!; }
        }
        t.diagnostic(`${op}' on [${lo}, ${hi}]: max |error| ${worst.toExponential(2)} at x = ${at}`);
        assert.ok(worst <= 5e-7, `${op}' on [${lo}, ${hi}]: max |error| ${worst} at x = ${at}`);
      }
    });
  }

  test('fp32 vector math vs double: exp/tanh/sigmoid/silu ≤ 4-6 ulp, gelu forms ≤ 4e-6 rel on [-5, 5]', (t) => {
    const n = 200001;
    for (const [op, lo, hi, tol, floor] of CASES) {
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = lo + (hi - lo) * i / (n - 1);
      const y = new Float32Array(n);
      nk.unaryForward(op, n, x, y, 0);
      let worst = 0, at = 0;
      for (let i = 0; i < n; i++) {
        const r = REF[op]!(x[i]!);
        if (Math.abs(r) <= floor) continue;
        const e = Math.abs(y[i]! - r) / Math.abs(r);
        if (e > worst) { worst = e; at = x[i]!; }
      }
      t.diagnostic(`${op} on [${lo}, ${hi}]: max rel error ${worst.toExponential(2)} (${(worst / ULP).toFixed(1)} × 2^-24) at x = ${at}`);
      assert.ok(worst <= tol, `${op} on [${lo}, ${hi}]: max rel error ${worst} at x = ${at} exceeds ${tol}`);
    }
  });
});
