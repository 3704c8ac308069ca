// where(cond, a, b) through broadcast strides and its backward (gradient routed by the int32
// condition), as src/kernels/js/elementwise.ts. Used by masked_fill and where ops.
#include "lmforge.h"
#include "nditer.h"

typedef struct { const int32_t *c; const float *a, *b, *g; float *out, *gd; int which; } where_job;

/* operands: 0 = out (contiguous), 1 = cond, 2 = a, 3 = b */
static void where_fwd_row(void *ctx, size_t n, const ptrdiff_t *off, const ptrdiff_t *st) {
  const where_job *j = ctx;
  const int32_t *c = j->c + off[1];
  const float *a = j->a + off[2], *b = j->b + off[3];
  float *o = j->out + off[0];
  if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 1) {
    for (size_t i = 0; i < n; i++) o[i] = c[i] != 0 ? a[i] : b[i];
    return;
  }
  for (size_t i = 0; i < n; i++) {
    ptrdiff_t k = (ptrdiff_t)i;
    o[k * st[0]] = c[k * st[1]] != 0 ? a[k * st[2]] : b[k * st[3]];
  }
}

void lf_where_forward(const size_t *shape, int rank, const int32_t *c, const ptrdiff_t *cs, const float *a, const ptrdiff_t *as,
  const float *b, const ptrdiff_t *bs, float *out) {
  ptrdiff_t os[LF_MAX_RANK];
  ptrdiff_t s = 1;
  for (int d = rank - 1; d >= 0; d--) { os[d] = s; s *= (ptrdiff_t)shape[d]; }
  const ptrdiff_t *strides[4] = { os, cs, as, bs };
  lf_iter it;
  lf_iter_init(&it, shape, rank, 4, strides, NULL);
  where_job j = { c, a, b, NULL, out, NULL, 0 };
  lf_iter_run(&it, where_fwd_row, &j, 1, 1.0);
}

/* operands: 0 = g (contiguous), 1 = cond, 2 = the gradient being accumulated */
static void where_bwd_row(void *ctx, size_t n, const ptrdiff_t *off, const ptrdiff_t *st) {
  const where_job *j = ctx;
  const int32_t *c = j->c + off[1];
  const float *g = j->g + off[0];
  float *gd = j->gd + off[2];
  int want = j->which == 0;   /* ga takes cond != 0, gb takes cond == 0 */
  for (size_t i = 0; i < n; i++) {
    ptrdiff_t k = (ptrdiff_t)i;
    if ((c[k * st[1]] != 0) == want) gd[k * st[2]] += g[k * st[0]];
  }
}

void lf_where_backward(const size_t *shape, int rank, const int32_t *c, const ptrdiff_t *cs, const float *g,
  float *ga, const ptrdiff_t *gas, float *gb, const ptrdiff_t *gbs) {
  ptrdiff_t gs[LF_MAX_RANK];
  ptrdiff_t s = 1;
  for (int d = rank - 1; d >= 0; d--) { gs[d] = s; s *= (ptrdiff_t)shape[d]; }
  for (int which = 0; which < 2; which++) {
    float *gd = which ? gb : ga;
    if (!gd) continue;
    const ptrdiff_t *strides[3] = { gs, cs, which ? gbs : gas };
    lf_iter it;
    lf_iter_init(&it, shape, rank, 3, strides, NULL);
    where_job j = { c, NULL, NULL, g, NULL, gd, which };
    lf_iter_run(&it, where_bwd_row, &j, lf_iter_distinct(&it, 2), 1.0);
  }
}
