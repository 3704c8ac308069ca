// Several threads on one GEMM without packing an operand twice (matmul.c's grid of C rectangles packs
// one operand once per rectangle): a split of K with partial sums when K is long, or threads that pack
// a small op(B) together and then take blocks of C's rows from a counter.
#include "gemm.h"
#include <sched.h>
#include <stdatomic.h>

/* ---- long K on several threads: thread t takes the t-th slice of K (its own share of both operands, so
   nothing is packed twice, where a grid of C rectangles packs one operand once per rectangle); thread 0
   writes C, the others partial sums that are then added to C by rows ---- */
#define PARTIAL_MAX ((size_t)4 << 20)   /* floats of partial sums (16 MiB) */

typedef struct {
  int ta, tb;
  size_t M, N, K, kstep;
  float alpha, beta;
  const float *A, *B;
  float *C;
  size_t lda, ldb, ldc;
  const float *bias;
  float *rowsum;
  float *part;        /* per thread t ≥ 1: M·N partial C, then M partial row sums */
  size_t parts, rstep;
} ksplit_job;

static void ksplit_task(void *ctx, size_t t, int tid) {
  const ksplit_job *j = ctx;
  size_t k0 = t * j->kstep < j->K ? t * j->kstep : j->K, k1 = k0 + j->kstep < j->K ? k0 + j->kstep : j->K;
  const float *A = OPA(j->A, j->lda, j->ta, 0, k0), *B = OPB(j->B, j->ldb, j->tb, k0, 0);
  if (t == 0) {
    lf_gemm_serial(tid, j->ta, j->tb, j->M, j->N, k1 - k0, j->alpha, A, j->lda, B, j->ldb, j->beta, j->C, j->ldc, j->bias, j->rowsum);
    return;
  }
  float *p = j->part + (t - 1) * (j->M * j->N + j->M), *prow = p + j->M * j->N;
  if (j->rowsum) for (size_t i = 0; i < j->M; i++) prow[i] = 0.0f;
  lf_gemm_serial(tid, j->ta, j->tb, j->M, j->N, k1 - k0, j->alpha, A, j->lda, B, j->ldb, 0.0f, p, j->N, NULL, j->rowsum ? prow : NULL);
}

static void ksplit_reduce(void *ctx, size_t t, int tid) {
  const ksplit_job *j = ctx;
  (void)tid;
  size_t i0 = t * j->rstep, i1 = i0 + j->rstep < j->M ? i0 + j->rstep : j->M;
  for (size_t q = 0; q < j->parts; q++) {
    const float *p = j->part + q * (j->M * j->N + j->M);
    for (size_t i = i0; i < i1; i++) {
      float *c = j->C + i * j->ldc;
      const float *s = p + i * j->N;
      size_t x = 0;
      for (; x + VW <= j->N; x += VW) vstore(c + x, vadd(vload(c + x), vload(s + x)));
      for (; x < j->N; x++) c[x] += s[x];
      if (j->rowsum) j->rowsum[i] += p[j->M * j->N + i];
    }
  }
}

int lf_gemm_ksplit(int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A, size_t lda,
  const float *B, size_t ldb, float beta, float *C, size_t ldc, const float *bias, float *rowsum, int nt) {
  if (nt < 2 || lf_pool_busy() || K < 2 * (M > N ? M : N) || K < (size_t)nt * 128) return 0;
  if ((size_t)(nt - 1) * (M * N + M) > PARTIAL_MAX) return 0;   /* partial sums stay small (C of a 50k vocabulary would not) */
  float *part = lf_scratch(0, LF_SCRATCH_PARTIAL, (size_t)(nt - 1) * (M * N + M) * sizeof(float));
  if (!part) return 0;
  ksplit_job j = { ta, tb, M, N, K, lf_round_up((K + nt - 1) / nt, 16), alpha, beta, A, B, C, lda, ldb, ldc, bias, rowsum,
    part, (size_t)nt - 1, (M + nt - 1) / nt };
  lf_parallel((size_t)nt, nt, ksplit_task, &j);
  lf_parallel((size_t)nt, nt, ksplit_reduce, &j);
  return 1;
}

/* ---- a small op(B) on several threads: the threads pack all of op(B) together into one shared buffer (a
   k slice × panel group per task), then take blocks of C's rows from a counter, largest first, each packing
   its own rows of op(A) per k slice: a core slowed by other load takes fewer blocks, and the last are small ---- */
#define ROWS_MAX 96           /* rows of op(A) packed at a time: ROWS_MAX × KC floats, in L2 */
#define ROWS_MIN 24
#define PACK_GROUP 8          /* B panels per packing task */
#define SHARED_B_MAX ((size_t)1 << 20)  /* floats of packed op(B) (4 MiB): a larger one falls out of L3 */

