// Elementwise kernels: unary math/activations, broadcasting binary arithmetic, where() and a fused
// SwiGLU (silu(a)·b). Formulas follow src/kernels/js/elementwise.ts (GELU erf and tanh forms,
// FACTS §3.1); tanh-GELU is computed as x·σ(2u) and erf-GELU as x·Φ(x) to avoid 1 + (−1 + ε).
#include "lmforge.h"
#include "simd.h"
#include "piecewise.h"
#include "nditer.h"

#define SQRT_2_OVER_PI 0.7978845608028654f
#define INV_SQRT_2PI 0.3989422804014327f

/* ---------------- unary ---------------- */

typedef struct { int op; size_t n; const float *x, *y, *g; float *out; float p; int overwrite; } unary_job;

LF_INLINE vf unary_vec(int op, vf x) {
  switch (op) {
    case LF_NEG: return vsub(vzero(), x);
    case LF_EXP: return vexp(x);
    case LF_SQRT: return vsqrt(x);
    case LF_TANH: return vtanh(x);
    case LF_SIGMOID: return vsigmoid(x);
    case LF_RELU: return vsel(vgt(x, vzero()), x, vzero());
    case LF_GELU: return vmul(x, vnormcdf(x));
    case LF_GELU_TANH: {
      /* σ(2u) by the piecewise polynomials (piecewise.h); outside [−3.5, 4.5] from exp */
      vf s = PW_EVAL(x, GELU_TANH);
      vmask out = vpiecewise_out(x);
      if (vany(out)) {
        vf u = vmul(vset1(SQRT_2_OVER_PI), vfma(vmul(vset1(0.044715f), vmul(x, x)), x, x));
        s = vsel(out, vsigmoid(vadd(u, u)), s);
      }
      return vmul(x, s);
    }
    case LF_SILU: return vmul(x, vsigmoid(x));
    case LF_ABS: return vabs(x);
    default: return x;
  }
}

/* d f(x) / dx given x and the forward output y */
LF_INLINE vf deriv_vec(int op, vf x, vf y) {
  const vf one = vset1(1.0f);
  switch (op) {
    case LF_NEG: return vset1(-1.0f);
    case LF_EXP: return y;
    case LF_SQRT: return vdiv(vset1(0.5f), y);
    case LF_TANH: return vfnma(y, y, one);
    case LF_SIGMOID: return vmul(y, vsub(one, y));
    case LF_RELU: return vsel(vgt(x, vzero()), one, vzero());
    case LF_GELU: {
      /* Φ(x) + x·φ(x) by the piecewise polynomials (piecewise.h); outside [−3.5, 4.5] φ by exp and Φ by erfc */
      vf d = PW_EVAL(x, GELU_ERF_D);
      vmask out = vpiecewise_out(x);
      if (vany(out)) {
        vf pdf = vmul(vset1(INV_SQRT_2PI), vexp(vmul(vset1(-0.5f), vmul(x, x))));
        d = vsel(out, vfma(x, pdf, vnormcdf_erfc(x)), d);
      }
      return d;
    }
    case LF_GELU_TANH: {
      /* d/dx x·σ(2u) by the piecewise polynomials; outside [−3.5, 4.5] from s = σ(2u): 0.5(1 + tanh u) = s and
         0.5(1 − tanh² u) = 2s(1 − s), so the derivative is s + 2x·s(1 − s)·du/dx (1 − s formed without cancellation) */
      vf d = PW_EVAL(x, GELU_TANH_D);
      vmask out = vpiecewise_out(x);
      if (vany(out)) {
        vf x2 = vmul(x, x);
        vf u = vmul(vset1(SQRT_2_OVER_PI), vfma(vmul(vset1(0.044715f), x2), x, x));
        vf s, oms;
        vsigmoid2(vadd(u, u), &s, &oms);
        vf du = vmul(vset1(SQRT_2_OVER_PI), vfma(vset1(3.0f * 0.044715f), x2, one));
        d = vsel(out, vfma(vmul(vadd(x, x), vmul(s, oms)), du, s), d);
      }
      return d;
    }
    case LF_SILU: {
      vf s, oms;
      vsigmoid2(x, &s, &oms);
      return vmul(s, vfma(x, oms, one));
    }
    case LF_ABS: return vsel(vgt(x, vzero()), one, vsel(vlt(x, vzero()), vset1(-1.0f), vzero()));
    default: return one;
  }
}

