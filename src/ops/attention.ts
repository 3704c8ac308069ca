// One fused multi-head scaled-dot-product attention op: softmax(q·kᵀ·scale + mask)·v with a causal
// mask and/or a key padding mask, and grouped-query attention (k/v with fewer heads than q).
// Saves only the row log-sum-exp; backward recomputes probabilities (no (T,S) matrix kept).
import { Tensor, zeros, empty } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';
import { gradIfNeeded, record } from '../autograd/tape.js';
import { assertFloat, assertInt, K } from './util.js';
import { contiguous } from './view.js';

export interface AttentionOptions {
  /** Query t (at absolute position S − T + t) only sees keys at positions ≤ its own. */
  causal?: boolean;
  /** (B, S) int32: 1 = real token, 0 = padding (never attended). */
  keyPaddingMask?: Tensor | null;
  /** Score scale; default 1/sqrt(HS). */
  scale?: number;
}

/**
 * @param q (B, NH, T, HS)
 * @param k (B, NKV, S, HS) with NH % NKV == 0
 * @param v (B, NKV, S, HS)
 * @returns (B, NH, T, HS)
 */
export function scaledDotProductAttention(qIn: Tensor, kIn: Tensor, vIn: Tensor, opts: AttentionOptions = {}): Tensor {
  const op = 'attention';
  assertFloat(op, qIn, kIn, vIn);
  if (qIn.ndim !== 4 || kIn.ndim !== 4 || vIn.ndim !== 4) {
    throw new Error(`${op}: q, k, v must be 4-D (B, H, T, HS); got ${fmtShape(qIn.shape)}, ${fmtShape(kIn.shape)}, ${fmtShape(vIn.shape)}`);
  }
  const [B, NH, T, HS] = qIn.shape as [number, number, number, number];
  const [Bk, NKV, S, HSk] = kIn.shape as [number, number, number, number];
  const bad = Bk !== B || HSk !== HS || NKV === 0 || NH % NKV !== 0 || vIn.shape.some((d, i) => d !== kIn.shape[i]);
  if (bad) throw new Error(`${op}: incompatible shapes q ${fmtShape(qIn.shape)}, k ${fmtShape(kIn.shape)}, v ${fmtShape(vIn.shape)} (need k = v = (B, NKV, S, HS), NH % NKV == 0)`);
  const causal = !!opts.causal;
  if (causal && T > S) throw new Error(`${op}: causal attention needs T <= S, got T=${T}, S=${S}`);
  let mask: Int32Array | null = null;
  if (opts.keyPaddingMask) {
    const m = opts.keyPaddingMask;
    assertInt(op, m, 'keyPaddingMask');
    if (m.ndim !== 2 || m.shape[0] !== B || m.shape[1] !== S) throw new Error(`${op}: keyPaddingMask ${fmtShape(m.shape)} must be (B, S) = [${B}, ${S}]`);
    mask = contiguous(m).buffer() as Int32Array;
  }
  const scale = opts.scale ?? 1 / Math.sqrt(HS);
  const q = contiguous(qIn), k = contiguous(kIn), v = contiguous(vIn);
  const out = empty([B, NH, T, HS], { dtype: q.dtype });
  const lse = zeros([B, NH, T], { dtype: q.dtype });
  K(q).attentionForward(B, NH, NKV, T, S, HS, q.fbuffer(), k.fbuffer(), v.fbuffer(), causal, mask, scale, out.fbuffer(), lse.fbuffer());
  return record(out, op, [q, k, v], (g) => {
    K(q).attentionBackward(B, NH, NKV, T, S, HS, q.fbuffer(), k.fbuffer(), v.fbuffer(), causal, mask, scale, out.fbuffer(), lse.fbuffer(), g,
      gradIfNeeded(q), gradIfNeeded(k), gradIfNeeded(v));
  });
}
