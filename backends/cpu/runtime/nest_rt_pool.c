/* MaxPool / AveragePool / GlobalAveragePool on NCHW float32. With AVX-512, 3x3 max pools at stride
 * 1 or 2 take nest_rt_pool_max3.c; other windows at stride 1 or 2 load every window tap of 16
 * output columns straight from the input (masked: lanes outside the row take -inf or 0); otherwise
 * max and average pooling read a padded phase-split copy of each input plane
 * (nest_rt_conv_internal.h; -inf or 0 fill), so a tap is one plain vector load. */
#include <math.h>

#include "nest_rt_conv_internal.h"
#include "nest_rt_simd.h"
#include "nest_rt_threads.h"

static nest_rt_plane pool_plane(const nest_pool2d_desc *d) {
  return nest_rt_plane_geometry(d->OH, d->OW, d->KH, d->KW, d->stride_h, d->stride_w, d->dilation_h,
                                d->dilation_w);
}

/* Each thread's floats at the front of scratch: a padded plane, or the 3x3 max pool's buffer. The
 * 3x3 kernel's size counts on every target, so that scratch sizes do not depend on it. */
static size_t front_floats(const nest_pool2d_desc *d) {
  const nest_rt_plane p = pool_plane(d);
  const size_t plane = nest_rt_plane_floats(&p), max3 = nest_rt_maxpool3_applies(d) ? nest_rt_maxpool3_scratch_floats(d) : 0;
  return plane > max3 ? plane : max3;
}

size_t nest_pool2d_f32_scratch_size(const nest_pool2d_desc *d) {
  /* the front, then per-row and per-column window counts (average pooling) */
  return (front_floats(d) + (size_t)d->OH + NEST_RT_ALIGN_UP((size_t)d->OW, NEST_RT_VL_MAX)) * sizeof(float);
}

static void store_row_part(float *yrow, int64_t ow, int64_t OW, nest_vf v) {
  if (ow + NEST_VL <= OW)
    nest_vstore(yrow + ow, v);
  else
    nest_vstore_part(yrow + ow, v, OW - ow);
}

#if defined(__AVX512F__)
static int pool_masked_ok(const nest_pool2d_desc *d) {
  return (d->stride_w == 1 || d->stride_w == 2) && d->KW <= NEST_RT_MAX_TAPS_W &&
         (d->OW + 15) / 16 <= NEST_RT_MAX_CHUNKS;
}

/* Max (is_max) or sum of each window, 16 output columns at a time; sums are divided by
 * count_h[oh] * count_w[ow]. */
static void pool_masked(const nest_pool2d_desc *d, int is_max, const float *x, float *y, const float *count_h,
                        const float *count_w, int64_t nc0, int64_t nc1) {
  const int64_t KH = d->KH, KW = d->KW, OH = d->OH, OW = d->OW, W = d->W, s = d->stride_w;
  const int64_t chunks = (OW + 15) / 16;
  const __m512 fill = _mm512_set1_ps(is_max ? -INFINITY : 0.0f);
  int64_t base[NEST_RT_MAX_CHUNKS][NEST_RT_MAX_TAPS_W];
  __mmask16 m0[NEST_RT_MAX_CHUNKS][NEST_RT_MAX_TAPS_W], m1[NEST_RT_MAX_CHUNKS][NEST_RT_MAX_TAPS_W];
  for (int64_t ch = 0; ch < chunks; ++ch)
    for (int64_t kw = 0; kw < KW; ++kw) {
      base[ch][kw] = ch * 16 * s - d->pad_left + kw * d->dilation_w;
      m0[ch][kw] = nest_rt_lanes_inside(base[ch][kw], W);
      m1[ch][kw] = nest_rt_lanes_inside(base[ch][kw] + 16, W);
    }
  for (int64_t plane = nc0; plane < nc1; ++plane) {
    const float *xp = x + plane * d->H * W;
    float *yp = y + plane * OH * OW;
    for (int64_t oh = 0; oh < OH; ++oh) {
      float *yrow = yp + oh * OW;
      for (int64_t ch = 0; ch < chunks; ++ch) {
        __m512 acc = fill;
        for (int64_t kh = 0; kh < KH; ++kh) {
          const int64_t ih = oh * d->stride_h - d->pad_top + kh * d->dilation_h;
          if (ih < 0 || ih >= d->H) continue;
          const float *row = xp + ih * W;
          for (int64_t kw = 0; kw < KW; ++kw) {
            const __m512 v = nest_rt_load_taps(row + base[ch][kw], s, m0[ch][kw], m1[ch][kw], fill);
            acc = is_max ? _mm512_max_ps(v, acc) : _mm512_add_ps(acc, v);
          }
        }
        const int64_t ow = ch * 16;
        if (!is_max)
          acc = _mm512_div_ps(acc, _mm512_mul_ps(_mm512_set1_ps(count_h[oh]), _mm512_loadu_ps(count_w + ow)));
        store_row_part(yrow, ow, OW, acc);
      }
    }
  }
}
#endif

