// Vector helpers chosen at compile time: AVX-512F (16 lanes), AVX2+FMA (8 lanes) or portable C
// (1 lane). -march=native picks the widest the build machine has; -DLMFORGE_PORTABLE forces C.
// Also the fp32 vector math (exp, tanh, sigmoid, erfc); accuracy measured vs double in docs/native.md.
#ifndef LMFORGE_SIMD_H
#define LMFORGE_SIMD_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if (defined(__AVX512F__) || defined(LMFORGE_EMULATE_AVX512)) && !defined(LMFORGE_PORTABLE)
#define LF_AVX512 1
#elif defined(__AVX2__) && defined(__FMA__) && !defined(LMFORGE_PORTABLE)
#define LF_AVX2 1
#endif

#if defined(LF_AVX512) && !defined(__AVX512F__)
#include "simd_emulate512.h"   /* a test build: SIMDe's portable AVX-512 */
#elif defined(LF_AVX512) || defined(LF_AVX2)
#include <immintrin.h>
#endif

#define LF_INLINE static inline __attribute__((always_inline))

#if defined(LF_AVX512)
#define LF_SIMD "avx512f"
#define VW 16
typedef __m512 vf;
typedef __m512i vi;
typedef __mmask16 vmask;
LF_INLINE vf vload(const float *p) { return _mm512_loadu_ps(p); }
LF_INLINE void vstore(float *p, vf v) { _mm512_storeu_ps(p, v); }
LF_INLINE vf vloadn(const float *p, size_t n, float fill) {
  return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), (__mmask16)((1u << n) - 1), p);
}
LF_INLINE void vstoren(float *p, vf v, size_t n) { _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), v); }
LF_INLINE vf vset1(float x) { return _mm512_set1_ps(x); }
LF_INLINE vf vzero(void) { return _mm512_setzero_ps(); }
LF_INLINE vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
LF_INLINE vf vsub(vf a, vf b) { return _mm512_sub_ps(a, b); }
LF_INLINE vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
LF_INLINE vf vdiv(vf a, vf b) { return _mm512_div_ps(a, b); }
LF_INLINE vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }     /* a*b + c */
LF_INLINE vf vfnma(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); }   /* c - a*b */
LF_INLINE vf vmax(vf a, vf b) { return _mm512_max_ps(a, b); }
LF_INLINE vf vmin(vf a, vf b) { return _mm512_min_ps(a, b); }
LF_INLINE vf vsqrt(vf a) { return _mm512_sqrt_ps(a); }
LF_INLINE vf vabs(vf a) { return _mm512_abs_ps(a); }
LF_INLINE vf vround(vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
LF_INLINE vmask vgt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
LF_INLINE vmask vge(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
LF_INLINE vmask vlt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
LF_INLINE vmask vle(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
LF_INLINE vmask visnan(vf a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
LF_INLINE vf vsel(vmask m, vf t, vf f) { return _mm512_mask_blend_ps(m, f, t); }
LF_INLINE int vany(vmask m) { return m != 0; }
LF_INLINE float vhsum(vf a) { return _mm512_reduce_add_ps(a); }
LF_INLINE float vhmax(vf a) { return _mm512_reduce_max_ps(a); }
/* 2^n for integral n in [-126, 127] */
LF_INLINE vf vpow2i(vf n) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23)); }
LF_INLINE vf vscale2(vf y, vf n) { return _mm512_scalef_ps(y, n); }
#elif defined(LF_AVX2)
#define LF_SIMD "avx2+fma"
#define VW 8
typedef __m256 vf;
typedef __m256 vmask;
LF_INLINE __m256i lf_tailmask(size_t n) {
  static const int32_t m[16] = { -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0 };
  return _mm256_loadu_si256((const __m256i *)(m + 8 - n));
}
LF_INLINE vf vload(const float *p) { return _mm256_loadu_ps(p); }
LF_INLINE void vstore(float *p, vf v) { _mm256_storeu_ps(p, v); }
LF_INLINE vf vloadn(const float *p, size_t n, float fill) {
  __m256i m = lf_tailmask(n);
  return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
}
LF_INLINE void vstoren(float *p, vf v, size_t n) { _mm256_maskstore_ps(p, lf_tailmask(n), v); }
LF_INLINE vf vset1(float x) { return _mm256_set1_ps(x); }
LF_INLINE vf vzero(void) { return _mm256_setzero_ps(); }
LF_INLINE vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
LF_INLINE vf vsub(vf a, vf b) { return _mm256_sub_ps(a, b); }
LF_INLINE vf vmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
LF_INLINE vf vdiv(vf a, vf b) { return _mm256_div_ps(a, b); }
LF_INLINE vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
LF_INLINE vf vfnma(vf a, vf b, vf c) { return _mm256_fnmadd_ps(a, b, c); }
LF_INLINE vf vmax(vf a, vf b) { return _mm256_max_ps(a, b); }
LF_INLINE vf vmin(vf a, vf b) { return _mm256_min_ps(a, b); }
LF_INLINE vf vsqrt(vf a) { return _mm256_sqrt_ps(a); }
LF_INLINE vf vabs(vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
LF_INLINE vf vround(vf a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
LF_INLINE vmask vgt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
LF_INLINE vmask vge(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
LF_INLINE vmask vlt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
LF_INLINE vmask vle(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
LF_INLINE vmask visnan(vf a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
LF_INLINE vf vsel(vmask m, vf t, vf f) { return _mm256_blendv_ps(f, t, m); }
LF_INLINE int vany(vmask m) { return _mm256_movemask_ps(m) != 0; }
LF_INLINE float vhsum(vf a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
LF_INLINE float vhmax(vf a) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
LF_INLINE vf vpow2i(vf n) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23)); }
/* y * 2^n for integral n in [-252, 254]: two factors keep each exponent in range */
LF_INLINE vf vscale2(vf y, vf n) {
  __m256i ni = _mm256_cvtps_epi32(n);
  __m256i n1 = _mm256_srai_epi32(ni, 1);
  __m256i n2 = _mm256_sub_epi32(ni, n1);
  __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, _mm256_set1_epi32(127)), 23));
  __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, _mm256_set1_epi32(127)), 23));
  return _mm256_mul_ps(_mm256_mul_ps(y, s1), s2);
}
#else
#define LF_SIMD "portable"
#define VW 1
typedef float vf;
typedef int vmask;
LF_INLINE vf vload(const float *p) { return *p; }
LF_INLINE void vstore(float *p, vf v) { *p = v; }
LF_INLINE vf vloadn(const float *p, size_t n, float fill) { return n ? *p : fill; }
LF_INLINE void vstoren(float *p, vf v, size_t n) { if (n) *p = v; }
LF_INLINE vf vset1(float x) { return x; }
LF_INLINE vf vzero(void) { return 0.0f; }
LF_INLINE vf vadd(vf a, vf b) { return a + b; }
LF_INLINE vf vsub(vf a, vf b) { return a - b; }
LF_INLINE vf vmul(vf a, vf b) { return a * b; }
LF_INLINE vf vdiv(vf a, vf b) { return a / b; }
LF_INLINE vf vfma(vf a, vf b, vf c) { return a * b + c; }
LF_INLINE vf vfnma(vf a, vf b, vf c) { return c - a * b; }
LF_INLINE vf vmax(vf a, vf b) { return a > b ? a : b; }
LF_INLINE vf vmin(vf a, vf b) { return a < b ? a : b; }
LF_INLINE vf vsqrt(vf a) { return sqrtf(a); }
LF_INLINE vf vabs(vf a) { return fabsf(a); }
LF_INLINE vf vround(vf a) { return nearbyintf(a); }
LF_INLINE vmask vgt(vf a, vf b) { return a > b; }
LF_INLINE vmask vge(vf a, vf b) { return a >= b; }
LF_INLINE vmask vlt(vf a, vf b) { return a < b; }
LF_INLINE vmask vle(vf a, vf b) { return a <= b; }
LF_INLINE vmask visnan(vf a) { return a != a; }
LF_INLINE vf vsel(vmask m, vf t, vf f) { return m ? t : f; }
LF_INLINE int vany(vmask m) { return m != 0; }
LF_INLINE float vhsum(vf a) { return a; }
LF_INLINE float vhmax(vf a) { return a; }
LF_INLINE vf vscale2(vf y, vf n) { return ldexpf(y, (int)n); }
#endif

