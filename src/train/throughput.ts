// Measure this machine's achieved training throughput: a few full training steps (forward, backward,
// AdamW) of a reference GPT on random tokens, reported as tokens/s and achieved FLOP/s (FLOPs/token ×
// tokens/s). The scaling planner turns FLOP/s into the time a planned run would take here.
import { GPT, type GPTConfig } from '../models/gpt.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { backward } from '../autograd/tape.js';
import { flattenParameters } from './flat.js';
import { AdamW, decayGroups } from './optim.js';
import { flopsPerToken } from './budget.js';

export interface Throughput {
  tokensPerSecond: number;
  flopsPerSecond: number;
  /** The reference model and batch that were timed. */
  config: Pick<GPTConfig, 'n_layer' | 'n_head' | 'n_embd' | 'block_size' | 'vocab_size'>;
  batch: number;
}

/** Time `steps` training steps (after 2 warm-up steps) of a reference GPT. */
export function measureThroughput(opts: { n_layer?: number; n_embd?: number; n_head?: number; block_size?: number; vocab_size?: number; batch?: number; steps?: number } = {}): Throughput {
  const config = { n_layer: opts.n_layer ?? 4, n_head: opts.n_head ?? 4, n_embd: opts.n_embd ?? 256, block_size: opts.block_size ?? 128, vocab_size: opts.vocab_size ?? 4096 };
  const B = opts.batch ?? 8, T = config.block_size, steps = opts.steps ?? 3;
  const model = new GPT(config, { seed: 0 });
  const groups = decayGroups(model.parameters(), 0.1);
  const flat = flattenParameters([...groups[0]!.params, ...groups[1]!.params]);
  const opt = new AdamW(groups, { lr: 1e-4 });
  const rng = new Rng(0);
  const ids = (): Tensor => new Tensor(Int32Array.from({ length: B * T }, () => rng.randint(0, config.vocab_size)), [B, T]);
  const x = ids(), y = ids();
  const step = (): void => {
    const { loss } = model.forward(x, { targets: y });
    backward(loss!, undefined, { releaseGraph: true });
    opt.step();
    flat.grad.fill(0);
  };
  step();
  step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const tokensPerSecond = (B * T * steps) / ((performance.now() - t0) / 1000);
  return { tokensPerSecond, flopsPerSecond: tokensPerSecond * flopsPerToken(model.config), config, batch: B };
}
