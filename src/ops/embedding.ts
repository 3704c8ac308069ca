// Embedding: gather rows of a (V, C) table by int32 ids; backward scatter-adds into the table.
import { Tensor, empty } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';
import { gradOf, record } from '../autograd/tape.js';
import { assertFloat, assertInt, K } from './util.js';
import { contiguous } from './view.js';

/** ids (...) int32, weight (V, C) -> (..., C). Out-of-range ids throw, naming the first one. */
export function embedding(idsIn: Tensor, weightIn: Tensor): Tensor {
  assertInt('embedding', idsIn, 'ids');
  assertFloat('embedding', weightIn);
  if (weightIn.ndim !== 2) throw new Error(`embedding: weight must be (V, C), got ${fmtShape(weightIn.shape)}`);
  const [V, C] = weightIn.shape as [number, number];
  const ids = contiguous(idsIn), w = contiguous(weightIn);
  const idv = ids.buffer() as Int32Array;
  for (let i = 0; i < idv.length; i++) {
    const id = idv[i]!;
    if (id < 0 || id >= V) throw new Error(`embedding: id ${id} at flat position ${i} is out of range [0, ${V}) for weight ${fmtShape(weightIn.shape)}`);
  }
  const N = ids.size;
  const out = empty([...ids.shape, C], { dtype: w.dtype });
  K(w).embeddingForward(N, C, idv, w.fbuffer(), out.fbuffer());
  return record(out, 'embedding', [w], (g) => K(w).embeddingBackward(N, C, idv, g, gradOf(w)));
}