static float unary_scalar(int op, float x, float p) {
  if (op == LF_LOG) return logf(x);
  if (op == LF_POW) return p == 2.0f ? x * x : powf(x, p);
  return vhsum(unary_vec(op, vloadn(&x, 1, 0.0f)));   /* never reached for VW > 1 */
}

/* One loop per op (the op switch is outside the loop, so constants stay in registers). */
#define FWD_LOOP(OP)                                                                               \
  case OP: {                                                                                       \
    size_t i = 0;                                                                                  \
    for (; i + 2 * VW <= n; i += 2 * VW) {                                                         \
      vf a0 = unary_vec(OP, vload(x + i)), a1 = unary_vec(OP, vload(x + i + VW));                  \
      vstore(out + i, a0); vstore(out + i + VW, a1);                                               \
    }                                                                                              \
    for (; i + VW <= n; i += VW) vstore(out + i, unary_vec(OP, vload(x + i)));                      \
    if (i < n) vstoren(out + i, unary_vec(OP, vloadn(x + i, n - i, 0.0f)), n - i);                 \
    break;                                                                                         \
  }

static void unary_fwd_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const unary_job *j = ctx;
  size_t i0 = t * 16384, n = i0 + 16384 < j->n ? 16384 : j->n - i0;
  const float *x = j->x + i0;
  float *out = j->out + i0;
  switch (j->op) {
    FWD_LOOP(LF_NEG) FWD_LOOP(LF_EXP) FWD_LOOP(LF_SQRT) FWD_LOOP(LF_TANH) FWD_LOOP(LF_SIGMOID) FWD_LOOP(LF_RELU)
    FWD_LOOP(LF_GELU) FWD_LOOP(LF_GELU_TANH) FWD_LOOP(LF_SILU) FWD_LOOP(LF_ABS)
    default: for (size_t i = 0; i < n; i++) out[i] = unary_scalar(j->op, x[i], j->p);
  }
}

static double unary_cost(int op) {
  return op == LF_NEG || op == LF_RELU || op == LF_ABS ? 1.0 : op == LF_SQRT ? 2.0 : 8.0;
}

void lf_unary_forward(int op, size_t n, const float *x, float *out, float p) {
  unary_job j = { op, n, x, NULL, NULL, out, p, 0 };
  size_t tasks = (n + 16383) / 16384;
  lf_parallel(tasks, lf_threads_for((double)n * unary_cost(op), 65536), unary_fwd_task, &j);
}

/* gx (+)= f'(x)·g; overwriting never loads gx (an uninitialised buffer may hold anything) */
#define BWD_LOOP(OP)                                                                                          \
  case OP: {                                                                                                  \
    size_t i = 0;                                                                                             \
    if (ov) for (; i + VW <= n; i += VW) vstore(gx + i, vmul(deriv_vec(OP, vload(x + i), vload(y + i)), vload(g + i))); \
    else for (; i + VW <= n; i += VW) vstore(gx + i, vfma(deriv_vec(OP, vload(x + i), vload(y + i)), vload(g + i), vload(gx + i))); \
    if (i < n) {                                                                                              \
      size_t r = n - i;                                                                                       \
      vf d = deriv_vec(OP, vloadn(x + i, r, 0.0f), vloadn(y + i, r, 1.0f));                                   \
      vstoren(gx + i, vfma(d, vloadn(g + i, r, 0.0f), ov ? vzero() : vloadn(gx + i, r, 0.0f)), r);            \
    }                                                                                                         \
    break;                                                                                                    \
  }

