// measureThroughput times real training steps: tokens/s and FLOP/s are positive and consistent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureThroughput } from '../../src/train/throughput.js';
import { flopsPerToken } from '../../src/train/budget.js';
import { GPT } from '../../src/models/gpt.js';

test('measured throughput: FLOP/s = FLOPs per token x tokens/s', () => {
  const m = measureThroughput({ n_layer: 1, n_embd: 32, n_head: 2, block_size: 16, vocab_size: 64, batch: 2, steps: 2 });
  assert.ok(m.tokensPerSecond > 0 && Number.isFinite(m.tokensPerSecond));
  const fpt = flopsPerToken(new GPT(m.config, { init: false }).config);
  assert.ok(Math.abs(m.flopsPerSecond - fpt * m.tokensPerSecond) < 1e-6 * m.flopsPerSecond);
});
