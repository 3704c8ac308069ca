// Attention forward for a few query rows (decoding with a KV cache: T = 1 new token against S cached
// keys): per (batch, head) and row, the scores are direct dot products with the key rows, then an exact
// softmax and a weighted sum of the value rows, read in place through the operands' strides (no packing
// of K and V as the tiled path in attention.c does). Semantics of src/kernels/js/attention.ts.
#include "lmforge.h"
#include "simd.h"

typedef struct { const lf_attn_args *a; } dec_job;

static size_t visible_end(const lf_attn_args *a, size_t t) {
  if (!a->causal) return a->S;
  ptrdiff_t e = (ptrdiff_t)a->S - (ptrdiff_t)a->T + (ptrdiff_t)t + 1;
  return e < 0 ? 0 : (size_t)e < a->S ? (size_t)e : a->S;
}

/* Σ x[i]·y[i] over n values, two vector accumulators, a masked last vector. */
LF_INLINE float dot(const float *x, const float *y, size_t n) {
  vf s0 = vzero(), s1 = vzero();
  size_t i = 0;
  for (; i + 2 * VW <= n; i += 2 * VW) {
    s0 = vfma(vload(x + i), vload(y + i), s0);
    s1 = vfma(vload(x + i + VW), vload(y + i + VW), s1);
  }
  for (; i + VW <= n; i += VW) s0 = vfma(vload(x + i), vload(y + i), s0);
  if (i < n) s1 = vfma(vloadn(x + i, n - i, 0.0f), vloadn(y + i, n - i, 0.0f), s1);
  return vhsum(vadd(s0, s1));
}

/* o[i] += p·x[i] over n values */
LF_INLINE void axpy(float *o, float p, const float *x, size_t n) {
  vf vp = vset1(p);
  size_t i = 0;
  for (; i + VW <= n; i += VW) vstore(o + i, vfma(vp, vload(x + i), vload(o + i)));
  if (i < n) vstoren(o + i, vfma(vp, vloadn(x + i, n - i, 0.0f), vloadn(o + i, n - i, 0.0f)), n - i);
}

static void dec_task(void *ctx, size_t task, int tid) {
  const lf_attn_args *a = ((const dec_job *)ctx)->a;
  const size_t HS = a->HS, T = a->T, S = a->S;
  size_t b = task / a->NH, h = task % a->NH, kvh = h / (a->NH / a->NKV);
  const float *k = a->k + b * a->st[LF_AK][0] + kvh * a->st[LF_AK][1], *v = a->v + b * a->st[LF_AV][0] + kvh * a->st[LF_AV][1];
  const size_t ks = a->st[LF_AK][2], vs = a->st[LF_AV][2];
  const int32_t *km = a->mask ? a->mask + b * S : NULL;
  float *sc = lf_scratch(tid, LF_SCRATCH_ATT1, (S + 1) * sizeof(float));
  if (!sc) return;
  for (size_t t = 0; t < T; t++) {
    const float *q = a->q + b * a->st[LF_AQ][0] + h * a->st[LF_AQ][1] + t * a->st[LF_AQ][2];
    float *o = a->out + b * a->st[LF_AOUT][0] + h * a->st[LF_AOUT][1] + t * a->st[LF_AOUT][2];
    float *lse = a->lse + (b * a->NH + h) * T + t;
    size_t end = visible_end(a, t);
    float mx = -INFINITY;
    for (size_t s = 0; s < end; s++) {
      if (km && km[s] == 0) { sc[s] = -INFINITY; continue; }
      float d = dot(q, k + s * ks, HS) * a->scale;
      sc[s] = d;
      if (d > mx) mx = d;
    }
    for (size_t i = 0; i < HS; i++) o[i] = 0.0f;
    if (mx == -INFINITY) { *lse = -INFINITY; continue; }
    /* p_s = exp(s − max) in place, summed in float lanes then double (as the row sums elsewhere) */
    vf vm = vset1(mx), acc = vzero();
    double sum = 0.0;
    size_t s = 0, blk = 0;
    for (; s + VW <= end; s += VW) {
      vf e = vexp_neg(vsub(vload(sc + s), vm));
      vstore(sc + s, e);
      acc = vadd(acc, e);
      if (++blk == SUM_BLOCK / VW) { sum += vhsum(acc); acc = vzero(); blk = 0; }
    }
    if (s < end) {
      vf e = vexp_neg(vsub(vloadn(sc + s, end - s, -INFINITY), vm));
      vstoren(sc + s, e, end - s);
      acc = vadd(acc, e);
    }
    sum += vhsum(acc);
    for (s = 0; s < end; s++) if (sc[s] != 0.0f) axpy(o, sc[s], v + s * vs, HS);
    float inv = (float)(1.0 / sum);
    for (size_t i = 0; i < HS; i++) o[i] *= inv;
    *lse = mx + (float)log(sum);
  }
}

void lf_attention_decode(const lf_attn_args *a) {
  size_t tasks = a->B * a->NH;
  if (tasks == 0 || a->T == 0) return;
  dec_job j = { a };
  int nt = lf_threads_for((double)tasks * a->T * a->S * a->HS * 2, 1 << 16);
  lf_parallel(tasks, nt, dec_task, &j);
}
