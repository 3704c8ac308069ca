// Autoregressive generation with a KV cache: prefill the prompt once, then one token per step.
// Text streams as an async iterator with UTF-8-safe incremental decoding (a multi-byte character
// split across tokens is held back until complete).
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { noGrad } from '../autograd/tape.js';
import type { CausalLM } from '../models/types.js';
import { sampleToken, type SamplerOptions } from './samplers.js';

export interface GenerateOptions extends SamplerOptions {
  maxNewTokens?: number;
  seed?: number;
  /** Stop after this token id is produced (it is not emitted). */
  eosId?: number | null;
  /** Use the KV cache (default true); false recomputes the whole prefix every step. */
  useCache?: boolean;
}

/** Token-level generation: returns the new token ids (prompt excluded). */
export function* generateIds(model: CausalLM, prompt: readonly number[], opts: GenerateOptions = {}): Generator<number> {
  const maxNew = opts.maxNewTokens ?? 256;
  const block = model.config.block_size;
  if (prompt.length === 0) throw new Error('generate: the prompt is empty (at least one token is needed)');
  if (prompt.length >= block) throw new Error(`generate: prompt of ${prompt.length} tokens does not fit the context of ${block} (block_size)`);
  const rng = new Rng(opts.seed ?? 0);
  const wasTraining = model.training;
  model.eval();
  try {
    const useCache = opts.useCache ?? true;
    const cache = useCache ? model.newCache(1) : null;
    const seq = [...prompt];
    // the context window: seq[ctxStart:]. When it is full, the oldest half is dropped and the cache
    // is rebuilt from the newer half (cached and uncached decoding follow the same rule).
    let ctxStart = 0;
    let next = [...prompt];
    for (let step = 0; step < maxNew; step++) {
      const input = useCache ? next : seq.slice(ctxStart);
      const logits = noGrad(() => model.forward(new Tensor(Int32Array.from(input), [1, input.length]), { cache, lastOnly: true }).logits);
      const id = sampleToken(logits.toArray(), rng, opts);
      if (opts.eosId !== undefined && opts.eosId !== null && id === opts.eosId) return;
      yield id;
      seq.push(id);
      next = [id];
      if (seq.length - ctxStart >= block) {
        ctxStart = seq.length - Math.max(1, Math.floor(block / 2));
        if (cache) { cache.reset(); next = seq.slice(ctxStart); }
      }
    }
  } finally {
    model.train(wasTraining);
  }
}

export interface TextCodec {
  encode(text: string): number[];
  decodeBytes(ids: readonly number[]): Uint8Array;
}

/**
 * Stream generated text for a prompt. Stop strings end generation (the stop string is not emitted).
 * @example for await (const piece of generate(model, tok, 'Once upon', { maxNewTokens: 50 })) process.stdout.write(piece);
 */
export async function* generate(model: CausalLM, tok: TextCodec, prompt: string, opts: GenerateOptions & { stop?: string[] } = {}): AsyncGenerator<string> {
  const ids = tok.encode(prompt);
  const decoder = new TextDecoder('utf-8');
  const stops = (opts.stop ?? []).filter((s) => s.length > 0);
  const holdBack = stops.reduce((m, s) => Math.max(m, s.length - 1), 0);
  let pending = '';
  for (const id of generateIds(model, ids, opts)) {
    pending += decoder.decode(tok.decodeBytes([id]), { stream: true });
    if (stops.length) {
      let cut = -1;
      for (const s of stops) { const i = pending.indexOf(s); if (i >= 0 && (cut < 0 || i < cut)) cut = i; }
      if (cut >= 0) { if (cut > 0) yield pending.slice(0, cut); return; }
      // emit all but a tail that could still start a stop string
      let safe = Math.max(0, pending.length - holdBack);
      const c = pending.charCodeAt(safe - 1);
      if (safe > 0 && c >= 0xd800 && c <= 0xdbff) safe--; // never split a surrogate pair
      if (safe > 0) { yield pending.slice(0, safe); pending = pending.slice(safe); }
    } else if (pending) {
      yield pending;
      pending = '';
    }
    await Promise.resolve();
  }
  pending += decoder.decode();
  if (pending) yield pending;
}
