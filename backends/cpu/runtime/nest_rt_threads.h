/* Internals of the runtime's thread pool (nest_rt_threads.c): how a kernel spreads its work.
 *
 * A kernel cuts its output into `units` that write disjoint elements and whose arithmetic does
 * not depend on which thread runs them (same tiles, same reduction order), so results are
 * identical for any thread count. nest_rt_parallel runs the units on the calling thread and the
 * pool's workers: thread k first takes, one at a time, the units of its own share (the k-th of
 * `threads` contiguous ranges, so the same thread gets the same part of the output call after
 * call), then what is left of the other shares, from their ends. Every thread, the calling one
 * included, gets a private buffer of the size given to nest_set_threads as its scratch. A kernel
 * whose per-thread scratch is larger than that, a call made while another parallel call runs
 * (hetero bundles run segments side by side), or a pool of one thread runs all units on the
 * calling thread, in order, with the scratch the caller passed (from the activations arena). */
#ifndef NEST_RT_THREADS_H
#define NEST_RT_THREADS_H

#include <stddef.h>
#include <stdint.h>

#include "nest_runtime.h"

/* The most threads a pool runs (nest_set_threads). */
#define NEST_RT_MAX_THREADS 256

/* unit in [0, units); scratch: this thread's scratch buffer (64-byte aligned). */
typedef void (*nest_rt_task)(void *ctx, int64_t unit, void *scratch);

void nest_rt_parallel(int64_t units, nest_rt_task task, void *ctx, void *scratch, size_t scratch_need);

/* Running totals, in ns, over the parallel calls made while nest_profile_layers was set: the time
 * the workers spent running units, and the time the caller spent waiting for them to finish. */
void nest_rt_thread_time(int64_t *worker_busy_ns, int64_t *caller_wait_ns);

/* Units for a loop of `n` equal steps: about four per thread, so that uneven thread speeds even
 * out, but never fewer than `min_steps` steps per unit. Returns steps per unit (>= 1). */
static inline int64_t nest_rt_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

int64_t nest_rt_steps_per_unit(int64_t n, int64_t min_steps);

/* The threads that have done some once-per-call work of their own in a parallel call (padding or
 * transforming a shared input into their scratch), each known by its scratch buffer. Clear it
 * before the call; in a unit, nest_rt_first_in_thread returns 1 the first time the thread asks. */
typedef struct nest_rt_thread_set {
  void *member[NEST_RT_MAX_THREADS];
  int count;
} nest_rt_thread_set;

void nest_rt_thread_set_clear(nest_rt_thread_set *set);
int nest_rt_first_in_thread(nest_rt_thread_set *set, void *scratch);

#endif /* NEST_RT_THREADS_H */
