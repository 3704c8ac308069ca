// Shared benchmark helpers (files starting with '_' are not benchmarks): warm-up + repeated timing with
// medians, and the one output format every benchmark prints (a table row, or one JSON object per case
// with --json: {"bench","case","unit","ours","peer","peer_name","ratio","threads"}; ratio > 1 = we are better).

import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface BenchArgs { json: boolean; quick: boolean; rest: string[] }

/** Parse `--json` and `--quick` from process.argv. */
export function benchArgs(): BenchArgs {
  const a = process.argv.slice(2);
  return { json: a.includes('--json'), quick: a.includes('--quick'), rest: a.filter((x) => x !== '--json' && x !== '--quick') };
}

/** `--threads 1,2` from the arguments, else 1, 2 and (with `allCores`) every core, capped at the core count. */
export function threadList(args: BenchArgs, allCores = true): number[] {
  const ti = args.rest.indexOf('--threads');
  if (ti >= 0) return args.rest[ti + 1]!.split(',').map(Number);
  const cores = availableParallelism();
  return [...new Set(allCores ? [1, 2, cores] : [1, 2])].filter((t) => t <= cores);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Run fn `warmup` times, then `reps` timed times; returns the median milliseconds. */
export async function timeMs(fn: () => unknown, reps = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

export interface BenchResult {
  bench: string;
  case: string;
  unit: string;
  ours: number;
  peer: number | null;
  peer_name: string | null;
  /** > 1 means we are better. */
  ratio: number | null;
  threads: number;
}

/**
 * Build a result; `higherIsBetter` says how to orient the ratio (MB/s: true; seconds: false).
 * @example result('tokenizer', 'gpt2 one string', 'MB/s', 30, 7, 'gpt-tokenizer', true)
 */
export function result(bench: string, name: string, unit: string, ours: number, peer: number | null, peerName: string | null, higherIsBetter: boolean, threads = 1): BenchResult {
  const ratio = peer === null || peer === 0 || ours === 0 ? null : higherIsBetter ? ours / peer : peer / ours;
  return { bench, case: name, unit, ours, peer, peer_name: peerName, ratio, threads };
}

const fmt = (v: number | null) => (v === null ? '-' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3));

/** Print one result: a JSON line with --json, else an aligned table row. */
export function report(r: BenchResult, json: boolean): void {
  if (json) { console.log(JSON.stringify(r)); return; }
  const peer = r.peer_name === null ? '(no peer)' : `${r.peer_name} ${fmt(r.peer)}`;
  console.log(`${r.case.padEnd(44)} ${r.unit.padEnd(6)} ours ${fmt(r.ours).padStart(8)}   ${peer.padEnd(30)} ratio ${r.ratio === null ? '-' : r.ratio.toFixed(2) + 'x'}`);
}

/** Say (on stderr, so --json stays clean) that a peer is missing and why. */
export function peerMissing(name: string, why: string): void {
  console.error(`peer missing: ${name} (${why}); printing ours alone`);
}

// ---- Python peers (numpy/OpenBLAS, PyTorch) as a persistent process, for interleaved timing ----

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';

/**
 * A Python peer speaking one JSON object per line on stdin/stdout: each request gets one reply.
 * Keeping it alive lets a benchmark alternate ours / peer repetitions, so load from other
 * processes hits both sides alike. Debian's /usr/bin/python3 (numpy, torch) unless PYTHON is set.
 * With `interpreter` (e.g. process.execPath) it runs any line-protocol worker, such as our own
 * bench/_gpt_worker.js in a fresh process.
 * @example const p = await PyPeer.start('bench/peers/gemm.py', { OPENBLAS_NUM_THREADS: '2' }); await p.call({ cmd: 'info' })
 */
export class PyPeer {
  private constructor(private proc: ChildProcessWithoutNullStreams, private lines: Interface, private waiting: ((line: string) => void)[]) {}

  static async start(script: string, env: Record<string, string | undefined> = {}, interpreter?: string): Promise<PyPeer | { error: string }> {
    const python = interpreter ?? process.env.PYTHON ?? '/usr/bin/python3';
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) merged[k] = v;
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k];
    let proc: ChildProcessWithoutNullStreams;
    try {
      proc = spawn(python, interpreter ? [script] : ['-u', script], { env: merged, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      return { error: `${python}: ${(e as Error).message}` };
    }
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const waiting: ((line: string) => void)[] = [];
    const lines = createInterface({ input: proc.stdout });
    lines.on('line', (l) => waiting.shift()?.(l));
    const peer = new PyPeer(proc, lines, waiting);
    const ready = await Promise.race([
      peer.call({ cmd: 'ping' }).then(() => true).catch(() => false),
      new Promise<boolean>((res) => proc.on('exit', () => res(false))),
      new Promise<boolean>((res) => proc.on('error', () => res(false))),
    ]);
    if (!ready) { peer.close(); return { error: `${python} ${script} did not start: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}` }; }
    return peer;
  }

  /** Sends one request and resolves with the parsed reply (an `error` field rejects). */
  call<T = Record<string, unknown>>(msg: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push((line) => {
        try {
          const r = JSON.parse(line) as T & { error?: string };
          if (r.error) reject(new Error(r.error)); else resolve(r);
        } catch (e) { reject(e as Error); }
      });
      this.proc.stdin.write(JSON.stringify(msg) + '\n');
    });
  }

  close(): void {
    this.lines.close();
    this.proc.stdin.end();
    this.proc.kill();
  }
}

