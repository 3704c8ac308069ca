// A small prepared data folder with a deterministic token stream, for trainer tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ShardWriter } from '../../src/data/shards.js';
import { Rng } from '../../src/tensor/rng.js';
import { tempDir } from './tmp.js';

/** Tokens follow a noisy cyclic pattern over `vocab` ids so a tiny model can learn something. */
export function syntheticData(vocab = 16, tokens: Record<'train' | 'val' | 'test', number> = { train: 4000, val: 600, test: 600 }, seed = 1): string {
  const dir = tempDir('lmforge-data-');
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(seed);
  const splits: Record<string, unknown> = {};
  for (const [name, n] of Object.entries(tokens)) {
    const w = new ShardWriter(join(dir, `${name}.bin`), 2);
    const ids: number[] = [];
    let cur = 0;
    for (let i = 0; i < n; i++) {
      cur = rng.uniform() < 0.9 ? (cur + 1) % vocab : rng.randint(0, vocab);
      ids.push(cur);
    }
    w.write(ids);
    w.finish();
    splits[name] = { file: `${name}.bin`, tokens: n, bytes: n, docs: 1 };
  }
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ synthetic: true }));
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({
    format: 'lmforge-tokens', version: 1, tokenizer: { name: 'synthetic', file: 'tokenizer.json', vocab_size: vocab, eot_id: null, kind: 'char' },
    dtype: 'uint16', splits, seed, val_frac: 0.1, test_frac: 0.1, sources: ['synthetic'],
  }));
  return dir;
}
