// Our GGUF export runs in llama.cpp (npm node-llama-cpp 3.21.1, its prebuilt CPU binary, offline): the tiny
// Llama (GQA, untied head, RoPE base 500000) and the tiny GPT-2 (learned positions, biases, tied head) of the
// HF oracle fixtures, trained for 150 AdamW steps on a short story so their continuations are not degenerate,
// exported as F32 GGUF: llama.cpp tokenizes the prompt into our ids and its greedy continuation (up to 24
// tokens, within the context) equals ours. Our own logit margins (top-1 minus top-2) are printed so a near-tie would be visible.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama as LlamaCpp } from 'node-llama-cpp';
import { loadHfModel } from '../../src/io/hf/import.js';
import { writeModelGguf } from '../../src/io/gguf_model.js';
import { loadTokenizerSync, type Tokenizer } from '../../src/tokenizers/index.js';
import type { CausalLM } from '../../src/models/types.js';
import { AdamW, decayGroups } from '../../src/train/optim.js';
import { generateIds } from '../../src/generate/generate.js';
import { noGrad } from '../../src/autograd/tape.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/rng.js';
import { fixturePath } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const STORY = `Once upon a time there was a little girl named Lily. She loved to play outside in the sun.
One day she saw a big red ball in the park. She ran to the ball and kicked it as hard as she could.
The ball flew over the fence and into the garden of an old man. The old man was kind and he gave the
ball back to Lily. Lily said thank you and they became good friends. `;

let llamaCpp: LlamaCpp | null = null;
after(async () => { await llamaCpp?.dispose(); });

function prepare(name: string): { model: CausalLM; tok: Tokenizer } {
  const { model, tokenizer } = loadHfModel(fixturePath(name));
  const dir = tempDir('lmforge-llamacpp-');
  writeFileSync(join(dir, 'tokenizer.json'), tokenizer!.json);
  const tok = loadTokenizerSync(join(dir, 'tokenizer.json'));
  // 150 AdamW steps on the story: a model with something to say
  const ids = tok.encode(STORY.repeat(4));
  const rng = new Rng(3), B = 8, T = 24;
  const opt = new AdamW(decayGroups(model.parameters(), 0.0), { lr: 3e-3, betas: [0.9, 0.95] });
  for (let step = 0; step < 150; step++) {
    const x = new Int32Array(B * T), y = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const s = rng.randint(0, ids.length - T - 1);
      for (let t = 0; t < T; t++) { x[b * T + t] = ids[s + t]!; y[b * T + t] = ids[s + t + 1]!; }
    }
    const { loss } = model.forward(new Tensor(x, [B, T]), { targets: new Tensor(y, [B, T]) });
    opt.zeroGrad();
    loss!.backward();
    opt.step();
  }
  return { model, tok };
}

async function llamaCppGreedy(file: string, prompt: string, n: number): Promise<{ promptIds: number[]; out: number[] }> {
  llamaCpp ??= await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  const m = await llamaCpp.loadModel({ modelPath: file });
  try {
    const ctx = await m.createContext({ contextSize: 64, threads: 1 });
    try {
      const promptIds = Array.from(m.tokenize(prompt), Number);
      const out: number[] = [];
      for await (const t of ctx.getSequence().evaluate(m.tokenize(prompt), { temperature: 0 })) {
        out.push(Number(t));
        if (out.length >= n) break;
      }
      return { promptIds, out };
    } finally {
      await ctx.dispose();
    }
  } finally {
    await m.dispose();
  }
}

/** Our smallest top-1 minus top-2 logit margin along a greedy path. */
function minMargin(model: CausalLM, prompt: number[], gen: number[]): number {
  const seq = [...prompt, ...gen.slice(0, -1)];
  const logits = noGrad(() => model.forward(new Tensor(Int32Array.from(seq), [1, seq.length])).logits).toArray();
  const V = model.config.vocab_size;
  let m = Infinity;
  for (let t = prompt.length - 1; t < seq.length; t++) {
    const row = Array.from(logits.subarray(t * V, (t + 1) * V)).sort((a, b) => b - a);
    m = Math.min(m, row[0]! - row[1]!);
  }
  return m;
}

for (const name of ['hf_llama_gqa', 'hf_gpt2_tiny']) {
  test(`llama.cpp loads our ${name} GGUF (F32): same prompt tokens, same greedy continuation`, async (t) => {
    const { model, tok } = prepare(name);
    const file = join(tempDir('lmforge-llamacpp-'), 'model.gguf');
    assert.deepEqual(writeModelGguf(model, file, { tokenizer: tok, dtype: 'F32' }).warnings, []);
    const prompt = 'Lily saw a big red ball';
    const ours = tok.encode(prompt);
    const n = Math.min(24, model.config.block_size - ours.length); // GPT-2 has no positions past block_size
    const gen = [...generateIds(model, ours, { maxNewTokens: n, temperature: 0 })];
    assert.equal(gen.length, n);
    assert.ok(new Set(gen).size > 4, `the trained model says something: ${tok.decode(gen)}`);
    const cpp = await llamaCppGreedy(file, prompt, n);
    assert.deepEqual(cpp.promptIds, ours, 'llama.cpp tokenizes the prompt into our ids');
    t.diagnostic(`${name}: ${JSON.stringify(prompt)} -> ${JSON.stringify(tok.decode(gen))} (our smallest top-2 logit margin ${minMargin(model, ours, gen).toFixed(4)})`);
    assert.deepEqual(cpp.out, gen, `greedy continuation (ours: ${JSON.stringify(tok.decode(gen))}; our smallest logit margin ${minMargin(model, ours, gen).toFixed(4)})`);
  });
}