static void unary_bwd_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const unary_job *j = ctx;
  size_t i0 = t * 16384, n = i0 + 16384 < j->n ? 16384 : j->n - i0;
  const float *x = j->x + i0, *y = j->y + i0, *g = j->g + i0;
  float *gx = j->out + i0;
  const int ov = j->overwrite;
  switch (j->op) {
    BWD_LOOP(LF_NEG) BWD_LOOP(LF_EXP) BWD_LOOP(LF_SQRT) BWD_LOOP(LF_TANH) BWD_LOOP(LF_SIGMOID) BWD_LOOP(LF_RELU)
    BWD_LOOP(LF_GELU) BWD_LOOP(LF_GELU_TANH) BWD_LOOP(LF_SILU) BWD_LOOP(LF_ABS)
    default:
      for (size_t i = 0; i < n; i++) {
        float d = j->op == LF_LOG ? 1.0f / x[i] : (j->p == 0.0f ? 0.0f : j->p * powf(x[i], j->p - 1.0f));
        gx[i] = d * g[i] + (ov ? 0.0f : gx[i]);
      }
  }
}

void lf_unary_backward(int op, size_t n, const float *x, const float *y, const float *g, float *gx, float p, int overwrite) {
  unary_job j = { op, n, x, y, g, gx, p, overwrite };
  lf_parallel((n + 16383) / 16384, lf_threads_for((double)n * unary_cost(op), 65536), unary_bwd_task, &j);
}

/* ---------------- SwiGLU: out = silu(a) · b ---------------- */

typedef struct { size_t n; const float *a, *b, *g; float *out, *ga, *gb; } swiglu_job;

static void swiglu_fwd_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const swiglu_job *j = ctx;
  size_t i0 = t * 16384, n = i0 + 16384 < j->n ? 16384 : j->n - i0;
  const float *a = j->a + i0, *b = j->b + i0;
  float *out = j->out + i0;
  size_t i = 0;
  for (; i + VW <= n; i += VW) { vf x = vload(a + i); vstore(out + i, vmul(vmul(x, vsigmoid(x)), vload(b + i))); }
  if (i < n) { size_t r = n - i; vf x = vloadn(a + i, r, 0.0f); vstoren(out + i, vmul(vmul(x, vsigmoid(x)), vloadn(b + i, r, 0.0f)), r); }
}

void lf_swiglu_forward(size_t n, const float *a, const float *b, float *out) {
  swiglu_job j = { n, a, b, NULL, out, NULL, NULL };
  lf_parallel((n + 16383) / 16384, lf_threads_for((double)n * 8, 65536), swiglu_fwd_task, &j);
}

static void swiglu_bwd_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const swiglu_job *j = ctx;
  size_t i0 = t * 16384, n = i0 + 16384 < j->n ? 16384 : j->n - i0;
  for (size_t i = 0; i < n; i += VW) {
    size_t r = n - i < VW ? n - i : VW;
    vf x = vloadn(j->a + i0 + i, r, 0.0f), y = vloadn(j->b + i0 + i, r, 0.0f), g = vloadn(j->g + i0 + i, r, 0.0f);
    vf s, oms;
    vsigmoid2(x, &s, &oms);
    if (j->ga) {
      vf d = vmul(s, vfma(x, oms, vset1(1.0f)));      /* silu'(a) */
      float *ga = j->ga + i0 + i;
      vstoren(ga, vfma(vmul(d, y), g, vloadn(ga, r, 0.0f)), r);
    }
    if (j->gb) {
      float *gb = j->gb + i0 + i;
      vstoren(gb, vfma(vmul(x, s), g, vloadn(gb, r, 0.0f)), r);
    }
  }
}

void lf_swiglu_backward(size_t n, const float *a, const float *b, const float *g, float *ga, float *gb) {
  swiglu_job j = { n, a, b, g, NULL, ga, gb };
  lf_parallel((n + 16383) / 16384, lf_threads_for((double)n * 10, 65536), swiglu_bwd_task, &j);
}
