// A test build only (csrc/build-variant.sh avx512-emulated): the AVX-512 code paths on a CPU without them,
// through SIMDe's portable implementations of the _mm512 intrinsics (Debian libsimde-dev), so that the test
// suite runs the 12×32 micro-kernel and the 16-lane vector math. Correctness, not speed. Included by simd.h.
#ifndef LMFORGE_SIMD_EMULATE512_H
#define LMFORGE_SIMD_EMULATE512_H

#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
/* the few intrinsics SIMDe 0.7.4 lacks, lane by lane (masked-off lanes are never read or written) */
static inline simde__m512 lf_emu_mask_loadu_ps(simde__m512 src, uint16_t k, const void *p) {
  float t[16];
  simde_mm512_storeu_ps(t, src);
  for (int i = 0; i < 16; i++) if (k >> i & 1) t[i] = ((const float *)p)[i];
  return simde_mm512_loadu_ps(t);
}
static inline void lf_emu_mask_storeu_ps(void *p, uint16_t k, simde__m512 v) {
  float t[16];
  simde_mm512_storeu_ps(t, v);
  for (int i = 0; i < 16; i++) if (k >> i & 1) ((float *)p)[i] = t[i];
}
static inline float lf_emu_reduce_add_ps(simde__m512 v) {   /* halves added pairwise, as the native sequence */
  float t[16];
  simde_mm512_storeu_ps(t, v);
  for (int w = 8; w > 0; w >>= 1) for (int i = 0; i < w; i++) t[i] += t[i + w];
  return t[0];
}
static inline float lf_emu_reduce_max_ps(simde__m512 v) {
  float t[16];
  simde_mm512_storeu_ps(t, v);
  for (int w = 8; w > 0; w >>= 1) for (int i = 0; i < w; i++) t[i] = t[i] > t[i + w] ? t[i] : t[i + w];
  return t[0];
}
static inline simde__m512i lf_emu_cvtps_epi32(simde__m512 v) {   /* round to nearest even, as the instruction */
  float t[16];
  int32_t r[16];
  simde_mm512_storeu_ps(t, v);
  for (int i = 0; i < 16; i++) r[i] = (int32_t)nearbyintf(t[i]);
  return simde_mm512_loadu_si512(r);
}
/* truncation; NaN and out-of-range lanes give INT32_MIN, as the instruction does */
static inline simde__m512i lf_emu_cvttps_epi32(simde__m512 v) {
  float t[16];
  int32_t r[16];
  simde_mm512_storeu_ps(t, v);
  for (int i = 0; i < 16; i++) r[i] = t[i] > -2147483904.0f && t[i] < 2147483648.0f ? (int32_t)t[i] : INT32_MIN;
  return simde_mm512_loadu_si512(r);
}
static inline simde__m512 lf_emu_cvtepi32_ps(simde__m512i v) {
  int32_t r[16];
  float t[16];
  simde_mm512_storeu_si512(r, v);
  for (int i = 0; i < 16; i++) t[i] = (float)r[i];
  return simde_mm512_loadu_ps(t);
}
/* SIMDe's scalef is a·exp2(floor(b)), which overflows for b = 128 where the instruction gives a finite a·2^128 */
static inline simde__m512 lf_emu_scalef_ps(simde__m512 a, simde__m512 b) {
  float x[16], e[16];
  simde_mm512_storeu_ps(x, a);
  simde_mm512_storeu_ps(e, b);
  for (int i = 0; i < 16; i++) {
    float f = floorf(e[i]);
    x[i] = f != f ? f : ldexpf(x[i], f > 400.0f ? 400 : f < -400.0f ? -400 : (int)f);
  }
  return simde_mm512_loadu_ps(x);
}
#undef _mm512_scalef_ps
#define _mm512_scalef_ps lf_emu_scalef_ps
#define _mm512_mask_loadu_ps lf_emu_mask_loadu_ps
#define _mm512_mask_storeu_ps lf_emu_mask_storeu_ps
#define _mm512_reduce_add_ps lf_emu_reduce_add_ps
#define _mm512_reduce_max_ps lf_emu_reduce_max_ps
#define _mm512_cvtps_epi32 lf_emu_cvtps_epi32
#define _mm512_cvttps_epi32 lf_emu_cvttps_epi32
#define _mm512_cvtepi32_ps lf_emu_cvtepi32_ps
static inline void lf_emu_stream_ps(void *p, simde__m512 v) {   /* the aligned store the instruction requires */
  if ((uintptr_t)p & 63) __builtin_trap();
  simde_mm512_storeu_ps(p, v);
}
#define _mm512_stream_ps lf_emu_stream_ps

#endif
