// N-API entry points of the GEMM, the fused layers and the optimizer (see napi_bindings.c for the
// rest). Each checks the extents the kernel reads and writes, so a wrong size throws a RangeError
// naming the argument instead of touching memory outside the arrays.
#include "napi_args.h"

/* Extent of a stored (rows, cols) matrix with leading dim ld, repeated `batch` times `stride` apart. */
static void check_mat(args_t *a, const char *name, size_t len, size_t off, size_t rows, size_t cols, size_t ld, size_t stride, size_t batch) {
  if (a->failed || rows == 0 || cols == 0 || batch == 0) return;
  if (rows > 1 && ld < cols) { fail(a, 1, "%s: leading dim %.0f is smaller than its %.0f columns", name, (double)ld, (double)cols); return; }
  check_len(a, name, len, (double)off + (double)(batch - 1) * stride + (double)(rows - 1) * ld + cols);
}

static napi_value Gemm(napi_env env, napi_callback_info info) {
  ENTER("gemm", 20);
  int ta = arg_bool(a, 0, "transA"), tb = arg_bool(a, 1, "transB");
  SZ(2, M); SZ(3, N); SZ(4, K);
  double alpha = arg_num(a, 5, "alpha");
  F32(6, A); SZ(7, aOff); SZ(8, lda); SZ(9, strideA);
  F32(10, B); SZ(11, bOff); SZ(12, ldb); SZ(13, strideB);
  double beta = arg_num(a, 14, "beta");
  F32(15, C); SZ(16, cOff); SZ(17, ldc); SZ(18, strideC); SZ(19, batch);
  if (K > 0 && M > 0 && N > 0) {
    check_mat(a, "A", A_len, aOff, ta ? K : M, ta ? M : K, lda, strideA, batch);
    check_mat(a, "B", B_len, bOff, tb ? N : K, tb ? K : N, ldb, strideB, batch);
  }
  check_mat(a, "C", C_len, cOff, M, N, ldc, strideC, batch);
  BAIL();
  lf_gemm(ta, tb, M, N, K, (float)alpha, A + aOff, lda, (ptrdiff_t)strideA, B + bOff, ldb, (ptrdiff_t)strideB,
    (float)beta, C + cOff, ldc, (ptrdiff_t)strideC, batch);
  return finish(a);
}

static napi_value LinearForward(napi_env env, napi_callback_info info) {
  ENTER("linearForward", 7);
  F32(0, x); F32(1, w); F32N(2, bias); F32(3, out); SZ(4, N); SZ(5, IN); SZ(6, OUT);
  check_len(a, "x", x_len, (double)N * IN); check_len(a, "w", w_len, (double)OUT * IN);
  if (bias) check_len(a, "bias", bias_len, (double)OUT);
  check_len(a, "out", out_len, (double)N * OUT);
  BAIL();
  lf_linear_forward(x, w, bias, out, N, IN, OUT);
  return finish(a);
}

static napi_value LinearBackward(napi_env env, napi_callback_info info) {
  ENTER("linearBackward", 9);
  F32(0, x); F32(1, w); F32(2, g); F32N(3, gx); F32N(4, gw); F32N(5, gb); SZ(6, N); SZ(7, IN); SZ(8, OUT);
  check_len(a, "x", x_len, (double)N * IN); check_len(a, "w", w_len, (double)OUT * IN); check_len(a, "g", g_len, (double)N * OUT);
  if (gx) check_len(a, "gx", gx_len, (double)N * IN);
  if (gw) check_len(a, "gw", gw_len, (double)OUT * IN);
  if (gb) check_len(a, "gb", gb_len, (double)OUT);
  BAIL();
  lf_linear_backward(x, w, g, gx, gw, gb, N, IN, OUT);
  return finish(a);
}

static napi_value SoftmaxForward(napi_env env, napi_callback_info info) {
  ENTER("softmaxForward", 5);
  SZ(0, N); SZ(1, C); F32(2, x); F32(3, out);
  int lg = arg_bool(a, 4, "log");
  check_len(a, "x", x_len, (double)N * C); check_len(a, "out", out_len, (double)N * C);
  BAIL();
  lf_softmax_forward(N, C, x, out, lg);
  return finish(a);
}

static napi_value SoftmaxBackward(napi_env env, napi_callback_info info) {
  ENTER("softmaxBackward", 6);
  SZ(0, N); SZ(1, C); F32(2, y); F32(3, g); F32(4, gx);
  int lg = arg_bool(a, 5, "log");
  check_len(a, "y", y_len, (double)N * C); check_len(a, "g", g_len, (double)N * C); check_len(a, "gx", gx_len, (double)N * C);
  BAIL();
  lf_softmax_backward(N, C, y, g, gx, lg);
  return finish(a);
}

