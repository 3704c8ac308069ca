// Shared declarations of lmforge's native backend: the thread pool, per-thread scratch memory
// and the kernel entry points called by napi_bindings.c. Semantics of every kernel are those of
// src/kernels/abi.ts (the JS reference is the spec); sizes are size_t, strides ptrdiff_t.
#ifndef LMFORGE_H
#define LMFORGE_H

#include <stddef.h>
#include <stdint.h>

/* A spin-wait hint (x86 PAUSE). */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define lf_cpu_relax() _mm_pause()
#else
#define lf_cpu_relax() ((void)0)
#endif

#define LF_MAX_THREADS 256
#define LF_MAX_RANK 16

/* ---- thread pool (threadpool.c) ---- */

/** Runs fn(ctx, task, tid) for task in [0, ntasks) on at most max_threads threads (0 = all). */
typedef void (*lf_task_fn)(void *ctx, size_t task, int tid);
void lf_parallel(size_t ntasks, int max_threads, lf_task_fn fn, void *ctx);
/** Configured pool size (threads including the caller). */
int lf_threads(void);
void lf_set_threads(int n);
/** Threads worth using for `work` units when one thread should get at least `grain` units. */
int lf_threads_for(double work, double grain);
/** 1 while the calling thread runs pool tasks (an lf_parallel from there runs inline, on this thread). */
int lf_pool_busy(void);
/** Per-thread scratch buffers, 64-byte aligned, grown on demand, kept between calls. */
enum { LF_SCRATCH_PACK_A, LF_SCRATCH_PACK_B, LF_SCRATCH_TILE, LF_SCRATCH_ATT0, LF_SCRATCH_ATT1,
       LF_SCRATCH_ATT2, LF_SCRATCH_ATT3, LF_SCRATCH_PARTIAL, LF_SCRATCH_SHARED_B, LF_SCRATCH_SLOTS };
void *lf_scratch(int tid, int slot, size_t bytes);
int lf_advise_huge(void *p, size_t bytes);
/** Non-zero when the scratch allocation failed (kernels then throw from the binding). */
extern int lf_oom;

/* ---- SIMD level (simd.h) ---- */
const char *lf_simd_name(void);

/* ---- peak FMA throughput microbenchmark (peak.c) ---- */
double lf_peak_gflops(int threads, double ms);

/* ---- kernels (one file per layer; names follow src/kernels/js) ---- */
void lf_strided_copy(const void *src, size_t elem, const size_t *shape, const ptrdiff_t *sstr, int rank, void *dst);
void lf_strided_accumulate(const float *src, const size_t *shape, int rank, float *dst, const ptrdiff_t *dstr);

enum lf_unary { LF_NEG, LF_EXP, LF_LOG, LF_SQRT, LF_TANH, LF_SIGMOID, LF_RELU, LF_GELU, LF_GELU_TANH, LF_SILU, LF_POW, LF_ABS, LF_UNARY_COUNT };
enum lf_binary { LF_ADD, LF_SUB, LF_MUL, LF_DIV, LF_BPOW, LF_MAXIMUM, LF_MINIMUM, LF_BINARY_COUNT };
void lf_unary_forward(int op, size_t n, const float *x, float *out, float p);
/** gx += f'(x)·g, or gx = f'(x)·g with `overwrite` (gx never read). */
void lf_unary_backward(int op, size_t n, const float *x, const float *y, const float *g, float *gx, float p, int overwrite);
void lf_binary_forward(int op, const size_t *shape, int rank, const float *a, const ptrdiff_t *as, const float *b, const ptrdiff_t *bs, float *out);
void lf_binary_backward(int op, const size_t *shape, int rank, const float *a, const ptrdiff_t *as, const float *b, const ptrdiff_t *bs,
  const float *g, float *ga, const ptrdiff_t *gas, float *gb, const ptrdiff_t *gbs);
void lf_where_forward(const size_t *shape, int rank, const int32_t *c, const ptrdiff_t *cs, const float *a, const ptrdiff_t *as,
  const float *b, const ptrdiff_t *bs, float *out);
void lf_where_backward(const size_t *shape, int rank, const int32_t *c, const ptrdiff_t *cs, const float *g,
  float *ga, const ptrdiff_t *gas, float *gb, const ptrdiff_t *gbs);
void lf_swiglu_forward(size_t n, const float *a, const float *b, float *out);
void lf_swiglu_backward(size_t n, const float *a, const float *b, const float *g, float *ga, float *gb);

