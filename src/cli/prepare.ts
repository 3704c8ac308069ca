// `lmforge prepare --input FILE|DIR|JSONL... --tokenizer PATH|gpt2|char --out DIR`: split by document,
// tokenize, write shards + meta.json + tokenizer.json (optionally nanoGPT / llm.c shards too).
import type { Command } from 'commander';
import { join } from 'node:path';
import { prepare } from '../data/prepare.js';
import { exportShards } from '../data/export_formats.js';
import { PATTERN_NAMES, type PatternName } from '../tokenizers/index.js';
import { collect, fail, fmtBytes, int, num } from './args.js';

export function register(program: Command): void {
  program
    .command('prepare')
    .description('tokenize text into train/val/test shards, split by document (no --input: the built-in corpus)')
    .option('--input <path>', 'a file, folder or JSONL file (repeatable)', collect, [])
    .option('--tokenizer <name>', 'tokenizer file, gpt2 | r50k_base | cl100k_base | o200k_base | char', 'gpt2')
    .option('--vocab-size <n>', 'train a byte-level BPE of this size on the train split', int('--vocab-size'))
    .option('--pattern <name>', `split pattern of a trained BPE: ${PATTERN_NAMES.join(' | ')}`, 'gpt2')
    .requiredOption('--out <dir>', 'output folder')
    .option('--val-frac <f>', 'fraction of documents for validation', num('--val-frac'), 0.05)
    .option('--test-frac <f>', 'fraction of documents for test', num('--test-frac'), 0.05)
    .option('--seed <s>', 'split seed', int('--seed'), 1337)
    .option('--format <name>', 'also write shards for another trainer: nanogpt | llmc')
    .action(async (o: { input: string[]; tokenizer: string; vocabSize?: number; pattern: string; out: string; valFrac: number; testFrac: number; seed: number; format?: string }) => {
      try {
        if (!(PATTERN_NAMES as readonly string[]).includes(o.pattern)) throw new Error(`--pattern: unknown '${o.pattern}' (${PATTERN_NAMES.join(', ')})`);
        if (o.format && o.format !== 'nanogpt' && o.format !== 'llmc') throw new Error(`--format must be nanogpt or llmc, got '${o.format}'`);
        const t0 = performance.now();
        let last = 0;
        const { meta } = await prepare({
          inputs: o.input, tokenizer: o.tokenizer, out: o.out, valFrac: o.valFrac, testFrac: o.testFrac, seed: o.seed,
          vocabSize: o.vocabSize, pattern: o.pattern as PatternName,
          onProgress: (phase, n) => {
            if (process.stderr.isTTY && performance.now() - last > 200) { last = performance.now(); process.stderr.write(`\r${phase}: ${n.toLocaleString('en-US')} documents`); }
          },
        });
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        const s = meta.splits;
        console.log(`prepared ${o.out} in ${((performance.now() - t0) / 1000).toFixed(1)} s: tokenizer ${meta.tokenizer.name} (${meta.tokenizer.vocab_size} tokens, ${meta.dtype})`);
        for (const k of ['train', 'val', 'test'] as const) {
          console.log(`  ${k.padEnd(5)} ${s[k].tokens.toLocaleString('en-US').padStart(12)} tokens  ${fmtBytes(s[k].bytes).padStart(8)}  ${s[k].docs.toLocaleString('en-US')} documents`);
        }
        if (o.format) {
          const files = exportShards(o.out, o.format as 'nanogpt' | 'llmc', join(o.out, o.format));
          console.log(`  ${o.format} shards: ${files.map((f) => f.path).join(', ')}`);
        }
      } catch (e) {
        fail('prepare', e);
      }
    });
}
