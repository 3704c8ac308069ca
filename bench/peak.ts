// `npm run bench -- peak [--json]`: the CPU's peak fp32 FMA throughput, measured by the native addon's
// microbenchmark (csrc/peak.c: 12 independent FMA chains per thread, the widest SIMD the build has),
// at 1 thread up to all cores. It is the ceiling bench/gemm.ts reports its % of peak against.
import { availableParallelism } from 'node:os';
import { benchArgs, median, peerMissing, report, result } from './_util.js';
import { jsKernels } from '../src/kernels/js/index.js';
import { loadNative, nativeError } from '../src/kernels/native/loader.js';

const args = benchArgs();
const nat = loadNative(jsKernels);
if (!nat) { console.error(`peak bench: the native addon is not available (${nativeError()})`); process.exit(1); }
const addon = nat.addon as { setThreads(n: number): void; peakFlops(ms: number, threads?: number): number };
peerMissing('a peer', 'peak FMA throughput is a property of the CPU; no other program is measured');
const cores = availableParallelism();
if (!args.json) console.log(`native ${nat.simd}; median of ${args.quick ? 3 : 5} runs of 300 ms`);
for (let t = 1; t <= cores; t++) {
  addon.setThreads(t);
  const runs: number[] = [];
  for (let r = 0; r < (args.quick ? 3 : 5); r++) runs.push(addon.peakFlops(300, t) / 1e9);
  report(result('peak', `fp32 FMA ${nat.simd}, ${t} thread${t === 1 ? '' : 's'}`, 'GFLOP/s', median(runs), null, null, true, t), args.json);
}
