// SGEMM micro-kernels (AVX-512 12×32, AVX2+FMA 6×16, portable 4×8) and operand packing.
// The micro-kernel keeps the whole MR×NR tile of C in registers and streams packed panels of A
// (one broadcast per row) and B (NR/VW vector loads) per k, as BLIS's haswell/skx kernels do.
#include "gemm.h"
#include <string.h>

/* ---------------- micro-kernels ---------------- */

/* Writes one row of the accumulated tile: C = alpha·acc + beta·C (+ bias). */
#define STORE_ROW(row, acc0, acc1)                                                     \
  do {                                                                                 \
    float *cr = C + (size_t)(row) * ldc;                                               \
    vf r0 = vmul(va, acc0), r1 = vmul(va, acc1);                                       \
    if (beta != 0.0f) { r0 = vfma(vb, vload(cr), r0); r1 = vfma(vb, vload(cr + VW), r1); } \
    if (bias) { r0 = vadd(r0, bias0); r1 = vadd(r1, bias1); }                          \
    vstore(cr, r0); vstore(cr + VW, r1);                                               \
  } while (0)

#define SPILL_ROW(row, acc0, acc1) do { vstore(tile + (row) * NR, acc0); vstore(tile + (row) * NR + VW, acc1); } while (0)

/* Partial tiles go through a small buffer and a scalar write-back. */
static void store_partial(const float *tile, float *C, size_t ldc, size_t m, size_t n, float alpha, float beta, const float *bias) {
  for (size_t i = 0; i < m; i++) {
    float *cr = C + i * ldc;
    for (size_t j = 0; j < n; j++) {
      float r = alpha * tile[i * NR + j];
      if (beta != 0.0f) r += beta * cr[j];
      if (bias) r += bias[j];
      cr[j] = r;
    }
  }
}

#if defined(LF_AVX512) || defined(LF_AVX2)
/* The C tile's m rows (first and last line of each) are fetched while the k loop runs (AVX2: +8%). */
LF_INLINE void prefetch_c_tile(const float *C, size_t ldc, size_t m) {
  for (size_t i = 0; i < m; i++) {
    _mm_prefetch((const char *)(C + i * ldc), _MM_HINT_T0);
    _mm_prefetch((const char *)(C + i * ldc + NR - 1), _MM_HINT_T0);
  }
}
#endif

#if defined(LF_AVX512)

void lf_ukernel(size_t kc, const float *a, const float *b, float *C, size_t ldc, size_t m, size_t n,
  float alpha, float beta, const float *bias) {
  prefetch_c_tile(C, ldc, m);   /* as the AVX2 kernel (+8% there); unmeasured on AVX-512 */
  __m512 c00 = vzero(), c01 = vzero(), c10 = vzero(), c11 = vzero(), c20 = vzero(), c21 = vzero();
  __m512 c30 = vzero(), c31 = vzero(), c40 = vzero(), c41 = vzero(), c50 = vzero(), c51 = vzero();
  __m512 c60 = vzero(), c61 = vzero(), c70 = vzero(), c71 = vzero(), c80 = vzero(), c81 = vzero();
  __m512 c90 = vzero(), c91 = vzero(), cA0 = vzero(), cA1 = vzero(), cB0 = vzero(), cB1 = vzero();
#define R512(i, x0, x1) { __m512 ai = _mm512_set1_ps(a[i]); x0 = _mm512_fmadd_ps(ai, b0, x0); x1 = _mm512_fmadd_ps(ai, b1, x1); }
#pragma GCC unroll 4
  for (size_t p = 0; p < kc; p++) {
    __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
    _mm_prefetch((const char *)(b + 8 * NR), _MM_HINT_T0);
    R512(0, c00, c01) R512(1, c10, c11) R512(2, c20, c21) R512(3, c30, c31)
    R512(4, c40, c41) R512(5, c50, c51) R512(6, c60, c61) R512(7, c70, c71)
    R512(8, c80, c81) R512(9, c90, c91) R512(10, cA0, cA1) R512(11, cB0, cB1)
    a += MR;
    b += NR;
  }
#undef R512
  if (m == MR && n == NR) {
    vf va = vset1(alpha), vb = vset1(beta);
    vf bias0 = bias ? vload(bias) : vzero(), bias1 = bias ? vload(bias + VW) : vzero();
    STORE_ROW(0, c00, c01); STORE_ROW(1, c10, c11); STORE_ROW(2, c20, c21); STORE_ROW(3, c30, c31);
    STORE_ROW(4, c40, c41); STORE_ROW(5, c50, c51); STORE_ROW(6, c60, c61); STORE_ROW(7, c70, c71);
    STORE_ROW(8, c80, c81); STORE_ROW(9, c90, c91); STORE_ROW(10, cA0, cA1); STORE_ROW(11, cB0, cB1);
    return;
  }
  float tile[MR * NR] __attribute__((aligned(64)));
  SPILL_ROW(0, c00, c01); SPILL_ROW(1, c10, c11); SPILL_ROW(2, c20, c21); SPILL_ROW(3, c30, c31);
  SPILL_ROW(4, c40, c41); SPILL_ROW(5, c50, c51); SPILL_ROW(6, c60, c61); SPILL_ROW(7, c70, c71);
  SPILL_ROW(8, c80, c81); SPILL_ROW(9, c90, c91); SPILL_ROW(10, cA0, cA1); SPILL_ROW(11, cB0, cB1);
  store_partial(tile, C, ldc, m, n, alpha, beta, bias);
}

