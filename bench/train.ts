// `npm run bench -- train [--json] [--quick] [--cases nano,124m-b4,124m-t1024]`: tokens/s of a full training
// step (forward, backward, clip, AdamW) of our GPT vs the same model in PyTorch (bench/peers/gpt.py), each in
// a fresh process per case (so peak RSS is per case), timed alternately in the same run with a pause
// between the sides. The peer gets its
// best thread setting: torch (OpenMP) threads x OpenBLAS threads, tried before timing; OpenBLAS runs its
// AVX-512 kernel (OPENBLAS_CORETYPE=SKYLAKEX) only where the CPU has avx512f.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchArgs, cpuHasAvx512, median, peerMissing, PyPeer, report, result } from './_util.js';

interface Case { id: string; name: string; config: Record<string, number>; B: number; T: number; reps: number; iters: number }

const NANO = { n_layer: 4, n_head: 4, n_embd: 128, block_size: 64, vocab_size: 65 };
const GPT2 = { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257 };
const CASES: Case[] = [
  { id: 'nano', name: "nanoGPT CPU config (4x128, B=12, T=64, V=65)", config: NANO, B: 12, T: 64, reps: 7, iters: 20 },
  { id: '124m-b4', name: 'GPT-2 124M, B=4, T=64', config: GPT2, B: 4, T: 64, reps: 3, iters: 1 },
  { id: '124m-t1024', name: 'GPT-2 124M, B=1, T=1024', config: GPT2, B: 1, T: 1024, reps: 3, iters: 1 },
];

const SETTLE_MS = 300;
const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

async function main(): Promise<void> {
  const args = benchArgs();
  const threads = availableParallelism();
  const sel = args.rest.find((a) => a.startsWith('--cases='))?.slice(8).split(',');
  const cases = CASES.filter((c) => !sel || sel.includes(c.id));
  const peerEnv: Record<string, string | undefined> = { OPENBLAS_L2_SIZE: undefined, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  if (cpuHasAvx512()) peerEnv.OPENBLAS_CORETYPE = 'SKYLAKEX';
  if (!args.json) console.log(`bench train: ours (native, ${threads} threads) vs PyTorch (Debian torch, OpenBLAS${peerEnv.OPENBLAS_CORETYPE ? ' SKYLAKEX' : ''}), tokens/s of full steps`);
  for (const c of cases) {
    const reps = args.quick ? Math.max(2, c.reps - 2) : c.reps;
    const ours = await PyPeer.start(here('./_gpt_worker.js'), { LMFORGE_THREADS: String(threads), LMFORGE_QUIET: '1' }, process.execPath);
    if ('error' in ours) throw new Error(`our worker did not start: ${ours.error}`);
    await ours.call({ cmd: 'setup_train', config: c.config, B: c.B, T: c.T });
    const peerStart = await PyPeer.start(here('../../bench/peers/gpt.py'), peerEnv);
    let peer: PyPeer | null = null;
    let best = { omp: threads, blas: threads };
    if ('error' in peerStart) peerMissing('PyTorch', peerStart.error);
    else {
      peer = peerStart;
      await peer.call({ cmd: 'setup_train', config: c.config, B: c.B, T: c.T });
      // the peer's best thread setting, on one warm step each
      let bestMs = Infinity;
      for (const omp of [threads, 1]) for (const blas of [threads, 1]) {
        await peer.call({ cmd: 'train', iters: 1, omp, blas });
        const { ms } = await peer.call<{ ms: number }>({ cmd: 'train', iters: c.iters, omp, blas });
        if (ms < bestMs) { bestMs = ms; best = { omp, blas }; }
      }
    }
    await ours.call({ cmd: 'train', iters: 1 }); // warm-up
    // each side is timed after the other's idle threads have gone to sleep (OpenBLAS workers spin up to
    // ~0.1 s after a call, ours ~1 ms): otherwise they run on the cores the other side is timed on
    const settle = () => new Promise<void>((res) => setTimeout(res, SETTLE_MS));
    const a: number[] = [], b: number[] = [];
    for (let r = 0; r < reps; r++) {
      await settle();
      a.push((await ours.call<{ ms: number }>({ cmd: 'train', iters: c.iters })).ms);
      await settle();
      if (peer) b.push((await peer.call<{ ms: number }>({ cmd: 'train', iters: c.iters, ...best })).ms);
    }
    const tokens = c.B * c.T;
    const oursTps = tokens / (median(a) / 1000);
    const peerTps = peer ? tokens / (median(b) / 1000) : null;
    report(result('train', `${c.name} tokens/s`, 'tokens/s', oursTps, peerTps, peer ? `torch ${best.omp}x${best.blas} threads` : null, true, threads), args.json);
    const rssOurs = (await ours.call<{ peak_mb: number }>({ cmd: 'rss' })).peak_mb;
    const rssPeer = peer ? (await peer.call<{ peak_mb: number }>({ cmd: 'rss' })).peak_mb : null;
    report(result('train', `${c.name} peak RSS`, 'MB', rssOurs, rssPeer, peer ? 'torch' : null, false, threads), args.json);
    ours.close();
    peer?.close();
  }
}

main().catch((e) => {
  console.error(`bench train: ${(e as Error).message}`);
  process.exit(1);
});
