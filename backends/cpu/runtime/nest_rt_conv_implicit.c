/* Stride-1 convs, and stride-2 convs with a spatial kernel, as an implicit GEMM: no im2col. The
 * padded input (Hp x Wp) is split by stride phase into sh * sw planes of Hq = ceil(Hp / sh) by
 * Wq = ceil(Wp / sw): phase (a, b) holds padded element (sh i + a, sw j + b) at (i, j), so every
 * tap reads consecutive floats for consecutive output columns (with stride 1 there is one phase,
 * the padded plane itself). Output pixel (oh, ow) sits at wide position q = oh * Wq + ow, and the
 * right-hand-side row of tap (c, kh, kw) is the phase plane of (kh dh % sh, kw dw % sw) shifted by
 * (kh dh / sh) Wq + kw dw / sw: off[k] from a table, contiguous floats the micro-kernel loads
 * directly (B row k at src + q0 + off[k]). The Wq - OW columns per row past the output are
 * computed and dropped when a tile is stored. With stride 1 and no padding the input itself is the
 * source (a 1x1 conv reads its input rows as they are); otherwise one padded, phase-split copy per
 * group is made in scratch, with zeros after it. The last tile of a plane, whose vectors overhang
 * the source, reads those zeros, or (reading the input itself) is copied first. With a few large
 * blocks on several threads, each block instead copies the band of rows it reads into its
 * thread's scratch (see banded_scratch). A strided conv
 * would otherwise gather an im2col tile (nest_rt_conv.c), whose packing and narrower reuse made
 * ResNet's 3x3 stride-2 layers about a third slower than its stride-1 ones.
 * Weights up to 512 KB are swept once per tile; larger ones once per block of tiles whose outputs
 * fit 1 MB of scratch (ResNet's last stages: 2-9 MB of weights, few pixels), so they are read
 * from memory about once per image. */
#include <string.h>

#include "nest_rt_conv_internal.h"
#include "nest_rt_gemm_internal.h"
#include "nest_rt_threads.h"

int nest_rt_conv_is_implicit(const nest_conv2d_desc *d) {
  /* A 1x1 stride-2 conv would copy four phases to use one: the im2col path gathers only those. A
   * strided conv with a short reduction (a 3x3 stem on 3 channels: 27) spends more on the phase
   * copy and the scratch tile's copy-out than it gains: im2col ran it in 0.43 ms against 0.55. */
  return (d->stride_h == 1 && d->stride_w == 1) ||
         (d->stride_h <= 2 && d->stride_w <= 2 && d->KH * d->KW > 1 && nest_rt_conv_kg(d) >= 64);
}

/* Whether the source is a padded, phase-split copy rather than the input itself. */
static int needs_copy(const nest_conv2d_desc *d) {
  return d->pad_top || d->pad_left || d->pad_bottom || d->pad_right || d->stride_h > 1 || d->stride_w > 1;
}

typedef struct s1_layout {
  int64_t Hq, Wq;    /* one phase plane of the padded input; a channel holds stride_h * stride_w */
  int64_t Q;         /* wide output positions */
  int64_t bcols;     /* wide positions per block, a multiple of NEST_RT_NR_MAX */
  /* scratch sections (bytes): the shared tables, then the caller's ctile, then the padded copy,
   * which a banded call leaves to the caller's band (see banded_scratch) */
  size_t off_off, map_off, tile_off, bias_off, ctile_off, pad_off, total;
} s1_layout;

#ifndef NEST_RT_S1_SMALL_WEIGHTS
#define NEST_RT_S1_SMALL_WEIGHTS (512 * 1024)
#endif
#ifndef NEST_RT_S1_BLOCK_BYTES
#define NEST_RT_S1_BLOCK_BYTES (1024 * 1024)
#endif
/* Input bytes per block when the tiles store straight into Y (see s1_plan). */
#ifndef NEST_RT_S1_DIRECT_BLOCK_BYTES
#define NEST_RT_S1_DIRECT_BLOCK_BYTES (256 * 1024)
#endif

/* 1x1 without horizontal padding or stride: wide positions are pixels, tiles store into Y. */
static int direct_out(const nest_conv2d_desc *d, const s1_layout *l) { return l->Wq == d->OW; }

/* Columns past a block's whole tiles that go one at a time (nest_rt_gemm_col) in direct mode: ResNet-50's
 * 7x7 1x1 layers (48 + 1) ran 17-20% faster; its 14x14 ones (4 x 48 + 4) no faster than with two
 * 2-vector tiles for the last 52. With narrower vectors a column costs as much as a vector of them. */
