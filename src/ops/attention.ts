// One fused multi-head scaled-dot-product attention op: softmax(q·kᵀ·scale + mask)·v with a causal
// mask and/or a key padding mask, and grouped-query attention (k/v with fewer heads than q).
// Saves only the row log-sum-exp; backward recomputes probabilities (no (T,S) matrix kept).
// The kernels read q/k/v through strides (AttentionLayout): head-split views and KV-cache slices are not
// copied, and qkvAttention works straight on GPT-2's fused (B, T, 3C) projection.
import { Tensor, zeros, empty } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';
import { gradForKernel, gradIfNeeded, record } from '../autograd/tape.js';
import { assertFloat, assertInt, K } from './util.js';
import { contiguous } from './view.js';
import { denseAttentionLayout } from '../kernels/attention_layout.js';

export interface AttentionOptions {
  /** Query t (at absolute position S − T + t) only sees keys at positions ≤ its own. */
  causal?: boolean;
  /** (B, S) int32: 1 = real token, 0 = padding (never attended). */
  keyPaddingMask?: Tensor | null;
  /** Score scale; default 1/sqrt(HS). */
  scale?: number;
}

function maskBuffer(op: string, m: Tensor | null | undefined, B: number, S: number): Int32Array | null {
  if (!m) return null;
  assertInt(op, m, 'keyPaddingMask');
  if (m.ndim !== 2 || m.shape[0] !== B || m.shape[1] !== S) throw new Error(`${op}: keyPaddingMask ${fmtShape(m.shape)} must be (B, S) = [${B}, ${S}]`);
  return contiguous(m).buffer() as Int32Array;
}

/** x itself when its rows (last dim) are contiguous and its other strides are non-negative, else a copy. */
function rowsContiguous(x: Tensor): Tensor {
  const s = x.strides;
  const ok = (x.shape[3] === 1 || s[3] === 1) && s[0]! >= 0 && s[1]! >= 0 && s[2]! >= 0;
  return ok ? x : contiguous(x);
}

/**
 * @param q (B, NH, T, HS)
 * @param k (B, NKV, S, HS) with NH % NKV == 0
 * @param v (B, NKV, S, HS)
 * @returns (B, NH, T, HS)
 * q, k and v may be strided views (e.g. heads split from a (B, T, C) tensor, or the first S rows of a
 * KV cache): they are read in place.
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
  const mask = maskBuffer(op, opts.keyPaddingMask, B, S);
  const scale = opts.scale ?? 1 / Math.sqrt(HS);
  const q = rowsContiguous(qIn), k = rowsContiguous(kIn), v = rowsContiguous(vIn);
  const out = empty([B, NH, T, HS], { dtype: q.dtype });
  const lse = zeros([B, NH, T], { dtype: q.dtype });
  // inputs through their own strides; out, g and the gradients dense
  const layout = denseAttentionLayout(B, NH, NKV, T, S, HS);
  const place = (i: number, t: Tensor): void => { layout.splice(4 * i, 4, t.offset, t.strides[0]!, t.strides[1]!, t.strides[2]!); };
  place(0, q); place(1, k); place(2, v);
  const data = (t: Tensor) => t.data as Float32Array | Float64Array;
  K(q).attentionForward(B, NH, NKV, T, S, HS, data(q), data(k), data(v), causal, mask, scale, out.fbuffer(), lse.fbuffer(), layout);
  return record(out, op, [q, k, v], (g) => {
    K(q).attentionBackward(B, NH, NKV, T, S, HS, data(q), data(k), data(v), causal, mask, scale, out.fbuffer(), lse.fbuffer(), g,
      gradIfNeeded(q), gradIfNeeded(k), gradIfNeeded(v), layout);
  });
}

/**
 * Self-attention straight on a fused projection: `qkv` (B, T, 3C) holds q | k | v of every token (GPT-2's
 * c_attn output, heads of C/nHead values side by side in each); returns (B, T, C) with the heads side by
 * side again (c_proj's input). The kernel reads q, k, v in place and writes the merged layout, and backward
 * writes straight into qkv's gradient: no head split / merge copies in either direction.
 * @example const y = qkvAttention(c_attn.forward(x), nHead, { causal: true }); // (B, T, C)
 */
export function qkvAttention(qkvIn: Tensor, nHead: number, opts: AttentionOptions = {}): Tensor {
  const op = 'qkvAttention';
  assertFloat(op, qkvIn);
  if (qkvIn.ndim !== 3 || qkvIn.shape[2]! % 3 !== 0) throw new Error(`${op}: qkv must be (B, T, 3C), got ${fmtShape(qkvIn.shape)}`);
  const [B, T, C3] = qkvIn.shape as [number, number, number];
  const C = C3 / 3;
  if (!Number.isInteger(nHead) || nHead <= 0 || C % nHead !== 0) throw new Error(`${op}: C = ${C} (qkv ${fmtShape(qkvIn.shape)}) is not divisible by nHead = ${nHead}`);
  const HS = C / nHead;
  const mask = maskBuffer(op, opts.keyPaddingMask, B, T);
  const causal = !!opts.causal;
  const scale = opts.scale ?? 1 / Math.sqrt(HS);
  const qkv = contiguous(qkvIn);
  const out = empty([B, T, C], { dtype: qkv.dtype });
  const lse = zeros([B, nHead, T], { dtype: qkv.dtype });
  const inp = (off: number) => [off, T * C3, HS, C3];
  const res = [0, T * C, HS, C];
  // q, k, v, out, g, gq, gk, gv: the gradients share qkv's layout, g shares out's
  const layout = [...inp(0), ...inp(C), ...inp(2 * C), ...res, ...res, ...inp(0), ...inp(C), ...inp(2 * C)];
  const x = qkv.fbuffer();
  K(qkv).attentionForward(B, nHead, nHead, T, T, HS, x, x, x, causal, mask, scale, out.fbuffer(), lse.fbuffer(), layout);
  return record(out, op, [qkv], (g) => {
    // the first gradient to reach qkv: the kernel writes every element of it (no zero fill, no read of zeros)
    const gx = gradForKernel(qkv);
    if (gx) K(qkv).attentionBackward(B, nHead, nHead, T, T, HS, x, x, x, causal, mask, scale, out.fbuffer(), lse.fbuffer(), g, gx.buf, gx.buf, gx.buf, layout, gx.overwrite);
  });
}
