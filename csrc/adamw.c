// AdamW over contiguous parameter / gradient / moment buffers in one call per step (PyTorch's
// update order, FACTS §3.8: decoupled decay first), the global squared gradient norm (double
// accumulation) and in-place scaling, as src/kernels/js/adamw.ts. Memory-bound: one pass.
#include "lmforge.h"
#include "simd.h"
#include <math.h>

#define ADAM_BLOCK 65536

typedef struct { size_t n; float *p, *m, *v; const float *g; float decay, b1, b2, c1, c2, eps, step, rbc2s, gs; double *partial; float s; } adam_job;

static void adam_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const adam_job *j = ctx;
  size_t i0 = t * ADAM_BLOCK, n = i0 + ADAM_BLOCK < j->n ? ADAM_BLOCK : j->n - i0;
  float *p = j->p + i0, *m = j->m + i0, *v = j->v + i0;
  const float *g = j->g + i0;
  const vf decay = vset1(j->decay), b1 = vset1(j->b1), b2 = vset1(j->b2), c1 = vset1(j->c1), c2 = vset1(j->c2);
  const vf gs = vset1(j->gs), step = vset1(j->step), rb = vset1(j->rbc2s), eps = vset1(j->eps);
#define ADAM_STEP(LOAD, STORE)                                                      \
  do {                                                                              \
    vf gi = vmul(LOAD(g + i), gs);                                                  \
    vf pi = vmul(LOAD(p + i), decay);                                               \
    vf mi = vfma(b1, LOAD(m + i), vmul(c1, gi));                                    \
    vf vi = vfma(b2, LOAD(v + i), vmul(vmul(c2, gi), gi));                          \
    /* p -= lr · (m / bc1) / (sqrt(v / bc2) + eps) */                               \
    vf den = vfma(vsqrt(vi), rb, eps);                                              \
    STORE(m + i, mi);                                                               \
    STORE(v + i, vi);                                                               \
    STORE(p + i, vfnma(step, vdiv(mi, den), pi));                                   \
  } while (0)
#define FULL_LOAD(q) vload(q)
#define FULL_STORE(q, x) vstore(q, x)
#define TAIL_LOAD(q) vloadn(q, n - i, 0.0f)
#define TAIL_STORE(q, x) vstoren(q, x, n - i)
  size_t i = 0;
  for (; i + VW <= n; i += VW) ADAM_STEP(FULL_LOAD, FULL_STORE);
  if (i < n) ADAM_STEP(TAIL_LOAD, TAIL_STORE);
}

void lf_adamw(size_t n, float *p, const float *g, float *m, float *v, double lr, double beta1, double beta2, double eps,
  double wd, double step, double gscale) {
  /* coefficients in double, rounded once: 1 − β computed from a rounded β would lose 4 digits */
  double bc1 = 1.0 - pow(beta1, step), bc2 = 1.0 - pow(beta2, step);
  adam_job j = { n, p, m, v, g, (float)(1.0 - lr * wd), (float)beta1, (float)beta2, (float)(1.0 - beta1), (float)(1.0 - beta2),
    (float)eps, (float)(lr / bc1), (float)(1.0 / sqrt(bc2)), (float)gscale, NULL, 0 };
  lf_parallel((n + ADAM_BLOCK - 1) / ADAM_BLOCK, lf_threads_for((double)n * 8, 262144), adam_task, &j);
}

static void sumsq_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const adam_job *j = ctx;
  size_t i0 = t * ADAM_BLOCK, n = i0 + ADAM_BLOCK < j->n ? ADAM_BLOCK : j->n - i0;
  const float *g = j->g + i0;
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += (double)g[i] * g[i]; s1 += (double)g[i + 1] * g[i + 1];
    s2 += (double)g[i + 2] * g[i + 2]; s3 += (double)g[i + 3] * g[i + 3];
  }
  for (; i < n; i++) s0 += (double)g[i] * g[i];
  j->partial[t] = (s0 + s1) + (s2 + s3);
}

double lf_sum_squares(size_t n, const float *g) {
  size_t tasks = (n + ADAM_BLOCK - 1) / ADAM_BLOCK;
  if (tasks == 0) return 0.0;
  double *partial = lf_scratch(0, LF_SCRATCH_PARTIAL, tasks * sizeof(double));
  if (!partial) return NAN;
  adam_job j = { n, NULL, NULL, NULL, g, 0, 0, 0, 0, 0, 0, 0, 0, 0, partial, 0 };
  lf_parallel(tasks, lf_threads_for((double)n, 262144), sumsq_task, &j);
  double s = 0;
  for (size_t t = 0; t < tasks; t++) s += partial[t];
  return s;
}

static void scale_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const adam_job *j = ctx;
  size_t i0 = t * ADAM_BLOCK, n = i0 + ADAM_BLOCK < j->n ? ADAM_BLOCK : j->n - i0;
  float *x = j->p + i0;
  vf s = vset1(j->s);
  size_t i = 0;
  for (; i + VW <= n; i += VW) vstore(x + i, vmul(vload(x + i), s));
  for (; i < n; i++) x[i] *= j->s;
}

void lf_scale_in_place(size_t n, float *x, float s) {
  adam_job j = { n, x, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, s };
  lf_parallel((n + ADAM_BLOCK - 1) / ADAM_BLOCK, lf_threads_for((double)n, 262144), scale_task, &j);
}
