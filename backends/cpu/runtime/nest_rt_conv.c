/* Conv2d entry points: validation, weight packing and the im2col + packed-GEMM driver.
 * Per image and group, the output is Y[Mg x P] (P = OH*OW pixels, NCHW rows) = W[Mg x Kg] *
 * col[Kg x P], Kg = Cg*KH*KW in OIHW order. Weights are packed at compile time into NEST_RT_MR-row
 * panels, k-major (panel[k * MR + r]); the right-hand side is im2col-packed one NR-pixel tile at a
 * time into scratch, then every weight panel sweeps over it one K-block at a time. Packed weights
 * are stored in the order the kernels read them: K-block by K-block, and inside a K-block panel by
 * panel (kc x MR floats each), so a sweep over all weights is one sequential stream. Depthwise convolutions go to nest_rt_conv_dw.c. */
#include <stdint.h>
#include <string.h>

#include "nest_rt_conv_internal.h"
#include "nest_rt_gemm_internal.h"
#include "nest_rt_threads.h"

const char *nest_conv2d_check(const nest_conv2d_desc *d) {
  if (d->N <= 0 || d->C <= 0 || d->H <= 0 || d->W <= 0) return "input sizes N, C, H, W must be positive";
  if (d->M <= 0 || d->OH <= 0 || d->OW <= 0) return "output sizes M, OH, OW must be positive";
  if (d->KH <= 0 || d->KW <= 0) return "kernel sizes KH, KW must be positive";
  if (d->stride_h <= 0 || d->stride_w <= 0) return "strides must be positive";
  if (d->dilation_h <= 0 || d->dilation_w <= 0) return "dilations must be positive";
  if (d->pad_top < 0 || d->pad_left < 0 || d->pad_bottom < 0 || d->pad_right < 0) return "pads must be >= 0";
  if (d->group <= 0 || d->C % d->group != 0 || d->M % d->group != 0) return "group must divide C and M";
  const int64_t oh = (d->H + d->pad_top + d->pad_bottom - d->dilation_h * (d->KH - 1) - 1) / d->stride_h + 1;
  const int64_t ow = (d->W + d->pad_left + d->pad_right - d->dilation_w * (d->KW - 1) - 1) / d->stride_w + 1;
  if (oh != d->OH || ow != d->OW) return "OH/OW do not match the input size, kernel, strides, dilations and pads";
  if (d->act.kind < NEST_ACT_NONE || d->act.kind > NEST_ACT_TANH) return "unknown activation kind";
  return 0;
}

int nest_rt_conv_is_depthwise(const nest_conv2d_desc *d) {
  return d->group > 1 && d->group == d->C && d->group == d->M;
}

int nest_rt_conv_uses_channel_panels(const nest_conv2d_desc *d) {
  if (nest_rt_conv_is_subsample(d)) {
    const nest_conv2d_desc e = nest_rt_conv_subsampled(d);
    return nest_rt_conv_is_pointwise(&e);
  }
  return nest_rt_conv_is_small(d) || nest_rt_conv_is_pointwise(d);
}

#define conv_kg nest_rt_conv_kg
#define conv_panels nest_rt_conv_panels

const char *nest_conv2d_f32_path(const nest_conv2d_desc *d) {
  if (nest_rt_conv_is_depthwise(d)) return "depthwise";
  if (nest_rt_conv_is_winograd(d)) return "winograd";
  if (nest_rt_conv_is_small(d)) return "small";
  if (nest_rt_conv_is_pointwise(d)) return "pointwise";
  if (nest_rt_conv_is_subsample(d)) return "subsample";
  if (nest_rt_conv_is_stem(d)) return "stem";
  return nest_rt_conv_is_implicit(d) ? "implicit" : "im2col";
}

