// Cross-entropy from logits fused with log-softmax, rows with the ignore index contributing 0, as
// src/kernels/js/cross_entropy.ts. Forward: a max pass then an exp-sum pass (the row is in L2 by
// then) — the (N, V) probabilities are never written. Backward: one pass, gx += gl·(p − onehot).
#include "lmforge.h"
#include "simd.h"
#include <math.h>

typedef struct { size_t N, V; const float *x; const int32_t *t; int32_t ignore; float *losses, *lse; const float *clse, *gl; float *gx; } ce_job;

static void ce_fwd_task(void *ctx, size_t n, int tid) {
  (void)tid;
  const ce_job *j = ctx;
  size_t V = j->V;
  const float *x = j->x + n * V;
  vf m = vset1(-INFINITY);
  size_t v = 0;
  for (; v + VW <= V; v += VW) m = vmax(vload(x + v), m);
  if (v < V) m = vmax(vloadn(x + v, V - v, -INFINITY), m);
  float mx = vhmax(m);
  vf vm = vset1(mx);
  /* float lanes within blocks of SUM_BLOCK, blocks summed in double: V = 50257 terms stay accurate */
  double total = 0.0;
  for (size_t b0 = 0; b0 < V; b0 += SUM_BLOCK) {
    size_t b1 = b0 + SUM_BLOCK < V ? b0 + SUM_BLOCK : V;
    vf s0 = vzero(), s1 = vzero();
    for (v = b0; v + 2 * VW <= b1; v += 2 * VW) {
      s0 = vadd(s0, vexp_neg(vsub(vload(x + v), vm)));
      s1 = vadd(s1, vexp_neg(vsub(vload(x + v + VW), vm)));
    }
    for (; v < b1; v += VW) s0 = vadd(s0, vexp_neg(vsub(vloadn(x + v, b1 - v < VW ? b1 - v : VW, -INFINITY), vm)));
    total += (double)vhsum(vadd(s0, s1));
  }
  float l = mx + (float)log(total);
  j->lse[n] = l;
  int32_t t = j->t[n];
  j->losses[n] = t == j->ignore ? 0.0f : l - x[t];
}

void lf_cross_entropy_forward(size_t N, size_t V, const float *x, const int32_t *t, int32_t ignore, float *losses, float *lse) {
  ce_job j = { N, V, x, t, ignore, losses, lse, NULL, NULL, NULL };
  lf_parallel(N, lf_threads_for((double)N * V * 3, 65536), ce_fwd_task, &j);
}

static void ce_bwd_task(void *ctx, size_t n, int tid) {
  (void)tid;
  const ce_job *j = ctx;
  int32_t t = j->t[n];
  if (t == j->ignore) return;
  size_t V = j->V;
  const float *x = j->x + n * V;
  float *gx = j->gx + n * V;
  float glv = j->gl[n];
  vf l = vset1(j->clse[n]), gl = vset1(glv);
  size_t v = 0;
  for (; v + VW <= V; v += VW) vstore(gx + v, vfma(gl, vexp_neg(vsub(vload(x + v), l)), vload(gx + v)));
  if (v < V) {
    size_t r = V - v;
    vstoren(gx + v, vfma(gl, vexp_neg(vsub(vloadn(x + v, r, 0.0f), l)), vloadn(gx + v, r, 0.0f)), r);
  }
  gx[t] -= glv;
}

void lf_cross_entropy_backward(size_t N, size_t V, const float *x, const int32_t *t, int32_t ignore, const float *lse, const float *gl, float *gx) {
  ce_job j = { N, V, x, t, ignore, NULL, NULL, lse, gl, gx };
  lf_parallel(N, lf_threads_for((double)N * V * 3, 65536), ce_bwd_task, &j);
}
