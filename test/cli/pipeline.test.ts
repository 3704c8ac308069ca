// The CLI end to end: prepare -> train -> eval --json -> sample, and kill -9 during training leaves
// a checkpoint that loads and resumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';
import { loadCheckpoint, resolveCheckpointDir, readIndex } from '../../src/train/checkpoint.js';
import { tempDir } from '../helpers/tmp.js';

const bin = join(repoRoot, 'bin', 'lmforge.js');
const run = (args: string[]): { code: number | null; out: string; err: string } => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, LMFORGE_QUIET: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

function textInput(): string {
  const dir = tempDir('lmforge-cli-');
  const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ text: `Line ${i % 17}: the cat sat on the mat and the dog ate the bone. ` }));
  writeFileSync(join(dir, 'docs.jsonl'), lines.join('\n'));
  return join(dir, 'docs.jsonl');
}

const tiny = ['--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--batch-size', '4', '--eval-iters', '2', '--quiet'];

test('prepare -> train -> eval --json -> sample', () => {
  const work = tempDir('lmforge-cli-');
  const data = join(work, 'data'), runDir = join(work, 'run');
  const p = run(['prepare', '--input', textInput(), '--tokenizer', 'char', '--out', data, '--val-frac', '0.1', '--test-frac', '0.1']);
  assert.equal(p.code, 0, p.err);
  assert.match(p.out, /train\s+[\d,]+ tokens/);
  const t = run(['train', '--data', data, '--out', runDir, ...tiny, '--max-iters', '30', '--eval-interval', '10', '--lr', '0.01']);
  assert.equal(t.code, 0, t.err);
  assert.ok(existsSync(join(runDir, 'test.json')));
  const e = run(['eval', '--model', runDir, '--data', data, '--split', 'val', '--json']);
  assert.equal(e.code, 0, e.err);
  const j = JSON.parse(e.out.trim()) as { loss: number; perplexity: number; bits_per_byte: number; tokens: number };
  assert.deepEqual(Object.keys(j).sort(), ['bits_per_byte', 'loss', 'perplexity', 'tokens']);
  assert.ok(j.loss > 0 && j.loss < Math.log(40), `val loss ${j.loss}`);
  assert.ok(Math.abs(j.perplexity - Math.exp(j.loss)) < 1e-9 * j.perplexity);
  assert.ok(Math.abs(j.bits_per_byte - j.loss / Math.LN2) < 1e-9, 'char-level ASCII: bits per byte = loss / ln 2');
  const s = run(['sample', '--model', runDir, '--prompt', 'Line', '--max-new-tokens', '20', '--temperature', '0']);
  assert.equal(s.code, 0, s.err);
  assert.ok(s.out.startsWith('Line') && s.out.length >= 20, JSON.stringify(s.out));
  const bad = run(['sample', '--model', runDir, '--prompt', 'the cat '.repeat(5)]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /prompt of 40 tokens does not fit the context of 16/);
  const missing = run(['eval', '--model', join(work, 'nope'), '--data', data]);
  assert.match(missing.err, /no such file or folder/);
});

test('kill -9 during training leaves a loadable checkpoint; --resume finishes the run', async () => {
  const work = tempDir('lmforge-kill-');
  const data = join(work, 'data'), runDir = join(work, 'run');
  assert.equal(run(['prepare', '--input', textInput(), '--tokenizer', 'char', '--out', data, '--val-frac', '0.1', '--test-frac', '0.1']).code, 0);
  const child = spawn(process.execPath, [bin, 'train', '--data', data, '--out', runDir, ...tiny, '--max-iters', '100000', '--eval-interval', '3', '--no-test'], { stdio: 'ignore' });
  // wait for a few checkpoints, then kill at an arbitrary moment
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const idx = existsSync(join(runDir, 'checkpoints.json')) ? readIndex(runDir) : null;
    if (idx && idx.latest && Number(idx.latest.slice(5)) >= 9) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const ck = loadCheckpoint(resolveCheckpointDir(runDir, 'latest'));
  assert.ok(ck.state.step >= 9 && ck.state.step % 3 === 0, `resumable checkpoint at step ${ck.state.step}`);
  const target = ck.state.step + 6;
  const r = run(['train', '--data', data, '--out', runDir, '--resume', '--max-iters', String(target), '--quiet']);
  assert.equal(r.code, 0, r.err);
  assert.equal(loadCheckpoint(resolveCheckpointDir(runDir, 'latest')).state.step, target);
});
