// In-process A/B of our SGEMM (lf_gemm) against a peer in the same process: OpenBLAS's cblas_sgemm
// (-DPEER_OPENBLAS) or our own GEMM as of another git revision (peer.c, built by run.sh with its symbols
// renamed). Both run on the same operands (2 MiB-aligned, huge-page advised) on the same core(s),
// alternating per sample (which side goes first alternates too), over GPT-2 124M's linear layers at 768
// tokens in the transpose forms linear forward (NT) and backward (NN dx, TN dW) use. Less noisy than two
// processes on a shared VM: the ratio of each back-to-back pair is what it reports.
//   usage: ab THREADS [REPS] [SHAPE-INDEX]    env: SETTLE=ms between samples (OpenBLAS's threads spin after a call),
//   COLD=1: operands evicted from the caches before every call (64 MiB written, not timed), as in a training step
//   where the previous op's data has replaced them; VERBOSE=1: every pair's GFLOP/s, and at the end whether
//   the huge pages asked for were granted (AnonHugePages)
#include "gemm.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifdef PEER_OPENBLAS
void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
void openblas_set_num_threads(int);
static const char *PEER = "openblas";
static void peer_threads(int n) { openblas_set_num_threads(n); }
static void peer_gemm(int ta, int tb, size_t M, size_t N, size_t K, const float *A, size_t lda, const float *B, size_t ldb, float *C) {
  cblas_sgemm(101 /* row-major */, ta ? 112 : 111, tb ? 112 : 111, (int)M, (int)N, (int)K, 1.0f, A, (int)lda, B, (int)ldb, 0.0f, C, (int)N);
}
#else
void peer_lf_gemm(int, int, size_t, size_t, size_t, float, const float *, size_t, ptrdiff_t, const float *, size_t, ptrdiff_t,
  float, float *, size_t, ptrdiff_t, size_t);
static const char *PEER = "peer revision";
static void peer_threads(int n) { (void)n; }   /* one pool (lf_set_threads) serves both */
static void peer_gemm(int ta, int tb, size_t M, size_t N, size_t K, const float *A, size_t lda, const float *B, size_t ldb, float *C) {
  peer_lf_gemm(ta, tb, M, N, K, 1.0f, A, lda, 0, B, ldb, 0, 0.0f, C, N, 0, 1);
}
#endif

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
/* evicts the caches' contents by writing 64 MiB (more than this CPU's L3) */
static void evict(void) {
  static char *junk;
  const size_t n = (size_t)64 << 20;
  if (!junk && !(junk = malloc(n))) { fprintf(stderr, "out of memory\n"); exit(1); }
  for (size_t i = 0; i < n; i += 64) junk[i]++;
}

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

