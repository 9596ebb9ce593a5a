/* Convs on a few input channels (network stems: an RGB image through a 3x3 or 7x7 kernel at stride
 * 1 or 2) as a direct convolution vectorized over output pixels. Such a conv sums only 27 or 147
 * terms per output, so the im2col and implicit-GEMM paths spend about as much on packing the
 * input, on one micro-kernel call per tile and K-block and on copying a scratch tile out as on the
 * multiply-adds: SqueezeNet's 3x3 stem ran at 36% of this core's peak, MobileNetV2's at 41%.
 * Here the input is copied once, zero padded and split by column phase (nest_rt_plane); then for
 * every output row, tile of NEST_RT_NR pixels and weight panel, the panel's MR x NR sums stay in
 * registers over the whole reduction, each term loading its NR input pixels straight from the
 * plane (consecutive floats at stride 2 too), and go to Y when done. From an unsplit copy, each
 * stride-2 term loaded two vectors and permuted every other float out of them, again for each of
 * the eight panels: ResNet's 7x7 stem took 1.37-1.39 ms, against 1.21-1.27 ms now. Every output is
 * its bias plus its terms in k order, as on the GEMM paths, and a unit is a run of output rows, so
 * results are the same for any thread count. The weights are the GEMM paths' packed panels
 * (nest_conv2d_f32_pack). */
#include "nest_rt_conv_internal.h"
#include "nest_rt_gemm_internal.h"
#include "nest_rt_threads.h"

int nest_rt_conv_is_stem(const nest_conv2d_desc *d) {
  return d->group == 1 && d->C <= NEST_RT_STEM_MAX_C && d->stride_w <= 2;
}

typedef struct stem_layout {
  nest_rt_plane plane;   /* one input channel's padded, phase-split plane */
  int64_t plane_floats;  /* floats from one channel's plane to the next */
  size_t off_off, stage_off, total; /* scratch: the planes at 0, the term offsets, a staging row */
} stem_layout;

static stem_layout stem_plan(const nest_conv2d_desc *d) {
  stem_layout l;
  /* phase rows hold whole vectors past the last output's window: a row's last tile reads there */
  l.plane = nest_rt_plane_geometry(d->OH, d->OW, d->KH, d->KW, d->stride_h, d->stride_w, d->dilation_h, d->dilation_w);
  l.plane_floats = NEST_RT_ALIGN_UP((int64_t)nest_rt_plane_floats(&l.plane), NEST_RT_VL_MAX);
  l.off_off = (size_t)(d->C * l.plane_floats) * sizeof(float);
  l.stage_off = NEST_RT_ALIGN_UP(l.off_off + (size_t)nest_rt_conv_kg(d) * sizeof(int64_t), 64);
  l.total = l.stage_off + (size_t)(l.plane.pitch + 2 * NEST_RT_VL_MAX) * sizeof(float);
  return l;
}

size_t nest_rt_conv_stem_scratch_size(const nest_conv2d_desc *d) { return stem_plan(d).total; }

typedef struct stem_job {
  const nest_conv2d_desc *d;
  stem_layout l;
  const float *x, *packed_w, *bias, *residual; /* x, residual, y: this image */
  float *y, *padded;
  const int64_t *off; /* term k = (c, kh, kw): its input pixel's offset from the window's corner */
  int64_t rows_per_unit, pad_rows; /* output rows per rows_unit, plane rows per pad_unit */
} stem_job;

/* NEST_UK_ROWS output channels x NV vectors of output pixels of one row: sums over all kg terms
 * of the window starting at `in`, stored at y (channel pitch P) with the bias, the residual and the
 * activation; `cols` pixels are stored (the last vector may be partial), `rows` channels. */
