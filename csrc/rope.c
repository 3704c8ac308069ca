// Rotary position embedding (Su et al. 2021) in Hugging Face's rotate-half layout: dimension i of a
// head pairs with i + HS/2; cos/sin are (T, HS/2). Forward and its transpose (backward), as
// src/kernels/js/rope.ts; rows of (R·T) are split over threads, the HS/2 pairs run in SIMD.
#include "lmforge.h"
#include "simd.h"

typedef struct { size_t R, T, HS; const float *x, *cos, *sin; float *out; int backward; } rope_job;

#define ROPE_ROWS 32

static void rope_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const rope_job *j = ctx;
  size_t rows = j->R * j->T, h = j->HS / 2, r1 = (t + 1) * ROPE_ROWS < rows ? (t + 1) * ROPE_ROWS : rows;
  for (size_t row = t * ROPE_ROWS; row < r1; row++) {
    const float *x = j->x + row * j->HS, *cs = j->cos + (row % j->T) * h, *sn = j->sin + (row % j->T) * h;
    float *o = j->out + row * j->HS;
    size_t i = 0;
    if (!j->backward) {
      for (; i + VW <= h; i += VW) {
        vf a = vload(x + i), b = vload(x + i + h), c = vload(cs + i), s = vload(sn + i);
        vstore(o + i, vfnma(b, s, vmul(a, c)));
        vstore(o + i + h, vfma(a, s, vmul(b, c)));
      }
      for (; i < h; i++) {
        float a = x[i], b = x[i + h];
        o[i] = a * cs[i] - b * sn[i];
        o[i + h] = b * cs[i] + a * sn[i];
      }
    } else {
      /* gx += Rᵀ g: x holds g, out holds gx */
      for (; i + VW <= h; i += VW) {
        vf a = vload(x + i), b = vload(x + i + h), c = vload(cs + i), s = vload(sn + i);
        vstore(o + i, vadd(vload(o + i), vfma(b, s, vmul(a, c))));
        vstore(o + i + h, vadd(vload(o + i + h), vfnma(a, s, vmul(b, c))));
      }
      for (; i < h; i++) {
        float a = x[i], b = x[i + h];
        o[i] += a * cs[i] + b * sn[i];
        o[i + h] += b * cs[i] - a * sn[i];
      }
    }
  }
}

void lf_rope(int backward, size_t R, size_t T, size_t HS, const float *x, const float *cos, const float *sin, float *out) {
  rope_job j = { R, T, HS, x, cos, sin, out, backward };
  size_t rows = R * T;
  if (rows == 0 || HS < 2) return;
  lf_parallel((rows + ROPE_ROWS - 1) / ROPE_ROWS, lf_threads_for((double)rows * HS * 2, 65536), rope_task, &j);
}
