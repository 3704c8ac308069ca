// LayerNorm over C of (N, C) (biased variance), forward and backward as llm.c's layernorm and
// src/kernels/js/layernorm.ts. dW/db are summed per chunk of rows (a fixed chunking, so results do
// not depend on the thread count) and the chunks are added in order at the end.
#include "lmforge.h"
#include "simd.h"

#define LN_CHUNKS 32

typedef struct {
  size_t N, C;
  const float *x, *w, *b, *mean, *rstd, *g;
  float eps;
  float *out, *omean, *orstd, *gx, *partial;
  int want_gw, want_gb, gx_mode;
  size_t chunk;
} ln_job;

static void ln_fwd_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const ln_job *j = ctx;
  size_t C = j->C, n1 = (t + 1) * j->chunk < j->N ? (t + 1) * j->chunk : j->N;
  for (size_t n = t * j->chunk; n < n1; n++) {
    const float *x = j->x + n * C;
    float *o = j->out + n * C;
    vf s = vzero();
    size_t c = 0;
    for (; c + VW <= C; c += VW) s = vadd(s, vload(x + c));
    float m = vhsum(s);
    for (; c < C; c++) m += x[c];
    m /= (float)C;
    vf vm = vset1(m), v = vzero();
    for (c = 0; c + VW <= C; c += VW) { vf d = vsub(vload(x + c), vm); v = vfma(d, d, v); }
    float var = vhsum(v);
    for (; c < C; c++) { float d = x[c] - m; var += d * d; }
    var /= (float)C;
    float r = 1.0f / sqrtf(var + j->eps);
    vf vr = vset1(r);
    for (c = 0; c + VW <= C; c += VW) {
      vf xh = vmul(vsub(vload(x + c), vm), vr);
      if (j->w) xh = vmul(xh, vload(j->w + c));
      if (j->b) xh = vadd(xh, vload(j->b + c));
      vstore(o + c, xh);
    }
    for (; c < C; c++) o[c] = (x[c] - m) * r * (j->w ? j->w[c] : 1.0f) + (j->b ? j->b[c] : 0.0f);
    j->omean[n] = m;
    j->orstd[n] = r;
  }
}

void lf_layernorm_forward(size_t N, size_t C, const float *x, const float *w, const float *b, float eps, float *out, float *mean, float *rstd) {
  ln_job j = { N, C, x, w, b, NULL, NULL, NULL, eps, out, mean, rstd, NULL, NULL, 0, 0, 0, 8 };
  lf_parallel((N + j.chunk - 1) / j.chunk, lf_threads_for((double)N * C * 4, 65536), ln_fwd_task, &j);
}

static void ln_bwd_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const ln_job *j = ctx;
  size_t C = j->C, n1 = (t + 1) * j->chunk < j->N ? (t + 1) * j->chunk : j->N;
  float *pw = j->partial + t * 2 * C, *pb = pw + C;
  for (size_t c = 0; c < 2 * C; c++) pw[c] = 0.0f;
  const float *w = j->w;
  for (size_t n = t * j->chunk; n < n1; n++) {
    const float *x = j->x + n * C, *g = j->g + n * C;
    float m = j->mean[n], r = j->rstd[n];
    int mode = j->gx ? lf_gx_row_mode(j->gx_mode, j->gx + n * C) : LF_GX_ACCUMULATE;
    vf vm = vset1(m), vr = vset1(r), a1 = vzero(), a2 = vzero();
    size_t c = 0;
    /* dxhat = g·w; s1 = mean(dxhat), s2 = mean(dxhat·xhat) */
    for (; c + VW <= C; c += VW) {
      vf xh = vmul(vsub(vload(x + c), vm), vr);
      vf d = w ? vmul(vload(g + c), vload(w + c)) : vload(g + c);
      a1 = vadd(a1, d);
      a2 = vfma(d, xh, a2);
    }
    float s1 = vhsum(a1), s2 = vhsum(a2);
    for (; c < C; c++) { float xh = (x[c] - m) * r, d = g[c] * (w ? w[c] : 1.0f); s1 += d; s2 += d * xh; }
    s1 /= (float)C;
    s2 /= (float)C;
    vf v1 = vset1(s1), v2 = vset1(s2);
    for (c = 0; c + VW <= C; c += VW) {
      vf xh = vmul(vsub(vload(x + c), vm), vr), gg = vload(g + c);
      if (j->want_gb) vstore(pb + c, vadd(vload(pb + c), gg));
      if (j->want_gw) vstore(pw + c, vfma(gg, xh, vload(pw + c)));
      if (j->gx) {
        vf d = w ? vmul(gg, vload(w + c)) : gg;
        vstore_gx(mode, j->gx + n * C + c, vmul(vr, vsub(vsub(d, v1), vmul(xh, v2))));
      }
    }
    for (; c < C; c++) {
      float xh = (x[c] - m) * r, gg = g[c];
      pb[c] += gg;
      pw[c] += gg * xh;
      if (j->gx) {
        float d = r * (gg * (w ? w[c] : 1.0f) - s1 - xh * s2);
        j->gx[n * C + c] = mode == LF_GX_ACCUMULATE ? j->gx[n * C + c] + d : d;
      }
    }
  }
  if (j->gx_mode == LF_GX_STREAM) vstream_fence();
}

void lf_layernorm_backward(size_t N, size_t C, const float *x, const float *w, const float *mean, const float *rstd, const float *g,
  float *gx, float *gw, float *gb, int overwrite) {
  if (N == 0 || C == 0) return;
  size_t chunks = N < LN_CHUNKS ? N : LN_CHUNKS;
  float *partial = lf_scratch(0, LF_SCRATCH_PARTIAL, chunks * 2 * C * sizeof(float));
  if (!partial) return;
  ln_job j = { N, C, x, w, NULL, mean, rstd, g, 0.0f, NULL, NULL, NULL, gx, partial, gw != NULL, gb != NULL,
    lf_gx_mode(overwrite, N * C), (N + chunks - 1) / chunks };
  chunks = (N + j.chunk - 1) / j.chunk;
  lf_parallel(chunks, lf_threads_for((double)N * C * 6, 65536), ln_bwd_task, &j);
  for (size_t t = 0; t < chunks; t++) {
    const float *pw = partial + t * 2 * C, *pb = pw + C;
    if (gw) for (size_t c = 0; c < C; c++) gw[c] += pw[c];
    if (gb) for (size_t c = 0; c < C; c++) gb[c] += pb[c];
  }
}
