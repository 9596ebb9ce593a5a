/* Float exp and erf written for the compiler's vectorizer (no libm calls, no branches the
 * vectorizer cannot turn into selects): Softmax along the last axis and GELU, the elementwise
 * work of transformers. */
#include <math.h>
#include <string.h>

#include "nest_rt_misc.h"

/* exp(x) = 2^k * exp(r), k = round(x / ln 2), r = x - k ln 2 in [-ln2/2, ln2/2] (ln 2 split in two
 * for an exact product), exp(r) by its degree-6 Taylor polynomial (truncation < 3e-8 there). */
static inline float exp_inline(float x) {
  const float lo = -87.0f, hi = 88.0f;
  float xc = x < lo ? lo : x;
  xc = xc > hi ? hi : xc;
  xc = xc == xc ? xc : 0.0f; /* a NaN must not reach the int conversion below (undefined) */
  const float k = nearbyintf(xc * 1.44269504088896341f);
  const float r = (xc - k * 0.693359375f) - k * -2.12194440e-4f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = ((int32_t)k + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  const float e = p * scale;
  return x < lo ? 0.0f : x == x ? e : x; /* a NaN is passed on */
}

float nest_exp_f32(float x) { return exp_inline(x); }

/* erf(x) as x P(x^2) / Q(x^2) on [-4, 4] (the rational approximation Eigen and XLA use for float),
 * |error| < 5e-7; erf(±4) rounds to ±1 in float. */
static inline float erf_inline(float x) {
  float xc = x < -4.0f ? -4.0f : x;
  xc = xc > 4.0f ? 4.0f : xc;
  const float x2 = xc * xc;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 + -2.10102402082508e-06f;
  p = p * x2 + -5.69250639462346e-05f;
  p = p * x2 + -7.34990630326855e-04f;
  p = p * x2 + -2.95459980854025e-03f;
  p = p * x2 + -1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * x2 + -2.13374055278905e-04f;
  q = q * x2 + -1.68282697438203e-03f;
  q = q * x2 + -7.37332916720468e-03f;
  q = q * x2 + -1.42647390514189e-02f;
  return xc * p / q;
}

void nest_gelu_f32(const float *x, float *y, int64_t n) {
  int64_t i;
  for (i = 0; i < n; ++i) {
    const float v = x[i];
    y[i] = 0.5f * v * (1.0f + erf_inline(v * 0.70710678118654752440f));
  }
}

void nest_sigmoid_f32(const float *x, float *y, int64_t n) {
  int64_t i;
  for (i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + exp_inline(-x[i]));
}

/* tanh |x| = (1 - e^-2|x|) / (1 + e^-2|x|), and x - x^3/3 + 2x^5/15 - 17x^7/315 below 0.1, where
 * the difference 1 - e^-2|x| would lose the relative precision. */
void nest_tanh_f32(const float *x, float *y, int64_t n) {
  int64_t i;
  for (i = 0; i < n; ++i) {
    const float v = x[i], a = v < 0.0f ? -v : v, a2 = a * a;
    const float t = exp_inline(-2.0f * a);
    const float big = (1.0f - t) / (1.0f + t);
    const float small = a * (1.0f + a2 * (-1.0f / 3.0f + a2 * (2.0f / 15.0f + a2 * (-17.0f / 315.0f))));
    const float r = a < 0.1f ? small : big;
    y[i] = v < 0.0f ? -r : r;
  }
}

void nest_softmax_row_f32(const float *x, float *y, int64_t n) {
  float part[16];
  float mx = -INFINITY, sum = 0.0f, inv;
  int64_t i;
  int j;
  for (j = 0; j < 16; ++j) part[j] = -INFINITY;
  for (i = 0; i + 16 <= n; i += 16)
    for (j = 0; j < 16; ++j) part[j] = x[i + j] > part[j] ? x[i + j] : part[j];
  for (; i < n; ++i) part[i & 15] = x[i] > part[i & 15] ? x[i] : part[i & 15];
  for (j = 0; j < 16; ++j) mx = part[j] > mx ? part[j] : mx;
  if (mx == INFINITY) { /* an infinite input: the reference's double path */
    nest_softmax_double_f32(x, y, 1, n, 1, 0, NULL);
    return;
  }
  if (mx == -INFINITY) mx = 0.0f; /* every element masked out: exp(-inf) = 0, 0 / 0 below as the reference */
  for (j = 0; j < 16; ++j) part[j] = 0.0f;
  for (i = 0; i + 16 <= n; i += 16)
    for (j = 0; j < 16; ++j) {
      y[i + j] = exp_inline(x[i + j] - mx);
      part[j] += y[i + j];
    }
  for (; i < n; ++i) {
    y[i] = exp_inline(x[i] - mx);
    part[i & 15] += y[i];
  }
  for (j = 0; j < 16; ++j) sum += part[j];
  /* The maximum skips NaNs but exp_inline passes them on: a NaN input makes the sum NaN, and
   * so the whole row, as in the reference. */
  inv = 1.0f / sum;
  for (i = 0; i < n; ++i) y[i] *= inv;
}
