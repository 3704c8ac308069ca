// Embedding lookup (row gather) and its scatter-add backward, as src/kernels/js/embedding.ts.
// Backward splits the vocabulary rows among threads (row id mod tasks), so repeated ids never race
// and each row still receives its updates in token order.
#include "lmforge.h"
#include "simd.h"
#include <string.h>

typedef struct { size_t N, C; const int32_t *ids; const float *src; float *dst; size_t tasks; } emb_job;

static void emb_fwd_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const emb_job *j = ctx;
  size_t n1 = (t + 1) * 64 < j->N ? (t + 1) * 64 : j->N;
  for (size_t n = t * 64; n < n1; n++) memcpy(j->dst + n * j->C, j->src + (size_t)j->ids[n] * j->C, j->C * sizeof(float));
}

void lf_embedding_forward(size_t N, size_t C, const int32_t *ids, const float *w, float *out) {
  emb_job j = { N, C, ids, w, out, 0 };
  lf_parallel((N + 63) / 64, lf_threads_for((double)N * C, 262144), emb_fwd_task, &j);
}

static void emb_bwd_task(void *ctx, size_t t, int tid) {
  (void)tid;
  const emb_job *j = ctx;
  size_t C = j->C;
  for (size_t n = 0; n < j->N; n++) {
    size_t id = (size_t)j->ids[n];
    if (id % j->tasks != t) continue;
    float *d = j->dst + id * C;
    const float *g = j->src + n * C;
    size_t c = 0;
    for (; c + VW <= C; c += VW) vstore(d + c, vadd(vload(d + c), vload(g + c)));
    for (; c < C; c++) d[c] += g[c];
  }
}

void lf_embedding_backward(size_t N, size_t C, const int32_t *ids, const float *g, float *gw) {
  int nt = lf_threads_for((double)N * C, 262144);
  emb_job j = { N, C, ids, g, gw, (size_t)nt };
  lf_parallel((size_t)nt, nt, emb_bwd_task, &j);
}
