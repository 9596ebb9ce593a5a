/* core-roundtrip: how long one cache line takes to go from this thread's core to another thread's
 * core and back (two threads flipping a shared counter in turn). On a virtual machine the
 * hypervisor decides which physical cores the vCPUs sit on, and that changes: on the 2-vCPU
 * machine the CPU runtime was tuned on the figure moved between about 100 and 550 ns within
 * minutes, and ResNet-50's 2-thread speed-up with it (every layer reads activations the other
 * core wrote). scripts/bench-cpu-scaling.sh prints it next to each round of its figures.
 * Usage: core-roundtrip [ITERATIONS]   (default 200000 per batch; prints the median of 5 batches) */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BATCHES 5

static volatile long g_turn __attribute__((aligned(64)));
static long g_iterations;

/* The other thread answers each odd value with the next even one. */
static void *answer(void *arg) {
  (void)arg;
  for (long b = 0; b < BATCHES; ++b)
    for (long i = 0; i < g_iterations; ++i) {
      const long want = 2 * (b * g_iterations + i) + 1;
      while (g_turn != want) {
      }
      g_turn = want + 1;
    }
  return NULL;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  char *end = NULL;
  g_iterations = argc > 1 ? strtol(argv[1], &end, 10) : 200000;
  if (argc > 2 || g_iterations < 1 || (end && *end)) {
    fprintf(stderr, "usage: core-roundtrip [ITERATIONS]  (a positive count of round trips per batch)\n");
    return 2;
  }
  pthread_t other;
  if (pthread_create(&other, NULL, answer, NULL) != 0) {
    fprintf(stderr, "core-roundtrip: cannot start a second thread\n");
    return 1;
  }
  double batch_ns[BATCHES];
  for (long b = 0; b < BATCHES; ++b) {
    const double t0 = now_ns();
    for (long i = 0; i < g_iterations; ++i) {
      const long ask = 2 * (b * g_iterations + i) + 1;
      g_turn = ask;
      while (g_turn != ask + 1) {
      }
    }
    batch_ns[b] = (now_ns() - t0) / (double)g_iterations;
  }
  pthread_join(other, NULL);
  qsort(batch_ns, BATCHES, sizeof batch_ns[0], by_value);
  printf("cross-core round trip: %.0f ns (median of %d batches of %ld)\n", batch_ns[BATCHES / 2], BATCHES, g_iterations);
  return 0;
}