/* Non-temporal (streaming) stores, for outputs of LF_STREAM_BYTES and more written without being read: they
   skip the read-for-ownership of each destination line and leave the caches to the inputs. vstream needs a
   VW·4-byte aligned address (vstream_head(p): the floats before the first one); a task that streamed calls
   vstream_fence() before it returns, so that its stores are visible when the pool reports the task done. */
#define LF_STREAM_BYTES ((size_t)8 << 20)
#if defined(LF_AVX512)
LF_INLINE void vstream(float *p, vf v) { _mm512_stream_ps(p, v); }
#elif defined(LF_AVX2)
LF_INLINE void vstream(float *p, vf v) { _mm256_stream_ps(p, v); }
#else
LF_INLINE void vstream(float *p, vf v) { *p = v; }
#endif
LF_INLINE size_t vstream_head(const float *p) { return ((size_t)(-(uintptr_t)p) & (VW * sizeof(float) - 1)) / sizeof(float); }

/* How a backward kernel writes its input gradient: gx += d, gx = d (the first gradient: gx is never read), or
   gx = d by non-temporal stores (outputs of LF_STREAM_BYTES and more, at vector-aligned addresses). */
enum { LF_GX_ACCUMULATE, LF_GX_OVERWRITE, LF_GX_STREAM };
LF_INLINE int lf_gx_mode(int overwrite, size_t n) {
  return !overwrite ? LF_GX_ACCUMULATE : n * sizeof(float) >= LF_STREAM_BYTES ? LF_GX_STREAM : LF_GX_OVERWRITE;
}
/* the mode for one row starting at p: a row that is not vector-aligned is stored normally */
LF_INLINE int lf_gx_row_mode(int mode, const float *p) { return mode == LF_GX_STREAM && vstream_head(p) ? LF_GX_OVERWRITE : mode; }
LF_INLINE void vstore_gx(int mode, float *p, vf d) {
  if (mode == LF_GX_ACCUMULATE) vstore(p, vadd(vload(p), d));
  else if (mode == LF_GX_STREAM) vstream(p, d);
  else vstore(p, d);
}
/* the first n floats of d at p (a row's head or tail), written as vstore_gx would (never streamed) */
LF_INLINE void vstoren_gx(int mode, float *p, vf d, size_t n) {
  vstoren(p, mode == LF_GX_ACCUMULATE ? vadd(vloadn(p, n, 0.0f), d) : d, n);
}
/* Streaming a row of n floats from p that is not vector-aligned: the floats before its first aligned vector
   (at most n), for the caller to write with vstoren_gx before the aligned part; 0 in the other modes. */
