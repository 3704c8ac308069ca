// `lmforge train --data DIR --out RUN [flags]`: thin CLI over src/train/trainer.ts.
import type { Command } from 'commander';
import { train } from '../train/trainer.js';
import type { TrainConfig } from '../train/config.js';
import { Dataset } from '../data/dataset.js';
import { loadTokenizerSync } from '../tokenizers/index.js';
import { fail, int, num } from './args.js';
import { trainRenderer } from './train_progress.js';
import { tokenByteLengths } from './tokens.js';

/** flag name -> config key and parser (undefined flags keep the defaults or the resumed run's values). */
const FLAGS: [string, keyof TrainConfig, 'int' | 'num' | 'str', string][] = [
  ['arch', 'arch', 'str', 'architecture: gpt | llama'],
  ['n-layer', 'n_layer', 'int', 'Transformer blocks'],
  ['n-head', 'n_head', 'int', 'attention heads'],
  ['n-kv-head', 'n_kv_head', 'int', 'key/value heads (llama, grouped-query attention)'],
  ['n-embd', 'n_embd', 'int', 'embedding width'],
  ['intermediate-size', 'intermediate_size', 'int', 'SwiGLU hidden size (llama; 0 = Llama rule)'],
  ['rope-theta', 'rope_theta', 'num', 'RoPE base (llama)'],
  ['block-size', 'block_size', 'int', 'context length'],
  ['positions', 'positions', 'str', 'learned | sinusoidal (gpt)'],
  ['activation', 'activation', 'str', 'gelu_tanh | gelu (gpt)'],
  ['dropout', 'dropout', 'num', 'dropout probability'],
  ['batch-size', 'batch_size', 'int', 'sequences per micro-batch'],
  ['grad-accum', 'grad_accum', 'int', 'micro-batches per optimizer step'],
  ['max-iters', 'max_iters', 'int', 'optimizer steps'],
  ['lr', 'lr', 'num', 'peak learning rate'],
  ['min-lr', 'min_lr', 'num', 'final learning rate of the cosine decay'],
  ['warmup-iters', 'warmup_iters', 'int', 'linear warmup steps'],
  ['lr-decay-iters', 'lr_decay_iters', 'int', 'cosine decay length (default: max-iters)'],
  ['weight-decay', 'weight_decay', 'num', 'AdamW decoupled weight decay (2-D weights only)'],
  ['beta1', 'beta1', 'num', 'AdamW beta1'],
  ['beta2', 'beta2', 'num', 'AdamW beta2'],
  ['grad-clip', 'grad_clip', 'num', 'global gradient-norm clip (0 = off)'],
  ['eval-interval', 'eval_interval', 'int', 'steps between validations (and checkpoints)'],
  ['eval-iters', 'eval_iters', 'int', 'validation batches per evaluation'],
  ['patience', 'patience', 'int', 'early stopping: evaluations without improvement (0 = off)'],
  ['seed', 'seed', 'int', 'random seed'],
  ['keep-last', 'keep_last', 'int', 'checkpoints kept besides the best'],
  ['max-bad-steps', 'max_bad_steps', 'int', 'consecutive NaN/Inf steps tolerated'],
];

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('train a language model on a prepared data folder (validation, early stopping, checkpoints, one final test)')
    .requiredOption('--data <dir>', 'prepared data folder (lmforge prepare)')
    .requiredOption('--out <run>', 'run folder: checkpoints, metrics.jsonl, test.json')
    .option('--resume', 'continue the run in --out exactly where it stopped')
    .option('--no-bias', 'no biases in Linear/LayerNorm (gpt)')
    .option('--untied', 'separate output head instead of sharing the token embedding')
    .option('--no-test', 'skip the final test-split evaluation')
    .option('--quiet', 'no progress output');
  for (const [flag, , kind, help] of FLAGS) {
    if (kind === 'str') cmd.option(`--${flag} <value>`, help);
    else cmd.option(`--${flag} <n>`, help, kind === 'int' ? int(`--${flag}`) : num(`--${flag}`));
  }
  cmd.action(async (o: Record<string, unknown>) => {
    try {
      const cfg: Record<string, unknown> = { data: o.data, out: o.out, resume: !!o.resume };
      for (const [flag, key] of FLAGS) {
        const v = o[flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
        if (v !== undefined) cfg[key] = v;
      }
      if (o.bias === false) cfg.bias = false;
      if (o.untied) cfg.tie_word_embeddings = false;
      if (o.test === false) cfg.test = false;
      const ds = Dataset.open(String(o.data));
      const tok = loadTokenizerSync(ds.tokenizerPath);
      await train(cfg as Partial<TrainConfig> & { data: string; out: string }, {
        onEvent: trainRenderer({ quiet: !!o.quiet }),
        tokenBytes: tokenByteLengths(tok),
      });
    } catch (e) {
      fail('train', e);
    }
  });
}
