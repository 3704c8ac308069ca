// Generation: streamed text never splits a UTF-8 character, stop strings end it, samplers obey
// top-k / top-p / temperature 0, and the seed makes sampling reproducible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generate, generateIds } from '../../src/generate/generate.js';
import { sampleToken } from '../../src/generate/samplers.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, zeros } from '../../src/tensor/tensor.js';
import { KVCache } from '../../src/generate/kvcache.js';
import { loadTokenizerSync } from '../../src/tokenizers/index.js';
import { Module } from '../../src/nn/module.js';
import type { CausalLM } from '../../src/models/types.js';
import { GPT } from '../../src/models/gpt.js';

/** A fake model that emits a fixed sequence of token ids, one per step. */
function scripted(script: number[], V: number): CausalLM {
  const m = new (class extends Module {
    config = new GPT({ n_layer: 1, n_head: 1, n_embd: 4, block_size: 256, vocab_size: V }, { init: false }).config;
    step = 0;
    forward(ids: Tensor, opts: { cache?: KVCache | null } = {}): { logits: Tensor; loss: null } {
      const logits = zeros([1, 1, V]);
      logits.data[script[Math.min(this.step++, script.length - 1)]!] = 10;
      if (opts.cache) opts.cache.advance(ids.shape[1]!);
      return { logits, loss: null };
    }
    newCache(): KVCache { return new KVCache(1, 1, 1, 256, 1); }
  })();
  return m as unknown as CausalLM;
}

test('streaming decode never emits a broken character (emoji split across byte tokens)', async () => {
  const tok = loadTokenizerSync('gpt2');
  const text = 'ok 😀 done 👩‍👩‍👧 é';
  // byte-level tokens: one token per byte, so every multi-byte character is split across steps
  const bytes = Buffer.from(text, 'utf8');
  const byteTok = (b: number): number => tok.encodeBytes(Uint8Array.of(b))[0]!;
  const script = [...bytes].map(byteTok);
  const model = scripted([...script, tok.eotId!], tok.vocabSize);
  const pieces: string[] = [];
  for await (const p of generate(model, tok, 'x', { temperature: 0, maxNewTokens: 100, eosId: tok.eotId })) pieces.push(p);
  assert.equal(pieces.join(''), text);
  for (const p of pieces) assert.ok(!p.includes('\uFFFD'), `piece ${JSON.stringify(p)} has a replacement character`);
  assert.ok(pieces.length > 5, 'streamed in several pieces');
});

test('stop strings end generation and are not emitted', async () => {
  const tok = loadTokenizerSync('gpt2');
  const ids = tok.encode('Hello world. STOP here and more');
  const model = scripted(ids, tok.vocabSize);
  let out = '';
  for await (const p of generate(model, tok, 'x', { temperature: 0, maxNewTokens: ids.length, stop: ['STOP'] })) out += p;
  assert.equal(out, 'Hello world. ');
});

test('samplers: greedy, top-k, top-p, temperature, seed', () => {
  const logits = [1, 3, 2, 0.5];
  assert.equal(sampleToken(logits, new Rng(0), { temperature: 0 }), 1);
  for (let s = 0; s < 50; s++) assert.equal(sampleToken(logits, new Rng(s), { topK: 1 }), 1);
  const seen = new Set<number>();
  for (let s = 0; s < 200; s++) seen.add(sampleToken(logits, new Rng(s), { topK: 2 }));
  assert.deepEqual([...seen].sort(), [1, 2]);
  // top-p 0.5: p = softmax = [.09, .66, .24, .06] -> only token 1 is kept
  for (let s = 0; s < 50; s++) assert.equal(sampleToken(logits, new Rng(s), { topP: 0.5 }), 1);
  const counts = [0, 0, 0, 0];
  for (let s = 0; s < 4000; s++) counts[sampleToken(logits, new Rng(s), {})]!++;
  const p = logits.map(Math.exp), z = p.reduce((a, b) => a + b);
  counts.forEach((c, i) => assert.ok(Math.abs(c / 4000 - p[i]! / z) < 0.03, `token ${i}: ${c / 4000} vs ${p[i]! / z}`));
  assert.throws(() => sampleToken(logits, new Rng(0), { topK: 0 }), /top-k must be a positive integer/);
  assert.throws(() => sampleToken(logits, new Rng(0), { topP: 1.5 }), /top-p must be in \(0, 1\]/);
  const m = new GPT({ n_layer: 1, n_head: 2, n_embd: 8, block_size: 32, vocab_size: 13 }, { seed: 5 });
  const a = [...generateIds(m, [1, 2], { seed: 9, maxNewTokens: 10 })];
  const b = [...generateIds(m, [1, 2], { seed: 9, maxNewTokens: 10 })];
  assert.deepEqual(a, b, 'same seed, same sample');
});
