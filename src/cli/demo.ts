// `lmforge demo` (what `npm start` runs): the whole pipeline on the built-in corpus in a few minutes —
// train a byte-level BPE on the train split, prepare shards, train a small GPT with validation and
// early stopping, evaluate the best checkpoint once on the test split, and print samples.
import type { Command } from 'commander';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { prepare } from '../data/prepare.js';
import { train } from '../train/trainer.js';
import { generate } from '../generate/generate.js';
import { loadCheckpoint, resolveCheckpointDir } from '../train/checkpoint.js';
import { Dataset } from '../data/dataset.js';
import { loadTokenizerSync } from '../tokenizers/index.js';
import { fail, int } from './args.js';
import { currentBackend } from '../kernels/backend.js';
import { trainRenderer } from './train_progress.js';
import { tokenByteLengths } from './tokens.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('the main job (npm start): tokenizer -> data -> GPT training -> test -> samples, on the built-in corpus')
    .option('--data <dir>', 'where the prepared corpus goes (reused when present)', 'data/demo')
    .option('--out <run>', 'run folder (replaced)', 'runs/demo')
    .option('--max-iters <n>', 'training steps (default 1200; 300 on the slower JS backend)', int('--max-iters'))
    .option('--vocab-size <n>', 'BPE vocabulary trained on the train split', int('--vocab-size'), 2048)
    .action(async (o: { data: string; out: string; maxIters?: number; vocabSize: number }) => {
      try {
        const t0 = performance.now();
        const js = currentBackend() === 'js';
        const maxIters = o.maxIters ?? (js ? 300 : 1200);
        if (js && o.maxIters === undefined) console.error('the native backend is not available: training 300 steps on the JS backend (slower; pass --max-iters to change)');
        if (!existsSync(join(o.data, 'meta.json'))) {
          console.error(`[1/4] preparing the built-in corpus (npm nlp-corpus, ~9 MB of English) into ${o.data}: BPE with ${o.vocabSize} tokens trained on the train split`);
          const { meta } = await prepare({ inputs: [], tokenizer: 'bpe', vocabSize: o.vocabSize, out: o.data });
          console.error(`      train ${meta.splits.train.tokens.toLocaleString('en-US')} tokens, val ${meta.splits.val.tokens.toLocaleString('en-US')}, test ${meta.splits.test.tokens.toLocaleString('en-US')}`);
        } else {
          console.error(`[1/4] reusing the prepared corpus in ${o.data}`);
        }
        rmSync(o.out, { recursive: true, force: true });
        console.error('[2/4] training a small GPT (validation every 200 steps, early stopping, best checkpoint kept)');
        const ds = Dataset.open(o.data);
        const tok = loadTokenizerSync(ds.tokenizerPath);
        const res = await train({
          data: o.data, out: o.out, n_layer: 4, n_head: 4, n_embd: 128, block_size: 128, batch_size: 16, max_iters: maxIters,
          lr: 2e-3, min_lr: 2e-4, warmup_iters: 100, eval_interval: 200, eval_iters: 10, patience: 3, dropout: 0, weight_decay: 0.1, beta2: 0.99,
        }, { onEvent: trainRenderer(), tokenBytes: tokenByteLengths(tok) });
        console.error('[3/4] test split evaluated once with the best checkpoint (above)');
        console.error('[4/4] samples from the best checkpoint (temperature 0.8, top-k 40):');
        const ck = loadCheckpoint(resolveCheckpointDir(res.runDir, 'best'));
        for (const [i, prompt] of ['The', 'I think that', 'In the morning,'].entries()) {
          let text = prompt;
          for await (const piece of generate(ck.model, tok, prompt, { maxNewTokens: 60, temperature: 0.8, topK: 40, seed: i, eosId: tok.eotId ?? null })) text += piece;
          console.log(`  > ${text.replace(/\n/g, ' ')}`);
        }
        console.error(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s. Next: lmforge sample --model ${o.out} --prompt "..."; lmforge eval --model ${o.out} --data ${o.data} --split val`);
      } catch (e) {
        fail('demo', e);
      }
    });
}