#if defined(__AVX512F__)
#define S1_COLUMN_TILES 2
#else
#define S1_COLUMN_TILES 0
#endif

/* Zeros after a padded copy: the last tile's vectors, which overhang the source by less than a
 * vector, read them instead of a copied tail tile (a grouped conv copied one per group). */
#define S1_PAD_SLACK NEST_RT_VL_MAX

/* Width of the next tile when `rem` positions of a block are left: in direct mode, whole tiles and
 * then up to S1_COLUMN_TILES single columns (a 7x7 plane: 48 + 1 instead of 32 + 32, so a 1x1 conv
 * on it does 3 vector columns of work and a sliver, not 4); otherwise nest_rt_tile_cols. */
static int64_t s1_tile_cols(int direct, int64_t rem) {
  if (direct && rem % NEST_RT_NR <= S1_COLUMN_TILES) return rem >= NEST_RT_NR ? NEST_RT_NR : 1;
  return nest_rt_tile_cols(rem);
}

static s1_layout s1_plan(const nest_conv2d_desc *d) {
  s1_layout l;
  const int64_t kg = nest_rt_conv_kg(d), rows = nest_rt_conv_panels(d) * NEST_RT_MR;
  l.Hq = (d->H + d->pad_top + d->pad_bottom + d->stride_h - 1) / d->stride_h;
  l.Wq = (d->W + d->pad_left + d->pad_right + d->stride_w - 1) / d->stride_w;
  /* up to the last output pixel: then only the last tile's vector rounding can read past the source */
  l.Q = (d->OH - 1) * l.Wq + d->OW;
  const int64_t tiles = (l.Q + NEST_RT_NR_MAX - 1) / NEST_RT_NR_MAX;
  int64_t per_block = 1;
  if ((int64_t)(rows * kg * sizeof(float)) > NEST_RT_S1_SMALL_WEIGHTS) {
    per_block = NEST_RT_S1_BLOCK_BYTES / (int64_t)(rows * NEST_RT_NR_MAX * sizeof(float));
    if (per_block < 1) per_block = 1;
    if (per_block > tiles) per_block = tiles;
  }
  if (direct_out(d, &l)) {
    /* Each weight panel sweeps a whole block of tiles, so its 8 output planes are written in long
     * runs; block by block with one tile per block, a tile of a 256-channel layer (ResNet-50's
     * expanding 1x1 convs) wrote 3 lines into each of 256 planes, a store pattern the cache
     * fills line by line from memory (those layers ran at half the speed of the others). The
     * block's input columns stay in L2 while the panels sweep them. */
    int64_t fit = NEST_RT_S1_DIRECT_BLOCK_BYTES / (int64_t)(kg * NEST_RT_NR_MAX * sizeof(float));
    if (fit > tiles) fit = tiles;
    if (fit > per_block) per_block = fit;
  }
  l.bcols = per_block * NEST_RT_NR_MAX;
  size_t at = 0;
  l.off_off = at;
  at += NEST_RT_ALIGN_UP((size_t)kg * sizeof(int64_t), 64);
  l.map_off = at;
  if (!direct_out(d, &l))
    at += NEST_RT_ALIGN_UP((size_t)nest_rt_ceil_div(l.Q, NEST_RT_WIDE_VEC) * sizeof(nest_rt_wide_map), 64);
  l.tile_off = at;
  at += (size_t)kg * NEST_RT_NR_MAX * sizeof(float);
  l.bias_off = at;
  at += NEST_RT_ALIGN_UP((size_t)rows * sizeof(float), 64);
  l.ctile_off = at;
  if (!direct_out(d, &l)) at += (size_t)(rows * l.bcols) * sizeof(float);
  l.pad_off = at;
  if (needs_copy(d))
    at += NEST_RT_ALIGN_UP((size_t)(d->C / d->group * d->stride_h * d->stride_w * l.Hq * l.Wq + S1_PAD_SLACK) *
                               sizeof(float), 64);
  l.total = at;
  return l;
}

size_t nest_rt_conv_implicit_scratch_size(const nest_conv2d_desc *d) { return s1_plan(d).total; }

/* Rows [i0, i1) of channels [c0, c1) of the group's input planes, zero padded and split into their
 * stride phases: stride_h * stride_w planes of i1 - i0 rows of Wq per channel, phase (a, b) at
 * (a * stride_w + b) * plane. x_end: the end of the image's input (reads may run past a row up to
 * there). */