size_t nest_conv2d_f32_packed_size(const nest_conv2d_desc *d) {
  if (nest_rt_conv_is_depthwise(d)) return (size_t)(d->C * d->KH * d->KW);
  if (nest_rt_conv_is_winograd(d)) return nest_rt_conv_winograd_packed_size(d);
  if (nest_rt_conv_uses_channel_panels(d)) return nest_rt_conv_small_packed_size(d);
  return (size_t)(d->group * conv_panels(d) * NEST_RT_MR * conv_kg(d));
}

void nest_conv2d_f32_pack(const nest_conv2d_desc *d, const float *w, const float *scale, float *packed) {
  const int64_t kg = conv_kg(d);
  if (nest_rt_conv_is_depthwise(d)) {
    for (int64_t c = 0; c < d->C; ++c)
      for (int64_t k = 0; k < kg; ++k) packed[c * kg + k] = w[c * kg + k] * (scale ? scale[c] : 1.0f);
    return;
  }
  if (nest_rt_conv_is_winograd(d)) {
    nest_rt_conv_winograd_pack(d, w, scale, packed);
    return;
  }
  if (nest_rt_conv_uses_channel_panels(d)) {
    nest_rt_conv_small_pack(d, w, scale, packed);
    return;
  }
  /* the stem kernel keeps its sums in registers over the whole reduction: one K-block */
  const int64_t mg = d->M / d->group, panels = conv_panels(d), kblock = nest_rt_conv_is_stem(d) ? kg : nest_rt_kblock(kg);
  for (int64_t g = 0; g < d->group; ++g)
    for (int64_t pc = 0, kb = kblock; pc < kg; pc += kb) {
      const int64_t kc = kg - pc < kb ? kg - pc : kb;
      for (int64_t p = 0; p < panels; ++p) {
        float *dst = nest_rt_conv_panel(packed + g * panels * NEST_RT_MR * kg, panels, pc, kc, p);
        for (int64_t r = 0; r < NEST_RT_MR; ++r) {
          const int64_t m = p * NEST_RT_MR + r; /* row inside the group */
          for (int64_t k = 0; k < kc; ++k)
            dst[k * NEST_RT_MR + r] =
                m < mg ? w[(g * mg + m) * kg + pc + k] * (scale ? scale[g * mg + m] : 1.0f) : 0.0f;
        }
      }
    }
}

/* Pixels per packed block. Every weight panel sweeps all tiles of a block, so its 8 output planes
 * are written in runs of the block's width. Weights that fit comfortably in L2 are swept once per
 * block of up to SMALL_BLOCK_TILES tiles whose packed columns fit SMALL_BLOCK_BYTES: a
 * block of one tile wrote 3 lines into each of the 64 planes of a stem's output at a time, a store
 * pattern the cache fills line by line from memory. Larger weights are swept once per block of as
 * many tiles as fit the L2 budget (never more than the plane needs), so multi-megabyte weights
 * stream through the cache only a few times per image. */
#ifndef NEST_RT_PACK_BUDGET
#define NEST_RT_PACK_BUDGET (1536 * 1024)
#endif
#ifndef NEST_RT_SMALL_WEIGHTS
#define NEST_RT_SMALL_WEIGHTS (512 * 1024)
#endif
#define SMALL_BLOCK_BYTES (64 * 1024)
#define SMALL_BLOCK_TILES 16
static int64_t block_cols(const nest_conv2d_desc *d) {
  const int64_t tiles = (d->OH * d->OW + NEST_RT_NR_MAX - 1) / NEST_RT_NR_MAX;
  const int64_t tile_bytes = conv_kg(d) * NEST_RT_NR_MAX * (int64_t)sizeof(float);
  const int small = conv_panels(d) * NEST_RT_MR * conv_kg(d) * (int64_t)sizeof(float) <= NEST_RT_SMALL_WEIGHTS;
  int64_t fit = small ? SMALL_BLOCK_BYTES / tile_bytes : NEST_RT_PACK_BUDGET / tile_bytes;
  if (small && fit > SMALL_BLOCK_TILES) fit = SMALL_BLOCK_TILES;
  if (fit < 1) fit = 1;
  return (fit < tiles ? fit : tiles) * NEST_RT_NR_MAX;
}

