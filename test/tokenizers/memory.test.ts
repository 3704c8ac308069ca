// Huge inputs stream: a 60 MB file is encoded and used for training inside a Node process whose V8 heap is
// capped at 80 MB (the file as one JS string alone would take 120 MB), so memory stays bounded by design.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusText } from './_helpers.js';

test('encodeFile and trainFromFiles on a 60 MB file run under an 80 MB V8 heap cap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmf-mem-'));
  try {
    const file = join(dir, 'big.txt');
    const text = corpusText();
    const fd = openSync(file, 'w');
    let bytes = 0;
    for (let k = 0; bytes < 60e6; k++) bytes += writeSync(fd, `${k}\n` + text + '\n');
    closeSync(fd);
    const lib = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'tokenizers', 'index.js');
    const script = `
      const t = await import(${JSON.stringify(lib)});
      const tok = t.loadNamedTokenizer('gpt2');
      let n = 0;
      const total = await t.encodeFile(tok, ${JSON.stringify(file)}, { policy: 'text' }, (ids) => { n += ids.length; });
      const trained = await t.BpeTokenizer.trainFromFiles([${JSON.stringify(file)}], { vocabSize: 1000, pattern: 'gpt2' });
      console.log(JSON.stringify({ n, total, merges: trained.merges.length, heap: process.memoryUsage().heapUsed }));`;
    const r = spawnSync(process.execPath, ['--max-old-space-size=80', '--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
    assert.equal(r.status, 0, `child failed (status ${r.status}): ${r.stderr.slice(-800)}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { n: number; total: number; merges: number };
    assert.equal(out.n, out.total);
    assert.ok(out.total > 13_000_000, `expected > 13M tokens from ${bytes} bytes, got ${out.total}`);
    assert.equal(out.merges, 744);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