static void pad_rows(const nest_conv2d_desc *d, const s1_layout *l, const float *xg, const float *x_end, float *dst,
                     int64_t c0, int64_t c1, int64_t i0, int64_t i1) {
  const int64_t sh = d->stride_h, sw = d->stride_w, plane = (i1 - i0) * l->Wq;
  for (int64_t c = c0; c < c1; ++c) {
    const float *src = xg + c * d->H * d->W;
    for (int64_t a = 0; a < sh; ++a)
      for (int64_t b = 0; b < sw; ++b) {
        float *p = dst + (c * sh * sw + a * sw + b) * plane;
        /* phase columns j whose input column sw j + b - pad_left lies in [0, W) */
        const int64_t j0 = d->pad_left - b <= 0 ? 0 : (d->pad_left - b + sw - 1) / sw;
        int64_t j1 = (d->W + d->pad_left - b + sw - 1) / sw;
        if (j1 > l->Wq) j1 = l->Wq;
        for (int64_t i = i0; i < i1; ++i, p += l->Wq) {
          const int64_t h = sh * i + a - d->pad_top;
          if (h < 0 || h >= d->H || j0 >= j1) {
            memset(p, 0, (size_t)l->Wq * sizeof(float));
            continue;
          }
          const float *row = src + h * d->W + sw * j0 + b - d->pad_left;
#if defined(__AVX512F__)
          if (sw == 1) { /* a masked load per vector, zeros included: no per-float edges */
            for (int64_t j = 0; j < l->Wq; j += 16) {
              const int64_t lo = j0 > j ? j0 - j : 0, hi = j1 - j < 16 ? j1 - j : 16; /* lanes [lo, hi) read */
              const __mmask16 m = hi > lo ? (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u)) : 0;
              const __m512 v = _mm512_maskz_loadu_ps(m, row + (j - j0));
              if (j + 16 <= l->Wq) _mm512_storeu_ps(p + j, v);
              else _mm512_mask_storeu_ps(p + j, (__mmask16)((1u << (l->Wq - j)) - 1u), v);
            }
            continue;
          }
#endif
          const int64_t readable = x_end - row; /* input floats from row on */
          for (int64_t j = 0; j < j0; ++j) p[j] = 0.0f;
          int64_t j = j0;
          /* Whole vectors (of every other float at stride 2) while the read stays inside the
           * input tensor: it may run into the next row, whose floats the partial store drops.
           * ResNeXt's rows are 7-28 floats: a copy per float, or a memcpy call per row, cost
           * its grouped convs more than a tenth of their time. */
          if (sw <= 2)
            for (; j < j1 && sw * (j - j0 + NEST_VL) <= readable; j += NEST_VL) {
              const nest_vf v = sw == 1 ? nest_vload(row + j - j0) : nest_vload_even(row + 2 * (j - j0));
              if (j + NEST_VL <= j1) nest_vstore(p + j, v);
              else nest_vstore_part(p + j, v, j1 - j);
            }
          for (; j < j1; ++j) p[j] = row[(j - j0) * sw];
          for (j = j1; j < l->Wq; ++j) p[j] = 0.0f;
        }
      }
  }
}

/* Channels [c0, c1) of the group's whole padded, phase-split source; the zeros after it with the last. */
static void pad_planes(const nest_conv2d_desc *d, const s1_layout *l, const float *xg, const float *x_end, float *dst,
                       int64_t c0, int64_t c1) {
  const int64_t cg = d->C / d->group;
  if (c1 == cg) memset(dst + cg * d->stride_h * d->stride_w * l->Hq * l->Wq, 0, S1_PAD_SLACK * sizeof(float));
  pad_rows(d, l, xg, x_end, dst, c0, c1, 0, l->Hq);
}

/* One group of one image: its source (padded or not), the shared tail tile, and how the work is cut:
 * units are (block of wide positions, chunk of weight panels). */
typedef struct s1_job {
  const nest_conv2d_desc *d;
  s1_layout l;
  const float *x, *packed_w, *bias, *residual; /* this image's input and residual (NULL: none); all weights */
  const float *x_end;                          /* the end of this image's input */
  float *y;                                    /* this image's output */
  const float *xg, *src, *wg, *tile, *bias_p;
  const float *rg; /* the group's residual (NULL: none), added before the activation */
  nest_act kernel_act; /* what the micro-kernel applies into ctile: d->act, or none with a residual
                        * (added in the copy) */
  float *yg, *padded;
  const int64_t *off;
  const nest_rt_wide_map *map; /* not direct: the real outputs stored from registers (NULL: copied out) */
  int64_t q_last, w_last, src_size, blocks, chunks, panels_per_chunk, pad_steps;
  int64_t spans;       /* the plane's wide positions in NEST_RT_NR_MAX spans, dealt evenly to the blocks */
  int64_t block_tiles; /* micro-kernel tiles in the first block */
  int stream_weights;  /* weights over NEST_RT_S1_SMALL_WEIGHTS: read from memory on every sweep */
  int tail_copied;
  int banded;          /* each unit copies the rows its block reads (banded_scratch) */
  size_t band_off;     /* banded: where a thread's band offsets, then its band, begin in its scratch */
} s1_job;

