// `npm run bench -- generate [--json] [--quick] [--threads 1,2] [--tokens N]`: greedy decoding tokens/s of a
// Llama of the stories110M shape (dim 768, 12 layers, 12 heads, hidden 2048, vocab 32000, tied head; random
// weights) with the KV cache, against llama.cpp (node-llama-cpp 3.21.1, CPU) running the same weights through
// our GGUF export (F32), same prompt ids, same thread count, timed alternately in the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, threadList, cpuHasAvx512, median, peerMissing, PyPeer, report, result } from './_util.js';
import { Llama } from '../src/models/llama.js';
import { writeModelGguf } from '../src/io/gguf_model.js';
import { BpeTokenizer } from '../src/tokenizers/index.js';
import { generateIds } from '../src/generate/generate.js';
import { backendSummary, kernelsFor } from '../src/kernels/backend.js';
import { jsKernels } from '../src/kernels/js/index.js';
import { loadNative } from '../src/kernels/native/loader.js';
import { Rng } from '../src/tensor/rng.js';
import type { Llama as LlamaCpp, LlamaModel } from 'node-llama-cpp';

const SHAPE = { n_layer: 12, n_head: 12, n_kv_head: 12, n_embd: 768, intermediate_size: 2048, vocab_size: 32000, block_size: 1024, tie_word_embeddings: true, rope_theta: 10000, rms_norm_eps: 1e-5 };

/** A byte-level BPE vocabulary of exactly 32000 tokens (256 bytes, 31743 two-byte merges, one special) for the GGUF. */
function syntheticTokenizer(): BpeTokenizer {
  const tokens: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
  const merges: [number, number][] = [];
  for (let a = 32; a < 256 && tokens.length < 31999; a++) {
    for (let b = 32; b < 256 && tokens.length < 31999; b++) { merges.push([a, b]); tokens.push(Uint8Array.of(a, b)); }
  }
  return new BpeTokenizer({ name: 'synthetic-32k', pattern: 'gpt2', mode: 'merges', tokens, merges, specialTokens: { '<|endoftext|>': 31999 } });
}

const GPT2_124M = { n_layer: 12, n_head: 12, n_embd: 768, block_size: 1024, vocab_size: 50257 };

/**
 * GPT-2 124M (random weights) greedy decoding with the KV cache: ours in a fresh worker process per
 * thread count (LMFORGE_THREADS) vs the same model in PyTorch (bench/peers/gpt.py, KV cache by
 * concatenation as HF GPT-2), alternated. Target: >= 30 tokens/s at 2 threads.
 */
async function gpt2VsTorch(json: boolean, threadList: number[], N: number, reps: number): Promise<void> {
  const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
  const prompt = Array.from({ length: 8 }, (_, i) => (i * 977) % 50257);
  const env: Record<string, string | undefined> = { OPENBLAS_L2_SIZE: undefined };
  if (cpuHasAvx512()) env.OPENBLAS_CORETYPE = 'SKYLAKEX';
  const started = await PyPeer.start(here('../../bench/peers/gpt.py'), env);
  const peer = 'error' in started ? null : started;
  if (!peer) peerMissing('PyTorch', (started as { error: string }).error);
  await peer?.call({ cmd: 'setup_decode', config: GPT2_124M, prompt });
  for (const t of threadList) {
    const ours = await PyPeer.start(here('./_gpt_worker.js'), { LMFORGE_THREADS: String(t), LMFORGE_QUIET: '1' }, process.execPath);
    if ('error' in ours) throw new Error(`our worker did not start: ${ours.error}`);
    await ours.call({ cmd: 'setup_decode', config: GPT2_124M, prompt });
    await ours.call({ cmd: 'decode', tokens: 4 });
    await peer?.call({ cmd: 'decode', tokens: 4, omp: t, blas: t });
    const a: number[] = [], b: number[] = [];
    for (let r = 0; r < reps; r++) {
      a.push((await ours.call<{ ms: number }>({ cmd: 'decode', tokens: N })).ms);
      if (peer) b.push((await peer.call<{ ms: number }>({ cmd: 'decode', tokens: N, omp: t, blas: t })).ms);
    }
    report(result('generate', `GPT-2 124M decode (KV cache), ${t} thread${t === 1 ? '' : 's'}`, 'tok/s', 1000 / median(a), peer ? 1000 / median(b) : null, peer ? 'torch' : null, true, t), json);
    ours.close();
  }
  peer?.close();
}