size_t nest_conv2d_f32_scratch_size(const nest_conv2d_desc *d) {
  if (nest_rt_conv_is_depthwise(d)) return nest_rt_conv_dw_scratch_size(d);
  if (nest_rt_conv_is_winograd(d)) return nest_rt_conv_winograd_scratch_size(d);
  if (nest_rt_conv_is_small(d)) return nest_rt_conv_small_scratch_size(d);
  if (nest_rt_conv_is_pointwise(d)) return nest_rt_conv_pointwise_scratch_size(d);
  if (nest_rt_conv_is_subsample(d)) return nest_rt_conv_subsample_scratch_size(d);
  if (nest_rt_conv_is_stem(d)) return nest_rt_conv_stem_scratch_size(d);
  if (nest_rt_conv_is_implicit(d)) return nest_rt_conv_implicit_scratch_size(d);
  return (size_t)(conv_kg(d) * block_cols(d)) * sizeof(float);
}

/* A tile's pixels, cut into runs inside one output row. */
typedef struct pixel_run {
  int64_t j;   /* first column of the run in the tile */
  int64_t len; /* pixels */
  int64_t ih0; /* input row of tap (0, 0) */
  int64_t iw0; /* input column of tap (0, 0) for the run's first pixel */
} pixel_run;

static int64_t tile_runs(const nest_conv2d_desc *d, int64_t p0, int64_t cols, pixel_run *runs) {
  int64_t n = 0, j = 0;
  while (j < cols) {
    const int64_t p = p0 + j, oh = p / d->OW, ow = p % d->OW;
    int64_t len = d->OW - ow;
    if (len > cols - j) len = cols - j;
    runs[n].j = j;
    runs[n].len = len;
    runs[n].ih0 = oh * d->stride_h - d->pad_top;
    runs[n].iw0 = ow * d->stride_w - d->pad_left;
    ++n;
    j += len;
  }
  return n;
}

/* o[t] = s[t * sw] for t in [t0, t1) and zero elsewhere in [0, len), where s + t * sw is the run's
 * input at stride sw; `pairs`: outputs t whose 32-float pair s[2t .. 2t + 31] lies inside the row. */
static inline void copy_run(float *o, const float *s, int64_t t0, int64_t t1, int64_t len, int64_t sw, int64_t pairs) {
  for (int64_t t = 0; t < t0; ++t) o[t] = 0.0f;
  if (sw == 1) {
    memcpy(o + t0, s + t0, (size_t)(t1 - t0) * sizeof(float));
  } else {
    int64_t t = t0;
    if (sw == 2) /* 16 outputs from a 32-float pair, while the pair stays inside the row */
      for (; t + NEST_VL <= t1 && t + NEST_VL <= pairs; t += NEST_VL) nest_vstore(o + t, nest_vload_even(s + 2 * t));
#if defined(__AVX512F__)
    /* the rest of a stride-2 run from masked loads of its 2n - 1 floats */
    for (int64_t n; sw == 2 && t < t1; t += n) {
      n = t1 - t < 16 ? t1 - t : 16;
      const int64_t span = 2 * n - 1;
      const __m512 v = nest_rt_load_taps(s + 2 * t, 2, nest_rt_lanes_inside(0, span), nest_rt_lanes_inside(16, span),
                                         _mm512_setzero_ps());
      _mm512_mask_storeu_ps(o + t, nest_rt_lanes_inside(0, n), v);
    }
#endif
    for (; t < t1; ++t) o[t] = s[t * sw];
  }
  for (int64_t t = t1; t < len; ++t) o[t] = 0.0f;
}

