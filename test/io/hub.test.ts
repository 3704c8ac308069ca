// `lmforge pull` end to end against a hub-shaped HTTP server on 127.0.0.1 (test/io/hub_server.ts): sharded
// weights, sha256 (LFS) and git-sha1 (small files) verification, an interrupted transfer that resumes with a
// Range request (within a call and across calls), a corrupted file rejected with nothing left in the cache,
// offline mode, model id or local path alike, and the CLI. No request leaves the loopback interface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pullModel, resolveModelSource, repoCacheDir, type HubEvent } from '../../src/io/hub.js';
import { loadHfModel } from '../../src/io/hf/import.js';
import { loadCheckpoint, resolveCheckpointDir } from '../../src/train/checkpoint.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { assertClose } from '../helpers/assert.js';
import { fixturePath, repoRoot } from '../helpers/fixtures.js';
import { startFakeHub, type FakeRepo } from './hub_server.js';
import { tempDir } from '../helpers/tmp.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const REPO = 'tiny/llama-gqa';
const SHARD1 = 'model-00001-of-00002.safetensors', SHARD2 = 'model-00002-of-00002.safetensors';

function repoFiles(): FakeRepo {
  const src = fixturePath('hf_llama_gqa');
  const files: Record<string, Uint8Array> = {};
  for (const f of readdirSync(src)) files[f] = readFileSync(join(src, f));
  files['README.md'] = Buffer.from('# tiny llama\n');
  files['pytorch_model.bin'] = Buffer.from('pickle bytes that must not be downloaded');
  return { sha: SHA, files };
}
const cache = (): string => tempDir('lmforge-cache-');
const noDelay = (): number => 0;

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
}

test('pull: config, tokenizer, index and both shards, verified; the model loads; a second pull is served from the cache', async () => {
  const repo = repoFiles();
  const hub = await startFakeHub({ [REPO]: repo });
  try {
    const events: HubEvent[] = [];
    const c = cache();
    const r = await pullModel(REPO, { hubUrl: hub.url, cacheDir: c, onEvent: (e) => events.push(e), retryDelayMs: noDelay });
    assert.equal(r.commit, SHA);
    assert.equal(r.fromCache, false);
    assert.equal(r.dir, join(repoCacheDir(REPO, { cacheDir: c }), 'snapshots', SHA));
    assert.deepEqual(r.files.map((f) => f.name).sort(), ['config.json', 'model.safetensors.index.json', SHARD1, SHARD2, 'tokenizer.json'].sort());
    for (const f of r.files) assert.deepEqual(readFileSync(join(r.dir, f.name)), Buffer.from(repo.files[f.name]!), `${f.name} byte-identical`);
    assert.ok(!hub.log.some((l) => l.path.endsWith('README.md') || l.path.endsWith('pytorch_model.bin')), 'only the files a model needs');
    const verified = new Map(events.filter((e) => e.type === 'file-done').map((e) => [e.file, (e as { verified: string }).verified]));
    assert.equal(verified.get(`${REPO}/${SHARD1}`), 'sha256');
    assert.equal(verified.get(`${REPO}/${SHARD2}`), 'sha256');
    assert.equal(verified.get(`${REPO}/config.json`), 'git-sha1');
    const progress = events.filter((e) => e.type === 'progress' && e.file.endsWith(SHARD1)).at(-1) as { received: number; total: number };
    assert.deepEqual([progress.received, progress.total], [repo.files[SHARD1]!.length, repo.files[SHARD1]!.length], 'byte totals reported');
    // the pulled folder is a model: same logits as the oracle
    const exp = readSafetensors(fixturePath('hf_llama_gqa_expected.safetensors')).tensors;
    assertClose(loadHfModel(r.dir).model.forward(exp.get('ids')!).logits, exp.get('logits')!, 2e-5, 1e-4, 'logits of the pulled model');
    const before = hub.log.length;
    const again = await pullModel(REPO, { hubUrl: hub.url, cacheDir: c });
    assert.equal(again.fromCache, true);
    assert.deepEqual(hub.log.slice(before).map((l) => l.path), [`/api/models/${REPO}/revision/main`], 'only the listing is asked again');
  } finally {
    await hub.close();
  }
});

