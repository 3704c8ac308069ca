// Batched matrix multiply with batch-dim broadcasting and transpose flags, on the GEMM kernel.
// A view whose last two dims are transposed is passed to GEMM with its transpose flag flipped,
// so `matmul(q, transpose(k, -2, -1))` never copies k.
import type { F } from '../kernels/abi.js';
import { Tensor, empty } from '../tensor/tensor.js';
import { broadcastShapes, contiguousStrides, fmtShape, numel } from '../tensor/shape.js';
import { gradIfNeeded, record } from '../autograd/tape.js';
import { assertFloat, K } from './util.js';
import { contiguous, reshape } from './view.js';

/** A matrix operand for GEMM: op(stored) where stored rows have leading dim `ld`. */
interface Operand {
  data: F;
  off: number;
  ld: number;
  trans: boolean;
}

/** Describe the last two dims of `x` (batch dims contiguous) as a GEMM operand, copying only if needed. */
function operand(x: Tensor): { t: Tensor; stored: Operand; batchStride: number } {
  const r = x.ndim;
  const rows = x.shape[r - 2]!, cols = x.shape[r - 1]!;
  const batchContig = (t: Tensor): boolean => {
    let expect = rows * cols;
    for (let i = r - 3; i >= 0; i--) {
      if (t.shape[i] !== 1 && t.strides[i] !== expect) return false;
      expect *= t.shape[i]!;
    }
    return true;
  };
  const s1 = x.strides[r - 1]!, s2 = x.strides[r - 2]!;
  if (batchContig(x)) {
    if ((s1 === 1 || cols === 1) && (s2 === cols || rows === 1)) {
      return { t: x, stored: { data: x.data as F, off: x.offset, ld: Math.max(cols, 1), trans: false }, batchStride: rows * cols };
    }
    if ((s2 === 1 || rows === 1) && (s1 === rows || cols === 1)) {
      return { t: x, stored: { data: x.data as F, off: x.offset, ld: Math.max(rows, 1), trans: true }, batchStride: rows * cols };
    }
  }
  const c = contiguous(x);
  return { t: c, stored: { data: c.data as F, off: c.offset, ld: Math.max(cols, 1), trans: false }, batchStride: rows * cols };
}

const flip = (o: Operand): Operand => ({ ...o, trans: !o.trans });

/** Offsets (in matrices) of each output batch into a batch of shape `own` broadcast to `out`. */
function batchIndex(own: readonly number[], out: readonly number[]): Int32Array {
  const n = numel(out);
  const idx = new Int32Array(n);
  const off = out.length - own.length;
  const ownStrides = contiguousStrides(own);
  const outStrides = contiguousStrides(out);
  for (let i = 0; i < n; i++) {
    let rem = i, p = 0;
    for (let d = 0; d < out.length; d++) {
      const k = Math.floor(rem / outStrides[d]!);
      rem -= k * outStrides[d]!;
      if (d >= off && own[d - off] !== 1) p += k * ownStrides[d - off]!;
    }
    idx[i] = p;
  }
  return idx;
}

/** C (M,N) += or = X (M,K) · Y (K,N) over the batch mapping. */
function gemmBatched(x: Tensor, M: number, N: number, Kd: number, X: Operand, xIdx: Int32Array, xStride: number,
  Y: Operand, yIdx: Int32Array, yStride: number, C: F, cIdx: Int32Array, beta: number): void {
  const k = K(x);
  const n = cIdx.length;
  // affine mappings (the common case) run as one batched call
  const affine = (idx: Int32Array): number | null => {
    if (n <= 1) return 0;
    const s = idx[1]! - idx[0]!;
    for (let i = 1; i < n; i++) if (idx[i]! - idx[i - 1]! !== s) return null;
    return s;
  };
  const ax = affine(xIdx), ay = affine(yIdx), ac = affine(cIdx);
  if (ax !== null && ay !== null && ac !== null && (ac !== 0 || beta === 1) && xIdx[0] === 0 && yIdx[0] === 0 && cIdx[0] === 0) {
    k.gemm(X.trans, Y.trans, M, N, Kd, 1, X.data, X.off, X.ld, ax * xStride, Y.data, Y.off, Y.ld, ay * yStride, beta, C, 0, N, ac * M * N, n);
    return;
  }
  for (let i = 0; i < n; i++) {
    k.gemm(X.trans, Y.trans, M, N, Kd, 1, X.data, X.off + xIdx[i]! * xStride, X.ld, 0, Y.data, Y.off + yIdx[i]! * yStride, Y.ld, 0,
      beta, C, cIdx[i]! * M * N, N, 0, 1);
  }
}

