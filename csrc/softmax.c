// Row-wise softmax / log_softmax over C of (N, C), max-subtracted, and backward, as
// src/kernels/js/softmax.ts. One pass for the max, one for exp and its sum (exp stored once).
#include "lmforge.h"
#include "simd.h"
#include <math.h>

/* A backward row is written as simd.h's lf_gx_mode says: gx += d, gx = d (never read), or streamed */

typedef struct { size_t N, C; const float *x, *g; float *out; int log, mode; } sm_job;

#define ROWS_PER_TASK 8

/* max of a row, ignoring NaN as the JS reference does (`x > mx` is false for NaN) */
static float row_max(const float *x, size_t C) {
  vf m = vset1(-INFINITY);
  size_t c = 0;
  for (; c + VW <= C; c += VW) m = vmax(vload(x + c), m);
  if (c < C) m = vmax(vloadn(x + c, C - c, -INFINITY), m);
  return vhmax(m);
}

static void sm_fwd_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const sm_job *j = ctx;
  size_t C = j->C, r1 = (t + 1) * ROWS_PER_TASK < j->N ? (t + 1) * ROWS_PER_TASK : j->N;
  for (size_t n = t * ROWS_PER_TASK; n < r1; n++) {
    const float *x = j->x + n * C;
    float *o = j->out + n * C;
    float mx = row_max(x, C);
    vf vm = vset1(mx);
    size_t c = 0;
    double total = 0.0;   /* float lanes per block of SUM_BLOCK, blocks in double */
    if (j->log) {
      for (size_t b0 = 0; b0 < C; b0 += SUM_BLOCK) {
        size_t b1 = b0 + SUM_BLOCK < C ? b0 + SUM_BLOCK : C;
        vf s = vzero();
        for (c = b0; c + VW <= b1; c += VW) s = vadd(s, vexp_neg(vsub(vload(x + c), vm)));
        if (c < b1) s = vadd(s, vexp_neg(vsub(vloadn(x + c, b1 - c, -INFINITY), vm)));
        total += (double)vhsum(s);
      }
      float lse = mx + (float)log(total);
      vf vl = vset1(lse);
      for (c = 0; c + VW <= C; c += VW) vstore(o + c, vsub(vload(x + c), vl));
      for (; c < C; c++) o[c] = x[c] - lse;
    } else {
      for (size_t b0 = 0; b0 < C; b0 += SUM_BLOCK) {
        size_t b1 = b0 + SUM_BLOCK < C ? b0 + SUM_BLOCK : C;
        vf s = vzero();
        for (c = b0; c + VW <= b1; c += VW) { vf e = vexp_neg(vsub(vload(x + c), vm)); vstore(o + c, e); s = vadd(s, e); }
        if (c < b1) { vf e = vexp_neg(vsub(vloadn(x + c, b1 - c, -INFINITY), vm)); vstoren(o + c, e, b1 - c); s = vadd(s, e); }
        total += (double)vhsum(s);
      }
      vf inv = vset1((float)(1.0 / total));
      for (c = 0; c + VW <= C; c += VW) vstore(o + c, vmul(vload(o + c), inv));
      if (c < C) vstoren(o + c, vmul(vloadn(o + c, C - c, 0.0f), inv), C - c);
    }
  }
}

void lf_softmax_forward(size_t N, size_t C, const float *x, float *out, int log) {
  sm_job j = { N, C, x, NULL, out, log, LF_GX_ACCUMULATE };
  lf_parallel((N + ROWS_PER_TASK - 1) / ROWS_PER_TASK, lf_threads_for((double)N * C * 4, 65536), sm_fwd_task, &j);
}

/* Backward streams three arrays (y, g and the accumulated gx) from memory. On AVX2 builds the first pass over a
   row prefetches the rows PF_AHEAD floats further on in all three, so that more misses are in flight than the
   hardware prefetchers keep: −20% time for 6144×1024 on 1 thread on Zen 3. On Zen 4 the same prefetches cost
   time (AVX-512 build, C harness, 1 thread, streamed gx: 2.1-2.4 ms without, 2.8-3.6 ms with; +12-15% in
   an AVX2 build there too), so AVX-512 builds, made for CPUs of that generation or later, leave it to the
   hardware. Prefetches never fault. */