#elif defined(LF_AVX2)

typedef struct { float alpha, beta; const float *bias; } store_params;

/* The k loop and the store of a full tile. Alpha, beta and bias come through memory so that all
   16 ymm registers hold the tile and operands during the loop (no spills). */
__attribute__((noinline)) static void ukr_full(size_t kc, const float *a, const float *b, float *C, size_t ldc,
  const store_params *sp, float *spill, int bstream) {
  __m256 c00 = vzero(), c01 = vzero(), c10 = vzero(), c11 = vzero(), c20 = vzero(), c21 = vzero();
  __m256 c30 = vzero(), c31 = vzero(), c40 = vzero(), c41 = vzero(), c50 = vzero(), c51 = vzero();
#define R256(i, x0, x1) { __m256 ai = _mm256_broadcast_ss(a + i); x0 = _mm256_fmadd_ps(ai, b0, x0); x1 = _mm256_fmadd_ps(ai, b1, x1); }
  /* the operand that streams from L2 is prefetched: A in lf_macro's order (B panel in L1), B in
     lf_macro_rows' order (A panel in L1, B block in L2; 16 k ahead = 1 KiB) */
#define KLOOP(pf)                                                         \
  _Pragma("GCC unroll 4") for (size_t p = 0; p < kc; p++) {               \
    __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);          \
    _mm_prefetch((const char *)(pf), _MM_HINT_T0);                        \
    R256(0, c00, c01) R256(1, c10, c11) R256(2, c20, c21)                 \
    R256(3, c30, c31) R256(4, c40, c41) R256(5, c50, c51)                 \
    a += MR;                                                              \
    b += NR;                                                              \
  }
  if (bstream) { KLOOP(b + 16 * NR) } else { KLOOP(a + 16 * MR) }
#undef KLOOP
#undef R256
  if (spill) {
    float *tile = spill;
    SPILL_ROW(0, c00, c01); SPILL_ROW(1, c10, c11); SPILL_ROW(2, c20, c21);
    SPILL_ROW(3, c30, c31); SPILL_ROW(4, c40, c41); SPILL_ROW(5, c50, c51);
    return;
  }
  const float alpha = sp->alpha, beta = sp->beta;
  const float *bias = sp->bias;
  vf va = vset1(alpha), vb = vset1(beta);
  vf bias0 = bias ? vload(bias) : vzero(), bias1 = bias ? vload(bias + VW) : vzero();
  STORE_ROW(0, c00, c01); STORE_ROW(1, c10, c11); STORE_ROW(2, c20, c21);
  STORE_ROW(3, c30, c31); STORE_ROW(4, c40, c41); STORE_ROW(5, c50, c51);
}

