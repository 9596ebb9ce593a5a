/* Correctness test of the CPU runtime kernels against the naive double references on many
 * shapes: odd sizes, padding, strides, dilation, groups, depthwise, 1x1, 7x7 stride 2, every
 * fused activation; Gemm with transposes and C broadcasts; pools with ceil-mode overhang.
 * Tolerance: |got - ref| <= 1e-5 * (|ref| + sum of |terms|), the float rounding bound for the
 * sum, so an indexing or packing mistake cannot pass. Every conv, gemm and pool also runs on 2, 3
 * and 4 threads (and on 4 threads with no worker scratch, where kernels needing scratch stay on
 * the caller) and must give the single-thread bytes exactly. The int8 packed gemm, conv and max
 * pool are checked exactly against integer sums and maxima; the softmax row against double
 * exponentials and on NaN and infinite rows; the pool's idle-time accounting on uneven units.
 * Exit status 0 = all passed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_reference.h"
#include "../../backends/cpu/runtime/nest_rt_conv_internal.h"
#include "../../backends/cpu/runtime/nest_rt_misc.h"
#include "../../backends/cpu/runtime/nest_rt_q8.h"
#include "../../backends/cpu/runtime/nest_rt_threads.h"

static int failures = 0, checks = 0;

static void *xmalloc(size_t n) {
  void *p = NULL;
  if (posix_memalign(&p, 64, n ? n : 64) != 0) abort();
  return p;
}

static void compare(const char *what, const float *got, const double *ref, const double *mag, int64_t n) {
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < n; ++i) {
    const double tol = 1e-5 * (fabs(ref[i]) + (mag ? mag[i] : 0.0)) + 1e-30;
    const int ok = isinf(ref[i]) ? got[i] == ref[i] : fabs(got[i] - ref[i]) <= tol;
    if (!ok && bad++ == 0) first = i;
  }
  ++checks;
  if (bad) {
    ++failures;
    printf("FAIL %s: %lld of %lld wrong, first at %lld: got %.9g want %.9g\n", what, (long long)bad,
           (long long)n, (long long)first, got[first], ref[first]);
  }
}

/* The thread counts every kernel is re-run with; scratch 0 = workers without scratch. */
static const struct { int threads; int with_scratch; } kThreadRuns[] = {{2, 1}, {3, 1}, {4, 1}, {4, 0}};
#define THREAD_RUNS ((int)(sizeof kThreadRuns / sizeof kThreadRuns[0]))

static void use_threads(int run, size_t scratch) {
  const int t = run < 0 ? 1 : kThreadRuns[run].threads;
  if (nest_set_threads(t, run >= 0 && kThreadRuns[run].with_scratch ? scratch : 0) != 0) {
    printf("FAIL cannot start %d threads\n", t);
    exit(1);
  }
}

/* got (threaded) must equal want (one thread) byte for byte. */
static void same_bytes(const char *what, int run, const void *want, const void *got, size_t bytes) {
  ++checks;
  if (memcmp(want, got, bytes) != 0) {
    ++failures;
    printf("FAIL %s: %d threads%s differ from 1 thread\n", what, kThreadRuns[run].threads,
           kThreadRuns[run].with_scratch ? "" : " (no worker scratch)");
  }
}

static nest_act act_of(int kind) {
  nest_act a = {kind, {0.0f, 0.0f}};
  if (kind == NEST_ACT_CLIP) a.params[0] = -0.25f, a.params[1] = 0.5f;
  if (kind == NEST_ACT_LEAKY_RELU) a.params[0] = 0.1f;
  return a;
}

/* The pool itself: every unit runs exactly once, for unit counts below, at and far above the
 * thread count (each thread's own share, then what it takes from the others' ends), 300 calls
 * each so that the threads race for the last units of a share. */
static void count_unit(void *ctx, int64_t u, void *scratch) {
  (void)scratch;
  __atomic_add_fetch(&((int *)ctx)[u], 1, __ATOMIC_RELAXED);
}

static void test_parallel_units(void) {
  static const int threads[] = {2, 3, 4, 7};
  static const int64_t units[] = {2, 3, 5, 8, 13, 64, 1000};
  int *count = xmalloc(1000 * sizeof(int));
  for (size_t t = 0; t < sizeof threads / sizeof threads[0]; ++t) {
    if (nest_set_threads(threads[t], 0) != 0) {
      printf("FAIL cannot start %d threads\n", threads[t]);
      exit(1);
    }
    for (size_t k = 0; k < sizeof units / sizeof units[0]; ++k) {
      int64_t wrong = 0;
      for (int call = 0; call < 300; ++call) {
        memset(count, 0, (size_t)units[k] * sizeof(int));
        nest_rt_parallel(units[k], count_unit, count, 0, 0);
        for (int64_t u = 0; u < units[k]; ++u) wrong += count[u] != 1;
      }
      ++checks;
      if (wrong) {
        ++failures;
        printf("FAIL parallel: %lld units on %d threads: %lld unit runs missing or repeated in 300 calls\n",
               (long long)units[k], threads[t], (long long)wrong);
      }
    }
  }
  nest_set_threads(1, 0);
  free(count);
}

/* The pool's idle time as --profile-layers reports it (nest_profile_mark), in thread-ms: threads
 * x elapsed, less each thread's time on the call (a worker's units; the caller's time but its
 * waits). Whichever thread runs which spinning unit, that is threads x elapsed - the units' total
 * time, give or take the few microseconds of the call around them: one thread waits for the other
 * (units of 0.2 and 3 ms: usually the caller for the worker; 3 ms and none: the worker for the
 * caller), a single unit runs on the caller while the worker idles, and on one thread nothing is
 * idle (exactly 0). */
static void spin_unit(void *ctx, int64_t u, void *scratch) {
  (void)scratch;
  const int64_t until = nest_now_ns() + ((const int64_t *)ctx)[u];
  while (nest_now_ns() < until) {
  }
}

/* One profiled call; returns how far the idle time is from the expected, in ms. */
static double idle_error(int threads, const int64_t *spin_ns, int64_t units, double *ms, double *idle_ms) {
  nest_profile_clock clock;
  double work_ms = 0;
  for (int64_t u = 0; u < units; ++u) work_ms += (double)spin_ns[u] / 1e6;
  *ms = *idle_ms = 0;
  nest_profile_layers = 1;
  nest_profile_start(&clock);
  nest_rt_parallel(units, spin_unit, (void *)spin_ns, 0, 0);
  nest_profile_mark(ms, idle_ms, &clock);
  nest_profile_layers = 0;
  if (*ms < work_ms / threads) return 1e9;
  return fabs(*idle_ms - (threads == 1 ? 0.0 : threads * *ms - work_ms));
}

/* A thread preempted while it runs a unit (the machine busy with other tests) counts as busy, so
 * an attempt may miss by that much: the units are short (3 ms) so that most attempts see no
 * preemption, and one of up to 20 must be within 0.1 ms. A mistake in the sums misses by about
 * 3 ms every time. */
static void check_idle(const char *what, int threads, const int64_t *spin_ns, int64_t units) {
  double ms = 0, idle_ms = 0, err = 1e9;
  use_threads(threads == 1 ? -1 : 0, 0);
  for (int attempt = 0; attempt < 20 && err > 0.1; ++attempt) err = idle_error(threads, spin_ns, units, &ms, &idle_ms);
  ++checks;
  if (err > 0.1) {
    ++failures;
    printf("FAIL idle time, %s: %.3f ms elapsed, %.3f thread-ms idle, %.3f from the expected\n", what, ms, idle_ms, err);
  }
}

static void test_profile_idle(void) {
  static const int64_t worker_long[2] = {200000, 3000000}, caller_long[2] = {3000000, 0}, one[1] = {3000000};
  check_idle("2 threads, units of 0.2 and 3 ms", 2, worker_long, 2);
  check_idle("2 threads, units of 3 ms and none", 2, caller_long, 2);
  check_idle("2 threads, a single unit (on the caller)", 2, one, 1);
  check_idle("1 thread", 1, caller_long, 2);
  nest_set_threads(1, 0);
}

/* One conv case; with_residual: nest_conv2d_f32_residual, act(conv + r) against the reference conv
 * without activation plus r, then the activation. */
