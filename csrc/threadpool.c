// A small persistent thread pool: N-1 workers plus the calling thread, dynamic task scheduling
// through an atomic counter, workers spin briefly then sleep on a condition variable.
// Sized by LMFORGE_THREADS (set from JS through setThreads), default: the CPUs this process may use.
#define _GNU_SOURCE
#include "lmforge.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define SPIN_ITERS 20000

static struct {
  pthread_mutex_t mu;
  pthread_cond_t start_cv, done_cv;
  int nthreads;              /* pool size including the caller; 0 = not initialised */
  int nworkers;              /* workers started */
  pthread_t th[LF_MAX_THREADS];
  atomic_uint gen;           /* job generation, bumped per job */
  atomic_int remaining;      /* workers that have not finished the current job */
  atomic_size_t next;        /* next task index */
  lf_task_fn fn;
  void *ctx;
  size_t ntasks;
  int used;                  /* threads taking part in the current job */
  int quit;
  unsigned start_gen;        /* generation when the workers were started */
} P = { .mu = PTHREAD_MUTEX_INITIALIZER, .start_cv = PTHREAD_COND_INITIALIZER, .done_cv = PTHREAD_COND_INITIALIZER };

static __thread int tl_busy = 0;   /* this thread is running pool tasks (nested calls run inline) */
static __thread int tl_tid = 0;
int lf_oom = 0;