static void pad_unit(void *ctx, int64_t u, void *scratch) {
  const s1_job *j = (const s1_job *)ctx;
  const int64_t cg = j->d->C / j->d->group, c0 = u * j->pad_steps;
  (void)scratch;
  pad_planes(j->d, &j->l, j->xg, j->x_end, j->padded, c0, c0 + j->pad_steps < cg ? c0 + j->pad_steps : cg);
}

/* The first wide position of block b (b = blocks: the plane's end). Blocks get whole spans of
 * NEST_RT_NR_MAX positions, as evenly as they divide: no block is wider than bcols, and every
 * block starts where a tile of the undivided plane would, so the tiles and sums do not depend on
 * the blocks. With every block but the last bcols wide, one thread's half of the blocks of
 * ResNet-50's 56x56 and 28x28 1x1 convs held 23% more positions than the other's on 2 threads,
 * and the other thread waited for about a tenth of the layer's time. */
static int64_t block_start(const s1_job *j, int64_t b) {
  const int64_t q = b * j->spans / j->blocks * NEST_RT_NR_MAX;
  return q < j->l.Q ? q : j->l.Q;
}

/* off[k] for every tap k = (c, kh, kw) of a group: where the source row that the tap reads for wide
 * position 0 begins, with phase planes of `plane` floats and rows of Wq. Returns the largest. */
static int64_t fill_tap_offsets(const nest_conv2d_desc *d, int64_t Wq, int64_t plane, int64_t *off) {
  const int64_t sh = d->stride_h, sw = d->stride_w;
  int64_t off_max = 0;
  for (int64_t c = 0, k = 0; c < d->C / d->group; ++c)
    for (int64_t kh = 0; kh < d->KH; ++kh)
      for (int64_t kw = 0; kw < d->KW; ++kw, ++k) {
        const int64_t rh = kh * d->dilation_h, rw = kw * d->dilation_w;
        off[k] = (c * sh * sw + (rh % sh) * sw + rw % sw) * plane + rh / sh * Wq + rw / sw;
        off_max = off[k] > off_max ? off[k] : off_max;
      }
  return off_max;
}

/* Phase-plane rows below an output's own row that its lowest taps read. */
static int64_t tap_rows_below(const nest_conv2d_desc *d) { return (d->KH - 1) * d->dilation_h / d->stride_h; }

/* A band's tap offset table (kg int64s), in whole cache lines; the band follows it. */
static size_t band_table_bytes(const nest_conv2d_desc *d) {
  return NEST_RT_ALIGN_UP((size_t)nest_rt_conv_kg(d) * sizeof(int64_t), 64);
}

/* The rows [*r0, *r1) of the phase planes that the wide positions [b0, bend) read. Reads past the
 * real outputs (the last vector's lanes) go up to maxcol + a vector past the band's last plane. */
static void band_rows(const s1_job *j, int64_t b0, int64_t bend, int64_t *r0, int64_t *r1) {
  const int64_t below = (bend - 1) / j->l.Wq + tap_rows_below(j->d) + 1;
  *r0 = b0 / j->l.Wq;
  *r1 = below < j->l.Hq ? below : j->l.Hq;
}

static int64_t band_slack(const nest_conv2d_desc *d) {
  return (d->KW - 1) * d->dilation_w / d->stride_w + NEST_RT_VL_MAX;
}

/* Bytes of the band of rows [r0, r1), with the zeros after it. */
static size_t band_bytes(const s1_job *j, int64_t r0, int64_t r1) {
  const nest_conv2d_desc *d = j->d;
  return (size_t)((d->C / d->group * d->stride_h * d->stride_w * (r1 - r0) * j->l.Wq + band_slack(d)) * sizeof(float));
}

/* Banded: the rows that block [b0, bend) reads, copied into `at` with a table of tap offsets of its
 * own (off[k] as in the whole copy, with planes of the band's height). Returns the source from
 * which the block reads wide position q at q - *shift. */