/* Max pool of planes [nc0, nc1) through a padded copy of each in scratch. */
static void maxpool_planes(const nest_pool2d_desc *d, const float *x, float *y, void *scratch, int64_t nc0, int64_t nc1) {
  const nest_rt_plane p = pool_plane(d);
  float *buf = (float *)scratch;
  const int64_t sw = d->stride_w;
  for (int64_t plane = nc0; plane < nc1; ++plane) {
    nest_rt_plane_fill(&p, x + plane * d->H * d->W, d->H, d->W, d->pad_top, d->pad_left, sw, -INFINITY, plane > nc0, buf);
    float *yp = y + plane * d->OH * d->OW;
    for (int64_t oh = 0; oh < d->OH; ++oh)
      for (int64_t ow = 0; ow < d->OW; ow += NEST_VL) {
        nest_vf m = nest_vset1(-INFINITY);
        for (int64_t kh = 0; kh < d->KH; ++kh) {
          const float *row = buf + (oh * d->stride_h + kh * d->dilation_h) * p.pitch + ow;
          for (int64_t kw = 0; kw < d->KW; ++kw) {
            const int64_t t = kw * d->dilation_w;
            m = nest_vmax(nest_vload(row + (t % sw) * p.phase_w + t / sw), m);
          }
        }
        store_row_part(yp + oh * d->OW, ow, d->OW, m);
      }
  }
}

/* Window taps of output position o along one axis that count towards the divisor. */
static float window_count(int64_t o, int64_t stride, int64_t pad_begin, int64_t pad_end, int64_t in, int64_t k,
                          int64_t dil, int include_pad) {
  const int64_t s = o * stride - pad_begin;
  const int64_t lo = include_pad ? -pad_begin : 0, hi = include_pad ? in + pad_end : in;
  int64_t n = 0;
  for (int64_t i = 0; i < k; ++i) n += s + i * dil >= lo && s + i * dil < hi;
  return n > 0 ? (float)n : 1.0f; /* empty window: the sum is 0 and so is the result */
}

/* Average pool of planes [nc0, nc1) through a padded copy of each in scratch. */
static void avgpool_planes(const nest_pool2d_desc *d, const float *x, float *y, void *scratch, const float *count_h,
                           const float *count_w, int64_t nc0, int64_t nc1) {
  const nest_rt_plane p = pool_plane(d);
  float *buf = (float *)scratch;
  const int64_t sw = d->stride_w;
  for (int64_t plane = nc0; plane < nc1; ++plane) {
    nest_rt_plane_fill(&p, x + plane * d->H * d->W, d->H, d->W, d->pad_top, d->pad_left, sw, 0.0f, plane > nc0, buf);
    float *yp = y + plane * d->OH * d->OW;
    for (int64_t oh = 0; oh < d->OH; ++oh)
      for (int64_t ow = 0; ow < d->OW; ow += NEST_VL) {
        nest_vf s = nest_vzero();
        for (int64_t kh = 0; kh < d->KH; ++kh) {
          const float *row = buf + (oh * d->stride_h + kh * d->dilation_h) * p.pitch + ow;
          for (int64_t kw = 0; kw < d->KW; ++kw) {
            const int64_t t = kw * d->dilation_w;
            s = nest_vadd(s, nest_vload(row + (t % sw) * p.phase_w + t / sw));
          }
        }
        const nest_vf div = nest_vmul(nest_vset1(count_h[oh]), nest_vload(count_w + ow));
        store_row_part(yp + oh * d->OW, ow, d->OW, nest_vdiv(s, div));
      }
  }
}

typedef struct pool_job {
  const nest_pool2d_desc *d;
  const float *x, *count_h, *count_w; /* counts: average pool only */
  float *y;
  int64_t steps; /* planes per unit, or output rows per unit (by_rows) */
  int is_max, by_rows;
} pool_job;

