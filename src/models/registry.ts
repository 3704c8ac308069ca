// Build a model from its config (the `arch` field picks the architecture).
import { GPT, resolveGPTConfig, type GPTConfig } from './gpt.js';
import type { CausalLM } from './types.js';

export type ModelConfig = GPTConfig;

/** Validate a config object read from JSON (errors name the field and the file). */
export function resolveModelConfig(raw: Record<string, unknown>, source = 'config'): ModelConfig {
  const arch = raw.arch ?? 'gpt';
  try {
    if (arch === 'gpt') return resolveGPTConfig(raw as Partial<GPTConfig>);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  throw new Error(`${source}: unsupported architecture '${String(arch)}' (supported: gpt)`);
}

export function buildModel(config: ModelConfig, opts: { seed?: number; init?: boolean } = {}): CausalLM {
  switch (config.arch) {
    case 'gpt': return new GPT(config, opts);
  }
}
