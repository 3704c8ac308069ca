// Argument decoding for the N-API bindings: typed arrays are used in place (zero-copy: the pointer
// N-API gives already includes the view's byteOffset), numbers are checked, and every failure
// throws a JS error naming the kernel and the argument.
#ifndef LMFORGE_NAPI_ARGS_H
#define LMFORGE_NAPI_ARGS_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "lmforge.h"

#define MAX_ARGS 24

#define ENTER(name, n) args_t A_; args_t *a = &A_; if (!args_init(a, env, info, name, n)) return NULL
#define F32(i, nm) size_t nm##_len; float *nm = arg_f32(a, i, #nm, 0, &nm##_len)
#define F32N(i, nm) size_t nm##_len; float *nm = arg_f32(a, i, #nm, 1, &nm##_len)
#define I32(i, nm) size_t nm##_len; int32_t *nm = arg_i32(a, i, #nm, 0, &nm##_len)
#define I32N(i, nm) size_t nm##_len; int32_t *nm = arg_i32(a, i, #nm, 1, &nm##_len)
#define SZ(i, nm) size_t nm = arg_size(a, i, #nm)
#define BAIL() do { if (a->failed) return NULL; } while (0)

/** Registers the gemm / fused-layer / optimizer entry points (napi_layers.c). */
void lf_register_layers(napi_env env, napi_value exports);

typedef struct {
  napi_env env;
  napi_value argv[MAX_ARGS];
  size_t argc;
  const char *fn;
  int failed;
} args_t;

static inline int fail(args_t *a, int range, const char *fmt, const char *name, double x, double y) {
  if (a->failed) return 0;
  char msg[320], what[256];
  snprintf(what, sizeof what, fmt, name, x, y);
  snprintf(msg, sizeof msg, "lmforge native %s: %s", a->fn, what);
  if (range) napi_throw_range_error(a->env, NULL, msg);
  else napi_throw_type_error(a->env, NULL, msg);
  a->failed = 1;
  return 0;
}

static inline int args_init(args_t *a, napi_env env, napi_callback_info info, const char *fn, size_t want) {
  a->env = env;
  a->fn = fn;
  a->failed = 0;
  a->argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL) != napi_ok) return fail(a, 0, "%s", "cannot read arguments", 0, 0);
  if (a->argc < want) return fail(a, 0, "%s %.0f arguments, got %.0f", "expects", (double)want, (double)a->argc);
  return 1;
}

static inline int is_null(args_t *a, size_t i) {
  napi_valuetype t;
  if (napi_typeof(a->env, a->argv[i], &t) != napi_ok) return 0;
  return t == napi_null || t == napi_undefined;
}

/* A typed array of the wanted type (napi_float32_array, napi_int32_array), or NULL when nullable. */
static inline void *arg_array(args_t *a, size_t i, const char *name, napi_typedarray_type want, int nullable, size_t *len) {
  *len = 0;
  if (a->failed) return NULL;
  if (nullable && is_null(a, i)) return NULL;
  bool isTA = false;
  napi_is_typedarray(a->env, a->argv[i], &isTA);
  if (!isTA) { fail(a, 0, "%s must be a %s", name, 0, 0); return NULL; }
  napi_typedarray_type type;
  void *data = NULL;
  napi_get_typedarray_info(a->env, a->argv[i], &type, len, &data, NULL, NULL);
  if (type != want) {
    char buf[96];
    snprintf(buf, sizeof buf, "%%s must be a %s (the native backend is float32 only)", want == napi_float32_array ? "Float32Array" : "Int32Array");
    fail(a, 0, buf, name, 0, 0);
    return NULL;
  }
  static float empty[1];
  return data ? data : (void *)empty;
}

static inline float *arg_f32(args_t *a, size_t i, const char *name, int nullable, size_t *len) {
  return arg_array(a, i, name, napi_float32_array, nullable, len);
}

static inline int32_t *arg_i32(args_t *a, size_t i, const char *name, int nullable, size_t *len) {
  return arg_array(a, i, name, napi_int32_array, nullable, len);
}

