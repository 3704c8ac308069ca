// Peak fp32 FMA throughput microbenchmark (bench/peak.ts): every thread runs 12 independent chains
// of vector FMAs (enough to cover FMA latency × ports on Zen 3 / Skylake-X) for `ms` milliseconds.
// The result, in GFLOP/s over all threads, is the ceiling the GEMM benchmark reports against.
#include "lmforge.h"
#include "simd.h"
#include <time.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct { double ms; double flops[LF_MAX_THREADS]; } peak_job;

#if defined(LF_AVX512) && !defined(__AVX512F__)
#define KEEP(x) __asm__ volatile("" : "+m"(x))   /* SIMDe's emulated vectors (a test build) */
#elif defined(LF_AVX2) || defined(LF_AVX512)
#define KEEP(x) __asm__ volatile("" : "+v"(x))
#else
#define KEEP(x) __asm__ volatile("" : "+r"(x))
#endif

static void peak_task(void *ctx, size_t t, int tid) {
  (void)tid;
  peak_job *j = ctx;
  vf a = vset1(0.999f), b = vset1(1e-3f);
  vf c0 = vzero(), c1 = vzero(), c2 = vzero(), c3 = vzero(), c4 = vzero(), c5 = vzero();
  vf c6 = vzero(), c7 = vzero(), c8 = vzero(), c9 = vzero(), c10 = vzero(), c11 = vzero();
  double t0 = now_s(), iters = 0;
  do {
    for (int i = 0; i < 4096; i++) {
      c0 = vfma(c0, a, b); c1 = vfma(c1, a, b); c2 = vfma(c2, a, b); c3 = vfma(c3, a, b);
      c4 = vfma(c4, a, b); c5 = vfma(c5, a, b); c6 = vfma(c6, a, b); c7 = vfma(c7, a, b);
      c8 = vfma(c8, a, b); c9 = vfma(c9, a, b); c10 = vfma(c10, a, b); c11 = vfma(c11, a, b);
      KEEP(c0); KEEP(c1); KEEP(c2); KEEP(c3); KEEP(c4); KEEP(c5);
      KEEP(c6); KEEP(c7); KEEP(c8); KEEP(c9); KEEP(c10); KEEP(c11);
    }
    iters += 4096;
  } while ((now_s() - t0) * 1000.0 < j->ms);
  vf s = vadd(vadd(vadd(c0, c1), vadd(c2, c3)), vadd(vadd(c4, c5), vadd(c6, c7)));
  s = vadd(s, vadd(vadd(c8, c9), vadd(c10, c11)));
  volatile float sink = vhsum(s);
  (void)sink;
  j->flops[t] = iters * 12.0 * VW * 2.0;
}

double lf_peak_gflops(int threads, double ms) {
  if (threads < 1) threads = 1;
  if (threads > lf_threads()) threads = lf_threads();
  peak_job j;
  j.ms = ms;
  double t0 = now_s();
  lf_parallel((size_t)threads, threads, peak_task, &j);
  double dt = now_s() - t0, total = 0;
  for (int i = 0; i < threads; i++) total += j.flops[i];
  return total / dt / 1e9;
}

const char *lf_simd_name(void) { return LF_SIMD; }
