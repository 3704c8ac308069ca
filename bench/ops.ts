// `npm run bench -- ops [--json] [--quick] [--threads 1,2] [--only NAME] [--reps N] [--cpu-time]`: the fused native kernels at GPT-2 small
// shapes — layer_norm, attention (causal, fwd and bwd), cross-entropy (V = 50257), AdamW (124M params),
// gelu (erf and tanh forms), softmax — against the same op in PyTorch (bench/peers/ops.py), timed
// alternately in the same run with the same thread count; the JS reference is shown once as the baseline.
// --cpu-time times 1-thread cases in process CPU time on both sides (robust to other load).
// Backward kernels that can overwrite are timed as autograd runs them for a tensor's first gradient (gx written,
// not accumulated), as PyTorch's backward writes a fresh gradient.
import { allocate } from '../src/tensor/dtype.js';
import { fileURLToPath } from 'node:url';
import { benchArgs, threadList, interleaved, peerMissing, pinBothSides, PyPeer, report, result, sampleMs } from './_util.js';
import type { Kernels } from '../src/kernels/abi.js';
import { jsKernels } from '../src/kernels/js/index.js';
import { loadNative, nativeError } from '../src/kernels/native/loader.js';

interface OpCase {
  name: string;
  op: string;
  params: Record<string, number | boolean>;
  unit: 'GB/s' | 'GFLOP/s';
  /** nominal bytes or flops per call, per phase (the same count for ours and the peer) */
  work: { fwd: number; bwd?: number };
  /** builds our closures on a backend's kernels (float32 buffers; float64 for the JS reference) */
  make: (k: Kernels, f: (n: number) => Float32Array | Float64Array) => { fwd: () => void; bwd?: () => void };
  /** the JS reference is too slow to time at this shape */
  noJs?: boolean;
}

/** n samples of N(0, s²) (Box-Muller): GELU's inputs then reach its tails (|x| > 2 in 4.6%), as real activations do */
const randn = (n: number, f: (n: number) => Float32Array | Float64Array, s = 1) => {
  const a = f(n);
  for (let i = 0; i < n; i += 2) {
    const r = s * Math.sqrt(-2 * Math.log(1 - Math.random())), th = 2 * Math.PI * Math.random();
    a[i] = r * Math.cos(th);
    if (i + 1 < n) a[i + 1] = r * Math.sin(th);
  }
  return a;
};

