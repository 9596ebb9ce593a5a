/* Layer timing and this core's peak arithmetic rate, for `run --profile-layers` and the roofline
 * report of scripts/bench-cpu.sh (nest_runtime.h, "Layer timing"). The peaks are measured, not
 * looked up: NEST_PEAK_CHAINS independent multiply-add chains of the widest vectors the bundle is
 * compiled for (float FMA; int8 vpdpbusd with AVX-512 VNNI), long enough to hide their latency. */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <time.h>

#include "nest_runtime.h"
#include "nest_rt_threads.h"
#include "nest_rt_q8_simd.h"
#include "nest_rt_simd.h"

int nest_profile_layers = 0;

int64_t nest_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void nest_profile_start(nest_profile_clock *clock) {
  clock->ns = nest_now_ns();
  nest_rt_thread_time(&clock->worker_busy_ns, &clock->caller_wait_ns);
}

void nest_profile_mark(double *slot_ms, double *idle_slot_ms, nest_profile_clock *clock) {
  nest_profile_clock now;
  nest_profile_start(&now);
  const int64_t elapsed = now.ns - clock->ns;
  /* the workers are idle for the whole layer except their units; the caller while it waits */
  const int64_t idle = (int64_t)(nest_get_threads() - 1) * elapsed - (now.worker_busy_ns - clock->worker_busy_ns) +
                       (now.caller_wait_ns - clock->caller_wait_ns);
  *slot_ms += (double)elapsed / 1e6;
  *idle_slot_ms += (double)idle / 1e6;
  *clock = now;
}

#define NEST_PEAK_CHAINS 12
#define NEST_PEAK_STEPS 2000000

double nest_peak_gflops_f32(void) {
  nest_vf acc[NEST_PEAK_CHAINS], best = nest_vzero();
  const nest_vf a = nest_vset1(0.999999f), b = nest_vset1(1e-7f);
  float lanes[NEST_VL], sink = 0.0f;
  int64_t t0, t1, i;
  int c;
  for (c = 0; c < NEST_PEAK_CHAINS; ++c) acc[c] = nest_vset1((float)c);
  t0 = nest_now_ns();
  for (i = 0; i < NEST_PEAK_STEPS; ++i)
    for (c = 0; c < NEST_PEAK_CHAINS; ++c) acc[c] = nest_vfma(acc[c], a, b);
  t1 = nest_now_ns();
  for (c = 0; c < NEST_PEAK_CHAINS; ++c) best = nest_vadd(best, acc[c]);
  nest_vstore(lanes, best);
  for (c = 0; c < NEST_VL; ++c) sink += lanes[c];
  /* the sum keeps the loop alive; it is never this large */
  if (sink == 1e30f) return 0.0;
  return 2.0 * NEST_VL * NEST_PEAK_CHAINS * (double)NEST_PEAK_STEPS / (double)(t1 - t0);
}

double nest_peak_gops_i8(void) {
#ifdef NEST_Q8_VNNI
  __m512i acc[NEST_PEAK_CHAINS], sum = _mm512_setzero_si512();
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
  int32_t lanes[16], sink = 0;
  int64_t t0, t1, i;
  int c;
  for (c = 0; c < NEST_PEAK_CHAINS; ++c) acc[c] = _mm512_set1_epi32(c);
  t0 = nest_now_ns();
  for (i = 0; i < NEST_PEAK_STEPS; ++i)
    for (c = 0; c < NEST_PEAK_CHAINS; ++c) acc[c] = _mm512_dpbusd_epi32(acc[c], a, b);
  t1 = nest_now_ns();
  for (c = 0; c < NEST_PEAK_CHAINS; ++c) sum = _mm512_add_epi32(sum, acc[c]);
  _mm512_storeu_si512(lanes, sum);
  for (c = 0; c < 16; ++c) sink += lanes[c];
  if (sink == 123456789) return 0.0;
  /* 64 multiply-adds (128 operations) per instruction */
  return 128.0 * NEST_PEAK_CHAINS * (double)NEST_PEAK_STEPS / (double)(t1 - t0);
#else
  return 0.0;
#endif
}
