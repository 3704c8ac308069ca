// The report: Markdown with the fitted exponents and the comparison table, JSON with both fits, and SVGs
// whose marks match the runs (one circle per run in the IsoFLOP plot's scatter series).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, writeReport, type RunResult } from '../../src/scaling/report.js';
import { lineChart, xml } from '../../src/scaling/svg.js';
import { LAWS, predictLoss } from '../../src/scaling/chinchilla.js';
import { chinchillaGrid } from '../../src/scaling/fit.js';

function runs(): RunResult[] {
  const out: RunResult[] = [];
  for (const C of [1e15, 1e16, 1e17]) for (const f of [0.25, 0.5, 1, 2, 4]) {
    const N = f * Math.sqrt(C / 120), D = C / (6 * N);
    out.push({ budget: C, params: Math.round(N), tokens: Math.round(D), flops: C, loss: predictLoss(LAWS.epoch, N, D), n_layer: 2, n_embd: Math.round(N / 1000), seconds: 3 });
  }
  return out;
}

test('buildReport: Markdown carries the exponents, intervals and Chinchilla comparison', () => {
  const rep = buildReport(runs(), { command: 'lmforge scaling sweep --budgets 1e15,1e16,1e17', bootstraps2: 100, bootstraps3: 10, starts3: chinchillaGrid().filter((_, i) => i % 10 === 0) });
  const md = rep.markdown;
  assert.match(md, /lmforge scaling sweep --budgets 1e15,1e16,1e17/);
  assert.match(md, /15 runs over 3 compute budgets/);
  const a2 = rep.json.approach2;
  assert.ok('params' in a2, 'approach 2 fitted');
  assert.ok(md.includes(`**N_opt ∝ C^a: a = ${a2.params.exponent.toFixed(3)}**`), 'Approach 2 exponent in the text');
  assert.match(md, /\| Chinchilla Approach 2 \| 0\.49 \(0\.462–0\.534\) \| 0\.51 \(0\.483–0\.529\) \|/);
  assert.match(md, /\| Kaplan et al\. 2020 \| 0\.73 \| 0\.27 \|/);
  const a3 = rep.json.approach3;
  assert.ok('law' in a3, 'approach 3 fitted');
  assert.ok(md.includes(`| α | ${a3.law.alpha.toFixed(3)}`), 'alpha row');
  assert.equal(rep.json.runs.length, 15);
});

test('buildReport: a fit that cannot run is reported, not thrown', () => {
  const two = runs().filter((r) => r.budget === 1e15).slice(0, 3);
  const rep = buildReport(two, { bootstraps2: 0, bootstraps3: 0 });
  assert.ok('error' in rep.json.approach2 && /at least 2 compute budgets/.test(rep.json.approach2.error));
  assert.ok('error' in rep.json.approach3 && /at least 5 points/.test(rep.json.approach3.error));
  assert.match(rep.markdown, /Not fitted: scaling\/isoflop: Approach 2 needs at least 2 compute budgets/);
});

test('SVG plots: one marker per run in the IsoFLOP scatter; valid standalone documents', () => {
  const rep = buildReport(runs(), { bootstraps2: 0, bootstraps3: 0, starts3: chinchillaGrid().filter((_, i) => i % 30 === 0) });
  for (const svg of Object.values(rep.svgs)) {
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.ok(!/NaN|undefined/.test(svg), 'no NaN coordinates');
  }
  // IsoFLOP: 15 run markers + 3 minima
  assert.equal((rep.svgs['isoflop.svg'].match(/<circle /g) ?? []).length, 15 + 3);
  // loss vs FLOPs: one marker per run
  assert.equal((rep.svgs['loss_vs_flops.svg'].match(/<circle /g) ?? []).length, 15);
});

test('lineChart maps log axes linearly in log space and escapes text', () => {
  const svg = lineChart({ title: 'a<b & c', xLabel: 'x', yLabel: 'y', xLog: true, yLog: true, width: 400, height: 300,
    series: [{ name: 's', mode: 'markers', points: [[1, 1], [10, 10], [100, 100]] }] });
  assert.match(svg, /a&lt;b &amp; c/);
  const cs = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.equal(cs.length, 3);
  // equal steps in log10 give equal pixel steps (to the 0.1 px rounding)
  assert.ok(Math.abs((cs[1]![0]! - cs[0]![0]!) - (cs[2]![0]! - cs[1]![0]!)) <= 0.2, `x steps ${JSON.stringify(cs)}`);
  assert.ok(Math.abs((cs[0]![1]! - cs[1]![1]!) - (cs[1]![1]! - cs[2]![1]!)) <= 0.2, `y steps ${JSON.stringify(cs)}`);
  assert.equal(xml('"<&>"'), '&quot;&lt;&amp;&gt;&quot;');
});

test('writeReport writes the five files with the report contents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmforge-report-'));
  try {
    const rep = buildReport(runs(), { bootstraps2: 0, bootstraps3: 0, starts3: chinchillaGrid().filter((_, i) => i % 30 === 0) });
    const files = writeReport(dir, rep);
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)).sort(), ['frontier.svg', 'isoflop.svg', 'loss_vs_flops.svg', 'report.json', 'report.md']);
    const j = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    assert.equal(j.version, 1);
    assert.equal(j.runs.length, 15);
    assert.equal(j.approach2.params.exponent, (rep.json.approach2 as { params: { exponent: number } }).params.exponent);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
