// Training configuration: every knob of `lmforge train`, with nanoGPT-like defaults, validated
// with errors that name the flag. The resolved config is printed at start and saved in checkpoints.

export interface TrainConfig {
  /** Prepared data folder (lmforge prepare). */
  data: string;
  /** Run folder for checkpoints and metrics. */
  out: string;
  arch: 'gpt' | 'llama';
  n_layer: number;
  n_head: number;
  n_embd: number;
  block_size: number;
  dropout: number;
  bias: boolean;
  positions: 'learned' | 'sinusoidal';
  activation: 'gelu_tanh' | 'gelu';
  tie_word_embeddings: boolean;
  /** Llama only: key/value heads (grouped-query attention); 0 = n_head. */
  n_kv_head: number;
  /** Llama only: SwiGLU hidden size; 0 = Llama's rule (2/3·4·n_embd rounded up to 256). */
  intermediate_size: number;
  /** Llama only: RoPE base. */
  rope_theta: number;
  batch_size: number;
  grad_accum: number;
  max_iters: number;
  lr: number;
  min_lr: number;
  warmup_iters: number;
  /** Cosine decay length (default: max_iters). */
  lr_decay_iters: number;
  weight_decay: number;
  beta1: number;
  beta2: number;
  grad_clip: number;
  eval_interval: number;
  eval_iters: number;
  /** Stop after this many evaluations without improvement (0 = never). */
  patience: number;
  seed: number;
  /** Checkpoints kept besides the best. */
  keep_last: number;
  /** Consecutive NaN/Inf steps tolerated before the run stops. */
  max_bad_steps: number;
  /** Evaluate the best checkpoint on the test split at the end. */
  test: boolean;
}

export const defaultTrainConfig: Omit<TrainConfig, 'data' | 'out'> = {
  arch: 'gpt', n_layer: 4, n_head: 4, n_embd: 128, block_size: 64, dropout: 0, bias: true, positions: 'learned',
  activation: 'gelu_tanh', tie_word_embeddings: true, n_kv_head: 0, intermediate_size: 0, rope_theta: 10000,
  batch_size: 12, grad_accum: 1, max_iters: 2000, lr: 1e-3, min_lr: 1e-4, warmup_iters: 100, lr_decay_iters: -1,
  weight_decay: 0.1, beta1: 0.9, beta2: 0.99, grad_clip: 1.0, eval_interval: 250, eval_iters: 20, patience: 0, seed: 1337,
  keep_last: 2, max_bad_steps: 5, test: true,
};

export function resolveTrainConfig(c: Partial<TrainConfig> & { data: string; out: string }): TrainConfig {
  const cfg: TrainConfig = { ...defaultTrainConfig, ...c } as TrainConfig;
  if (cfg.lr_decay_iters < 0) cfg.lr_decay_iters = cfg.max_iters;
  const posInt = ['n_layer', 'n_head', 'n_embd', 'block_size', 'batch_size', 'grad_accum', 'eval_interval', 'eval_iters', 'keep_last'] as const;
  for (const k of posInt) if (!Number.isInteger(cfg[k]) || cfg[k] <= 0) throw new Error(`train: --${k.replace(/_/g, '-')} must be a positive integer, got ${cfg[k]}`);
  for (const k of ['max_iters', 'warmup_iters', 'patience', 'seed', 'max_bad_steps'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 0) throw new Error(`train: --${k.replace(/_/g, '-')} must be a non-negative integer, got ${cfg[k]}`);
  }
  for (const k of ['lr', 'min_lr', 'weight_decay', 'grad_clip'] as const) if (!(cfg[k] >= 0)) throw new Error(`train: --${k.replace(/_/g, '-')} must be >= 0, got ${cfg[k]}`);
  for (const k of ['beta1', 'beta2'] as const) if (!(cfg[k] >= 0 && cfg[k] < 1)) throw new Error(`train: --${k} must be in [0, 1), got ${cfg[k]}`);
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw new Error(`train: --dropout must be in [0, 1), got ${cfg.dropout}`);
  if (cfg.n_embd % cfg.n_head !== 0) throw new Error(`train: --n-embd (${cfg.n_embd}) must be divisible by --n-head (${cfg.n_head})`);
  if (cfg.arch !== 'gpt' && cfg.arch !== 'llama') throw new Error(`train: --arch must be gpt or llama, got ${String(cfg.arch)}`);
  for (const k of ['n_kv_head', 'intermediate_size'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 0) throw new Error(`train: --${k.replace(/_/g, '-')} must be a non-negative integer (0 = default), got ${cfg[k]}`);
  }
  if (cfg.n_kv_head > 0 && cfg.n_head % cfg.n_kv_head !== 0) throw new Error(`train: --n-head (${cfg.n_head}) must be a multiple of --n-kv-head (${cfg.n_kv_head})`);
  if (!(cfg.rope_theta > 0)) throw new Error(`train: --rope-theta must be > 0, got ${cfg.rope_theta}`);
  return cfg;
}

/** The fields of TrainConfig that define the model (must not change on --resume). */
export const MODEL_KEYS = ['arch', 'n_layer', 'n_head', 'n_embd', 'block_size', 'bias', 'positions', 'activation', 'tie_word_embeddings',
  'n_kv_head', 'intermediate_size', 'rope_theta'] as const;