typedef struct {
  int ta, tb;
  size_t M, N, K;
  float alpha, beta;
  const float *A, *B;
  float *C;
  size_t lda, ldb, ldc;
  const float *bias;
  float *rowsum;
  size_t nt;
  float *bp;                  /* packed op(B): the k slice at offset pc starts at bp + pc·ncp */
  size_t ncp, groups, pack_tasks;
  atomic_size_t pack_next, pack_done, row_next;
} rows_job;

static void rows_pack(rows_job *j, size_t t) {
  size_t pc = t / j->groups * KC, kc = j->K - pc < KC ? j->K - pc : KC;
  size_t j0 = t % j->groups * PACK_GROUP * NR, w = j->N - j0 < PACK_GROUP * NR ? j->N - j0 : PACK_GROUP * NR;
  lf_pack_b(j->tb, kc, w, OPB(j->B, j->ldb, j->tb, pc, j0), j->ldb, j->bp + pc * j->ncp + j0 * kc);
}

/* Claims the next block of [0, total) from the counter: a share of what is left (a multiple of `step`, lo..hi),
   largest first; 0 when nothing is left. */
static size_t claim(atomic_size_t *next, size_t total, size_t nt, size_t step, size_t lo, size_t hi, size_t *start) {
  size_t cur = atomic_load_explicit(next, memory_order_relaxed);
  for (;;) {
    if (cur >= total) return 0;
    size_t left = total - cur, n = lf_round_up(left / (2 * nt), step);
    n = n < lo ? lo : n > hi ? hi : n;
    if (n > left) n = left;
    if (atomic_compare_exchange_weak_explicit(next, &cur, cur + n, memory_order_relaxed, memory_order_relaxed)) {
      *start = cur;
      return n;
    }
  }
}

/* Waits until `done` reaches `total` (tasks other threads are running; yields if one was descheduled). */
static void wait_for(atomic_size_t *done, size_t total) {
  for (unsigned spin = 0; atomic_load_explicit(done, memory_order_acquire) < total; spin++)
    if (spin < 4096) lf_cpu_relax(); else sched_yield();
}

static void rows_task(void *ctx, size_t t, int tid) {
  rows_job *j = ctx;
  (void)t;
  for (size_t p; (p = atomic_fetch_add_explicit(&j->pack_next, 1, memory_order_relaxed)) < j->pack_tasks;) {
    rows_pack(j, p);
    atomic_fetch_add_explicit(&j->pack_done, 1, memory_order_release);
  }
  wait_for(&j->pack_done, j->pack_tasks);
  float *pa = lf_scratch(tid, LF_SCRATCH_PACK_A, ROWS_MAX * KC * sizeof(float));
  if (!pa) return;
  size_t m0, mc;
  while ((mc = claim(&j->row_next, j->M, j->nt, MR, ROWS_MIN, ROWS_MAX, &m0)) > 0) {
    for (size_t pc = 0; pc < j->K; pc += KC) {
      size_t kc = j->K - pc < KC ? j->K - pc : KC;
      lf_pack_a(j->ta, mc, kc, OPA(j->A, j->lda, j->ta, m0, pc), j->lda, pa, 1.0f, j->rowsum ? j->rowsum + m0 : NULL);
      for (size_t jb = 0; jb < j->N; jb += NB) {   /* NB columns of the shared op(B) at a time, in L2 */
        size_t nb = j->N - jb < NB ? j->N - jb : NB;
        lf_macro_rows(mc, nb, kc, pa, MR * kc, j->bp + pc * j->ncp + jb * kc, NR * kc, j->C + m0 * j->ldc + jb, j->ldc,
          j->alpha, pc == 0 ? j->beta : 1.0f, pc == 0 && j->bias ? j->bias + jb : NULL);
      }
    }
  }
}

int lf_gemm_rows(int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A, size_t lda,
  const float *B, size_t ldb, float beta, float *C, size_t ldc, const float *bias, float *rowsum, int nt) {
  size_t ncp = lf_round_up(N, NR);
  if (nt < 2 || lf_pool_busy() || K == 0 || M < 2 * ROWS_MIN || K * ncp > SHARED_B_MAX) return 0;
  float *bp = lf_scratch(0, LF_SCRATCH_SHARED_B, K * ncp * sizeof(float));
  if (!bp) return 0;
  size_t groups = (ncp / NR + PACK_GROUP - 1) / PACK_GROUP;
  rows_job j = { .ta = ta, .tb = tb, .M = M, .N = N, .K = K, .alpha = alpha, .beta = beta, .A = A, .B = B, .C = C,
    .lda = lda, .ldb = ldb, .ldc = ldc, .bias = bias, .rowsum = rowsum, .nt = (size_t)nt, .bp = bp, .ncp = ncp,
    .groups = groups, .pack_tasks = (K + KC - 1) / KC * groups };
  atomic_init(&j.pack_next, 0);
  atomic_init(&j.pack_done, 0);
  atomic_init(&j.row_next, 0);
  lf_parallel((size_t)nt, nt, rows_task, &j);
  return 1;
}
