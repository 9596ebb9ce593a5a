/* MaxPool / AveragePool / GlobalAveragePool on NCHW float32. Max and average pooling read a
 * padded phase-split copy of each input plane (nest_rt_conv_internal.h; -inf or 0 fill), so every
 * window tap is one vector load of NEST_VL consecutive output columns. */
#include <math.h>

#include "nest_rt_conv_internal.h"
#include "nest_rt_simd.h"

static nest_rt_plane pool_plane(const nest_pool2d_desc *d) {
  return nest_rt_plane_geometry(d->OH, d->OW, d->KH, d->KW, d->stride_h, d->stride_w, d->dilation_h,
                                d->dilation_w);
}

size_t nest_pool2d_f32_scratch_size(const nest_pool2d_desc *d) {
  const nest_rt_plane p = pool_plane(d);
  /* plane + per-row and per-column window counts (average pooling) */
  return (nest_rt_plane_floats(&p) + (size_t)d->OH + NEST_RT_ALIGN_UP((size_t)d->OW, NEST_RT_VL_MAX)) *
         sizeof(float);
}

static void store_row_part(float *yrow, int64_t ow, int64_t OW, nest_vf v) {
  if (ow + NEST_VL <= OW)
    nest_vstore(yrow + ow, v);
  else
    nest_vstore_part(yrow + ow, v, OW - ow);
}

void nest_maxpool2d_f32(const nest_pool2d_desc *d, const float *x, float *y, void *scratch) {
  const nest_rt_plane p = pool_plane(d);
  float *buf = (float *)scratch;
  const int64_t sw = d->stride_w;
  for (int64_t plane = 0; plane < d->N * d->C; ++plane) {
    nest_rt_plane_fill(&p, x + plane * d->H * d->W, d->H, d->W, d->pad_top, d->pad_left, sw, -INFINITY, buf);
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

void nest_avgpool2d_f32(const nest_pool2d_desc *d, const float *x, float *y, void *scratch) {
  const nest_rt_plane p = pool_plane(d);
  float *buf = (float *)scratch;
  float *count_h = buf + nest_rt_plane_floats(&p), *count_w = count_h + d->OH;
  const int64_t sw = d->stride_w;
  for (int64_t oh = 0; oh < d->OH; ++oh)
    count_h[oh] = window_count(oh, d->stride_h, d->pad_top, d->pad_bottom, d->H, d->KH, d->dilation_h,
                               d->count_include_pad);
  for (int64_t ow = 0; ow < NEST_RT_ALIGN_UP(d->OW, NEST_RT_VL_MAX); ++ow)
    count_w[ow] = ow < d->OW ? window_count(ow, d->stride_w, d->pad_left, d->pad_right, d->W, d->KW,
                                            d->dilation_w, d->count_include_pad)
                             : 1.0f;
  for (int64_t plane = 0; plane < d->N * d->C; ++plane) {
    nest_rt_plane_fill(&p, x + plane * d->H * d->W, d->H, d->W, d->pad_top, d->pad_left, sw, 0.0f, buf);
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
