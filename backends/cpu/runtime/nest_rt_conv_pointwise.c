/* Ungrouped 1x1 stride-1 convs without padding onto small planes (the 14x14 and 7x7 stages of
 * ResNet, ResNeXt, GoogLeNet and MobileNetV2, SqueezeNet's 13x13 layers, and ResNet's strided
 * shortcuts after subsampling), vectorized over output channels. The implicit GEMM vectorizes
 * over pixels: a 14x14 plane's 196 pixels are 12.25 vectors, computed as 13, a 7x7 plane's 49 as
 * 3 + a column. Here a tile is 64 output channels (4 vectors with 16 lanes) by 7 pixels when the
 * plane is a multiple of 7 (49, 196: no pixel computed twice), else 6; per reduction step k the
 * 64 packed weights of k are loaded and each pixel's input x[k][p] is broadcast. The sums stay in
 * registers over the whole reduction: the panel's weights (K x 64 floats, 256 KB for K = 1024)
 * stream from L2 once per tile, the tile's 7 input floats of each row from L1/L2. With K-blocks
 * and partial sums in memory (nest_rt_conv_small.c's scheme) ResNet-50's 1024 -> 256 layers ran
 * at the implicit GEMM's speed; whole, 10% faster.
 *
 * The tiles leave [pixel][64] sums in a per-thread buffer; the unit's epilogue transposes them in
 * 16 x 16 blocks into Y's channel rows, adding the residual and applying the activation there
 * (nest_rt_conv_store_panel, which the small-plane kernel shares). Weights use the small-plane
 * kernel's layout (nest_rt_conv_small_pack: panels of 64 output channels, k-major, the last one
 * zero-padded; only its real channels are computed). A unit is a panel, or with few panels on
 * several threads a panel and a range of pixel groups; a thread's share is a range of panels, or
 * with split_by_pixels a range of pixel groups of every panel. Every output is summed in the same
 * order whoever computes it. */
#include "nest_rt_conv_internal.h"
#include "nest_rt_gemm_internal.h"
#include "nest_rt_threads.h"

#define PW_MC 64
/* Vectors of output channels per register tile: 4 x 7 sums with 16 lanes (28 of 32 registers);
 * 2 x 6 with 8 (12 of 16), so an AVX2 panel is four sub-tiles. */
#define PW_SV (NEST_VL >= 16 ? 4 : NEST_VL == 8 ? 2 : NEST_VL == 4 ? 4 : 1)
#define PW_SUBS (PW_MC / (PW_SV * NEST_VL))
#define PW_MAX_PX 7

/* Real output channels of panel pn: 64, or what the last panel holds. */
static int64_t panel_channels(const nest_conv2d_desc *d, int64_t pn) {
  return d->M - pn * PW_MC < PW_MC ? d->M - pn * PW_MC : PW_MC;
}

int nest_rt_conv_is_pointwise(const nest_conv2d_desc *d) {
  const int64_t P = d->OH * d->OW;
  return d->group == 1 && d->KH == 1 && d->KW == 1 && d->stride_h == 1 && d->stride_w == 1 && !d->pad_top &&
         !d->pad_left && !d->pad_bottom && !d->pad_right && P <= NEST_RT_POINTWISE_MAX_PIXELS &&
         d->C >= NEST_RT_POINTWISE_MIN_C && d->M >= PW_MC;
}

/* Pixels per tile: 7 divides the 7x7 and 14x14 planes; 6 otherwise (a narrower last tile). */
static int64_t pw_pixels(const nest_conv2d_desc *d) {
  return NEST_VL >= 16 && d->OH * d->OW % 7 == 0 ? 7 : 6;
}

/* The per-thread [pixel][64] sums of every pixel of the plane. */
size_t nest_rt_conv_pointwise_scratch_size(const nest_conv2d_desc *d) {
  return (size_t)(d->OH * d->OW * PW_MC) * sizeof(float);
}