test('pull: small files behind a same-host redirect (the hub\'s resolve cache) are followed and verified', async () => {
  const hub = await startFakeHub({ [REPO]: repoFiles() });
  try {
    hub.redirectSmall.on = true;
    const events: HubEvent[] = [];
    const r = await pullModel(REPO, { hubUrl: hub.url, cacheDir: cache(), onEvent: (e) => events.push(e) });
    const done = events.filter((e) => e.type === 'file-done') as { file: string; verified: string }[];
    assert.equal(done.find((e) => e.file === `${REPO}/tokenizer.json`)!.verified, 'git-sha1');
    assert.ok(hub.log.some((l) => l.path.startsWith('/api/resolve-cache/models/')), 'the redirect was followed');
    assert.equal(readFileSync(join(r.dir, 'config.json'), 'utf8'), readFileSync(join(fixturePath('hf_llama_gqa'), 'config.json'), 'utf8'));
  } finally {
    await hub.close();
  }
});

test('pull: an interrupted transfer resumes with a Range request (automatic retry)', async () => {
  const repo = repoFiles();
  const hub = await startFakeHub({ [REPO]: repo });
  try {
    hub.interrupt.set(SHARD1, { afterBytes: 10000, times: 1 });
    const events: HubEvent[] = [];
    const r = await pullModel(REPO, { hubUrl: hub.url, cacheDir: cache(), onEvent: (e) => events.push(e), retryDelayMs: noDelay });
    assert.deepEqual(readFileSync(join(r.dir, SHARD1)), Buffer.from(repo.files[SHARD1]!));
    const gets = hub.log.filter((l) => l.method === 'GET' && l.path.startsWith('/cdn/'));
    assert.ok(gets.some((l) => l.range === 'bytes=10000-'), `a GET resumed at byte 10000: ${JSON.stringify(gets)}`);
    const retry = events.find((e) => e.type === 'retry') as { file: string; received: number } | undefined;
    assert.deepEqual(retry && [retry.file, retry.received], [`${REPO}/${SHARD1}`, 10000]);
  } finally {
    await hub.close();
  }
});

test('pull: a transfer broken off is resumed by the next pull from the partial file', async () => {
  const repo = repoFiles();
  const hub = await startFakeHub({ [REPO]: repo });
  try {
    const c = cache();
    hub.interrupt.set(SHARD2, { afterBytes: 12345, times: 1 });
    const total = repo.files[SHARD2]!.length;
    await assert.rejects(pullModel(REPO, { hubUrl: hub.url, cacheDir: c, retries: 0 }),
      new RegExp(`${REPO}/${SHARD2}: download interrupted after 12345 of ${total} bytes .*; run the command again to resume`));
    const parts = walk(repoCacheDir(REPO, { cacheDir: c })).filter((f) => f.endsWith('.part'));
    assert.deepEqual(parts.map((p) => [relative(repoCacheDir(REPO, { cacheDir: c }), p), statSync(p).size]), [[join('partial', SHA, `${SHARD2}.part`), 12345]]);
    assert.ok(!existsSync(join(repoCacheDir(REPO, { cacheDir: c }), 'snapshots', SHA, '.lmforge-complete.json')), 'not marked complete');
    const r = await pullModel(REPO, { hubUrl: hub.url, cacheDir: c });
    assert.ok(hub.log.some((l) => l.range === 'bytes=12345-'), 'the second pull asked for the rest only');
    assert.deepEqual(readFileSync(join(r.dir, SHARD2)), Buffer.from(repo.files[SHARD2]!));
    assert.deepEqual(walk(repoCacheDir(REPO, { cacheDir: c })).filter((f) => f.endsWith('.part')), [], 'no partial file left');
  } finally {
    await hub.close();
  }
});

