// The scaling report: from a list of finished runs, fit Approach 2 (IsoFLOP minima) and Approach 3 (parametric
// law), and write report.md + report.json + three SVG plots (loss vs FLOPs per size, IsoFLOP curves, frontier),
// comparing the exponents with Chinchilla Table 2 and the Epoch refit (FACTS §1.1-1.2).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitApproach2, type Approach2Fit } from './isoflop.js';
import { fitApproach3, type Approach3Fit } from './fit.js';
import { frontier, LAWS, predictLoss } from './chinchilla.js';
import { lineChart, type Series } from './svg.js';
import { commas, duration, exp, si } from './format.js';
import type { Interval } from './bootstrap.js';

/** One finished training run, as recorded by the sweep. */
export interface RunResult {
  id?: string;
  /** The IsoFLOP family's nominal compute. */
  budget: number;
  params: number;
  non_embedding_params?: number;
  tokens: number;
  /** Compute actually spent, 6·params·tokens. */
  flops: number;
  loss: number;
  n_layer?: number;
  n_embd?: number;
  n_head?: number;
  seconds?: number;
  seed?: number;
}

/** Report options. */
export interface ReportOptions {
  title?: string;
  /** The command that produced the runs, printed in the report. */
  command?: string;
  /** Bootstrap resamples: Approach 3 (default 200), Approach 2 (default 1000). */
  bootstraps3?: number;
  bootstraps2?: number;
  seed?: number;
  /** Approach 3 starting grid override (default Chinchilla's 4,500 starts). */
  starts3?: number[][];
  notes?: string[];
}

/** What `buildReport` returns; `writeReport` puts it on disk. */
export interface ScalingReport {
  markdown: string;
  json: {
    version: 1;
    title: string;
    command?: string;
    runs: RunResult[];
    approach2: Approach2Fit | { error: string };
    approach3: Approach3Fit | { error: string };
    reference: typeof REFERENCE;
  };
  svgs: Record<'loss_vs_flops.svg' | 'isoflop.svg' | 'frontier.svg', string>;
}

/** Chinchilla Table 2 (N_opt ∝ C^a, D_opt ∝ C^b) and the Epoch refit's implied exponents. */
export const REFERENCE = {
  chinchilla_approach1: { a: 0.5, a_ci: [0.488, 0.502], b: 0.5, b_ci: [0.501, 0.512] },
  chinchilla_approach2: { a: 0.49, a_ci: [0.462, 0.534], b: 0.51, b_ci: [0.483, 0.529] },
  chinchilla_approach3: { a: 0.46, a_ci: [0.454, 0.455], b: 0.54, b_ci: [0.542, 0.543] },
  kaplan: { a: 0.73, b: 0.27 },
  epoch_refit: { a: frontier(LAWS.epoch).a, b: frontier(LAWS.epoch).b, alpha: LAWS.epoch.alpha, beta: LAWS.epoch.beta, E: LAWS.epoch.E, A: LAWS.epoch.A, B: LAWS.epoch.B },
  hoffmann: { alpha: LAWS['hoffmann-unrounded'].alpha, beta: LAWS['hoffmann-unrounded'].beta, E: LAWS['hoffmann-unrounded'].E, A: LAWS['hoffmann-unrounded'].A, B: LAWS['hoffmann-unrounded'].B },
} as const;

const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : String(v));
const ci = (c: Interval | undefined, d = 3): string => (c ? `(${c.lo.toFixed(d)}–${c.hi.toFixed(d)})` : '(no interval)');

function shapeKey(r: RunResult): string {
  return r.n_layer !== undefined && r.n_embd !== undefined ? `${r.n_layer}x${r.n_embd}` : si(r.params);
}

function logspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => a * Math.pow(b / a, i / (n - 1)));
}

/**
 * Fit and render the report (pure: no files).
 *
 * @example const rep = buildReport(runs, { command: 'lmforge scaling sweep ...' }); rep.markdown
 */