static void test_conv_full(int64_t N, int64_t C, int64_t H, int64_t W, int64_t M, int64_t K, int64_t KW_, int64_t s,
                           int64_t sw, int64_t dil, int64_t pt, int64_t pl, int64_t pb, int64_t pr, int64_t group, int act,
                           int with_bias, int with_scale, int with_residual) {
  nest_conv2d_desc d;
  memset(&d, 0, sizeof d);
  d.N = N, d.C = C, d.H = H, d.W = W, d.M = M, d.KH = K, d.KW = KW_;
  d.stride_h = s, d.stride_w = sw;
  d.dilation_h = dil, d.dilation_w = dil;
  d.pad_top = pt, d.pad_left = pl, d.pad_bottom = pb, d.pad_right = pr, d.group = group;
  d.OH = (H + pt + pb - dil * (K - 1) - 1) / d.stride_h + 1;
  d.OW = (W + pl + pr - dil * (KW_ - 1) - 1) / d.stride_w + 1;
  d.act = act_of(act);
  char what[256];
  snprintf(what, sizeof what,
           "conv N%lld C%lld %lldx%lld M%lld k%lldx%lld s%lldx%lld d%lld pad%lld,%lld,%lld,%lld g%lld act%d b%d sc%d res%d",
           (long long)N, (long long)C, (long long)H, (long long)W, (long long)M, (long long)K, (long long)KW_,
           (long long)d.stride_h, (long long)d.stride_w, (long long)dil, (long long)pt, (long long)pl,
           (long long)pb, (long long)pr, (long long)group, act, with_bias, with_scale, with_residual);
  const char *err = nest_conv2d_check(&d);
  if (err) {
    printf("FAIL %s: check rejected a valid descriptor: %s\n", what, err);
    ++failures;
    return;
  }
  uint64_t st = (uint64_t)(N * 131 + C * 17 + H * 7 + M * 3 + K + act);
  const int64_t nx = N * C * H * W, nw = M * (C / group) * K * KW_, ny = N * M * d.OH * d.OW;
  float *x = xmalloc(nx * 4), *w = xmalloc(nw * 4), *b = xmalloc(M * 4), *sc = xmalloc(M * 4);
  ref_fill(x, nx, &st);
  ref_fill(w, nw, &st);
  ref_fill(b, M, &st);
  ref_fill(sc, M, &st);
  float *packed = xmalloc(nest_conv2d_f32_packed_size(&d) * 4);
  void *scratch = xmalloc(nest_conv2d_f32_scratch_size(&d));
  float *y = xmalloc(ny * 4), *r = with_residual ? xmalloc(ny * 4) : NULL;
  double *ref = xmalloc(ny * 8), *mag = xmalloc(ny * 8);
  if (r) ref_fill(r, ny, &st);
  for (int64_t i = 0; i < ny; ++i) y[i] = NAN;
  nest_conv2d_f32_pack(&d, w, with_scale ? sc : NULL, packed);
  if (r) nest_conv2d_f32_residual(&d, x, packed, with_bias ? b : NULL, r, y, scratch);
  else nest_conv2d_f32(&d, x, packed, with_bias ? b : NULL, y, scratch);
  nest_conv2d_desc plain = d;
  if (r) plain.act.kind = NEST_ACT_NONE;
  ref_conv2d(&plain, x, w, with_scale ? sc : NULL, with_bias ? b : NULL, ref, mag);
  if (r)
    for (int64_t i = 0; i < ny; ++i) ref[i] = ref_act(&d.act, ref[i] + r[i]), mag[i] += fabs(r[i]);
  compare(what, y, ref, mag, ny);
  float *yt = xmalloc(ny * 4);
  for (int run = 0; run < THREAD_RUNS; ++run) {
    use_threads(run, nest_conv2d_f32_scratch_size(&d));
    for (int64_t i = 0; i < ny; ++i) yt[i] = NAN;
    if (r) nest_conv2d_f32_residual(&d, x, packed, with_bias ? b : NULL, r, yt, scratch);
    else nest_conv2d_f32(&d, x, packed, with_bias ? b : NULL, yt, scratch);
    same_bytes(what, run, y, yt, (size_t)ny * 4);
  }
  use_threads(-1, 0);
  free(yt), free(r);
  free(x), free(w), free(b), free(sc), free(packed), free(scratch), free(y), free(ref), free(mag);
}

static void test_conv_sw(int64_t N, int64_t C, int64_t H, int64_t W, int64_t M, int64_t K, int64_t KW_, int64_t s,
                         int64_t sw, int64_t dil, int64_t pt, int64_t pl, int64_t pb, int64_t pr, int64_t group, int act,
                         int with_bias, int with_scale) {
  test_conv_full(N, C, H, W, M, K, KW_, s, sw, dil, pt, pl, pb, pr, group, act, with_bias, with_scale, 0);
}

/* A square kernel and stride with a residual (fuse-residual's kernel), bias, no scale. */
static void test_conv_residual(int64_t N, int64_t C, int64_t H, int64_t W, int64_t M, int64_t K, int64_t s,
                               int64_t pad, int64_t group, int act) {
  test_conv_full(N, C, H, W, M, K, K, s, s, 1, pad, pad, pad, pad, group, act, 1, 0, 1);
}

/* Stride s in both directions, except 1x1 stride 2, which gets stride_w 1 (an anisotropic case). */
static void test_conv(int64_t N, int64_t C, int64_t H, int64_t W, int64_t M, int64_t K, int64_t KW_, int64_t s,
                      int64_t dil, int64_t pt, int64_t pl, int64_t pb, int64_t pr, int64_t group, int act,
                      int with_bias, int with_scale) {
  test_conv_sw(N, C, H, W, M, K, KW_, s, s == 2 && KW_ == 1 ? 1 : s, dil, pt, pl, pb, pr, group, act, with_bias,
               with_scale);
}

static void test_gemm(int64_t M, int64_t N, int64_t K, int ta, int tb, float alpha, float beta, int c_kind,
                      int act, int packed_b) {
  nest_gemm_desc d;
  memset(&d, 0, sizeof d);
  d.M = M, d.N = N, d.K = K, d.trans_a = ta, d.trans_b = tb, d.alpha = alpha, d.beta = beta;
  /* c_kind: 0 none, 1 scalar, 2 row [N], 3 column [M,1], 4 full [M,N] */
  const int64_t sm[5] = {0, 0, 0, 1, N}, sn[5] = {0, 0, 1, 0, 1};
  d.c_stride_m = sm[c_kind], d.c_stride_n = sn[c_kind];
  d.act = act_of(act);
  char what[160];
  snprintf(what, sizeof what, "gemm M%lld N%lld K%lld tA%d tB%d alpha%g beta%g c%d act%d %s", (long long)M,
           (long long)N, (long long)K, ta, tb, alpha, beta, c_kind, act, packed_b ? "packed" : "dynamic");
  uint64_t st = (uint64_t)(M * 31 + N * 7 + K + act);
  float *a = xmalloc(M * K * 4 + 4), *b = xmalloc(K * N * 4 + 4), *c = xmalloc(M * N * 4), *y = xmalloc(M * N * 4);
  ref_fill(a, M * K, &st);
  ref_fill(b, K * N, &st);
  ref_fill(c, M * N, &st);
  double *ref = xmalloc(M * N * 8), *mag = xmalloc(M * N * 8);
  const float *cp = c_kind ? c : NULL;
  float *yt = xmalloc(M * N * 4 + 4);
  for (int run = -1; run < THREAD_RUNS; ++run) { /* -1: one thread, into y */
    float *out = run < 0 ? y : yt;
    use_threads(run, nest_gemm_f32_scratch_size(&d));
    if (packed_b) {
      float *pb = xmalloc(nest_gemm_f32_packed_b_size(&d) * 4 + 4);
      void *scratch = xmalloc(nest_gemm_f32_packed_scratch_size(&d));
      nest_gemm_f32_pack_b(&d, b, pb);
      nest_gemm_f32_packed(&d, a, pb, cp, out, scratch);
      free(pb), free(scratch);
    } else {
      void *scratch = xmalloc(nest_gemm_f32_scratch_size(&d));
      nest_gemm_f32(&d, a, b, cp, out, scratch);
      free(scratch);
    }
    if (run >= 0) same_bytes(what, run, y, yt, (size_t)(M * N) * 4);
  }
  use_threads(-1, 0);
  free(yt);
  ref_gemm(&d, a, b, cp, ref, mag);
  compare(what, y, ref, mag, M * N);
  free(a), free(b), free(c), free(y), free(ref), free(mag);
}

static void test_pool(int is_max, int64_t C, int64_t H, int64_t W, int64_t K, int64_t s, int64_t dil, int64_t pad,
                      int ceil_mode, int cip) {
  nest_pool2d_desc d;
  memset(&d, 0, sizeof d);
  d.N = 2, d.C = C, d.H = H, d.W = W, d.KH = K, d.KW = K, d.stride_h = s, d.stride_w = s;
  d.dilation_h = dil, d.dilation_w = dil;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = pad;
  d.count_include_pad = cip;
  const int64_t span = dil * (K - 1) + 1;
  d.OH = (H + 2 * pad - span + (ceil_mode ? s - 1 : 0)) / s + 1;
  d.OW = (W + 2 * pad - span + (ceil_mode ? s - 1 : 0)) / s + 1;
  /* ONNX: with ceil mode, the last window must start inside the input or left padding */
  if (ceil_mode && (d.OH - 1) * s >= H + pad) --d.OH;
  if (ceil_mode && (d.OW - 1) * s >= W + pad) --d.OW;
  char what[160];
  snprintf(what, sizeof what, "%s C%lld %lldx%lld k%lld s%lld d%lld pad%lld ceil%d cip%d", is_max ? "maxpool" : "avgpool",
           (long long)C, (long long)H, (long long)W, (long long)K, (long long)s, (long long)dil, (long long)pad,
           ceil_mode, cip);
  uint64_t st = (uint64_t)(C * 5 + H + K);
  const int64_t nx = d.N * C * H * W, ny = d.N * C * d.OH * d.OW;
  float *x = xmalloc(nx * 4), *y = xmalloc(ny * 4);
  double *ref = xmalloc(ny * 8), *mag = xmalloc(ny * 8);
  void *scratch = xmalloc(nest_pool2d_f32_scratch_size(&d));
  ref_fill(x, nx, &st);
  if (is_max)
    nest_maxpool2d_f32(&d, x, y, scratch);
  else
    nest_avgpool2d_f32(&d, x, y, scratch);
  ref_pool2d(&d, is_max, x, ref, mag);
  compare(what, y, ref, mag, ny);
  float *yt = xmalloc(ny * 4);
  for (int run = 0; run < THREAD_RUNS; ++run) {
    use_threads(run, nest_pool2d_f32_scratch_size(&d));
    if (is_max)
      nest_maxpool2d_f32(&d, x, yt, scratch);
    else
      nest_avgpool2d_f32(&d, x, yt, scratch);
    same_bytes(what, run, y, yt, (size_t)ny * 4);
  }
  use_threads(-1, 0);
  free(yt);
  free(x), free(y), free(ref), free(mag), free(scratch);
}

