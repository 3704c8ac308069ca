// The live PyTorch oracle: regenerate every fixture with torch into a temporary folder and run the
// oracle tests against it, so committed fixtures can never drift from their generators.
//   npm run oracle            (live, temporary folder)
//   npm run oracle -- --write (regenerate the committed fixtures in test/fixtures)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const python = process.env.LMFORGE_PYTHON ?? '/usr/bin/python3';
const write = process.argv.includes('--write');
const check = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
if (check.status !== 0) {
  console.error(`oracle: ${python} cannot import torch and numpy (install Debian's python3-torch python3-numpy):\n${check.stderr}`);
  process.exit(1);
}
console.log(`oracle: torch ${check.stdout.trim()} via ${python}`);
const out = write ? join(root, 'test', 'fixtures') : mkdtempSync(join(tmpdir(), 'lmforge-oracle-'));
// every oracle script takes the output folder as its only argument
const scripts = ['ops.py', 'gpt.py', 'hf_models.py'];
for (const s of scripts) {
  const r = spawnSync(python, [join(root, 'tools', 'oracle', s), out], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`oracle: ${s} failed`);
    if (!write) rmSync(out, { recursive: true, force: true });
    process.exit(1);
  }
}
if (write) { console.log(`oracle: fixtures written to ${out}`); process.exit(0); }
const r = spawnSync(process.execPath, [join(root, 'scripts', 'run-tests.mjs'), 'oracle/'], { stdio: 'inherit', env: { ...process.env, LMFORGE_FIXTURES: out } });
rmSync(out, { recursive: true, force: true });
process.exit(r.status ?? 1);