export function buildReport(runs: readonly RunResult[], opts: ReportOptions = {}): ScalingReport {
  const title = opts.title ?? 'Scaling sweep report';
  const seed = opts.seed ?? 0;
  let a2: Approach2Fit | { error: string };
  let a3: Approach3Fit | { error: string };
  try { a2 = fitApproach2(runs, { bootstraps: opts.bootstraps2 ?? 1000, seed }); } catch (e) { a2 = { error: (e as Error).message }; }
  try { a3 = fitApproach3(runs, { bootstraps: opts.bootstraps3 ?? 200, seed, ...(opts.starts3 ? { starts: opts.starts3 } : {}) }); } catch (e) { a3 = { error: (e as Error).message }; }
  const json: ScalingReport['json'] = { version: 1, title, ...(opts.command ? { command: opts.command } : {}), runs: [...runs], approach2: a2, approach3: a3, reference: REFERENCE };
  const svgs = plots(runs, a2, a3);
  return { markdown: markdown(title, runs, a2, a3, opts), json, svgs };
}

function plots(runs: readonly RunResult[], a2: Approach2Fit | { error: string }, a3: Approach3Fit | { error: string }): ScalingReport['svgs'] {
  const byShape = new Map<string, RunResult[]>();
  for (const r of [...runs].sort((p, q) => p.params - q.params)) byShape.set(shapeKey(r), [...(byShape.get(shapeKey(r)) ?? []), r]);
  const lossSeries: Series[] = [...byShape.entries()].map(([k, rs]) => ({
    name: `${k} (${si(rs[0]!.params)})`, points: rs.sort((p, q) => p.flops - q.flops).map((r) => [r.flops, r.loss] as [number, number]),
  }));
  const fl = runs.map((r) => r.flops);
  if ('law' in a3 && runs.length) {
    const Cs = logspace(Math.min(...fl), Math.max(...fl), 40), { G, a, b } = a3.frontier;
    lossSeries.push({ name: 'Approach 3 optimum', dashed: true, mode: 'line', color: '#000',
      points: Cs.map((C) => [C, predictLoss(a3.law, G * (C / 6) ** a, (C / 6) ** b / G)] as [number, number]) });
  }
  const iso: Series[] = [];
  if ('minima' in a2) {
    a2.minima.forEach((m, i) => {
      const rs = runs.filter((r) => r.budget === m.budget).sort((p, q) => p.params - q.params);
      const color = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'][i % 8]!;
      iso.push({ name: `C = ${exp(m.budget)}`, color, mode: 'markers', points: rs.map((r) => [r.params, r.loss] as [number, number]) });
      const lo = Math.min(rs[0]!.params, m.params_opt) / 1.2, hi = Math.max(rs[rs.length - 1]!.params, m.params_opt) * 1.2;
      iso.push({ name: `parabola ${exp(m.budget, 1)}`, color, mode: 'line', points: logspace(lo, hi, 40).map((N) => {
        const u = Math.log(N) - m.u0;
        return [N, m.coeffs[0] + m.coeffs[1] * u + m.coeffs[2] * u * u] as [number, number];
      }) });
    });
    iso.push({ name: 'minima', color: '#000', mode: 'markers', points: a2.minima.map((m) => [m.params_opt, m.loss_opt] as [number, number]) });
  } else {
    iso.push({ name: 'runs', mode: 'markers', points: runs.map((r) => [r.params, r.loss] as [number, number]) });
  }
  const fr: Series[] = [];
  const Cr = runs.length ? logspace(Math.min(...fl) / 3, Math.max(...fl) * 3, 30) : [1e15, 1e18];
  if ('minima' in a2) {
    fr.push({ name: 'N_opt (IsoFLOP minima)', color: '#1f77b4', mode: 'markers', points: a2.minima.map((m) => [m.budget, m.params_opt] as [number, number]) });
    fr.push({ name: `N ∝ C^${a2.params.exponent.toFixed(3)}`, color: '#1f77b4', mode: 'line', points: Cr.map((C) => [C, a2.params.coefficient * C ** a2.params.exponent] as [number, number]) });
    fr.push({ name: 'D_opt (IsoFLOP minima)', color: '#ff7f0e', mode: 'markers', points: a2.minima.map((m) => [m.budget, m.tokens_opt] as [number, number]) });
    fr.push({ name: `D ∝ C^${a2.tokens.exponent.toFixed(3)}`, color: '#ff7f0e', mode: 'line', points: Cr.map((C) => [C, a2.tokens.coefficient * C ** a2.tokens.exponent] as [number, number]) });
  }
  if ('law' in a3) {
    const { G, a } = a3.frontier;
    fr.push({ name: 'N_opt Approach 3', color: '#2ca02c', mode: 'line', dashed: true, points: Cr.map((C) => [C, G * (C / 6) ** a] as [number, number]) });
  }
  const ep = frontier(LAWS.epoch);
  fr.push({ name: 'N_opt Chinchilla (Epoch)', color: '#7f7f7f', mode: 'line', dashed: true, points: Cr.map((C) => [C, ep.G * (C / 6) ** ep.a] as [number, number]) });
  return {
    'loss_vs_flops.svg': lineChart({ title: 'Validation loss vs training FLOPs, per model size', xLabel: 'training FLOPs (6ND)', yLabel: 'validation loss (nats/token)', xLog: true, series: lossSeries }),
    'isoflop.svg': lineChart({ title: 'IsoFLOP profiles', xLabel: 'parameters N', yLabel: 'validation loss (nats/token)', xLog: true, series: iso }),
    'frontier.svg': lineChart({ title: 'Compute-optimal frontier', xLabel: 'compute C (FLOPs)', yLabel: 'parameters / tokens', xLog: true, yLog: true, series: fr }),
  };
}