static inline double arg_num(args_t *a, size_t i, const char *name) {
  double x = 0;
  if (a->failed) return 0;
  if (napi_get_value_double(a->env, a->argv[i], &x) != napi_ok) fail(a, 0, "%s must be a number", name, 0, 0);
  return x;
}

static inline size_t arg_size(args_t *a, size_t i, const char *name) {
  double x = arg_num(a, i, name);
  if (a->failed) return 0;
  if (!(x >= 0) || x != floor(x) || x > 9007199254740991.0) { fail(a, 1, "%s must be a non-negative integer, got %g", name, x, 0); return 0; }
  return (size_t)x;
}

static inline int arg_bool(args_t *a, size_t i, const char *name) {
  bool b = false;
  if (a->failed) return 0;
  if (napi_get_value_bool(a->env, a->argv[i], &b) != napi_ok) fail(a, 0, "%s must be a boolean", name, 0, 0);
  return b;
}

/* A JS array of integers (a shape or strides); returns its length. */
static inline int arg_ints(args_t *a, size_t i, const char *name, double *out) {
  if (a->failed) return 0;
  bool isArr = false;
  napi_is_array(a->env, a->argv[i], &isArr);
  if (!isArr) return fail(a, 0, "%s must be an array of integers", name, 0, 0);
  uint32_t n = 0;
  napi_get_array_length(a->env, a->argv[i], &n);
  if (n > LF_MAX_RANK) return fail(a, 1, "%s has rank %.0f, more than the %.0f supported", name, n, LF_MAX_RANK);
  for (uint32_t k = 0; k < n; k++) {
    napi_value e;
    napi_get_element(a->env, a->argv[i], k, &e);
    if (napi_get_value_double(a->env, e, &out[k]) != napi_ok || out[k] != floor(out[k])) return fail(a, 0, "%s must hold integers", name, 0, 0);
  }
  return (int)n;
}

static inline int arg_shape(args_t *a, size_t i, const char *name, size_t *shape, size_t *numel) {
  double v[LF_MAX_RANK];
  int r = arg_ints(a, i, name, v);
  *numel = 1;
  for (int k = 0; k < r; k++) {
    if (v[k] < 0) { fail(a, 1, "%s has a negative dim %g", name, v[k], 0); return 0; }
    shape[k] = (size_t)v[k];
    *numel *= shape[k];
  }
  return r;
}

static inline void arg_strides(args_t *a, size_t i, const char *name, ptrdiff_t *st, int rank) {
  double v[LF_MAX_RANK];
  int r = arg_ints(a, i, name, v);
  if (a->failed) return;
  if (r != rank) { fail(a, 1, "%s has %.0f entries for a rank-%.0f shape", name, r, rank); return; }
  for (int k = 0; k < r; k++) st[k] = (ptrdiff_t)v[k];
}

/* Checks that off + Σ idx·stride stays inside [0, len) for every index of `shape`. */
static inline void check_view(args_t *a, const char *name, size_t len, double off, const size_t *shape, const ptrdiff_t *st, int rank, size_t numel) {
  if (a->failed || numel == 0) return;
  double lo = off, hi = off;
  for (int k = 0; k < rank; k++) {
    double e = (double)(shape[k] - 1) * (double)st[k];
    if (e < 0) lo += e; else hi += e;
  }
  if (lo < 0 || hi >= (double)len) fail(a, 1, "%s view reaches element %.0f of an array of %.0f", name, lo < 0 ? lo : hi, (double)len);
}

/* len ≥ need, else a RangeError naming the argument */
static inline void check_len(args_t *a, const char *name, size_t len, double need) {
  if (!a->failed && (double)len < need) fail(a, 1, "%s has %.0f elements, needs %.0f", name, (double)len, need);
}

static inline napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static inline napi_value finish(args_t *a) {
  if (!a->failed && lf_oom) {
    lf_oom = 0;
    char msg[128];
    snprintf(msg, sizeof msg, "lmforge native %s: out of memory for scratch buffers", a->fn);
    napi_throw_error(a->env, NULL, msg);
  }
  return undefined(a->env);
}

#endif
