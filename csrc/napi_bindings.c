// N-API entry points (data movement, elementwise, reductions) and the module's registration: one
// wrapper per kernel of src/kernels/abi.ts, same names and argument order, which checks every buffer
// against the extent the kernel will touch, then runs the C kernel on the arrays' own memory.
#include "napi_args.h"

static int op_index(args_t *a, size_t i, const char *const *names, int count) {
  char buf[24];
  size_t n = 0;
  if (a->failed) return 0;
  if (napi_get_value_string_utf8(a->env, a->argv[i], buf, sizeof buf, &n) == napi_ok)
    for (int k = 0; k < count; k++) if (strcmp(buf, names[k]) == 0) return k;
  fail(a, 0, "%s: unknown op", "op", 0, 0);
  return 0;
}

static const char *const UNARY[] = { "neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "gelu", "gelu_tanh", "silu", "pow", "abs" };
static const char *const BINARY[] = { "add", "sub", "mul", "div", "pow", "maximum", "minimum" };

/* ---- data movement ---- */

static napi_value StridedCopy(napi_env env, napi_callback_info info) {
  ENTER("stridedCopy", 6);
  bool ta = false, tb = false;
  napi_typedarray_type t1 = napi_float32_array, t2 = napi_float32_array;
  size_t l1 = 0, l2 = 0;
  void *src = NULL, *dst = NULL;
  napi_is_typedarray(env, a->argv[0], &ta);
  napi_is_typedarray(env, a->argv[4], &tb);
  if (!ta || !tb) { fail(a, 0, "%s must be typed arrays", "src and dst", 0, 0); return NULL; }
  napi_get_typedarray_info(env, a->argv[0], &t1, &l1, &src, NULL, NULL);
  napi_get_typedarray_info(env, a->argv[4], &t2, &l2, &dst, NULL, NULL);
  size_t elem = t1 == napi_float64_array ? 8 : 4;
  if (t1 != t2 || (t1 != napi_float32_array && t1 != napi_int32_array && t1 != napi_float64_array)) {
    fail(a, 0, "%s must be Float32Array, Int32Array or Float64Array of one type", "src and dst", 0, 0);
    return NULL;
  }
  size_t shape[LF_MAX_RANK], n;
  ptrdiff_t st[LF_MAX_RANK];
  SZ(1, srcOff);
  int r = arg_shape(a, 2, "shape", shape, &n);
  arg_strides(a, 3, "srcStrides", st, r);
  SZ(5, dstOff);
  check_view(a, "src", l1, (double)srcOff, shape, st, r, n);
  check_len(a, "dst", l2, (double)dstOff + (double)n);
  BAIL();
  if (n) lf_strided_copy((char *)src + srcOff * elem, elem, shape, st, r, (char *)dst + dstOff * elem);
  return finish(a);
}

static napi_value StridedAccumulate(napi_env env, napi_callback_info info) {
  ENTER("stridedAccumulate", 5);
  F32(0, src);
  size_t shape[LF_MAX_RANK], n;
  int r = arg_shape(a, 1, "shape", shape, &n);
  F32(2, dst);
  SZ(3, dstOff);
  ptrdiff_t st[LF_MAX_RANK];
  arg_strides(a, 4, "dstStrides", st, r);
  check_len(a, "src", src_len, (double)n);
  check_view(a, "dst", dst_len, (double)dstOff, shape, st, r, n);
  BAIL();
  if (n) lf_strided_accumulate(src, shape, r, dst + dstOff, st);
  return finish(a);
}

/* ---- elementwise ---- */

static napi_value BinaryForward(napi_env env, napi_callback_info info) {
  ENTER("binaryForward", 9);
  int op = op_index(a, 0, BINARY, LF_BINARY_COUNT);
  size_t shape[LF_MAX_RANK], n;
  ptrdiff_t as[LF_MAX_RANK], bs[LF_MAX_RANK];
  int r = arg_shape(a, 1, "shape", shape, &n);
  F32(2, A); SZ(3, aOff); arg_strides(a, 4, "aStrides", as, r);
  F32(5, B); SZ(6, bOff); arg_strides(a, 7, "bStrides", bs, r);
  F32(8, out);
  check_view(a, "a", A_len, (double)aOff, shape, as, r, n);
  check_view(a, "b", B_len, (double)bOff, shape, bs, r, n);
  check_len(a, "out", out_len, (double)n);
  BAIL();
  if (n) lf_binary_forward(op, shape, r, A + aOff, as, B + bOff, bs, out);
  return finish(a);
}

static napi_value BinaryBackward(napi_env env, napi_callback_info info) {
  ENTER("binaryBackward", 13);
  int op = op_index(a, 0, BINARY, LF_BINARY_COUNT);
  size_t shape[LF_MAX_RANK], n;
  ptrdiff_t as[LF_MAX_RANK], bs[LF_MAX_RANK], gas[LF_MAX_RANK], gbs[LF_MAX_RANK];
  int r = arg_shape(a, 1, "shape", shape, &n);
  F32(2, A); SZ(3, aOff); arg_strides(a, 4, "aStrides", as, r);
  F32(5, B); SZ(6, bOff); arg_strides(a, 7, "bStrides", bs, r);
  F32(8, g); F32N(9, ga); F32N(11, gb);
  if (ga) arg_strides(a, 10, "gaStrides", gas, r);
  if (gb) arg_strides(a, 12, "gbStrides", gbs, r);
  check_view(a, "a", A_len, (double)aOff, shape, as, r, n);
  check_view(a, "b", B_len, (double)bOff, shape, bs, r, n);
  check_len(a, "g", g_len, (double)n);
  if (ga) check_view(a, "ga", ga_len, 0, shape, gas, r, n);
  if (gb) check_view(a, "gb", gb_len, 0, shape, gbs, r, n);
  BAIL();
  if (n) lf_binary_backward(op, shape, r, A + aOff, as, B + bOff, bs, g, ga, gas, gb, gbs);
  return finish(a);
}

static napi_value UnaryForward(napi_env env, napi_callback_info info) {
  ENTER("unaryForward", 5);
  int op = op_index(a, 0, UNARY, LF_UNARY_COUNT);
  SZ(1, n); F32(2, x); F32(3, out);
  double p = arg_num(a, 4, "param");
  check_len(a, "x", x_len, (double)n);
  check_len(a, "out", out_len, (double)n);
  BAIL();
  lf_unary_forward(op, n, x, out, (float)p);
  return finish(a);
}

static napi_value UnaryBackward(napi_env env, napi_callback_info info) {
  ENTER("unaryBackward", 7);
  int op = op_index(a, 0, UNARY, LF_UNARY_COUNT);
  SZ(1, n); F32(2, x); F32(3, y); F32(4, g); F32(5, gx);
  double p = arg_num(a, 6, "param");
  int over = a->argc > 7 && !is_null(a, 7) ? arg_bool(a, 7, "gxOverwrite") : 0;
  check_len(a, "x", x_len, (double)n); check_len(a, "y", y_len, (double)n);
  check_len(a, "g", g_len, (double)n); check_len(a, "gx", gx_len, (double)n);
  BAIL();
  lf_unary_backward(op, n, x, y, g, gx, (float)p, over);
  return finish(a);
}

static napi_value WhereForward(napi_env env, napi_callback_info info) {
  ENTER("whereForward", 11);
  size_t shape[LF_MAX_RANK], n;
  ptrdiff_t cs[LF_MAX_RANK], as[LF_MAX_RANK], bs[LF_MAX_RANK];
  int r = arg_shape(a, 0, "shape", shape, &n);
  I32(1, cond); SZ(2, cOff); arg_strides(a, 3, "cStrides", cs, r);
  F32(4, A); SZ(5, aOff); arg_strides(a, 6, "aStrides", as, r);
  F32(7, B); SZ(8, bOff); arg_strides(a, 9, "bStrides", bs, r);
  F32(10, out);
  check_view(a, "cond", cond_len, (double)cOff, shape, cs, r, n);
  check_view(a, "a", A_len, (double)aOff, shape, as, r, n);
  check_view(a, "b", B_len, (double)bOff, shape, bs, r, n);
  check_len(a, "out", out_len, (double)n);
  BAIL();
  if (n) lf_where_forward(shape, r, cond + cOff, cs, A + aOff, as, B + bOff, bs, out);
  return finish(a);
}

static napi_value WhereBackward(napi_env env, napi_callback_info info) {
  ENTER("whereBackward", 9);
  size_t shape[LF_MAX_RANK], n;
  ptrdiff_t cs[LF_MAX_RANK], gas[LF_MAX_RANK], gbs[LF_MAX_RANK];
  int r = arg_shape(a, 0, "shape", shape, &n);
  I32(1, cond); SZ(2, cOff); arg_strides(a, 3, "cStrides", cs, r);
  F32(4, g); F32N(5, ga); F32N(7, gb);
  if (ga) arg_strides(a, 6, "gaStrides", gas, r);
  if (gb) arg_strides(a, 8, "gbStrides", gbs, r);
  check_view(a, "cond", cond_len, (double)cOff, shape, cs, r, n);
  check_len(a, "g", g_len, (double)n);
  if (ga) check_view(a, "ga", ga_len, 0, shape, gas, r, n);
  if (gb) check_view(a, "gb", gb_len, 0, shape, gbs, r, n);
  BAIL();
  if (n) lf_where_backward(shape, r, cond + cOff, cs, g, ga, gas, gb, gbs);
  return finish(a);
}

static napi_value SwigluForward(napi_env env, napi_callback_info info) {
  ENTER("swigluForward", 4);
  SZ(0, n); F32(1, A); F32(2, B); F32(3, out);
  check_len(a, "a", A_len, (double)n); check_len(a, "b", B_len, (double)n); check_len(a, "out", out_len, (double)n);
  BAIL();
  lf_swiglu_forward(n, A, B, out);
  return finish(a);
}

static napi_value SwigluBackward(napi_env env, napi_callback_info info) {
  ENTER("swigluBackward", 6);
  SZ(0, n); F32(1, A); F32(2, B); F32(3, g); F32N(4, ga); F32N(5, gb);
  check_len(a, "a", A_len, (double)n); check_len(a, "b", B_len, (double)n); check_len(a, "g", g_len, (double)n);
  if (ga) check_len(a, "ga", ga_len, (double)n);
  if (gb) check_len(a, "gb", gb_len, (double)n);
  BAIL();
  lf_swiglu_backward(n, A, B, g, ga, gb);
  return finish(a);
}

/* ---- reductions ---- */

static int reduce_op(args_t *a) {
  static const char *const R[] = { "sum", "max" };
  return op_index(a, 0, R, 2);
}

static napi_value ReduceForward(napi_env env, napi_callback_info info) {
  ENTER("reduceForward", 7);
  int is_max = reduce_op(a);
  SZ(1, outer); SZ(2, R); SZ(3, inner); F32(4, x); F32(5, out); I32N(6, argmax);
  check_len(a, "x", x_len, (double)outer * R * inner);
  check_len(a, "out", out_len, (double)outer * inner);
  if (argmax) check_len(a, "argmax", argmax_len, (double)outer * inner);
  if (is_max && R == 0 && outer * inner > 0) fail(a, 1, "%s: cannot take the max over an empty axis", "R", 0, 0);
  BAIL();
  lf_reduce_forward(is_max, outer, R, inner, x, out, argmax);
  return finish(a);
}

static napi_value ReduceBackward(napi_env env, napi_callback_info info) {
  ENTER("reduceBackward", 7);
  int is_max = reduce_op(a);
  SZ(1, outer); SZ(2, R); SZ(3, inner); F32(4, g); F32(5, gx); I32N(6, argmax);
  check_len(a, "g", g_len, (double)outer * inner);
  check_len(a, "gx", gx_len, (double)outer * R * inner);
  if (is_max) {
    if (!argmax) fail(a, 0, "%s is required for max", "argmax", 0, 0);
    check_len(a, "argmax", argmax_len, (double)outer * inner);
    for (size_t i = 0; !a->failed && i < outer * inner; i++)
      if (argmax[i] < 0 || (size_t)argmax[i] >= R) fail(a, 1, "%s[%.0f] = %.0f is out of range", "argmax", (double)i, argmax[i]);
  }
  BAIL();
  lf_reduce_backward(is_max, outer, R, inner, g, gx, argmax);
  return finish(a);
}

/* ---- pool and introspection ---- */

static napi_value SetThreads(napi_env env, napi_callback_info info) {
  ENTER("setThreads", 1);
  SZ(0, n);
  if (n < 1) fail(a, 1, "%s must be >= 1, got %g", "n", (double)n, 0);
  BAIL();
  lf_set_threads((int)n);
  return finish(a);
}

static napi_value GetThreads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_int32(env, lf_threads(), &r);
  return r;
}