void lf_reduce_forward(int is_max, size_t outer, size_t R, size_t inner, const float *x, float *out, int32_t *argmax);
void lf_reduce_backward(int is_max, size_t outer, size_t R, size_t inner, const float *g, float *gx, const int32_t *argmax);

void lf_gemm(int transA, int transB, size_t M, size_t N, size_t K, float alpha,
  const float *A, size_t lda, ptrdiff_t strideA, const float *B, size_t ldb, ptrdiff_t strideB,
  float beta, float *C, size_t ldc, ptrdiff_t strideC, size_t batch);
void lf_linear_forward(const float *x, const float *w, const float *bias, float *out, size_t N, size_t IN, size_t OUT);
/** Linear forward for N ≤ LF_MATVEC_MAX_ROWS rows as row-streaming dot products (matvec.c). */
#define LF_MATVEC_MAX_ROWS 4
void lf_linear_matvec(const float *x, const float *w, const float *bias, float *out, size_t N, size_t IN, size_t OUT);
void lf_linear_backward(const float *x, const float *w, const float *g, float *gx, float *gw, float *gb, size_t N, size_t IN, size_t OUT,
  int gx_overwrite);

void lf_softmax_forward(size_t N, size_t C, const float *x, float *out, int log);
void lf_softmax_backward(size_t N, size_t C, const float *y, const float *g, float *gx, int log, int overwrite);
void lf_layernorm_forward(size_t N, size_t C, const float *x, const float *w, const float *b, float eps, float *out, float *mean, float *rstd);
void lf_layernorm_backward(size_t N, size_t C, const float *x, const float *w, const float *mean, const float *rstd, const float *g,
  float *gx, float *gw, float *gb, int overwrite);
void lf_rmsnorm_forward(size_t N, size_t C, const float *x, const float *w, float eps, float *out, float *rstd);
void lf_rmsnorm_backward(size_t N, size_t C, const float *x, const float *w, const float *rstd, const float *g, float *gx, float *gw,
  int overwrite);

void lf_embedding_forward(size_t N, size_t C, const int32_t *ids, const float *w, float *out);
void lf_embedding_backward(size_t N, size_t C, const int32_t *ids, const float *g, float *gw);

void lf_cross_entropy_forward(size_t N, size_t V, const float *x, const int32_t *t, int32_t ignore, float *losses, float *lse);
void lf_cross_entropy_backward(size_t N, size_t V, const float *x, const int32_t *t, int32_t ignore, const float *lse, const float *gl, float *gx);

/* Operands of lf_attn_args: where row t of head h of batch b starts is p + b·st[i][0] + h·st[i][1] + t·st[i][2]
   (pointers already carry the layout's offset; the HS values of a row are contiguous). lse is dense (B, NH, T). */
enum { LF_AQ, LF_AK, LF_AV, LF_AOUT, LF_AG, LF_AGQ, LF_AGK, LF_AGV, LF_AOPS };
typedef struct {
  size_t B, NH, NKV, T, S, HS;
  const float *q, *k, *v;
  int causal;
  const int32_t *mask;
  float scale;
  float *out, *lse;
  const float *g;
  float *gq, *gk, *gv;
  int g_overwrite;   /* backward: gq, gk, gv are written, not accumulated (their contents are never read) */
  size_t st[LF_AOPS][3];
} lf_attn_args;
/** Dense strides: q/out/g/gq (B, NH, T, HS), k/v/gk/gv (B, NKV, S, HS). */
void lf_attn_dense_strides(lf_attn_args *a);
void lf_attention_forward(const lf_attn_args *a);
/** Forward for T ≤ LF_ATTN_DECODE_ROWS query rows (decoding): direct dot products, no packing. */
#define LF_ATTN_DECODE_ROWS 4
void lf_attention_decode(const lf_attn_args *a);
void lf_attention_backward(const lf_attn_args *a);

/** Rotary embedding: out = rot(x) (forward) or out += rotᵀ(x) (backward, x holds g, out gx). */
void lf_rope(int backward, size_t R, size_t T, size_t HS, const float *x, const float *cos, const float *sin, float *out);

void lf_adamw(size_t n, float *p, const float *g, float *m, float *v, double lr, double beta1, double beta2, double eps,
  double wd, double step, double gscale);
double lf_sum_squares(size_t n, const float *g);
void lf_scale_in_place(size_t n, float *x, float s);

#endif
