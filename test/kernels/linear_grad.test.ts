// linear's input gradient: the first gradient to reach x is written into an uninitialised buffer
// (linearBackward with gxOverwrite: never reads gx), later ones accumulate. Checked on every backend:
// x feeding two linears (overwrite, then accumulate) against gradients computed by hand (float32:
// |Δ| ≤ 1e-5 + 1e-5·|ref|), a float64 gradcheck, and native vs JS with a NaN-filled gx (overwrite must
// not read it; |Δ| ≤ 2e-5·√OUT + 1e-5·|ref|).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randn } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/rng.js';
import { gradcheck } from '../../src/autograd/gradcheck.js';
import * as F from '../../src/ops/index.js';
import { availableBackends, currentBackend, setBackend } from '../../src/kernels/backend.js';
import { assertClose } from '../helpers/assert.js';
import { close, eachThreads, f64, js, nativeSuite, randn32 } from './parity_util.js';

const rng = new Rng(11);

for (const backend of availableBackends()) {
  test(`x used by two linears: first gradient overwrites, second accumulates (${backend})`, () => {
    const prev = currentBackend();
    setBackend(backend);
    try {
      const N = 7, IN = 5, OUT = 3;
      const x = randn([N, IN], { rng }).requiresGrad_();
      const w1 = randn([OUT, IN], { rng }), w2 = randn([OUT, IN], { rng }), b = randn([OUT], { rng }).requiresGrad_();
      const g1 = randn([N, OUT], { rng }), g2 = randn([N, OUT], { rng });
      const loss = F.add(F.sum(F.mul(F.linear(x, w1, b), g1)), F.sum(F.mul(F.linear(x, w2), g2)));
      loss.backward();
      // dL/dx = g1·w1 + g2·w2, dL/db = Σ_rows g1
      const ex = new Float64Array(N * IN), eb = new Float64Array(OUT);
      const G1 = g1.toArray(), G2 = g2.toArray(), W1 = w1.toArray(), W2 = w2.toArray();
      for (let n = 0; n < N; n++) for (let i = 0; i < IN; i++) for (let o = 0; o < OUT; o++) {
        ex[n * IN + i] += G1[n * OUT + o]! * W1[o * IN + i]! + G2[n * OUT + o]! * W2[o * IN + i]!;
      }
      for (let n = 0; n < N; n++) for (let o = 0; o < OUT; o++) eb[o] += G1[n * OUT + o]!;
      assertClose(x.grad!.toArray(), ex, 1e-5, 1e-5, `${backend} dx`);
      assertClose(b.grad!.toArray(), eb, 1e-5, 1e-5, `${backend} db`);
    } finally {
      setBackend(prev);
    }
  });
}

test('linear with a shared input passes a float64 gradcheck', () => {
  const x = randn([4, 3], { dtype: 'float64', rng }).requiresGrad_();
  const w = randn([2, 3], { dtype: 'float64', rng }).requiresGrad_();
  const v = randn([2, 2], { dtype: 'float64', rng }).requiresGrad_();
  // x and w each feed two linears; the hidden (4, 2) result feeds a third
  const r = gradcheck((a, b, c) => { const h = F.linear(a, b); return F.add(F.linear(h, c), F.add(h, F.linear(a, b))); }, [x, w, v]);
  assert.ok(r.ok, `${r.failure} (max |diff| ${r.maxAbsDiff})`);
});

nativeSuite('native linear gxOverwrite', (nk, info) => {
  test('linearBackward with gxOverwrite ignores the NaN in gx and equals the reference; gw, gb still accumulate', () => {
    eachThreads(info, (t) => {
      for (const [N, IN, OUT] of [[1, 1, 1], [5, 7, 3], [300, 130, 200]] as const) {
        const x = randn32(N * IN), w = randn32(OUT * IN, 0.2), g = randn32(N * OUT);
        const gx = new Float32Array(N * IN).fill(NaN), gw = randn32(OUT * IN), gb = randn32(OUT);
        const rgx = new Float64Array(N * IN).fill(NaN), rgw = f64(gw), rgb = f64(gb);
        nk.linearBackward(x, w, g, gx, gw, gb, N, IN, OUT, true);
        js.linearBackward(f64(x), f64(w), f64(g), rgx, rgw, rgb, N, IN, OUT, true);
        const what = `N=${N} IN=${IN} OUT=${OUT} threads=${t}`;
        close(gx, rgx, 2e-5 * Math.sqrt(OUT), 1e-5, `${what} gx`);
        close(gw, rgw, 2e-5 * Math.sqrt(N), 1e-5, `${what} gw`);
        close(gb, rgb, 2e-5 * Math.sqrt(N), 1e-5, `${what} gb`);
      }
    });
  });
});