#define NEST_RT_DEFINE_STEM_KERNEL(name, NV)                                                              \
  static void name(int64_t kg, const float *a, const float *in, const int64_t *off, float *y, int64_t P,   \
                   int64_t rows, int64_t cols, const float *bias, const float *res, const nest_act *act) {\
    nest_vf acc[NEST_UK_ROWS][NV];                                                                         \
    _Pragma("GCC unroll 16") for (int r = 0; r < NEST_UK_ROWS; ++r) {                                      \
      const nest_vf init = nest_vset1(bias && r < rows ? bias[r] : 0.0f);                                  \
      _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) acc[r][j] = init;                               \
    }                                                                                                      \
    for (int64_t k = 0; k < kg; ++k) {                                                                     \
      nest_vf bv[NV];                                                                                      \
      const float *bk = in + off[k];                                                                       \
      _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) bv[j] = nest_vload(bk + j * NEST_VL);           \
      _Pragma("GCC unroll 16") for (int r = 0; r < NEST_UK_ROWS; ++r) {                                    \
        const nest_vf av = nest_vset1(a[r]);                                                               \
        _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) acc[r][j] = nest_vfma(av, bv[j], acc[r][j]);  \
      }                                                                                                    \
      a += NEST_RT_MR;                                                                                     \
    }                                                                                                      \
    const int in_regs = !res && nest_rt_act_in_registers(act);                                             \
    const nest_vf lo = nest_vset1(nest_rt_act_lo(act));                                                     \
    const nest_vf hi = nest_vset1(nest_rt_act_hi(act));                                                     \
    if (in_regs && rows == NEST_UK_ROWS && cols == NV * NEST_VL) { /* whole tiles: no branch per store */  \
      if (act->kind == NEST_ACT_RELU)                                                                      \
        _Pragma("GCC unroll 16") for (int r = 0; r < NEST_UK_ROWS; ++r)                                    \
            _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j)                                           \
                nest_vstore(y + r * P + j * NEST_VL, nest_vmax(acc[r][j], lo));                            \
      else                                                                                                 \
        _Pragma("GCC unroll 16") for (int r = 0; r < NEST_UK_ROWS; ++r)                                    \
            _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j)                                           \
                nest_vstore(y + r * P + j * NEST_VL, nest_vmin(nest_vmax(acc[r][j], lo), hi));             \
      return;                                                                                              \
    }                                                                                                      \
    _Pragma("GCC unroll 16") for (int r = 0; r < NEST_UK_ROWS; ++r) { /* constant indices: acc stays in registers */ \
      if (r >= rows) break;                                                                                \
      float *dst = y + r * P;                                                                              \
      _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) {                                               \
        nest_vf v = acc[r][j];                                                                             \
        if (in_regs) {                                                                                     \
          v = nest_vmax(v, lo);                                                                            \
          if (act->kind == NEST_ACT_CLIP) v = nest_vmin(v, hi);                                            \
        }                                                                                                  \
        const int64_t n = cols - j * NEST_VL;                                                              \
        if (n >= NEST_VL) nest_vstore(dst + j * NEST_VL, v);                                               \
        else if (n > 0) nest_vstore_part(dst + j * NEST_VL, v, n);                                         \
      }                                                                                                    \
      if (in_regs) continue;                                                                               \
      if (res)                                                                                             \
        for (int64_t i = 0; i < cols; ++i) dst[i] += res[r * P + i];                                       \
      nest_act_apply_f32(act, dst, cols);                                                                  \
    }                                                                                                      \
  }

NEST_RT_DEFINE_STEM_KERNEL(stem_1, 1)
NEST_RT_DEFINE_STEM_KERNEL(stem_2, 2)
NEST_RT_DEFINE_STEM_KERNEL(stem_3, 3)

typedef void (*stem_kernel_fn)(int64_t, const float *, const float *, const int64_t *, float *, int64_t, int64_t,
                               int64_t, const float *, const float *, const nest_act *);
static const stem_kernel_fn stem_kernels[NEST_RT_NRV] = {stem_1, stem_2, stem_3};

/* Plane rows [u * pad_rows, ...) of every channel, staged in this thread's scratch. By channels
 * (3 units on 2 threads), SqueezeNet's stem ran 0.20 ms on 2 threads against 0.27 on 1. */
