// N-d strided iteration over up to 4 operands (the engine of copy.c and elementwise.c): drops
// size-1 dims, merges dims that are contiguous for every operand, then walks the outer dims and
// hands each innermost row to a kernel callback, optionally split over the thread pool.
#ifndef LMFORGE_NDITER_H
#define LMFORGE_NDITER_H

#include "lmforge.h"

#define LF_MAX_OPS 4

typedef struct {
  int rank, nops;
  size_t shape[LF_MAX_RANK];
  ptrdiff_t st[LF_MAX_OPS][LF_MAX_RANK];
  ptrdiff_t base[LF_MAX_OPS];
} lf_iter;

/** Row callback: n elements; off[i] is operand i's element offset, st[i] its stride along the row. */
typedef void (*lf_row_fn)(void *ctx, size_t n, const ptrdiff_t *off, const ptrdiff_t *st);

static inline void lf_iter_init(lf_iter *it, const size_t *shape, int rank, int nops, const ptrdiff_t *const *strides, const ptrdiff_t *base) {
  it->nops = nops;
  it->rank = 0;
  for (int o = 0; o < nops; o++) it->base[o] = base ? base[o] : 0;
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 1) continue;
    int r = it->rank;
    /* merge into the previous kept dim when every operand is contiguous across the pair */
    if (r > 0) {
      int ok = 1;
      for (int o = 0; o < nops; o++) if (it->st[o][r - 1] != strides[o][d] * (ptrdiff_t)shape[d]) { ok = 0; break; }
      if (ok) {
        it->shape[r - 1] *= shape[d];
        for (int o = 0; o < nops; o++) it->st[o][r - 1] = strides[o][d];
        continue;
      }
    }
    it->shape[r] = shape[d];
    for (int o = 0; o < nops; o++) it->st[o][r] = strides[o][d];
    it->rank++;
  }
  if (it->rank == 0) {
    it->rank = 1;
    it->shape[0] = 1;
    for (int o = 0; o < nops; o++) it->st[o][0] = 1;
  }
  for (int d = 0; d < rank; d++) if (shape[d] == 0) { it->shape[0] = 0; break; }
}

static inline size_t lf_iter_rows(const lf_iter *it) {
  size_t n = 1;
  for (int d = 0; d < it->rank - 1; d++) n *= it->shape[d];
  return it->shape[0] == 0 ? 0 : n;
}

typedef struct { const lf_iter *it; lf_row_fn fn; void *ctx; size_t rows, chunk; } lf_iter_job;

/* Rows [r0, r1) of the iteration: unravel r0 once, then step like an odometer. */
static inline void lf_iter_rows_run(const lf_iter *it, size_t r0, size_t r1, lf_row_fn fn, void *ctx) {
  int R = it->rank, no = it->nops;
  size_t idx[LF_MAX_RANK];
  ptrdiff_t off[LF_MAX_OPS], inner[LF_MAX_OPS];
  size_t rem = r0;
  for (int o = 0; o < no; o++) { off[o] = it->base[o]; inner[o] = it->st[o][R - 1]; }
  for (int d = R - 2; d >= 0; d--) {
    idx[d] = rem % it->shape[d];
    rem /= it->shape[d];
    for (int o = 0; o < no; o++) off[o] += (ptrdiff_t)idx[d] * it->st[o][d];
  }
  size_t n = it->shape[R - 1];
  for (size_t r = r0; r < r1; r++) {
    fn(ctx, n, off, inner);
    for (int d = R - 2; d >= 0; d--) {
      for (int o = 0; o < no; o++) off[o] += it->st[o][d];
      if (++idx[d] < it->shape[d]) break;
      for (int o = 0; o < no; o++) off[o] -= (ptrdiff_t)it->shape[d] * it->st[o][d];
      idx[d] = 0;
    }
  }
}

static void lf_iter_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const lf_iter_job *j = ctx;
  size_t r0 = t * j->chunk, r1 = r0 + j->chunk < j->rows ? r0 + j->chunk : j->rows;
  lf_iter_rows_run(j->it, r0, r1, j->fn, j->ctx);
}

/** Runs every row; `parallel` allows splitting rows over threads (outputs must not overlap). */
static inline void lf_iter_run(const lf_iter *it, lf_row_fn fn, void *ctx, int parallel, double cost_per_elem) {
  size_t rows = lf_iter_rows(it);
  if (rows == 0 || it->shape[it->rank - 1] == 0) return;
  double work = (double)rows * it->shape[it->rank - 1] * cost_per_elem;
  int nt = parallel ? lf_threads_for(work, 65536) : 1;
  if (nt <= 1 || rows < 2) { lf_iter_rows_run(it, 0, rows, fn, ctx); return; }
  size_t tasks = rows < (size_t)nt * 4 ? rows : (size_t)nt * 4;
  lf_iter_job j = { it, fn, ctx, rows, (rows + tasks - 1) / tasks };
  lf_parallel((rows + j.chunk - 1) / j.chunk, nt, lf_iter_task, &j);
}

/** True when operand o never maps two iteration points to one element (safe to write in parallel). */
static inline int lf_iter_distinct(const lf_iter *it, int o) {
  for (int d = 0; d < it->rank; d++) if (it->shape[d] > 1 && it->st[o][d] == 0) return 0;
  return 1;
}

#endif
