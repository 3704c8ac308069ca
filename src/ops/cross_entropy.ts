// Cross-entropy from logits, fused with log-softmax: mean over targets != ignoreIndex
// (PyTorch's F.cross_entropy default; ignoreIndex defaults to −100 as in PyTorch and HF).
import { Tensor, zeros, empty } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';
import { gradOf, record } from '../autograd/tape.js';
import { assertFloat, assertInt, K } from './util.js';
import { contiguous } from './view.js';

export interface CrossEntropyOptions {
  ignoreIndex?: number;
  /** 'mean' over counted rows (default), 'sum', or 'none' (per-row losses, shape (N)). */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * @param logits (..., V)
 * @param targets (...) int32 class ids
 * @example crossEntropy(logits, targets, { ignoreIndex: -1 })
 */
export function crossEntropy(logitsIn: Tensor, targetsIn: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  assertFloat('cross_entropy', logitsIn);
  assertInt('cross_entropy', targetsIn, 'targets');
  const ignore = opts.ignoreIndex ?? -100;
  const reduction = opts.reduction ?? 'mean';
  const V = logitsIn.shape[logitsIn.ndim - 1] ?? 0;
  const lead = logitsIn.shape.slice(0, -1);
  if (targetsIn.ndim !== lead.length || targetsIn.shape.some((d, i) => d !== lead[i])) {
    throw new Error(`cross_entropy: targets ${fmtShape(targetsIn.shape)} must have the leading shape ${fmtShape(lead)} of logits ${fmtShape(logitsIn.shape)}`);
  }
  const x = contiguous(logitsIn), t = contiguous(targetsIn);
  const tv = t.buffer() as Int32Array;
  const N = tv.length;
  let count = 0;
  for (let i = 0; i < N; i++) {
    const id = tv[i]!;
    if (id === ignore) continue;
    if (id < 0 || id >= V) throw new Error(`cross_entropy: target ${id} at flat position ${i} is out of range [0, ${V}) (ignore index ${ignore})`);
    count++;
  }
  const losses = empty([N], { dtype: x.dtype });
  const lse = zeros([N], { dtype: x.dtype });
  K(x).crossEntropyForward(N, V, x.fbuffer(), tv, ignore, losses.fbuffer(), lse.fbuffer());
  const lv = losses.fbuffer();
  if (reduction === 'none') {
    const out = zeros(lead, { dtype: x.dtype });
    out.fbuffer().set(lv);
    return record(out, 'cross_entropy', [x], (g) => K(x).crossEntropyBackward(N, V, x.fbuffer(), tv, ignore, lse.fbuffer(), g, gradOf(x)));
  }
  let total = 0;
  for (let i = 0; i < N; i++) total += lv[i]!;
  // mean over zero counted rows is NaN, as in PyTorch
  const scale = reduction === 'mean' ? 1 / count : 1;
  const out = zeros([], { dtype: x.dtype });
  out.data[0] = total * scale;
  return record(out, 'cross_entropy', [x], (g) => {
    const gl = zeros([N], { dtype: x.dtype }).fbuffer();
    gl.fill(g[0]! * scale);
    K(x).crossEntropyBackward(N, V, x.fbuffer(), tv, ignore, lse.fbuffer(), gl, gradOf(x));
  });
}
