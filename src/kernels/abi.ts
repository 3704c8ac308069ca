// The kernel contract: every computation an op performs goes through one of these functions.
// Kernels see flat typed arrays and explicit dimensions only — no Tensor, no autograd.
// The JS reference backend (kernels/js) is the spec and is dtype-generic (float32 or float64);
// the native backend (csrc/, float32 only) implements the same names and is tested against it.
//
// Conventions:
//  - Row-major; "(N, C)" means N rows of C contiguous values.
//  - `*Backward` kernels ACCUMULATE into their gradient outputs (+=), as llm.c does, so that
//    gradients from several uses of a tensor add up. Forward kernels overwrite their outputs.
//  - Strided arguments (`off`, `strides`) describe views; strides are in elements, may be 0
//    (broadcast) and have the rank of `shape`.
//  - A gradient argument may be null when that input does not need a gradient.

import type { FloatArray, Storage } from '../tensor/dtype.js';

export type F = FloatArray;

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'tanh' | 'sigmoid' | 'relu'
  | 'gelu' /* erf form */ | 'gelu_tanh' /* GPT-2 tanh form */ | 'silu'
  | 'pow' /* x^p, p = param */ | 'abs';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';

export type ReduceOp = 'sum' | 'max';

/**
 * Where attention's operands sit in their arrays: 8 groups of 4 numbers [offset, strideB, strideH, strideT]
 * (elements; the HS values of a row are contiguous) for q, k, v, out, g, gq, gk, gv in that order — row t of
 * head h of batch b of q starts at q[qOffset + b·strideB + h·strideH + t·strideT]. Gradients may have their
 * own layout (e.g. q is a view into a fused (B, T, 3C) projection while gq is that projection's gradient, or
 * gq is dense while q is a view). This lets attention read GPT-2's packed q|k|v and write (B, T, C) directly,
 * and read a KV cache of capacity maxT (strideT = HS, strideH = maxT·HS) without copying it.
 * @example // q, k, v from a (B, T, 3C) tensor, out (B, T, C): q = [0, T*3*C, HS, 3*C], k = [C, ...], v = [2*C, ...]
 */
export type AttentionLayout = readonly number[];

export interface Kernels {
  /** Name of the backend ('js' or 'native'). */
  readonly name: string;

  // ---- data movement (views, contiguous(), concat, view-op backward) ----
  /** dst[i] = src[srcOff + Σ idx_k * srcStrides_k] for i running over `shape` in row-major order. */
  stridedCopy(src: Storage, srcOff: number, shape: readonly number[], srcStrides: readonly number[], dst: Storage, dstOff: number): void;
  /** dst[dstOff + Σ idx_k * dstStrides_k] += src[i]; stride 0 sums (expand backward). */
  stridedAccumulate(src: F, shape: readonly number[], dst: F, dstOff: number, dstStrides: readonly number[]): void;

  // ---- elementwise ----
  /** out (contiguous, `shape`) = a op b, reading a and b through broadcast strides. */
  binaryForward(op: BinaryOp, shape: readonly number[], a: F, aOff: number, aStrides: readonly number[], b: F, bOff: number, bStrides: readonly number[], out: F): void;
  /** ga[...] += ∂(a op b)/∂a · g, gb likewise; ga/gb strides are the broadcast strides of contiguous grads. */
  binaryBackward(op: BinaryOp, shape: readonly number[], a: F, aOff: number, aStrides: readonly number[], b: F, bOff: number, bStrides: readonly number[],
    g: F, ga: F | null, gaStrides: readonly number[], gb: F | null, gbStrides: readonly number[]): void;
  /** out[i] = f(x[i]) over n contiguous elements; `param` is the exponent for 'pow'. */
  unaryForward(op: UnaryOp, n: number, x: F, out: F, param: number): void;
  /**
   * gx[i] += f'(x[i]) · g[i]; `y` is the forward output (used where cheaper, e.g. exp, tanh). With
   * `gxOverwrite` gx[i] = f'(x[i]) · g[i]: gx's previous contents are never read (a fresh, uninitialised buffer).
   */
  unaryBackward(op: UnaryOp, n: number, x: F, y: F, g: F, gx: F, param: number, gxOverwrite?: boolean): void;
  /** out = cond ? a : b over `shape` with broadcast strides; cond is int32 (nonzero = true). */
  whereForward(shape: readonly number[], cond: Int32Array, cOff: number, cStrides: readonly number[], a: F, aOff: number, aStrides: readonly number[],
    b: F, bOff: number, bStrides: readonly number[], out: F): void;
  /** ga += cond ? g : 0, gb += cond ? 0 : g (grad strides as in binaryBackward). */
  whereBackward(shape: readonly number[], cond: Int32Array, cOff: number, cStrides: readonly number[], g: F,
    ga: F | null, gaStrides: readonly number[], gb: F | null, gbStrides: readonly number[]): void;

