/* Internals of the conv kernels: the depthwise path (nest_rt_conv_dw.c) and the padded
 * phase-plane builder it shares with pooling (nest_rt_conv_plane.c). */
#ifndef NEST_RT_CONV_INTERNAL_H
#define NEST_RT_CONV_INTERNAL_H

#include <string.h>

#include "nest_runtime.h"

int nest_rt_conv_is_depthwise(const nest_conv2d_desc *d);

/* GEMM view of a (non-depthwise) conv: Kg = C/group*KH*KW, weight panels per group. */
static inline int64_t nest_rt_conv_kg(const nest_conv2d_desc *d) { return d->C / d->group * d->KH * d->KW; }
static inline int64_t nest_rt_conv_panels(const nest_conv2d_desc *d) { return (d->M / d->group + 7) / 8; }
/* Panel ip of K-block [pc, pc + kc) in a group's packed weights: K-blocks of nest_rt_kblock(Kg)
 * (the last one may be shorter by a few), each holding all panels, each panel kc x NEST_RT_MR floats k-major. */
static inline float *nest_rt_conv_panel(const float *wg, int64_t panels, int64_t pc, int64_t kc, int64_t ip) {
  return (float *)wg + pc * panels * 8 + ip * kc * 8;
}

/* Weights too big to stay in cache stream from memory once per block of pixels; the hardware
 * prefetcher stops at every 4 KiB page, so the sweeps fetch the panel after the current one into
 * L2 while the current one runs over the block's tiles (nest_rt_prefetch_plan). Returns that
 * panel in a sweep of K-blocks over panels [ip0, ip1), its bytes in *bytes (0 after the last). */
static inline const float *nest_rt_conv_next_panel(const float *wg, int64_t panels, int64_t kg, int64_t kb, int64_t pc,
                                                   int64_t kc, int64_t ip, int64_t ip0, int64_t ip1, int64_t *bytes) {
  *bytes = 0;
  if (ip + 1 >= ip1 && pc + kc >= kg) return 0;
  const int64_t npc = ip + 1 < ip1 ? pc : pc + kc, nkc = kg - npc < kb ? kg - npc : kb;
  *bytes = nkc * 8 * (int64_t)sizeof(float);
  return nest_rt_conv_panel(wg, panels, npc, nkc, ip + 1 < ip1 ? ip + 1 : ip0);
}

/* Channels [c0, c1) of one image x (NCHW, d's input) copied into dst, one plane of rows x pitch
 * floats per channel, zero except the input at (pad_top, pad_left). */
static inline void nest_rt_pad_channels(const nest_conv2d_desc *d, const float *x, float *dst, int64_t rows,
                                        int64_t pitch, int64_t c0, int64_t c1) {
  for (int64_t c = c0; c < c1; ++c) {
    float *p = dst + c * rows * pitch;
    memset(p, 0, (size_t)(rows * pitch) * sizeof(float));
    for (int64_t h = 0; h < d->H && h + d->pad_top < rows; ++h)
      memcpy(p + (h + d->pad_top) * pitch + d->pad_left, x + (c * d->H + h) * d->W, (size_t)d->W * sizeof(float));
  }
}

/* Stride-1 convs and stride-2 convs with a spatial kernel: implicit GEMM straight from the
 * (padded, phase-split) input (nest_rt_conv_implicit.c). */
int nest_rt_conv_is_implicit(const nest_conv2d_desc *d);
size_t nest_rt_conv_implicit_scratch_size(const nest_conv2d_desc *d);
/* residual: NULL, or y = act(conv + residual) (nest_conv2d_f32_residual). */
void nest_rt_conv_implicit_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w,
                               const float *bias, const float *residual, float *y, void *scratch);
/* 1x1 convs with a stride and no padding: the stride-1 1x1 conv of the subsampled input
 * (nest_rt_conv_subsample.c). */
int nest_rt_conv_is_subsample(const nest_conv2d_desc *d);
/* That stride-1 conv: the input OH x OW. */
nest_conv2d_desc nest_rt_conv_subsampled(const nest_conv2d_desc *d);
size_t nest_rt_conv_subsample_scratch_size(const nest_conv2d_desc *d);
void nest_rt_conv_subsample_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                                 const float *residual, float *y, void *scratch);
/* 3x3 stride-1 convs with enough channels and output tiles: Winograd F(2x2, 3x3), with weights
 * transformed at pack time (nest_rt_conv_winograd.c). */
