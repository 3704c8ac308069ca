// `npm run bench -- tokenizer [--json] [--quick]`: lmforge's byte-level BPE against its peers, same run,
// same inputs (the 8.8 MB nlp-corpus): encode MB/s for gpt2 and cl100k (one string and line by line) vs
// tiktoken (WASM), js-tiktoken and gpt-tokenizer; training time and peak RSS (each run in its own process)
// for vocab 4,096 / 16,384 / 30,000 vs Hugging Face tokenizers (30,000 only) and sentencepiece BPE;
// long pieces ('a' x 100,000, '_' x 50,000) vs gpt-tokenizer.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs, median, peerMissing, report, result, timeMs } from './_util.js';
import { BpeTokenizer } from '../src/tokenizers/bpe.js';
import { loadNamedTokenizer } from '../src/tokenizers/named.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = (() => { for (let d = here; ; d = dirname(d)) { if (existsSync(join(d, 'package.json'))) return d; if (dirname(d) === d) return process.cwd(); } })();

function corpusDocs(): string[] {
  const dir = join(repo, 'node_modules', 'nlp-corpus', 'builds');
  const files = readdirSync(dir).filter((f) => /^doc-\d+\.json$/.test(f)).sort((a, b) => parseInt(a.slice(4)) - parseInt(b.slice(4)));
  return files.flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as string[]);
}

type Encoder = (s: string) => ArrayLike<number>;
interface Peer { name: string; encode: Encoder; slow: boolean; free?: () => void }

async function peersFor(vocab: 'gpt2' | 'cl100k_base'): Promise<Peer[]> {
  const peers: Peer[] = [];
  try {
    const { get_encoding } = await import('tiktoken');
    const e = get_encoding(vocab);
    peers.push({ name: 'tiktoken', encode: (s) => e.encode(s), slow: false, free: () => e.free() });
  } catch (err) { peerMissing('tiktoken', (err as Error).message); }
  try {
    const { getEncoding } = await import('js-tiktoken');
    const e = getEncoding(vocab);
    peers.push({ name: 'js-tiktoken', encode: (s) => e.encode(s), slow: true });
  } catch (err) { peerMissing('js-tiktoken', (err as Error).message); }
  try {
    const m = (await import(`gpt-tokenizer/encoding/${vocab}`)) as { encode: Encoder };
    peers.push({ name: 'gpt-tokenizer', encode: m.encode, slow: false });
  } catch (err) { peerMissing('gpt-tokenizer', (err as Error).message); }
  return peers;
}

function child(args: string[], env: NodeJS.ProcessEnv = {}): { ms: number; rss_kb: number; threads?: number } | null {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try { return JSON.parse(line) as { ms: number; rss_kb: number }; } catch { console.error(`child ${args.join(' ')} failed: ${r.stderr.slice(-500)}`); return null; }
}

