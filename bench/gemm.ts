// `npm run bench -- gemm [--json] [--quick] [--threads 1,2] [--only NAME] [--reps N] [--sample-ms MS] [--cpu-time]`: native SGEMM GFLOP/s for square 256..2048
// and GPT-2 124M's linear layers at 768 tokens in the transpose combinations linear forward (NT) and
// backward (NN for dx, TN for dW) use, at 1 and 2 threads, next to the measured peak FMA throughput
// and OpenBLAS SGEMM through numpy, timed alternately in the same run (bench/peers/gemm.py).
// --cpu-time times 1-thread cases in process CPU time on both sides (robust to other load on a shared machine).
// Each row gives each side's best sample (best of N, as BLIS's test suite reports GEMM speed: other load on the
// machine can only make a sample slower, and on a shared 2-vCPU VM one vCPU stalls for tens of milliseconds at
// a time, which halves a 2-thread sample on either side). Under it: the medians, and the median (and range) of
// the per-repetition ratios (ours and the peer timed back to back, in alternating order).
import { allocate } from '../src/tensor/dtype.js';
import { fileURLToPath } from 'node:url';
import { benchArgs, threadList, cpuHasAvx512, interleaved, median, peerMissing, pinBothSides, PyPeer, report, result } from './_util.js';
import { jsKernels } from '../src/kernels/js/index.js';
import { loadNative, nativeError } from '../src/kernels/native/loader.js';

interface Case { name: string; ta: boolean; tb: boolean; M: number; N: number; K: number; large: boolean }

const T = 768; // tokens
const LAYERS: [string, number, number][] = [['c_fc', 768, 3072], ['c_proj(mlp)', 3072, 768], ['c_attn', 768, 2304], ['attn.c_proj', 768, 768]];

function cases(): Case[] {
  const out: Case[] = [];
  for (const n of [256, 512, 1024, 2048]) out.push({ name: `NN ${n}x${n}x${n}`, ta: false, tb: false, M: n, N: n, K: n, large: n >= 1024 });
  for (const [layer, IN, OUT] of LAYERS) {
    out.push({ name: `NT ${T}x${OUT}x${IN} ${layer} fwd`, ta: false, tb: true, M: T, N: OUT, K: IN, large: true });
    out.push({ name: `NN ${T}x${IN}x${OUT} ${layer} dx`, ta: false, tb: false, M: T, N: IN, K: OUT, large: true });
    out.push({ name: `TN ${OUT}x${IN}x${T} ${layer} dW`, ta: true, tb: false, M: OUT, N: IN, K: T, large: true });
  }
  return out;
}