/* col[k * NR + j] for k < Kg of group g and the tile's pixels; columns >= cols are zero. A run's
 * valid outputs for a kernel column are the same in every channel and kernel row, so they are
 * worked out once per run and column (two divisions each took a third of a 3-channel stem's
 * packing when done for every row of col). */
static void pack_tile(const nest_conv2d_desc *d, const float *xg, int64_t p0, int64_t cols, float *col) {
  pixel_run runs[NEST_RT_NR];
  const int64_t nruns = tile_runs(d, p0, cols, runs);
  const int64_t cg = d->C / d->group, sw = d->stride_w, KH = d->KH, KW = d->KW, W = d->W;
  for (int64_t r = 0; r < nruns; ++r) {
    const pixel_run *run = &runs[r];
    for (int64_t kw = 0; kw < KW; ++kw) {
      const int64_t iw = run->iw0 + kw * d->dilation_w;
      /* valid t: 0 <= iw + t*sw < W */
      int64_t t0 = iw < 0 ? (-iw + sw - 1) / sw : 0;
      int64_t t1 = iw < W ? (W - 1 - iw) / sw + 1 : 0;
      if (t1 > run->len) t1 = run->len;
      if (t0 > t1) t0 = t1;
      const int64_t pairs = iw < W ? (W - iw) / 2 : 0;
      for (int64_t c = 0; c < cg; ++c)
        for (int64_t kh = 0; kh < KH; ++kh) {
          float *o = col + ((c * KH + kh) * KW + kw) * NEST_RT_NR + run->j;
          const int64_t ih = run->ih0 + kh * d->dilation_h;
          if (ih < 0 || ih >= d->H)
            memset(o, 0, (size_t)run->len * sizeof(float));
          else
            copy_run(o, xg + (c * d->H + ih) * W + iw, t0, t1, run->len, sw, pairs);
        }
    }
  }
  if (cols < NEST_RT_NR)
    for (int64_t k = 0; k < conv_kg(d); ++k) memset(col + k * NEST_RT_NR + cols, 0, (size_t)(NEST_RT_NR - cols) * sizeof(float));
}

/* One unit of work: pixel block `blk` of image n, group g, weight panels [ip0, ip1), on tiles
 * packed at `col` (this thread's scratch when the unit packs its own block). */
typedef struct conv_job {
  const nest_conv2d_desc *d;
  const float *x, *packed_w, *bias;
  float *y;
  int64_t blocks, chunks, panels_per_chunk; /* pixel blocks per plane, panel chunks per block */
  int64_t ng, blk;                         /* shared-block mode: the block being computed */
  float *col;                              /* shared-block mode: its packed tiles */
  int64_t block_tiles;                     /* micro-kernel tiles in a full block */
  int stream_weights;                      /* weights over NEST_RT_SMALL_WEIGHTS (nest_rt_conv_next_panel) */
} conv_job;

static void block_range(const conv_job *j, int64_t blk, int64_t *b0, int64_t *bend) {
  const int64_t P = j->d->OH * j->d->OW, bcols = block_cols(j->d);
  *b0 = blk * bcols;
  *bend = P - *b0 < bcols ? P : *b0 + bcols;
}

static const float *group_input(const conv_job *j, int64_t ng) {
  const nest_conv2d_desc *d = j->d;
  return j->x + (ng / d->group * d->C + ng % d->group * (d->C / d->group)) * d->H * d->W;
}

/* Packs tiles [t0, t1) of block `blk` (tile t: pixels b0 + t*NR ..., at col + t * kg * NR). */
static void pack_tiles(const conv_job *j, int64_t ng, int64_t blk, int64_t t0, int64_t t1, float *col) {
  int64_t b0, bend;
  block_range(j, blk, &b0, &bend);
  for (int64_t p0 = b0, t = 0, cols; p0 < bend && t < t1; p0 += cols, ++t) {
    cols = nest_rt_tile_cols(bend - p0);
    if (t >= t0) pack_tile(j->d, group_input(j, ng), p0, cols, col + t * conv_kg(j->d) * NEST_RT_NR);
  }
}