static napi_value Simd(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_string_utf8(env, lf_simd_name(), NAPI_AUTO_LENGTH, &r);
  return r;
}

/* peakFlops(ms, threads = pool size): measured peak fp32 FMA throughput in FLOP/s */
static napi_value PeakFlops(napi_env env, napi_callback_info info) {
  ENTER("peakFlops", 1);
  double ms = arg_num(a, 0, "ms");
  size_t threads = a->argc > 1 && !is_null(a, 1) ? arg_size(a, 1, "threads") : (size_t)lf_threads();
  if (!(ms > 0 && ms < 1e5)) fail(a, 1, "%s must be in (0, 1e5) ms, got %g", "ms", ms, 0);
  BAIL();
  napi_value r;
  napi_create_double(env, lf_peak_gflops((int)threads, ms) * 1e9, &r);
  return r;
}

/* adviseHugePages(Float32Array): huge-page advice for the buffer (lf_advise_huge); returns whether it was taken. */
static napi_value AdviseHugePages(napi_env env, napi_callback_info info) {
  ENTER("adviseHugePages", 1);
  F32(0, buf);
  BAIL();
  napi_value r;
  napi_get_boolean(env, lf_advise_huge(buf, buf_len * sizeof(float)), &r);
  return r;
}

/* alignOffset(ArrayBuffer): bytes from the buffer's start to its first 64-byte-aligned address (a cache line, an
   AVX-512 vector), so that large tensors can start there (V8 places large buffers 16 bytes into a page). */