LF_INLINE size_t lf_gx_head(int mode, const float *p, size_t n) {
  size_t h = mode == LF_GX_STREAM ? vstream_head(p) : 0;
  return h < n ? h : n;
}
LF_INLINE void vstream_fence(void) {
#if defined(LF_AVX512) || defined(LF_AVX2)
  _mm_sfence();
#endif
}

/* Long row sums run float lanes over blocks of SUM_BLOCK elements (64 adds per lane) and add the
   blocks in double, so e.g. 50257 logits sum to ~1e-7 relative in every build (VW = 1 included). */
#define SUM_BLOCK (64 * VW)

/* ---- fp32 vector math ---- */


/* exp(x): Cephes' degree-6 polynomial on [-ln2/2, ln2/2] (Moshier), evaluated Estrin-style for a short
   dependency chain; n = round(x/ln2) by the 1.5·2^23 trick; exact 2^n scaling in two factors (gradual
   underflow, overflow to inf); exp(+inf) = inf, exp(-inf) = 0, NaN propagates. Max rel. error 2 ulp. */
LF_INLINE vf vexp(vf x) {
  vf xc = vmin(vmax(x, vset1(-104.0f)), vset1(88.8f));
  vf n = vsub(vfma(xc, vset1(1.44269504088896341f), vset1(12582912.0f)), vset1(12582912.0f));
  vf r = vfnma(n, vset1(0.693359375f), xc);
  r = vfnma(n, vset1(-2.12194440e-4f), r);
  vf r2 = vmul(r, r);
  vf p01 = vfma(vset1(1.9875691500e-4f), r, vset1(1.3981999507e-3f));
  vf p23 = vfma(vset1(8.3334519073e-3f), r, vset1(4.1665795894e-2f));
  vf p45 = vfma(vset1(1.6666665459e-1f), r, vset1(5.0000001201e-1f));
  vf p = vfma(vfma(p01, r2, p23), r2, p45);
  vf y = vfma(p, r2, vadd(r, vset1(1.0f)));
  y = vscale2(y, n);
  return vsel(visnan(x), x, y);
}

/* sigmoid(x) = 1 / (1 + exp(-x)); saturates to exactly 0 and 1. */
LF_INLINE vf vsigmoid(vf x) { return vdiv(vset1(1.0f), vadd(vset1(1.0f), vexp(vsub(vzero(), x)))); }

/* σ(z) and 1 − σ(z), both to full relative precision (1 − σ is not formed by subtraction):
   with t = exp(−|z|) ≤ 1, σ = 1/(1+t) and 1 − σ = t/(1+t) for z ≥ 0, mirrored for z < 0. */
