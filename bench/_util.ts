// Shared benchmark helpers (files starting with '_' are not benchmarks): warm-up + repeated timing with
// medians, and the one output format every benchmark prints (a table row, or one JSON object per case
// with --json: {"bench","case","unit","ours","peer","peer_name","ratio","threads"}; ratio > 1 = we are better).

export interface BenchArgs { json: boolean; quick: boolean; rest: string[] }

/** Parse `--json` and `--quick` from process.argv. */
export function benchArgs(): BenchArgs {
  const a = process.argv.slice(2);
  return { json: a.includes('--json'), quick: a.includes('--quick'), rest: a.filter((x) => x !== '--json' && x !== '--quick') };
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