static void compute_panels(const conv_job *j, int64_t ng, int64_t blk, int64_t chunk, const float *col) {
  const nest_conv2d_desc *d = j->d;
  const int64_t kg = conv_kg(d), mg = d->M / d->group, panels = conv_panels(d), P = d->OH * d->OW;
  const int64_t n = ng / d->group, g = ng % d->group;
  const int64_t ip0 = chunk * j->panels_per_chunk;
  const int64_t ip1 = ip0 + j->panels_per_chunk < panels ? ip0 + j->panels_per_chunk : panels;
  float *yg = j->y + (n * d->M + g * mg) * P;
  const float *wg = j->packed_w + g * panels * NEST_RT_MR * kg;
  const float *bg = j->bias ? j->bias + g * mg : 0;
  int64_t b0, bend;
  block_range(j, blk, &b0, &bend);
  nest_rt_pf pf = {0, 0};
  for (int64_t pc = 0, kb = nest_rt_kblock(kg); pc < kg; pc += kb) {
    const int64_t kc = kg - pc < kb ? kg - pc : kb;
    for (int64_t ip = ip0; ip < ip1; ++ip) {
      const int64_t rows = nest_rt_panel_rows(mg, ip);
      const float *a = nest_rt_conv_panel(wg, panels, pc, kc, ip);
      int64_t next_bytes = 0;
      const float *next =
          j->stream_weights ? nest_rt_conv_next_panel(wg, panels, kg, kb, pc, kc, ip, ip0, ip1, &next_bytes) : 0;
      for (int64_t p0 = b0, t = 0, cols; p0 < bend; p0 += cols, ++t) {
        cols = nest_rt_tile_cols(bend - p0);
        nest_rt_prefetch_plan(&pf, next, next_bytes, t, j->block_tiles);
        nest_rt_gemm_tile(kc, a, col + (t * kg + pc) * NEST_RT_NR, NEST_RT_NR, 0, yg + ip * NEST_RT_MR * P + p0, P, rows,
                          cols, pc == 0, pc + kc >= kg, bg ? bg + ip * NEST_RT_MR : 0, 0, &d->act, &pf);
      }
    }
  }
}

/* Many blocks: a unit is one whole block, packed into this thread's scratch. */
static void block_unit(void *ctx, int64_t u, void *scratch) {
  const conv_job *j = (const conv_job *)ctx;
  pack_tiles(j, u / j->blocks, u % j->blocks, 0, INT64_MAX, (float *)scratch);
  compute_panels(j, u / j->blocks, u % j->blocks, 0, (const float *)scratch);
}

/* Few blocks: each block is packed once into the caller's scratch (a unit per tile), then its
 * weight panels are shared out (a unit per chunk of panels). */
static void pack_unit(void *ctx, int64_t u, void *scratch) {
  const conv_job *j = (const conv_job *)ctx;
  (void)scratch;
  pack_tiles(j, j->ng, j->blk, u, u + 1, j->col);
}

static void chunk_unit(void *ctx, int64_t u, void *scratch) {
  const conv_job *j = (const conv_job *)ctx;
  (void)scratch;
  compute_panels(j, j->ng, j->blk, u, j->col);
}

