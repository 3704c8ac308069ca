// Strided copies: contiguous() of any view (4- or 8-byte elements) and the accumulate that is the
// backward of every view op (stride 0 sums, as expand's backward needs). As src/kernels/js/copy.ts.
#include "lmforge.h"
#include "simd.h"
#include "nditer.h"
#include <string.h>

typedef struct { const char *src; char *dst; size_t elem; const float *fsrc; float *fdst; } copy_job;

/* operands: 0 = dst (contiguous), 1 = src */
static void copy_row(void *ctx, size_t n, const ptrdiff_t *off, const ptrdiff_t *st) {
  const copy_job *j = ctx;
  size_t e = j->elem;
  char *d = j->dst + off[0] * (ptrdiff_t)e;
  const char *s = j->src + off[1] * (ptrdiff_t)e;
  if (st[0] == 1 && st[1] == 1) { memcpy(d, s, n * e); return; }
  if (e == 4) {
    uint32_t *d4 = (uint32_t *)d;
    const uint32_t *s4 = (const uint32_t *)s;
    for (size_t i = 0; i < n; i++) d4[(ptrdiff_t)i * st[0]] = s4[(ptrdiff_t)i * st[1]];
  } else {
    uint64_t *d8 = (uint64_t *)d;
    const uint64_t *s8 = (const uint64_t *)s;
    for (size_t i = 0; i < n; i++) d8[(ptrdiff_t)i * st[0]] = s8[(ptrdiff_t)i * st[1]];
  }
}

void lf_strided_copy(const void *src, size_t elem, const size_t *shape, const ptrdiff_t *sstr, int rank, void *dst) {
  ptrdiff_t ds[LF_MAX_RANK];
  ptrdiff_t s = 1;
  for (int d = rank - 1; d >= 0; d--) { ds[d] = s; s *= (ptrdiff_t)shape[d]; }
  const ptrdiff_t *strides[2] = { ds, sstr };
  lf_iter it;
  lf_iter_init(&it, shape, rank, 2, strides, NULL);
  copy_job j = { src, dst, elem, NULL, NULL };
  lf_iter_run(&it, copy_row, &j, 1, 0.5);
}

/* operands: 0 = src (contiguous), 1 = dst */
static void acc_row(void *ctx, size_t n, const ptrdiff_t *off, const ptrdiff_t *st) {
  const copy_job *j = ctx;
  const float *s = j->fsrc + off[0];
  float *d = j->fdst + off[1];
  if (st[1] == 1 && st[0] == 1) {
    size_t i = 0;
    for (; i + VW <= n; i += VW) vstore(d + i, vadd(vload(d + i), vload(s + i)));
    for (; i < n; i++) d[i] += s[i];
    return;
  }
  if (st[1] == 0) {
    float acc = 0.0f;
    for (size_t i = 0; i < n; i++) acc += s[(ptrdiff_t)i * st[0]];
    d[0] += acc;
    return;
  }
  for (size_t i = 0; i < n; i++) d[(ptrdiff_t)i * st[1]] += s[(ptrdiff_t)i * st[0]];
}

void lf_strided_accumulate(const float *src, const size_t *shape, int rank, float *dst, const ptrdiff_t *dstr) {
  ptrdiff_t ss[LF_MAX_RANK];
  ptrdiff_t s = 1;
  for (int d = rank - 1; d >= 0; d--) { ss[d] = s; s *= (ptrdiff_t)shape[d]; }
  const ptrdiff_t *strides[2] = { ss, dstr };
  lf_iter it;
  lf_iter_init(&it, shape, rank, 2, strides, NULL);
  copy_job j = { NULL, NULL, 4, src, dst };
  lf_iter_run(&it, acc_row, &j, lf_iter_distinct(&it, 1), 1.0);
}
