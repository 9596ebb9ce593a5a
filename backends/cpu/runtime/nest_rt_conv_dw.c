/* Direct depthwise conv (group == C == M), NEST_VL output columns per vector with one broadcast-FMA
 * per tap. With AVX-512 (stride 1 or 2, kernels up to 16 wide) the taps are masked loads straight
 * from the input: lanes outside the row are masked to zero (masked-off lanes never fault), so
 * nothing is copied. Otherwise each channel is first copied into a padded phase-split plane
 * (nest_rt_conv_internal.h) and read without bounds checks. Weights are packed [C][KH*KW] with the
 * output scale folded. */
#include "nest_rt_conv_internal.h"
#include "nest_rt_window3.h"
#include "nest_rt_simd.h"
#include "nest_rt_threads.h"

static nest_rt_plane dw_plane(const nest_conv2d_desc *d) {
  return nest_rt_plane_geometry(d->OH, d->OW, d->KH, d->KW, d->stride_h, d->stride_w, d->dilation_h,
                                d->dilation_w);
}

size_t nest_rt_conv_dw_scratch_size(const nest_conv2d_desc *d) {
  const nest_rt_plane p = dw_plane(d);
  return nest_rt_plane_floats(&p) * sizeof(float);
}

#if defined(__AVX512F__)
static int dw_masked_ok(const nest_conv2d_desc *d) {
  return (d->stride_w == 1 || d->stride_w == 2) && d->KW <= NEST_RT_MAX_TAPS_W &&
         (d->OW + 15) / 16 <= NEST_RT_MAX_CHUNKS;
}

static void dw_masked(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias, float *y,
                      int64_t nc0, int64_t nc1) {
  const int64_t KH = d->KH, KW = d->KW, taps = KH * KW, OH = d->OH, OW = d->OW, P = OH * OW, W = d->W;
  const int64_t s = d->stride_w, chunks = (OW + 15) / 16;
  const int relu = d->act.kind == NEST_ACT_RELU, clip = d->act.kind == NEST_ACT_CLIP;
  const __m512 lo = _mm512_set1_ps(relu ? 0.0f : d->act.params[0]), hi = _mm512_set1_ps(d->act.params[1]);
  const __m512 zero = _mm512_setzero_ps();
  /* per chunk and tap column: input column of lane 0 and the lanes inside the row (two masks for the
   * 32-float pair of a stride-2 load) */
  int64_t base[NEST_RT_MAX_CHUNKS][NEST_RT_MAX_TAPS_W];
  __mmask16 m0[NEST_RT_MAX_CHUNKS][NEST_RT_MAX_TAPS_W], m1[NEST_RT_MAX_CHUNKS][NEST_RT_MAX_TAPS_W];
  for (int64_t ch = 0; ch < chunks; ++ch)
    for (int64_t kw = 0; kw < KW; ++kw) {
      base[ch][kw] = ch * 16 * s - d->pad_left + kw * d->dilation_w;
      m0[ch][kw] = nest_rt_lanes_inside(base[ch][kw], W);
      m1[ch][kw] = nest_rt_lanes_inside(base[ch][kw] + 16, W);
    }
  for (int64_t nc = nc0; nc < nc1; ++nc) {
      const int64_t n = nc / d->C, c = nc % d->C;
      const float *xc = x + (n * d->C + c) * d->H * W;
      float *yc = y + (n * d->C + c) * P;
      const float *w = packed_w + c * taps;
      const __m512 b = _mm512_set1_ps(bias ? bias[c] : 0.0f);
      for (int64_t oh = 0; oh < OH; ++oh) {
        float *yrow = yc + oh * OW;
        for (int64_t ch = 0; ch < chunks; ++ch) {
          __m512 acc = b;
          for (int64_t kh = 0; kh < KH; ++kh) {
            const int64_t ih = oh * d->stride_h - d->pad_top + kh * d->dilation_h;
            if (ih < 0 || ih >= d->H) continue;
            const float *row = xc + ih * W;
            const float *wk = w + kh * KW;
            for (int64_t kw = 0; kw < KW; ++kw) {
              const __m512 v = nest_rt_load_taps(row + base[ch][kw], s, m0[ch][kw], m1[ch][kw], zero);
              acc = _mm512_fmadd_ps(_mm512_set1_ps(wk[kw]), v, acc);
            }
          }
          if (relu || clip) acc = _mm512_max_ps(acc, lo);
          if (clip) acc = _mm512_min_ps(acc, hi);
          const int64_t ow = ch * 16;
          if (ow + 16 <= OW)
            _mm512_storeu_ps(yrow + ow, acc);
          else
            _mm512_mask_storeu_ps(yrow + ow, (__mmask16)((1u << (OW - ow)) - 1u), acc);
        }
      }
      if (!relu && !clip) nest_act_apply_f32(&d->act, yc, P);
    }
}

/* The common 3x3 case (stride 1 or 2, no dilation) through the blocked window kernel
 * (nest_rt_window3.h): each input row is loaded once for the output rows that use it. */