static void ukernel_pf(size_t kc, const float *a, const float *b, float *C, size_t ldc, size_t m, size_t n,
  float alpha, float beta, const float *bias, int bstream) {
  prefetch_c_tile(C, ldc, m);
  store_params sp = { alpha, beta, bias };
  if (m == MR && n == NR) { ukr_full(kc, a, b, C, ldc, &sp, NULL, bstream); return; }
  float tile[MR * NR] __attribute__((aligned(64)));
  ukr_full(kc, a, b, C, ldc, &sp, tile, bstream);
  store_partial(tile, C, ldc, m, n, alpha, beta, bias);
}

void lf_ukernel(size_t kc, const float *a, const float *b, float *C, size_t ldc, size_t m, size_t n,
  float alpha, float beta, const float *bias) {
  ukernel_pf(kc, a, b, C, ldc, m, n, alpha, beta, bias, 0);
}
#define ukernel_rows(kc, a, b, C, ldc, m, n, alpha, beta, bias) ukernel_pf(kc, a, b, C, ldc, m, n, alpha, beta, bias, 1)

#else

void lf_ukernel(size_t kc, const float *a, const float *b, float *C, size_t ldc, size_t m, size_t n,
  float alpha, float beta, const float *bias) {
  float tile[MR * NR];
  for (size_t i = 0; i < MR * NR; i++) tile[i] = 0.0f;
  for (size_t p = 0; p < kc; p++) {
    for (size_t i = 0; i < MR; i++) {
      const float ai = a[i];
      for (size_t j = 0; j < NR; j++) tile[i * NR + j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }
  store_partial(tile, C, ldc, m, n, alpha, beta, bias);
}

#endif

#ifndef ukernel_rows
#define ukernel_rows lf_ukernel
#endif

/* ---------------- packing ---------------- */

#if defined(LF_AVX2) || defined(LF_AVX512)
/* 8×8 transpose of rows r[0..7] (8 floats each) into columns. */
LF_INLINE void transpose8(__m256 *r) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20); r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20); r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31); r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31); r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}
#define HAVE_T8 1
#endif

#ifdef HAVE_T8
/* Rows j0 .. j0+g of src (g = 8 or 4; rows from w on read as zeros) × 8 k from k, transposed into
   dst[(k+kk)·W + j0 + j], scaled by va when `scale`. */
LF_INLINE void gather_8k(const float *src, size_t ld, size_t k, size_t j0, size_t g, size_t w, size_t W, float *dst,
  __m256 va, int scale) {
  __m256 r[8];
  for (size_t j = 0; j < 8; j++) r[j] = j < g && j0 + j < w ? _mm256_loadu_ps(src + (j0 + j) * ld + k) : _mm256_setzero_ps();
  if (scale) for (int j = 0; j < 8; j++) r[j] = _mm256_mul_ps(r[j], va);
  transpose8(r);
  float *d = dst + k * W + j0;
  if (g == 8) for (int kk = 0; kk < 8; kk++) _mm256_storeu_ps(d + kk * W, r[kk]);
  else for (int kk = 0; kk < 8; kk++) _mm_storeu_ps(d + kk * W, _mm256_castps256_ps128(r[kk]));
}
#endif

/* dst[k*W + j] = src[j*ld + k] for j < w (zero for w ≤ j < W), k < kc: the gather form of packing
   (op(A) rows from a row-major A, op(B) columns from a transposed B). Panel-major, 16 k (one cache line of
   each source row) at a time: rows a multiple of 4 KiB apart share one L1 set, so a line read 8 floats at a
   time could be evicted before its second half is used (AVX-512's 12-row A panels of a 768×3072 A went
   through a scalar loop here at 5.5 GB/s). The next panel's W rows are prefetched alongside (operands cold
   from a previous op: +2-7% on the NN/NT shapes of a training step in a C harness). */