typedef struct pw_job {
  const nest_conv2d_desc *d;
  const float *x, *packed_w, *bias, *residual; /* x, residual: this image */
  float *y;
  int64_t P, K, px, groups, chunks, groups_per_chunk;
  int pixel_major; /* units chunk by chunk (a thread's share: all panels of its pixels), else panel by panel */
} pw_job;

/* `px` pixels from p0 times `sv` vectors of output channels from c0 of one panel over the whole
 * reduction, into acc[p][64] (p from p0). With constant px and sv (the callers' switches) the loops
 * unroll into registers. */
static inline __attribute__((always_inline)) void pw_tile(const pw_job *j, const float *w, const float *bias,
                                                          int64_t p0, int64_t c0, float *acc, const int px,
                                                          const int sv, nest_rt_pf *pf) {
  const char *pf_p = pf->p;
  const int64_t pf_lines = c0 == 0 ? pf->lines : 0, P = j->P, K = j->K;
  nest_vf sum[PW_MAX_PX][PW_SV];
  for (int v = 0; v < sv; ++v) {
    const nest_vf b = nest_vload(bias + c0 + v * NEST_VL);
    for (int x = 0; x < px; ++x) sum[x][v] = b;
  }
  const float *wk = w + c0, *xk = j->x + p0;
  for (int64_t k = 0; k < K; ++k, wk += PW_MC, xk += P) {
    nest_rt_prefetch_step(pf_p, pf_lines, k);
    nest_vf wv[PW_SV];
    for (int v = 0; v < sv; ++v) wv[v] = nest_vload(wk + v * NEST_VL);
    for (int x = 0; x < px; ++x) {
      const nest_vf xv = nest_vset1(xk[x]);
      for (int v = 0; v < sv; ++v) sum[x][v] = nest_vfma(wv[v], xv, sum[x][v]);
    }
  }
  for (int x = 0; x < px; ++x)
    for (int v = 0; v < sv; ++v) nest_vstore(acc + x * PW_MC + c0 + v * NEST_VL, sum[x][v]);
}

#define PW_TILE_PX(sv)                                                   \
  switch (px) {                                                          \
    case 1: pw_tile(j, w, bias, p0, c0, acc, 1, sv, pf); break;          \
    case 2: pw_tile(j, w, bias, p0, c0, acc, 2, sv, pf); break;          \
    case 3: pw_tile(j, w, bias, p0, c0, acc, 3, sv, pf); break;          \
    case 4: pw_tile(j, w, bias, p0, c0, acc, 4, sv, pf); break;          \
    case 5: pw_tile(j, w, bias, p0, c0, acc, 5, sv, pf); break;          \
    case 6: pw_tile(j, w, bias, p0, c0, acc, 6, sv, pf); break;          \
    default: pw_tile(j, w, bias, p0, c0, acc, 7, sv, pf); break;         \
  }

/* The first mc channels of a panel, rounded up to 16 (the packed rows past M are zeros): sub-tiles
 * of PW_SV vectors, then, with 16 lanes, one of the 1-3 vectors left (the last panel of 112, 160
 * or 1000 channels). */
static void pw_tiles(const pw_job *j, const float *w, const float *bias, int64_t p0, float *acc, int64_t px,
                     int64_t mc, nest_rt_pf *pf) {
  int64_t c0 = 0;
  mc = NEST_RT_ALIGN_UP(mc, 16);
  for (; c0 + PW_SV * NEST_VL <= mc; c0 += PW_SV * NEST_VL) PW_TILE_PX(PW_SV)
#if PW_SV * NEST_VL > 16 /* narrower sub-tiles are 16 channels or fewer: a whole number of them */
  switch ((mc - c0) / NEST_VL) {
    case 0: break;
    case 1: PW_TILE_PX(1) break;
    case 2: PW_TILE_PX(2) break;
    default: PW_TILE_PX(3) break;
  }
#endif
  nest_rt_prefetch_done(pf, j->K);
}