function cases(quick: boolean): OpCase[] {
  const N = quick ? 2048 : 8192, C = 768;                 // B·T rows of GPT-2 small
  const out: OpCase[] = [];
  out.push({
    name: `layer_norm ${N}x${C}`, op: 'layer_norm', params: { N, C }, unit: 'GB/s',
    work: { fwd: 4 * 2 * N * C, bwd: 4 * 3 * N * C },
    make: (k, f) => {
      const x = randn(N * C, f), w = randn(C, f), b = randn(C, f), o = f(N * C), m = f(N), r = f(N), g = randn(N * C, f), gx = f(N * C), gw = f(C), gb = f(C);
      k.layerNormForward(N, C, x, w, b, 1e-5, o, m, r);
      return { fwd: () => k.layerNormForward(N, C, x, w, b, 1e-5, o, m, r), bwd: () => k.layerNormBackward(N, C, x, w, m, r, g, gx, gw, gb, true) };
    },
  });
  for (const T of quick ? [256] : [256, 1024]) {
    const B = 4, NH = 12, HS = 64, fl = 4 * B * NH * T * T * HS * 0.5;
    out.push({
      name: `attention causal B${B} NH${NH} T${T} HS${HS}`, op: 'attention', params: { B, NH, T, HS, causal: true }, unit: 'GFLOP/s',
      work: { fwd: fl, bwd: 2.5 * fl }, noJs: T > 256,
      make: (k, f) => {
        const n = B * NH * T * HS, q = randn(n, f), kk = randn(n, f), v = randn(n, f), o = f(n), l = f(B * NH * T), g = randn(n, f);
        const gq = f(n), gk = f(n), gv = f(n), sc = 1 / Math.sqrt(HS);
        k.attentionForward(B, NH, NH, T, T, HS, q, kk, v, true, null, sc, o, l);
        return {
          fwd: () => k.attentionForward(B, NH, NH, T, T, HS, q, kk, v, true, null, sc, o, l),
          bwd: () => k.attentionBackward(B, NH, NH, T, T, HS, q, kk, v, true, null, sc, o, l, g, gq, gk, gv),
        };
      },
    });
  }
  {
    const Nce = quick ? 512 : 2048, V = 50257;
    out.push({
      name: `cross_entropy ${Nce}x${V}`, op: 'cross_entropy', params: { N: Nce, V }, unit: 'GB/s',
      work: { fwd: 4 * Nce * V, bwd: 4 * 2 * Nce * V },
      make: (k, f) => {
        const x = randn(Nce * V, f, 3), t = new Int32Array(Nce).map(() => Math.floor(Math.random() * V)), ls = f(Nce), lse = f(Nce), gl = f(Nce).fill(1 / Nce), gx = f(Nce * V);
        k.crossEntropyForward(Nce, V, x, t, -100, ls, lse);
        return { fwd: () => k.crossEntropyForward(Nce, V, x, t, -100, ls, lse), bwd: () => k.crossEntropyBackward(Nce, V, x, t, -100, lse, gl, gx) };
      },
    });
  }
  {
    const n = quick ? 8_000_000 : 124_439_808;            // GPT-2 124M parameters
    let step = 0;
    out.push({
      name: `adamw ${(n / 1e6).toFixed(0)}M params (one step)`, op: 'adamw', params: { n }, unit: 'GB/s',
      work: { fwd: 4 * 7 * n },
      make: (k, f) => {
        const p = randn(n, f), g = randn(n, f), m = f(n), v = f(n);
        return { fwd: () => k.adamw(n, p, g, m, v, 6e-4, 0.9, 0.95, 1e-8, 0.1, ++step, 1) };
      },
    });
  }
  for (const op of ['gelu', 'gelu_tanh'] as const) {
    const n = (quick ? 2048 : 8192) * 3072;               // B·T × 4C
    out.push({
      name: `${op} ${(n / 1e6).toFixed(1)}M`, op, params: { n }, unit: 'GB/s', work: { fwd: 4 * 2 * n, bwd: 4 * 3 * n },
      make: (k, f) => {
        const x = randn(n, f), y = f(n), g = randn(n, f), gx = f(n);
        k.unaryForward(op, n, x, y, 0);
        return { fwd: () => k.unaryForward(op, n, x, y, 0), bwd: () => k.unaryBackward(op, n, x, y, g, gx, 0, true) };
      },
    });
  }
  {
    const Ns = quick ? 2 * 12 * 256 : 2 * 12 * 1024, Cs = 1024;  // (B·NH·T, T) attention rows
    out.push({
      name: `softmax ${Ns}x${Cs}`, op: 'softmax', params: { N: Ns, C: Cs }, unit: 'GB/s', work: { fwd: 4 * 2 * Ns * Cs, bwd: 4 * 3 * Ns * Cs },
      make: (k, f) => {
        const x = randn(Ns * Cs, f), y = f(Ns * Cs), g = randn(Ns * Cs, f), gx = f(Ns * Cs);
        k.softmaxForward(Ns, Cs, x, y, false);
        return { fwd: () => k.softmaxForward(Ns, Cs, x, y, false), bwd: () => k.softmaxBackward(Ns, Cs, y, g, gx, false, true) };
      },
    });
  }
  return out;
}