static void pack_gather(size_t kc, size_t w, size_t W, const float *src, size_t ld, float *dst, float alpha) {
  size_t k = 0;
#ifdef HAVE_T8
  const __m256 va = _mm256_set1_ps(alpha);   /* alpha scales the rows as they are loaded (Q·scale in attention) */
  const int scale = alpha != 1.0f;
  if (W % 4 == 0) {   /* groups of 8 rows, then one of 4 */
    for (; k + 16 <= kc; k += 16) {
      for (size_t j = 0; j < W; j++) _mm_prefetch((const char *)(src + (W + j) * ld + k), _MM_HINT_T1);
      for (size_t j0 = 0; j0 < W; j0 += 8) {
        size_t g = W - j0 >= 8 ? 8 : 4;
        gather_8k(src, ld, k, j0, g, w, W, dst, va, scale);
        gather_8k(src, ld, k + 8, j0, g, w, W, dst, va, scale);
      }
    }
    for (; k + 8 <= kc; k += 8)
      for (size_t j0 = 0; j0 < W; j0 += 8) gather_8k(src, ld, k, j0, W - j0 >= 8 ? 8 : 4, w, W, dst, va, scale);
  } else if (w == W && W == 6) {
    /* six rows through one 8×8 transpose (two zero rows); each 8-wide store's two extra lanes are
       overwritten by the next one, the last store of a block is split 4 + 2 */
    for (; k + 8 <= kc; k += 8) {
      __m256 r[8];
      if ((k & 15) == 0) for (int j = 0; j < 6; j++) _mm_prefetch((const char *)(src + (6 + j) * ld + k), _MM_HINT_T0);
      for (int j = 0; j < 6; j++) r[j] = _mm256_loadu_ps(src + j * ld + k);
      if (alpha != 1.0f) for (int j = 0; j < 6; j++) r[j] = _mm256_mul_ps(r[j], va);
      r[6] = r[7] = _mm256_setzero_ps();
      transpose8(r);
      float *d = dst + k * 6;
      for (int kk = 0; kk < 7; kk++) _mm256_storeu_ps(d + kk * 6, r[kk]);
      _mm_storeu_ps(d + 42, _mm256_castps256_ps128(r[7]));
      _mm_storel_pi((__m64 *)(d + 46), _mm256_extractf128_ps(r[7], 1));
    }
  }
#endif
  for (; k < kc; k++) {
    size_t j = 0;
    for (; j < w; j++) dst[k * W + j] = alpha * src[j * ld + k];
    for (; j < W; j++) dst[k * W + j] = 0.0f;
  }
}

/* Copy form of packing (op(A) rows from a transposed A, op(B) columns from a row-major B): k-outer
   within groups of 16 panels, so each source row segment is read once, sequentially (a panel-outer
   order would stride by ld and, for ld·4 a multiple of 4 KiB, hit one L1 set), while the writes go
   to at most 16 panels at a time (not hundreds of pages). Panel p of width W lands at dst + p·W·kc. */
static inline void pack_copy_all(size_t kc, size_t nc, const size_t W, const float *src, size_t ld, float *dst, float alpha) {
  size_t full = nc / W, rest = nc % W;
  for (size_t p0 = 0; p0 < full; p0 += 16) {
    size_t p1 = p0 + 16 < full ? p0 + 16 : full;
    for (size_t k = 0; k < kc; k++) {
      const float *s = src + k * ld;
      float *d = dst + k * W;
      /* row k + 4's segment is fetched ahead: rows a stride apart, each a few lines long, are not a stream
         the hardware prefetcher picks up (+4% on cold 512x128x768 TN in a C harness) */
      for (size_t o = 0; o < (p1 - p0) * W; o += 64 / sizeof(float)) __builtin_prefetch(s + 4 * ld + p0 * W + o, 0, 2);
      if (alpha == 1.0f) {
#ifdef HAVE_T8
        if (W % 8 == 0) {   /* whole ymm moves (memcpy of W floats compiles to 16-byte moves) */
          for (size_t p = p0; p < p1; p++)
            for (size_t j = 0; j < W; j += 8) _mm256_storeu_ps(d + p * W * kc + j, _mm256_loadu_ps(s + p * W + j));
          continue;
        }
#endif
        for (size_t p = p0; p < p1; p++) memcpy(d + p * W * kc, s + p * W, W * sizeof(float));
      } else {
        for (size_t p = p0; p < p1; p++) for (size_t j = 0; j < W; j++) d[p * W * kc + j] = alpha * s[p * W + j];
      }
    }
  }
  if (rest) {
    for (size_t k = 0; k < kc; k++) {
      const float *s = src + k * ld + full * W;
      float *dr = dst + full * W * kc + k * W;
      size_t j = 0;
      for (; j < rest; j++) dr[j] = alpha * s[j];
      for (; j < W; j++) dr[j] = 0.0f;
    }
  }
}

