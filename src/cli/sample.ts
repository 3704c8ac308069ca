// `lmforge sample --model RUN --prompt TEXT [...]`: streamed generation with a KV cache.
import type { Command } from 'commander';
import { generate } from '../generate/generate.js';
import { collect, fail, int, num } from './args.js';
import { openModel } from './open_model.js';

export function register(program: Command): void {
  program
    .command('sample')
    .description('generate text from a prompt (KV cache, streamed, UTF-8 safe)')
    .requiredOption('--model <run>', 'run folder, checkpoint, Hugging Face folder or hub id')
    .option('--prompt <text>', 'the prompt', '\n')
    .option('--max-new-tokens <n>', 'tokens to generate', int('--max-new-tokens'), 200)
    .option('--temperature <t>', '0 = greedy', num('--temperature'), 0.8)
    .option('--top-k <k>', 'sample among the k most likely tokens', int('--top-k'))
    .option('--top-p <p>', 'nucleus sampling', num('--top-p'))
    .option('--seed <s>', 'random seed', int('--seed'), 1337)
    .option('--stop <str>', 'stop when this text appears (repeatable)', collect, [])
    .option('--num-samples <n>', 'independent samples', int('--num-samples'), 1)
    .action(async (o: { model: string; prompt: string; maxNewTokens: number; temperature: number; topK?: number; topP?: number; seed: number; stop: string[]; numSamples: number }) => {
      try {
        const { model, tokenizer, source } = await openModel(o.model);
        if (!tokenizer) throw new Error(`model ${source} has no tokenizer.json: cannot encode the prompt`);
        for (let i = 0; i < o.numSamples; i++) {
          if (i > 0) process.stdout.write('\n---------------\n');
          process.stdout.write(o.prompt);
          for await (const piece of generate(model, tokenizer, o.prompt, {
            maxNewTokens: o.maxNewTokens, temperature: o.temperature, topK: o.topK, topP: o.topP, seed: o.seed + i, stop: o.stop, eosId: tokenizer.eotId ?? null,
          })) process.stdout.write(piece);
          process.stdout.write('\n');
        }
      } catch (e) {
        fail('sample', e);
      }
    });
}