#ifndef NEST_RT_WINOGRAD_MIN_C
#define NEST_RT_WINOGRAD_MIN_C 16
#endif
#ifndef NEST_RT_WINOGRAD_MIN_TILES
#define NEST_RT_WINOGRAD_MIN_TILES 32
#endif
int nest_rt_conv_is_winograd(const nest_conv2d_desc *d);
size_t nest_rt_conv_winograd_packed_size(const nest_conv2d_desc *d);
void nest_rt_conv_winograd_pack(const nest_conv2d_desc *d, const float *w, const float *scale, float *packed);
size_t nest_rt_conv_winograd_scratch_size(const nest_conv2d_desc *d);
void nest_rt_conv_winograd_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                               const float *residual, float *y, void *scratch);
/* Ungrouped convs on at most NEST_RT_STEM_MAX_C input channels at horizontal stride 1 or 2 (stems):
 * a direct convolution over the padded input, vectorized over output pixels, on the GEMM paths'
 * packed panels in one K-block (nest_rt_conv_stem.c). */
#ifndef NEST_RT_STEM_MAX_C
#define NEST_RT_STEM_MAX_C 4
#endif
int nest_rt_conv_is_stem(const nest_conv2d_desc *d);
size_t nest_rt_conv_stem_scratch_size(const nest_conv2d_desc *d);
void nest_rt_conv_stem_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                           const float *residual, float *y, void *scratch);
/* Ungrouped convs with a spatial kernel, at most 196 output pixels and 64+ output channels:
 * vectorized over output channels, with their own packed layout (nest_rt_conv_small.c). */
int nest_rt_conv_is_small(const nest_conv2d_desc *d);
size_t nest_rt_conv_small_packed_size(const nest_conv2d_desc *d);
void nest_rt_conv_small_pack(const nest_conv2d_desc *d, const float *w, const float *scale, float *packed);
size_t nest_rt_conv_small_scratch_size(const nest_conv2d_desc *d);
void nest_rt_conv_small_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                            const float *residual, float *y, void *scratch);
/* Ungrouped 1x1 stride-1 convs without padding onto at most NEST_RT_POINTWISE_MAX_PIXELS pixels,
 * NEST_RT_POINTWISE_MIN_C+ input channels and 64+ output channels: vectorized over
 * output channels on the small-plane kernel's packed layout (nest_rt_conv_pointwise.c). */
#ifndef NEST_RT_POINTWISE_MAX_PIXELS
#define NEST_RT_POINTWISE_MAX_PIXELS 196
#endif
#ifndef NEST_RT_POINTWISE_MIN_C
#define NEST_RT_POINTWISE_MIN_C 128
#endif
int nest_rt_conv_is_pointwise(const nest_conv2d_desc *d);
/* Whether the weights are packed in 64-channel panels (nest_rt_conv_small_pack): the small-plane
 * and pointwise paths, and strided 1x1 convs whose subsampled conv is pointwise. */
int nest_rt_conv_uses_channel_panels(const nest_conv2d_desc *d);
/* Pixels [p0, p1) of 64-channel panel pn from its [pixel][64] sums (acc[p * 64 + r]) into Y's
 * channel rows (y, residual: one image's), with the residual and the activation: the small-plane
 * and pointwise paths' last step. */
void nest_rt_conv_store_panel(const nest_conv2d_desc *d, const float *acc, int64_t pn, int64_t p0, int64_t p1,
                              const float *residual, float *y);
size_t nest_rt_conv_pointwise_scratch_size(const nest_conv2d_desc *d);
void nest_rt_conv_pointwise_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                                const float *residual, float *y, void *scratch);
size_t nest_rt_conv_dw_scratch_size(const nest_conv2d_desc *d);
void nest_rt_conv_dw_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w,
                         const float *bias, float *y, void *scratch);

/* A padded copy of one H x W plane, split by column phase so that a strided window tap reads
 * consecutive floats: padded element (r, col) lives at
 *   buf[r * pitch + (col % stride_w) * phase_w + col / stride_w]
 * Output column ow of tap column offset t (= kw * dilation_w) is at phase t % stride_w, index
 * ow + t / stride_w, so NEST_VL consecutive output columns are one vector load. Padded rows and
 * columns outside the input hold `fill`. */
