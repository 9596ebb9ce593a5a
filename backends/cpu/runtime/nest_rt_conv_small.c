/* Convs with a spatial kernel, small output planes (at most 196 pixels: the 7x7 stages of ResNet
 * and GoogLeNet, strided convs onto 14x14) and 64+ output channels, vectorized over output
 * channels instead of pixels. The pixel-vectorized kernels compute whole vectors of (wide)
 * pixels: a 7x7 plane's 49 pixels, 61 wide positions with a 3x3 kernel, became 64 columns, and
 * the 8-row tiles left those layers at about half of this core's peak. Here a
 * tile is SMALL_MC = 64 output channels (SMALL_NV vectors) by SMALL_PX pixels: per reduction step
 * k, the 64 packed weights of k are loaded and each pixel's input value is broadcast, so every lane
 * is a real output. Any stride, dilation and padding: pixel p reads its taps at
 * src[off[k] + base[p]] in a zero-padded copy of the input (the input itself without padding).
 *
 * Weights are packed per panel of 64 output channels, k-major: packed[(panel * Kg + k) * 64 + r]
 * (rows past M zero). K runs in blocks (nest_rt_kblock): a block's 32 KB of weights stays in L1
 * while every group of pixels sweeps it, the partial sums waiting in a per-thread [pixel][64]
 * buffer; the last block adds bias, residual and activation on the way to Y. A unit is a panel,
 * or with few panels on several threads a panel and a range of pixel groups; every output is
 * summed in the same order whoever computes it. A padded input is copied by each thread into its
 * own scratch before its first unit: every unit reads all channels, and a shared copy made by
 * channels left half of each thread's reads to lines the other core wrote (on 2 threads, ResNet-50's
 * 3x3 stride-2 convs onto 14x14 and 7x7 ran about 0.065 and 0.035 ms slower; docs/cpu-runtime.md). */
#include "nest_rt_conv_internal.h"
#include "nest_rt_gemm_internal.h"
#include "nest_rt_threads.h"

#define SMALL_MC 64
#define SMALL_NV (SMALL_MC / NEST_VL)
/* Pixels per tile: 4 x 6 accumulators with 16 lanes (32 registers); wider targets keep one. */
#define SMALL_PX (NEST_VL == 16 ? 6 : 1)
/* 14x14: ResNet-50's 3x3 stride-2 conv onto it ran 12% faster here than on the implicit GEMM (1
 * thread), 23% on 2; onto 28x28 no faster on 1 thread. 3x3 stride-1 convs on these planes take
 * Winograd first. */
#define SMALL_MAX_PIXELS 196

/* Spatial kernels only: in ResNet-50's 7x7 stage its 1x1 layers measured slower here than on the
 * implicit GEMM; 1x1 convs on small planes take the pointwise path (nest_rt_conv_pointwise.c),
 * which keeps its sums in registers over the whole reduction. */
int nest_rt_conv_is_small(const nest_conv2d_desc *d) {
  return d->group == 1 && d->KH * d->KW > 1 && d->OH * d->OW <= SMALL_MAX_PIXELS && d->M >= SMALL_MC;
}

static int needs_padding(const nest_conv2d_desc *d) {
  return d->pad_top || d->pad_left || d->pad_bottom || d->pad_right;
}

typedef struct small_layout {
  int64_t Hp, Wp, kg, panels;
  /* per thread: acc, the [pixel][64] sums, and pad, the padded input; then the shared tables */
  size_t acc_off, pad_off, off_off, base_off, total;
} small_layout;

static small_layout small_plan(const nest_conv2d_desc *d) {
  small_layout l;
  l.Hp = d->H + d->pad_top + d->pad_bottom;
  l.Wp = d->W + d->pad_left + d->pad_right;
  l.kg = d->C * d->KH * d->KW;
  l.panels = (d->M + SMALL_MC - 1) / SMALL_MC;
  size_t at = 0;
  l.acc_off = at;
  at += (size_t)((d->OH * d->OW + 16) * SMALL_MC) * sizeof(float);
  l.pad_off = at;
  if (needs_padding(d)) at += NEST_RT_ALIGN_UP((size_t)(d->C * l.Hp * l.Wp) * sizeof(float), 64);
  l.off_off = at;
  at += NEST_RT_ALIGN_UP((size_t)l.kg * sizeof(int64_t), 64);
  l.base_off = at;
  at += NEST_RT_ALIGN_UP((size_t)(d->OH * d->OW + 16) * sizeof(int64_t), 64);
  l.total = at;
  return l;
}

