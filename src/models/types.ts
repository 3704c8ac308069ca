// What generation, evaluation and training need from any causal language model (GPT, Llama).
import type { Tensor } from '../tensor/tensor.js';
import type { Module } from '../nn/module.js';
import type { KVCache } from '../generate/kvcache.js';
import type { ModelConfig } from './registry.js';

export interface CausalLM extends Module {
  readonly config: ModelConfig;
  forward(ids: Tensor, opts?: { targets?: Tensor; ignoreIndex?: number; lastOnly?: boolean; cache?: KVCache | null }): { logits: Tensor; loss: Tensor | null };
  newCache(B?: number): KVCache;
}
