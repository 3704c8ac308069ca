// Linear forward for a few rows (decoding: N = 1 token per sequence): out (N, OUT) = x (N, IN) · Wᵀ + bias
// as dot products that stream every row of W once from memory for all N inputs (a plain AVX2 row-streaming
// matvec, as llama.cpp's F32 path does), instead of packing W for the SGEMM. Threads take fixed chunks of
// output rows; each output is one dot product computed the same way whatever the chunking (deterministic).
#include "lmforge.h"
#include "simd.h"

/* W rows per block for n inputs: R·n accumulators stay in registers (R·n ≤ 8). */
#define MV_ROWS(n) ((n) == 1 ? 4 : (n) == 2 ? 4 : 2)

typedef struct { const float *x, *w, *bias; float *out; size_t N, IN, OUT, chunk; } mv_job;

/* out[n·OUT + o] for o in [o0, o0 + R), n < NX: one vector accumulator per (row, input) over k, the
   last partial vector through masked loads (zeros), then a horizontal sum and the bias. */
LF_INLINE void mv_block(const mv_job *j, size_t o0, const int R, const int NX) {
  const size_t IN = j->IN;
  vf acc[8];
  for (int i = 0; i < R * NX; i++) acc[i] = vzero();
  const float *w = j->w + o0 * IN, *x = j->x;
  size_t k = 0;
  for (; k + VW <= IN; k += VW) {
    vf xv[4];
#pragma GCC unroll 4
    for (int n = 0; n < NX; n++) xv[n] = vload(x + n * IN + k);
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
      vf wv = vload(w + r * IN + k);
      for (int n = 0; n < NX; n++) acc[r * NX + n] = vfma(wv, xv[n], acc[r * NX + n]);
    }
  }
  if (k < IN) {
    size_t rest = IN - k;
    vf xv[4];
    for (int n = 0; n < NX; n++) xv[n] = vloadn(x + n * IN + k, rest, 0.0f);
    for (int r = 0; r < R; r++) {
      vf wv = vloadn(w + r * IN + k, rest, 0.0f);
      for (int n = 0; n < NX; n++) acc[r * NX + n] = vfma(wv, xv[n], acc[r * NX + n]);
    }
  }
  for (int r = 0; r < R; r++) {
    float b = j->bias ? j->bias[o0 + r] : 0.0f;
    for (int n = 0; n < NX; n++) j->out[n * j->OUT + o0 + r] = vhsum(acc[r * NX + n]) + b;
  }
}

/* Rows [o0, o1) with NX inputs: blocks of R rows, then single rows (same per-output arithmetic). */
LF_INLINE void mv_rows(const mv_job *j, size_t o0, size_t o1, const int NX) {
  const int R = MV_ROWS(NX);
  size_t o = o0;
  for (; o + R <= o1; o += R) mv_block(j, o, R, NX);
  for (; o < o1; o++) mv_block(j, o, 1, NX);
}

static void mv_task(void *ctx, size_t t, int tid) {
  const mv_job *j = ctx;
  size_t o0 = t * j->chunk, o1 = o0 + j->chunk < j->OUT ? o0 + j->chunk : j->OUT;
  switch (j->N) {
    case 1: mv_rows(j, o0, o1, 1); break;
    case 2: mv_rows(j, o0, o1, 2); break;
    case 3: mv_rows(j, o0, o1, 3); break;
    default: mv_rows(j, o0, o1, 4); break;
  }
}

void lf_linear_matvec(const float *x, const float *w, const float *bias, float *out, size_t N, size_t IN, size_t OUT) {
  if (N == 0 || OUT == 0) return;
  if (N > LF_MATVEC_MAX_ROWS) return;
  if (IN == 0) {
    for (size_t n = 0; n < N; n++) for (size_t o = 0; o < OUT; o++) out[n * OUT + o] = bias ? bias[o] : 0.0f;
    return;
  }
  /* chunks of ~64 KiB of W (at least 8 rows), taken dynamically: the result does not depend on who runs them */
  size_t chunk = (size_t)16384 / IN;
  chunk = chunk < 8 ? 8 : (chunk + 7) / 8 * 8;
  mv_job j = { x, w, bias, out, N, IN, OUT, chunk };
  size_t tasks = (OUT + chunk - 1) / chunk;
  int nt = lf_threads_for((double)OUT * IN, 1 << 15);
  lf_parallel(tasks, nt, mv_task, &j);
}