size_t nest_rt_conv_small_scratch_size(const nest_conv2d_desc *d) { return small_plan(d).total; }

size_t nest_rt_conv_small_packed_size(const nest_conv2d_desc *d) {
  const small_layout l = small_plan(d);
  return (size_t)(l.panels * SMALL_MC * l.kg);
}

void nest_rt_conv_small_pack(const nest_conv2d_desc *d, const float *w, const float *scale, float *packed) {
  const small_layout l = small_plan(d);
  for (int64_t p = 0; p < l.panels; ++p)
    for (int64_t k = 0; k < l.kg; ++k)
      for (int64_t r = 0; r < SMALL_MC; ++r) {
        const int64_t m = p * SMALL_MC + r;
        packed[(p * l.kg + k) * SMALL_MC + r] = m < d->M ? w[m * l.kg + k] * (scale ? scale[m] : 1.0f) : 0.0f;
      }
}

typedef struct small_job {
  const nest_conv2d_desc *d;
  small_layout l;
  const float *packed_w, *bias, *residual, *x; /* x, residual, y: this image */
  float *y;
  const int64_t *off, *base;
  int64_t groups, chunks, groups_per_chunk;
  nest_rt_thread_set padded; /* the threads that have padded this image into their scratch */
} small_job;

/* What the taps read: the input, or the thread's padded copy of it, made before its first unit. */
static const float *unit_source(small_job *j, void *scratch) {
  if (!needs_padding(j->d)) return j->x;
  float *padded = (float *)((char *)scratch + j->l.pad_off);
  if (nest_rt_first_in_thread(&j->padded, scratch))
    nest_rt_pad_channels(j->d, j->x, padded, j->l.Hp, j->l.Wp, 0, j->d->C);
  return padded;
}

/* Pixel group g of panel pn over reduction steps [k0, k1): SMALL_PX x 64 sums, started from the
 * bias (k0 == 0) or from acc, left in acc; the planned lines of pf are fetched meanwhile, one per
 * step (nest_rt_prefetch_plan). */
static void small_tile(const small_job *j, const float *src, int64_t pn, int64_t g, int64_t k0, int64_t k1, float *acc,
                       nest_rt_pf *pf) {
  const char *pf_p = pf->p;
  const int64_t pf_lines = pf->lines;
  const int64_t kg = j->l.kg;
  const float *bp[SMALL_PX];
  for (int x = 0; x < SMALL_PX; ++x) bp[x] = src + j->base[g * SMALL_PX + x];
  float *a = acc + g * SMALL_PX * SMALL_MC;
  nest_vf s[SMALL_PX][SMALL_NV];
  for (int x = 0; x < SMALL_PX; ++x)
    for (int v = 0; v < SMALL_NV; ++v) {
      if (k0 > 0) {
        s[x][v] = nest_vload(a + x * SMALL_MC + v * NEST_VL);
        continue;
      }
      s[x][v] = nest_vzero();
      if (j->bias) { /* rows past M read no bias */
        float b[NEST_VL];
        for (int i = 0; i < NEST_VL; ++i) {
          const int64_t m = pn * SMALL_MC + v * NEST_VL + i;
          b[i] = m < j->d->M ? j->bias[m] : 0.0f;
        }
        s[x][v] = nest_vload(b);
      }
    }
  const float *w = j->packed_w + (pn * kg + k0) * SMALL_MC;
  for (int64_t k = k0; k < k1; ++k, w += SMALL_MC) {
    nest_rt_prefetch_step(pf_p, pf_lines, k - k0);
    const int64_t o = j->off[k];
    nest_vf wv[SMALL_NV];
    for (int v = 0; v < SMALL_NV; ++v) wv[v] = nest_vload(w + v * NEST_VL);
    for (int x = 0; x < SMALL_PX; ++x) {
      const nest_vf xv = nest_vset1(bp[x][o]);
      for (int v = 0; v < SMALL_NV; ++v) s[x][v] = nest_vfma(wv[v], xv, s[x][v]);
    }
  }
  nest_rt_prefetch_done(pf, k1 - k0);
  for (int x = 0; x < SMALL_PX; ++x)
    for (int v = 0; v < SMALL_NV; ++v) nest_vstore(a + x * SMALL_MC + v * NEST_VL, s[x][v]);
}

