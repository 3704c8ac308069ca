// Sum and max over the middle axis of a contiguous (outer, R, inner) array, and their backward
// (broadcast add / scatter to the argmax). NaN handling of max follows src/kernels/js/reduce.ts.
#include "lmforge.h"
#include "simd.h"

typedef struct { int is_max; size_t outer, R, inner; const float *x, *g; float *out; int32_t *amax; const int32_t *camax; } red_job;

/* Each task is one (outer) slab, or one row of it when inner == 1 and outer is large. */
static void red_fwd_task(void *ctx, size_t o, int tid) {
  (void)tid;
  const red_job *j = ctx;
  size_t R = j->R, I = j->inner;
  const float *x = j->x + o * R * I;
  float *out = j->out + o * I;
  if (!j->is_max) {
    if (I == 1) {
      vf acc = vzero();
      size_t r = 0;
      for (; r + VW <= R; r += VW) acc = vadd(acc, vload(x + r));
      float s = vhsum(acc);
      for (; r < R; r++) s += x[r];
      out[0] = s;
      return;
    }
    for (size_t i = 0; i < I; i++) out[i] = 0.0f;
    for (size_t r = 0; r < R; r++) {
      const float *xr = x + r * I;
      size_t i = 0;
      for (; i + VW <= I; i += VW) vstore(out + i, vadd(vload(out + i), vload(xr + i)));
      for (; i < I; i++) out[i] += xr[i];
    }
    return;
  }
  int32_t *am = j->amax ? j->amax + o * I : NULL;
  for (size_t i = 0; i < I; i++) {
    float best = -INFINITY;
    int32_t bi = 0;
    for (size_t r = 0; r < R; r++) {
      float v = x[r * I + i];
      if (v > best || (v != v && best == best)) { best = v; bi = (int32_t)r; }
    }
    out[i] = best;
    if (am) am[i] = bi;
  }
}

void lf_reduce_forward(int is_max, size_t outer, size_t R, size_t inner, const float *x, float *out, int32_t *argmax) {
  red_job j = { is_max, outer, R, inner, x, NULL, out, argmax, NULL };
  double work = (double)outer * R * inner;
  lf_parallel(outer, lf_threads_for(work, 65536), red_fwd_task, &j);
}

static void red_bwd_task(void *ctx, size_t o, int tid) {
  (void)tid;
  const red_job *j = ctx;
  size_t R = j->R, I = j->inner;
  const float *g = j->g + o * I;
  float *gx = (float *)j->x + o * R * I;   /* x holds gx in backward */
  if (j->is_max) {
    const int32_t *am = j->camax + o * I;
    for (size_t i = 0; i < I; i++) gx[(size_t)am[i] * I + i] += g[i];
    return;
  }
  if (I == 1) {
    vf vg = vset1(g[0]);
    size_t r = 0;
    for (; r + VW <= R; r += VW) vstore(gx + r, vadd(vload(gx + r), vg));
    for (; r < R; r++) gx[r] += g[0];
    return;
  }
  for (size_t r = 0; r < R; r++) {
    float *gr = gx + r * I;
    size_t i = 0;
    for (; i + VW <= I; i += VW) vstore(gr + i, vadd(vload(gr + i), vload(g + i)));
    for (; i < I; i++) gr[i] += g[i];
  }
}

void lf_reduce_backward(int is_max, size_t outer, size_t R, size_t inner, const float *g, float *gx, const int32_t *argmax) {
  red_job j = { is_max, outer, R, inner, gx, g, NULL, NULL, argmax };
  double work = (double)outer * R * inner;
  lf_parallel(outer, lf_threads_for(work, 65536), red_bwd_task, &j);
}
