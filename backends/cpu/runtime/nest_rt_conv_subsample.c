/* 1x1 convs with a stride and no padding (ResNet's downsampling shortcuts): such a conv reads only
 * every stride-th row and column of its input, so it is the stride-1 1x1 conv of that subsampled
 * input. The subsampled channels (C x OH x OW per image, a quarter of the input at stride 2) are
 * copied into scratch once, and the stride-1 conv runs on them: the pointwise path when its shape
 * takes it (onto 7x7 and 14x14: nest_rt_conv_pointwise.c, with that path's packed layout), else the
 * direct 1x1 path of the implicit GEMM (nest_rt_conv_implicit.c), whose weight panels sweep blocks
 * of pixels held in L2 and store long runs of each output plane. Through im2col, which gathers the
 * same pixels tile by tile and sweeps all weights per tile, ResNet-50's shortcuts ran about 25%
 * slower. */
#include "nest_rt_conv_internal.h"
#include "nest_rt_simd.h"
#include "nest_rt_threads.h"

int nest_rt_conv_is_subsample(const nest_conv2d_desc *d) {
  return d->KH == 1 && d->KW == 1 && (d->stride_h > 1 || d->stride_w > 1) && !d->pad_top && !d->pad_left &&
         !d->pad_bottom && !d->pad_right;
}

nest_conv2d_desc nest_rt_conv_subsampled(const nest_conv2d_desc *d) {
  nest_conv2d_desc e = *d;
  e.H = d->OH, e.W = d->OW, e.stride_h = e.stride_w = 1;
  return e;
}

static size_t subsample_bytes(const nest_conv2d_desc *d) {
  return NEST_RT_ALIGN_UP((size_t)(d->N * d->C * d->OH * d->OW) * sizeof(float), 64);
}

size_t nest_rt_conv_subsample_scratch_size(const nest_conv2d_desc *d) {
  const nest_conv2d_desc e = nest_rt_conv_subsampled(d);
  return subsample_bytes(d) + (nest_rt_conv_is_pointwise(&e) ? nest_rt_conv_pointwise_scratch_size(&e)
                                                             : nest_rt_conv_implicit_scratch_size(&e));
}

typedef struct subsample_job {
  const nest_conv2d_desc *d;
  const float *x;
  float *xs;
  int64_t steps; /* planes per unit */
} subsample_job;

static void subsample_unit(void *ctx, int64_t u, void *scratch) {
  const subsample_job *j = (const subsample_job *)ctx;
  const nest_conv2d_desc *d = j->d;
  const int64_t p0 = u * j->steps, total = d->N * d->C, p1 = p0 + j->steps < total ? p0 + j->steps : total;
  (void)scratch;
  for (int64_t p = p0; p < p1; ++p)
    for (int64_t oh = 0; oh < d->OH; ++oh) {
      const float *src = j->x + (p * d->H + oh * d->stride_h) * d->W;
      float *dst = j->xs + (p * d->OH + oh) * d->OW;
      for (int64_t ow = 0; ow < d->OW; ++ow) dst[ow] = src[ow * d->stride_w];
    }
}

void nest_rt_conv_subsample_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                                 const float *residual, float *y, void *scratch) {
  const nest_conv2d_desc e = nest_rt_conv_subsampled(d);
  subsample_job j = {d, x, (float *)scratch, nest_rt_steps_per_unit(d->N * d->C, 1)};
  nest_rt_parallel(nest_rt_ceil_div(d->N * d->C, j.steps), subsample_unit, &j, 0, 0);
  if (nest_rt_conv_is_pointwise(&e))
    nest_rt_conv_pointwise_f32(&e, j.xs, packed_w, bias, residual, y, (char *)scratch + subsample_bytes(d));
  else
    nest_rt_conv_implicit_f32(&e, j.xs, packed_w, bias, residual, y, (char *)scratch + subsample_bytes(d));
}
