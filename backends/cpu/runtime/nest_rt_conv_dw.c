/* Direct depthwise conv (group == C == M): per channel, a padded phase-split copy of the input
 * plane, then NEST_VL output columns per vector with one broadcast-FMA per tap. */
#include "nest_rt_conv_internal.h"
#include "nest_rt_simd.h"

static nest_rt_plane dw_plane(const nest_conv2d_desc *d) {
  return nest_rt_plane_geometry(d->OH, d->OW, d->KH, d->KW, d->stride_h, d->stride_w, d->dilation_h,
                                d->dilation_w);
}

size_t nest_rt_conv_dw_scratch_size(const nest_conv2d_desc *d) {
  const nest_rt_plane p = dw_plane(d);
  return nest_rt_plane_floats(&p) * sizeof(float);
}

void nest_rt_conv_dw_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w,
                         const float *bias, float *y, void *scratch) {
  const nest_rt_plane p = dw_plane(d);
  float *buf = (float *)scratch;
  const int64_t taps = d->KH * d->KW, P = d->OH * d->OW, sw = d->stride_w;
  const int act_reg = d->act.kind == NEST_ACT_RELU || d->act.kind == NEST_ACT_CLIP;
  const nest_vf lo = nest_vset1(d->act.kind == NEST_ACT_RELU ? 0.0f : d->act.params[0]);
  const nest_vf hi = nest_vset1(d->act.params[1]);
  for (int64_t n = 0; n < d->N; ++n)
    for (int64_t c = 0; c < d->C; ++c) {
      const float *xc = x + (n * d->C + c) * d->H * d->W;
      float *yc = y + (n * d->C + c) * P;
      const float *w = packed_w + c * taps;
      const float b = bias ? bias[c] : 0.0f;
      nest_rt_plane_fill(&p, xc, d->H, d->W, d->pad_top, d->pad_left, sw, 0.0f, buf);
      for (int64_t oh = 0; oh < d->OH; ++oh) {
        float *yrow = yc + oh * d->OW;
        for (int64_t ow = 0; ow < d->OW; ow += NEST_VL) {
          nest_vf acc = nest_vset1(b);
          for (int64_t kh = 0; kh < d->KH; ++kh) {
            const float *row = buf + (oh * d->stride_h + kh * d->dilation_h) * p.pitch + ow;
            for (int64_t kw = 0; kw < d->KW; ++kw) {
              const int64_t t = kw * d->dilation_w;
              acc = nest_vfma(nest_vset1(w[kh * d->KW + kw]), nest_vload(row + (t % sw) * p.phase_w + t / sw),
                              acc);
            }
          }
          if (act_reg) {
            acc = nest_vmax(acc, lo);
            if (d->act.kind == NEST_ACT_CLIP) acc = nest_vmin(acc, hi);
          }
          if (ow + NEST_VL <= d->OW) {
            nest_vstore(yrow + ow, acc);
          } else {
            float tmp[NEST_VL];
            nest_vstore(tmp, acc);
            for (int64_t i = 0; ow + i < d->OW; ++i) yrow[ow + i] = tmp[i];
          }
        }
      }
      if (!act_reg) nest_act_apply_f32(&d->act, yc, P);
    }
}