#if defined(__AVX512F__)
/* r[i] (16 floats of row i) becomes column i: r[i][c] <- r[c][i]. */
static inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) { /* r[i + c], 128-bit lane l: rows i..i+3 of column 4 l + c */
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 u0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88), u1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xdd);
    const __m512 u2 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
    const __m512 u3 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xdd);
    t[c] = _mm512_shuffle_f32x4(u0, u2, 0x88);
    t[8 + c] = _mm512_shuffle_f32x4(u0, u2, 0xdd);
    t[4 + c] = _mm512_shuffle_f32x4(u1, u3, 0x88);
    t[12 + c] = _mm512_shuffle_f32x4(u1, u3, 0xdd);
  }
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}
#endif

void nest_rt_conv_store_panel(const nest_conv2d_desc *d, const float *acc, int64_t pn, int64_t p0, int64_t p1,
                              const float *residual, float *y) {
  const int64_t P = d->OH * d->OW, mc = panel_channels(d, pn);
  int64_t m0 = 0;
#if defined(__AVX512F__)
  const int in_regs = nest_rt_act_in_registers(&d->act), prefetch_stores = nest_get_threads() > 1;
  const __m512 lo = _mm512_set1_ps(nest_rt_act_lo(&d->act));
  const __m512 hi = _mm512_set1_ps(nest_rt_act_hi(&d->act));
  for (; m0 < mc; m0 += 16)
    for (int64_t p = p0; p < p1; p += 16) {
      const int64_t n = p1 - p < 16 ? p1 - p : 16;
      const __mmask16 mask = (__mmask16)((1u << n) - 1u);
      if (prefetch_stores && p + 16 < p1) /* the next 16 pixels' outputs of these channels */
        nest_rt_prefetch_store_rows(y + (pn * PW_MC + m0) * P + p + 16, P, mc - m0 < 16 ? mc - m0 : 16,
                                    p1 - p - 16 < 16 ? p1 - p - 16 : 16);
      __m512 r[16];
      for (int64_t i = 0; i < 16; ++i) r[i] = i < n ? _mm512_loadu_ps(acc + (p + i) * PW_MC + m0) : _mm512_setzero_ps();
      transpose16(r);
      for (int64_t c = 0; c < 16; ++c) {
        const int64_t m = pn * PW_MC + m0 + c;
        if (m0 + c >= mc) break;
        float *yr = y + m * P + p;
        __m512 v = r[c];
        if (residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, residual + m * P + p));
        if (in_regs) {
          v = _mm512_max_ps(v, lo);
          if (d->act.kind == NEST_ACT_CLIP) v = _mm512_min_ps(v, hi);
        }
        _mm512_mask_storeu_ps(yr, mask, v);
        if (!in_regs) nest_act_apply_f32(&d->act, yr, n);
      }
    }
#endif
  for (int64_t r = m0; r < mc; ++r) {
    const int64_t m = pn * PW_MC + r;
    float *yr = y + m * P;
    for (int64_t p = p0; p < p1; ++p) yr[p] = acc[p * PW_MC + r];
    if (residual)
      for (int64_t p = p0; p < p1; ++p) yr[p] += residual[m * P + p];
    nest_act_apply_f32(&d->act, yr + p0, p1 - p0);
  }
}

/* On several threads, whether each thread computes all output channels of its part of the plane
 * rather than its part of the channels at every pixel. By pixels, a thread reads only the input
 * (and residual) pixels it wrote in the layer before, when that layer was split by pixels too, but
 * every thread streams all the weights. The two cores of the machine this was tuned on share no
 * cache, and input written by the other core came at a few GB/s: ResNet-50's 14x14 1x1 layers (1 MB
 * of weights, 0.8 MB of input or residual) ran 0.05 ms faster by pixels on 2 threads; its 7x7 ones
 * (4 MB of weights, 0.1-0.4 MB of activations) 0.06-0.09 ms slower. */
static int split_by_pixels(const nest_conv2d_desc *d, int has_residual) {
  const int64_t P = d->OH * d->OW;
  return d->M * d->C <= 2 * (d->C + (has_residual ? d->M : 0)) * P;
}