async function childMain(kind: string, file: string, vocab: number): Promise<void> {
  let ms = 0;
  if (kind === 'ours') {
    const t0 = performance.now();
    const tok = await BpeTokenizer.trainFromFiles([file], { vocabSize: vocab, pattern: 'gpt2' });
    ms = performance.now() - t0;
    if (tok.merges.length === 0) throw new Error('no merges');
  } else {
    const hf = await import('tokenizers');
    const tok = new hf.Tokenizer(hf.BPE.empty());
    tok.setPreTokenizer(hf.byteLevelPreTokenizer(false, true));
    const t0 = performance.now();
    tok.train([file]); // the Node binding trains its default BpeTrainer: vocab_size 30,000
    ms = performance.now() - t0;
    if (tok.getVocabSize() < 1000) throw new Error('HF produced a tiny vocabulary');
  }
  console.log(JSON.stringify({ ms, rss_kb: process.resourceUsage().maxRSS }));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') { await childMain(process.argv[3]!, process.argv[4]!, Number(process.argv[5])); return; }
  const { json, quick } = benchArgs();
  const reps = quick ? 3 : 5;
  const docs = corpusDocs();
  const text = docs.join('\n');
  const mb = Buffer.byteLength(text) / 1e6;
  if (!json) console.log(`corpus: ${docs.length} lines, ${mb.toFixed(2)} MB; threads: ours 1, tiktoken 1, HF tokenizers as noted`);
  const enc = new TextEncoder();
  const docBytes = docs.reduce((n, d) => n + enc.encode(d).length, 0) / 1e6;

  // 1. Encoding throughput.
  for (const vocab of ['gpt2', 'cl100k_base'] as const) {
    const ours = loadNamedTokenizer(vocab);
    const peers = await peersFor(vocab);
    const want = ours.encode(text);
    for (const p of peers) {
      const got = p.encode(text);
      let same = got.length === want.length;
      for (let i = 0; same && i < want.length; i++) same = got[i] === want[i];
      if (!same) console.error(`note: ${p.name} ${vocab} output differs from ours/tiktoken on the corpus (${got.length} vs ${want.length} ids)`);
    }
    const cases: Array<[string, number, (e: Encoder) => void]> = [
      ['one string', mb, (e) => e(text)],
      ['line by line', docBytes, (e) => { for (const d of docs) e(d); }],
    ];
    for (const [mode, size, run] of cases) {
      // Interleaved rounds (ours, then each peer) so load changes on a shared machine hit everyone alike.
      // A full GC before each timed run (bench.mjs passes --expose-gc), so no one pays for another's garbage.
      const gc = (globalThis as { gc?: () => void }).gc;
      const time = (f: () => void) => { gc?.(); const t0 = performance.now(); f(); return performance.now() - t0; };
      run((s) => ours.encode(s));
      for (const p of peers) if (!p.slow) run(p.encode);
      const oursT: number[] = [], peerT = new Map<string, number[]>(peers.map((p) => [p.name, []]));
      for (let k = 0; k < reps; k++) {
        oursT.push(time(() => run((s) => ours.encode(s))));
        for (const p of peers) if (!p.slow || k === 0) peerT.get(p.name)!.push(time(() => run(p.encode)));
      }
      const ourRate = size / (median(oursT) / 1000);
      let best: [string, number] | null = null;
      for (const p of peers) {
        const rate = size / (median(peerT.get(p.name)!) / 1000);
        report(result('tokenizer', `encode ${vocab} ${mode} vs ${p.name}`, 'MB/s', ourRate, rate, p.name, true), json);
        if (!best || rate > best[1]) best = [p.name, rate];
      }
      if (best) report(result('tokenizer', `encode ${vocab} ${mode} vs fastest peer`, 'MB/s', ourRate, best[1], best[0], true), json);
      else report(result('tokenizer', `encode ${vocab} ${mode}`, 'MB/s', ourRate, null, null, true), json);
    }
    for (const p of peers) p.free?.();
  }

  // 2. Long pieces (all peers merge quadratically; gpt-tokenizer is the fastest of them).
  const gt = await import('gpt-tokenizer/encoding/cl100k_base').catch(() => null) as { encode: Encoder } | null;
  if (!gt) peerMissing('gpt-tokenizer', 'not installed');
  for (const [label, s] of [["'a' x 100,000", 'a'.repeat(100_000)], ["'_' x 50,000", '_'.repeat(50_000)]] as const) {
    const ours = loadNamedTokenizer('cl100k_base');
    const oursMs = await timeMs(() => ours.encode(s), 5, 2);
    let peerMs: number | null = null;
    if (gt && !quick) { gt.encode('a'.repeat(1000)); const t0 = performance.now(); gt.encode(s); peerMs = performance.now() - t0; }
    report(result('tokenizer', `encode cl100k long piece ${label}`, 'ms', oursMs, peerMs, peerMs === null ? null : 'gpt-tokenizer', false), json);
  }

  // 3. Training: time and peak RSS, each run in a fresh process, on the corpus file.
  const dir = mkdtempSync(join(tmpdir(), 'lmf-bench-tok-'));
  try {
    const file = join(dir, 'corpus.txt');
    writeFileSync(file, text);
    const trainReps = quick ? 1 : 3;
    const runs = (f: () => ReturnType<typeof child>) => {
      const rs = Array.from({ length: trainReps }, f).filter((x): x is NonNullable<typeof x> => x !== null);
      return rs.length ? { ms: median(rs.map((r) => r.ms)), rss_kb: Math.max(...rs.map((r) => r.rss_kb)) } : null;
    };
    const hf2 = runs(() => child(['hf', file, '30000']));
    const hf1 = runs(() => child(['hf', file, '30000'], { RAYON_NUM_THREADS: '1', RAYON_RS_NUM_CPUS: '1' }));
    if (!hf2) peerMissing('tokenizers (Hugging Face)', 'failed to run');
    const spOk = spawnSync('/usr/bin/python3', ['-c', 'import sentencepiece'], { encoding: 'utf8' }).status === 0;
    if (!spOk) peerMissing('sentencepiece', 'Debian python3-sentencepiece is not installed');
    for (const vocab of [4096, 16384, 30000]) {
      const ours = runs(() => child(['ours', file, String(vocab)]));
      if (!ours) continue;
      const s = (x: { ms: number } | null) => (x ? x.ms / 1000 : null);
      const m = (x: { rss_kb: number } | null) => (x ? x.rss_kb / 1024 : null);
      if (vocab === 30000 && hf2) {
        report(result('tokenizer', `train vocab ${vocab} time vs HF tokenizers (2 threads)`, 's', s(ours)!, s(hf2), 'tokenizers', false, 1), json);
        report(result('tokenizer', `train vocab ${vocab} time vs HF tokenizers (1 thread)`, 's', s(ours)!, s(hf1), 'tokenizers', false, 1), json);
        report(result('tokenizer', `train vocab ${vocab} peak RSS vs HF tokenizers`, 'MiB', m(ours)!, m(hf2), 'tokenizers', false, 1), json);
      }
      if (spOk && (!quick || vocab === 16384)) {
        const sp = (() => {
          const rs: Array<{ ms: number; rss_kb: number }> = [];
          for (let i = 0; i < (vocab === 16384 && !quick ? 2 : 1); i++) {
            const r = spawnSync('/usr/bin/python3', [join(repo, 'bench', 'peers', 'sentencepiece_train.py'), file, String(vocab), '2'], { encoding: 'utf8' });
            try { rs.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; rss_kb: number }); } catch { console.error(`sentencepiece failed: ${r.stderr.slice(-300)}`); }
          }
          return rs.length ? { ms: median(rs.map((r) => r.ms)), rss_kb: Math.max(...rs.map((r) => r.rss_kb)) } : null;
        })();
        report(result('tokenizer', `train vocab ${vocab} time vs sentencepiece BPE (2 threads)`, 's', s(ours)!, s(sp), 'sentencepiece', false, 1), json);
        report(result('tokenizer', `train vocab ${vocab} peak RSS vs sentencepiece BPE`, 'MiB', m(ours)!, m(sp), 'sentencepiece', false, 1), json);
      } else if (vocab !== 30000 || !hf2) {
        report(result('tokenizer', `train vocab ${vocab} time`, 's', s(ours)!, null, null, false, 1), json);
      }
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

main().catch((e) => { console.error(e); process.exit(1); });
