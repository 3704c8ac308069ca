// Batched SGEMM driver (row-major, BLAS semantics of src/kernels/js/matmul.ts): cache blocking
// (MC / KC / NB loops around the packed macro-kernel, Goto's algorithm in OpenBLAS's order), and
// threads that take whole matrices of a batch, share one matrix by gemm_parallel.c's schemes, or take rectangles of C
// (each packing its own panels).
#include "gemm.h"
#include <stdlib.h>

/* C = beta·C (+ bias): the K == 0 case. */
static void scale_c(size_t M, size_t N, float beta, float *C, size_t ldc, const float *bias) {
  for (size_t i = 0; i < M; i++) {
    float *c = C + i * ldc;
    for (size_t j = 0; j < N; j++) c[j] = (beta == 0.0f ? 0.0f : beta * c[j]) + (bias ? bias[j] : 0.0f);
  }
}

/* Loops (OpenBLAS's order for row-major C): MC rows of op(A) × KC are packed once per block (in L3);
   NB columns of op(B) × KC are packed at a time (in L2) and lf_macro_rows runs every A panel over
   them. Each operand is packed once per (MC, KC) block. */
void lf_gemm_serial(int tid, int ta, int tb, size_t M, size_t N, size_t K, float alpha,
  const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc,
  const float *bias, float *rowsum) {
  if (M == 0 || N == 0) return;
  if (K == 0) { scale_c(M, N, beta, C, ldc, bias); return; }
  size_t kcmax = K < KC ? K : KC;
  size_t nbmax = N < NB ? (N + NR - 1) / NR * NR : NB;
  size_t mcmax = M < MC ? (M + MR - 1) / MR * MR : MC;
  float *pa = lf_scratch(tid, LF_SCRATCH_PACK_A, mcmax * kcmax * sizeof(float));
  float *pb = lf_scratch(tid, LF_SCRATCH_PACK_B, nbmax * kcmax * sizeof(float));
  if (!pa || !pb) return;
  for (size_t ic = 0; ic < M; ic += MC) {
    size_t mc = M - ic < MC ? M - ic : MC;
    for (size_t pc = 0; pc < K; pc += KC) {
      size_t kc = K - pc < KC ? K - pc : KC;
      lf_pack_a(ta, mc, kc, OPA(A, lda, ta, ic, pc), lda, pa, 1.0f, rowsum ? rowsum + ic : NULL);
      float bet = pc == 0 ? beta : 1.0f;
      for (size_t jc = 0; jc < N; jc += NB) {
        size_t nc = N - jc < NB ? N - jc : NB;
        lf_pack_b(tb, kc, nc, OPB(B, ldb, tb, pc, jc), ldb, pb);
        lf_macro_rows(mc, nc, kc, pa, MR * kc, pb, NR * kc, C + ic * ldc + jc, ldc, alpha, bet,
          pc == 0 && bias ? bias + jc : NULL);
      }
    }
  }
}

typedef struct {
  int ta, tb;
  size_t M, N, K;
  float alpha, beta;
  const float *A, *B;
  float *C;
  size_t lda, ldb, ldc;
  ptrdiff_t sA, sB, sC;
  size_t batch;
  const float *bias;
  float *rowsum;
  /* region grid */
  size_t pm, pn, mstep, nstep;
} gemm_job;

/* One whole matrix of the batch per task. */
static void batch_task(void *ctx, size_t b, int tid) {
  const gemm_job *j = ctx;
  lf_gemm_serial(tid, j->ta, j->tb, j->M, j->N, j->K, j->alpha, j->A + b * j->sA, j->lda, j->B + b * j->sB, j->ldb,
    j->beta, j->C + b * j->sC, j->ldc, b == 0 ? j->bias : NULL, b == 0 ? j->rowsum : NULL);
}