static const float *copy_band(const s1_job *j, int64_t b0, int64_t bend, char *at, const int64_t **off,
                              int64_t *shift) {
  const nest_conv2d_desc *d = j->d;
  const int64_t cg = d->C / d->group, Wq = j->l.Wq;
  int64_t r0, r1;
  band_rows(j, b0, bend, &r0, &r1);
  int64_t *band_off = (int64_t *)at;
  float *band = (float *)(at + band_table_bytes(d));
  const int64_t plane = (r1 - r0) * Wq;
  fill_tap_offsets(d, Wq, plane, band_off);
  pad_rows(d, &j->l, j->xg, j->x_end, band, 0, cg, r0, r1);
  memset(band + cg * d->stride_h * d->stride_w * plane, 0, (size_t)band_slack(d) * sizeof(float));
  *off = band_off;
  *shift = r0 * Wq;
  return band;
}

/* ctile: this thread's block of outputs (all panel rows x bcols wide positions); banded, followed
 * by the block's band (copy_band). */
static void s1_unit(void *ctx, int64_t u, void *scratch) {
  const s1_job *j = (const s1_job *)ctx;
  const nest_conv2d_desc *d = j->d;
  const s1_layout *l = &j->l;
  const int64_t kg = nest_rt_conv_kg(d), panels = nest_rt_conv_panels(d), mg = d->M / d->group;
  const int64_t P = d->OH * d->OW, OW = d->OW, Wq = l->Wq;
  const int64_t chunk = u % j->chunks, b0 = block_start(j, u / j->chunks);
  const int64_t ip0 = chunk * j->panels_per_chunk;
  const int64_t ip1 = ip0 + j->panels_per_chunk < panels ? ip0 + j->panels_per_chunk : panels;
  const int64_t bend = block_start(j, u / j->chunks + 1);
  const int direct = direct_out(d, l), prefetch_stores = nest_get_threads() > 1;
  float *ctile = (float *)scratch;
  nest_rt_pf pf = {0, 0};
  const int64_t *off = j->off;
  int64_t shift = 0;
  const float *src = j->banded ? copy_band(j, b0, bend, (char *)scratch + j->band_off, &off, &shift) : j->src;
  for (int64_t pc = 0, kb = nest_rt_kblock(kg); pc < kg; pc += kb) {
    const int64_t kc = kg - pc < kb ? kg - pc : kb;
    for (int64_t ip = ip0; ip < ip1; ++ip) {
      const float *a = nest_rt_conv_panel(j->wg, panels, pc, kc, ip);
      const int64_t rows = nest_rt_panel_rows(mg, ip);
      /* Small weights too: they are swept from cache after the first block, but the first sweep
       * (in a network, the layer's first touch of its weights) waited on each panel's misses:
       * GoogLeNet's 1x1 convs, 100-400 KB of weights each, ran 6% slower without. */
      int64_t next_bytes = 0;
      const float *next = nest_rt_conv_next_panel(j->wg, panels, kg, kb, pc, kc, ip, ip0, ip1, &next_bytes);
      for (int64_t q0 = b0, cols, t = 0; q0 < bend; q0 += cols, ++t) {
        cols = s1_tile_cols(direct, bend - q0);
        nest_rt_prefetch_plan(&pf, next, next_bytes, t, j->block_tiles);
        const int64_t width = (cols + NEST_VL - 1) / NEST_VL * NEST_VL; /* columns the kernel reads */
        const int tail = j->tail_copied && !j->banded && q0 == j->q_last;
        const float *b = tail ? j->tile + pc * NEST_RT_NR : src + (q0 - shift);
        const int64_t *boff = tail ? 0 : off + pc;
        if (direct && prefetch_stores && pc + kc >= kg) { /* the next tile's outputs (or the next panel's first) */
          const int64_t nq = q0 + cols < bend ? q0 + cols : b0, nip = q0 + cols < bend ? ip : ip + 1;
          if (nip < ip1)
            nest_rt_prefetch_store_rows(j->yg + nip * NEST_RT_MR * P + nq, P, nest_rt_panel_rows(mg, nip),
                                        s1_tile_cols(direct, bend - nq));
        }
        if (direct && cols == 1 && S1_COLUMN_TILES > 0) /* only columns past whole tiles, the same for any split */
          nest_rt_gemm_col(kc, a, b, NEST_RT_NR, boff, j->yg + ip * NEST_RT_MR * P + q0, P, rows, pc == 0,
                           pc + kc >= kg, j->bias_p + ip * NEST_RT_MR, j->rg ? j->rg + ip * NEST_RT_MR * P + q0 : 0,
                           P, &d->act);
        else if (direct) /* the residual joins each tile in registers, then the activation */
          nest_rt_gemm_tile_res(kc, a, b, NEST_RT_NR, boff, j->yg + ip * NEST_RT_MR * P + q0, P, rows, cols, pc == 0,
                                pc + kc >= kg, j->bias_p + ip * NEST_RT_MR, 0,
                                j->rg ? j->rg + ip * NEST_RT_MR * P + q0 : 0, P, &d->act, &pf);
#if defined(NEST_RT_HAVE_WIDE_TILE)
        else if (j->map)
          nest_rt_gemm_tile_wide(kc, a, b, NEST_RT_NR, boff, ctile + ip * NEST_RT_MR * l->bcols + (q0 - b0), l->bcols,
                                 j->yg + ip * NEST_RT_MR * P, P, j->map + q0 / NEST_RT_WIDE_VEC, rows, cols, pc == 0,
                                 pc + kc >= kg, j->bias_p + ip * NEST_RT_MR, &d->act, &pf);
#endif
        else
          nest_rt_gemm_tile(kc, a, b, NEST_RT_NR, boff, ctile + ip * NEST_RT_MR * l->bcols + (q0 - b0), l->bcols,
                            NEST_RT_MR, width, pc == 0, pc + kc >= kg, j->bias_p + ip * NEST_RT_MR, 0, &j->kernel_act,
                            &pf);
      }
    }
  }
  const int64_t m0 = ip0 * NEST_RT_MR, m1 = ip1 * NEST_RT_MR < mg ? ip1 * NEST_RT_MR : mg;
  if (direct || j->map) return;
  const int64_t cols = bend - b0;
  /* The block's real output pixels, channel by channel: runs of one output row each, together one
   * stretch of the plane from its first pixel to its last, which is fetched for writing a channel ahead. */
  const int64_t first = b0 / Wq * OW + (b0 % Wq < OW ? b0 % Wq : OW);
  const int64_t last = (bend - 1) / Wq * OW + ((bend - 1) % Wq < OW ? (bend - 1) % Wq : OW - 1);
  for (int64_t m = m0; m < m1; ++m) {
    if (prefetch_stores && m + 1 < m1) nest_rt_prefetch_store_rows(j->yg + (m + 1) * P + first, P, 1, last + 1 - first);
    for (int64_t i = 0; i < cols;) {
      const int64_t q = b0 + i, oh = q / Wq, ow = q % Wq;
      const int64_t len = Wq - ow < cols - i ? Wq - ow : cols - i;
      if (ow < OW) {
        const int64_t n_out = OW - ow < len ? OW - ow : len;
        float *dst = j->yg + m * P + oh * OW + ow;
        const float *from = ctile + m * l->bcols + i;
        if (j->rg) {
          for (int64_t t = 0; t < n_out; ++t) dst[t] = from[t] + j->rg[m * P + oh * OW + ow + t];
          nest_act_apply_f32(&d->act, dst, n_out);
        } else {
          for (int64_t t = 0; t < n_out; ++t) dst[t] = from[t];
        }
      }
      i += len;
    }
  }
}

