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
  int over = a->argc > 9 && !is_null(a, 9) ? arg_bool(a, 9, "gxOverwrite") : 0;
  BAIL();
  lf_linear_backward(x, w, g, gx, gw, gb, N, IN, OUT, over);
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
  int over = a->argc > 6 && !is_null(a, 6) ? arg_bool(a, 6, "gxOverwrite") : 0;
  check_len(a, "y", y_len, (double)N * C); check_len(a, "g", g_len, (double)N * C); check_len(a, "gx", gx_len, (double)N * C);
  BAIL();
  lf_softmax_backward(N, C, y, g, gx, lg, over);
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
  int over = a->argc > 10 && !is_null(a, 10) ? arg_bool(a, 10, "gxOverwrite") : 0;
  BAIL();
  lf_layernorm_backward(N, C, x, w, mean, rstd, g, gx, gw, gb, over);
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
  int over = a->argc > 8 && !is_null(a, 8) ? arg_bool(a, 8, "gxOverwrite") : 0;
  BAIL();
  lf_rmsnorm_backward(N, C, x, w, rstd, g, gx, gw, over);
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

/* The optional AttentionLayout argument: 32 integers (a JS array or a Float64Array), 4 per operand. */
static int attn_layout(args_t *a, size_t i, double *L) {
  if (a->argc <= i || is_null(a, i)) return 0;
  bool isTA = false, isArr = false;
  napi_is_typedarray(a->env, a->argv[i], &isTA);
  napi_is_array(a->env, a->argv[i], &isArr);
  if (isTA) {
    napi_typedarray_type type;
    size_t n = 0;
    void *data = NULL;
    napi_get_typedarray_info(a->env, a->argv[i], &type, &n, &data, NULL, NULL);
    if (type != napi_float64_array || n != 4 * LF_AOPS) return fail(a, 0, "%s must be 32 numbers (an array or a Float64Array)", "layout", 0, 0);
    memcpy(L, data, sizeof(double) * 4 * LF_AOPS);
  } else if (isArr) {
    uint32_t n = 0;
    napi_get_array_length(a->env, a->argv[i], &n);
    if (n != 4 * LF_AOPS) return fail(a, 1, "%s has %.0f entries, needs %.0f", "layout", n, 4 * LF_AOPS);
    for (uint32_t k = 0; k < n; k++) {
      napi_value e;
      napi_get_element(a->env, a->argv[i], k, &e);
      if (napi_get_value_double(a->env, e, &L[k]) != napi_ok) return fail(a, 0, "%s must hold numbers", "layout", 0, 0);
    }
  } else return fail(a, 0, "%s must be 32 numbers (an array or a Float64Array)", "layout", 0, 0);
  for (int k = 0; k < 4 * LF_AOPS; k++) {
    if (!(L[k] >= 0) || L[k] != floor(L[k]) || L[k] > 9007199254740991.0) return fail(a, 1, "%s entry %.0f must be a non-negative integer, got %g", "layout", k, L[k]);
  }
  return 1;
}

/* Applies operand `i` of layout L (or the dense one) to *p and checks its extent against len. */
static const float *attn_place(args_t *a, lf_attn_args *p, const double *L, int i, const char *name, const float *ptr, size_t len) {
  if (!ptr || a->failed) return ptr;
  int kv = i == LF_AK || i == LF_AV || i == LF_AGK || i == LF_AGV;
  size_t heads = kv ? p->NKV : p->NH, rows = kv ? p->S : p->T;
  double off = 0;
  if (L) {
    off = L[4 * i];
    p->st[i][0] = (size_t)L[4 * i + 1]; p->st[i][1] = (size_t)L[4 * i + 2]; p->st[i][2] = (size_t)L[4 * i + 3];
    if (rows > 1 && p->st[i][2] < p->HS) { fail(a, 1, "%s: row stride %.0f is smaller than HS = %.0f", name, (double)p->st[i][2], (double)p->HS); return ptr; }
  }
  if (p->B && heads && rows && p->HS) {
    double need = off + (double)(p->B - 1) * p->st[i][0] + (double)(heads - 1) * p->st[i][1] + (double)(rows - 1) * p->st[i][2] + p->HS;
    check_len(a, name, len, need);
  }
  return ptr + (size_t)off;
}

/* attentionForward(B, NH, NKV, T, S, HS, q, k, v, causal, keyMask, scale, out, lse[, layout])
   attentionBackward(B, NH, NKV, T, S, HS, q, k, v, causal, keyMask, scale, out, lse, g, gq, gk, gv[, layout]) */
static int attn_args(args_t *a, lf_attn_args *p, int backward) {
  p->B = arg_size(a, 0, "B"); p->NH = arg_size(a, 1, "NH"); p->NKV = arg_size(a, 2, "NKV");
  p->T = arg_size(a, 3, "T"); p->S = arg_size(a, 4, "S"); p->HS = arg_size(a, 5, "HS");
  if (a->failed) return 0;
  if (p->NKV == 0 || p->NH % p->NKV != 0) return fail(a, 1, "%s: NH = %.0f must be a multiple of NKV = %.0f", "heads", (double)p->NH, (double)p->NKV);
  lf_attn_dense_strides(p);
  double Lbuf[4 * LF_AOPS];
  const double *L = attn_layout(a, backward ? 18 : 14, Lbuf) ? Lbuf : NULL;
  if (a->failed) return 0;
  size_t lq, lk, lv, lm, lo, ll;
  p->q = arg_f32(a, 6, "q", 0, &lq); p->k = arg_f32(a, 7, "k", 0, &lk); p->v = arg_f32(a, 8, "v", 0, &lv);
  p->causal = arg_bool(a, 9, "causal");
  p->mask = arg_i32(a, 10, "keyMask", 1, &lm);
  p->scale = (float)arg_num(a, 11, "scale");
  p->out = arg_f32(a, 12, "out", 0, &lo); p->lse = arg_f32(a, 13, "lse", 0, &ll);
  p->q = attn_place(a, p, L, LF_AQ, "q", p->q, lq);
  p->k = attn_place(a, p, L, LF_AK, "k", p->k, lk);
  p->v = attn_place(a, p, L, LF_AV, "v", p->v, lv);
  p->out = (float *)attn_place(a, p, L, LF_AOUT, "out", p->out, lo);
  if (p->mask) check_len(a, "keyMask", lm, (double)p->B * p->S);
  check_len(a, "lse", ll, (double)p->B * p->NH * p->T);
  p->g = NULL; p->gq = p->gk = p->gv = NULL;
  p->g_overwrite = 0;
  if (backward) {
    p->g_overwrite = a->argc > 19 && !is_null(a, 19) ? arg_bool(a, 19, "gOverwrite") : 0;
    size_t lg, l1, l2, l3;
    p->g = arg_f32(a, 14, "g", 0, &lg);
    p->gq = arg_f32(a, 15, "gq", 1, &l1); p->gk = arg_f32(a, 16, "gk", 1, &l2); p->gv = arg_f32(a, 17, "gv", 1, &l3);
    p->g = attn_place(a, p, L, LF_AG, "g", p->g, lg);
    p->gq = (float *)attn_place(a, p, L, LF_AGQ, "gq", p->gq, l1);
    p->gk = (float *)attn_place(a, p, L, LF_AGK, "gk", p->gk, l2);
    p->gv = (float *)attn_place(a, p, L, LF_AGV, "gv", p->gv, l3);
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
