// StreamingDecoder: ids pushed one by one give back the text as whole characters only: an emoji or CJK
// character split across byte-level tokens is held until complete; the concatenation equals decode(ids).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamingDecoder } from '../../src/tokenizers/streaming.js';
import { loadNamedTokenizer } from '../../src/tokenizers/named.js';
import { CharTokenizer } from '../../src/tokenizers/char.js';
import { fuzzString, rng } from './_helpers.js';

test('an emoji split across three gpt2 tokens comes out whole, once', () => {
  const tok = loadNamedTokenizer('gpt2');
  const ids = tok.encode('hi 👍!');
  const pieces = ids.map((id) => tok.decodeBytes([id]).length);
  assert.ok(pieces.some((n) => n < 4) && ids.length >= 4, 'the emoji spans several byte tokens');
  const sd = new StreamingDecoder(tok);
  const out = ids.map((id) => sd.push(id));
  assert.equal(out.join('') + sd.flush(), 'hi 👍!');
  assert.ok(out.every((s) => !s.includes('\ufffd')), `no replacement character mid-stream: ${JSON.stringify(out)}`);
  assert.ok(out.includes(' 👍') || out.includes('👍'), `the emoji arrives in one piece: ${JSON.stringify(out)}`);
});

test('1,000 fuzzed strings: pushes + flush = decode(ids), and no chunk has a broken character', () => {
  const r = rng(17);
  for (const name of ['gpt2', 'cl100k_base'] as const) {
    const tok = loadNamedTokenizer(name);
    const sd = new StreamingDecoder(tok);
    for (let k = 0; k < 500; k++) {
      const s = fuzzString(r, 1 + Math.floor(r() * 30));
      const ids = tok.encode(s);
      let acc = '';
      for (let i = 0; i < ids.length;) {
        const n = 1 + Math.floor(r() * 3);
        const chunk = sd.push(ids.slice(i, i + n));
        assert.ok(!/[\ud800-\udbff]$/.test(chunk) && !chunk.includes('\ufffd'), `${name} #${k}: broken chunk ${JSON.stringify(chunk)}`);
        acc += chunk;
        i += n;
      }
      acc += sd.flush();
      assert.equal(acc, s, `${name} #${k}`);
    }
  }
});

test('an incomplete character at the end comes out as U+FFFD on flush; char tokenizer streams too', () => {
  const tok = loadNamedTokenizer('cl100k_base');
  const ids = tok.encodeBytes(Uint8Array.of(0x61, 0xf0, 0x9f));
  const sd = new StreamingDecoder(tok);
  assert.equal(sd.push(ids), 'a');
  assert.equal(sd.flush(), '\ufffd');
  const c = CharTokenizer.train('ab😀');
  const sc = new StreamingDecoder(c);
  assert.equal(c.encode('😀a').map((id) => sc.push(id)).join('') + sc.flush(), '😀a');
});
