// Learning-rate schedule: linear warmup then cosine decay to min_lr (nanoGPT's get_lr, FACTS §3.8).

export interface ScheduleConfig {
  lr: number;
  min_lr: number;
  warmup_iters: number;
  lr_decay_iters: number;
}

export function learningRate(it: number, c: ScheduleConfig): number {
  if (it < c.warmup_iters) return (c.lr * (it + 1)) / (c.warmup_iters + 1);
  if (it > c.lr_decay_iters) return c.min_lr;
  const span = c.lr_decay_iters - c.warmup_iters;
  const ratio = span > 0 ? (it - c.warmup_iters) / span : 1;
  return c.min_lr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (c.lr - c.min_lr);
}