static napi_value LayerNormForward(napi_env env, napi_callback_info info) {
  ENTER("layerNormForward", 9);
  SZ(0, N); SZ(1, C); F32(2, x); F32N(3, w); F32N(4, b);
  double eps = arg_num(a, 5, "eps");
  F32(6, out); F32(7, mean); F32(8, rstd);
  check_len(a, "x", x_len, (double)N * C); check_len(a, "out", out_len, (double)N * C);
  if (w) check_len(a, "w", w_len, (double)C);
  if (b) check_len(a, "b", b_len, (double)C);
  check_len(a, "mean", mean_len, (double)N); check_len(a, "rstd", rstd_len, (double)N);
  BAIL();
  lf_layernorm_forward(N, C, x, w, b, (float)eps, out, mean, rstd);
  return finish(a);
}

static napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  ENTER("layerNormBackward", 10);
  SZ(0, N); SZ(1, C); F32(2, x); F32N(3, w); F32(4, mean); F32(5, rstd); F32(6, g); F32N(7, gx); F32N(8, gw); F32N(9, gb);
  check_len(a, "x", x_len, (double)N * C); check_len(a, "g", g_len, (double)N * C);
  if (w) check_len(a, "w", w_len, (double)C);
  check_len(a, "mean", mean_len, (double)N); check_len(a, "rstd", rstd_len, (double)N);
  if (gx) check_len(a, "gx", gx_len, (double)N * C);
  if (gw) check_len(a, "gw", gw_len, (double)C);
  if (gb) check_len(a, "gb", gb_len, (double)C);
  BAIL();
  lf_layernorm_backward(N, C, x, w, mean, rstd, g, gx, gw, gb);
  return finish(a);
}

static napi_value RmsNormForward(napi_env env, napi_callback_info info) {
  ENTER("rmsNormForward", 7);
  SZ(0, N); SZ(1, C); F32(2, x); F32N(3, w);
  double eps = arg_num(a, 4, "eps");
  F32(5, out); F32(6, rstd);
  check_len(a, "x", x_len, (double)N * C); check_len(a, "out", out_len, (double)N * C);
  if (w) check_len(a, "w", w_len, (double)C);
  check_len(a, "rstd", rstd_len, (double)N);
  BAIL();
  lf_rmsnorm_forward(N, C, x, w, (float)eps, out, rstd);
  return finish(a);
}

static napi_value RmsNormBackward(napi_env env, napi_callback_info info) {
  ENTER("rmsNormBackward", 8);
  SZ(0, N); SZ(1, C); F32(2, x); F32N(3, w); F32(4, rstd); F32(5, g); F32N(6, gx); F32N(7, gw);
  check_len(a, "x", x_len, (double)N * C); check_len(a, "g", g_len, (double)N * C);
  if (w) check_len(a, "w", w_len, (double)C);
  check_len(a, "rstd", rstd_len, (double)N);
  if (gx) check_len(a, "gx", gx_len, (double)N * C);
  if (gw) check_len(a, "gw", gw_len, (double)C);
  BAIL();
  lf_rmsnorm_backward(N, C, x, w, rstd, g, gx, gw);
  return finish(a);
}

static void check_ids(args_t *a, const char *name, const int32_t *ids, size_t n, size_t V, int has_ignore, int32_t ignore) {
  for (size_t i = 0; !a->failed && i < n; i++) {
    if (has_ignore && ids[i] == ignore) continue;
    if (ids[i] < 0 || (size_t)ids[i] >= V) fail(a, 1, "%s: id %.0f is out of range [0, %.0f)", name, ids[i], (double)V);
  }
}

static napi_value EmbeddingForward(napi_env env, napi_callback_info info) {
  ENTER("embeddingForward", 5);
  SZ(0, N); SZ(1, C); I32(2, ids); F32(3, weight); F32(4, out);
  check_len(a, "ids", ids_len, (double)N); check_len(a, "out", out_len, (double)N * C);
  if (C > 0) check_ids(a, "ids", ids, N, weight_len / C, 0, 0);
  BAIL();
  lf_embedding_forward(N, C, ids, weight, out);
  return finish(a);
}

