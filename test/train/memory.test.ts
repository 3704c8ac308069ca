// Long runs keep flat memory: after warm-up, 300 more training steps must not grow RSS by more than
// 25 MB (the buffer pool recycles activations and gradients; nothing accumulates per step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { train } from '../../src/train/trainer.js';
import { syntheticData } from '../helpers/synthetic_data.js';
import { tempDir } from '../helpers/tmp.js';

test('RSS stays flat over 400 training steps', async () => {
  const data = syntheticData(64, { train: 20000, val: 2000, test: 2000 });
  const rss: number[] = [];
  await train({ n_layer: 2, n_head: 4, n_embd: 64, block_size: 32, batch_size: 8, data, out: join(tempDir('lmforge-mem-'), 'run'),
    max_iters: 400, eval_interval: 100, eval_iters: 2, test: false }, {
    onEvent: (e) => { if (e.type === 'step' && e.iter % 50 === 49) { globalThis.gc?.(); rss.push(process.memoryUsage().rss / 1e6); } },
  });
  const growth = Math.max(...rss.slice(2)) - rss[1]!;
  assert.ok(growth < 25, `RSS after 100 steps ${rss[1]!.toFixed(1)} MB, later max ${Math.max(...rss.slice(2)).toFixed(1)} MB (samples ${rss.map((r) => r.toFixed(0)).join(', ')})`);
});

test('the up-front memory estimate is within ±20% of the measured peak RSS growth', async () => {
  const data = syntheticData(512, { train: 200000, val: 20000, test: 2000 });
  const base = process.memoryUsage().rss;
  let estimate = 0, peak = 0;
  await train({ n_layer: 4, n_head: 8, n_embd: 512, block_size: 256, batch_size: 8, data, out: join(tempDir('lmforge-mem-'), 'run'),
    max_iters: 6, eval_interval: 100, eval_iters: 2, test: false }, {
    onEvent: (e) => {
      if (e.type === 'start') estimate = e.memoryBytes;
      if (e.type === 'step') peak = Math.max(peak, process.memoryUsage().rss);
    },
  });
  const ratio = (peak - base) / estimate;
  assert.ok(ratio > 0.8 && ratio < 1.2, `estimate ${(estimate / 1e6).toFixed(1)} MB, measured growth ${((peak - base) / 1e6).toFixed(1)} MB (ratio ${ratio.toFixed(2)})`);
});