#if defined(NEST_RT_HAVE_WIDE_TILE)
/* The map of every vector of 16 wide positions (nest_rt_wide_map). */
static void fill_wide_map(const nest_conv2d_desc *d, const s1_layout *l, nest_rt_wide_map *map) {
  int64_t oh = 0, ow = 0; /* of wide position q */
  for (int64_t v = 0, q = 0; q < l->Q; ++v) {
    map[v].lanes = 0;
    map[v].pixel = 0;
    for (int i = 0; i < NEST_RT_WIDE_VEC; ++i, ++q) {
      if (q < l->Q && ow < d->OW) {
        if (!map[v].lanes) map[v].pixel = (int32_t)(oh * d->OW + ow);
        map[v].lanes |= 1u << i;
      }
      if (++ow == l->Wq) ow = 0, ++oh;
    }
  }
}
#endif

/* Points j at group g of its image, with the padded source, tail tile and bias in the given scratch
 * sections, and fills the bias. */
static void set_group(s1_job *j, int64_t g, float *padded, float *tile, float *bias_p) {
  const nest_conv2d_desc *d = j->d;
  const int64_t cg = d->C / d->group, mg = d->M / d->group, P = d->OH * d->OW;
  const int64_t rows = nest_rt_conv_panels(d) * NEST_RT_MR;
  j->xg = j->x + g * cg * d->H * d->W;
  j->yg = j->y + g * mg * P;
  j->rg = j->residual ? j->residual + g * mg * P : NULL;
  j->wg = j->packed_w + g * rows * nest_rt_conv_kg(d);
  for (int64_t m = 0; m < rows; ++m) bias_p[m] = j->bias && m < mg ? j->bias[g * mg + m] : 0.0f;
  j->bias_p = bias_p;
  j->padded = padded;
  j->tile = tile;
  j->src = needs_copy(d) ? padded : j->xg;
}

