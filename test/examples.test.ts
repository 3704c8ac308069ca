// The examples in examples/ (the README's library usage) compile under strict tsc (npm test runs
// tsc first) and produce the documented results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { autogradExample } from '../examples/autograd.js';
import { trainAndSample } from '../examples/train_and_sample.js';
import { tempDir } from './helpers/tmp.js';

test('examples/autograd.ts', () => {
  const r = autogradExample();
  assert.deepEqual(r.gradShape, [4, 8]);
  assert.equal(r.gradcheckOk, true);
  assert.equal(r.noGradRequires, false);
});

test('examples/train_and_sample.ts', async () => {
  const dir = tempDir('lmforge-example-');
  const file = join(dir, 'docs.jsonl');
  writeFileSync(file, Array.from({ length: 300 }, (_, i) => JSON.stringify({ text: `the cat ${i % 7} sat on the mat` })).join('\n'));
  const r = await trainAndSample(file, dir);
  assert.ok(r.testLoss !== null && r.testLoss < Math.log(20), `test loss ${r.testLoss}`);
  assert.equal(r.text.length, 20);
});