static void test_global_avgpool(int64_t N, int64_t C, int64_t HW) {
  uint64_t st = 99;
  float *x = xmalloc(N * C * HW * 4), *y = xmalloc(N * C * 4);
  double *ref = xmalloc(N * C * 8), *mag = xmalloc(N * C * 8);
  ref_fill(x, N * C * HW, &st);
  for (int64_t i = 0; i < N * C; ++i) {
    double s = 0, m = 0;
    for (int64_t j = 0; j < HW; ++j) s += x[i * HW + j], m += fabs(x[i * HW + j]);
    ref[i] = s / HW;
    mag[i] = m / HW;
  }
  nest_global_avgpool_f32(N, C, HW, x, y);
  char what[64];
  snprintf(what, sizeof what, "global_avgpool N%lld C%lld HW%lld", (long long)N, (long long)C, (long long)HW);
  compare(what, y, ref, mag, N * C);
  free(x), free(y), free(ref), free(mag);
}

/* The packed int8 gemm (nest_rt_q8_gemm.c) against the exact integer sum of every output, requantized
 * with the runtime's scalar nest_q8_requantize: equal bytes, on 1 to 4 threads. i8 or u8 A,
 * per-tensor or per-column weights and multipliers, weight zero points or none, with and without
 * a bias; shifts that take the vector requantization and ones that do not. */
static void test_q8_gemm_packed(int64_t M, int64_t N, int64_t K, int a_signed, int per_column, int b_zp_on, int bias_on,
                                int wide_shift) {
  uint64_t st = 7 + (uint64_t)(M * 131 + N * 17 + K);
  int8_t *b = xmalloc((size_t)(N * K));
  uint8_t *a = xmalloc((size_t)(M * K)), *y = xmalloc((size_t)(M * N)), *yt = xmalloc((size_t)(M * N));
  uint8_t *ref = xmalloc((size_t)(M * N));
  int32_t *bias = xmalloc((size_t)N * 4), *bzp = xmalloc((size_t)N * 4), *mult = xmalloc((size_t)N * 4), *shift = xmalloc((size_t)N * 4);
  float r[1];
  for (int64_t i = 0; i < M * K; ++i) ref_fill(r, 1, &st), a[i] = (uint8_t)(int)((r[0] + 1.0f) * 127.5f);
  for (int64_t i = 0; i < N * K; ++i) ref_fill(r, 1, &st), b[i] = (int8_t)(int)(r[0] * 127.0f);
  for (int64_t j = 0; j < N; ++j) {
    ref_fill(r, 1, &st);
    bias[j] = (int32_t)(r[0] * 5000.0f);
    bzp[j] = b_zp_on ? (int32_t)(r[0] * 9.0f) : 0;
    mult[j] = 1073741824 + (int32_t)((r[0] + 1.0f) * 400000000.0f);
    shift[j] = wide_shift && j % 7 == 3 ? 40 : -(int32_t)(6 + (j % 3)); /* n = 31 - shift: -9 (scalar) or 37..39 */
  }
  nest_q8_gemm_desc d;
  memset(&d, 0, sizeof d);
  d.M = M, d.N = N, d.K = K, d.trans_b = 1, d.a_signed = a_signed, d.a_zp = a_signed ? -3 : 121, d.b_signed = 1;
  d.b_zp = bzp;
  d.out.is_signed = 0, d.out.zp = 128, d.out.lo = 0, d.out.hi = 255;
  d.out.channels = per_column ? (int32_t)N : 1, d.out.mult = mult, d.out.shift = shift;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      int64_t acc = bias_on ? bias[j] : 0;
      for (int64_t k = 0; k < K; ++k) {
        const int32_t av = a_signed ? (int32_t)(int8_t)a[i * K + k] : (int32_t)a[i * K + k];
        acc += (int64_t)(av - d.a_zp) * (b[j * K + k] - bzp[j]);
      }
      const int64_t c = per_column ? j : 0;
      int64_t v = d.out.zp + nest_q8_requantize(acc, mult[c], shift[c]);
      ref[i * N + j] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
    }
  void *packed = xmalloc(nest_q8_gemm_packed_size(&d));
  nest_q8_gemm_pack(&d, b, bias_on ? bias : NULL, packed);
  nest_q8_gemm_packed(&d, a, packed, y);
  char what[96];
  snprintf(what, sizeof what, "q8_gemm_packed M%lld N%lld K%lld %s%s%s%s", (long long)M, (long long)N, (long long)K,
           a_signed ? "i8" : "u8", per_column ? " per-column" : "", b_zp_on ? " b_zp" : "", wide_shift ? " wide" : "");
  ++checks;
  for (int64_t i = 0; i < M * N; ++i)
    if (y[i] != ref[i]) {
      ++failures;
      printf("FAIL %s: element %lld got %d want %d\n", what, (long long)i, y[i], ref[i]);
      break;
    }
  for (int run = 0; run < THREAD_RUNS; ++run) {
    use_threads(run, 0);
    nest_q8_gemm_packed(&d, a, packed, yt);
    same_bytes(what, run, y, yt, (size_t)(M * N));
  }
  use_threads(-1, 0);
  free(a), free(b), free(y), free(yt), free(ref), free(bias), free(bzp), free(mult), free(shift), free(packed);
}

/* The int8 conv (nest_rt_q8_conv.c; depthwise through nest_rt_q8_dw.c) against the exact integer
 * sum of every output, requantized with the scalar nest_q8_requantize: equal bytes, on 1 to 4
 * threads. wz: weight zero points none (0), small enough that every w - w_zp fits a byte (1), or
 * large (2); shifts: n = 31 - shift of 37..39 (the short vector requantization), 29..31 (the
 * saturating one) and -9 (scalar), per channel, and a multiplier of 2^30 that makes ties (rounded
 * away from zero) frequent. */
static void test_q8_conv(int64_t N, int64_t C, int64_t H, int64_t W, int64_t M, int64_t KH, int64_t KW, int64_t s,
                         int64_t dil, int64_t pad, int64_t group, int x_signed, int wz) {
  uint64_t st = 11 + (uint64_t)(C * 7 + H * 131 + W * 17 + KW * 5 + s + dil * 3 + wz);
  nest_q8_conv2d_desc d;
  memset(&d, 0, sizeof d);
  d.N = N, d.C = C, d.H = H, d.W = W, d.M = M, d.KH = KH, d.KW = KW, d.stride_h = s, d.stride_w = s;
  d.dilation_h = dil, d.dilation_w = dil, d.pad_top = pad, d.pad_left = pad, d.pad_bottom = pad, d.pad_right = pad;
  d.group = group;
  d.OH = (H + 2 * pad - dil * (KH - 1) - 1) / s + 1, d.OW = (W + 2 * pad - dil * (KW - 1) - 1) / s + 1;
  d.x_signed = x_signed, d.x_zp = x_signed ? -5 : 119;
  const int64_t Cg = C / group, Mg = M / group, X = N * C * H * W, Y = N * M * d.OH * d.OW, Wn = M * Cg * KH * KW;
  uint8_t *x = xmalloc((size_t)X), *y = xmalloc((size_t)Y), *yt = xmalloc((size_t)Y), *ref = xmalloc((size_t)Y);
  int8_t *w = xmalloc((size_t)Wn);
  int32_t *bias = xmalloc((size_t)M * 4), *wzp = xmalloc((size_t)M * 4), *mult = xmalloc((size_t)M * 4),
          *shift = xmalloc((size_t)M * 4);
  float r[1];
  for (int64_t i = 0; i < X; ++i) ref_fill(r, 1, &st), x[i] = (uint8_t)(int)((r[0] + 1.0f) * 127.5f);
  for (int64_t i = 0; i < Wn; ++i) ref_fill(r, 1, &st), w[i] = (int8_t)(int)(r[0] * 127.0f);
  for (int64_t m = 0; m < M; ++m) {
    ref_fill(r, 1, &st);
    bias[m] = (int32_t)(r[0] * 3000.0f);
    wzp[m] = wz == 0 ? 0 : (wz == 1 ? (int32_t)(m % 2) : (int32_t)(r[0] * 60.0f) + (m % 2 ? 40 : -40));
    mult[m] = 1073741824 + (int32_t)((r[0] + 1.0f) * 400000000.0f);
    shift[m] = m % 5 == 4 ? 40 : (m % 5 == 3 ? (int32_t)(m % 3) : -(int32_t)(6 + m % 3));
    if (m % 5 == 2) mult[m] = 1073741824, shift[m] = m % 2 ? 0 : -6; /* acc / 2 or acc / 128: exact ties */
  }
  if (wz == 1) /* every w - w_zp in [-128, 127] */
    for (int64_t i = 0; i < Wn; ++i) w[i] = (int8_t)(w[i] < -127 ? -127 : w[i]);
  d.w_zp = wzp;
  d.out.is_signed = 1, d.out.zp = -3, d.out.lo = -128, d.out.hi = 127;
  d.out.channels = (int32_t)M, d.out.mult = mult, d.out.shift = shift;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oh = 0; oh < d.OH; ++oh)
        for (int64_t ow = 0; ow < d.OW; ++ow) {
          const int64_t g = m / Mg;
          int64_t acc = bias[m];
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t kh = 0; kh < KH; ++kh)
              for (int64_t kw = 0; kw < KW; ++kw) {
                const int64_t ih = oh * s - pad + kh * dil, iw = ow * s - pad + kw * dil;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const uint8_t q = x[((n * C + g * Cg + c) * H + ih) * W + iw];
                const int32_t xv = x_signed ? (int32_t)(int8_t)q : (int32_t)q;
                acc += (int64_t)(xv - d.x_zp) * (w[((m * Cg + c) * KH + kh) * KW + kw] - wzp[m]);
              }
          int64_t v = d.out.zp + nest_q8_requantize(acc, mult[m], shift[m]);
          ref[((n * M + m) * d.OH + oh) * d.OW + ow] = (uint8_t)(int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
        }
  void *packed = xmalloc(nest_q8_conv2d_packed_size(&d));
  const size_t scratch_bytes = nest_q8_conv2d_scratch_size(&d);
  void *scratch = xmalloc(scratch_bytes);
  nest_q8_conv2d_pack(&d, w, bias, packed);
  nest_q8_conv2d(&d, x, packed, y, scratch);
  char what[128];
  snprintf(what, sizeof what, "q8_conv N%lld C%lld %lldx%lld M%lld k%lldx%lld s%lld d%lld p%lld g%lld %s wz%d",
           (long long)N, (long long)C, (long long)H, (long long)W, (long long)M, (long long)KH, (long long)KW,
           (long long)s, (long long)dil, (long long)pad, (long long)group, x_signed ? "i8" : "u8", wz);
  ++checks;
  for (int64_t i = 0; i < Y; ++i)
    if (y[i] != ref[i]) {
      ++failures;
      printf("FAIL %s: element %lld got %d want %d\n", what, (long long)i, (int8_t)y[i], (int8_t)ref[i]);
      break;
    }
  for (int run = 0; run < THREAD_RUNS; ++run) {
    use_threads(run, scratch_bytes);
    nest_q8_conv2d(&d, x, packed, yt, scratch);
    same_bytes(what, run, y, yt, (size_t)Y);
  }
  use_threads(-1, 0);
  free(x), free(y), free(yt), free(ref), free(w), free(bias), free(wzp), free(mult), free(shift), free(packed), free(scratch);
}