/* The group's last tile copied, zeros past the end of its source (its vectors would read past it). */
static void copy_tail(const s1_job *j) {
  float *tile = (float *)j->tile;
  for (int64_t k = 0; k < nest_rt_conv_kg(j->d); ++k) {
    const float *r = j->src + j->off[k] + j->q_last;
    const int64_t avail = j->src_size - j->off[k] - j->q_last;
    for (int64_t i = 0; i < j->w_last; ++i) tile[k * NEST_RT_NR + i] = i < avail ? r[i] : 0.0f;
  }
}

/* Many groups (ResNeXt: 32): a unit is a whole group, padded and computed by one
 * thread in its own scratch. One group at a time, each split over the threads, ResNeXt's grouped
 * convs (a few microseconds of work per group) ran twice as slowly on 2 threads as on 1. */
static void group_unit(void *ctx, int64_t g, void *scratch) {
  s1_job jg = *(const s1_job *)ctx;
  const s1_layout *l = &jg.l;
  char *s = (char *)scratch;
  set_group(&jg, g, (float *)(s + l->pad_off), (float *)(s + l->tile_off), (float *)(s + l->bias_off));
  if (needs_copy(jg.d)) pad_planes(jg.d, l, jg.xg, jg.x_end, jg.padded, 0, jg.d->C / jg.d->group);
  if (jg.tail_copied) copy_tail(&jg);
  for (int64_t v = 0; v < jg.blocks * jg.chunks; ++v) s1_unit(&jg, v, s + l->ctile_off);
}

/* Whether each unit copies the rows its block reads (copy_band) instead of the threads sharing one
 * copy made channel by channel, and if so the scratch a thread needs (else 0). With a few large
 * blocks on several threads (ResNet-50's 3x3 stride-2 conv onto 28x28: two), the layer before left
 * each thread's rows in its own cache (the pool gives a thread the same share call after call), so
 * neither the copy nor the GEMM then reads lines that the other core wrote: on 2 threads that
 * layer ran in 0.74-0.75 ms instead of 0.92-0.93 (cross-core round trip about 450 ns). Only while
 * the rows that neighbouring blocks both copy add at most a quarter to the copy, with whole panels
 * per unit (a chunk would copy its block again), and while a thread's band fits where the caller's
 * scratch holds the whole copy. */
static size_t banded_scratch(const s1_job *j, int64_t threads) {
  const nest_conv2d_desc *d = j->d;
  if (threads < 2 || !needs_copy(d) || j->chunks != 1 || j->blocks < threads ||
      4 * j->blocks * tap_rows_below(d) > j->l.Hq)
    return 0;
  size_t band = 0;
  for (int64_t b = 0; b < j->blocks; ++b) {
    int64_t r0, r1;
    band_rows(j, block_start(j, b), block_start(j, b + 1), &r0, &r1);
    const size_t bytes = band_bytes(j, r0, r1);
    band = bytes > band ? bytes : band;
  }
  const size_t need = j->band_off + band_table_bytes(d) + band;
  return need <= j->l.total - j->l.ctile_off ? need : 0;
}