static napi_value AlignOffset(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, r;
  void *data = NULL;
  size_t len = 0;
  bool is_ab = false;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok || argc < 1 || napi_is_arraybuffer(env, arg, &is_ab) != napi_ok || !is_ab ||
      napi_get_arraybuffer_info(env, arg, &data, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "lmforge native alignOffset: the argument must be an ArrayBuffer");
    return NULL;
  }
  napi_create_int32(env, (int32_t)((64 - (uintptr_t)data % 64) % 64), &r);
  return r;
}

/* abiVersion(): bumped whenever a kernel's arguments change meaning, so that src/kernels/native/loader.ts
   refuses a stale build instead of running it with arguments it would misread. 2: attention layouts;
   3: linearBackward's gxOverwrite; 4: unaryBackward's gxOverwrite, attentionBackward's gOverwrite;
   5: softmaxBackward's gxOverwrite; 6: layerNormBackward's and rmsNormBackward's gxOverwrite. */
#define LF_ABI_VERSION 6
static napi_value AbiVersion(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_int32(env, LF_ABI_VERSION, &r);
  return r;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
#define FN(name, f) { name, NULL, f, NULL, NULL, NULL, napi_enumerable, NULL }
    FN("stridedCopy", StridedCopy), FN("stridedAccumulate", StridedAccumulate),
    FN("binaryForward", BinaryForward), FN("binaryBackward", BinaryBackward),
    FN("unaryForward", UnaryForward), FN("unaryBackward", UnaryBackward),
    FN("whereForward", WhereForward), FN("whereBackward", WhereBackward),
    FN("swigluForward", SwigluForward), FN("swigluBackward", SwigluBackward),
    FN("reduceForward", ReduceForward), FN("reduceBackward", ReduceBackward),
    FN("setThreads", SetThreads), FN("getThreads", GetThreads), FN("simd", Simd), FN("peakFlops", PeakFlops),
    FN("abiVersion", AbiVersion), FN("adviseHugePages", AdviseHugePages), FN("alignOffset", AlignOffset),
#undef FN
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  lf_register_layers(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