test('pull: a corrupted download (bad sha256) is rejected and nothing half-written stays in the cache', async () => {
  const hub = await startFakeHub({ [REPO]: repoFiles() });
  try {
    const c = cache();
    hub.corrupt.add(SHARD2);
    await assert.rejects(pullModel(REPO, { hubUrl: hub.url, cacheDir: c, retryDelayMs: noDelay }),
      new RegExp(`${REPO}/${SHARD2}: sha256 mismatch: the hub says [0-9a-f]{64}, the download has [0-9a-f]{64} \\(corrupted download\\); the partial file was removed, nothing was cached`));
    const files = walk(repoCacheDir(REPO, { cacheDir: c })).map((f) => relative(repoCacheDir(REPO, { cacheDir: c }), f));
    assert.ok(!files.some((f) => f.includes(SHARD2)), `no trace of the bad shard: ${files.join(', ')}`);
    assert.ok(!files.some((f) => f.endsWith('.lmforge-complete.json')));
    await assert.rejects(pullModel(REPO, { cacheDir: c, offline: true }), /is not in the cache .* LMFORGE_OFFLINE=1 forbids downloading it/);
  } finally {
    await hub.close();
  }
});

test('offline mode, unknown models, and a model id or a local path alike', async () => {
  const hub = await startFakeHub({ [REPO]: repoFiles() });
  const c = cache();
  const first = await pullModel(REPO, { hubUrl: hub.url, cacheDir: c });
  await assert.rejects(pullModel('tiny/missing', { hubUrl: hub.url, cacheDir: c }), /model tiny\/missing \(revision main\) was not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\)/);
  await hub.close();
  const prev = process.env.LMFORGE_OFFLINE;
  process.env.LMFORGE_OFFLINE = '1';
  try {
    const off = await pullModel(REPO, { hubUrl: 'http://127.0.0.1:9', cacheDir: c });
    assert.deepEqual([off.dir, off.fromCache], [first.dir, true]);
    assert.equal(await resolveModelSource(REPO, { cacheDir: c }), first.dir);
    const local = fixturePath('hf_llama_tied');
    assert.equal(await resolveModelSource(local, { cacheDir: c }), local, 'a local path is used as is');
    await assert.rejects(resolveModelSource('other/model', { cacheDir: c }), /model other\/model \(revision main\) is not in the cache/);
    await assert.rejects(resolveModelSource('no-such-folder', { cacheDir: c }), /model 'no-such-folder': no such file or folder, and not a hub model id \(OWNER\/NAME\)/);
  } finally {
    if (prev === undefined) delete process.env.LMFORGE_OFFLINE; else process.env.LMFORGE_OFFLINE = prev;
  }
});

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(repoRoot, 'bin/lmforge.js'), ...args], { env: { ...process.env, LMFORGE_QUIET: '1', ...env } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

test('CLI: lmforge pull prints byte totals and the folder; convert --from hf takes the model id (offline, from the cache)', async () => {
  const hub = await startFakeHub({ [REPO]: repoFiles() });
  const c = cache();
  try {
    const r = await runCli(['pull', REPO, '--revision', 'main'], { LMFORGE_HUB_URL: hub.url, LMFORGE_CACHE: c });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), join(repoCacheDir(REPO, { cacheDir: c }), 'snapshots', SHA));
    assert.match(r.stderr, new RegExp(`${REPO}/${SHARD1} 35\\.\\d\\d kB \\(sha256 verified\\)`));
    assert.match(r.stderr, new RegExp(`${REPO}@${SHA}: 5 files, \\d+\\.\\d\\d kB`));
  } finally {
    await hub.close();
  }
  const run = join(tempDir('lmforge-run-'), 'run');
  const conv = await runCli(['convert', '--from', 'hf', REPO, '--out', run], { LMFORGE_CACHE: c, LMFORGE_OFFLINE: '1', LMFORGE_HUB_URL: 'http://127.0.0.1:9' });
  assert.equal(conv.code, 0, conv.stderr);
  assert.match(conv.stderr, /llama: 2 layers, 4 heads \(2 kv\), n_embd 32, vocab 324/);
  const exp = readSafetensors(fixturePath('hf_llama_gqa_expected.safetensors')).tensors;
  assertClose(loadCheckpoint(resolveCheckpointDir(run)).model.forward(exp.get('ids')!).logits, exp.get('logits')!, 2e-5, 1e-4, 'logits after pull + convert');
});