/* rowsum[r] += Σ_k d[k·MR + r] for r < m over one packed MR×kc panel: the panel read as a flat array in
   chunks of a common multiple of MR and VW floats (whole vectors, each lane always the same row: 24 for
   6 rows × 8 lanes), lanes folded at the end. */
#define LCM_CHUNK (MR % VW == 0 ? MR : VW % MR == 0 ? VW : MR * VW / (MR % 2 == 0 && VW % 2 == 0 ? 2 : 1))
static void panel_rowsum(size_t kc, size_t m, const float *d, float *rowsum) {
  enum { CH = LCM_CHUNK, NV = CH / VW };
  vf acc[NV];
  for (int v = 0; v < NV; v++) acc[v] = vzero();
  size_t n = kc * MR, i = 0;
  for (; i + CH <= n; i += CH)
    for (int v = 0; v < NV; v++) acc[v] = vadd(acc[v], vload(d + i + v * VW));
  float lanes[CH], s[MR];
  for (int v = 0; v < NV; v++) vstore(lanes + v * VW, acc[v]);
  for (int r = 0; r < MR; r++) s[r] = 0.0f;
  for (int l = 0; l < CH; l++) s[l % MR] += lanes[l];
  for (; i < n; i++) s[i % MR] += d[i];
  for (size_t r = 0; r < m; r++) rowsum[r] += s[r];
}

void lf_pack_a(int trans, size_t mc, size_t kc, const float *A, size_t lda, float *dst, float alpha, float *rowsum) {
  if (trans) pack_copy_all(kc, mc, MR, A, lda, dst, alpha);
  for (size_t i = 0; i < mc; i += MR) {
    size_t m = mc - i < MR ? mc - i : MR;
    float *d = dst + i * kc;
    if (!trans) pack_gather(kc, m, MR, A + i * lda, lda, d, alpha);
    if (rowsum) panel_rowsum(kc, m, d, rowsum + i);
  }
}

void lf_pack_b(int trans, size_t kc, size_t nc, const float *B, size_t ldb, float *dst) {
  if (!trans) { pack_copy_all(kc, nc, NR, B, ldb, dst, 1.0f); return; }
  for (size_t j = 0; j < nc; j += NR) {
    size_t n = nc - j < NR ? nc - j : NR;
    pack_gather(kc, n, NR, B + j * ldb, ldb, dst + j * kc, 1.0f);
  }
}

void lf_macro(size_t mc, size_t nc, size_t kc, const float *Ap, size_t a_stride, const float *Bp, size_t b_stride,
  float *C, size_t ldc, float alpha, float beta, const float *bias) {
  for (size_t j = 0; j < nc; j += NR) {
    size_t n = nc - j < NR ? nc - j : NR;
    const float *bp = Bp + (j / NR) * b_stride;
    const float *bj = bias ? bias + j : NULL;
    for (size_t i = 0; i < mc; i += MR) {
      size_t m = mc - i < MR ? mc - i : MR;
      lf_ukernel(kc, Ap + (i / MR) * a_stride, bp, C + i * ldc + j, ldc, m, n, alpha, beta, bj);
    }
  }
}

void lf_macro_rows(size_t mc, size_t nc, size_t kc, const float *Ap, size_t a_stride, const float *Bp, size_t b_stride,
  float *C, size_t ldc, float alpha, float beta, const float *bias) {
  for (size_t i = 0; i < mc; i += MR) {
    size_t m = mc - i < MR ? mc - i : MR;
    const float *ap = Ap + (i / MR) * a_stride;
    for (size_t j = 0; j < nc; j += NR) {
      size_t n = nc - j < NR ? nc - j : NR;
      ukernel_rows(kc, ap, Bp + (j / NR) * b_stride, C + i * ldc + j, ldc, m, n, alpha, beta, bias ? bias + j : NULL);
    }
  }
}