/* Unit u: panel u / chunks, pixel groups of chunk u % chunks (pixel-major: the other way round). */
static void pw_unit(void *ctx, int64_t u, void *scratch) {
  const pw_job *j = (const pw_job *)ctx;
  const int64_t panels = nest_rt_ceil_div(j->d->M, PW_MC), panel_floats = j->K * PW_MC;
  const int64_t pn = j->pixel_major ? u % panels : u / j->chunks;
  const int64_t chunk = j->pixel_major ? u / panels : u % j->chunks;
  const int64_t mc = panel_channels(j->d, pn);
  const int64_t g0 = chunk * j->groups_per_chunk;
  const int64_t g1 = g0 + j->groups_per_chunk < j->groups ? g0 + j->groups_per_chunk : j->groups;
  float *acc = (float *)scratch;
  float bias[PW_MC];
  for (int64_t r = 0; r < PW_MC; ++r) bias[r] = j->bias && r < mc ? j->bias[pn * PW_MC + r] : 0.0f;
  const float *w = j->packed_w + pn * panel_floats;
  /* the next panel's weights (in a network read from memory) stream in while this one's tiles run */
  const float *next = pn + 1 < panels ? w + panel_floats : 0;
  nest_rt_pf pf = {0, 0};
  for (int64_t g = g0; g < g1; ++g) {
    const int64_t p0 = g * j->px, px = j->P - p0 < j->px ? j->P - p0 : j->px;
    nest_rt_prefetch_plan(&pf, next, panel_floats * (int64_t)sizeof(float), g - g0, g1 - g0);
    /* Split by pixels, a thread's first panel is its first read of its pixels' input: the next
     * group's column of every channel is fetched meanwhile (ResNet-50's 1024 -> 256 layers, 2
     * threads: 0.02-0.03 ms faster each). */
    if (j->pixel_major && pn == 0 && g + 1 < g1)
      for (int64_t k = 0; k < j->K; ++k) nest_rt_prefetch_range(j->x + k * j->P + p0 + j->px, j->px * (int64_t)sizeof(float));
    pw_tiles(j, w, bias, p0, acc + p0 * PW_MC, px, mc, &pf);
  }
  nest_rt_conv_store_panel(j->d, acc, pn, g0 * j->px, g1 * j->px < j->P ? g1 * j->px : j->P, j->residual, j->y);
}

void nest_rt_conv_pointwise_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                                const float *residual, float *y, void *scratch) {
  pw_job j;
  j.d = d;
  j.packed_w = packed_w;
  j.bias = bias;
  j.P = d->OH * d->OW;
  j.K = d->C;
  j.px = pw_pixels(d);
  j.groups = nest_rt_ceil_div(j.P, j.px);
  const int64_t panels = nest_rt_ceil_div(d->M, PW_MC), threads = nest_get_threads();
  j.chunks = 1;
  j.groups_per_chunk = j.groups;
  j.pixel_major = threads > 1 && split_by_pixels(d, residual != NULL);
  if (j.pixel_major) {
    j.groups_per_chunk = nest_rt_ceil_div(j.groups, threads);
    j.chunks = nest_rt_ceil_div(j.groups, j.groups_per_chunk);
  } else if (threads > 1 && panels < 2 * threads) { /* few panels: split the pixels too */
    j.groups_per_chunk = nest_rt_ceil_div(j.groups, nest_rt_ceil_div(2 * threads, panels));
    j.chunks = nest_rt_ceil_div(j.groups, j.groups_per_chunk);
  }
  for (int64_t n = 0; n < d->N; ++n) {
    j.x = x + n * d->C * j.P;
    j.y = y + n * d->M * j.P;
    j.residual = residual ? residual + n * d->M * j.P : NULL;
    nest_rt_parallel(panels * j.chunks, pw_unit, &j, scratch, nest_rt_conv_pointwise_scratch_size(d));
  }
}
