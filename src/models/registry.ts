// Build a model from its config (the `arch` field picks the architecture).
import { GPT, resolveGPTConfig, type GPTConfig } from './gpt.js';
import { Llama, resolveLlamaConfig, type LlamaConfig } from './llama.js';
import type { CausalLM } from './types.js';

export type ModelConfig = GPTConfig | LlamaConfig;

/** The architectures buildModel knows. */
export const ARCHITECTURES = ['gpt', 'llama'] as const;

/** Validate a config object read from JSON (errors name the field and the file). */
export function resolveModelConfig(raw: Record<string, unknown>, source = 'config'): ModelConfig {
  const arch = raw.arch ?? 'gpt';
  try {
    if (arch === 'gpt') return resolveGPTConfig(raw as Partial<GPTConfig>);
    if (arch === 'llama') return resolveLlamaConfig(raw as Partial<LlamaConfig>);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  throw new Error(`${source}: unsupported architecture '${String(arch)}' (supported: ${ARCHITECTURES.join(', ')})`);
}

export function buildModel(config: ModelConfig, opts: { seed?: number; init?: boolean } = {}): CausalLM {
  switch (config.arch) {
    case 'gpt': return new GPT(config, opts);
    case 'llama': return new Llama(config, opts);
  }
}
