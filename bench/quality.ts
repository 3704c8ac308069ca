// `npm run bench -- quality [--json] [--quick]`: nanoGPT's CPU config, character level, on ~1 MB of English
// (the first documents of the built-in corpus), trained by lmforge and by the same model in PyTorch
// (bench/peers/gpt_train.py) on the same prepared shards and seed; both final models are evaluated on the
// whole validation split in disjoint windows. The bar: |val loss difference| <= 0.03.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchArgs, peerMissing, report, result } from './_util.js';
import { documents } from '../src/data/corpus.js';
import { prepare } from '../src/data/prepare.js';
import { train } from '../src/train/trainer.js';
import { Dataset } from '../src/data/dataset.js';
import { evaluateShard } from '../src/train/evaluate.js';
import { loadCheckpoint, resolveCheckpointDir } from '../src/train/checkpoint.js';

const CONFIG = {
  n_layer: 4, n_head: 4, n_embd: 128, block_size: 64, batch_size: 12, lr: 1e-3, min_lr: 1e-4, warmup_iters: 100,
  max_iters: 2000, dropout: 0, beta1: 0.9, beta2: 0.99, weight_decay: 0.1, grad_clip: 1.0, seed: 1337,
};

async function main(): Promise<void> {
  const args = benchArgs();
  const cfg = { ...CONFIG, max_iters: args.quick ? 300 : CONFIG.max_iters };
  const work = mkdtempSync(join(tmpdir(), 'lmforge-quality-'));
  try {
    const lines: string[] = [];
    let bytes = 0;
    for (const d of documents([])) { lines.push(d.text); bytes += Buffer.byteLength(d.text) + 1; if (bytes >= 1_000_000) break; }
    writeFileSync(join(work, 'english.txt'), lines.join('\n'));
    const data = join(work, 'data');
    const { meta } = await prepare({ inputs: [join(work, 'english.txt')], tokenizer: 'char', out: data, valFrac: 0.1, testFrac: 0.05, seed: 1337 });
    if (!args.json) console.log(`bench quality: ${(bytes / 1e6).toFixed(2)} MB, ${meta.tokenizer.vocab_size} characters, train ${meta.splits.train.tokens} / val ${meta.splits.val.tokens} tokens, ${cfg.max_iters} iterations`);
    const t0 = performance.now();
    const run = await train({ ...cfg, data, out: join(work, 'run'), eval_interval: cfg.max_iters, eval_iters: 5, test: false });
    const oursSec = (performance.now() - t0) / 1000;
    const model = loadCheckpoint(resolveCheckpointDir(run.runDir, 'latest')).model;
    const shard = Dataset.open(data).open('val');
    const ours = evaluateShard(model, shard, { blockSize: cfg.block_size, batchSize: 8 }).loss;
    shard.close();
    const py = spawnSync(process.env.PYTHON ?? '/usr/bin/python3', [fileURLToPath(new URL('../../bench/peers/gpt_train.py', import.meta.url)), JSON.stringify({ ...cfg, data, threads: 2 })], { encoding: 'utf8' });
    let peer: number | null = null, peerSec: number | null = null;
    if (py.status !== 0) peerMissing('PyTorch', py.stderr.trim().split('\n').slice(-2).join(' | '));
    else ({ val_loss: peer, train_seconds: peerSec } = JSON.parse(py.stdout.trim().split('\n').pop()!) as { val_loss: number; train_seconds: number });
    report(result('quality', `char-level nanoGPT CPU config, val loss after ${cfg.max_iters} iters`, 'nats', ours, peer, 'torch', false), args.json);
    report(result('quality', 'training time', 's', oursSec, peerSec, 'torch', false), args.json);
    if (peer !== null && !args.json) {
      const d = Math.abs(ours - peer);
      console.log(`|difference| = ${d.toFixed(4)} nats (bar: <= 0.03): ${d <= 0.03 ? 'met' : 'NOT met'}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(`bench quality: ${(e as Error).message}`); process.exit(1); });