void nest_rt_conv_implicit_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w,
                               const float *bias, const float *residual, float *y, void *scratch) {
  s1_job j;
  j.d = d;
  j.l = s1_plan(d);
  const s1_layout *l = &j.l;
  const int64_t kg = nest_rt_conv_kg(d), panels = nest_rt_conv_panels(d), mg = d->M / d->group;
  const int64_t cg = d->C / d->group, P = d->OH * d->OW, sh = d->stride_h, sw = d->stride_w;
  const int64_t Wq = l->Wq, plane = l->Hq * Wq;
  char *s = (char *)scratch;
  int64_t *off = (int64_t *)(s + l->off_off);
  j.packed_w = packed_w;
  j.bias = bias;
  j.off = off;
  j.kernel_act = d->act;
  if (residual) j.kernel_act.kind = NEST_ACT_NONE;
  const int64_t off_max = fill_tap_offsets(d, Wq, plane, off);
  j.map = 0;
#if defined(NEST_RT_HAVE_WIDE_TILE)
  if (!direct_out(d, l) && !residual && (d->act.kind == NEST_ACT_NONE || nest_rt_act_in_registers(&d->act))) {
    nest_rt_wide_map *map = (nest_rt_wide_map *)(s + l->map_off);
    fill_wide_map(d, l, map);
    j.map = map;
  }
#endif
  j.src_size = cg * sh * sw * plane;
  /* with at least 4 groups per thread, the groups are the units (group_unit) and each is computed
   * whole; otherwise one group at a time, its blocks and panels split over the threads */
  const int by_groups = d->group >= 4 * (int64_t)nest_get_threads();
  const int64_t threads = by_groups ? 1 : nest_get_threads(), want = 4 * threads;
  j.stream_weights = panels * NEST_RT_MR * kg * (int64_t)sizeof(float) > NEST_RT_S1_SMALL_WEIGHTS;
  /* Few blocks on several threads: smaller blocks (at least a tile), or chunks of panels, which
   * each read the whole block's input for a few output channels (SqueezeNet's squeeze layers, 16
   * channels, ran slower on 2 threads than on 1). Small weights are swept once per block from
   * cache: about four blocks per thread. Streamed weights are swept once per block from memory:
   * with more output positions than channels, as many blocks for each thread (ResNet-50's 3x3
   * stride-2 conv onto 28x28 as chunks of panels ran 1.04x faster on 2 threads than on 1); with
   * fewer (deep layers on small planes, megabytes of weights), chunks, so that each thread streams
   * its part of the weights only. The blocks only group the tiles: the sums do not change. */
  const int64_t blocks0 = (l->Q + l->bcols - 1) / l->bcols;
  const int by_blocks = !j.stream_weights || l->Q >= mg;
  const int64_t enough = by_blocks && j.stream_weights ? threads : want;
  if (threads > 1 && by_blocks && blocks0 < want) {
    const int64_t target = j.stream_weights ? nest_rt_ceil_div(blocks0, threads) * threads : want;
    const int64_t per = NEST_RT_ALIGN_UP(nest_rt_ceil_div(l->Q, target), NEST_RT_NR_MAX);
    if (per < j.l.bcols) j.l.bcols = per;
  }
  const int64_t blocks = (l->Q + l->bcols - 1) / l->bcols;
  j.blocks = blocks;
  j.spans = nest_rt_ceil_div(l->Q, NEST_RT_NR_MAX);
  j.chunks = 1;
  j.panels_per_chunk = panels;
  if (threads > 1 && blocks < enough) { /* few blocks: split the weight panels too */
    j.panels_per_chunk = nest_rt_ceil_div(panels, nest_rt_ceil_div(want, blocks));
    j.chunks = nest_rt_ceil_div(panels, j.panels_per_chunk);
  }
  j.pad_steps = nest_rt_steps_per_unit(cg, 1);
  j.block_tiles = 0;
  const int64_t first_end = block_start(&j, 1); /* the first block's wide positions */
  const int direct = direct_out(d, l);
  for (int64_t q = 0; q < first_end; q += s1_tile_cols(direct, first_end - q)) ++j.block_tiles;
  /* the last tile reads past the source when its vectors overhang: it is copied, zeros past the end */
  j.q_last = block_start(&j, blocks - 1); /* then on to the start of the plane's last tile */
  while (j.q_last + s1_tile_cols(direct, l->Q - j.q_last) < l->Q) j.q_last += s1_tile_cols(direct, l->Q - j.q_last);
  j.w_last = (l->Q - j.q_last + NEST_VL - 1) / NEST_VL * NEST_VL;
  j.tail_copied = off_max + j.q_last + j.w_last > j.src_size + (needs_copy(d) ? S1_PAD_SLACK : 0);
  j.band_off = NEST_RT_ALIGN_UP((size_t)(nest_rt_conv_panels(d) * NEST_RT_MR * l->bcols) * sizeof(float), 64);
  const size_t band_need = banded_scratch(&j, threads);
  j.banded = band_need > 0;
  for (int64_t n = 0; n < d->N; ++n) {
    j.x = x + n * d->C * d->H * d->W;
    j.x_end = j.x + d->C * d->H * d->W;
    j.y = y + n * d->M * P;
    j.residual = residual ? residual + n * d->M * P : NULL;
    if (by_groups) {
      nest_rt_parallel(d->group, group_unit, &j, scratch, l->total);
      continue;
    }
    for (int64_t g = 0; g < d->group; ++g) {
      set_group(&j, g, (float *)(s + l->pad_off), (float *)(s + l->tile_off), (float *)(s + l->bias_off));
      if (j.banded) {
        nest_rt_parallel(blocks, s1_unit, &j, s + l->ctile_off, band_need);
        continue;
      }
      if (needs_copy(d)) nest_rt_parallel(nest_rt_ceil_div(cg, j.pad_steps), pad_unit, &j, 0, 0);
      if (j.tail_copied) copy_tail(&j);
      nest_rt_parallel(blocks * j.chunks, s1_unit, &j, s + l->ctile_off, l->pad_off - l->ctile_off);
    }
  }
}
