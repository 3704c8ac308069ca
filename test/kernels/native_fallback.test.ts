// The native backend never breaks lmforge: a failed build still exits 0 and says the JS backend will
// be used; a missing addon is announced once; LMFORGE_BACKEND=native without it fails with the reason;
// a kernel the addon lacks falls back to JS with a one-time warning naming it; LMFORGE_THREADS sizes
// the pool and backendSummary() reports backend, SIMD level and threads. Runs child processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonPath, NATIVE_ABI_VERSION } from '../../src/kernels/native/loader.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const backendJs = fileURLToPath(new URL('../../src/kernels/backend.js', import.meta.url));

/** Runs an ES module snippet in a fresh node with `env` added; returns status, stdout, stderr. */
function runSnippet(code: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const clean = { ...process.env };
  delete clean.LMFORGE_BACKEND;
  delete clean.LMFORGE_QUIET;
  delete clean.LMFORGE_NATIVE_ADDON;
  delete clean.LMFORGE_THREADS;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env: { ...clean, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const USE_TWICE = `
  const b = await import(${JSON.stringify(backendJs)});
  const k1 = b.kernelsFor('float32'), k2 = b.kernelsFor('float32');
  const x = new Float32Array([1, 2, 3]), y = new Float32Array(3);
  k1.unaryForward('exp', 3, x, y, 0); k2.unaryForward('exp', 3, x, y, 0);
  console.log(JSON.stringify({ name: k1.name, summary: b.backendSummary(), y: Array.from(y) }));`;

test('build script: a broken compiler (CC=CXX=false) still exits 0 and says the JS backend will be used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmforge-build-'));
  try {
    cpSync(join(repo, 'binding.gyp'), join(dir, 'binding.gyp'));
    cpSync(join(repo, 'csrc'), join(dir, 'csrc'), { recursive: true });
    mkdirSync(join(dir, 'scripts'));
    cpSync(join(repo, 'scripts', 'build-native.cjs'), join(dir, 'scripts', 'build-native.cjs'));
    const r = spawnSync(process.execPath, [join(dir, 'scripts', 'build-native.cjs')],
      { cwd: dir, env: { ...process.env, CC: 'false', CXX: 'false' }, encoding: 'utf8' });
    assert.equal(r.status, 0, `install step must not fail: ${r.stderr}`);
    assert.match(r.stdout, /native backend could not be built; the JS backend will be used/);
    assert.equal(existsSync(join(dir, 'build', 'Release', 'lmforge.node')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no addon: the JS backend is used and announced exactly once on stderr', () => {
  const r = runSnippet(USE_TWICE, { LMFORGE_NATIVE_ADDON: '/nonexistent/lmforge.node' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { name: string; summary: string; y: number[] };
  assert.equal(out.name, 'js');
  assert.equal(out.summary, 'backend js (reference, 1 thread)');
  assert.ok(Math.abs(out.y[2]! - Math.exp(3)) < 1e-4);
  const lines = r.stderr.split('\n').filter((l) => l.includes('native backend not available'));
  assert.equal(lines.length, 1, `stderr: ${r.stderr}`);
  assert.match(lines[0]!, /not built: \/nonexistent\/lmforge\.node is missing.*using the JS backend/);
});

test('LMFORGE_BACKEND=native without the addon fails and names the missing file', () => {
  const r = runSnippet(USE_TWICE, { LMFORGE_NATIVE_ADDON: '/nonexistent/lmforge.node', LMFORGE_BACKEND: 'native' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /LMFORGE_BACKEND=native but the native addon is not available: not built: \/nonexistent\/lmforge\.node is missing/);
});

test('a kernel missing from the addon falls back to JS with one warning naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmforge-fake-'));
  try {
    // a stand-in addon with only unaryForward (and the pool functions)
    const fake = join(dir, 'fake.cjs');
    writeFileSync(fake, `module.exports = { simd: () => 'fake', getThreads: () => 3, setThreads: () => {}, abiVersion: () => ${NATIVE_ABI_VERSION},
      unaryForward: (op, n, x, out) => { for (let i = 0; i < n; i++) out[i] = -1; } };`);
    const code = `
      const b = await import(${JSON.stringify(backendJs)});
      const k = b.kernelsFor('float32');
      const x = new Float32Array([1, 2]), y = new Float32Array(2), s = new Float32Array(2);
      k.unaryForward('exp', 2, x, y, 0);
      k.softmaxForward(1, 2, x, s, false); k.softmaxForward(1, 2, x, s, false);
      console.log(JSON.stringify({ name: k.name, summary: b.backendSummary(), y: Array.from(y), s: Array.from(s) }));`;
    const r = runSnippet(code, { LMFORGE_NATIVE_ADDON: fake });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { name: string; summary: string; y: number[]; s: number[] };
    assert.equal(out.name, 'native');
    assert.equal(out.summary, 'backend native (fake, 3 threads)');
    assert.deepEqual(out.y, [-1, -1]);                       // the addon's kernel ran
    assert.ok(Math.abs(out.s[1]! - 1 / (1 + Math.exp(-1))) < 1e-6); // softmax came from JS
    const warnings = r.stderr.split('\n').filter((l) => l.includes("native kernel 'softmaxForward' is missing; using the JS reference"));
    assert.equal(warnings.length, 1, `stderr: ${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale addon (built from sources with another kernel ABI) is refused: JS backend, message says rebuild', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmforge-stale-'));
  try {
    const fake = join(dir, 'stale.cjs');
    writeFileSync(fake, `module.exports = { simd: () => 'fake', getThreads: () => 1, setThreads: () => {},
      unaryForward: (op, n, x, out) => { for (let i = 0; i < n; i++) out[i] = -1; } };`); // no abiVersion: ABI 1
    const r = runSnippet(USE_TWICE, { LMFORGE_NATIVE_ADDON: fake });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { name: string; y: number[] };
    assert.equal(out.name, 'js');
    assert.ok(Math.abs(out.y[2]! - Math.exp(3)) < 1e-4);
    assert.match(r.stderr, new RegExp(`stale build: .*stale\\.cjs implements kernel ABI 1, this lmforge needs ${NATIVE_ABI_VERSION} \\(run \`npm run build:native\`\\)`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with the real addon: LMFORGE_THREADS sizes the pool and the summary names backend, SIMD and threads', (t) => {
  if (!existsSync(addonPath())) {
    if (process.env.LMFORGE_BACKEND === 'native') assert.fail(`LMFORGE_BACKEND=native but ${addonPath()} is missing`);
    t.diagnostic(`native addon not built (${addonPath()}); this check needs it`);
    assert.equal(existsSync(addonPath()), false);
    return;
  }
  const r = runSnippet(USE_TWICE, { LMFORGE_THREADS: '1' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { name: string; summary: string };
  assert.equal(out.name, 'native');
  assert.match(out.summary, /^backend native \((avx512f|avx2\+fma|portable), 1 thread\)$/);
  const bad = runSnippet(USE_TWICE, { LMFORGE_THREADS: 'zero' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /LMFORGE_THREADS must be a positive integer, got 'zero'/);
});