typedef struct nest_rt_plane {
  int64_t rows;    /* padded rows: (OH-1)*stride_h + (KH-1)*dilation_h + 1 */
  int64_t phase_w; /* floats per phase row: output width rounded up + taps, a multiple of NEST_RT_VL_MAX */
  int64_t pitch;   /* stride_w * phase_w */
} nest_rt_plane;

/* Largest vector width on any target: planes are sized with it so scratch sizes do not depend
 * on the target. */
#define NEST_RT_VL_MAX 16

nest_rt_plane nest_rt_plane_geometry(int64_t OH, int64_t OW, int64_t KH, int64_t KW, int64_t sh,
                                     int64_t sw, int64_t dh, int64_t dw);
/* Floats needed for the plane (and its staging row). */
size_t nest_rt_plane_floats(const nest_rt_plane *p);
/* interior_only: buf already holds a plane of this geometry and fill (an earlier channel's), so only
 * the input's own elements are rewritten: the padding is the same for every channel. */
void nest_rt_plane_fill(const nest_rt_plane *p, const float *x, int64_t H, int64_t W, int64_t pad_top,
                        int64_t pad_left, int64_t sw, float fill, int interior_only, float *buf);
/* Rows [r0, r1) of such a plane only, staging through `stage` (pitch + 2 * NEST_RT_VL_MAX floats),
 * so that threads can fill bands of one plane side by side, each with its own stage. */
void nest_rt_plane_fill_rows(const nest_rt_plane *p, const float *x, int64_t H, int64_t W, int64_t pad_top,
                             int64_t pad_left, int64_t sw, float fill, int interior_only, float *buf, float *stage,
                             int64_t r0, int64_t r1);

/* 3x3 max pools at stride 1 or 2 without dilation (nest_rt_pool_max3.c): whether one applies,
 * and its floats of per-thread scratch (counted on every target). */
int nest_rt_maxpool3_applies(const nest_pool2d_desc *d);
size_t nest_rt_maxpool3_scratch_floats(const nest_pool2d_desc *d);

#if defined(__AVX512F__)
#include <immintrin.h>
/* Whether the kernel takes output rows [oh0, oh1) of nest_rt_maxpool3 (the flat kernel of "same"
 * stride-1 pools takes whole planes only). */
int nest_rt_maxpool3_by_rows(const nest_pool2d_desc *d);
/* Planes [nc0, nc1) of such a pool, output rows [oh0, oh1) where the kernel takes rows (else all). */
void nest_rt_maxpool3(const nest_pool2d_desc *d, const float *x, float *y, float *scratch, int64_t nc0, int64_t nc1,
                      int64_t oh0, int64_t oh1);
/* Direct window taps for depthwise conv and pooling (stride 1 or 2, kernels up to 16 wide, output
 * rows up to 16 * NEST_RT_MAX_CHUNKS): a 16-lane tap is a masked load at input column `base` of
 * the row; lanes outside [0, W) are masked (they never fault) and take a fill value. */
#define NEST_RT_MAX_CHUNKS 64
#define NEST_RT_MAX_TAPS_W 16
static inline __mmask16 nest_rt_lanes_inside(int64_t base, int64_t W) {
  const int64_t lo = base < 0 ? -base : 0, hi = W - base; /* valid lanes [lo, hi) */
  if (lo >= 16 || hi <= 0 || lo >= hi) return 0;
  const uint32_t upto = hi >= 16 ? 0xFFFFu : ((1u << hi) - 1u);
  return (__mmask16)(upto & ~((1u << lo) - 1u));
}
/* Input columns base + j*s for lanes j (s = 1 or 2); m0/m1: lanes_inside(base), (base + 16). */
static inline __m512 nest_rt_load_taps(const float *at, int64_t s, __mmask16 m0, __mmask16 m1, __m512 fill) {
  if (s == 1) return m0 == 0xFFFF ? _mm512_loadu_ps(at) : _mm512_mask_loadu_ps(fill, m0, at);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  return _mm512_permutex2var_ps(_mm512_mask_loadu_ps(fill, m0, at), even, _mm512_mask_loadu_ps(fill, m1, at + 16));
}
#endif

#endif /* NEST_RT_CONV_INTERNAL_H */
