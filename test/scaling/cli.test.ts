// `lmforge scaling` end to end through bin/lmforge.js: JSON contracts of count and plan, the sweep's dry run,
// and the sweep's refusal to fake results while the trainer module does not exist.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'lmforge.js');

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, 'scaling', ...args], { encoding: 'utf8', cwd: root });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('count --preset gpt2 --json: {"params","non_embedding_params","flops_per_token"}', () => {
  const r = cli('count', '--preset', 'gpt2', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.params, 124_439_808);
  assert.equal(j.non_embedding_params, 85_056_000);
  assert.equal(j.flops_per_token, 6 * 123_653_376 + 12 * 12 * 12 * 64 * 1024);
  assert.equal(j.published_params, 124_439_808);
});

test('count text output names the exact count; a bad option fails with exit code 1', () => {
  const r = cli('count', '--preset', 'llama-7b');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /total\s+6,738,415,616 \(6\.74B\)/);
  const bad = cli('count', '--preset', 'gpt2', '--config', 'x.json');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /give exactly one of --model RUN, --config FILE, --preset NAME/);
});

test('plan --compute 5.76e23 --fit epoch --json: {"params","tokens","loss","fit"} match FACTS §1.2', () => {
  const r = cli('plan', '--compute', '5.76e23', '--fit', 'epoch', '--json', '--tokens-per-second', '1000');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.fit, 'epoch');
  assert.ok(Math.abs(j.params / 72.3e9 - 1) < 1.5e-3, `params ${j.params}`);
  assert.ok(Math.abs(j.tokens / 1.33e12 - 1) < 1.5e-3, `tokens ${j.tokens}`);
  assert.ok(Math.abs(j.seconds - j.tokens / 1000) < 1e-6 * j.seconds, `seconds ${j.seconds}`);
  assert.equal(typeof j.loss, 'number');
  const bad = cli('plan', '--compute', '1e20', '--fit', 'kaplan');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--fit: unknown "kaplan"/);
});

test('sweep --dry-run prints the 12-run plan; without the trainer module the sweep refuses to run', () => {
  const out = mkdtempSync(join(tmpdir(), 'lmforge-cli-sweep-'));
  try {
    const dry = cli('sweep', '--budgets', '3e12,3e13,3e14', '--vocab-size', '65', '--dry-run', '--out', out);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /^12 runs, /);
    assert.equal((dry.out.match(/^ {2}C\d/gm) ?? []).length, 12);
    const trainer = join(root, 'dist', 'src', 'train', 'scaling_trainer.js');
    const real = cli('sweep', '--budgets', '3e12,3e13,3e14', '--vocab-size', '65', '--data', join(out, 'no-such-data'), '--out', out);
    if (!existsSync(trainer)) {
      assert.equal(real.code, 1);
      assert.match(real.err, /the trainer is not available yet/);
      assert.equal(existsSync(join(out, 'results.jsonl')), false, 'no results are faked');
    } else {
      // with a trainer, missing data must fail inside the trainer, never with the "not available" message
      assert.doesNotMatch(real.err, /the trainer is not available yet/);
    }
    const fit = cli('sweep', '--budgets', '3e12', '--vocab-size', '65', '--fit-only', '--out', out);
    assert.equal(fit.code, 1);
    assert.match(fit.err, /--fit-only: no results in/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('count --model RUN reads RUN/config.json (lmforge keys) and --config reads HF keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmforge-cli-model-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ arch: 'llama', n_layer: 32, n_head: 32, n_kv_head: 32, n_embd: 4096, intermediate_size: 0,
      block_size: 4096, vocab_size: 32000, rope_theta: 10000, rms_norm_eps: 1e-5, tie_word_embeddings: false, dropout: 0, bias: false, positions: 'rope' }));
    const r = cli('count', '--model', dir, '--json');
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).params, 6_738_415_616);
    writeFileSync(join(dir, 'hf.json'), JSON.stringify({ model_type: 'gpt2', n_layer: 24, n_embd: 1024, n_head: 16, vocab_size: 50257, n_positions: 1024 }));
    const h = cli('count', '--config', join(dir, 'hf.json'), '--json');
    assert.equal(JSON.parse(h.out).params, 354_823_168);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