static int default_threads(void) {
  const char *env = getenv("LMFORGE_THREADS");
  if (env && atoi(env) > 0) return atoi(env);
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

static void run_tasks(int tid) {
  tl_busy = 1;
  tl_tid = tid;
  for (;;) {
    size_t t = atomic_fetch_add_explicit(&P.next, 1, memory_order_relaxed);
    if (t >= P.ntasks) break;
    P.fn(P.ctx, t, tid);
  }
  tl_busy = 0;
  tl_tid = 0;
}

static unsigned wait_job(unsigned seen) {
  for (int i = 0; i < SPIN_ITERS; i++) {
    unsigned g = atomic_load_explicit(&P.gen, memory_order_acquire);
    if (g != seen) return g;
    lf_cpu_relax();
  }
  pthread_mutex_lock(&P.mu);
  unsigned g;
  while ((g = atomic_load_explicit(&P.gen, memory_order_acquire)) == seen) pthread_cond_wait(&P.start_cv, &P.mu);
  pthread_mutex_unlock(&P.mu);
  return g;
}

static void *worker(void *arg) {
  int tid = (int)(intptr_t)arg;
  unsigned seen = P.start_gen; /* not the live value: a job may already have been posted */
  for (;;) {
    seen = wait_job(seen);
    if (P.quit) return NULL;
    if (tid < P.used) run_tasks(tid);
    if (atomic_fetch_sub_explicit(&P.remaining, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&P.mu);
      pthread_cond_signal(&P.done_cv);
      pthread_mutex_unlock(&P.mu);
    }
  }
}

static void stop_workers(void) {
  if (P.nworkers == 0) return;
  pthread_mutex_lock(&P.mu);
  P.quit = 1;
  atomic_fetch_add(&P.gen, 1);
  pthread_cond_broadcast(&P.start_cv);
  pthread_mutex_unlock(&P.mu);
  for (int i = 0; i < P.nworkers; i++) pthread_join(P.th[i + 1], NULL);
  P.nworkers = 0;
  P.quit = 0;
}

static void start_workers(int n) {
  P.nthreads = n;
  P.start_gen = atomic_load(&P.gen);
  for (int i = 1; i < n; i++) {
    if (pthread_create(&P.th[i], NULL, worker, (void *)(intptr_t)i) != 0) { P.nthreads = i; break; }
    P.nworkers++;
  }
}

static void ensure_init(void) {
  if (P.nthreads == 0) {
    int n = default_threads();
    start_workers(n < 1 ? 1 : n > LF_MAX_THREADS ? LF_MAX_THREADS : n);
  }
}

int lf_pool_busy(void) { return tl_busy; }

int lf_threads(void) { ensure_init(); return P.nthreads; }

void lf_set_threads(int n) {
  if (n < 1) n = 1;
  if (n > LF_MAX_THREADS) n = LF_MAX_THREADS;
  ensure_init();
  if (n == P.nthreads) return;
  stop_workers();
  start_workers(n);
}

int lf_threads_for(double work, double grain) {
  int nt = lf_threads();
  if (grain <= 0) return nt;
  double k = work / grain;
  if (k < 2) return 1;
  return k < nt ? (int)k : nt;
}

void lf_parallel(size_t ntasks, int max_threads, lf_task_fn fn, void *ctx) {
  if (ntasks == 0) return;
  int nt = lf_threads();
  if (max_threads > 0 && max_threads < nt) nt = max_threads;
  if ((size_t)nt > ntasks) nt = (int)ntasks;
  if (nt <= 1 || tl_busy) {
    int tid = tl_tid;
    for (size_t t = 0; t < ntasks; t++) fn(ctx, t, tid);
    return;
  }
  pthread_mutex_lock(&P.mu);
  P.fn = fn;
  P.ctx = ctx;
  P.ntasks = ntasks;
  P.used = nt;
  atomic_store_explicit(&P.next, 0, memory_order_relaxed);
  atomic_store_explicit(&P.remaining, P.nworkers, memory_order_relaxed);
  atomic_fetch_add_explicit(&P.gen, 1, memory_order_release);
  pthread_cond_broadcast(&P.start_cv);
  pthread_mutex_unlock(&P.mu);
  run_tasks(0);
  for (int i = 0; i < SPIN_ITERS; i++) {
    if (atomic_load_explicit(&P.remaining, memory_order_acquire) == 0) return;
    lf_cpu_relax();
  }
  pthread_mutex_lock(&P.mu);
  while (atomic_load_explicit(&P.remaining, memory_order_acquire) != 0) pthread_cond_wait(&P.done_cv, &P.mu);
  pthread_mutex_unlock(&P.mu);
}

/* ---- per-thread scratch ---- */
static void *scratch[LF_MAX_THREADS][LF_SCRATCH_SLOTS];
static size_t scratch_size[LF_MAX_THREADS][LF_SCRATCH_SLOTS];

void *lf_scratch(int tid, int slot, size_t bytes) {
  if (bytes == 0) bytes = 64;
  if (scratch_size[tid][slot] < bytes) {
    free(scratch[tid][slot]);
    size_t want = bytes + bytes / 4;
    void *p = NULL;
    /* big buffers (GEMM panels) on 2 MiB boundaries and, where the kernel allows, huge pages: fewer TLB misses */
    size_t align = want >= (1u << 20) ? (2u << 20) : 64;
    if (align > 64) want = (want + align - 1) / align * align;
    if (posix_memalign(&p, align, want) != 0) { scratch[tid][slot] = NULL; scratch_size[tid][slot] = 0; lf_oom = 1; return NULL; }
#ifdef MADV_HUGEPAGE
    if (align > 64) madvise(p, want, MADV_HUGEPAGE);
#endif
    scratch[tid][slot] = p;
    scratch_size[tid][slot] = want;
  }
  return scratch[tid][slot];
}

/* Huge-page advice for a large buffer allocated elsewhere (a tensor's Float32Array): madvise(MADV_HUGEPAGE) over its
   whole 4 KiB pages, so that the 2 MiB-aligned parts first touched afterwards may get 2 MiB pages (fewer TLB misses
   in GEMM packing and in kernels that stream; numpy gives its arrays of 4 MiB and more the same advice). Where
   transparent huge pages are "always" or "never" this changes nothing. Returns 1 when the advice was taken. */
int lf_advise_huge(void *p, size_t bytes) {
#ifdef MADV_HUGEPAGE
  uintptr_t lo = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, hi = ((uintptr_t)p + bytes) & ~(uintptr_t)4095;
  if (hi <= lo) return 0;
  return madvise((void *)lo, hi - lo, MADV_HUGEPAGE) == 0;
#else
  (void)p; (void)bytes;
  return 0;
#endif
}
