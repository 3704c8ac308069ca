// `lmforge eval --model RUN --data DIR --split val|test [--json]` or `--text FILE`: mean loss,
// perplexity and bits per byte (FACTS §9) over the whole split or file, in disjoint windows.
import type { Command } from 'commander';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dataset } from '../data/dataset.js';
import { Shard, ShardWriter } from '../data/shards.js';
import { evaluateShard, type EvalResult } from '../train/evaluate.js';
import { loadTokenizerSync } from '../tokenizers/index.js';
import { fail, int } from './args.js';
import { openModel } from './open_model.js';
import { tokenByteLengths } from './tokens.js';
import { backendSummary } from '../kernels/backend.js';

export function register(program: Command): void {
  program
    .command('eval')
    .description('evaluate a model: loss, perplexity, bits per byte on a data split or a text file')
    .requiredOption('--model <run>', 'run folder, checkpoint, Hugging Face folder or hub id')
    .option('--data <dir>', 'prepared data folder')
    .option('--split <name>', 'val | test', 'val')
    .option('--text <file>', 'evaluate on a text file instead of a data split')
    .option('--batch-size <n>', 'windows per forward pass', int('--batch-size'), 8)
    .option('--max-tokens <n>', 'stop after this many tokens', int('--max-tokens'))
    .option('--json', 'print one JSON object {"loss","perplexity","bits_per_byte","tokens"}')
    .action(async (o: { model: string; data?: string; split: string; text?: string; batchSize: number; maxTokens?: number; json?: boolean }) => {
      try {
        if (!o.data === !o.text) throw new Error('give exactly one of --data DIR (with --split) or --text FILE');
        if (o.split !== 'val' && o.split !== 'test') throw new Error(`--split must be val or test, got '${o.split}'`);
        const { model, tokenizer, source } = await openModel(o.model);
        if (!o.json) console.error(`lmforge eval: ${backendSummary()}; model ${source}`);
        let result: EvalResult;
        const block = model.config.block_size;
        if (o.data) {
          const ds = Dataset.open(o.data);
          if (ds.vocabSize > model.config.vocab_size) throw new Error(`tokenizer/vocabulary mismatch: the data has ${ds.vocabSize} tokens, the model ${model.config.vocab_size}`);
          const tok = loadTokenizerSync(ds.tokenizerPath);
          const shard = o.split === 'test' ? ds.openTest() : ds.open('val');
          try {
            result = evaluateShard(model, shard, { blockSize: block, batchSize: o.batchSize, maxTokens: o.maxTokens, tokenBytes: tokenByteLengths(tok) });
          } finally {
            shard.close();
          }
        } else {
          if (!tokenizer) throw new Error(`model ${source} has no tokenizer.json: cannot encode --text`);
          const ids = tokenizer.encode(readFileSync(o.text!, 'utf8'), { policy: 'text' });
          const tmp = mkdtempSync(join(tmpdir(), 'lmforge-eval-'));
          try {
            const w = new ShardWriter(join(tmp, 'text.bin'), 4);
            w.write(ids);
            w.finish();
            const shard = new Shard(join(tmp, 'text.bin'));
            try {
              result = evaluateShard(model, shard, { blockSize: block, batchSize: o.batchSize, maxTokens: o.maxTokens, tokenBytes: tokenByteLengths(tokenizer) });
            } finally {
              shard.close();
            }
          } finally {
            rmSync(tmp, { recursive: true, force: true });
          }
        }
        if (o.json) console.log(JSON.stringify({ loss: result.loss, perplexity: result.perplexity, bits_per_byte: result.bits_per_byte, tokens: result.tokens }));
        else console.log(`loss ${result.loss.toFixed(4)} | perplexity ${result.perplexity.toFixed(3)} | bits/byte ${result.bits_per_byte?.toFixed(4) ?? 'n/a'} | ${result.tokens.toLocaleString('en-US')} tokens`);
      } catch (e) {
        fail('eval', e);
      }
    });
}
