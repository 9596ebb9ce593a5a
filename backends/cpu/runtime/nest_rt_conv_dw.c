/* Direct depthwise conv (group == C == M): per channel, a padded phase-split copy of the input
 * plane (nest_rt_conv_internal.h), then NEST_VL output columns per vector with one broadcast-FMA
 * per tap; no bounds checks anywhere. Weights are packed [C][KH*KW] with the output scale folded. */
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
  const int64_t KH = d->KH, KW = d->KW, taps = KH * KW, OH = d->OH, OW = d->OW, P = OH * OW;
  const int64_t sh = d->stride_h, sw = d->stride_w, dh = d->dilation_h, dw = d->dilation_w;
  const int64_t pitch = p.pitch, phase_w = p.phase_w;
  const int relu = d->act.kind == NEST_ACT_RELU, clip = d->act.kind == NEST_ACT_CLIP;
  const nest_vf lo = nest_vset1(relu ? 0.0f : d->act.params[0]), hi = nest_vset1(d->act.params[1]);
  /* offset of tap column kw inside a plane row: phase (kw*dw) % sw, then (kw*dw) / sw */
  int64_t col_off[64];
  const int64_t kw_n = KW <= 64 ? KW : 64;
  for (int64_t kw = 0; kw < kw_n; ++kw) col_off[kw] = (kw * dw) % sw * phase_w + (kw * dw) / sw;
  for (int64_t n = 0; n < d->N; ++n)
    for (int64_t c = 0; c < d->C; ++c) {
      const float *xc = x + (n * d->C + c) * d->H * d->W;
      float *yc = y + (n * d->C + c) * P;
      const float *w = packed_w + c * taps;
      const nest_vf b = nest_vset1(bias ? bias[c] : 0.0f);
      nest_rt_plane_fill(&p, xc, d->H, d->W, d->pad_top, d->pad_left, sw, 0.0f, buf);
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
