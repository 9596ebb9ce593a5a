/* The runtime's thread pool (nest_rt_threads.h, nest_set_threads in nest_runtime.h): pthreads only.
 *
 * Workers wait for a job by spinning a short while on a generation counter (a model runs its
 * kernels back to back, so the next job usually comes within microseconds), then sleep on a
 * condition variable. The dispatcher publishes the job, bumps the generation, wakes sleepers
 * (only when there are any), runs units itself and waits until every worker has finished. Each
 * thread first runs its own contiguous share of the units, then helps with the others' (run_units).
 * All shared fields are accessed with GCC/Clang __atomic builtins (sequentially consistent where
 * a sleeper and the dispatcher must see each other's writes). One pool per copy of the runtime: a
 * bundle loaded as a shared library stops its workers when it is unloaded (destructor below). */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nest_rt_threads.h"

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
  pthread_t tid[NEST_RT_MAX_THREADS];
  void *scratch[NEST_RT_MAX_THREADS]; /* per thread, the caller's (index 0) included */
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
  struct {
    uint64_t taken; /* units taken of thread k's share: from the front (low half), from the back (high half) */
  } __attribute__((aligned(64))) share[NEST_RT_MAX_THREADS];
  int pending;     /* workers still on the job */
  /* While nest_profile_layers is set (the job's `timed`): each worker's time on the job's units,
   * and the caller's running totals of those and of its waits (nest_rt_thread_time). */
  int timed;
  struct {
    int64_t ns;
  } __attribute__((aligned(64))) unit_ns[NEST_RT_MAX_THREADS];
  int64_t worker_busy_ns, caller_wait_ns;
} pool;