/* One rectangle of C per task, looping over the batch in order (strideC = 0 sums the batches). */
static void region_task(void *ctx, size_t t, int tid) {
  const gemm_job *j = ctx;
  size_t pi = t / j->pn, pj = t % j->pn;
  size_t m0 = pi * j->mstep, n0 = pj * j->nstep;
  if (m0 >= j->M || n0 >= j->N) return;
  size_t m1 = m0 + j->mstep < j->M ? m0 + j->mstep : j->M;
  size_t n1 = n0 + j->nstep < j->N ? n0 + j->nstep : j->N;
  for (size_t b = 0; b < j->batch; b++) {
    float beta = j->sC == 0 && b > 0 ? 1.0f : j->beta;
    const float *A = j->A + b * j->sA, *B = j->B + b * j->sB;
    float *C = j->C + b * j->sC;
    lf_gemm_serial(tid, j->ta, j->tb, m1 - m0, n1 - n0, j->K, j->alpha, OPA(A, j->lda, j->ta, m0, 0), j->lda,
      OPB(B, j->ldb, j->tb, 0, n0), j->ldb, beta, C + m0 * j->ldc + n0, j->ldc,
      b == 0 && j->bias ? j->bias + n0 : NULL, b == 0 && j->rowsum && n0 == 0 ? j->rowsum + m0 : NULL);
  }
}

/* Picks a pm × pn grid of C rectangles (pm·pn = tasks) with the least packing (perimeter). */
static void choose_grid(gemm_job *j, int tasks) {
  size_t best_pm = 1;
  double best = -1;
  for (int pm = 1; pm <= tasks; pm++) {
    if (tasks % pm) continue;
    int pn = tasks / pm;
    if ((size_t)pm > (j->M + MR - 1) / MR || (size_t)pn > (j->N + NR - 1) / NR) continue;
    double cost = (double)j->M / pm + (double)j->N / pn;
    if (best < 0 || cost < best) { best = cost; best_pm = (size_t)pm; }
  }
  if (best < 0) { best_pm = (j->M >= j->N) ? (size_t)tasks : 1; }
  j->pm = best_pm;
  j->pn = (size_t)tasks / best_pm;
  j->mstep = lf_round_up((j->M + j->pm - 1) / j->pm, MR);
  j->nstep = lf_round_up((j->N + j->pn - 1) / j->pn, NR);
}

void lf_gemm_ex(int ta, int tb, size_t M, size_t N, size_t K, float alpha,
  const float *A, size_t lda, ptrdiff_t sA, const float *B, size_t ldb, ptrdiff_t sB,
  float beta, float *C, size_t ldc, ptrdiff_t sC, size_t batch, const float *bias, float *rowsum) {
  if (M == 0 || N == 0 || batch == 0) return;
  gemm_job j = { ta, tb, M, N, K, alpha, beta, A, B, C, lda, ldb, ldc, sA, sB, sC, batch, bias, rowsum, 1, 1, M, N };
  double work = (double)M * N * (K + 4) * batch;
  int nt = lf_threads_for(work, 1 << 21);
  if (nt <= 1) { region_task(&j, 0, 0); return; }
  double per = (double)M * N * (K + 4);
  int by_batch = batch > 1 && sC != 0 && !rowsum &&
    (batch >= (size_t)(4 * nt) || batch % (size_t)nt == 0 || per < (double)(1 << 22));
  if (by_batch) { lf_parallel(batch, nt, batch_task, &j); return; }
  if (batch == 1) {
    lf_gemm_desc d = { ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, bias, rowsum };
    if (lf_gemm_ksplit(&d, nt) || lf_gemm_slices(&d, nt)) return;
  }
  /* one rectangle per thread: each rectangle packs its own panels, so more (smaller) rectangles
     would cost packing (e.g. +35% for 768×768×3072 on 2 threads as 2×2) */
  choose_grid(&j, nt);
  lf_parallel(j.pm * j.pn, nt, region_task, &j);
}

void lf_gemm(int ta, int tb, size_t M, size_t N, size_t K, float alpha,
  const float *A, size_t lda, ptrdiff_t sA, const float *B, size_t ldb, ptrdiff_t sB,
  float beta, float *C, size_t ldc, ptrdiff_t sC, size_t batch) {
  lf_gemm_ex(ta, tb, M, N, K, alpha, A, lda, sA, B, ldb, sB, beta, C, ldc, sC, batch, NULL, NULL);
}
