/* The runtime's thread pool (nest_rt_threads.h, nest_set_threads in nest_runtime.h): pthreads only.
 *
 * Workers wait for a job by spinning a short while on a generation counter (a model runs its
 * kernels back to back, so the next job usually comes within microseconds), then sleep on a
 * condition variable. The dispatcher publishes the job, bumps the generation, wakes sleepers
 * (only when there are any), runs units itself and waits until every worker has finished. All
 * shared fields are accessed with GCC/Clang __atomic builtins (sequentially consistent where a
 * sleeper and the dispatcher must see each other's writes). One pool per copy of the runtime: a
 * bundle loaded as a shared library stops its workers when it is unloaded (destructor below). */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nest_rt_threads.h"

#define MAX_THREADS 256
#define SPIN_ROUNDS 20000 /* about 50-200 us of polling before a worker sleeps */

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield")
#else
#define cpu_relax() ((void)0)
#endif

typedef struct pool {
  int threads; /* the caller included; 1 = no workers */
  pthread_t tid[MAX_THREADS];
  void *scratch[MAX_THREADS]; /* per worker (index 0 unused: the caller brings its own) */
  size_t scratch_bytes;
  pthread_mutex_t mu;
  pthread_cond_t wake;
  int sleepers; /* workers waiting on `wake` */
  int stop;
  uint64_t generation; /* bumped once per job */
  uint64_t start_generation; /* generation when the workers were created */
  int busy;            /* a parallel call is running */
  /* the job */
  nest_rt_task task;
  void *ctx;
  int64_t units;
  int64_t next;    /* next unit to take */
  int pending;     /* workers still on the job */
} pool;

static pool g_pool = {1, {0}, {0}, 0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

static void run_units(void *scratch) {
  for (;;) {
    const int64_t u = __atomic_fetch_add(&g_pool.next, 1, __ATOMIC_RELAXED);
    if (u >= g_pool.units) return;
    g_pool.task(g_pool.ctx, u, scratch);
  }
}

static void *worker(void *arg) {
  const int id = (int)(intptr_t)arg;
  /* the generation when the pool was started, not now: a job may already be out */
  uint64_t seen = g_pool.start_generation;
  for (;;) {
    int spins = 0;
    uint64_t gen;
    while ((gen = __atomic_load_n(&g_pool.generation, __ATOMIC_SEQ_CST)) == seen &&
           !__atomic_load_n(&g_pool.stop, __ATOMIC_SEQ_CST)) {
      if (++spins < SPIN_ROUNDS) {
        cpu_relax();
        continue;
      }
      pthread_mutex_lock(&g_pool.mu);
      __atomic_add_fetch(&g_pool.sleepers, 1, __ATOMIC_SEQ_CST);
      while (__atomic_load_n(&g_pool.generation, __ATOMIC_SEQ_CST) == seen &&
             !__atomic_load_n(&g_pool.stop, __ATOMIC_SEQ_CST))
        pthread_cond_wait(&g_pool.wake, &g_pool.mu);
      __atomic_sub_fetch(&g_pool.sleepers, 1, __ATOMIC_SEQ_CST);
      pthread_mutex_unlock(&g_pool.mu);
      spins = 0;
    }
    if (__atomic_load_n(&g_pool.stop, __ATOMIC_SEQ_CST)) return NULL;
    seen = gen;
    run_units(g_pool.scratch[id]);
    __atomic_sub_fetch(&g_pool.pending, 1, __ATOMIC_RELEASE);
  }
}

static void stop_workers(void) {
  int i;
  if (g_pool.threads <= 1) return;
  pthread_mutex_lock(&g_pool.mu);
  __atomic_store_n(&g_pool.stop, 1, __ATOMIC_SEQ_CST);
  pthread_cond_broadcast(&g_pool.wake);
  pthread_mutex_unlock(&g_pool.mu);
  for (i = 1; i < g_pool.threads; ++i) {
    pthread_join(g_pool.tid[i], NULL);
    free(g_pool.scratch[i]);
    g_pool.scratch[i] = NULL;
  }
  g_pool.threads = 1;
  g_pool.scratch_bytes = 0;
  __atomic_store_n(&g_pool.stop, 0, __ATOMIC_SEQ_CST);
}

/* Unloading a bundle (dlclose) or leaving the program joins the workers and frees their scratch. */
__attribute__((destructor)) static void nest_rt_threads_shutdown(void) { stop_workers(); }

int nest_set_threads(int threads, size_t scratch_bytes) {
  int i;
  if (threads < 1 || threads > MAX_THREADS) return -1;
  if (threads == g_pool.threads && scratch_bytes <= g_pool.scratch_bytes) return 0;
  stop_workers();
  if (threads == 1) return 0;
  scratch_bytes = (scratch_bytes + 63) & ~(size_t)63;
  g_pool.start_generation = g_pool.generation;
  for (i = 1; i < threads; ++i) {
    void *s = NULL;
    if (posix_memalign(&s, 64, scratch_bytes ? scratch_bytes : 64) != 0) break;
    g_pool.scratch[i] = s;
    if (pthread_create(&g_pool.tid[i], NULL, worker, (void *)(intptr_t)i) != 0) {
      free(s);
      g_pool.scratch[i] = NULL;
      break;
    }
  }
  g_pool.threads = i; /* workers 1 .. i-1 run */
  g_pool.scratch_bytes = scratch_bytes;
  if (i == threads) return 0;
  stop_workers();
  return -1;
}

int nest_get_threads(void) { return g_pool.threads; }

int64_t nest_rt_steps_per_unit(int64_t n, int64_t min_steps) {
  const int64_t want = (int64_t)g_pool.threads * 4;
  int64_t steps = (n + want - 1) / want;
  if (steps < min_steps) steps = min_steps;
  return steps < 1 ? 1 : steps;
}

void nest_rt_parallel(int64_t units, nest_rt_task task, void *ctx, void *scratch, size_t scratch_need) {
  int64_t u;
  if (units <= 0) return;
  if (g_pool.threads <= 1 || units == 1 || scratch_need > g_pool.scratch_bytes ||
      __atomic_exchange_n(&g_pool.busy, 1, __ATOMIC_ACQUIRE)) {
    for (u = 0; u < units; ++u) task(ctx, u, scratch);
    return;
  }
  g_pool.task = task;
  g_pool.ctx = ctx;
  g_pool.units = units;
  __atomic_store_n(&g_pool.next, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&g_pool.pending, g_pool.threads - 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&g_pool.generation, 1, __ATOMIC_SEQ_CST); /* publishes the job (release) */
  if (__atomic_load_n(&g_pool.sleepers, __ATOMIC_SEQ_CST) > 0) {
    pthread_mutex_lock(&g_pool.mu);
    pthread_cond_broadcast(&g_pool.wake);
    pthread_mutex_unlock(&g_pool.mu);
  }
  run_units(scratch);
  while (__atomic_load_n(&g_pool.pending, __ATOMIC_ACQUIRE) > 0) cpu_relax();
  __atomic_store_n(&g_pool.busy, 0, __ATOMIC_RELEASE);
}
