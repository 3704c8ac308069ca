// Dropout (inverted): zero each element with probability p and scale the rest by 1/(1−p) in
// training; the identity in eval. The mask comes from a seeded generator, so runs reproduce.
import { Tensor, zeros } from '../tensor/tensor.js';
import { defaultRng, type Rng } from '../tensor/rng.js';
import { mul } from './binary.js';
import { assertFloat } from './util.js';

export function dropout(x: Tensor, p: number, training: boolean, rng: Rng = defaultRng): Tensor {
  assertFloat('dropout', x);
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  const mask = zeros(x.shape, { dtype: x.dtype });
  const m = mask.data;
  const scale = p === 1 ? 0 : 1 / (1 - p);
  for (let i = 0; i < m.length; i++) m[i] = rng.uniform() >= p ? scale : 0;
  return mul(x, mask);
}