export interface MatmulOptions {
  /** Use aᵀ (last two dims) instead of a. */
  transA?: boolean;
  /** Use bᵀ (last two dims) instead of b. */
  transB?: boolean;
}

/**
 * Matrix product of the last two dims with broadcasting batch dims (1-D operands as in torch.matmul).
 * @example matmul(q, k, { transB: true }) // (B, NH, T, HS) x (B, NH, T, HS)ᵀ -> (B, NH, T, T)
 */
export function matmul(aIn: Tensor, bIn: Tensor, opts: MatmulOptions = {}): Tensor {
  assertFloat('matmul', aIn, bIn);
  if (aIn.ndim === 0 || bIn.ndim === 0) throw new Error(`matmul: operands must have at least 1 dim, got ${fmtShape(aIn.shape)} and ${fmtShape(bIn.shape)}`);
  const aVec = aIn.ndim === 1, bVec = bIn.ndim === 1;
  const a2 = aVec ? reshape(aIn, [1, aIn.shape[0]!]) : aIn;
  const b2 = bVec ? reshape(bIn, [bIn.shape[0]!, 1]) : bIn;
  const tA = !!opts.transA && !aVec, tB = !!opts.transB && !bVec;
  const ar = a2.shape[a2.ndim - 2]!, ac = a2.shape[a2.ndim - 1]!;
  const br = b2.shape[b2.ndim - 2]!, bc = b2.shape[b2.ndim - 1]!;
  const M = tA ? ac : ar, Ka = tA ? ar : ac, Kb = tB ? bc : br, N = tB ? br : bc;
  if (Ka !== Kb) {
    throw new Error(`matmul: inner dims differ: ${fmtShape(aIn.shape)}${tA ? 'ᵀ' : ''} x ${fmtShape(bIn.shape)}${tB ? 'ᵀ' : ''} (${Ka} vs ${Kb})`);
  }
  const aBatch = a2.shape.slice(0, -2), bBatch = b2.shape.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch, 'matmul (batch dims)');
  const A = operand(a2), Bo = operand(b2);
  const opA: Operand = tA ? flip(A.stored) : A.stored;
  const opB: Operand = tB ? flip(Bo.stored) : Bo.stored;
  const aIdx = batchIndex(aBatch, batch), bIdx = batchIndex(bBatch, batch);
  const cIdx = batchIndex(batch, batch);
  const out = empty([...batch, M, N], { dtype: a2.dtype });
  gemmBatched(a2, M, N, Ka, opA, aIdx, A.batchStride, opB, bIdx, Bo.batchStride, out.fbuffer(), cIdx, 0);

  const at = A.t, bt = Bo.t;
  let res = record(out, 'matmul', [at, bt], (g) => {
    const G: Operand = { data: g, off: 0, ld: N, trans: false };
    const ga = gradIfNeeded(at), gb = gradIfNeeded(bt);
    // gradients are contiguous in each operand's own (rows, cols) layout
    if (ga) {
      if (!tA) gemmBatched(a2, M, Ka, N, G, cIdx, M * N, flip(opB), bIdx, Bo.batchStride, ga, aIdx, 1);
      else gemmBatched(a2, Ka, M, N, opB, bIdx, Bo.batchStride, flip(G), cIdx, M * N, ga, aIdx, 1);
    }
    if (gb) {
      if (!tB) gemmBatched(a2, Ka, N, M, flip(opA), aIdx, A.batchStride, G, cIdx, M * N, gb, bIdx, 1);
      else gemmBatched(a2, N, Ka, M, flip(G), cIdx, M * N, opA, aIdx, A.batchStride, gb, bIdx, 1);
    }
  });
  if (aVec && bVec) res = reshape(res, []);
  else if (aVec) res = reshape(res, [...batch, N]);
  else if (bVec) res = reshape(res, [...batch, M]);
  return res;
}
