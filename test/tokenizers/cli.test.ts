// `lmforge tokenizer` end to end: train -> encode (--json, ids.bin) -> decode, byte-exact round trips of
// non-UTF-8 input, streamed encoding of the 8.8 MB corpus equal to encoding it whole, count, and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenizer } from '../../src/tokenizers/load.js';
import { loadNamedTokenizer } from '../../src/tokenizers/named.js';
import { corpusText, diffMessage } from './_helpers.js';

function bin(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    const p = join(d, 'bin', 'lmforge.js');
    if (existsSync(p)) return p;
    if (dirname(d) === d) throw new Error('bin/lmforge.js not found');
  }
}
const run = (...args: string[]) => spawnSync(process.execPath, [bin(), 'tokenizer', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });

test('train -> encode --json -> encode --out -> decode: byte-exact, equal to the library', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmf-cli-'));
  try {
    const train = join(dir, 'train.txt');
    writeFileSync(train, corpusText().slice(0, 300_000));
    const tokPath = join(dir, 'tok.json');
    const r = run('train', '--input', train, '--vocab-size', '1000', '--pattern', 'cl100k', '--special', '<|endoftext|>', '--out', tokPath);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /trained 743 merges \(vocab 1000, pattern cl100k\)/);
    const tok = await loadTokenizer(tokPath);
    assert.equal(tok.vocabSize, 1000);
    const input = join(dir, 'in.txt');
    const bytes = Buffer.concat([Buffer.from('Hello wörld 😀 <|endoftext|> tail\n'), Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82]), Buffer.from(' end')]);
    writeFileSync(input, bytes);
    const j = run('encode', '--tokenizer', tokPath, '--input', input, '--json', '--special-policy', 'allow');
    assert.equal(j.status, 0, j.stderr);
    const parsed = JSON.parse(j.stdout) as { ids: number[]; count: number };
    assert.deepEqual(parsed.ids, tok.encodeBytes(bytes, { policy: 'allow' }));
    assert.equal(parsed.count, parsed.ids.length);
    assert.ok(parsed.ids.includes(999));
    const ids = join(dir, 'ids.bin'), back = join(dir, 'back.txt');
    assert.equal(run('encode', '--tokenizer', tokPath, '--input', input, '--out', ids, '--special-policy', 'text').status, 0);
    assert.equal(readFileSync(ids).length % 2, 0);
    const d = run('decode', '--tokenizer', tokPath, '--input', ids, '--out', back);
    assert.equal(d.status, 0, d.stderr);
    assert.deepEqual(readFileSync(back), bytes);
    const raise = run('encode', '--tokenizer', tokPath, '--input', input, '--json');
    assert.equal(raise.status, 1);
    assert.match(raise.stderr, /special token '<\|endoftext\|>' at offset 15.*--special-policy/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('encode of the 8.8 MB corpus file (streamed in 4 MB chunks) = encoding it whole; count agrees', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmf-cli-'));
  try {
    const input = join(dir, 'corpus.txt');
    const text = corpusText();
    writeFileSync(input, text);
    const ids = join(dir, 'ids.bin');
    const r = run('encode', '--tokenizer', 'cl100k_base', '--input', input, '--out', ids);
    assert.equal(r.status, 0, r.stderr);
    const buf = readFileSync(ids);
    const got = Array.from(new Uint32Array(buf.buffer, buf.byteOffset, buf.length / 4));
    const want = loadNamedTokenizer('cl100k_base').encode(text);
    assert.ok(got.length === want.length && got.every((x, i) => x === want[i]), diffMessage('streamed vs whole', got, want));
    const c = run('count', '--tokenizer', 'cl100k_base', '--input', input, '--json');
    assert.equal(c.status, 0, c.stderr);
    assert.equal((JSON.parse(c.stdout) as { count: number }).count, want.length);
    const dec = run('decode', '--tokenizer', 'cl100k_base', '--input', ids, '--out', join(dir, 'back.txt'));
    assert.equal(dec.status, 0, dec.stderr);
    assert.equal(readFileSync(join(dir, 'back.txt'), 'utf8'), text);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('bad arguments name the problem', () => {
  const r = run('train', '--input', '/nonexistent.txt', '--vocab-size', '300', '--out', '/tmp/x.json');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--input: cannot read '\/nonexistent\.txt'/);
  const p = run('train', '--input', '/nonexistent.txt', '--vocab-size', '300', '--pattern', 'bert', '--out', '/tmp/x.json');
  assert.match(p.stderr, /--pattern: unknown 'bert' \(gpt2, cl100k, o200k, none\)/);
  const t = run('encode', '--tokenizer', 'nope_base', '--input', '/tmp/x');
  assert.match(t.stderr, /tokenizer 'nope_base': no such file, and not a known name/);
});