#define PF_AHEAD 2048
LF_INLINE void prefetch3(const float *a, const float *b, const float *c) {
#if defined(LF_AVX2)
  _mm_prefetch((const char *)(a + PF_AHEAD), _MM_HINT_T0);
  _mm_prefetch((const char *)(b + PF_AHEAD), _MM_HINT_T0);
  _mm_prefetch((const char *)(c + PF_AHEAD), _MM_HINT_T0);
#else
  (void)a; (void)b; (void)c;
#endif
}

/* Σ a (b == NULL) or Σ a·b over a row: float lanes per block of SUM_BLOCK, blocks added in double;
   interleaved with prefetches of p0, p1, p2 PF_AHEAD floats ahead (one per 64-byte line). */
static double row_sum(const float *a, const float *b, size_t C, const float *p0, const float *p1, const float *p2) {
  double total = 0.0;
  for (size_t b0 = 0; b0 < C; b0 += SUM_BLOCK) {
    size_t b1 = b0 + SUM_BLOCK < C ? b0 + SUM_BLOCK : C, c = b0;
    vf acc = vzero();
    if (b) {
      for (; c + VW <= b1; c += VW) {
        if (c % 16 == 0) prefetch3(p0 + c, p1 + c, p2 + c);
        acc = vfma(vload(a + c), vload(b + c), acc);
      }
      if (c < b1) acc = vfma(vloadn(a + c, b1 - c, 0.0f), vloadn(b + c, b1 - c, 0.0f), acc);
    } else {
      for (; c + VW <= b1; c += VW) {
        if (c % 16 == 0) prefetch3(p0 + c, p1 + c, p2 + c);
        acc = vadd(acc, vload(a + c));
      }
      if (c < b1) acc = vadd(acc, vloadn(a + c, b1 - c, 0.0f));
    }
    total += (double)vhsum(acc);
  }
  return total;
}

/* d = y ⊙ (g − s) with s = Σ y·g (softmax), or g − exp(y)·s with s = Σ g (log_softmax: y = log p) */
LF_INLINE vf sm_grad(int log, vf y, vf g, vf s) { return log ? vfnma(vexp_neg(y), s, g) : vmul(y, vsub(g, s)); }

LF_INLINE void sm_bwd_row(int log, int mode, const float *y, const float *g, float *gx, size_t C, vf s) {
  size_t c = lf_gx_head(mode, gx, C);   /* a streamed row's floats before its first aligned vector */
  if (c) vstoren_gx(mode, gx, sm_grad(log, vloadn(y, c, 0.0f), vloadn(g, c, 0.0f), s), c);
  for (; c + VW <= C; c += VW) vstore_gx(mode, gx + c, sm_grad(log, vload(y + c), vload(g + c), s));
  if (c < C) vstoren_gx(mode, gx + c, sm_grad(log, vloadn(y + c, C - c, 0.0f), vloadn(g + c, C - c, 0.0f), s), C - c);
}

static void sm_bwd_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const sm_job *j = ctx;
  size_t C = j->C, r1 = (t + 1) * ROWS_PER_TASK < j->N ? (t + 1) * ROWS_PER_TASK : j->N;
  for (size_t n = t * ROWS_PER_TASK; n < r1; n++) {
    const float *y = j->x + n * C, *g = j->g + n * C;
    float *gx = j->out + n * C;
    /* the row sum's pass prefetches the rows ahead: gx too unless it is streamed (never read into cache) */
    const float *pf = j->mode == LF_GX_STREAM ? g : gx;
    double s = j->log ? row_sum(g, NULL, C, y, g, pf) : row_sum(g, y, C, y, g, pf);
    /* mode as a constant in each call, so that each gets its own loop without a branch per vector */
    vf vs = vset1((float)s);
    if (j->mode == LF_GX_ACCUMULATE) sm_bwd_row(j->log, LF_GX_ACCUMULATE, y, g, gx, C, vs);
    else if (j->mode == LF_GX_OVERWRITE) sm_bwd_row(j->log, LF_GX_OVERWRITE, y, g, gx, C, vs);
    else sm_bwd_row(j->log, LF_GX_STREAM, y, g, gx, C, vs);
  }
  if (j->mode == LF_GX_STREAM) vstream_fence();
}

void lf_softmax_backward(size_t N, size_t C, const float *y, const float *g, float *gx, int log, int overwrite) {
  int mode = lf_gx_mode(overwrite, N * C);
  sm_job j = { N, C, y, g, gx, log, mode };
  lf_parallel((N + ROWS_PER_TASK - 1) / ROWS_PER_TASK, lf_threads_for((double)N * C * 3, 65536), sm_bwd_task, &j);
}
