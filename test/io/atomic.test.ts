// Atomic writes (src/io/atomic.ts): replace semantics, abort(), permissions kept, errors naming the path,
// and kills: a child process SIGKILLed in the middle of a write leaves the old file intact, and one killed
// at arbitrary points of repeated writeSafetensors calls always leaves a complete, valid file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openAtomic, writeFileAtomic } from '../../src/io/atomic.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { ROOT, tempDir } from './st_util.js';

const DIST_IO = path.join(ROOT, 'dist/src/io');

test('writeFileAtomic creates and replaces files, keeps permissions, leaves no temp file', () => {
  const dir = tempDir('atomic');
  const p = path.join(dir, 'config.json');
  writeFileAtomic(p, '{"a": "é"}');
  assert.equal(fs.readFileSync(p, 'utf8'), '{"a": "é"}');
  fs.chmodSync(p, 0o600);
  writeFileAtomic(p, new Uint8Array([1, 2, 3]));
  assert.deepEqual(Array.from(fs.readFileSync(p)), [1, 2, 3]);
  assert.equal(fs.statSync(p).mode & 0o777, 0o600, 'mode of the replaced file kept');
  writeFileAtomic(p, '');
  assert.equal(fs.statSync(p).size, 0);
  assert.deepEqual(fs.readdirSync(dir), ['config.json']);
  const missing = path.join(dir, 'missing/x.json');
  assert.throws(() => writeFileAtomic(missing, 'x'), (e: Error) => e.message.startsWith(`openAtomic: cannot create a temp file for ${missing}: ENOENT`));
});

test('openAtomic: nothing visible before commit; abort keeps the old file; misuse is an error', () => {
  const dir = tempDir('atomic');
  const p = path.join(dir, 'model.bin');
  fs.writeFileSync(p, 'old');
  const w = openAtomic(p);
  w.write('new ');
  w.write(new Uint8Array([0x61, 0x62]));
  assert.equal(w.bytesWritten, 6);
  assert.equal(fs.readFileSync(p, 'utf8'), 'old', 'target unchanged before commit');
  assert.equal(path.dirname(w.tempPath), dir, 'temp file in the same folder');
  assert.equal(fs.readFileSync(w.tempPath, 'utf8'), 'new ab');
  w.commit();
  assert.equal(fs.readFileSync(p, 'utf8'), 'new ab');
  assert.equal(fs.existsSync(w.tempPath), false);
  assert.throws(() => w.write('x'), { message: `AtomicWriter.write: ${p} was already committed or aborted` });
  assert.throws(() => w.commit(), { message: `AtomicWriter.commit: ${p} was already committed or aborted` });

  const a = openAtomic(p);
  a.write('partial');
  a.abort();
  a.abort();
  assert.equal(fs.readFileSync(p, 'utf8'), 'new ab', 'abort leaves the old file');
  assert.deepEqual(fs.readdirSync(dir), ['model.bin'], 'abort removes the temp file');
  const fresh = openAtomic(path.join(dir, 'never.bin'));
  fresh.write('x');
  fresh.abort();
  assert.deepEqual(fs.readdirSync(dir), ['model.bin'], 'an aborted new file never appears');
});

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    child.stderr!.on('data', (d) => { err += d; });
    child.stdout!.on('data', (d) => {
      buf += d;
      const m = buf.match(pattern);
      if (m) resolve(m[0]);
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before printing ${pattern}: ${err}`)));
  });
}

function killAndWait(child: ChildProcess): Promise<string | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.signalCode);
    child.on('exit', (_code, signal) => resolve(signal));
    child.kill('SIGKILL');
  });
}

/** Run a child node script (ESM) with a bounded life; the test kills it in `finally` whatever happens. */
function child(code: string, arg: string): ChildProcess {
  return spawn(process.execPath, ['--input-type=module', '-e', code, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
}

test('a writer SIGKILLed mid-write leaves the old file intact', { timeout: 60_000 }, async () => {
  const dir = tempDir('atomic-kill');
  const p = path.join(dir, 'ckpt.bin');
  const old = Buffer.from('the old checkpoint, complete');
  fs.writeFileSync(p, old);
  // child: writes 8 chunks of 256 KiB, announces its temp file, then waits (at most 30 s) without committing
  const code = `
    import { openAtomic } from ${JSON.stringify(path.join(DIST_IO, 'atomic.js'))};
    const w = openAtomic(process.argv[1]);
    const chunk = new Uint8Array(1 << 18).fill(0x5a);
    for (let i = 0; i < 8; i++) w.write(chunk);
    console.log('TEMP ' + w.tempPath);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30000);
    process.exit(3);`;
  const c = child(code, p);
  try {
    const line = await waitForLine(c, /TEMP (\S+)\n/);
    const temp = line.slice(5).trim();
    assert.equal(fs.statSync(temp).size, 8 << 18, 'the child was writing');
    assert.equal(await killAndWait(c), 'SIGKILL');
    assert.deepEqual(fs.readFileSync(p), old, 'old file intact after the kill');
    assert.ok(fs.existsSync(temp), 'the half-written temp file is what remains of the killed write');
    assert.notEqual(temp, p);
  } finally {
    await killAndWait(c);
  }
});

test('writeSafetensors killed at arbitrary points always leaves a complete valid file', { timeout: 120_000 }, async () => {
  const dir = tempDir('atomic-st');
  const p = path.join(dir, 'model.safetensors');
  // child: alternately writes two 2 MiB checkpoints (all 1s / all 2s) to the same path; at most 500 writes or 30 s
  const code = `
    import { writeSafetensors } from ${JSON.stringify(path.join(DIST_IO, 'safetensors.js'))};
    import { full } from ${JSON.stringify(path.join(ROOT, 'dist/src/tensor/tensor.js'))};
    const a = { w: full([512, 1024], 1), b: full([7], 1) }, b = { w: full([512, 1024], 2), b: full([7], 2) };
    const t0 = Date.now();
    for (let i = 0; i < 500 && Date.now() - t0 < 30000; i++) {
      writeSafetensors(process.argv[1], i % 2 ? b : a, { step: String(i) }, { dtype: i % 4 < 2 ? 'F32' : 'BF16' });
      if (i === 1) console.log('STARTED');
    }`;
  for (let round = 0; round < 4; round++) {
    const c = child(code, p);
    try {
      await waitForLine(c, /STARTED\n/);
      await new Promise((r) => setTimeout(r, 20 + round * 37));
      await killAndWait(c);
      const { tensors, metadata } = readSafetensors(p); // must be complete and valid
      const step = Number(metadata['step']);
      const v = step % 2 ? 2 : 1;
      const w = tensors.get('w')!.toArray();
      assert.equal(w.length, 512 * 1024);
      let bad = 0;
      for (let i = 0; i < w.length; i++) if (w[i] !== v) bad++;
      assert.equal(bad, 0, `round ${round}: checkpoint of step ${step} has ${bad} wrong values`);
      assert.deepEqual(Array.from(tensors.get('b')!.toArray()), new Array(7).fill(v));
      for (const f of fs.readdirSync(dir)) if (f !== 'model.safetensors') fs.rmSync(path.join(dir, f)); // stale temp files
    } finally {
      await killAndWait(c);
    }
  }
});