static void dw_masked_3x3(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                          float *y, int64_t nc0, int64_t nc1) {
  const int64_t P = d->OH * d->OW;
  nest_rt_w3 w;
  nest_rt_w3_init(&w, d->H, d->W, d->OW, d->stride_w, d->pad_top, d->pad_left, 0.0f, &d->act);
  for (int64_t nc = nc0; nc < nc1; ++nc) {
    const int64_t n = nc / d->C, c = nc % d->C;
    w.x = x + (n * d->C + c) * d->H * d->W;
    w.y = y + (n * d->C + c) * P;
    for (int t = 0; t < 9; ++t) w.wv[t] = _mm512_set1_ps(packed_w[c * 9 + t]);
    w.init = _mm512_set1_ps(bias ? bias[c] : 0.0f);
    nest_rt_w3_run(&w, d->OH, d->stride_w);
    if (!w.relu && !w.clip) nest_act_apply_f32(&d->act, w.y, P);
  }
}
#endif

/* Channels nc in [nc0, nc1) of all images (nc = n * C + c) on a padded plane in scratch. */
static void dw_planes(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias, float *y,
                      void *scratch, int64_t nc0, int64_t nc1) {
  const nest_rt_plane p = dw_plane(d);
  float *buf = (float *)scratch;
  const int64_t KH = d->KH, KW = d->KW, taps = KH * KW, OH = d->OH, OW = d->OW, P = OH * OW;
  const int64_t sh = d->stride_h, sw = d->stride_w, dh = d->dilation_h, dw = d->dilation_w;
  const int64_t pitch = p.pitch, phase_w = p.phase_w;
  const int relu = d->act.kind == NEST_ACT_RELU, clip = d->act.kind == NEST_ACT_CLIP;
  const nest_vf lo = nest_vset1(relu ? 0.0f : d->act.params[0]), hi = nest_vset1(d->act.params[1]);
  /* offset of tap column kw inside a plane row: phase (kw*dw) % sw, then (kw*dw) / sw */
  int64_t col_off[64];
  const int64_t kw_n = KW <= 64 ? KW : 64;
  for (int64_t kw = 0; kw < kw_n; ++kw) col_off[kw] = (kw * dw) % sw * phase_w + (kw * dw) / sw;
  for (int64_t nc = nc0; nc < nc1; ++nc) {
      const int64_t n = nc / d->C, c = nc % d->C;
      const float *xc = x + (n * d->C + c) * d->H * d->W;
      float *yc = y + (n * d->C + c) * P;
      const float *w = packed_w + c * taps;
      const nest_vf b = nest_vset1(bias ? bias[c] : 0.0f);
      nest_rt_plane_fill(&p, xc, d->H, d->W, d->pad_top, d->pad_left, sw, 0.0f, nc > nc0, buf);
      for (int64_t oh = 0; oh < OH; ++oh) {
        float *yrow = yc + oh * OW;
        for (int64_t ow = 0; ow < OW; ow += NEST_VL) {
          nest_vf acc = b;
          for (int64_t kh = 0; kh < KH; ++kh) {
            const float *row = buf + (oh * sh + kh * dh) * pitch + ow;
            const float *wk = w + kh * KW;
            if (KW <= 64)
              for (int64_t kw = 0; kw < KW; ++kw) acc = nest_vfma(nest_vset1(wk[kw]), nest_vload(row + col_off[kw]), acc);
            else
              for (int64_t kw = 0; kw < KW; ++kw)
                acc = nest_vfma(nest_vset1(wk[kw]), nest_vload(row + (kw * dw) % sw * phase_w + (kw * dw) / sw), acc);
          }
          if (relu || clip) acc = nest_vmax(acc, lo);
          if (clip) acc = nest_vmin(acc, hi);
          if (ow + NEST_VL <= OW)
            nest_vstore(yrow + ow, acc);
          else
            nest_vstore_part(yrow + ow, acc, OW - ow);
        }
      }
      if (!relu && !clip) nest_act_apply_f32(&d->act, yc, P);
    }
}

typedef struct dw_job {
  const nest_conv2d_desc *d;
  const float *x, *packed_w, *bias;
  float *y;
  int64_t steps; /* channels per unit */
} dw_job;

static void dw_unit(void *ctx, int64_t u, void *scratch) {
  const dw_job *j = (const dw_job *)ctx;
  const int64_t nc0 = u * j->steps, total = j->d->N * j->d->C;
  const int64_t nc1 = nc0 + j->steps < total ? nc0 + j->steps : total;
#if defined(__AVX512F__)
  if (nest_rt_w3_applies(j->d->KH, j->d->KW, j->d->stride_h, j->d->stride_w, j->d->dilation_h, j->d->dilation_w,
                         j->d->OW)) {
    dw_masked_3x3(j->d, j->x, j->packed_w, j->bias, j->y, nc0, nc1);
    return;
  }
  if (dw_masked_ok(j->d)) {
    dw_masked(j->d, j->x, j->packed_w, j->bias, j->y, nc0, nc1);
    return;
  }
#endif
  dw_planes(j->d, j->x, j->packed_w, j->bias, j->y, scratch, nc0, nc1);
}

void nest_rt_conv_dw_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w,
                         const float *bias, float *y, void *scratch) {
  dw_job j = {d, x, packed_w, bias, y, nest_rt_steps_per_unit(d->N * d->C, 1)};
  nest_rt_parallel(nest_rt_ceil_div(d->N * d->C, j.steps), dw_unit, &j, scratch, nest_rt_conv_dw_scratch_size(d));
}