/* Unit u: panel u / chunks, pixel groups of chunk u % chunks. */
static void small_unit(void *ctx, int64_t u, void *scratch) {
  small_job *j = (small_job *)ctx;
  const nest_conv2d_desc *d = j->d;
  const int64_t P = d->OH * d->OW, kg = j->l.kg, pn = u / j->chunks;
  const int64_t g0 = u % j->chunks * j->groups_per_chunk;
  const int64_t g1 = g0 + j->groups_per_chunk < j->groups ? g0 + j->groups_per_chunk : j->groups;
  float *acc = (float *)((char *)scratch + j->l.acc_off);
  const float *src = unit_source(j, scratch);
  nest_rt_pf pf = {0, 0};
  for (int64_t k0 = 0, kb = nest_rt_kblock(kg); k0 < kg; k0 += kb) {
    const int64_t k1 = k0 + kb < kg ? k0 + kb : kg, next = k1 < kg ? (kg - k1 < kb ? kg - k1 : kb) : 0;
    /* the next K-block's input planes too: an input without padding is half the other core's (and
     * when the threads shared one padded copy, this took ResNet-50's 512-channel 3x3 stride-2 conv
     * on 2 threads from 0.95 to 0.80 ms) */
    if (next) {
      const int64_t taps = d->KH * d->KW, plane = j->l.Hp * j->l.Wp, c0 = k1 / taps, c1 = (k1 + next - 1) / taps + 1;
      nest_rt_prefetch_range(src + c0 * plane, (c1 - c0) * plane * (int64_t)sizeof(float));
    }
    /* the next K-block's weights stream in while the pixel groups sweep this one */
    for (int64_t g = g0; g < g1; ++g) {
      nest_rt_prefetch_plan(&pf, j->packed_w + (pn * kg + k1) * SMALL_MC, next * SMALL_MC * (int64_t)sizeof(float),
                            g - g0, g1 - g0);
      small_tile(j, src, pn, g, k0, k1, acc, &pf);
    }
  }
  nest_rt_conv_store_panel(d, acc, pn, g0 * SMALL_PX, g1 * SMALL_PX < P ? g1 * SMALL_PX : P, j->residual, j->y);
}

void nest_rt_conv_small_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                            const float *residual, float *y, void *scratch) {
  small_job j;
  j.d = d;
  j.l = small_plan(d);
  j.packed_w = packed_w;
  j.bias = bias;
  char *s = (char *)scratch;
  int64_t *off = (int64_t *)(s + j.l.off_off), *base = (int64_t *)(s + j.l.base_off);
  j.off = off;
  j.base = base;
  const int64_t P = d->OH * d->OW, Wp = j.l.Wp, plane = j.l.Hp * Wp;
  for (int64_t c = 0, k = 0; c < d->C; ++c)
    for (int64_t kh = 0; kh < d->KH; ++kh)
      for (int64_t kw = 0; kw < d->KW; ++kw, ++k) off[k] = c * plane + kh * d->dilation_h * Wp + kw * d->dilation_w;
  j.groups = (P + SMALL_PX - 1) / SMALL_PX;
  for (int64_t p = 0; p < j.groups * SMALL_PX; ++p) { /* pixels past P repeat the last one's reads */
    const int64_t q = p < P ? p : P - 1;
    base[p] = q / d->OW * d->stride_h * Wp + q % d->OW * d->stride_w;
  }
  j.chunks = 1;
  j.groups_per_chunk = j.groups;
  const int64_t want = 4 * (int64_t)nest_get_threads();
  if (nest_get_threads() > 1 && j.l.panels < want) { /* few panels: split the pixels too */
    j.groups_per_chunk = nest_rt_ceil_div(j.groups, nest_rt_ceil_div(want, j.l.panels));
    j.chunks = nest_rt_ceil_div(j.groups, j.groups_per_chunk);
  }
  for (int64_t n = 0; n < d->N; ++n) {
    j.x = x + n * d->C * d->H * d->W;
    j.y = y + n * d->M * P;
    j.residual = residual ? residual + n * d->M * P : NULL;
    nest_rt_thread_set_clear(&j.padded);
    nest_rt_parallel(j.l.panels * j.chunks, small_unit, &j, scratch, j.l.off_off);
  }
}