static float *buffer(size_t n) {
  size_t bytes = (n * sizeof(float) + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
  float *p = aligned_alloc(2u << 20, bytes);
  if (!p) { fprintf(stderr, "out of memory\n"); exit(1); }
  madvise(p, bytes, MADV_HUGEPAGE);
  for (size_t i = 0; i < n; i++) p[i] = (float)rand() / RAND_MAX - 0.5f;
  return p;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s THREADS [REPS] [SHAPE-INDEX]\n", argv[0]); return 2; }
  int nt = atoi(argv[1]), reps = argc > 2 ? atoi(argv[2]) : 9, only = argc > 3 ? atoi(argv[3]) : -1;
  int settle = getenv("SETTLE") ? atoi(getenv("SETTLE")) : 0, cold = getenv("COLD") && atoi(getenv("COLD"));
  int verbose = getenv("VERBOSE") && atoi(getenv("VERBOSE"));
  if (reps < 1 || reps > 99) reps = 9;
  lf_set_threads(nt);
  peer_threads(nt);
  static const struct { const char *name; int ta, tb; size_t M, N, K; } S[] = {
    { "NT 768x3072x768 c_fc fwd", 0, 1, 768, 3072, 768 }, { "NN 768x768x3072 c_fc dx", 0, 0, 768, 768, 3072 },
    { "TN 3072x768x768 c_fc dW", 1, 0, 3072, 768, 768 }, { "NT 768x768x3072 mlp c_proj fwd", 0, 1, 768, 768, 3072 },
    { "NN 768x3072x768 mlp c_proj dx", 0, 0, 768, 3072, 768 }, { "TN 768x3072x768 mlp c_proj dW", 1, 0, 768, 3072, 768 },
    { "NT 768x2304x768 c_attn fwd", 0, 1, 768, 2304, 768 }, { "NN 768x768x2304 c_attn dx", 0, 0, 768, 768, 2304 },
    { "TN 2304x768x768 c_attn dW", 1, 0, 2304, 768, 768 }, { "NT 768x768x768 attn c_proj fwd", 0, 1, 768, 768, 768 },
    { "NN 768x768x768 attn c_proj dx", 0, 0, 768, 768, 768 }, { "TN 768x768x768 attn c_proj dW", 1, 0, 768, 768, 768 },
    /* the square cases of `npm run bench -- gemm`: by index only (12-15) */
    { "NN 256x256x256", 0, 0, 256, 256, 256 }, { "NN 512x512x512", 0, 0, 512, 512, 512 },
    { "NN 1024x1024x1024", 0, 0, 1024, 1024, 1024 }, { "NN 2048x2048x2048", 0, 0, 2048, 2048, 2048 },
  };
  const int transformer = 12;   /* S[0..11]: GPT-2 124M's linear layers */
  const size_t most = 2048 * 2048;
  float *A = buffer(most), *B = buffer(most), *C = buffer(most);
  printf("%d thread%s, %d pairs per shape, %s caches, peer: %s; GFLOP/s of all samples, then ours/peer per pair: median (range)\n",
    nt, nt == 1 ? "" : "s", reps, cold ? "cold" : "warm", PEER);
  double logsum = 0;
  int shapes = 0;
  for (int s = 0; s < (int)(sizeof S / sizeof S[0]); s++) {
    if (only >= 0 ? s != only : s >= transformer) continue;
    int ta = S[s].ta, tb = S[s].tb;
    size_t M = S[s].M, N = S[s].N, K = S[s].K, lda = ta ? M : K, ldb = tb ? K : N;
    double flop = 2.0 * M * N * K, t[2] = { 0, 0 }, ratio[99];
    int calls = (int)(0.03 / (flop / (100e9 * nt))) + 1;   /* about 30 ms a sample */
    lf_gemm(ta, tb, M, N, K, 1.0f, A, lda, 0, B, ldb, 0, 0.0f, C, N, 0, 1);
    peer_gemm(ta, tb, M, N, K, A, lda, B, ldb, C);
    for (int r = 0; r < reps; r++) {
      double pair[2];
      for (int i = 0; i < 2; i++) {
        int side = (r & 1) ? 1 - i : i;   /* 0: ours, 1: the peer */
        if (settle) usleep((useconds_t)settle * 1000);
        pair[side] = 0;
        for (int c = 0; c < calls; c++) {
          if (cold) evict();
          double t0 = now();
          if (side == 0) lf_gemm(ta, tb, M, N, K, 1.0f, A, lda, 0, B, ldb, 0, 0.0f, C, N, 0, 1);
          else peer_gemm(ta, tb, M, N, K, A, lda, B, ldb, C);
          pair[side] += now() - t0;
        }
        t[side] += pair[side];
      }
      ratio[r] = pair[1] / pair[0];
      if (verbose) printf("  pair %2d: ours %6.1f  peer %6.1f GFLOP/s  ours/peer %.3f\n", r, flop * calls / pair[0] / 1e9, flop * calls / pair[1] / 1e9, ratio[r]);
    }
    qsort(ratio, (size_t)reps, sizeof ratio[0], cmp);
    printf("%-32s ours %6.1f  peer %6.1f  ours/peer %.3f (%.3f-%.3f)\n", S[s].name, flop * calls * reps / t[0] / 1e9,
      flop * calls * reps / t[1] / 1e9, ratio[reps / 2], ratio[0], ratio[reps - 1]);
    logsum += __builtin_log(ratio[reps / 2]);
    shapes++;
  }
  if (shapes > 1) printf("geometric mean of the per-shape medians: %.3f\n", __builtin_exp(logsum / shapes));
  if (verbose) {   /* whether the kernel granted the huge pages asked for */
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) if (!strncmp(line, "AnonHugePages:", 14) || !strncmp(line, "Rss:", 4)) fputs(line, stdout);
    if (f) fclose(f);
  }
  return 0;
}