/** Mean ms per call of `fn` over `iters` back-to-back calls. */
export function sampleMs(fn: () => void, iters: number): number {
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) fn();
  return (performance.now() - t0) / iters;
}

/** Mean CPU ms (user + system of this process) per call: for single-threaded runs on a shared machine. */
export function sampleCpuMs(fn: () => void, iters: number): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < iters; i++) fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000 / iters;
}

/**
 * Ours and a peer timed alternately: warm-up both, then `reps` rounds of one sample each (ours first in even
 * rounds, the peer first in odd ones); returns the medians in ms per call, per round the peer's time over
 * ours (`paired`), and each side's fastest sample (`best`: no machine noise makes a sample faster, so best-of-N is
 * what each side can do when the machine leaves it alone; BLIS's test suite reports the same). `peer` returns its
 * own ms per call (timed inside the peer).
 * With `cpu`, ours is timed in process CPU time (the peer must then time itself likewise).
 * `settleMs` waits between the two sides: BLAS / OpenMP worker threads keep spinning for a while
 * after a call (OpenBLAS up to ~0.1 s) and would otherwise run on the cores the other side is timed on.
 */
export async function interleaved(ours: () => void, peer: ((iters: number) => Promise<number>) | null,
  reps: number, iters: number, warmup = 1, cpu = false, settleMs = 0): Promise<{ ours: number; peer: number | null; paired: number[]; best: { ours: number; peer: number | null } }> {
  const settle = () => (settleMs > 0 ? new Promise<void>((res) => setTimeout(res, settleMs)) : Promise.resolve());
  for (let i = 0; i < warmup; i++) { ours(); if (peer) await peer(1); }
  const a: number[] = [], b: number[] = [];
  const runOurs = async () => { await settle(); a.push(cpu ? sampleCpuMs(ours, iters) : sampleMs(ours, iters)); };
  const runPeer = async () => { await settle(); if (peer) b.push(await peer(iters)); };
  for (let r = 0; r < reps; r++) {
    // which side goes first alternates, so a drift in machine speed within a repetition favours neither
    if (r % 2 === 0) { await runOurs(); await runPeer(); } else { await runPeer(); await runOurs(); }
  }
  // per repetition: the peer's time over ours, from two samples taken back to back
  const paired = peer ? a.map((x, i) => b[i]! / x) : [];
  return { ours: median(a), peer: peer ? median(b) : null, paired, best: { ours: Math.min(...a), peer: peer ? Math.min(...b) : null } };
}

// ---- one CPU for both sides of a 1-thread case ----

let originalCpus: string | null = null;

/** "0-2,5" -> [0, 1, 2, 5] */
function cpuList(s: string): number[] {
  return s.split(',').flatMap((r) => {
    const [a, b = a] = r.split('-').map(Number);
    return Array.from({ length: b! - a! + 1 }, (_, i) => a! + i);
  });
}

/**
 * Runs both sides of the 1-thread cases on one CPU (`cpu`), or lets them back onto the CPUs this process started
 * with (null): our main thread (where 1-thread kernels run) through util-linux's `taskset`, the peer's main thread
 * through its `affinity` command (os.sched_setaffinity). On a shared VM the vCPUs' speeds differ from moment
 * to moment, and two processes left to the scheduler often sit on different ones: with both on one CPU the
 * per-repetition ratios of `bench gemm` at 1 thread went from 0.77-1.32 to 0.94-1.11 (Zen 4 VM). Returns the CPU
 * used, or null where taskset is missing (nothing pinned).
 */
export async function pinBothSides(cpu: number | 'last' | null, peer: PyPeer | null): Promise<number | null> {
  try {
    if (originalCpus === null) originalCpus = execFileSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' }).trim().split(': ').pop()!;
    const chosen = cpu === 'last' ? cpuList(originalCpus).pop()! : cpu;
    execFileSync('taskset', ['-cp', chosen === null ? originalCpus : String(chosen), String(process.pid)], { stdio: 'ignore' });
    if (peer) await peer.call({ cmd: 'affinity', cpus: chosen === null ? null : [chosen] });
    return chosen;
  } catch {
    return null;
  }
}

/** True when /proc/cpuinfo lists avx512f (OpenBLAS 0.3.21 then needs OPENBLAS_CORETYPE=SKYLAKEX). */
export function cpuHasAvx512(): boolean {
  try {
    return /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch { return false; }
}
