// The `lmforge convert` command end to end: HF folder -> run -> GGUF (F16) -> run -> HF folder, with the
// weights checked at each hop (F16 rounding only where it applies), and bad input exiting 1 with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, resolveCheckpointDir } from '../../src/train/checkpoint.js';
import { loadHfModel } from '../../src/io/hf/import.js';
import { decodeFloat16, encodeFloat16 } from '../../src/io/half.js';
import { fixturePath, repoRoot } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'bin/lmforge.js'), ...args], { encoding: 'utf8', env: { ...process.env, LMFORGE_QUIET: '1' } });

test('convert: hf -> run -> gguf (f16) -> run -> hf keeps the weights (F16 rounding on 2-D weights only)', () => {
  const d = tempDir('lmforge-cli-');
  let r = cli('convert', '--from', 'hf', fixturePath('hf_llama_gqa'), '--out', join(d, 'run1'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), join(d, 'run1'));
  r = cli('convert', '--to', 'gguf', join(d, 'run1'), '--out', join(d, 'm.gguf'), '--dtype', 'f16');
  assert.equal(r.status, 0, r.stderr);
  r = cli('convert', '--from', 'gguf', join(d, 'm.gguf'), '--out', join(d, 'run2'));
  assert.equal(r.status, 0, r.stderr);
  r = cli('convert', '--to', 'hf', join(d, 'run2'), '--out', join(d, 'hf'));
  assert.equal(r.status, 0, r.stderr);
  const a = loadCheckpoint(resolveCheckpointDir(join(d, 'run1'))).model;
  const b = loadHfModel(join(d, 'hf')).model;
  for (const [n, t] of a.namedParameters()) {
    const v = t.toArray();
    assert.deepEqual(b.stateDict().get(n)!.toArray(), t.ndim >= 2 ? decodeFloat16(encodeFloat16(v)) : v, n);
  }
  assert.equal(JSON.parse(readFileSync(join(d, 'hf', 'config.json'), 'utf8')).rope_theta, 500000);
});

test('convert --to gguf takes an HF folder as the model too (named like everywhere else)', () => {
  const d = tempDir('lmforge-cli-');
  const r = cli('convert', '--to', 'gguf', fixturePath('hf_llama_tied'), '--out', join(d, 'tied.gguf'));
  assert.equal(r.status, 0, r.stderr);
  const back = cli('convert', '--from', 'gguf', join(d, 'tied.gguf'), '--out', join(d, 'run'));
  assert.equal(back.status, 0, back.stderr);
  const a = loadHfModel(fixturePath('hf_llama_tied')).model, b = loadCheckpoint(resolveCheckpointDir(join(d, 'run'))).model;
  for (const [n, t] of a.namedParameters()) assert.deepEqual(b.stateDict().get(n)!.toArray(), t.toArray(), n);
});

test('convert: bad input exits 1 and says why', () => {
  const d = tempDir('lmforge-cli-');
  const src = join(d, 'mistral');
  cpSync(fixturePath('hf_llama_tied'), src, { recursive: true });
  writeFileSync(join(src, 'config.json'), JSON.stringify({ architectures: ['MistralForCausalLM'], model_type: 'mistral' }));
  let r = cli('convert', '--from', 'hf', src, '--out', join(d, 'run'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /lmforge convert: .*config\.json: unsupported architecture: architectures \["MistralForCausalLM"\]/);
  r = cli('convert', '--from', 'hf', '--to', 'gguf', src, '--out', join(d, 'x'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /give exactly one of --from hf\|gguf or --to hf\|gguf/);
  r = cli('convert', '--to', 'gguf', join(d, 'nope'), '--out', join(d, 'x.gguf'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /model '.*nope': no such file or folder, and not a hub model id \(OWNER\/NAME\)/);
  r = cli('convert', '--to', 'gguf', fixturePath('hf_llama_tied'), '--out', join(d, 'x.gguf'), '--dtype', 'bf16');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--dtype for --to gguf: f32, f16 or q8_0, got 'bf16'/);
});