void nest_conv2d_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                     float *y, void *scratch) {
  if (nest_rt_conv_is_depthwise(d)) {
    nest_rt_conv_dw_f32(d, x, packed_w, bias, y, scratch);
    return;
  }
  if (nest_rt_conv_is_winograd(d)) {
    nest_rt_conv_winograd_f32(d, x, packed_w, bias, NULL, y, scratch);
    return;
  }
  if (nest_rt_conv_is_small(d)) {
    nest_rt_conv_small_f32(d, x, packed_w, bias, NULL, y, scratch);
    return;
  }
  if (nest_rt_conv_is_pointwise(d)) {
    nest_rt_conv_pointwise_f32(d, x, packed_w, bias, NULL, y, scratch);
    return;
  }
  if (nest_rt_conv_is_subsample(d)) {
    nest_rt_conv_subsample_f32(d, x, packed_w, bias, NULL, y, scratch);
    return;
  }
  if (nest_rt_conv_is_stem(d)) {
    nest_rt_conv_stem_f32(d, x, packed_w, bias, NULL, y, scratch);
    return;
  }
  if (nest_rt_conv_is_implicit(d)) {
    nest_rt_conv_implicit_f32(d, x, packed_w, bias, NULL, y, scratch);
    return;
  }
  const int64_t P = d->OH * d->OW, bcols = block_cols(d), panels = conv_panels(d);
  conv_job j = {d, x, packed_w, bias, y, (P + bcols - 1) / bcols, 1, panels, 0, 0, (float *)scratch, 0, 0};
  j.stream_weights = panels * NEST_RT_MR * conv_kg(d) * (int64_t)sizeof(float) > NEST_RT_SMALL_WEIGHTS;
  for (int64_t p0 = 0; p0 < bcols && p0 < P; p0 += nest_rt_tile_cols((P < bcols ? P : bcols) - p0)) ++j.block_tiles;
  const int64_t blocks = d->N * d->group * j.blocks, want = 4 * (int64_t)nest_get_threads();
  if (nest_get_threads() == 1 || blocks >= want) {
    nest_rt_parallel(blocks, block_unit, &j, scratch, nest_conv2d_f32_scratch_size(d));
    return;
  }
  j.panels_per_chunk = nest_rt_ceil_div(panels, nest_rt_ceil_div(want, blocks));
  j.chunks = nest_rt_ceil_div(panels, j.panels_per_chunk);
  for (j.ng = 0; j.ng < d->N * d->group; ++j.ng)
    for (j.blk = 0; j.blk < j.blocks; ++j.blk) {
      int64_t b0, bend;
      block_range(&j, j.blk, &b0, &bend);
      int64_t tiles = 0;
      for (int64_t p0 = b0; p0 < bend; p0 += nest_rt_tile_cols(bend - p0)) ++tiles;
      nest_rt_parallel(tiles, pack_unit, &j, 0, 0);
      nest_rt_parallel(j.chunks, chunk_unit, &j, 0, 0);
    }
}

void nest_conv2d_f32_residual(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                              const float *residual, float *y, void *scratch) {
  if (nest_rt_conv_is_winograd(d)) {
    nest_rt_conv_winograd_f32(d, x, packed_w, bias, residual, y, scratch);
    return;
  }
  if (nest_rt_conv_is_small(d)) {
    nest_rt_conv_small_f32(d, x, packed_w, bias, residual, y, scratch);
    return;
  }
  if (nest_rt_conv_is_pointwise(d)) {
    nest_rt_conv_pointwise_f32(d, x, packed_w, bias, residual, y, scratch);
    return;
  }
  if (nest_rt_conv_is_subsample(d)) {
    nest_rt_conv_subsample_f32(d, x, packed_w, bias, residual, y, scratch);
    return;
  }
  if (nest_rt_conv_is_stem(d)) {
    nest_rt_conv_stem_f32(d, x, packed_w, bias, residual, y, scratch);
    return;
  }
  if (!nest_rt_conv_is_depthwise(d) && nest_rt_conv_is_implicit(d)) {
    nest_rt_conv_implicit_f32(d, x, packed_w, bias, residual, y, scratch);
    return;
  }
  nest_conv2d_desc plain = *d;
  const int64_t n = d->N * d->M * d->OH * d->OW;
  plain.act.kind = NEST_ACT_NONE;
  nest_conv2d_f32(&plain, x, packed_w, bias, y, scratch);
  for (int64_t i = 0; i < n; ++i) y[i] += residual[i];
  nest_act_apply_f32(&d->act, y, n);
}