static pool g_pool = {.threads = 1, .mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* Thread k's share of the units: [k * units / threads, (k + 1) * units / threads). */
static int64_t share_start(int k) { return g_pool.units * k / g_pool.threads; }

/* Takes one unit of thread k's share: from its front for the owner, from its back for a thief.
 * The front and back counts share one atomic word, so both ends never hand out the same unit.
 * Returns -1 when the share is used up. */
static int64_t take_unit(int k, int from_back) {
  const int64_t start = share_start(k), len = share_start(k + 1) - start;
  const uint64_t old = __atomic_fetch_add(&g_pool.share[k].taken, from_back ? (uint64_t)1 << 32 : 1, __ATOMIC_RELAXED);
  const int64_t front = (int64_t)(old & 0xffffffffu), back = (int64_t)(old >> 32);
  if (front + back >= len) return -1;
  return from_back ? start + len - 1 - back : start + front;
}

/* Thread `id` runs its own share in order, then takes what is left of the others' shares from
 * their backs. The same thread gets the same contiguous units call after call, so the part of a
 * plane it wrote in one layer is mostly the part it reads in the next, from its own cache. */
static void run_units(int id, void *scratch) {
  int64_t u;
  while ((u = take_unit(id, 0)) >= 0) g_pool.task(g_pool.ctx, u, scratch);
  for (int i = 1; i < g_pool.threads; ++i) {
    const int k = (id + i) % g_pool.threads;
    while ((u = take_unit(k, 1)) >= 0) g_pool.task(g_pool.ctx, u, scratch);
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
    if (g_pool.timed) {
      const int64_t start = nest_now_ns();
      run_units(id, g_pool.scratch[id]);
      g_pool.unit_ns[id].ns = nest_now_ns() - start;
    } else {
      run_units(id, g_pool.scratch[id]);
    }
    __atomic_sub_fetch(&g_pool.pending, 1, __ATOMIC_RELEASE);
  }
}

static void stop_workers(void) {
  int i;
  if (g_pool.threads > 1) {
    pthread_mutex_lock(&g_pool.mu);
    __atomic_store_n(&g_pool.stop, 1, __ATOMIC_SEQ_CST);
    pthread_cond_broadcast(&g_pool.wake);
    pthread_mutex_unlock(&g_pool.mu);
    for (i = 1; i < g_pool.threads; ++i) pthread_join(g_pool.tid[i], NULL);
  }
  for (i = 0; i < g_pool.threads; ++i) {
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
  if (threads < 1 || threads > NEST_RT_MAX_THREADS) return -1;
  if (threads == g_pool.threads && scratch_bytes <= g_pool.scratch_bytes) return 0;
  stop_workers();
  if (threads == 1) return 0;
  scratch_bytes = (scratch_bytes + 63) & ~(size_t)63;
  g_pool.start_generation = g_pool.generation;
  for (i = 0; i < threads; ++i) { /* scratch for every thread; a worker for each but the caller */
    if (posix_memalign(&g_pool.scratch[i], 64, scratch_bytes ? scratch_bytes : 64) != 0) {
      g_pool.scratch[i] = NULL;
      break;
    }
    if (i > 0 && pthread_create(&g_pool.tid[i], NULL, worker, (void *)(intptr_t)i) != 0) {
      free(g_pool.scratch[i]);
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

void nest_rt_thread_set_clear(nest_rt_thread_set *set) {
  /* a slot is taken before its pointer is stored, so a stale pointer must not be left in it */
  for (int i = 0; i < g_pool.threads; ++i) set->member[i] = NULL;
  set->count = 0;
}

int nest_rt_first_in_thread(nest_rt_thread_set *set, void *scratch) {
  const int n = __atomic_load_n(&set->count, __ATOMIC_ACQUIRE);
  for (int i = 0; i < n; ++i)
    if (__atomic_load_n(&set->member[i], __ATOMIC_RELAXED) == scratch) return 0;
  /* only this thread ever stores its scratch pointer, in the slot it reserves */
  const int slot = __atomic_fetch_add(&set->count, 1, __ATOMIC_ACQ_REL);
  __atomic_store_n(&set->member[slot], scratch, __ATOMIC_RELAXED);
  return 1;
}

int64_t nest_rt_steps_per_unit(int64_t n, int64_t min_steps) {
  const int64_t want = (int64_t)g_pool.threads * 4;
  int64_t steps = (n + want - 1) / want;
  if (steps < min_steps) steps = min_steps;
  return steps < 1 ? 1 : steps;
}

void nest_rt_parallel(int64_t units, nest_rt_task task, void *ctx, void *scratch, size_t scratch_need) {
  int64_t u;
  if (units <= 0) return;
  if (g_pool.threads <= 1 || units == 1 || units > INT32_MAX || scratch_need > g_pool.scratch_bytes ||
      __atomic_exchange_n(&g_pool.busy, 1, __ATOMIC_ACQUIRE)) {
    for (u = 0; u < units; ++u) task(ctx, u, scratch);
    return;
  }
  g_pool.task = task;
  g_pool.ctx = ctx;
  g_pool.units = units;
  g_pool.timed = nest_profile_layers;
  for (int k = 0; k < g_pool.threads; ++k) __atomic_store_n(&g_pool.share[k].taken, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&g_pool.pending, g_pool.threads - 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&g_pool.generation, 1, __ATOMIC_SEQ_CST); /* publishes the job (release) */
  if (__atomic_load_n(&g_pool.sleepers, __ATOMIC_SEQ_CST) > 0) {
    pthread_mutex_lock(&g_pool.mu);
    pthread_cond_broadcast(&g_pool.wake);
    pthread_mutex_unlock(&g_pool.mu);
  }
  /* The caller's scratch is in the activations arena, whose lines both cores keep writing (each
   * layer's output); a private buffer, like the workers', spares the caller's stores into them
   * (ResNet-50's 14x14 Winograd layers, whose caller scratch takes the transformed input:
   * 0.07-0.10 ms each on 2 threads; docs/cpu-runtime.md). */
  run_units(0, g_pool.scratch[0]);
  const int64_t done = g_pool.timed ? nest_now_ns() : 0;
  while (__atomic_load_n(&g_pool.pending, __ATOMIC_ACQUIRE) > 0) cpu_relax();
  if (g_pool.timed) {
    int64_t workers_ns = 0;
    for (int k = 1; k < g_pool.threads; ++k) workers_ns += g_pool.unit_ns[k].ns;
    __atomic_store_n(&g_pool.worker_busy_ns, g_pool.worker_busy_ns + workers_ns, __ATOMIC_RELAXED);
    __atomic_store_n(&g_pool.caller_wait_ns, g_pool.caller_wait_ns + nest_now_ns() - done, __ATOMIC_RELAXED);
  }
  __atomic_store_n(&g_pool.busy, 0, __ATOMIC_RELEASE);
}

void nest_rt_thread_time(int64_t *worker_busy_ns, int64_t *caller_wait_ns) {
  *worker_busy_ns = __atomic_load_n(&g_pool.worker_busy_ns, __ATOMIC_RELAXED);
  *caller_wait_ns = __atomic_load_n(&g_pool.caller_wait_ns, __ATOMIC_RELAXED);
}