function markdown(title: string, runs: readonly RunResult[], a2: Approach2Fit | { error: string }, a3: Approach3Fit | { error: string }, opts: ReportOptions): string {
  const L: string[] = [`# ${title}`, ''];
  if (opts.command) L.push('Produced by:', '', '```', opts.command, '```', '');
  const budgets = [...new Set(runs.map((r) => r.budget))].sort((a, b) => a - b);
  const secs = runs.reduce((s, r) => s + (r.seconds ?? 0), 0);
  L.push(`${runs.length} runs over ${budgets.length} compute budgets (${budgets.map((b) => exp(b)).join(', ')} FLOPs); total training time ${duration(secs)}.`,
    'Compute is C = 6·N·D with N = all parameters (Chinchilla counts embeddings); losses are validation nats/token.', '');
  L.push('## Runs', '', '| budget | shape (L×d) | params | tokens | tokens/param | FLOPs | val loss | time |', '|---|---|---|---|---|---|---|---|');
  for (const r of [...runs].sort((p, q) => p.budget - q.budget || p.params - q.params)) {
    L.push(`| ${exp(r.budget)} | ${shapeKey(r)} | ${commas(r.params)} | ${commas(r.tokens)} | ${(r.tokens / r.params).toFixed(1)} | ${exp(r.flops)} | ${r.loss.toFixed(4)} | ${r.seconds !== undefined ? duration(r.seconds) : '–'} |`);
  }
  L.push('', '![loss vs FLOPs](loss_vs_flops.svg)', '');
  L.push('## Approach 2: IsoFLOP profiles', '');
  if ('error' in a2) L.push(`Not fitted: ${a2.error}`, '');
  else {
    L.push('A parabola of loss against ln N per budget; its minimum gives N_opt, and D_opt = C / (6·N_opt).', '',
      '| budget | runs | N_opt | D_opt | tokens/param | loss at minimum | note |', '|---|---|---|---|---|---|---|');
    for (const m of a2.minima) {
      const note = !m.convex ? 'parabola not convex: best run used' : m.extrapolated ? 'minimum outside the sizes trained' : '';
      L.push(`| ${exp(m.budget)} | ${m.runs} | ${si(m.params_opt)} | ${si(m.tokens_opt)} | ${(m.tokens_opt / m.params_opt).toFixed(1)} | ${m.loss_opt.toFixed(4)} | ${note} |`);
    }
    L.push('', `- **N_opt ∝ C^a: a = ${f3(a2.params.exponent)}** ${ci(a2.params.ci)} (95% parametric bootstrap, ${a2.bootstraps} resamples; OLS s.e. ${f3(a2.params.se_ols)})`,
      `- **D_opt ∝ C^b: b = ${f3(a2.tokens.exponent)}** ${ci(a2.tokens.ci)}`,
      `- residual s.d. of the parabolas: ${Number.isFinite(a2.sigma) ? a2.sigma.toFixed(4) : 'n/a (no degrees of freedom: intervals need ≥ 4 sizes in some budget)'}`, '',
      '![IsoFLOP profiles](isoflop.svg)', '');
  }
  L.push('## Approach 3: parametric fit L(N, D) = E + A/N^α + B/D^β', '');
  if ('error' in a3) L.push(`Not fitted: ${a3.error}`, '');
  else {
    const c = a3.ci;
    L.push(`Huber loss (δ = 1e-3) on log-loss, L-BFGS from ${a3.starts} starts (Chinchilla's grid), ${a3.bootstraps} bootstrap resamples of the runs; RMSE of log-loss ${a3.rmse_log.toExponential(2)}.`, '',
      '| constant | ours (95% CI) | Hoffmann et al. | Epoch refit |', '|---|---|---|---|',
      `| E | ${f3(a3.law.E)} ${ci(c?.E)} | 1.693 | 1.817 |`,
      `| A | ${a3.law.A.toPrecision(4)} ${c ? `(${c.A.lo.toPrecision(3)}–${c.A.hi.toPrecision(3)})` : ''} | 406.4 | 482.0 |`,
      `| B | ${a3.law.B.toPrecision(4)} ${c ? `(${c.B.lo.toPrecision(3)}–${c.B.hi.toPrecision(3)})` : ''} | 410.7 | 2085.4 |`,
      `| α | ${f3(a3.law.alpha)} ${ci(c?.alpha)} | 0.339 | 0.348 |`,
      `| β | ${f3(a3.law.beta)} ${ci(c?.beta)} | 0.285 | 0.366 |`,
      `| a = β/(α+β) | ${f3(a3.frontier.a)} ${ci(c?.a)} | 0.457 | 0.513 |`,
      `| b = α/(α+β) | ${f3(a3.frontier.b)} ${ci(c?.b)} | 0.543 | 0.487 |`, '',
      'E, A and B depend on the data and tokenizer (our corpus is not MassiveText), so only the exponents compare across setups.', '');
  }
  L.push('## Comparison with published exponents', '', '| source | a (N_opt ∝ C^a) | b (D_opt ∝ C^b) |', '|---|---|---|');
  if (!('error' in a2)) L.push(`| **ours, Approach 2** | **${f3(a2.params.exponent)}** ${ci(a2.params.ci)} | **${f3(a2.tokens.exponent)}** ${ci(a2.tokens.ci)} |`);
  if (!('error' in a3)) L.push(`| **ours, Approach 3** | **${f3(a3.frontier.a)}** ${ci(a3.ci?.a)} | **${f3(a3.frontier.b)}** ${ci(a3.ci?.b)} |`);
  L.push('| Chinchilla Approach 1 | 0.50 (0.488–0.502) | 0.50 (0.501–0.512) |', '| Chinchilla Approach 2 | 0.49 (0.462–0.534) | 0.51 (0.483–0.529) |',
    '| Chinchilla Approach 3 | 0.46 (0.454–0.455) | 0.54 (0.542–0.543) |', `| Epoch refit (implied) | ${REFERENCE.epoch_refit.a.toFixed(3)} | ${REFERENCE.epoch_refit.b.toFixed(3)} |`,
    '| Kaplan et al. 2020 | 0.73 | 0.27 |', '', '![frontier](frontier.svg)', '');
  if (opts.notes?.length) L.push('## Notes', '', ...opts.notes.map((n) => `- ${n}`), '');
  return L.join('\n');
}

/**
 * Write report.md, report.json and the SVGs into `dir`. Returns the paths written.
 *
 * @example writeReport('runs/sweep', buildReport(runs))
 */
export function writeReport(dir: string, report: ScalingReport): string[] {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  const put = (name: string, text: string): void => { const p = join(dir, name); writeFileSync(p, text); out.push(p); };
  put('report.md', report.markdown);
  put('report.json', JSON.stringify(report.json, null, 2) + '\n');
  for (const [name, svg] of Object.entries(report.svgs)) put(name, svg);
  return out;
}