async function main(): Promise<void> {
  const args = benchArgs();
  const threads = threadList(args, false);
  const ni = args.rest.indexOf('--tokens');
  const N = ni >= 0 ? Number(args.rest[ni + 1]) : args.quick ? 32 : 128;
  const reps = args.quick ? 2 : 3;
  const log = (s: string): void => { if (args.json) console.error(s); else console.log(s); };

  await gpt2VsTorch(args.json, threads, N, reps);

  const nat = loadNative(jsKernels);
  const addon = nat?.addon as { setThreads?(n: number): void } | undefined;
  if (!nat) log('native backend not available: ours runs on the JS reference backend (slow)');
  const model = new Llama(SHAPE, { seed: 1 });
  model.eval();
  const rng = new Rng(7);
  const prompt = Array.from({ length: 8 }, () => rng.randint(0, 31999));
  log(`model: Llama ${SHAPE.n_layer}x${SHAPE.n_embd}, hidden ${SHAPE.intermediate_size}, vocab ${SHAPE.vocab_size}: ${(model.numParameters() / 1e6).toFixed(1)}M parameters, ${(model.numParameters() * 4 / 1e6).toFixed(0)} MB F32; prompt ${prompt.length} tokens, ${N} new tokens, greedy`);

  const dir = mkdtempSync(join(tmpdir(), 'lmforge-bench-gen-'));
  const file = join(dir, 'stories110m-shape.f32.gguf');
  try {
    writeModelGguf(model, file, { tokenizer: syntheticTokenizer(), dtype: 'F32', name: 'stories110M-shape random' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  let cpp: LlamaCpp | null = null;
  let cppModel: LlamaModel | null = null;
  try {
    const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
    cpp = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
    cppModel = await cpp.loadModel({ modelPath: file });
  } catch (e) {
    peerMissing('llama.cpp (node-llama-cpp)', (e as Error).message);
  }

  const ours = (): { ms: number; ids: number[] } => {
    const t0 = performance.now();
    const ids = [...generateIds(model, prompt, { maxNewTokens: N, temperature: 0 })];
    return { ms: performance.now() - t0, ids };
  };

  try {
    for (const t of threads) {
      if (addon?.setThreads) addon.setThreads(t);
      const ctx = cppModel ? await cppModel.createContext({ contextSize: 512, threads: t, batchSize: 512 }) : null;
      const seq = ctx?.getSequence() ?? null;
      const peer = async (): Promise<{ ms: number; ids: number[] }> => {
        await seq!.clearHistory();
        const t0 = performance.now();
        const ids: number[] = [];
        for await (const tok of seq!.evaluate(prompt as never, { temperature: 0 })) {
          ids.push(Number(tok));
          if (ids.length >= N) break;
        }
        return { ms: performance.now() - t0, ids };
      };
      // warm-up both, then alternate
      const w = ours();
      const wp = seq ? await peer() : null;
      const a: number[] = [], b: number[] = [];
      for (let r = 0; r < reps; r++) {
        a.push(ours().ms);
        if (seq) b.push((await peer()).ms);
      }
      const tpsOurs = N / (median(a) / 1000), tpsPeer = seq ? N / (median(b) / 1000) : null;
      if (wp) {
        let same = 0;
        while (same < N && w.ids[same] === wp.ids[same]) same++;
        log(`threads ${t}: ${kernelsFor('float32').name === 'native' ? backendSummary() : 'backend js'}; greedy tokens identical to llama.cpp for the first ${same} of ${N}`);
      }
      report(result('generate', `stories110M-shape decode, ${t} thread${t === 1 ? '' : 's'}`, 'tok/s', tpsOurs, tpsPeer, tpsPeer === null ? null : 'llama.cpp F32', true, t), args.json);
      await ctx?.dispose();
    }
  } finally {
    await cppModel?.dispose();
    await cpp?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