async function main(): Promise<void> {
  const args = benchArgs();
  const threads = threadList(args);
  const nat = loadNative(jsKernels);
  if (!nat) { console.error(`ops bench: the native addon is not available (${nativeError()}); nothing to measure`); process.exit(1); }
  const addon = nat.addon as { setThreads(n: number): void };
  const ri = args.rest.indexOf('--reps');
  const reps = ri >= 0 ? Math.max(1, Number(args.rest[ri + 1]) || 5) : args.quick ? 3 : 5;
  const cpuTime = args.rest.includes('--cpu-time');
  const started = await PyPeer.start(fileURLToPath(new URL('../../bench/peers/ops.py', import.meta.url)), { OMP_NUM_THREADS: String(Math.max(...threads)) });
  const peer = 'error' in started ? null : started;
  let peerName = 'torch';
  if (!peer) peerMissing('PyTorch', (started as { error: string }).error);
  else {
    const info = await peer.call<{ torch: string; capability: string }>({ cmd: 'info' });
    peerName = `torch ${info.torch}`;
    if (!args.json) console.log(`peer: PyTorch ${info.torch} (CPU capability ${info.capability}), torch.set_num_threads per case; attention written out (no SDPA in 1.13)`);
  }
  if (!args.json) console.log(`ours: native ${nat.simd}; ${reps} alternating repetitions, medians; JS reference once at 1 thread as the baseline\n`);

  const oi = args.rest.indexOf('--only');
  const only = oi >= 0 ? args.rest[oi + 1]! : '';
  for (const c of cases(args.quick).filter((x) => x.name.includes(only))) {
    let built: { fwd: () => void; bwd?: () => void } | null = nat.kernels && c.make(nat.kernels, (n) => allocate('float32', n) as Float32Array);   // as tensors are (huge-page advice from 4 MiB)
    if (peer) await peer.call({ cmd: 'setup', op: c.op, params: c.params });
    for (const t of threads) {
      const pinned = await pinBothSides(t === 1 ? 'last' : null, peer);   // before the pool grows: its threads inherit the mask
      addon.setThreads(t);
      for (const phase of ['fwd', 'bwd'] as const) {
        const fn = built![phase];
        if (!fn) continue;
        const work = c.work[phase]!;
        const t0 = performance.now(); fn(); const est = performance.now() - t0;
        const iters = Math.max(1, Math.round(150 / Math.max(est, 0.01)));
        const cpu = cpuTime && t === 1;
        const peerRun = peer ? async (n: number) => (await peer.call<{ ms: number }>({ cmd: 'run', phase, threads: t, iters: n, cpu })).ms : null;
        const r = await interleaved(fn, peerRun, reps, iters, 1, cpu, t > 1 ? 200 : 0);
        const scale = c.unit === 'GB/s' ? 1e6 : 1e6;
        const ours = work / (r.ours * scale), theirs = r.peer === null ? null : work / (r.peer * scale);
        report(result('ops', `${c.name} ${phase}`, c.unit, ours, theirs, peer ? peerName : null, true, t), args.json);
        if (!args.json) console.log(`${''.padEnd(44)}        ${t} thread${t === 1 ? '' : 's'}${cpu ? ' (CPU time)' : ''}${t === 1 && pinned !== null ? ` on CPU ${pinned}` : ''}: ours ${r.ours.toFixed(2)} ms${r.peer === null ? '' : `, peer ${r.peer.toFixed(2)} ms`}`);
      }
    }
    built = null;
    // the JS reference at this shape, once, single-threaded (the honest baseline)
    if (!c.noJs) {
      const jsb = c.make(jsKernels, (n) => new Float32Array(n));
      for (const phase of ['fwd', 'bwd'] as const) {
        const fn = jsb[phase];
        if (!fn) continue;
        const ms = sampleMs(fn, 1);
        report(result('ops', `${c.name} ${phase} [js reference]`, c.unit, c.work[phase]! / (ms * 1e6), null, null, true, 1), args.json);
      }
    }
    (globalThis as { gc?: () => void }).gc?.();
  }
  peer?.close();
}

await main();