  // ---- reductions over the middle axis of a contiguous (outer, R, inner) array ----
  /** out (outer, inner) = reduce over R; for 'max', argmax (outer, inner) receives the first maximal index. */
  reduceForward(op: ReduceOp, outer: number, R: number, inner: number, x: F, out: F, argmax: Int32Array | null): void;
  /** 'sum': gx[o, r, i] += g[o, i] for every r; 'max': only at r = argmax[o, i]. */
  reduceBackward(op: ReduceOp, outer: number, R: number, inner: number, g: F, gx: F, argmax: Int32Array | null): void;

  // ---- matrix multiply ----
  /**
   * Batched GEMM, BLAS-style, row-major: for each b in [0, batch):
   *   C_b = alpha · op(A_b) · op(B_b) + beta · C_b
   * op(A_b) is (M, K): A_b is stored (M, K) with leading dim lda, or (K, M) if transA.
   * op(B_b) is (K, N): B_b is stored (K, N) with leading dim ldb, or (N, K) if transB.
   * C_b is (M, N) with leading dim ldc. X_b starts at xOff + b * strideX (stride 0 = shared).
   * beta = 0 means C is overwritten (never read). When strideC is 0 with batch > 1, the
   * batches are summed into C in order.
   */
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: F, aOff: number, lda: number, strideA: number,
    B: F, bOff: number, ldb: number, strideB: number,
    beta: number, C: F, cOff: number, ldc: number, strideC: number, batch: number): void;

  // ---- fused layers ----
  /** out (N, OUT) = x (N, IN) · wᵀ (w is (OUT, IN), nn.Linear layout) + bias (OUT) */
  linearForward(x: F, w: F, bias: F | null, out: F, N: number, IN: number, OUT: number): void;
  /**
   * gx += g·w, gw += gᵀ·x, gb += Σ_rows g (each may be null). With `gxOverwrite` gx = g·w instead: gx is
   * never read (it may hold garbage), for a gradient buffer this call is the first to write (no zero fill).
   */
  linearBackward(x: F, w: F, g: F, gx: F | null, gw: F | null, gb: F | null, N: number, IN: number, OUT: number, gxOverwrite?: boolean): void;

  /** Row-wise softmax over C of (N, C); `log` selects log_softmax. */
  softmaxForward(N: number, C: number, x: F, out: F, log: boolean): void;
  /** gx += J·g with y the forward output; with `gxOverwrite` gx = J·g (gx's previous contents are never read). */
  softmaxBackward(N: number, C: number, y: F, g: F, gx: F, log: boolean, gxOverwrite?: boolean): void;

  /** LayerNorm over C of (N, C): out = (x − mean)·rstd·w + b; saves mean and rstd (N). w/b may be null. */
  layerNormForward(N: number, C: number, x: F, w: F | null, b: F | null, eps: number, out: F, mean: F, rstd: F): void;
  /** gx += ∂/∂x, gw += ∂/∂w, gb += ∂/∂b (each skipped when null); with `gxOverwrite` gx = ∂/∂x (never read). */
  layerNormBackward(N: number, C: number, x: F, w: F | null, mean: F, rstd: F, g: F, gx: F | null, gw: F | null, gb: F | null, gxOverwrite?: boolean): void;
  /** RMSNorm over C of (N, C): out = x·rstd·w, rstd = 1/sqrt(mean(x²) + eps); saves rstd (N). w may be null. */
  rmsNormForward(N: number, C: number, x: F, w: F | null, eps: number, out: F, rstd: F): void;
  /** gx += ∂/∂x, gw += ∂/∂w (each skipped when null); with `gxOverwrite` gx = ∂/∂x (never read). */
  rmsNormBackward(N: number, C: number, x: F, w: F | null, rstd: F, g: F, gx: F | null, gw: F | null, gxOverwrite?: boolean): void;

  /** out (N, C) = weight[ids[i]] (ids already validated in [0, V)). */
  embeddingForward(N: number, C: number, ids: Int32Array, weight: F, out: F): void;
  /** gw[ids[i]] += g[i] (scatter-add). */
  embeddingBackward(N: number, C: number, ids: Int32Array, g: F, gw: F): void;

  /**
   * Cross-entropy from logits (N, V) and targets (N): losses[i] = logsumexp(x_i) − x_i[t_i],
   * and 0 where t_i == ignoreIndex; lse (N) is saved for backward. Targets are validated by the op.
   */
  crossEntropyForward(N: number, V: number, logits: F, targets: Int32Array, ignoreIndex: number, losses: F, lse: F): void;
  /** gx_i += gLoss_i · (softmax(x_i) − onehot(t_i)); rows with the ignore index get nothing. */
  crossEntropyBackward(N: number, V: number, logits: F, targets: Int32Array, ignoreIndex: number, lse: F, gLoss: F, gx: F): void;

  /**
   * Multi-head scaled dot-product attention.
   *   q: (B, NH, T, HS), k and v: (B, NKV, S, HS), out: (B, NH, T, HS), lse: (B, NH, T) saved.
   * NH must be a multiple of NKV (grouped-query attention: head h reads kv head h / (NH/NKV)).
   * causal: query t (absolute position S − T + t) sees keys s ≤ S − T + t.
   * keyMask: (B, S) int32, 0 = padding (never attended), or null.
   * A query row that can see no key outputs zeros (and lse = −Infinity).
   * `layout` (optional) places q, k, v, out (and in backward g, gq, gk, gv) anywhere in their arrays:
   * see AttentionLayout; without it every array is dense (B, heads, rows, HS). lse is always dense.
   * Backward accumulates into gq, gk, gv; with `gOverwrite` it writes every row they hold instead (their previous
   * contents are never read: fresh, uninitialised buffers).
   */
  attentionForward(B: number, NH: number, NKV: number, T: number, S: number, HS: number, q: F, k: F, v: F,
    causal: boolean, keyMask: Int32Array | null, scale: number, out: F, lse: F, layout?: AttentionLayout | null): void;
  attentionBackward(B: number, NH: number, NKV: number, T: number, S: number, HS: number, q: F, k: F, v: F,
    causal: boolean, keyMask: Int32Array | null, scale: number, out: F, lse: F, g: F, gq: F | null, gk: F | null, gv: F | null,
    layout?: AttentionLayout | null, gOverwrite?: boolean): void;

  /**
   * Rotary position embedding, rotate-half layout (HF): x and out are (R, T, HS) with R = B·heads;
   * cos/sin are (T, HS/2), the angles of the T positions (already offset for a KV cache).
   * out[i] = x[i]·cos − x[i+HS/2]·sin, out[i+HS/2] = x[i+HS/2]·cos + x[i]·sin. HS is even.
   */
  ropeForward(R: number, T: number, HS: number, x: F, cos: F, sin: F, out: F): void;
  /** gx += the inverse rotation of g. */
  ropeBackward(R: number, T: number, HS: number, cos: F, sin: F, g: F, gx: F): void;
  /** SwiGLU over n values: out = silu(gate)·up (Llama MLP). */
  swigluForward(n: number, gate: F, up: F, out: F): void;
  /** ggate += g·up·silu'(gate), gup += g·silu(gate); either may be null. */
  swigluBackward(n: number, gate: F, up: F, g: F, ggate: F | null, gup: F | null): void;

  // ---- optimizer ----
  /**
   * One AdamW step over n contiguous values (PyTorch semantics): p −= lr·wd·p;
   * m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²; p −= lr · (m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + eps).
   * `gradScale` multiplies g first (gradient clipping / accumulation averaging).
   */
  adamw(n: number, p: F, g: F, m: F, v: F, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number, gradScale: number): void;
  /** Σ g[i]² over n values (float64 accumulation). */
  sumSquares(n: number, g: F): number;
  /** x[i] *= s in place over n values. */
  scaleInPlace(n: number, x: F, s: number): void;
}