static napi_value EmbeddingBackward(napi_env env, napi_callback_info info) {
  ENTER("embeddingBackward", 5);
  SZ(0, N); SZ(1, C); I32(2, ids); F32(3, g); F32(4, gw);
  check_len(a, "ids", ids_len, (double)N); check_len(a, "g", g_len, (double)N * C);
  if (C > 0) check_ids(a, "ids", ids, N, gw_len / C, 0, 0);
  BAIL();
  lf_embedding_backward(N, C, ids, g, gw);
  return finish(a);
}

static napi_value CrossEntropyForward(napi_env env, napi_callback_info info) {
  ENTER("crossEntropyForward", 7);
  SZ(0, N); SZ(1, V); F32(2, logits); I32(3, targets);
  double ign = arg_num(a, 4, "ignoreIndex");
  F32(5, losses); F32(6, lse);
  check_len(a, "logits", logits_len, (double)N * V); check_len(a, "targets", targets_len, (double)N);
  check_len(a, "losses", losses_len, (double)N); check_len(a, "lse", lse_len, (double)N);
  check_ids(a, "targets", targets, N, V, 1, (int32_t)ign);
  BAIL();
  lf_cross_entropy_forward(N, V, logits, targets, (int32_t)ign, losses, lse);
  return finish(a);
}

static napi_value CrossEntropyBackward(napi_env env, napi_callback_info info) {
  ENTER("crossEntropyBackward", 8);
  SZ(0, N); SZ(1, V); F32(2, logits); I32(3, targets);
  double ign = arg_num(a, 4, "ignoreIndex");
  F32(5, lse); F32(6, gLoss); F32(7, gx);
  check_len(a, "logits", logits_len, (double)N * V); check_len(a, "targets", targets_len, (double)N);
  check_len(a, "lse", lse_len, (double)N); check_len(a, "gLoss", gLoss_len, (double)N); check_len(a, "gx", gx_len, (double)N * V);
  check_ids(a, "targets", targets, N, V, 1, (int32_t)ign);
  BAIL();
  lf_cross_entropy_backward(N, V, logits, targets, (int32_t)ign, lse, gLoss, gx);
  return finish(a);
}

/* attentionForward(B, NH, NKV, T, S, HS, q, k, v, causal, keyMask, scale, out, lse[, g, gq, gk, gv]) */
static int attn_args(args_t *a, lf_attn_args *p, int backward) {
  p->B = arg_size(a, 0, "B"); p->NH = arg_size(a, 1, "NH"); p->NKV = arg_size(a, 2, "NKV");
  p->T = arg_size(a, 3, "T"); p->S = arg_size(a, 4, "S"); p->HS = arg_size(a, 5, "HS");
  if (a->failed) return 0;
  if (p->NKV == 0 || p->NH % p->NKV != 0) return fail(a, 1, "%s: NH = %.0f must be a multiple of NKV = %.0f", "heads", (double)p->NH, (double)p->NKV);
  size_t lq, lk, lv, lm, lo, ll;
  p->q = arg_f32(a, 6, "q", 0, &lq); p->k = arg_f32(a, 7, "k", 0, &lk); p->v = arg_f32(a, 8, "v", 0, &lv);
  p->causal = arg_bool(a, 9, "causal");
  p->mask = arg_i32(a, 10, "keyMask", 1, &lm);
  p->scale = (float)arg_num(a, 11, "scale");
  p->out = arg_f32(a, 12, "out", 0, &lo); p->lse = arg_f32(a, 13, "lse", 0, &ll);
  double nq = (double)p->B * p->NH * p->T * p->HS, nk = (double)p->B * p->NKV * p->S * p->HS;
  check_len(a, "q", lq, nq); check_len(a, "k", lk, nk); check_len(a, "v", lv, nk);
  if (p->mask) check_len(a, "keyMask", lm, (double)p->B * p->S);
  check_len(a, "out", lo, nq); check_len(a, "lse", ll, (double)p->B * p->NH * p->T);
  p->g = NULL; p->gq = p->gk = p->gv = NULL;
  if (backward) {
    size_t lg, l1, l2, l3;
    p->g = arg_f32(a, 14, "g", 0, &lg);
    p->gq = arg_f32(a, 15, "gq", 1, &l1); p->gk = arg_f32(a, 16, "gk", 1, &l2); p->gv = arg_f32(a, 17, "gv", 1, &l3);
    check_len(a, "g", lg, nq);
    if (p->gq) check_len(a, "gq", l1, nq);
    if (p->gk) check_len(a, "gk", l2, nk);
    if (p->gv) check_len(a, "gv", l3, nk);
  }
  return !a->failed;
}

static napi_value AttentionForward(napi_env env, napi_callback_info info) {
  ENTER("attentionForward", 14);
  lf_attn_args p;
  if (!attn_args(a, &p, 0)) return NULL;
  lf_attention_forward(&p);
  return finish(a);
}

static napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  ENTER("attentionBackward", 18);
  lf_attn_args p;
  if (!attn_args(a, &p, 1)) return NULL;
  lf_attention_backward(&p);
  return finish(a);
}

/* ropeForward(R, T, HS, x, cos, sin, out) and ropeBackward(R, T, HS, cos, sin, g, gx) */
static napi_value RopeForward(napi_env env, napi_callback_info info) {
  ENTER("ropeForward", 7);
  SZ(0, R); SZ(1, T); SZ(2, HS); F32(3, x); F32(4, cos); F32(5, sin); F32(6, out);
  if (HS % 2) fail(a, 1, "%s = %.0f must be even", "HS", (double)HS, 0);
  check_len(a, "x", x_len, (double)R * T * HS); check_len(a, "out", out_len, (double)R * T * HS);
  check_len(a, "cos", cos_len, (double)T * (HS / 2)); check_len(a, "sin", sin_len, (double)T * (HS / 2));
  BAIL();
  lf_rope(0, R, T, HS, x, cos, sin, out);
  return finish(a);
}

static napi_value RopeBackward(napi_env env, napi_callback_info info) {
  ENTER("ropeBackward", 7);
  SZ(0, R); SZ(1, T); SZ(2, HS); F32(3, cos); F32(4, sin); F32(5, g); F32(6, gx);
  if (HS % 2) fail(a, 1, "%s = %.0f must be even", "HS", (double)HS, 0);
  check_len(a, "g", g_len, (double)R * T * HS); check_len(a, "gx", gx_len, (double)R * T * HS);
  check_len(a, "cos", cos_len, (double)T * (HS / 2)); check_len(a, "sin", sin_len, (double)T * (HS / 2));
  BAIL();
  lf_rope(1, R, T, HS, g, cos, sin, gx);
  return finish(a);
}

static napi_value Adamw(napi_env env, napi_callback_info info) {
  ENTER("adamw", 12);
  SZ(0, n); F32(1, p); F32(2, g); F32(3, m); F32(4, v);
  double lr = arg_num(a, 5, "lr"), b1 = arg_num(a, 6, "beta1"), b2 = arg_num(a, 7, "beta2"), eps = arg_num(a, 8, "eps");
  double wd = arg_num(a, 9, "weightDecay"), step = arg_num(a, 10, "step"), gs = arg_num(a, 11, "gradScale");
  check_len(a, "p", p_len, (double)n); check_len(a, "g", g_len, (double)n);
  check_len(a, "m", m_len, (double)n); check_len(a, "v", v_len, (double)n);
  BAIL();
  lf_adamw(n, p, g, m, v, lr, b1, b2, eps, wd, step, gs);
  return finish(a);
}

static napi_value SumSquares(napi_env env, napi_callback_info info) {
  ENTER("sumSquares", 2);
  SZ(0, n); F32(1, g);
  check_len(a, "g", g_len, (double)n);
  BAIL();
  napi_value r;
  napi_create_double(env, lf_sum_squares(n, g), &r);
  finish(a);
  return r;
}

static napi_value ScaleInPlace(napi_env env, napi_callback_info info) {
  ENTER("scaleInPlace", 3);
  SZ(0, n); F32(1, x);
  double s = arg_num(a, 2, "s");
  check_len(a, "x", x_len, (double)n);
  BAIL();
  lf_scale_in_place(n, x, (float)s);
  return finish(a);
}

void lf_register_layers(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
#define FN(name, f) { name, NULL, f, NULL, NULL, NULL, napi_enumerable, NULL }
    FN("gemm", Gemm), FN("linearForward", LinearForward), FN("linearBackward", LinearBackward),
    FN("softmaxForward", SoftmaxForward), FN("softmaxBackward", SoftmaxBackward),
    FN("layerNormForward", LayerNormForward), FN("layerNormBackward", LayerNormBackward),
    FN("rmsNormForward", RmsNormForward), FN("rmsNormBackward", RmsNormBackward),
    FN("embeddingForward", EmbeddingForward), FN("embeddingBackward", EmbeddingBackward),
    FN("crossEntropyForward", CrossEntropyForward), FN("crossEntropyBackward", CrossEntropyBackward),
    FN("attentionForward", AttentionForward), FN("attentionBackward", AttentionBackward),
    FN("ropeForward", RopeForward), FN("ropeBackward", RopeBackward),
    FN("adamw", Adamw), FN("sumSquares", SumSquares), FN("scaleInPlace", ScaleInPlace),
#undef FN
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
