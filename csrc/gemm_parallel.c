// Several threads on one GEMM without packing an operand twice (matmul.c's grid of C rectangles packs
// one operand once per rectangle): threads that pack each k slice of op(B) together and then take blocks
// of C's rows from a counter, or, for a small C and a long K, slices of K summed apart.
#include "gemm.h"
#include <sched.h>
#include <stdatomic.h>

/* Claims the next block of [0, total) from a counter: a share of what is left (1/(2·nt), a multiple of `step`,
   lo..hi, largest first, the last ones small); 0 when nothing is left. */
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

/* ---- long K on several threads: the threads take slices of K from a counter, largest first, each packing only
   its own share of both operands (a grid of C rectangles packs one operand once per rectangle), and a core
   slowed by other load takes fewer slices. The thread that takes the first slice sums its slices into C (with
   beta and the bias), the others into partial sums of their own, which are then added to C by rows ---- */
#define PARTIAL_MAX ((size_t)4 << 20)   /* floats of partial sums (16 MiB) */
#define KSPLIT_M_MAX 256                /* from 256 rows of C up, lf_gemm_slices is as fast (C harness, 2 threads) */

enum { K_IDLE, K_OWNS_C, K_PARTIAL };

typedef struct {
  lf_gemm_desc g;
  float *part;                          /* per thread: M·N partial C, then M partial row sums */
  size_t nt, rstep;
  atomic_size_t next;                   /* the next k to hand out */
  unsigned char state[LF_MAX_THREADS];  /* per thread: K_IDLE, K_OWNS_C or K_PARTIAL */
} ksplit_job;


static void ksplit_task(void *ctx, size_t t, int tid) {
  ksplit_job *j = ctx;
  const lf_gemm_desc *g = &j->g;
  (void)t;
  float *p = j->part + (size_t)tid * (g->M * g->N + g->M), *prow = p + g->M * g->N;
  size_t k0, kn;
  /* slices of whole KC blocks (the serial driver's block: no slice but the last ends in a short one) */
  while ((kn = claim(&j->next, g->K, j->nt, KC, KC, g->K, &k0)) > 0) {
    const float *A = OPA(g->A, g->lda, g->ta, 0, k0), *B = OPB(g->B, g->ldb, g->tb, k0, 0);
    if (k0 == 0) j->state[tid] = K_OWNS_C;   /* the first slice handed out: this thread's first */
    if (j->state[tid] == K_OWNS_C) {
      lf_gemm_serial(tid, g->ta, g->tb, g->M, g->N, kn, g->alpha, A, g->lda, B, g->ldb, k0 == 0 ? g->beta : 1.0f, g->C, g->ldc,
        k0 == 0 ? g->bias : NULL, g->rowsum);
      continue;
    }
    int first = j->state[tid] == K_IDLE;
    if (first && g->rowsum) for (size_t i = 0; i < g->M; i++) prow[i] = 0.0f;
    j->state[tid] = K_PARTIAL;
    lf_gemm_serial(tid, g->ta, g->tb, g->M, g->N, kn, g->alpha, A, g->lda, B, g->ldb, first ? 0.0f : 1.0f, p, g->N, NULL,
      g->rowsum ? prow : NULL);
  }
}

static void ksplit_reduce(void *ctx, size_t t, int tid) {
  const ksplit_job *j = ctx;
  const lf_gemm_desc *g = &j->g;
  (void)tid;
  size_t i0 = t * j->rstep, i1 = i0 + j->rstep < g->M ? i0 + j->rstep : g->M;
  for (size_t q = 0; q < j->nt; q++) {
    if (j->state[q] != K_PARTIAL) continue;
    const float *p = j->part + q * (g->M * g->N + g->M);
    for (size_t i = i0; i < i1; i++) {
      float *c = g->C + i * g->ldc;
      const float *s = p + i * g->N;
      size_t x = 0;
      for (; x + VW <= g->N; x += VW) vstore(c + x, vadd(vload(c + x), vload(s + x)));
      for (; x < g->N; x++) c[x] += s[x];
      if (g->rowsum) g->rowsum[i] += p[g->M * g->N + i];
    }
  }
}

int lf_gemm_ksplit(const lf_gemm_desc *d, int nt) {
  size_t M = d->M, N = d->N, K = d->K;
  if (nt < 2 || lf_pool_busy() || M >= KSPLIT_M_MAX || K < 4 * (M > N ? M : N) || K < (size_t)nt * KC) return 0;
  if ((size_t)nt * (M * N + M) > PARTIAL_MAX) return 0;   /* partial sums stay small (C of a 50k vocabulary would not) */
  float *part = lf_scratch(0, LF_SCRATCH_PARTIAL, (size_t)nt * (M * N + M) * sizeof(float));
  if (!part) return 0;
  ksplit_job j = { .g = *d, .part = part, .nt = (size_t)nt, .rstep = (M + nt - 1) / nt };
  atomic_init(&j.next, 0);
  for (int q = 0; q < nt; q++) j.state[q] = K_IDLE;
  lf_parallel((size_t)nt, nt, ksplit_task, &j);
  lf_parallel((size_t)nt, nt, ksplit_reduce, &j);
  return 1;
}

