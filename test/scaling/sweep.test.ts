// The sweep with a fake TrainFn whose loss follows a known law: plan shape, fitted exponents, resumability
// (finished runs are never re-run; a torn last line is ignored), and the parameter-count cross-check.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planSweep, runSweep, readResults, type TrainFn, type SweepOptions, type SweepEvent } from '../../src/scaling/sweep.js';
import { countParams } from '../../src/scaling/counts.js';
import { predictLoss, frontier, type LossLaw } from '../../src/scaling/chinchilla.js';
import { chinchillaGrid } from '../../src/scaling/fit.js';
import { assertAbs, assertRel } from './near.js';

// A law with exponents unlike Chinchilla's so that recovering them means something: a = β/(α+β) = 0.6.
const LAW: LossLaw = { E: 1.2, A: 60, B: 900, alpha: 0.3, beta: 0.45 };

function fakeTrainer(law: LossLaw, calls: string[], paramsDelta = 0): TrainFn {
  return async (spec) => {
    calls.push(`${spec.shape.n_layer}x${spec.shape.n_embd}:${spec.tokens}`);
    const N = countParams(spec.shape).params;
    assert.ok(spec.outDir.length > 0 && existsSync(spec.outDir), 'the run directory exists');
    assert.equal(spec.tokens, spec.iters! * spec.batchTokens!);
    return { valLoss: predictLoss(law, N, spec.tokens), tokens: spec.tokens, params: N + paramsDelta, flops: 6 * N * spec.tokens, seconds: 0.5 };
  };
}

function options(outDir: string): SweepOptions {
  return { budgets: [3e12, 3e13, 3e14], vocab_size: 65, block_size: 64, batchTokens: 8 * 64, outDir, seed: 0, spread: 2, sizesPerBudget: 4 };
}

test('planSweep: 3 budgets x 4 sizes, D = C/(6N) rounded to whole steps, sizes log-spaced around 20 tokens/param', () => {
  const { runs, dropped } = planSweep(options('/tmp/unused'));
  assert.equal(runs.length, 12);
  assert.deepEqual(dropped, []);
  for (const r of runs) {
    assert.equal(r.params, countParams(r.shape).params);
    assert.equal(r.tokens, r.iters * 512);
    assert.ok(Math.abs(r.tokens - r.budget / (6 * r.params)) <= 256, `${r.id}: tokens ${r.tokens} vs C/6N ${r.budget / (6 * r.params)}`);
    assert.equal(r.flops, 6 * r.params * r.tokens);
  }
  for (const C of [3e12, 3e13, 3e14]) {
    const fam = runs.filter((r) => r.budget === C).map((r) => r.params).sort((a, b) => a - b);
    assert.equal(new Set(fam).size, 4, `four distinct sizes at ${C}`);
    const centre = Math.sqrt(C / 120);
    assertRel(Math.sqrt(fam[1]! * fam[2]!), centre, 0.35, `family centre at ${C}`);
  }
  const fixed = planSweep({ ...options('/tmp/unused'), sizes: [2e5, 4e5, 8e5] });
  assert.equal(fixed.runs.length, 9);
});

test('runSweep: fits recover the law (Approach 2 a within 0.04, Approach 3 constants to 1%); resume re-runs nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmforge-sweep-'));
  try {
    const calls: string[] = [], events: SweepEvent[] = [];
    const opts = { ...options(dir), train: fakeTrainer(LAW, calls), onEvent: (e: SweepEvent) => events.push(e), report: { bootstraps3: 20, bootstraps2: 200, command: 'test' } };
    const res = await runSweep(opts);
    assert.equal(res.ran, 12);
    assert.equal(calls.length, 12);
    assert.equal(readResults(join(dir, 'results.jsonl')).length, 12);
    assert.equal(events.filter((e) => e.type === 'warn').length, 0);
    const a2 = res.report.json.approach2, a3 = res.report.json.approach3;
    assert.ok('params' in a2 && 'law' in a3);
    const fr = frontier(LAW);
    // IsoFLOP minima from 4 sizes spaced 2x with shape rounding: the parabola vertex is within 0.04 of the law's a
    assertAbs(a2.params.exponent, fr.a, 0.04, 'Approach 2 a');
    assertAbs(a2.tokens.exponent, fr.b, 0.04, 'Approach 2 b');
    // the fake's losses follow the law exactly, so Approach 3 recovers its constants
    for (const k of ['E', 'alpha', 'beta'] as const) assertRel(a3.law[k], LAW[k], 0.01, `Approach 3 ${k}`);
    assertAbs(a3.frontier.a, fr.a, 0.005, 'Approach 3 a');
    for (const f of ['report.md', 'report.json', 'loss_vs_flops.svg', 'isoflop.svg', 'frontier.svg', 'sweep.json']) assert.ok(existsSync(join(dir, f)), f);

    // resume: everything recorded, nothing trains
    const calls2: string[] = [];
    const quick = { ...opts.report, starts3: chinchillaGrid().filter((_, i) => i % 15 === 0), bootstraps3: 0, bootstraps2: 0 };
    const res2 = await runSweep({ ...opts, train: fakeTrainer(LAW, calls2), report: quick });
    assert.equal(calls2.length, 0);
    assert.equal(res2.skipped, 12);
    assert.equal(res2.records.length, 12);

    // crash mid-sweep: keep 5 finished runs and a torn line; only the 7 others train
    const lines = readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'results.jsonl'), lines.slice(0, 5).join('\n') + '\n' + lines[5]!.slice(0, 40));
    const calls3: string[] = [], ev3: SweepEvent[] = [];
    const res3 = await runSweep({ ...opts, train: fakeTrainer(LAW, calls3), onEvent: (e) => ev3.push(e), report: quick });
    assert.equal(calls3.length, 7);
    assert.equal(res3.ran, 7);
    assert.equal(res3.skipped, 5);
    assert.equal(ev3.filter((e) => e.type === 'warn' && /unreadable line/.test(e.message)).length, 1);
    assert.equal(new Set(res3.records.map((r) => r.id)).size, 12);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runSweep warns when the trainer counts parameters differently from scaling/counts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmforge-sweep-'));
  try {
    const warns: string[] = [];
    await runSweep({ ...options(dir), budgets: [3e12, 3e13], train: fakeTrainer(LAW, [], 1),
      report: { bootstraps3: 0, bootstraps2: 0, starts3: chinchillaGrid().filter((_, i) => i % 15 === 0) },
      onEvent: (e) => { if (e.type === 'warn') warns.push(e.message); } });
    assert.equal(warns.length, 8);
    assert.match(warns[0]!, /trainer reports \d+ parameters, scaling\/counts says \d+/);
    const rec = readResults(join(dir, 'results.jsonl'))[0]!;
    assert.equal(rec.params, rec.counted_params + 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runSweep rejects an invalid loss from the trainer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmforge-sweep-'));
  try {
    const bad: TrainFn = async (s) => ({ valLoss: NaN, tokens: s.tokens, params: 1, flops: 1, seconds: 1 });
    await assert.rejects(runSweep({ ...options(dir), train: bad }), /returned an invalid valLoss NaN/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
