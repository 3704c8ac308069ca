// The SGEMM building blocks shared by matmul.c, linear.c and attention.c (BLIS-style, Goto & van de
// Geijn 2008): operands are packed into MR-row / NR-column micro-panels, and a register-blocked
// micro-kernel multiplies one MR×kc panel by one kc×NR panel into a tile of C.
#ifndef LMFORGE_GEMM_H
#define LMFORGE_GEMM_H

#include "lmforge.h"
#include "simd.h"

#if defined(LF_AVX512)
#define MR 12
#define NR 32
#define KC 256
/* as for AVX2: in matmul.c's loop order the A panel runs from L1 and MC only bounds how often op(B) is packed
   again (every MC rows; on AVX2 MC = 240 measured 1.5-11% slower than 1536 on GPT-2 shapes). Not yet measured
   on an AVX-512 CPU. */
#define MC 1536
#define NB 256
#elif defined(LF_AVX2)
#define MR 6
#define NR 16
#ifndef KC
#define KC 256
#endif
#ifndef MC
#define MC 1536
#endif
#ifndef NB
#define NB 256
#endif
#else
#define MR 4
#define NR 8
#define KC 256
#define MC 1536
#define NB 256
#endif

/* Address of op(A)[i][k] and op(B)[k][j] in row-major storage. */
#define OPA(A, lda, ta, i, k) ((ta) ? (A) + (size_t)(k) * (lda) + (i) : (A) + (size_t)(i) * (lda) + (k))
#define OPB(B, ldb, tb, k, j) ((tb) ? (B) + (size_t)(j) * (ldb) + (k) : (B) + (size_t)(k) * (ldb) + (j))

static inline size_t lf_round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

/**
 * Packs op(A)[0:mc, 0:kc] into ceil(mc/MR) panels of MR·kc floats (zero-padded rows), scaled by
 * alpha. op(A)[i][k] is A[i*lda + k], or A[k*lda + i] when trans. If rowsum is not NULL,
 * rowsum[i] += Σ_k alpha·op(A)[i][k] (the bias gradient fused into linear backward's dW pass).
 */
void lf_pack_a(int trans, size_t mc, size_t kc, const float *A, size_t lda, float *dst, float alpha, float *rowsum);

/** Packs op(B)[0:kc, 0:nc] into ceil(nc/NR) panels of kc·NR floats (zero-padded columns). */
void lf_pack_b(int trans, size_t kc, size_t nc, const float *B, size_t ldb, float *dst);

/**
 * C[0:m, 0:n] = alpha · (A panel · B panel) + beta · C (+ bias[j]) with m ≤ MR, n ≤ NR;
 * beta == 0 never reads C. `a` steps MR floats per k, `b` steps NR floats per k.
 */
void lf_ukernel(size_t kc, const float *a, const float *b, float *C, size_t ldc, size_t m, size_t n,
  float alpha, float beta, const float *bias);

/**
 * Macro-kernel over packed operands: C[0:mc, 0:nc] = alpha · Ap · Bp + beta · C (+ bias).
 * Panel i of A starts at Ap + i*a_stride, panel j of B at Bp + j*b_stride.
 */
void lf_macro(size_t mc, size_t nc, size_t kc, const float *Ap, size_t a_stride, const float *Bp, size_t b_stride,
  float *C, size_t ldc, float alpha, float beta, const float *bias);

/**
 * lf_macro in the other order: rows of A panels outer, B panels inner (A panel in L1, the B block
 * streamed from L2 and prefetched by the micro-kernel; C walked along its rows).
 */
void lf_macro_rows(size_t mc, size_t nc, size_t kc, const float *Ap, size_t a_stride, const float *Bp, size_t b_stride,
  float *C, size_t ldc, float alpha, float beta, const float *bias);

/**
 * Single-threaded blocked GEMM of one matrix using thread `tid`'s packing buffers:
 * C = alpha · op(A) · op(B) + beta · C (+ bias per column) (+ rowsum of op(A)).
 */
void lf_gemm_serial(int tid, int transA, int transB, size_t M, size_t N, size_t K, float alpha,
  const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc,
  const float *bias, float *rowsum);

/** lf_gemm with a column bias on the first batch and the fused row sum of op(A) (linear.c). */
void lf_gemm_ex(int transA, int transB, size_t M, size_t N, size_t K, float alpha,
  const float *A, size_t lda, ptrdiff_t strideA, const float *B, size_t ldb, ptrdiff_t strideB,
  float beta, float *C, size_t ldc, ptrdiff_t strideC, size_t batch, const float *bias, float *rowsum);

/** One GEMM (batch 1) for gemm_parallel.c: C = alpha · op(A) · op(B) + beta · C (+ bias) (+ rowsum of op(A)). */
typedef struct {
  int ta, tb;
  size_t M, N, K;
  float alpha;
  const float *A;
  size_t lda;
  const float *B;
  size_t ldb;
  float beta;
  float *C;
  size_t ldc;
  const float *bias;
  float *rowsum;
} lf_gemm_desc;

/**
 * One GEMM (batch 1) on nt ≥ 2 threads split along K when C is small (M < 256) and K ≥ 4·max(M, N): the threads
 * take slices of K from a counter, each packing only its slices of both operands, and their sums are added to C.
 * Returns 0, having done nothing, for other shapes or inside a pool task.
 */
int lf_gemm_ksplit(const lf_gemm_desc *d, int nt);

/**
 * One GEMM (batch 1) on nt ≥ 2 threads, one k slice of op(B) at a time (each slice at most 4 MiB packed, shared
 * by the threads), blocks of C's rows taken from a counter; bit-identical to 1 thread. Returns 0, having done
 * nothing, for other shapes (M < 48, a wider op(B)) or inside a pool task.
 */
int lf_gemm_slices(const lf_gemm_desc *d, int nt);

#endif