/* The 3x3 max pool's row kernel on several threads: a unit is a band of output rows of every
 * plane, so a thread reads the rows of the layer before that it wrote itself when that layer split
 * by rows (ResNet's stem), and writes the rows the next layer's thread reads when that one splits
 * by pixels (ResNet's first shortcut went 0.42 -> 0.37 ms on 2 threads; the pool itself takes
 * 0.11 ms either way, 0.13 on 1 thread). */
static int pool_by_rows(const nest_pool2d_desc *d, int is_max) {
#if defined(__AVX512F__)
  return is_max && nest_get_threads() > 1 && nest_rt_maxpool3_applies(d) && nest_rt_maxpool3_by_rows(d);
#else
  (void)d, (void)is_max;
  return 0;
#endif
}

/* Unit u: planes [u steps, (u + 1) steps), or with by_rows those output rows of every plane. */
static void pool_unit(void *ctx, int64_t u, void *scratch) {
  const pool_job *j = (const pool_job *)ctx;
  const int64_t total = j->d->N * j->d->C, end = j->by_rows ? j->d->OH : total;
  const int64_t first = u * j->steps, last = first + j->steps < end ? first + j->steps : end;
#if defined(__AVX512F__)
  if (j->is_max && nest_rt_maxpool3_applies(j->d)) {
    if (j->by_rows)
      nest_rt_maxpool3(j->d, j->x, j->y, (float *)scratch, 0, total, first, last);
    else
      nest_rt_maxpool3(j->d, j->x, j->y, (float *)scratch, first, last, 0, j->d->OH);
    return;
  }
  if (pool_masked_ok(j->d)) {
    pool_masked(j->d, j->is_max, j->x, j->y, j->count_h, j->count_w, first, last);
    return;
  }
#endif
  if (j->is_max) maxpool_planes(j->d, j->x, j->y, scratch, first, last);
  else avgpool_planes(j->d, j->x, j->y, scratch, j->count_h, j->count_w, first, last);
}

/* Planes (or, for the 3x3 max pool's row kernel on several threads, bands of output rows) are spread
 * over the threads; the scratch's front (front_floats) is per thread. */
static void pool_run(const nest_pool2d_desc *d, int is_max, const float *x, float *y, void *scratch,
                     const float *count_h, const float *count_w) {
  const int by_rows = pool_by_rows(d, is_max);
  const int64_t n = by_rows ? d->OH : d->N * d->C;
  pool_job j = {d, x, count_h, count_w, y, nest_rt_steps_per_unit(n, 1), is_max, by_rows};
  nest_rt_parallel(nest_rt_ceil_div(n, j.steps), pool_unit, &j, scratch, front_floats(d) * sizeof(float));
}

void nest_maxpool2d_f32(const nest_pool2d_desc *d, const float *x, float *y, void *scratch) {
  pool_run(d, 1, x, y, scratch, 0, 0);
}

/* The divisors of each output row and column go behind the plane in scratch, shared by all threads. */
void nest_avgpool2d_f32(const nest_pool2d_desc *d, const float *x, float *y, void *scratch) {
  float *count_h = (float *)scratch + front_floats(d), *count_w = count_h + d->OH;
  for (int64_t oh = 0; oh < d->OH; ++oh)
    count_h[oh] = window_count(oh, d->stride_h, d->pad_top, d->pad_bottom, d->H, d->KH, d->dilation_h,
                               d->count_include_pad);
  for (int64_t ow = 0; ow < NEST_RT_ALIGN_UP(d->OW, NEST_RT_VL_MAX); ++ow)
    count_w[ow] = ow < d->OW ? window_count(ow, d->stride_w, d->pad_left, d->pad_right, d->W, d->KW,
                                            d->dilation_w, d->count_include_pad)
                             : 1.0f;
  pool_run(d, 0, x, y, scratch, count_h, count_w);
}

void nest_global_avgpool_f32(int64_t N, int64_t C, int64_t HW, const float *x, float *y) {
  for (int64_t i = 0; i < N * C; ++i) {
    const float *xp = x + i * HW;
    nest_vf acc = nest_vzero();
    int64_t j = 0;
    for (; j + NEST_VL <= HW; j += NEST_VL) acc = nest_vadd(acc, nest_vload(xp + j));
    float lanes[NEST_VL], sum = 0.0f;
    nest_vstore(lanes, acc);
    for (int l = 0; l < NEST_VL; ++l) sum += lanes[l];
    for (; j < HW; ++j) sum += xp[j];
    y[i] = sum / (float)HW;
  }
}