/* The int8 MaxPool against the maximum of each window's taps inside the input (the lowest value
 * when none is): equal bytes, i8 and u8, on 1 to 4 threads. Small planes take the windowed kernel
 * (nest_rt_q8_pool_window.c, 128- and 256-byte windows), wide ones the row kernel of nest_rt_q8.c. */
/* One Concat input requantized into rows of a wider output (nest_q8_requant_rows): every byte as
 * the scalar formula gives it, the gaps between rows untouched; rows shorter than, equal to and
 * longer than a 64-byte vector, i8 to u8 and u8 to i8 with a clamp. */
static void test_q8_requant_rows(int64_t row, int64_t outer, int x_signed, int y_signed) {
  const int64_t dst_row = row + 5;
  uint8_t *x = xmalloc(row * outer), *y = xmalloc(dst_row * outer);
  uint64_t st = 5 + (uint64_t)(row * 3 + outer + x_signed * 2 + y_signed);
  float r[1];
  for (int64_t i = 0; i < row * outer; ++i) ref_fill(r, 1, &st), x[i] = (uint8_t)(int)((r[0] + 1.0f) * 127.5f);
  memset(y, 0xA5, (size_t)(dst_row * outer));
  const int32_t mult = 1518500250, shift = 0; /* about 0.707 */
  const nest_q8_operand qx = {x_signed, x_signed ? -3 : 121, mult, shift};
  const nest_q8_out out = {y_signed, y_signed ? 4 : 130, y_signed ? -100 : 10, y_signed ? 90 : 240, 1, 0, 0};
  nest_q8_requant_rows(x, &qx, &out, y, dst_row, row, outer);
  int64_t bad = 0;
  for (int64_t r = 0; r < outer; ++r)
    for (int64_t i = 0; i < dst_row; ++i) {
      const uint8_t b = x[r * row + (i < row ? i : 0)];
      const int64_t q = x_signed ? (int8_t)b : b;
      int64_t v = out.zp + nest_q8_requantize(q - qx.zp, mult, shift);
      v = v < out.lo ? out.lo : v > out.hi ? out.hi : v;
      bad += y[r * dst_row + i] != (i < row ? (uint8_t)v : 0xA5);
    }
  ++checks;
  if (bad) {
    ++failures;
    printf("FAIL q8_requant_rows row %lld outer %lld: %lld wrong bytes\n", (long long)row, (long long)outer, (long long)bad);
  }
  free(x), free(y);
}

static void test_q8_maxpool(int64_t C, int64_t H, int64_t W, int64_t K, int64_t s, int64_t dil, int64_t pad,
                            int64_t extra, int is_signed) {
  uint64_t st = 5 + (uint64_t)(C * 3 + H * 29 + W + K * 7 + s * 11 + extra);
  nest_q8_pool2d_desc d;
  memset(&d, 0, sizeof d);
  d.N = 1, d.C = C, d.H = H, d.W = W, d.KH = K, d.KW = K, d.stride_h = s, d.stride_w = s;
  d.dilation_h = dil, d.dilation_w = dil, d.pad_top = pad, d.pad_left = pad;
  d.pad_bottom = pad + extra, d.pad_right = pad + extra; /* extra: a ceil-mode overhang */
  d.OH = (H + 2 * pad + extra - dil * (K - 1) - 1) / s + 1, d.OW = (W + 2 * pad + extra - dil * (K - 1) - 1) / s + 1;
  d.is_signed = is_signed;
  const int64_t X = C * H * W, Y = C * d.OH * d.OW;
  uint8_t *x = xmalloc((size_t)X), *y = xmalloc((size_t)Y), *yt = xmalloc((size_t)Y), *ref = xmalloc((size_t)Y);
  float r[1];
  for (int64_t i = 0; i < X; ++i) ref_fill(r, 1, &st), x[i] = (uint8_t)(int)((r[0] + 1.0f) * 127.5f);
  for (int64_t c = 0; c < C; ++c)
    for (int64_t oh = 0; oh < d.OH; ++oh)
      for (int64_t ow = 0; ow < d.OW; ++ow) {
        int best = is_signed ? -128 : 0;
        for (int64_t kh = 0; kh < K; ++kh)
          for (int64_t kw = 0; kw < K; ++kw) {
            const int64_t ih = oh * s - pad + kh * dil, iw = ow * s - pad + kw * dil;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            const uint8_t q = x[(c * H + ih) * W + iw];
            const int v = is_signed ? (int)(int8_t)q : (int)q;
            best = v > best ? v : best;
          }
        ref[(c * d.OH + oh) * d.OW + ow] = (uint8_t)best;
      }
  nest_q8_maxpool2d(&d, x, y);
  char what[96];
  snprintf(what, sizeof what, "q8_maxpool C%lld %lldx%lld k%lld s%lld d%lld p%lld+%lld %s", (long long)C, (long long)H,
           (long long)W, (long long)K, (long long)s, (long long)dil, (long long)pad, (long long)extra,
           is_signed ? "i8" : "u8");
  ++checks;
  for (int64_t i = 0; i < Y; ++i)
    if (y[i] != ref[i]) {
      ++failures;
      printf("FAIL %s: element %lld got %d want %d\n", what, (long long)i, y[i], ref[i]);
      break;
    }
  for (int run = 0; run < THREAD_RUNS; ++run) {
    use_threads(run, 0);
    nest_q8_maxpool2d(&d, x, yt);
    same_bytes(what, run, y, yt, (size_t)Y);
  }
  use_threads(-1, 0);
  free(x), free(y), free(yt), free(ref);
}

/* The softmax row (attention and Softmax along the last axis) against exp in double, in place
 * and not; a NaN anywhere makes the whole row NaN, an all -inf row is 0 / 0 (NaN) like the
 * reference, and a +inf input goes to the reference's own double path (same bytes). */