async function main(): Promise<void> {
  const args = benchArgs();
  const threads = threadList(args);
  const nat = loadNative(jsKernels);
  if (!nat) { console.error(`gemm bench: the native addon is not available (${nativeError()}); nothing to measure`); process.exit(1); }
  const addon = nat.addon as { setThreads(n: number): void; peakFlops(ms: number, threads?: number): number };
  const gemm = nat.kernels.gemm;
  const ri = args.rest.indexOf('--reps');
  const reps = ri >= 0 ? Math.max(1, Number(args.rest[ri + 1]) || 11) : args.quick ? 3 : 11;   // this VM's speed moves by ±5-10% between samples
  const cpuTime = args.rest.includes('--cpu-time');
  const si = args.rest.indexOf('--sample-ms');
  const sampleMs = si >= 0 ? Math.max(1, Number(args.rest[si + 1]) || 60) : 60;   // timed calls per sample: about this long
  const oi = args.rest.indexOf('--only');
  const only = oi >= 0 ? args.rest[oi + 1]! : '';

  // peer: numpy/OpenBLAS with its best settings for this CPU, for its process only. OpenBLAS ≤ 0.3.21
  // does not recognise recent AVX-512 CPUs and falls back to an SSE3 kernel: then OPENBLAS_CORETYPE=SKYLAKEX.
  const avx512 = cpuHasAvx512();
  const maxT = Math.max(...threads);
  const script = fileURLToPath(new URL('../../bench/peers/gemm.py', import.meta.url));
  const peerEnv: Record<string, string | undefined> = { OPENBLAS_NUM_THREADS: String(maxT), OMP_NUM_THREADS: String(maxT), OPENBLAS_L2_SIZE: undefined, OPENBLAS_CORETYPE: undefined };
  type Info = { numpy: string; blas: { internal_api: string; version: string; architecture: string; threading_layer: string; num_threads: number; filepath: string }[] };
  let started = await PyPeer.start(script, peerEnv);
  let info: Info | null = 'error' in started ? null : await started.call<Info>({ cmd: 'info' });
  const oldOpenblas = (v: string) => { const [a = 0, b = 0, c = 0] = v.split('.').map(Number); return a * 1e6 + b * 1e3 + c <= 3021; };
  let coretype = '(unset)';
  if (info && avx512 && info.blas[0]?.internal_api === 'openblas' && oldOpenblas(info.blas[0].version) && !('error' in started)) {
    started.close();
    started = await PyPeer.start(script, { ...peerEnv, OPENBLAS_CORETYPE: 'SKYLAKEX' });
    info = 'error' in started ? null : await started.call<Info>({ cmd: 'info' });
    coretype = 'SKYLAKEX (OpenBLAS <= 0.3.21 on an avx512f CPU)';
  } else coretype = avx512 ? '(unset: this OpenBLAS detects the CPU itself)' : '(unset: no avx512f on this CPU)';
  const peer = 'error' in started ? null : started;
  let peerName = 'numpy/OpenBLAS';
  if (!peer || !info) peerMissing('numpy (OpenBLAS)', 'error' in started ? started.error : 'no info');
  else {
    const b = info.blas[0];
    if (!b) peerMissing('OpenBLAS', `numpy ${info.numpy} reports no BLAS through threadpoolctl`);
    else {
      peerName = `${b.internal_api} ${b.version}`;
      if (!args.json) {
        console.log(`peer: numpy ${info.numpy} -> ${b.internal_api} ${b.version}, kernel ${b.architecture}, ${b.threading_layer}, ${b.num_threads} threads max (${b.filepath})`);
        console.log(`      OPENBLAS_CORETYPE=${coretype}; per case threads via threadpoolctl`);
      }
      if (b.internal_api !== 'openblas') peerMissing('OpenBLAS', `numpy uses ${b.internal_api} (${b.filepath}); point LD_LIBRARY_PATH at OpenBLAS`);
    }
  }
  if (!args.json) console.log(`ours: ${nat.simd}, packed SGEMM (csrc/gemm_kernel.c + matmul.c); ${reps} alternating repetitions: best of ${reps}, then the medians\n`);

  for (const t of threads) {
    const pinned = await pinBothSides(t === 1 ? 'last' : null, peer);   // before the pool grows: its threads inherit the mask
    addon.setThreads(t);
    if (!args.json) console.log(`-- ${t} thread${t === 1 ? '' : 's'}${cpuTime && t === 1 ? ' (process CPU time)' : ''}${t === 1 && pinned !== null ? `, ours and the peer on CPU ${pinned}` : ''} --`);
    // in --cpu-time mode the peak is per CPU-second too (FLOPs over the process CPU time of the run)
    const c0 = process.cpuUsage(), w0 = performance.now();
    const peakWall = addon.peakFlops(400, t) / 1e9;
    const du = process.cpuUsage(c0), cpuMs = (du.user + du.system) / 1000, wallMs = performance.now() - w0;
    const peak = cpuTime && t === 1 ? peakWall * wallMs / Math.max(cpuMs, 1e-3) : peakWall;
    report(result('gemm', `peak fp32 FMA (bench/peak)`, 'GFLOP/s', peak, null, null, true, t), args.json);
    for (const c of cases().filter((x) => x.name.includes(only))) {
      const flop = 2 * c.M * c.N * c.K;
      // allocated as lmforge's tensors are (huge-page advice from 4 MiB, as numpy gives the peer's arrays)
      // (filled in place: .map would return a new, unadvised array)
      const f32 = (n: number, fill: boolean) => {
        const a = allocate('float32', n) as Float32Array;
        if (fill) for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
        return a;
      };
      const A = f32(c.M * c.K, true), B = f32(c.K * c.N, true), C = f32(c.M * c.N, false);
      const lda = c.ta ? c.M : c.K, ldb = c.tb ? c.K : c.N;
      const estMs = flop / (60e9 * t) * 1e3;
      const iters = Math.max(1, Math.round(sampleMs / estMs));
      const ours = () => gemm(c.ta, c.tb, c.M, c.N, c.K, 1, A, 0, lda, 0, B, 0, ldb, 0, 0, C, 0, c.N, 0, 1);
      const cpu = cpuTime && t === 1;
      const peerRun = peer ? async (n: number) => (await peer.call<{ ms: number }>({ cmd: 'gemm', ta: c.ta, tb: c.tb, M: c.M, N: c.N, K: c.K, threads: t, iters: n, cpu })).ms : null;
      const r = await interleaved(ours, peerRun, reps, iters, 1, cpu, t > 1 ? 200 : 0);
      // the row: each side's best sample; under it the medians and the per-repetition ratios
      const g = flop / (r.best.ours * 1e6), pg = r.best.peer === null ? null : flop / (r.best.peer * 1e6);
      const res = result('gemm', c.name, 'GFLOP/s', g, pg, peer ? peerName : null, true, t);
      const med = { ours: flop / (r.ours * 1e6), peer: r.peer === null ? null : flop / (r.peer * 1e6) };
      const paired = r.paired.length ? { median: median(r.paired), min: Math.min(...r.paired), max: Math.max(...r.paired) } : null;
      if (args.json) { console.log(JSON.stringify({ ...res, median: { ...med, ratio: med.peer === null ? null : med.ours / med.peer }, paired_ratio: paired })); continue; }
      report(res, false);
      const notes = [`medians ${med.ours.toFixed(0)}${med.peer === null ? '' : ` / ${med.peer.toFixed(0)} GFLOP/s, ${(med.ours / med.peer).toFixed(2)}x`}`,
        paired ? `per-repetition ratio ${paired.median.toFixed(2)}x (${paired.min.toFixed(2)}-${paired.max.toFixed(2)})` : '',
        c.large ? `${(100 * g / peak).toFixed(0)}% of peak (ours)${pg === null ? '' : `, ${(100 * pg / peak).toFixed(0)}% (peer)`}` : ''];
      if (notes.some(Boolean)) console.log(`${''.padEnd(44)}        ${notes.filter(Boolean).join('; ')}`);
    }
  }
  peer?.close();
}

await main();
