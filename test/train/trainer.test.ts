// The trainer: exact resume, gradient accumulation, early stopping, the test split read once,
// NaN steps skipped and repeated failures stopping the run, checkpoint index and pruning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { train, type TrainEvent } from '../../src/train/trainer.js';
import { Dataset } from '../../src/data/dataset.js';
import { loadCheckpoint, resolveCheckpointDir } from '../../src/train/checkpoint.js';
import { syntheticData } from '../helpers/synthetic_data.js';
import { tempDir } from '../helpers/tmp.js';

const model = { n_layer: 1, n_head: 2, n_embd: 16, block_size: 8, batch_size: 4, lr: 3e-3, warmup_iters: 2, eval_iters: 2, dropout: 0.1 };
const runDir = (): string => join(tempDir('lmforge-run-'), 'run');

test('resume: k steps, stop, resume, N−k steps gives the same losses as N steps straight', async () => {
  const data = syntheticData();
  const straight = await train({ ...model, data, out: runDir(), max_iters: 12, eval_interval: 6, test: false });
  const out = runDir();
  const first = await train({ ...model, data, out, max_iters: 12, eval_interval: 6, test: false }, { stopAfter: 6 });
  assert.equal(first.iters, 6);
  const second = await train({ data, out, resume: true });
  assert.equal(second.iters, 12);
  assert.deepEqual([...first.losses, ...second.losses], straight.losses, 'bitwise-identical losses (dropout on: RNG states restored)');
  const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(metrics.filter((m) => 'loss' in m).length, 12, 'metrics.jsonl has each iteration once');
});

test('gradient accumulation: 4 × (B/4) equals one batch of B', async () => {
  const data = syntheticData();
  const base = { ...model, dropout: 0, data, max_iters: 3, eval_interval: 100, test: false };
  const a = await train({ ...base, out: runDir(), batch_size: 8, grad_accum: 1 });
  const b = await train({ ...base, out: runDir(), batch_size: 2, grad_accum: 4 });
  a.losses.forEach((l, i) => assert.ok(Math.abs(l - b.losses[i]!) < 1e-5, `iteration ${i}: ${l} vs ${b.losses[i]}`));
  const wa = loadCheckpoint(resolveCheckpointDir(a.runDir, 'latest')).model.parameters();
  const wb = loadCheckpoint(resolveCheckpointDir(b.runDir, 'latest')).model.parameters();
  let maxd = 0;
  wa.forEach((p, i) => { const x = p.toArray(), y = wb[i]!.toArray(); for (let j = 0; j < x.length; j++) maxd = Math.max(maxd, Math.abs(x[j]! - y[j]!)); });
  assert.ok(maxd < 1e-5, `weights after 3 steps differ by ${maxd}`);
});

test('early stopping triggers on a plateau; the best checkpoint is kept; test split read once', async () => {
  const data = syntheticData();
  const reads0 = Dataset.reads.test;
  const events: TrainEvent[] = [];
  const r = await train({ ...model, data, out: runDir(), max_iters: 100, eval_interval: 2, lr: 0, min_lr: 0, patience: 2, keep_last: 1 }, { onEvent: (e) => events.push(e) });
  assert.equal(r.stoppedEarly, true);
  assert.equal(r.iters, 6, 'evals at 2 (best), 4 and 6 (no improvement) -> stop');
  assert.ok(events.some((e) => e.type === 'early_stop'));
  assert.equal(Dataset.reads.test - reads0, 1, 'the test split is opened exactly once per run');
  assert.ok(r.test && r.test.tokens === 599, `test evaluated over the whole split (${r.test?.tokens} tokens)`);
  const idx = JSON.parse(readFileSync(join(r.runDir, 'checkpoints.json'), 'utf8'));
  assert.equal(idx.best, 'step-0000002');
  assert.deepEqual(idx.saved, ['step-0000002', 'step-0000006'], 'last 1 plus the best are kept');
  assert.deepEqual(readdirSync(r.runDir).filter((f) => f.startsWith('step-')).sort(), ['step-0000002', 'step-0000006']);
  assert.ok(existsSync(join(r.runDir, 'test.json')));
});

test('a NaN step is skipped and reported; repeated failures stop with a clear message', async () => {
  const data = syntheticData();
  const events: TrainEvent[] = [];
  const r = await train({ ...model, data, out: runDir(), max_iters: 6, eval_interval: 3, test: false }, { injectNaNAt: [4], onEvent: (e) => events.push(e) });
  assert.ok(Number.isNaN(r.losses[4]!), 'step 4 skipped');
  assert.ok(r.losses.filter((l) => !Number.isNaN(l)).length === 5);
  assert.ok(events.some((e) => e.type === 'skip' && /gradient norm NaN at iteration 4: step skipped/.test(e.reason)));
  const out = runDir();
  await assert.rejects(
    train({ ...model, data, out, max_iters: 20, eval_interval: 3, max_bad_steps: 2, test: false }, { injectNaNAt: [5, 6, 7, 8] }),
    /training stopped: 3 consecutive steps had NaN\/Inf loss or gradients \(last at iteration 7\); the last good checkpoint is .*step-0000006/,
  );
  const ck = loadCheckpoint(resolveCheckpointDir(out, 'latest'));
  assert.equal(ck.state.step, 6, 'the last good checkpoint is usable');
});

test('bad input: missing data, vocabulary mismatch, block size larger than a split, existing run', async () => {
  await assert.rejects(train({ data: '/nonexistent/data', out: runDir() }), /data \/nonexistent\/data: no meta.json/);
  const small = syntheticData(16, { train: 4000, val: 5, test: 600 });
  await assert.rejects(train({ ...model, data: small, out: runDir() }), /the val split has 5 tokens, fewer than block_size \+ 1 = 9/);
  const data = syntheticData();
  await assert.rejects(train({ ...model, n_embd: 15, data, out: runDir() }), /--n-embd \(15\) must be divisible by --n-head \(2\)/);
  const out = runDir();
  await train({ ...model, data, out, max_iters: 2, eval_interval: 2, test: false });
  await assert.rejects(train({ ...model, data, out, max_iters: 2 }), /already holds a run; use --resume/);
  await assert.rejects(train({ data, out, resume: true, n_layer: 3 }), /--resume: n_layer was 1 in the run, cannot change it to 3/);
});
