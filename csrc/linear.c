// nn.Linear on the packed SGEMM (N ≤ 4 rows: matvec.c): forward adds the bias in the GEMM epilogue (no second pass over
// out); backward runs dx = g·W (NN), then dW += gᵀ·x (TN), each on all threads, with db = Σ_rows g fused into
// the packing of gᵀ in the dW pass. Follows src/kernels/js/linear.ts (W is (OUT, IN), PyTorch layout).
#include "gemm.h"

void lf_linear_forward(const float *x, const float *w, const float *bias, float *out, size_t N, size_t IN, size_t OUT) {
  /* out (N, OUT) = x (N, IN) · wᵀ; a few rows (decoding) stream W through dot products instead */
  if (N <= LF_MATVEC_MAX_ROWS) { lf_linear_matvec(x, w, bias, out, N, IN, OUT); return; }
  lf_gemm_ex(0, 1, N, OUT, IN, 1.0f, x, IN, 0, w, IN, 0, 0.0f, out, OUT, 0, 1, bias, NULL);
}

void lf_linear_backward(const float *x, const float *w, const float *g, float *gx, float *gw, float *gb,
  size_t N, size_t IN, size_t OUT, int gx_overwrite) {
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
