// RMSNorm (Zhang & Sennrich 2019) over C of (N, C): out = x·rstd·w, rstd = 1/sqrt(mean(x²) + eps),
// and backward, as src/kernels/js/rmsnorm.ts. dW is summed per fixed chunk of rows, then in order.
#include "lmforge.h"
#include "simd.h"

#define RMS_CHUNKS 32

typedef struct {
  size_t N, C;
  const float *x, *w, *rstd, *g;
  float eps;
  float *out, *orstd, *gx, *partial;
  int want_gw, gx_mode;
  size_t chunk;
} rms_job;

static void rms_fwd_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const rms_job *j = ctx;
  size_t C = j->C, n1 = (t + 1) * j->chunk < j->N ? (t + 1) * j->chunk : j->N;
  for (size_t n = t * j->chunk; n < n1; n++) {
    const float *x = j->x + n * C;
    float *o = j->out + n * C;
    vf s = vzero();
    size_t c = 0;
    for (; c + VW <= C; c += VW) { vf v = vload(x + c); s = vfma(v, v, s); }
    float ss = vhsum(s);
    for (; c < C; c++) ss += x[c] * x[c];
    float r = 1.0f / sqrtf(ss / (float)C + j->eps);
    vf vr = vset1(r);
    for (c = 0; c + VW <= C; c += VW) {
      vf y = vmul(vload(x + c), vr);
      vstore(o + c, j->w ? vmul(y, vload(j->w + c)) : y);
    }
    for (; c < C; c++) o[c] = x[c] * r * (j->w ? j->w[c] : 1.0f);
    j->orstd[n] = r;
  }
}

void lf_rmsnorm_forward(size_t N, size_t C, const float *x, const float *w, float eps, float *out, float *rstd) {
  rms_job j = { N, C, x, w, NULL, NULL, eps, out, rstd, NULL, NULL, 0, 0, 8 };
  lf_parallel((N + j.chunk - 1) / j.chunk, lf_threads_for((double)N * C * 3, 65536), rms_fwd_task, &j);
}

static void rms_bwd_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const rms_job *j = ctx;
  size_t C = j->C, n1 = (t + 1) * j->chunk < j->N ? (t + 1) * j->chunk : j->N;
  float *pw = j->partial + t * C;
  for (size_t c = 0; c < C; c++) pw[c] = 0.0f;
  const float *w = j->w;
  for (size_t n = t * j->chunk; n < n1; n++) {
    const float *x = j->x + n * C, *g = j->g + n * C;
    float r = j->rstd[n];
    int mode = j->gx ? lf_gx_row_mode(j->gx_mode, j->gx + n * C) : LF_GX_ACCUMULATE;
    vf vr = vset1(r), a = vzero();
    size_t c = 0;
    /* s = mean(dxhat · xhat) with dxhat = g·w, xhat = x·r */
    for (; c + VW <= C; c += VW) {
      vf d = w ? vmul(vload(g + c), vload(w + c)) : vload(g + c);
      a = vfma(d, vmul(vload(x + c), vr), a);
    }
    float s = vhsum(a);
    for (; c < C; c++) s += g[c] * (w ? w[c] : 1.0f) * x[c] * r;
    s /= (float)C;
    vf vs = vset1(s);
    for (c = 0; c + VW <= C; c += VW) {
      vf xh = vmul(vload(x + c), vr), gg = vload(g + c);
      if (j->want_gw) vstore(pw + c, vfma(gg, xh, vload(pw + c)));
      if (j->gx) {
        vf d = w ? vmul(gg, vload(w + c)) : gg;
        vstore_gx(mode, j->gx + n * C + c, vmul(vr, vfnma(xh, vs, d)));
      }
    }
    for (; c < C; c++) {
      float xh = x[c] * r;
      pw[c] += g[c] * xh;
      if (j->gx) {
        float d = r * (g[c] * (w ? w[c] : 1.0f) - xh * s);
        j->gx[n * C + c] = mode == LF_GX_ACCUMULATE ? j->gx[n * C + c] + d : d;
      }
    }
  }
  if (j->gx_mode == LF_GX_STREAM) vstream_fence();
}

void lf_rmsnorm_backward(size_t N, size_t C, const float *x, const float *w, const float *rstd, const float *g, float *gx, float *gw,
  int overwrite) {
  if (N == 0 || C == 0) return;
  size_t chunks = N < RMS_CHUNKS ? N : RMS_CHUNKS;
  float *partial = lf_scratch(0, LF_SCRATCH_PARTIAL, chunks * C * sizeof(float));
  if (!partial) return;
  rms_job j = { N, C, x, w, rstd, g, 0.0f, NULL, NULL, gx, partial, gw != NULL, lf_gx_mode(overwrite, N * C), (N + chunks - 1) / chunks };
  chunks = (N + j.chunk - 1) / j.chunk;
  lf_parallel(chunks, lf_threads_for((double)N * C * 5, 65536), rms_bwd_task, &j);
  if (gw) for (size_t t = 0; t < chunks; t++) for (size_t c = 0; c < C; c++) gw[c] += partial[t * C + c];
}