LF_INLINE void vsigmoid2(vf z, vf *s, vf *oms) {
  vf t = vexp(vsub(vzero(), vabs(z)));
  vf r = vdiv(vset1(1.0f), vadd(vset1(1.0f), t));
  vf tr = vmul(t, r);
  vmask pos = vge(z, vzero());
  *s = vsel(pos, r, tr);
  *oms = vsel(pos, tr, r);
}

/* tanh(x): Cephes' odd polynomial for |x| < 0.625, else sign(x)·(1 − 2/(exp(2|x|) + 1)). */
LF_INLINE vf vtanh(vf x) {
  vf ax = vabs(x);
  vf z = vmul(x, x);
  vf p = vset1(-5.70498872745e-3f);
  p = vfma(p, z, vset1(2.06390887954e-2f));
  p = vfma(p, z, vset1(-5.37397155531e-2f));
  p = vfma(p, z, vset1(1.33314422036e-1f));
  p = vfma(p, z, vset1(-3.33332819422e-1f));
  vf small = vfma(vmul(p, z), x, x);
  vf e = vexp(vadd(ax, ax));
  vf big = vsub(vset1(1.0f), vdiv(vset1(2.0f), vadd(e, vset1(1.0f))));
  big = vsel(vlt(x, vzero()), vsub(vzero(), big), big);
  return vsel(vlt(ax, vset1(0.625f)), small, big);
}

/* exp(x) for x <= 0 (softmax, cross-entropy and attention arguments x − max, and erfc): the same
   polynomial with one scaling; results below 2^-126 (x < −87) are flushed to 0, exp(−inf) = 0 and
   NaN propagates. Not valid for x > 88. */
LF_INLINE vf vexp_neg(vf x) {
  vf xc = vmax(vset1(-87.0f), x);    /* operand order keeps NaN */
  vf n = vsub(vfma(xc, vset1(1.44269504088896341f), vset1(12582912.0f)), vset1(12582912.0f));
  vf r = vfnma(n, vset1(0.693359375f), xc);
  r = vfnma(n, vset1(-2.12194440e-4f), r);
  vf r2 = vmul(r, r);
  vf p01 = vfma(vset1(1.9875691500e-4f), r, vset1(1.3981999507e-3f));
  vf p23 = vfma(vset1(8.3334519073e-3f), r, vset1(4.1665795894e-2f));
  vf p45 = vfma(vset1(1.6666665459e-1f), r, vset1(5.0000001201e-1f));
  vf p = vfma(vfma(p01, r2, p23), r2, p45);
  vf y = vfma(p, r2, vadd(r, vset1(1.0f)));
#if defined(LF_AVX512) || defined(LF_AVX2)
  y = vmul(y, vpow2i(n));
#else
  y = vscale2(y, n);
#endif
  return vsel(vlt(x, vset1(-87.0f)), vzero(), y);
}

/* erfc(z) for z >= 0 (Numerical Recipes' erfcc, Chebyshev fit, fractional error < 1.2e-7);
   the degree-9 polynomial in t is evaluated Estrin-style. */
LF_INLINE vf verfc_pos(vf z) {
  vf t = vdiv(vset1(1.0f), vfma(vset1(0.5f), z, vset1(1.0f)));
  vf t2 = vmul(t, t), t4 = vmul(t2, t2);
  vf a = vfma(vset1(0.17087277f), t, vset1(-0.82215223f));
  vf b = vfma(vset1(1.48851587f), t, vset1(-1.13520398f));
  vf c = vfma(vset1(0.27886807f), t, vset1(-0.18628806f));
  vf d = vfma(vset1(0.09678418f), t, vset1(0.37409196f));
  vf e = vfma(vset1(1.00002368f), t, vset1(-1.26551223f));
  vf ab = vfma(a, t2, b), cd = vfma(c, t2, d);
  vf p = vfma(vfma(ab, t4, cd), t2, e);
  return vmul(t, vexp_neg(vfnma(z, z, p)));
}

/* Φ(x) = 0.5·erfc(−x/√2), accurate in both tails (no 1 + erf cancellation). */
LF_INLINE vf vnormcdf_erfc(vf x) {
  vf e = verfc_pos(vmul(vabs(x), vset1(0.70710678118654752f)));
  vf h = vmul(vset1(0.5f), e);
  return vsel(vge(x, vzero()), vsub(vset1(1.0f), h), h);
}

#endif
