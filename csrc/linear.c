// nn.Linear on the packed SGEMM (N ≤ 4 rows: matvec.c): forward adds the bias in the GEMM epilogue (no second pass over
// out); backward runs dx = g·W (NN), then dW += gᵀ·x (TN), each on all threads (on 2 threads: the two side by side,
// one per thread), with db = Σ_rows g fused into the packing of gᵀ in the dW pass. Follows src/kernels/js/linear.ts (W is (OUT, IN), PyTorch layout).
#include "gemm.h"

void lf_linear_forward(const float *x, const float *w, const float *bias, float *out, size_t N, size_t IN, size_t OUT) {
  /* out (N, OUT) = x (N, IN) · wᵀ; a few rows (decoding) stream W through dot products instead */
  if (N <= LF_MATVEC_MAX_ROWS) { lf_linear_matvec(x, w, bias, out, N, IN, OUT); return; }
  lf_gemm_ex(0, 1, N, OUT, IN, 1.0f, x, IN, 0, w, IN, 0, 0.0f, out, OUT, 0, 1, bias, NULL);
}

typedef struct { const float *x, *w, *g; float *gx, *gw, *gb; size_t N, IN, OUT; float beta; } lb_job;

/* task 0: gx (+)= g·W; task 1: gw += gᵀ·x with db — each on one thread */
static void lb_task(void *ctx, size_t t, int tid) {
  const lb_job *j = ctx;
  if (t == 0) lf_gemm_serial(tid, 0, 0, j->N, j->IN, j->OUT, 1.0f, j->g, j->OUT, j->w, j->IN, j->beta, j->gx, j->IN, NULL, NULL);
  else lf_gemm_serial(tid, 1, 0, j->OUT, j->IN, j->N, 1.0f, j->g, j->OUT, j->x, j->IN, 1.0f, j->gw, j->IN, NULL, j->gb);
}

void lf_linear_backward(const float *x, const float *w, const float *g, float *gx, float *gw, float *gb,
  size_t N, size_t IN, size_t OUT, int gx_overwrite) {
  /* on 2 threads, dx and dW (the same FLOPs) run side by side, one per thread, when each is big enough to have been
     split anyway: no synchronisation inside either GEMM and no shared panels; each as on 1 thread (bit-identical).
     Measured on Zen 4 (2 vCPUs), alternating runs: nanoGPT-size layers (768 rows, 128-512 wide) +5-18% GFLOP/s in
     backward; GPT-2 124M layers (256 and 1024 rows) within ±4%. */
  if (gx && gw && N > 0 && IN > 0 && OUT > 0 && lf_threads() == 2 && !lf_pool_busy() &&
      (double)N * IN * OUT >= (double)(1 << 21)) {
    lb_job j = { x, w, g, gx, gw, gb, N, IN, OUT, gx_overwrite ? 0.0f : 1.0f };
    lf_parallel(2, 2, lb_task, &j);
    return;
  }
  /* gx (+)= g·W; overwriting never reads gx (beta = 0) */
  if (gx) lf_gemm_ex(0, 0, N, IN, OUT, 1.0f, g, OUT, 0, w, IN, 0, gx_overwrite ? 0.0f : 1.0f, gx, IN, 0, 1, NULL, NULL);
  if (gw && N > 0 && IN > 0) {
    /* gw (OUT, IN) += gᵀ (OUT, N) · x (N, IN); the row sums of gᵀ are db */
    lf_gemm_ex(1, 0, OUT, IN, N, 1.0f, g, OUT, 0, x, IN, 0, 1.0f, gw, IN, 0, 1, NULL, gb);
  } else if (gb) {
    for (size_t n = 0; n < N; n++)
      for (size_t o = 0; o < OUT; o++) gb[o] += g[n * OUT + o];
  }
}