static void pad_unit(void *ctx, int64_t u, void *scratch) {
  const stem_job *j = (const stem_job *)ctx;
  const nest_conv2d_desc *d = j->d;
  const int64_t r0 = u * j->pad_rows, r1 = r0 + j->pad_rows < j->l.plane.rows ? r0 + j->pad_rows : j->l.plane.rows;
  for (int64_t c = 0; c < d->C; ++c)
    nest_rt_plane_fill_rows(&j->l.plane, j->x + c * d->H * d->W, d->H, d->W, d->pad_top, d->pad_left, d->stride_w,
                            0.0f, 0, j->padded + c * j->l.plane_floats, (float *)scratch, r0, r1);
}

/* Output rows [u * rows_per_unit, ...) of the image, every channel. */
static void rows_unit(void *ctx, int64_t u, void *scratch) {
  const stem_job *j = (const stem_job *)ctx;
  const nest_conv2d_desc *d = j->d;
  const int64_t P = d->OH * d->OW, kg = nest_rt_conv_kg(d), panels = nest_rt_conv_panels(d);
  const int64_t oh1 = (u + 1) * j->rows_per_unit < d->OH ? (u + 1) * j->rows_per_unit : d->OH;
  (void)scratch;
  for (int64_t oh = u * j->rows_per_unit; oh < oh1; ++oh)
    for (int64_t ow0 = 0, cols; ow0 < d->OW; ow0 += cols) {
      cols = d->OW - ow0 < NEST_RT_NR ? d->OW - ow0 : NEST_RT_NR;
      const stem_kernel_fn kernel = stem_kernels[(cols + NEST_VL - 1) / NEST_VL - 1];
      const float *in = j->padded + oh * d->stride_h * j->l.plane.pitch + ow0;
      for (int64_t ip = 0; ip < panels; ++ip)
        for (int64_t r0 = ip * NEST_RT_MR; r0 < (ip + 1) * NEST_RT_MR && r0 < d->M; r0 += NEST_UK_ROWS) {
          const int64_t rows = d->M - r0 < NEST_UK_ROWS ? d->M - r0 : NEST_UK_ROWS, at = r0 * P + oh * d->OW + ow0;
          /* one K-block: kg terms of the panel, k-major */
          kernel(kg, j->packed_w + ip * NEST_RT_MR * kg + (r0 - ip * NEST_RT_MR), in, j->off, j->y + at, P, rows,
                 cols, j->bias ? j->bias + r0 : 0, j->residual ? j->residual + at : 0, &d->act);
        }
    }
}

void nest_rt_conv_stem_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                           const float *residual, float *y, void *scratch) {
  stem_job j;
  j.d = d;
  j.l = stem_plan(d);
  j.packed_w = packed_w;
  j.bias = bias;
  j.padded = (float *)scratch;
  int64_t *off = (int64_t *)((char *)scratch + j.l.off_off);
  const nest_rt_plane *pl = &j.l.plane;
  for (int64_t c = 0, k = 0; c < d->C; ++c)
    for (int64_t kh = 0; kh < d->KH; ++kh)
      for (int64_t kw = 0; kw < d->KW; ++kw, ++k) {
        const int64_t t = kw * d->dilation_w; /* tap column offset: its phase, and its place in it */
        off[k] = c * j.l.plane_floats + kh * d->dilation_h * pl->pitch + t % d->stride_w * pl->phase_w + t / d->stride_w;
      }
  j.off = off;
  j.rows_per_unit = nest_rt_steps_per_unit(d->OH, 1);
  j.pad_rows = nest_rt_steps_per_unit(j.l.plane.rows, 1);
  const int64_t P = d->OH * d->OW;
  for (int64_t n = 0; n < d->N; ++n) {
    j.x = x + n * d->C * d->H * d->W;
    j.y = y + n * d->M * P;
    j.residual = residual ? residual + n * d->M * P : NULL;
    nest_rt_parallel(nest_rt_ceil_div(j.l.plane.rows, j.pad_rows), pad_unit, &j, (char *)scratch + j.l.stage_off,
                     j.l.total - j.l.stage_off);
    nest_rt_parallel(nest_rt_ceil_div(d->OH, j.rows_per_unit), rows_unit, &j, 0, 0);
  }
}
