// Mini-batches of (B, T) inputs and next-token targets from a token shard, nanoGPT style: each row
// starts at a random offset drawn from a seeded generator, whose state is the data cursor.
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import type { Shard } from './shards.js';

export interface Batch {
  /** (B, T) int32 inputs. */
  x: Tensor;
  /** (B, T) int32 targets: x shifted by one. */
  y: Tensor;
}

export class BatchSampler {
  readonly rng: Rng;
  constructor(readonly shard: Shard, readonly B: number, readonly T: number, seed: number, readonly split = 'train') {
    if (shard.length < T + 1) {
      throw new Error(`the ${split} split has ${shard.length} tokens, fewer than block_size + 1 = ${T + 1}: use a smaller --block-size or more data`);
    }
    this.rng = new Rng(seed);
  }

  next(): Batch {
    const { B, T } = this;
    const x = new Int32Array(B * T), y = new Int32Array(B * T);
    const row = new Int32Array(T + 1);
    for (let b = 0; b < B; b++) {
      const start = this.rng.randint(0, this.shard.length - T);
      this.shard.read(start, T + 1, row);
      x.set(row.subarray(0, T), b * T);
      y.set(row.subarray(1), b * T);
    }
    return { x: new Tensor(x, [B, T]), y: new Tensor(y, [B, T]) };
  }
}
