// Approach 2: IsoFLOP parabola minima and the power laws N_opt ∝ C^a, D_opt ∝ C^b recover known exponents.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fitApproach2, fitParabola, isoMinimum, type IsoRun } from '../../src/scaling/isoflop.js';
import { LAWS, frontier, predictLoss } from '../../src/scaling/chinchilla.js';
import { Rng } from '../../src/tensor/rng.js';
import { assertAbs, assertRel } from './near.js';

const BUDGETS = [1e17, 1e18, 1e19, 1e20];

test('parabola fit is exact on a parabola', () => {
  const u = [-2, -1, 0, 1.5, 3], c = fitParabola(u, u.map((x) => 2 - 0.5 * x + 0.25 * x * x));
  assertAbs(c[0], 2, 1e-12, 'c0');
  assertAbs(c[1], -0.5, 1e-12, 'c1');
  assertAbs(c[2], 0.25, 1e-12, 'c2');
});

test('exactly parabolic profiles with N_opt = k·C^0.52: a, k and b = 1 - a recovered to 1e-9', () => {
  const a = 0.52, k = 0.08, runs: IsoRun[] = [];
  for (const C of BUDGETS) {
    const Nopt = k * Math.pow(C, a);
    for (const f of [0.3, 0.7, 1.6, 3.1]) { // asymmetric sizes: the vertex is still exact
      const N = Nopt * f;
      runs.push({ budget: C, params: N, loss: 2.5 + 0.04 * Math.log(f) ** 2 - 0.1 * Math.log10(C) });
    }
  }
  const fit = fitApproach2(runs, { bootstraps: 0 });
  assertAbs(fit.params.exponent, a, 1e-9, 'a');
  assertRel(fit.params.coefficient, k, 1e-9, 'k');
  assertAbs(fit.tokens.exponent, 1 - a, 1e-9, 'b');
  assertRel(fit.tokens.coefficient, 1 / (6 * k), 1e-9, 'D coefficient');
  for (const m of fit.minima) assert.equal(m.extrapolated, false);
});

test('profiles from the Epoch law: a within 0.01 of β/(α+β) (sizes centred 2x off the optimum)', () => {
  const law = LAWS.epoch, fr = frontier(law), runs: IsoRun[] = [];
  for (const C of BUDGETS) {
    const centre = 2 * fr.G * Math.pow(C / 6, fr.a);
    for (let i = 0; i < 5; i++) {
      const N = centre * Math.pow(2, i - 2);
      runs.push({ budget: C, params: N, loss: predictLoss(law, N, C / (6 * N)) });
    }
  }
  const fit = fitApproach2(runs, { bootstraps: 0 });
  assertAbs(fit.params.exponent, fr.a, 0.01, 'a');
  assertAbs(fit.tokens.exponent, fr.b, 0.01, 'b');
  for (const m of fit.minima) assertRel(m.params_opt, fr.G * Math.pow(m.budget / 6, fr.a), 0.06, `N_opt at ${m.budget}`);
});

test('noisy profiles (σ = 0.003 nats): exponent within 0.05 and the 95% bootstrap interval covers the truth', () => {
  const law = LAWS['hoffmann-unrounded'], fr = frontier(law), rng = new Rng(7), runs: IsoRun[] = [];
  for (const C of BUDGETS) {
    const centre = fr.G * Math.pow(C / 6, fr.a);
    for (let i = 0; i < 6; i++) {
      const N = centre * Math.pow(2, i - 2.5);
      runs.push({ budget: C, params: N, loss: predictLoss(law, N, C / (6 * N)) + 0.003 * rng.normal() });
    }
  }
  const fit = fitApproach2(runs, { bootstraps: 1000, seed: 3 });
  assertAbs(fit.params.exponent, fr.a, 0.05, 'a');
  const ci = fit.params.ci!;
  assert.ok(ci.lo <= fr.a && fr.a <= ci.hi, `a = ${fr.a} outside (${ci.lo}, ${ci.hi})`);
  assert.ok(ci.hi - ci.lo > 0.005, `interval width ${ci.hi - ci.lo}`);
  assertAbs(fit.params.exponent + fit.tokens.exponent, 1, 1e-12, 'a + b');
  // the pooled residual s.d. holds the noise plus the parabola's misfit to the true (non-parabolic) profile
  assert.ok(fit.sigma > 0.0015 && fit.sigma < 0.006, `pooled residual s.d. ${fit.sigma}`);
  assert.equal(fit.bootstraps, 1000);
});

test('a concave profile falls back to the best run and says so', () => {
  const sizes = [1e6, 2e6, 4e6, 8e6];
  const concave = sizes.map((N) => ({ budget: 1e15, params: N, loss: 3 - 0.01 * Math.log(N / 2.5e6) ** 2 }));
  const m = isoMinimum(1e15, concave);
  assert.equal(m.convex, false);
  assert.equal(m.params_opt, 8e6); // the lowest loss of a downward parabola sits at an end
  assert.equal(m.tokens_opt, 1e15 / (6 * 8e6));
  const convex = sizes.map((N) => ({ budget: 1e15, params: N, loss: 3 + 0.01 * Math.log(N / 2.5e6) ** 2 }));
  const m2 = isoMinimum(1e15, convex);
  assert.equal(m2.convex, true);
  assertRel(m2.params_opt, 2.5e6, 1e-12, 'vertex');
  assert.equal(m2.extrapolated, false);
  const m3 = isoMinimum(1e15, sizes.map((N) => ({ budget: 1e15, params: N, loss: 3 + 0.01 * Math.log(N / 2e7) ** 2 })));
  assert.equal(m3.extrapolated, true);
});

test('Approach 2 input errors name the problem', () => {
  assert.throws(() => fitApproach2([{ budget: 1e15, params: 1e6, loss: 3 }]), /at least 2 compute budgets/);
  const two = [1e15, 1e16].flatMap((C) => [1e6, 2e6].map((N) => ({ budget: C, params: N, loss: 3 })));
  assert.throws(() => fitApproach2(two), /fewer than 3 distinct model sizes/);
});
