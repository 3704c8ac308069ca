// Renders trainer events: the resolved config at start, a progress bar with loss, tokens/s,
// ms/step, MFU and ETA (cli-progress on a terminal, a log line every N steps otherwise).
import cliProgress from 'cli-progress';
import type { TrainEvent } from '../train/trainer.js';
import { fmtBytes, fmtCount, fmtDuration } from './args.js';

export function trainRenderer(opts: { quiet?: boolean; logEvery?: number } = {}): (e: TrainEvent) => void {
  const tty = process.stderr.isTTY && !opts.quiet;
  const out = (s: string): void => { if (!opts.quiet) console.error(s); };
  let bar: cliProgress.SingleBar | null = null;
  const logEvery = opts.logEvery ?? 50;
  return (e) => {
    switch (e.type) {
      case 'start': {
        const c = e.config;
        out(`lmforge train: ${e.backend}`);
        out(`  model  ${c.arch} n_layer=${c.n_layer} n_head=${c.n_head} n_embd=${c.n_embd} block_size=${c.block_size} dropout=${c.dropout}` +
          (c.arch === 'llama' ? ` n_kv_head=${c.n_kv_head || c.n_head} rope_theta=${c.rope_theta}` : ` positions=${c.positions} bias=${c.bias}`));
        out(`  params ${fmtCount(e.params)} (${e.params.toLocaleString('en-US')}), ${fmtCount(e.flopsPerToken)} FLOPs/token, memory estimate ${fmtBytes(e.memoryBytes)}`);
        out(`  train  batch=${c.batch_size}x${c.grad_accum} iters=${c.max_iters} lr=${c.lr}->${c.min_lr} warmup=${c.warmup_iters} wd=${c.weight_decay} ` +
          `betas=(${c.beta1}, ${c.beta2}) clip=${c.grad_clip} eval every ${c.eval_interval} (${c.eval_iters} batches) patience=${c.patience || 'off'} seed=${c.seed}`);
        out(`  data   ${c.data} -> run ${c.out}${e.resumedFrom !== null ? ` (resumed at iteration ${e.resumedFrom})` : ''}`);
        if (tty) {
          bar = new cliProgress.SingleBar({
            format: 'train [{bar}] {value}/{total} | loss {loss} | val {val} | {tps} tok/s | {ms} ms/step | MFU {mfu} | ETA {eta_h}',
            stream: process.stderr, hideCursor: true, barsize: 24,
          }, cliProgress.Presets.shades_classic);
          bar.start(c.max_iters, e.resumedFrom ?? 0, { loss: '-', val: '-', tps: '-', ms: '-', mfu: '-', eta_h: '-' });
        }
        return;
      }
      case 'step': {
        const payload = { loss: e.loss.toFixed(4), tps: Math.round(e.tokensPerSec).toLocaleString('en-US'), ms: e.msPerStep.toFixed(0),
          mfu: e.mfu === null ? 'n/a' : `${(100 * e.mfu).toFixed(1)}%`, eta_h: fmtDuration(e.etaSec) };
        if (bar) bar.update(e.iter + 1, payload);
        else if ((e.iter + 1) % logEvery === 0 || e.iter === 0) out(`iter ${e.iter + 1}/${e.maxIters}: loss ${payload.loss}, ${payload.tps} tok/s, ${payload.ms} ms/step, MFU ${payload.mfu}, ETA ${payload.eta_h}`);
        return;
      }
      case 'eval':
        if (bar) bar.update({ val: e.valLoss.toFixed(4) });
        else out(`iter ${e.iter}: val loss ${e.valLoss.toFixed(4)}${e.improved ? ' (best)' : ` (best ${e.bestValLoss.toFixed(4)})`}`);
        return;
      case 'skip':
        if (bar) bar.stop();
        out(`warning: ${e.reason}`);
        if (bar) bar.start(bar.getTotal(), e.iter + 1);
        return;
      case 'early_stop':
        if (bar) bar.stop();
        bar = null;
        out(`early stopping at iteration ${e.iter}: ${e.evalsWithoutImprovement} evaluations without improvement`);
        return;
      case 'checkpoint':
        return;
      case 'test':
        if (bar) { bar.stop(); bar = null; }
        out(`test (once, best checkpoint ${e.checkpoint}): loss ${e.result.loss.toFixed(4)}, perplexity ${e.result.perplexity.toFixed(2)}` +
          (e.result.bits_per_byte !== null ? `, ${e.result.bits_per_byte.toFixed(4)} bits/byte` : '') + ` over ${e.result.tokens.toLocaleString('en-US')} tokens`);
        return;
      case 'done':
        if (bar) { bar.stop(); bar = null; }
        out(`done: ${e.iters} iterations, best val loss ${e.bestValLoss?.toFixed(4) ?? 'n/a'}`);
        return;
    }
  };
}