/* ---- op(B) one k slice at a time on several threads (OpenBLAS's level-3 threading, with C's rows taken from
   a counter): the threads pack the slice op(B)[pc:pc+KC, :] together into one of two shared buffers, then
   take blocks of C's rows for it, each packing its own rows of op(A). A thread out of rows packs the next slice
   into the other buffer, then waits until every row of this slice is done (C's rows and the row sums are
   updated one slice at a time). Every operand is packed once; bit-identical to the 1-thread path ---- */
#define ROWS_MAX 192                    /* rows of op(A) packed at a time: ROWS_MAX × KC floats (192 KiB), in L2 beside
                                           the NB × KC block of op(B) (256 KiB); 96 measured 4-13% slower on 2048³ */
#define ROWS_MIN 24
#define PACK_GROUP 8                    /* B panels per packing task, at most */
#define SLICE_B_MAX ((size_t)1 << 20)   /* floats of one packed slice (4 MiB): two of them stay in L3 */

typedef struct {
  atomic_size_t pack_next, pack_done, row_next, row_done;
} slice_sync;

typedef struct {
  lf_gemm_desc g;
  size_t nt, group, groups, slices;    /* group: B panels per packing task */
  float *bp[2];                         /* slice s in bp[s & 1]: panel j at bp + j·NR·kc */
  slice_sync *s;                        /* per slice */
} slices_job;

static void wait_for(atomic_size_t *v, size_t target) {
  for (unsigned spin = 0; atomic_load_explicit(v, memory_order_acquire) < target; spin++)
    if (spin < 4096) lf_cpu_relax(); else sched_yield();
}

static void slices_pack(slices_job *j, size_t s) {
  const lf_gemm_desc *g = &j->g;
  size_t pc = s * KC, kc = g->K - pc < KC ? g->K - pc : KC;
  for (size_t p; (p = atomic_fetch_add_explicit(&j->s[s].pack_next, 1, memory_order_relaxed)) < j->groups;) {
    size_t j0 = p * j->group * NR, w = g->N - j0 < j->group * NR ? g->N - j0 : j->group * NR;
    lf_pack_b(g->tb, kc, w, OPB(g->B, g->ldb, g->tb, pc, j0), g->ldb, j->bp[s & 1] + j0 * kc);
    atomic_fetch_add_explicit(&j->s[s].pack_done, 1, memory_order_release);
  }
}

static void slices_task(void *ctx, size_t t, int tid) {
  slices_job *j = ctx;
  const lf_gemm_desc *g = &j->g;
  (void)t;
  float *pa = lf_scratch(tid, LF_SCRATCH_PACK_A, ROWS_MAX * KC * sizeof(float));
  if (!pa) return;   /* lf_oom is set: the call fails */
  slices_pack(j, 0);
  for (size_t s = 0; s < j->slices; s++) {
    size_t pc = s * KC, kc = g->K - pc < KC ? g->K - pc : KC, m0, mc;
    const float *bp = j->bp[s & 1];
    wait_for(&j->s[s].pack_done, j->groups);
    while ((mc = claim(&j->s[s].row_next, g->M, j->nt, MR, ROWS_MIN, ROWS_MAX, &m0)) > 0) {
      lf_pack_a(g->ta, mc, kc, OPA(g->A, g->lda, g->ta, m0, pc), g->lda, pa, 1.0f, g->rowsum ? g->rowsum + m0 : NULL);
      for (size_t jb = 0; jb < g->N; jb += NB) {
        size_t nb = g->N - jb < NB ? g->N - jb : NB;
        lf_macro_rows(mc, nb, kc, pa, MR * kc, bp + jb * kc, NR * kc, g->C + m0 * g->ldc + jb, g->ldc,
          g->alpha, s == 0 ? g->beta : 1.0f, s == 0 && g->bias ? g->bias + jb : NULL);
      }
      atomic_fetch_add_explicit(&j->s[s].row_done, mc, memory_order_release);
    }
    if (s + 1 < j->slices) slices_pack(j, s + 1);   /* its buffer held slice s - 1, finished by every thread */
    wait_for(&j->s[s].row_done, g->M);
  }
}

int lf_gemm_slices(const lf_gemm_desc *d, int nt) {
  size_t M = d->M, N = d->N, K = d->K, ncp = lf_round_up(N, NR), slices = (K + KC - 1) / KC;
  if (nt < 2 || lf_pool_busy() || K == 0 || M < 2 * ROWS_MIN || KC * ncp > SLICE_B_MAX) return 0;
  /* the two slice buffers, then the counters of every slice */
  float *bp = lf_scratch(0, LF_SCRATCH_SHARED_B, 2 * KC * ncp * sizeof(float) + slices * sizeof(slice_sync));
  if (!bp) return 0;
  size_t panels = ncp / NR, group = panels / (2 * (size_t)nt);   /* every thread packs a share of a narrow B too */
  group = group < 1 ? 1 : group > PACK_GROUP ? PACK_GROUP : group;
  slices_job j = { .g = *d, .nt = (size_t)nt, .group = group, .groups = (panels + group - 1) / group, .slices = slices,
    .bp = { bp, bp + KC * ncp }, .s = (slice_sync *)(bp + 2 * KC * ncp) };
  for (size_t q = 0; q < slices; q++) {
    atomic_init(&j.s[q].pack_next, 0);
    atomic_init(&j.s[q].pack_done, 0);
    atomic_init(&j.s[q].row_next, 0);
    atomic_init(&j.s[q].row_done, 0);
  }
  lf_parallel((size_t)nt, nt, slices_task, &j);
  return 1;
}