static void test_softmax_row(int64_t n, int special) {
  char what[96];
  snprintf(what, sizeof what, "softmax row n%lld special%d", (long long)n, special);
  uint64_t st = (uint64_t)(n * 13 + special);
  float *x = xmalloc(n * 4), *y = xmalloc(n * 4), *inplace = xmalloc(n * 4), *want = xmalloc(n * 4);
  double *ref = xmalloc(n * 8);
  ref_fill(x, n, &st);
  for (int64_t i = 0; i < n; ++i) x[i] *= 20.0f;
  if (special == 1) x[n / 2] = NAN;
  if (special == 2)
    for (int64_t i = 0; i < n; ++i) x[i] = -INFINITY;
  if (special == 3) x[n - 1] = INFINITY;
  memcpy(inplace, x, (size_t)n * 4);
  nest_softmax_row_f32(x, y, n);
  nest_softmax_row_f32(inplace, inplace, n);
  ++checks;
  if (memcmp(y, inplace, (size_t)n * 4) != 0) ++failures, printf("FAIL %s: in place differs\n", what);
  if (special == 0) {
    double mx = -INFINITY, sum = 0.0;
    for (int64_t i = 0; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
    for (int64_t i = 0; i < n; ++i) sum += ref[i] = exp((double)x[i] - mx);
    for (int64_t i = 0; i < n; ++i) ref[i] /= sum;
    compare(what, y, ref, NULL, n);
  } else if (special == 3) {
    nest_softmax_double_f32(x, want, 1, n, 1, 0, NULL);
    ++checks;
    if (memcmp(want, y, (size_t)n * 4) != 0) ++failures, printf("FAIL %s: differs from the reference path\n", what);
  } else {
    int64_t nans = 0;
    for (int64_t i = 0; i < n; ++i) nans += y[i] != y[i];
    ++checks;
    if (nans != n) ++failures, printf("FAIL %s: %lld of %lld results NaN, want all\n", what, (long long)nans, (long long)n);
  }
  free(x), free(y), free(inplace), free(want), free(ref);
}

static void test_check_rejects(void) {
  nest_conv2d_desc d;
  memset(&d, 0, sizeof d);
  d.N = 1, d.C = 6, d.H = 8, d.W = 8, d.M = 4, d.OH = 6, d.OW = 6, d.KH = 3, d.KW = 3;
  d.stride_h = d.stride_w = d.dilation_h = d.dilation_w = 1, d.group = 1;
  ++checks;
  if (nest_conv2d_check(&d) != NULL) ++failures, printf("FAIL check rejected a valid conv\n");
  d.OW = 7;
  ++checks;
  if (nest_conv2d_check(&d) == NULL) ++failures, printf("FAIL check accepted a wrong OW\n");
  d.OW = 6, d.group = 4;
  ++checks;
  if (nest_conv2d_check(&d) == NULL) ++failures, printf("FAIL check accepted group not dividing C\n");
}

/* The path (nest_conv2d_f32_path) a KxK conv of this shape takes (pad K/2, stride s, dilation dil,
 * groups): it must be `want`, so the tests of a path cannot silently test another one instead. */
static void expect_path(int64_t N, int64_t C, int64_t H, int64_t W, int64_t M, int64_t K, int64_t s, int64_t dil,
                        int64_t group, const char *want) {
  nest_conv2d_desc d;
  memset(&d, 0, sizeof d);
  d.N = N, d.C = C, d.H = H, d.W = W, d.M = M, d.KH = d.KW = K, d.stride_h = d.stride_w = s;
  d.dilation_h = d.dilation_w = dil, d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = K / 2, d.group = group;
  d.OH = (H + 2 * (K / 2) - dil * (K - 1) - 1) / s + 1, d.OW = (W + 2 * (K / 2) - dil * (K - 1) - 1) / s + 1;
  ++checks;
  const char *got = nest_conv2d_f32_path(&d);
  if (strcmp(got, want) != 0) {
    ++failures;
    printf("FAIL conv N%lld C%lld %lldx%lld M%lld k%lld s%lld d%lld g%lld: path %s, want %s\n", (long long)N,
           (long long)C, (long long)H, (long long)W, (long long)M, (long long)K, (long long)s, (long long)dil,
           (long long)group, got, want);
  }
}

int main(void) {
  test_parallel_units();
  test_profile_idle();
  /* packed int8 gemm: 6-row tiles and leftover rows, K not a multiple of 4, partial column groups */
  test_q8_gemm_packed(13, 150, 70, 0, 1, 0, 1, 0);
  test_q8_gemm_packed(13, 150, 70, 1, 1, 1, 1, 1);
  test_q8_gemm_packed(6, 64, 64, 0, 0, 1, 0, 0);
  test_q8_gemm_packed(1, 5, 3, 1, 0, 0, 1, 0);
  test_q8_gemm_packed(25, 200, 257, 0, 1, 1, 0, 1);
  /* int8 depthwise: the permute path (kernels up to 4 wide: blocks of 48 pixels, rows over 128
   * bytes, stride 2, dilation, every weight zero-point form), small planes, 5 wide (the other
   * path), then a pointwise and a grouped conv (the GEMM tile's requantization) */
  for (int wz = 0; wz < 3; ++wz) {
    test_q8_conv(1, 10, 11, 150, 10, 3, 3, 1, 1, 1, 10, 1, wz);
    test_q8_conv(2, 6, 9, 131, 6, 3, 3, 2, 1, 1, 6, 0, wz);
    test_q8_conv(1, 5, 7, 7, 5, 3, 3, 1, 1, 1, 5, 1, wz);
    test_q8_conv(1, 4, 13, 60, 4, 3, 3, 1, 2, 2, 4, 0, wz);
    test_q8_conv(1, 3, 8, 49, 3, 4, 4, 2, 1, 1, 3, 1, wz);
    test_q8_conv(1, 3, 9, 30, 3, 1, 1, 1, 1, 0, 3, 0, wz);
    test_q8_conv(1, 4, 12, 40, 4, 5, 5, 1, 1, 2, 4, 1, wz);
    test_q8_conv(1, 16, 9, 21, 24, 1, 1, 1, 1, 0, 1, 1, wz);
    test_q8_conv(1, 8, 10, 10, 12, 3, 3, 1, 1, 1, 2, 0, wz);
    /* pointwise columns built from the input: channels past a multiple of 4, a last block of 13
     * pixels, batch 2, grouped, whole blocks only; a padded or strided 1x1 goes through xi */
    test_q8_conv(2, 13, 9, 21, 20, 1, 1, 1, 1, 0, 1, 0, wz);
    test_q8_conv(1, 12, 7, 9, 18, 1, 1, 1, 1, 0, 3, 1, wz);
    test_q8_conv(1, 64, 16, 16, 40, 1, 1, 1, 1, 0, 1, 0, wz);
    test_q8_conv(1, 13, 9, 21, 20, 1, 1, 2, 1, 0, 1, 1, wz);
    test_q8_conv(1, 13, 9, 21, 20, 1, 1, 1, 1, 1, 1, 0, wz);
    /* spatial kernels: blocks over two output rows (masked loads per row), dilated, rows of 3
     * pixels (more rows than Q8_MAX_RUNS: gathers), stride 2 on rows of 9 (three rows a block),
     * a 7x7 stride-2 stem on 3 channels */
    test_q8_conv(1, 12, 20, 21, 16, 3, 3, 1, 1, 1, 1, 1, wz);
    test_q8_conv(1, 8, 11, 19, 9, 3, 3, 1, 2, 2, 1, 0, wz);
    test_q8_conv(1, 8, 5, 3, 9, 3, 3, 1, 1, 1, 1, 0, wz);
    test_q8_conv(1, 8, 13, 17, 10, 3, 3, 2, 1, 1, 1, 1, wz);
    test_q8_conv(1, 3, 37, 41, 16, 7, 7, 2, 1, 3, 1, 1, wz);
  }

  for (int sg = 0; sg < 4; ++sg) {
    test_q8_requant_rows(1, 3, sg & 1, sg >> 1);
    test_q8_requant_rows(64, 2, sg & 1, sg >> 1);
    test_q8_requant_rows(200, 3, sg & 1, sg >> 1);
  }

  /* int8 MaxPool: GoogLeNet's 3x3 stride 1 pad 1 on 14x14 and 7x7, its stride-2 ceil-mode pools
   * (28 wide: a 256-byte window; 56 and 112 wide: rows), dilation, a 2x2 pool, 1x1 planes */
  for (int sg = 0; sg < 2; ++sg) {
    test_q8_maxpool(9, 14, 14, 3, 1, 1, 1, 0, sg);
    test_q8_maxpool(5, 7, 7, 3, 1, 1, 1, 0, sg);
    test_q8_maxpool(4, 28, 28, 3, 2, 1, 0, 1, sg);
    test_q8_maxpool(3, 56, 56, 3, 2, 1, 0, 1, sg);
    test_q8_maxpool(2, 112, 112, 3, 2, 1, 1, 0, sg);
    test_q8_maxpool(3, 13, 11, 3, 1, 2, 2, 0, sg);
    test_q8_maxpool(4, 10, 9, 2, 2, 1, 0, 1, sg);
    test_q8_maxpool(6, 1, 1, 1, 1, 1, 0, 0, sg);
    test_q8_maxpool(2, 9, 150, 3, 1, 1, 1, 0, sg);
  }

  /* 1x1 stride 1 (plain copy path), odd channel counts and pixel counts around the tile width */
  test_conv(1, 16, 7, 7, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 1, 0);
  test_conv(1, 64, 14, 14, 64, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_RELU, 1, 1);
  test_conv(2, 13, 5, 11, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_CLIP, 1, 0);
  test_conv(1, 300, 6, 8, 17, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_RELU, 0, 0);  /* K > K-block */
  test_conv(1, 520, 7, 7, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_SIGMOID, 1, 0); /* several K-blocks */
  /* many groups: whole groups as units (group_unit) at 1-8 threads, one group at a time beyond */
  test_conv(1, 64, 9, 9, 64, 3, 3, 1, 1, 1, 1, 1, 1, 32, NEST_ACT_RELU, 1, 1);  /* ResNeXt-like, 2 per group */
  test_conv(1, 64, 15, 15, 32, 3, 3, 2, 1, 1, 1, 1, 1, 8, NEST_ACT_CLIP, 1, 0); /* stride 2, phase copies */
  test_conv(1, 32, 10, 10, 16, 3, 3, 1, 1, 0, 0, 0, 0, 8, NEST_ACT_NONE, 0, 0); /* no copy: tail tiles only */
  test_conv_residual(2, 48, 7, 7, 48, 3, 1, 1, 12, NEST_ACT_RELU);
  /* real outputs stored from registers through the wide-position map (AVX-512): 4 channels per
   * group (4-row tiles); 12 per group on 32 (a whole panel and a 4-row one, 3 K-blocks of partial
   * sums); a 7x7 plane (rows of 9 wide positions); an activation applied after the store instead */
  test_conv(1, 128, 20, 20, 128, 3, 3, 1, 1, 1, 1, 1, 1, 32, NEST_ACT_RELU, 1, 0);
  test_conv(1, 64, 13, 11, 24, 3, 3, 1, 1, 1, 1, 1, 1, 2, NEST_ACT_CLIP, 1, 1);
  test_conv(2, 256, 7, 7, 256, 3, 3, 1, 1, 1, 1, 1, 1, 8, NEST_ACT_NONE, 1, 0);
  test_conv(1, 64, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 16, NEST_ACT_LEAKY_RELU, 1, 0);
  /* 1x1 planes with 1 or 2 pixels past their whole tiles: single columns (nest_rt_gemm_col) */
  test_conv(1, 300, 7, 14, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_CLIP, 1, 1); /* 98 = 2 x 48 + 2 */
  test_conv(2, 7, 5, 10, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_RELU, 0, 0);    /* 50 = 48 + 2, odd K */
  test_conv_residual(1, 261, 7, 7, 19, 1, 1, 0, 1, NEST_ACT_RELU);              /* 49 = 48 + 1 */
  test_conv_residual(1, 12, 1, 2, 8, 1, 1, 0, 1, NEST_ACT_SIGMOID);             /* 2 columns, no tile */
  /* no padding, 3 wide: the wide layout ends exactly at the input's end (reads must stay inside) */
  test_conv(1, 5, 11, 9, 6, 3, 3, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 1, 0);
  test_conv(1, 3, 9, 16, 4, 1, 5, 1, 2, 0, 0, 0, 0, 1, NEST_ACT_NONE, 1, 0);
  /* weights over 512 KB: stride-1 tiles in several blocks (padded and 1x1 direct-output forms) */
  test_conv(1, 32, 24, 24, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 0);
  test_conv(1, 160, 24, 23, 1024, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 1, 1);
  /* 1x1 storing straight into Y in blocks of many tiles: two blocks, the second partial */
  test_conv(1, 24, 60, 70, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_RELU, 1, 0);
  /* 1x1 stride 2 (ResNet downsample) and anisotropic stride */
  test_conv(1, 32, 14, 14, 40, 1, 1, 2, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 1, 0);
  /* 1x1 stride 2 and 3 (subsampled, then stride 1), odd sizes over several vectors, batch 2 */
  test_conv_sw(2, 24, 33, 67, 40, 1, 1, 2, 2, 1, 0, 0, 0, 0, 1, NEST_ACT_RELU, 1, 1);
  test_conv_sw(1, 16, 20, 31, 12, 1, 1, 3, 3, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 1, 0);
  /* 3x3 pad 1, strides, dilation, asymmetric pads */
  test_conv(1, 8, 9, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 1);
  test_conv(1, 5, 13, 10, 7, 3, 3, 2, 1, 1, 1, 1, 1, 1, NEST_ACT_LEAKY_RELU, 1, 0);
  test_conv(2, 3, 17, 15, 11, 3, 3, 1, 2, 2, 2, 2, 2, 1, NEST_ACT_HARD_SWISH, 1, 0);
  test_conv(1, 4, 10, 12, 6, 3, 2, 1, 1, 0, 1, 2, 0, 1, NEST_ACT_TANH, 0, 1);
  test_conv(1, 64, 28, 28, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 0);
  /* Winograd with 5 blocks of tiles: whole blocks per thread, then the rest split by channels */
  test_conv(1, 72, 30, 30, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 0);
  /* stride 2 with a spatial kernel: 3x3 pad 1 on even and odd sizes, asymmetric pads, dilation 2,
   * one strided axis only, grouped, weights over 512 KB (blocks of tiles), a 2x2 kernel without
   * padding, batch 2; under 64 terms per output through im2col, else the phase-split implicit GEMM */
  test_conv(1, 16, 56, 56, 24, 3, 3, 2, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 0);
  test_conv(1, 7, 15, 13, 9, 3, 3, 2, 1, 0, 1, 2, 0, 1, NEST_ACT_NONE, 1, 1);
  test_conv(1, 5, 19, 21, 6, 3, 3, 2, 2, 2, 2, 2, 2, 1, NEST_ACT_CLIP, 1, 0);
  test_conv_sw(1, 6, 12, 17, 8, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, NEST_ACT_NONE, 1, 0);
  test_conv_sw(2, 6, 17, 12, 8, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 1);
  test_conv(1, 8, 14, 14, 12, 3, 3, 2, 1, 1, 1, 1, 1, 2, NEST_ACT_RELU, 1, 0);
  test_conv(1, 64, 14, 14, 512, 3, 3, 2, 1, 1, 1, 1, 1, 1, NEST_ACT_NONE, 1, 0);
  /* weights over 512 KB on more output positions than channels: one block of tiles per thread */
  test_conv(1, 128, 30, 30, 128, 3, 3, 2, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 0);
  /* the same, dilated with asymmetric pads: on 2 threads each block copies the rows it reads */
  test_conv(1, 72, 41, 37, 224, 3, 3, 2, 2, 2, 1, 2, 1, 1, NEST_ACT_RELU, 1, 0);
  test_conv(2, 4, 10, 9, 5, 2, 2, 2, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 0, 0);
  /* the same features with 64 or more terms per output (the implicit path; fewer go to im2col) */
  test_conv(1, 8, 15, 13, 9, 3, 3, 2, 1, 0, 1, 2, 0, 1, NEST_ACT_NONE, 1, 1);
  test_conv(1, 8, 19, 21, 6, 3, 3, 2, 2, 2, 2, 2, 2, 1, NEST_ACT_CLIP, 1, 0);
  test_conv_sw(2, 8, 17, 12, 8, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 1);
  test_conv(1, 16, 14, 14, 12, 3, 3, 2, 1, 1, 1, 1, 1, 2, NEST_ACT_RELU, 1, 0);
  test_conv(2, 16, 10, 9, 5, 2, 2, 2, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 0, 0);
  /* a residual added before the activation: 1x1 into Y (ResNet-50's expanding conv, two blocks),
   * 3x3 padded (ResNet-18), stride 2, 1x1 stride 2 and depthwise (added in a pass after) */
  test_conv_residual(1, 24, 60, 70, 40, 1, 1, 0, 1, NEST_ACT_RELU);
  /* 1x1: the residual joins each tile in the micro-kernel (whole tiles, Clip in registers), or
   * after a partial tile's copy back (5 rows, Sigmoid afterwards) */
  test_conv_residual(1, 32, 12, 16, 16, 1, 1, 0, 1, NEST_ACT_CLIP);
  test_conv_residual(1, 24, 7, 9, 13, 1, 1, 0, 1, NEST_ACT_SIGMOID);
  test_conv_residual(2, 16, 14, 15, 24, 3, 1, 1, 1, NEST_ACT_RELU);
  test_conv_residual(1, 8, 17, 16, 12, 3, 2, 1, 1, NEST_ACT_CLIP);
  test_conv_residual(1, 8, 15, 16, 12, 1, 2, 0, 1, NEST_ACT_NONE);
  test_conv_residual(1, 6, 13, 11, 6, 3, 1, 1, 6, NEST_ACT_RELU);
  /* 1x1 strided without padding, on the subsampled input: odd sizes, stride 3, groups, batch 2,
   * weights over 512 KB (streamed, several K-blocks); with padding it stays on im2col */
  test_conv(2, 24, 33, 67, 40, 1, 1, 3, 1, 0, 0, 0, 0, 2, NEST_ACT_CLIP, 1, 1);
  test_conv(1, 520, 9, 11, 264, 1, 1, 2, 1, 0, 0, 0, 0, 1, NEST_ACT_RELU, 1, 0);
  test_conv(2, 300, 13, 13, 72, 1, 1, 2, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 1, 0); /* onto 7x7 */
  test_conv(1, 16, 10, 12, 24, 1, 1, 2, 1, 1, 1, 0, 0, 1, NEST_ACT_NONE, 1, 0);
  test_conv_residual(2, 40, 15, 15, 72, 1, 2, 0, 1, NEST_ACT_RELU);
  /* Winograd F(2x2, 3x3) (3x3 stride 1, 16 channels or more, 32 tiles or more): odd sizes (a
   * last tile half outside), M not a multiple of 8, 40 channels (blocks of 96 tiles) and more
   * than 64 (blocks of 48), channel chunks of 64 and a partial one, K-blocks, no padding,
   * asymmetric and 2-wide pads, batch 2, activations in and after the transform, residuals */
  test_conv(1, 40, 13, 17, 21, 3, 3, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 1);
  test_conv(1, 72, 15, 9, 70, 3, 3, 1, 1, 0, 2, 2, 1, 1, NEST_ACT_CLIP, 1, 0);
  test_conv(2, 136, 12, 11, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_SIGMOID, 0, 0);
  test_conv(1, 32, 40, 41, 8, 3, 3, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 1, 0);
  test_conv(1, 64, 11, 11, 200, 3, 3, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_HARD_SWISH, 1, 1);
  test_conv(1, 33, 10, 10, 9, 3, 3, 1, 1, 2, 2, 2, 2, 1, NEST_ACT_LEAKY_RELU, 1, 0);
  test_conv(2, 16, 21, 19, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 0); /* 16 channels, the fewest */
  test_conv_residual(1, 48, 14, 13, 20, 3, 1, 1, 1, NEST_ACT_RELU);
  test_conv_residual(2, 96, 12, 12, 72, 3, 1, 1, 1, NEST_ACT_TANH);
  /* Small output planes (196 pixels or fewer) with 64+ output channels and a spatial kernel,
   * vectorized over output channels: two panels (the second partial), three, several K-blocks,
   * stride 2, no padding (the input read in place), dilation, a 2x2 kernel, batch 2, activations,
   * residuals */
  test_conv(1, 40, 7, 7, 72, 3, 3, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 1);
  test_conv(2, 16, 14, 13, 64, 3, 3, 2, 1, 1, 1, 1, 1, 1, NEST_ACT_CLIP, 1, 0);
  test_conv(1, 8, 9, 9, 130, 3, 3, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 0, 0);
  test_conv(1, 24, 8, 8, 64, 3, 3, 1, 2, 2, 2, 2, 2, 1, NEST_ACT_SIGMOID, 1, 0);
  test_conv(1, 16, 5, 6, 96, 2, 2, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_HARD_SWISH, 1, 1);
  test_conv_residual(1, 32, 7, 7, 64, 3, 1, 1, 1, NEST_ACT_RELU);
  test_conv_residual(2, 64, 14, 14, 128, 3, 2, 1, 1, NEST_ACT_TANH);
  test_conv(1, 40, 28, 27, 72, 3, 3, 2, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 0); /* onto 14x14: 196 pixels */
  test_conv_residual(1, 24, 27, 28, 64, 3, 2, 1, 1, NEST_ACT_CLIP);
  /* 1x1 convs onto small planes with 128+ input channels and 64+ output channels, vectorized over
   * output channels: 7-pixel tiles (14x14, 14x13), 6-pixel tiles with a 1-pixel last one (13x13),
   * fewer pixels than one 16-pixel store block, several panels and last panels of 6, 16, 32, 40
   * (SqueezeNet's 1000 classes) and 48 channels, batch 2, no bias, every activation in and after
   * the registers, residuals; on several threads split by pixels (256 -> 128 on 14x14, batch-2
   * 300 -> 64 on 13x13) and by output channels (256 -> 192 on 7x7: weights large next to the planes) */
  test_conv(1, 256, 14, 14, 128, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_RELU, 1, 1);
  test_conv(2, 300, 13, 13, 64, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_CLIP, 1, 0);
  test_conv(1, 256, 7, 7, 192, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_SIGMOID, 0, 0);
  test_conv(1, 260, 3, 5, 64, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_HARD_SWISH, 1, 1);
  test_conv(1, 257, 14, 13, 128, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 1, 0);
  test_conv_residual(1, 256, 14, 14, 256, 1, 1, 0, 1, NEST_ACT_RELU);
  test_conv_residual(2, 320, 9, 9, 128, 1, 1, 0, 1, NEST_ACT_TANH);
  test_conv(1, 128, 14, 14, 80, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_RELU, 1, 0);
  test_conv(1, 200, 7, 7, 160, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_CLIP, 1, 1);
  test_conv_residual(1, 144, 13, 13, 112, 1, 1, 0, 1, NEST_ACT_RELU);
  test_conv(1, 130, 13, 13, 1000, 1, 1, 1, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 1, 1);
  /* strided 1x1 convs whose subsampled conv takes the pointwise path (ResNet's shortcuts onto
   * 14x14 and 7x7), with a residual; 520 -> 264 and 300 -> 72 above take it too */
  test_conv_residual(1, 256, 28, 28, 128, 1, 2, 0, 1, NEST_ACT_RELU);
  test_conv(2, 128, 13, 14, 64, 1, 1, 2, 1, 0, 0, 0, 0, 1, NEST_ACT_NONE, 0, 1);
  test_conv_residual(2, 128, 5, 9, 70, 1, 1, 0, 1, NEST_ACT_HARD_SWISH);
  {
    static const struct {
      int64_t N, C, H, W, M, K, s, dil, group;
      const char *path;
    } shapes[] = {
        {1, 40, 13, 17, 21, 3, 1, 1, 1, "winograd"}, {1, 72, 15, 9, 70, 3, 1, 1, 1, "winograd"},
        {1, 32, 40, 41, 8, 3, 1, 1, 1, "winograd"},  {1, 64, 11, 11, 200, 3, 1, 1, 1, "winograd"},
        {1, 8, 56, 56, 64, 3, 1, 1, 1, "implicit"}, {1, 64, 56, 56, 64, 3, 2, 1, 1, "implicit"}, {1, 256, 28, 28, 256, 3, 2, 1, 1, "small"},
        {1, 256, 29, 28, 256, 3, 2, 1, 1, "implicit"},
        {1, 64, 56, 56, 64, 3, 1, 2, 1, "implicit"}, {1, 64, 28, 28, 64, 3, 1, 1, 2, "implicit"},
        {1, 40, 7, 7, 72, 3, 1, 1, 1, "small"},      {1, 16, 14, 13, 64, 3, 2, 1, 1, "small"},
        {1, 64, 7, 7, 512, 3, 1, 1, 1, "small"},     {1, 64, 7, 7, 48, 3, 1, 1, 1, "implicit"},
        {1, 512, 7, 7, 2048, 1, 1, 1, 1, "pointwise"}, {1, 1024, 14, 14, 256, 1, 1, 1, 1, "pointwise"},
        {1, 127, 14, 14, 256, 1, 1, 1, 1, "implicit"}, {1, 256, 15, 14, 256, 1, 1, 1, 1, "implicit"},
        {1, 128, 14, 14, 96, 1, 1, 1, 1, "pointwise"}, {1, 256, 14, 14, 72, 1, 1, 1, 1, "pointwise"},
        {1, 256, 14, 14, 48, 1, 1, 1, 1, "implicit"},
        {1, 256, 14, 14, 256, 1, 1, 1, 2, "implicit"}, {1, 3, 224, 224, 64, 3, 2, 1, 1, "stem"},
        {1, 1024, 14, 14, 2048, 1, 2, 1, 1, "subsample"}, {1, 32, 28, 28, 32, 3, 1, 1, 32, "depthwise"},
        {1, 24, 33, 67, 40, 1, 3, 1, 2, "subsample"}, {1, 256, 56, 56, 512, 1, 2, 1, 1, "subsample"},
        {1, 512, 14, 14, 48, 1, 1, 1, 1, "implicit"}, {1, 16, 55, 55, 64, 3, 1, 1, 1, "winograd"},
        {1, 3, 224, 224, 64, 7, 2, 1, 1, "stem"},     {1, 1, 28, 28, 8, 5, 1, 1, 1, "stem"},
        {1, 4, 30, 30, 16, 3, 1, 2, 1, "stem"},       {1, 5, 30, 30, 16, 3, 2, 1, 1, "im2col"},
        {1, 3, 30, 30, 16, 3, 3, 1, 1, "im2col"},     {1, 4, 30, 30, 8, 3, 1, 1, 2, "implicit"}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i)
      expect_path(shapes[i].N, shapes[i].C, shapes[i].H, shapes[i].W, shapes[i].M, shapes[i].K, shapes[i].s,
                  shapes[i].dil, shapes[i].group, shapes[i].path);
  }
  /* Stems (4 input channels or fewer, stride 1 or 2 across): SqueezeNet's 3x3 stride 2 without
   * padding onto an odd width, MobileNetV2's with padding and 32 channels, a 7x7 stride 2 pad 3 on
   * widths of 1 vector and less, one channel 5x5 (MNIST), dilation, asymmetric pads, stride 2 down
   * and 1 across and the reverse, channels past whole panels and fewer than a register row, batch
   * 2, every activation in and after the registers, residuals */
  test_conv(1, 3, 23, 37, 64, 3, 3, 2, 1, 0, 0, 0, 0, 1, NEST_ACT_RELU, 1, 1);
  test_conv(1, 3, 30, 31, 32, 3, 3, 2, 1, 1, 1, 1, 1, 1, NEST_ACT_CLIP, 1, 0);
  test_conv(2, 3, 21, 33, 20, 7, 7, 2, 1, 3, 3, 3, 3, 1, NEST_ACT_HARD_SWISH, 1, 0);
  test_conv(1, 3, 9, 11, 3, 7, 7, 2, 1, 3, 3, 3, 3, 1, NEST_ACT_NONE, 0, 0);
  test_conv(1, 1, 28, 28, 8, 5, 5, 1, 1, 2, 2, 2, 2, 1, NEST_ACT_RELU, 1, 0);
  test_conv(1, 4, 19, 50, 12, 3, 3, 1, 2, 0, 2, 2, 1, 1, NEST_ACT_SIGMOID, 1, 1);
  test_conv_sw(1, 2, 25, 52, 9, 3, 5, 2, 1, 1, 1, 2, 0, 2, 1, NEST_ACT_LEAKY_RELU, 1, 0);
  test_conv_sw(1, 3, 17, 40, 16, 3, 3, 3, 2, 1, 1, 1, 1, 1, 1, NEST_ACT_TANH, 0, 1);
  test_conv_residual(1, 3, 20, 35, 24, 3, 2, 1, 1, NEST_ACT_RELU);
  test_conv_residual(2, 1, 12, 17, 5, 3, 1, 1, 1, NEST_ACT_SIGMOID);
  /* rows of whole tiles and a partial one (ReLU and Clip stored straight from the registers) */
  test_conv(1, 3, 20, 101, 16, 3, 3, 2, 1, 1, 1, 1, 1, 1, NEST_ACT_CLIP, 1, 0);
  test_conv(1, 2, 9, 120, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 1);
  /* SqueezeNet's and MobileNetV2's stems at their real width, a few rows of it */
  test_conv(1, 3, 9, 224, 64, 3, 3, 2, 1, 0, 0, 0, 0, 1, NEST_ACT_RELU, 1, 0);
  test_conv(1, 3, 7, 224, 32, 3, 3, 2, 1, 1, 1, 1, 1, 1, NEST_ACT_CLIP, 1, 1);
  /* 7x7 stride 2 pad 3 (ResNet stem), 5x5 */
  test_conv(1, 3, 37, 41, 16, 7, 7, 2, 1, 3, 3, 3, 3, 1, NEST_ACT_RELU, 1, 1);
  test_conv(1, 6, 15, 15, 10, 5, 5, 3, 1, 2, 2, 1, 1, 1, NEST_ACT_NONE, 1, 0);
  /* grouped (non-depthwise), channel multiplier, depthwise incl. stride 2, dilation, 5x5 */
  test_conv(1, 8, 9, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1, 4, NEST_ACT_RELU, 1, 0);
  test_conv(1, 4, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4, NEST_ACT_NONE, 1, 0);
  test_conv(1, 32, 19, 23, 32, 3, 3, 1, 1, 1, 1, 1, 1, 32, NEST_ACT_CLIP, 1, 1);
  test_conv(2, 24, 20, 17, 24, 3, 3, 2, 1, 1, 1, 1, 1, 24, NEST_ACT_RELU, 1, 0);
  test_conv(1, 7, 33, 40, 7, 3, 3, 2, 1, 0, 1, 1, 0, 7, NEST_ACT_NONE, 0, 0);
  test_conv(1, 5, 12, 12, 5, 3, 3, 1, 2, 2, 2, 2, 2, 5, NEST_ACT_SIGMOID, 1, 0);
  test_conv(1, 6, 14, 14, 6, 5, 5, 2, 1, 2, 2, 2, 2, 6, NEST_ACT_HARD_SWISH, 1, 0);
  test_conv(1, 3, 1, 1, 3, 1, 1, 1, 1, 0, 0, 0, 0, 3, NEST_ACT_NONE, 1, 0);
  test_conv(1, 4, 40, 50, 4, 3, 3, 3, 1, 1, 1, 1, 1, 4, NEST_ACT_RELU, 1, 0); /* stride 3: plane path */
  test_conv(1, 3, 9, 70, 3, 1, 17, 1, 1, 0, 8, 0, 8, 3, NEST_ACT_NONE, 1, 0);  /* 17 wide: plane path */
  test_conv(1, 16, 30, 36, 16, 3, 3, 1, 1, 1, 1, 1, 1, 16, NEST_ACT_NONE, 1, 0);
  /* 3x3 depthwise in blocks of 4 rows x 2 chunks: a row remainder, an odd chunk count with a
   * partial last chunk, no top padding, an activation applied after the store, 7x7 planes */
  test_conv(1, 5, 50, 70, 5, 3, 3, 2, 1, 0, 1, 1, 0, 5, NEST_ACT_LEAKY_RELU, 1, 0);
  test_conv(2, 3, 7, 7, 3, 3, 3, 1, 1, 1, 1, 1, 1, 3, NEST_ACT_RELU, 1, 1);
  test_conv(1, 4, 14, 14, 4, 3, 3, 2, 1, 1, 1, 1, 1, 4, NEST_ACT_CLIP, 0, 0);
  test_conv(1, 3, 21, 35, 3, 3, 3, 1, 1, 0, 0, 0, 0, 3, NEST_ACT_TANH, 1, 0);
  /* kernel bigger than the input, all outputs touching padding */
  test_conv(1, 2, 2, 3, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, NEST_ACT_RELU, 1, 0);

  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      test_gemm(1, 1000, 64, ta, tb, 1.0f, 1.0f, 2, NEST_ACT_NONE, 1);
      test_gemm(13, 50, 37, ta, tb, 0.5f, 2.0f, 4, NEST_ACT_RELU, 1);
      test_gemm(9, 97, 300, ta, tb, 1.0f, 0.0f, 0, NEST_ACT_NONE, 0);
    }
  test_gemm(3, 7, 5, 0, 0, 1.0f, 1.5f, 1, NEST_ACT_CLIP, 0);
  test_gemm(17, 49, 520, 0, 1, 1.0f, 1.0f, 3, NEST_ACT_SIGMOID, 1);
  test_gemm(8, 48, 16, 0, 0, -1.0f, 1.0f, 2, NEST_ACT_LEAKY_RELU, 1);
  test_gemm(4, 6, 0, 0, 0, 1.0f, 1.0f, 4, NEST_ACT_RELU, 0); /* K = 0: beta * C only */
  for (int special = 0; special < 4; ++special) {
    test_softmax_row(1, special);
    test_softmax_row(16, special);
    test_softmax_row(197, special);
  }
  /* a row or scalar C starting the accumulators: full and partial row panels and column tiles,
   * several K-blocks with a K tail that is not a multiple of the 8 x 8 A-packing transpose */
  test_gemm(21, 100, 300, 0, 0, 1.0f, 0.5f, 2, NEST_ACT_RELU, 1);
  test_gemm(21, 100, 300, 0, 1, 1.0f, 1.0f, 2, NEST_ACT_NONE, 0);
  test_gemm(11, 33, 9, 0, 0, 2.0f, 1.5f, 1, NEST_ACT_NONE, 1);

  /* 3x3 max pools on the row kernel go by bands of output rows of every plane on several threads
   * (the flat kernel and the other pools by planes): each is compared at 2, 3 and 4 threads */
  test_pool(1, 3, 112, 112, 3, 2, 1, 1, 0, 0); /* ResNet */
  test_pool(1, 5, 13, 13, 3, 2, 1, 0, 1, 0);   /* SqueezeNet ceil mode */
  test_pool(1, 4, 9, 11, 2, 2, 1, 0, 1, 0);
  test_pool(1, 2, 10, 10, 3, 1, 2, 2, 0, 0);   /* dilation */
  test_pool(1, 3, 7, 7, 3, 3, 1, 1, 1, 0);
  test_pool(1, 4, 28, 28, 3, 1, 1, 1, 0, 0);  /* GoogLeNet branch pool */
  test_pool(1, 3, 57, 57, 3, 2, 1, 0, 1, 0);  /* ceil mode, odd width over several vectors */
  test_pool(1, 6, 14, 14, 3, 1, 1, 1, 0, 0);  /* GoogLeNet's 14x14 branch pools */
  test_pool(1, 2, 9, 300, 3, 2, 1, 1, 1, 0);  /* a wide row, stride 2, ceil mode */
  test_pool(1, 3, 7, 9, 3, 1, 1, 1, 0, 0);    /* a flat "same" pool: 63 pixels, rows of 9 */
  test_pool(1, 2, 4, 4, 3, 1, 1, 1, 0, 0);    /* flat, one whole vector */
  test_pool(1, 2, 5, 1, 3, 1, 1, 1, 0, 0);    /* flat, a single column */
  test_pool(1, 2, 33, 64, 3, 1, 1, 1, 0, 0);  /* over the flat limit (2112 pixels): rows */
  test_pool(1, 3, 12, 20, 3, 1, 1, 0, 0, 0);  /* stride 1 without padding: rows */
  test_pool(1, 3, 14, 14, 3, 2, 1, 0, 1, 0);  /* GoogLeNet's 14x14 -> 7x7 */
  test_pool(1, 2, 40, 35, 3, 2, 1, 1, 0, 0);  /* stride 2 with padding, a last vector of 3 */
  test_pool(0, 3, 9, 9, 3, 1, 1, 1, 0, 0);
  test_pool(0, 3, 9, 9, 3, 1, 1, 1, 0, 1);
  test_pool(0, 4, 10, 13, 3, 2, 1, 1, 1, 1); /* ceil overhang past padding, count_include_pad */
  test_pool(0, 4, 10, 13, 3, 2, 1, 1, 1, 0);
  test_pool(0, 2, 7, 7, 7, 1, 1, 0, 0, 0);
  test_pool(0, 3, 28, 28, 5, 3, 1, 0, 1, 1);
  test_global_avgpool(2, 3, 49);
  test_global_avgpool(1, 5, 1);
  test_global_avgpool(1, 4, 3137);
  test_check_rejects();

  printf("%d of %d kernel checks passed (%s, vector width %s)\n", checks - failures, checks,
#if defined(__AVX512F__)
         "AVX-512", "16"
#elif defined(__AVX2__)
         "AVX2", "8"
#elif defined(__ARM_NEON)
         "NEON", "4"
#else
         "portable C", "1"
#endif
  );
  return failures ? 1 : 0;
}
