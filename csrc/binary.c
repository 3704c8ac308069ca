// Broadcasting binary arithmetic (add, sub, mul, div, pow, maximum, minimum) through strides, as
// src/kernels/js/elementwise.ts. Rows whose operands are contiguous or broadcast scalars run in
// SIMD; other strides run a scalar loop. Backward fuses the a and b gradients in one pass.
#include "lmforge.h"
#include "simd.h"
#include "nditer.h"

typedef struct { int op; const float *a, *b, *g; float *out, *ga, *gb; } bin_job;

static inline float bin_scalar(int op, float a, float b) {
  switch (op) {
    case LF_ADD: return a + b;
    case LF_SUB: return a - b;
    case LF_MUL: return a * b;
    case LF_DIV: return a / b;
    case LF_BPOW: return powf(a, b);
    case LF_MAXIMUM: return a >= b ? a : b;
    default: return a <= b ? a : b;
  }
}

LF_INLINE vf bin_vec(int op, vf a, vf b) {
  switch (op) {
    case LF_ADD: return vadd(a, b);
    case LF_SUB: return vsub(a, b);
    case LF_MUL: return vmul(a, b);
    case LF_DIV: return vdiv(a, b);
    case LF_MAXIMUM: return vsel(vge(a, b), a, b);
    default: return vsel(vle(a, b), a, b);
  }
}

/* operands: 0 = out (contiguous), 1 = a, 2 = b */
static void bin_fwd_row(void *ctx, size_t n, const ptrdiff_t *off, const ptrdiff_t *st) {
  const bin_job *j = ctx;
  const float *a = j->a + off[1], *b = j->b + off[2];
  float *o = j->out + off[0];
  ptrdiff_t sa = st[1], sb = st[2];
  if (j->op != LF_BPOW && st[0] == 1 && (sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
    size_t i = 0;
    for (; i + VW <= n; i += VW) {
      vf va = sa ? vload(a + i) : vset1(a[0]), vb = sb ? vload(b + i) : vset1(b[0]);
      vstore(o + i, bin_vec(j->op, va, vb));
    }
    for (; i < n; i++) o[i] = bin_scalar(j->op, a[sa * (ptrdiff_t)i], b[sb * (ptrdiff_t)i]);
    return;
  }
  for (size_t i = 0; i < n; i++) o[(ptrdiff_t)i * st[0]] = bin_scalar(j->op, a[(ptrdiff_t)i * sa], b[(ptrdiff_t)i * sb]);
}

void lf_binary_forward(int op, const size_t *shape, int rank, const float *a, const ptrdiff_t *as, const float *b, const ptrdiff_t *bs, float *out) {
  ptrdiff_t os[LF_MAX_RANK];
  ptrdiff_t s = 1;
  for (int d = rank - 1; d >= 0; d--) { os[d] = s; s *= (ptrdiff_t)shape[d]; }
  const ptrdiff_t *strides[3] = { os, as, bs };
  lf_iter it;
  lf_iter_init(&it, shape, rank, 3, strides, NULL);
  bin_job j = { op, a, b, NULL, out, NULL, NULL };
  lf_iter_run(&it, bin_fwd_row, &j, 1, op == LF_BPOW ? 10.0 : 1.0);
}

/* ∂(a op b)/∂a and ∂/∂b, exactly as the JS reference */
static inline void bin_grads(int op, float x, float y, float *da, float *db) {
  switch (op) {
    case LF_ADD: *da = 1; *db = 1; break;
    case LF_SUB: *da = 1; *db = -1; break;
    case LF_MUL: *da = y; *db = x; break;
    case LF_DIV: *da = 1 / y; *db = -x / (y * y); break;
    case LF_BPOW: *da = y == 0 ? 0 : y * powf(x, y - 1); *db = x > 0 ? powf(x, y) * logf(x) : 0; break;
    case LF_MAXIMUM: *da = x >= y ? 1 : 0; *db = x >= y ? 0 : 1; break;
    default: *da = x <= y ? 1 : 0; *db = x <= y ? 0 : 1; break;
  }
}

/* operands: 0 = g (contiguous), 1 = a, 2 = b, 3 = ga or gb (the one being accumulated) */
typedef struct { bin_job j; int which; } bin_bwd_job;

static void bin_bwd_row(void *ctx, size_t n, const ptrdiff_t *off, const ptrdiff_t *st) {
  const bin_bwd_job *bj = ctx;
  const bin_job *j = &bj->j;
  const float *a = j->a + off[1], *b = j->b + off[2], *g = j->g + off[0];
  float *gd = (bj->which ? j->gb : j->ga) + off[3];
  ptrdiff_t sa = st[1], sb = st[2], sd = st[3];
  int op = j->op;
  if (st[0] == 1 && sd == 1 && (sa == 0 || sa == 1) && (sb == 0 || sb == 1) &&
      (op == LF_ADD || op == LF_SUB || op == LF_MUL || (op == LF_DIV && !bj->which))) {
    size_t i = 0;
    for (; i + VW <= n; i += VW) {
      vf vg = vload(g + i), d;
      if (op == LF_ADD) d = vg;
      else if (op == LF_SUB) d = bj->which ? vsub(vzero(), vg) : vg;
      else if (op == LF_MUL) d = vmul(vg, bj->which ? (sa ? vload(a + i) : vset1(a[0])) : (sb ? vload(b + i) : vset1(b[0])));
      else d = vdiv(vg, sb ? vload(b + i) : vset1(b[0]));
      vstore(gd + i, vadd(vload(gd + i), d));
    }
    for (; i < n; i++) {
      float da, db;
      bin_grads(op, a[sa * (ptrdiff_t)i], b[sb * (ptrdiff_t)i], &da, &db);
      gd[i] += (bj->which ? db : da) * g[i];
    }
    return;
  }
  if (sd == 0) {
    /* a broadcast row: sum in a register first */
    float acc = 0;
    for (size_t i = 0; i < n; i++) {
      float da, db;
      bin_grads(op, a[(ptrdiff_t)i * sa], b[(ptrdiff_t)i * sb], &da, &db);
      acc += (bj->which ? db : da) * g[(ptrdiff_t)i * st[0]];
    }
    gd[0] += acc;
    return;
  }
  for (size_t i = 0; i < n; i++) {
    float da, db;
    bin_grads(op, a[(ptrdiff_t)i * sa], b[(ptrdiff_t)i * sb], &da, &db);
    gd[(ptrdiff_t)i * sd] += (bj->which ? db : da) * g[(ptrdiff_t)i * st[0]];
  }
}

void lf_binary_backward(int op, const size_t *shape, int rank, const float *a, const ptrdiff_t *as, const float *b, const ptrdiff_t *bs,
  const float *g, float *ga, const ptrdiff_t *gas, float *gb, const ptrdiff_t *gbs) {
  ptrdiff_t gs[LF_MAX_RANK];
  ptrdiff_t s = 1;
  for (int d = rank - 1; d >= 0; d--) { gs[d] = s; s *= (ptrdiff_t)shape[d]; }
  for (int which = 0; which < 2; which++) {
    float *gd = which ? gb : ga;
    if (!gd) continue;
    const ptrdiff_t *strides[4] = { gs, as, bs, which ? gbs : gas };
    lf_iter it;
    lf_iter_init(&it, shape, rank, 4, strides, NULL);
    bin_bwd_job j = { { op, a, b, g, NULL, ga, gb }, which };
    lf_iter_run(&it, bin_bwd_row, &j, lf_iter_distinct(&it, 3), op == LF_BPOW ? 20.0 : 1.0);
  }
}
