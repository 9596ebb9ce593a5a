/* Int8 conv2d (nest_rt_q8.h): im2col into 4-channel interleaved columns + an integer GEMM whose
 * inner step is vpdpbusd (u8 x s8 -> i32, four products per lane) on AVX-512 VNNI.
 *
 * Activations enter as u = q + 128 (i8) or q (u8), so the unsigned operand of vpdpbusd is the
 * activation; with zu = x_zp (+128) and K = Cg*KH*KW:
 *   sum (u - zu)(w - zw) = sum u*w - zw * sum u - zu * sum w + K * zu * zw
 * The last two terms and the bias are a per-channel constant folded at pack time ("corr"); the
 * second needs the per-pixel column sum, computed only when some zw != 0. All sums fit int32
 * (|u| <= 255, |w| <= 128), so the result equals the interpreter's int32 accumulator exactly.
 *
 * Per image and group: (1) the input is copied to xi[C4][Hp][Wp][4] (channels in fours,
 * zero-padded spatially with zu, channels past Cg zero); (2) col[pixel block of 16][k step][16][4]
 * gathers, for every pixel and tap (c4, kh, kw), four bytes of xi (a pointwise conv on VNNI builds
 * its columns straight from the input, without xi); (3) each 8-channel x 32-pixel tile
 * accumulates over the k steps; (4) requantize, add the zero point, clamp, store NCHW. */
#include <string.h>

#include "nest_rt_q8.h"

#include "nest_rt_q8_internal.h"
#include "nest_rt_q8_simd.h"
#include "nest_rt_threads.h"

#define Q8_PB 16 /* pixels per column block */
#define Q8_MR 8  /* channels per register tile */

typedef struct q8_geom {
  int64_t Cg, Mg, C4, KS, K4, P, PB, Hp, Wp;
} q8_geom;

static q8_geom geom(const nest_q8_conv2d_desc *d) {
  q8_geom g;
  g.Cg = d->C / d->group;
  g.Mg = d->M / d->group;
  g.C4 = (g.Cg + 3) / 4;
  g.KS = g.C4 * d->KH * d->KW; /* k steps of 4 bytes */
  g.K4 = g.KS * 4;
  g.P = d->OH * d->OW;
  g.PB = (g.P + Q8_PB - 1) / Q8_PB;
  g.Hp = d->H + d->pad_top + d->pad_bottom;
  g.Wp = d->W + d->pad_left + d->pad_right;
  return g;
}

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

size_t nest_q8_conv2d_packed_size(const nest_q8_conv2d_desc *d) {
  const q8_geom g = geom(d);
  return align64((size_t)(d->M * g.K4)) + (size_t)d->M * sizeof(int32_t);
}

/* Packed: per output channel m (all groups in order) K4 bytes in k-step order (c4, kh, kw, c%4). */
void nest_q8_conv2d_pack(const nest_q8_conv2d_desc *d, const int8_t *w, const int32_t *bias, void *packed) {
  const q8_geom g = geom(d);
  int8_t *pw = (int8_t *)packed;
  int32_t *corr = (int32_t *)((uint8_t *)packed + align64((size_t)(d->M * g.K4)));
  const int32_t zu = d->x_zp + (d->x_signed ? 128 : 0);
  const int64_t K = g.Cg * d->KH * d->KW;
  int64_t m, c, kh, kw;
  memset(packed, 0, nest_q8_conv2d_packed_size(d));
  for (m = 0; m < d->M; ++m) {
    int32_t wsum = 0;
    for (c = 0; c < g.Cg; ++c)
      for (kh = 0; kh < d->KH; ++kh)
        for (kw = 0; kw < d->KW; ++kw) {
          const int8_t v = w[((m * g.Cg + c) * d->KH + kh) * d->KW + kw];
          pw[m * g.K4 + (((c / 4) * d->KH + kh) * d->KW + kw) * 4 + c % 4] = v;
          wsum += v;
        }
    corr[m] = (bias ? bias[m] : 0) - zu * wsum + (int32_t)K * zu * d->w_zp[m];
  }
}

static size_t xi_bytes(const q8_geom *g) { return align64((size_t)(g->C4 * g->Hp * g->Wp * 4)); }
static size_t col_bytes(const q8_geom *g) { return align64((size_t)(g->PB * Q8_PB * g->K4)); }

size_t nest_q8_conv2d_scratch_size(const nest_q8_conv2d_desc *d) {
  const q8_geom g = geom(d);
  return xi_bytes(&g) + col_bytes(&g) + align64((size_t)(g.PB * Q8_PB) * sizeof(int32_t));
}

/* xi[c4][hp][wp][c%4] = u of channel c of the group, zu in the padding, 0 past Cg. Four source
 * rows are interleaved byte-wise, 16 pixels at a time with SSE2 unpacks on x86 SIMD paths. */
static void interleave(const nest_q8_conv2d_desc *d, const q8_geom *g, const uint8_t *x, uint8_t *xi, int64_t c40,
                       int64_t c41) {
  const uint8_t flip = d->x_signed ? 0x80 : 0; /* q + 128 for i8 is the bit pattern xor 0x80 */
  const uint8_t zu = (uint8_t)(d->x_zp + (d->x_signed ? 128 : 0));
  const int64_t H = d->H, W = d->W, pt = d->pad_top, pl = d->pad_left, Hp = g->Hp, Wp = g->Wp, Cg = g->Cg;
  int64_t c4, h, w;
  int j;
  for (c4 = c40; c4 < c41; ++c4) {
    uint8_t *plane = xi + c4 * Hp * Wp * 4;
    uint8_t fill[4];
    const uint8_t *src[4];
    for (j = 0; j < 4; ++j) fill[j] = c4 * 4 + j < Cg ? zu : 0;
    for (h = 0; h < Hp; ++h) {
      const int64_t ih = h - pt;
      uint8_t *row = plane + h * Wp * 4;
      if (ih < 0 || ih >= H) {
        for (w = 0; w < Wp; ++w) memcpy(row + w * 4, fill, 4);
        continue;
      }
      for (w = 0; w < pl; ++w) memcpy(row + w * 4, fill, 4);
      for (w = pl + W; w < Wp; ++w) memcpy(row + w * 4, fill, 4);
      for (j = 0; j < 4; ++j) src[j] = c4 * 4 + j < Cg ? x + ((c4 * 4 + j) * H + ih) * W : NULL;
      row += pl * 4;
      w = 0;
#if defined(NEST_Q8_VNNI) || defined(NEST_Q8_AVX2)
      {
        const __m128i fl = _mm_set1_epi8((char)flip), zero = _mm_setzero_si128();
        for (; w + 16 <= W; w += 16) {
          const __m128i r0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(src[0] + w)), fl);
          const __m128i r1 = src[1] ? _mm_xor_si128(_mm_loadu_si128((const __m128i *)(src[1] + w)), fl) : zero;
          const __m128i r2 = src[2] ? _mm_xor_si128(_mm_loadu_si128((const __m128i *)(src[2] + w)), fl) : zero;
          const __m128i r3 = src[3] ? _mm_xor_si128(_mm_loadu_si128((const __m128i *)(src[3] + w)), fl) : zero;
          const __m128i t0 = _mm_unpacklo_epi8(r0, r1), t1 = _mm_unpackhi_epi8(r0, r1);
          const __m128i t2 = _mm_unpacklo_epi8(r2, r3), t3 = _mm_unpackhi_epi8(r2, r3);
          _mm_storeu_si128((__m128i *)(row + w * 4), _mm_unpacklo_epi16(t0, t2));
          _mm_storeu_si128((__m128i *)(row + w * 4 + 16), _mm_unpackhi_epi16(t0, t2));
          _mm_storeu_si128((__m128i *)(row + w * 4 + 32), _mm_unpacklo_epi16(t1, t3));
          _mm_storeu_si128((__m128i *)(row + w * 4 + 48), _mm_unpackhi_epi16(t1, t3));
        }
      }
#endif
      for (; w < W; ++w)
        for (j = 0; j < 4; ++j) row[w * 4 + j] = src[j] ? (uint8_t)(src[j][w] ^ flip) : 0;
    }
  }
}

#ifndef NEST_Q8_VNNI
/* col[pb][s][p % 16][4]: four bytes of xi per pixel and k step; pixels past P are zero. */
static void im2col(const nest_q8_conv2d_desc *d, const q8_geom *g, const uint8_t *xi, uint8_t *col, int64_t pb0,
                   int64_t pb1) {
  const int64_t plane = g->Hp * g->Wp;
  int64_t p, c4, kh, kw;
  for (p = pb0 * Q8_PB; p < pb1 * Q8_PB; ++p) {
    uint32_t *dst = (uint32_t *)(col + (p / Q8_PB) * Q8_PB * g->K4) + p % Q8_PB;
    if (p >= g->P) {
      int64_t s;
      for (s = 0; s < g->KS; ++s) dst[s * Q8_PB] = 0;
      continue;
    }
    {
      const int64_t oh = p / d->OW, ow = p % d->OW;
      const int64_t h0 = oh * d->stride_h, w0 = ow * d->stride_w;
      int64_t s = 0;
      for (c4 = 0; c4 < g->C4; ++c4)
        for (kh = 0; kh < d->KH; ++kh) {
          const uint32_t *src = (const uint32_t *)xi + c4 * plane + (h0 + kh * d->dilation_h) * g->Wp + w0;
          for (kw = 0; kw < d->KW; ++kw, ++s) dst[s * Q8_PB] = src[kw * d->dilation_w];
        }
    }
  }
}

static void column_sums(const q8_geom *g, const uint8_t *col, int32_t *sums, int64_t pb0, int64_t pb1) {
  int64_t pb, s, j, b;
  for (pb = pb0; pb < pb1; ++pb)
    for (j = 0; j < Q8_PB; ++j) {
      int32_t t = 0;
      const uint8_t *c = col + pb * Q8_PB * g->K4 + j * 4;
      for (s = 0; s < g->KS; ++s)
        for (b = 0; b < 4; ++b) t += c[s * Q8_PB * 4 + b];
      sums[pb * Q8_PB + j] = t;
    }
}

#else
/* Pixel blocks whose pixels lie in at most this many output rows load each row's run with masked
 * loads (stride 1 or 2 across a row); others gather. */
#define Q8_MAX_RUNS 4

/* im2col, per pixel block and k step one 64-byte vector of 16 pixels x 4 bytes of xi: a plain
 * load when the 16 pixels are consecutive in xi (a block inside one output row of a stride-1
 * conv); per output row of the block one masked load (stride 1 across a row), or two and a
 * permute that keeps the even 4-byte groups (stride 2: the stems), when it spans few rows (a
 * gather cost half of GoogLeNet's int8 im2col); else a 16-lane gather. The column sums by
 * vpdpbusd with ones (only when `sums`). Pixels past P are zero. */
static void im2col_vnni(const nest_q8_conv2d_desc *d, const q8_geom *g, const uint8_t *xi, uint8_t *col, int32_t *sums,
                        int64_t pb0, int64_t pb1) {
  const int64_t plane = g->Hp * g->Wp;
  const __m512i ones = _mm512_set1_epi8(1), zero = _mm512_setzero_si512();
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const int32_t *xw = (const int32_t *)xi;
  int64_t pb, c4, kh, kw, j;
  for (pb = pb0; pb < pb1; ++pb) {
    int32_t off[Q8_PB];
    int64_t run_base[Q8_MAX_RUNS];
    __mmask16 run_mask[Q8_MAX_RUNS], run_lo[Q8_MAX_RUNS], run_hi[Q8_MAX_RUNS]; /* stride 2: the two loads' lanes */
    __mmask16 valid = 0;
    int consecutive, runs = 0;
    __m512i voff, sum = zero;
    uint8_t *dst = col + pb * Q8_PB * g->K4;
    for (j = 0; j < Q8_PB; ++j) {
      const int64_t p = pb * Q8_PB + j;
      off[j] = 0;
      if (p < g->P) {
        off[j] = (int32_t)((p / d->OW) * d->stride_h * g->Wp + (p % d->OW) * d->stride_w);
        valid |= (__mmask16)(1u << j);
        /* a new run where the row changes: lane j reads run_base + j + tap */
        if (j == 0 || p % d->OW == 0) {
          if (runs < Q8_MAX_RUNS) {
            run_base[runs] = off[j] - j * d->stride_w;
            run_mask[runs] = run_lo[runs] = run_hi[runs] = 0;
          }
          ++runs;
        }
        if (runs <= Q8_MAX_RUNS) {
          run_mask[runs - 1] |= (__mmask16)(1u << j);
          if (2 * j < Q8_PB) run_lo[runs - 1] |= (__mmask16)(1u << (2 * j));
          else run_hi[runs - 1] |= (__mmask16)(1u << (2 * j - Q8_PB));
        }
      }
    }
    voff = _mm512_loadu_si512(off);
    consecutive = valid == 0xFFFF && off[15] - off[0] == 15;
    const int by_runs = !consecutive && (d->stride_w == 1 || d->stride_w == 2) && runs <= Q8_MAX_RUNS;
    for (c4 = 0; c4 < g->C4; ++c4)
      for (kh = 0; kh < d->KH; ++kh)
        for (kw = 0; kw < d->KW; ++kw) {
          const int32_t tap = (int32_t)(c4 * plane + kh * d->dilation_h * g->Wp + kw * d->dilation_w);
          __m512i v;
          if (consecutive) {
            v = _mm512_loadu_si512(xw + off[0] + tap);
          } else if (by_runs) {
            int r;
            v = zero;
            /* lanes outside a run's mask are not read, so the address of lane 0 may precede xi */
            for (r = 0; r < runs; ++r) {
              const uintptr_t at = (uintptr_t)xw + (uintptr_t)((run_base[r] + tap) * 4);
              if (d->stride_w == 1) {
                v = _mm512_mask_loadu_epi32(v, run_mask[r], (const void *)at);
              } else {
                const __m512i lo = _mm512_maskz_loadu_epi32(run_lo[r], (const void *)at);
                const __m512i hi = _mm512_maskz_loadu_epi32(run_hi[r], (const void *)(at + 64));
                v = _mm512_mask_mov_epi32(v, run_mask[r], _mm512_permutex2var_epi32(lo, even, hi));
              }
            }
          } else {
            v = _mm512_mask_i32gather_epi32(zero, valid, _mm512_add_epi32(voff, _mm512_set1_epi32(tap)), xi, 4);
          }
          _mm512_storeu_si512(dst, v);
          dst += 64;
          if (sums) sum = _mm512_dpbusd_epi32(sum, v, ones);
        }
    if (sums) _mm512_storeu_si512(sums + pb * Q8_PB, sum);
  }
}

/* A pointwise conv (1x1, stride 1, no padding): the columns of pixel block pb are 16 consecutive
 * pixels of every fourth channel row, so they are built straight from the input, which skips xi
 * (every 1x1 layer copied its input twice). Pixels past P and channels past Cg are zero. */
static int pointwise(const nest_q8_conv2d_desc *d) {
  return d->KH == 1 && d->KW == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_top == 0 && d->pad_left == 0 &&
         d->pad_bottom == 0 && d->pad_right == 0;
}

static void pointwise_columns(const nest_q8_conv2d_desc *d, const q8_geom *g, const uint8_t *x, uint8_t *col,
                              int32_t *sums, int64_t pb0, int64_t pb1) {
  const __m128i fl = _mm_set1_epi8((char)(d->x_signed ? 0x80 : 0)), ones = _mm_set1_epi8(1);
  int64_t pb, c4;
  int j;
  for (pb = pb0; pb < pb1; ++pb) {
    const int64_t p = pb * Q8_PB, left = g->P - p;
    const __mmask16 m = (__mmask16)(left >= Q8_PB ? 0xFFFF : (1u << left) - 1u);
    __m128i s0 = _mm_setzero_si128(), s1 = s0, s2 = s0, s3 = s0;
    uint8_t *dst = col + pb * Q8_PB * g->K4;
    for (c4 = 0; c4 < g->C4; ++c4, dst += 64) {
      __m128i r[4];
      for (j = 0; j < 4; ++j) { /* channels past Cg are not read */
        r[j] = _mm_setzero_si128();
        if (c4 * 4 + j < g->Cg)
          r[j] = _mm_maskz_mov_epi8(m, _mm_xor_si128(_mm_maskz_loadu_epi8(m, x + (c4 * 4 + j) * g->P + p), fl));
      }
      const __m128i t0 = _mm_unpacklo_epi8(r[0], r[1]), t1 = _mm_unpackhi_epi8(r[0], r[1]);
      const __m128i t2 = _mm_unpacklo_epi8(r[2], r[3]), t3 = _mm_unpackhi_epi8(r[2], r[3]);
      const __m128i v0 = _mm_unpacklo_epi16(t0, t2), v1 = _mm_unpackhi_epi16(t0, t2);
      const __m128i v2 = _mm_unpacklo_epi16(t1, t3), v3 = _mm_unpackhi_epi16(t1, t3);
      _mm_storeu_si128((__m128i *)dst, v0);
      _mm_storeu_si128((__m128i *)(dst + 16), v1);
      _mm_storeu_si128((__m128i *)(dst + 32), v2);
      _mm_storeu_si128((__m128i *)(dst + 48), v3);
      if (sums) {
        s0 = _mm_dpbusd_epi32(s0, v0, ones);
        s1 = _mm_dpbusd_epi32(s1, v1, ones);
        s2 = _mm_dpbusd_epi32(s2, v2, ones);
        s3 = _mm_dpbusd_epi32(s3, v3, ones);
      }
    }
    if (sums) {
      _mm_storeu_si128((__m128i *)(sums + p), s0);
      _mm_storeu_si128((__m128i *)(sums + p + 4), s1);
      _mm_storeu_si128((__m128i *)(sums + p + 8), s2);
      _mm_storeu_si128((__m128i *)(sums + p + 12), s3);
    }
  }
}
#endif

#ifdef NEST_Q8_VNNI
/* The full tile, 8 channels x 2 pixel blocks, with 16 named accumulators (an array of them makes
 * the compiler shuffle registers every step). */
#define Q8_DOT(r)                                                                 \
  {                                                                               \
    const __m512i b = _mm512_set1_epi32(*(const int32_t *)(w + (r) * K4 + s4));   \
    c##r##0 = _mm512_dpbusd_epi32(c##r##0, a0, b);                                \
    c##r##1 = _mm512_dpbusd_epi32(c##r##1, a1, b);                                \
  }
static void dot8x2(int64_t KS, int64_t K4, const int8_t *w, const uint8_t *col0, const uint8_t *col1,
                   __m512i acc[Q8_MR][2]) {
  __m512i c00 = _mm512_setzero_si512(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  __m512i c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
  int64_t s;
  for (s = 0; s < KS; ++s) {
    const __m512i a0 = _mm512_loadu_si512(col0 + s * 64), a1 = _mm512_loadu_si512(col1 + s * 64);
    const int64_t s4 = s * 4;
    Q8_DOT(0) Q8_DOT(1) Q8_DOT(2) Q8_DOT(3) Q8_DOT(4) Q8_DOT(5) Q8_DOT(6) Q8_DOT(7)
  }
  acc[0][0] = c00; acc[0][1] = c01; acc[1][0] = c10; acc[1][1] = c11;
  acc[2][0] = c20; acc[2][1] = c21; acc[3][0] = c30; acc[3][1] = c31;
  acc[4][0] = c40; acc[4][1] = c41; acc[5][0] = c50; acc[5][1] = c51;
  acc[6][0] = c60; acc[6][1] = c61; acc[7][0] = c70; acc[7][1] = c71;
}
#undef Q8_DOT

/* R channels (R <= 8) x NV (1 or 2) pixel blocks. */
static inline __attribute__((always_inline)) void tile(const q8_geom *g, int R, int NV, const int8_t *w, const uint8_t *col, const int32_t *corr,
                        const int32_t *wzp, const int32_t *csum, const nest_q8_out *o, int64_t m0, int64_t p0,
                        uint8_t *y) {
  __m512i acc[Q8_MR][2];
  int r, v;
  int64_t s;
  if (R == Q8_MR && NV == 2) {
    dot8x2(g->KS, g->K4, w, col, col + Q8_PB * g->K4, acc);
  } else {
    for (r = 0; r < R; ++r)
      for (v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_si512();
    for (s = 0; s < g->KS; ++s) {
      __m512i a0 = _mm512_loadu_si512(col + s * 64), a1 = a0;
      if (NV > 1) a1 = _mm512_loadu_si512(col + Q8_PB * g->K4 + s * 64);
      for (r = 0; r < R; ++r) {
        const __m512i b = _mm512_set1_epi32(*(const int32_t *)(w + r * g->K4 + s * 4));
        acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], a0, b);
        if (NV > 1) acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], a1, b);
      }
    }
  }
  for (r = 0; r < R; ++r) {
    q8_rq_channel rq;
    q8_rq_channel_init(&rq, o, m0 + r);
    for (v = 0; v < NV; ++v) {
      const int64_t p = p0 + v * Q8_PB, n = g->P - p < Q8_PB ? g->P - p : Q8_PB;
      __m512i a = _mm512_add_epi32(acc[r][v], _mm512_set1_epi32(corr[r]));
      if (csum) a = _mm512_sub_epi32(a, _mm512_mullo_epi32(_mm512_set1_epi32(wzp[r]), _mm512_loadu_si512(csum + p)));
      q8_rq_store16(&rq, a, n, y + r * g->P + p);
    }
  }
}

static void gemm_group(const q8_geom *g, const int8_t *w, const uint8_t *col, const int32_t *corr, const int32_t *wzp,
                       const int32_t *csum, const nest_q8_out *o, int64_t m_base, uint8_t *y, int64_t pb0, int64_t pb1,
                       int64_t m0, int64_t m1) {
  int64_t pb, m;
  for (pb = pb0; pb < pb1; pb += 2) {
    const int NV = pb + 1 < pb1 ? 2 : 1;
    const uint8_t *c = col + pb * Q8_PB * g->K4;
    const int64_t p0 = pb * Q8_PB;
    for (m = m0; m + Q8_MR <= m1; m += Q8_MR) {
      if (NV == 2) tile(g, Q8_MR, 2, w + m * g->K4, c, corr + m, wzp + m, csum, o, m_base + m, p0, y + m * g->P);
      else tile(g, Q8_MR, 1, w + m * g->K4, c, corr + m, wzp + m, csum, o, m_base + m, p0, y + m * g->P);
    }
    for (; m < m1; ++m) {
      if (NV == 2) tile(g, 1, 2, w + m * g->K4, c, corr + m, wzp + m, csum, o, m_base + m, p0, y + m * g->P);
      else tile(g, 1, 1, w + m * g->K4, c, corr + m, wzp + m, csum, o, m_base + m, p0, y + m * g->P);
    }
  }
}
#elif defined(NEST_Q8_AVX2)
/* One channel x 16 pixels: four accumulators of 4 pixels x 2 partial sums (k pairs) each. */
static void gemm_group(const q8_geom *g, const int8_t *w, const uint8_t *col, const int32_t *corr, const int32_t *wzp,
                       const int32_t *csum, const nest_q8_out *o, int64_t m_base, uint8_t *y, int64_t pb0, int64_t pb1,
                       int64_t m0, int64_t m1) {
  enum { R = 4 };
  int32_t acc[Q8_PB];
  int64_t pb, m, s, j;
  int r;
  for (pb = pb0; pb < pb1; ++pb) {
    const uint8_t *c = col + pb * Q8_PB * g->K4;
    const int64_t p0 = pb * Q8_PB, n = g->P - p0 < Q8_PB ? g->P - p0 : Q8_PB;
    for (m = m0; m < m1; m += R) {
      const int rows = m1 - m < R ? (int)(m1 - m) : R;
      __m256i a[R][4];
      for (r = 0; r < R; ++r)
        for (j = 0; j < 4; ++j) a[r][j] = _mm256_setzero_si256();
      for (s = 0; s < g->KS; ++s) {
        const uint8_t *cs = c + s * 64;
        const __m256i x0 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)cs));
        const __m256i x1 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(cs + 16)));
        const __m256i x2 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(cs + 32)));
        const __m256i x3 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(cs + 48)));
        for (r = 0; r < rows; ++r) {
          int32_t w4;
          __m256i b;
          memcpy(&w4, w + (m + r) * g->K4 + s * 4, 4);
          b = _mm256_cvtepi8_epi16(_mm_set1_epi32(w4));
          a[r][0] = _mm256_add_epi32(a[r][0], _mm256_madd_epi16(x0, b));
          a[r][1] = _mm256_add_epi32(a[r][1], _mm256_madd_epi16(x1, b));
          a[r][2] = _mm256_add_epi32(a[r][2], _mm256_madd_epi16(x2, b));
          a[r][3] = _mm256_add_epi32(a[r][3], _mm256_madd_epi16(x3, b));
        }
      }
      for (r = 0; r < rows; ++r) {
        /* hadd pairs: [p0 p1 p4 p5 | p2 p3 p6 p7] -> pixel order */
        const __m256i lo = _mm256_permute4x64_epi64(_mm256_hadd_epi32(a[r][0], a[r][1]), 0xD8);
        const __m256i hi = _mm256_permute4x64_epi64(_mm256_hadd_epi32(a[r][2], a[r][3]), 0xD8);
        _mm256_storeu_si256((__m256i *)acc, lo);
        _mm256_storeu_si256((__m256i *)(acc + 8), hi);
        for (j = 0; j < n; ++j) acc[j] += corr[m + r] - (csum ? wzp[m + r] * csum[p0 + j] : 0);
        finish_scalar(o, m_base + m + r, acc, n, y + (m + r) * g->P + p0);
      }
    }
  }
}
#else
static void gemm_group(const q8_geom *g, const int8_t *w, const uint8_t *col, const int32_t *corr, const int32_t *wzp,
                       const int32_t *csum, const nest_q8_out *o, int64_t m_base, uint8_t *y, int64_t pb0, int64_t pb1,
                       int64_t m0, int64_t m1) {
  int32_t acc[Q8_PB];
  int64_t pb, m, s, j, b;
  for (pb = pb0; pb < pb1; ++pb) {
    const uint8_t *c = col + pb * Q8_PB * g->K4;
    const int64_t p0 = pb * Q8_PB, n = g->P - p0 < Q8_PB ? g->P - p0 : Q8_PB;
    for (m = m0; m < m1; ++m) {
      const int8_t *wr = w + m * g->K4;
      for (j = 0; j < Q8_PB; ++j) acc[j] = 0;
      for (s = 0; s < g->KS; ++s)
        for (j = 0; j < Q8_PB; ++j)
          for (b = 0; b < 4; ++b) acc[j] += (int32_t)c[(s * Q8_PB + j) * 4 + b] * wr[s * 4 + b];
      for (j = 0; j < n; ++j) acc[j] += corr[m] - (csum ? wzp[m] * csum[p0 + j] : 0);
      finish_scalar(o, m_base + m, acc, n, y + m * g->P + p0);
    }
  }
}
#endif

/* One group of one image in three phases, each spread over the threads: interleave (units of
 * channel fours), im2col (units of pixel blocks), GEMM (units of pixel-block pairs x channel tiles). */
typedef struct q8_job {
  const nest_q8_conv2d_desc *d;
  q8_geom g;
  const uint8_t *xg;
  const int8_t *w;
  const int32_t *corr, *wzp, *csum;
  uint8_t *xi, *col, *yg;
  int32_t *sums; /* column sums to compute, or NULL */
  int64_t m_base, c4_steps, pb_steps, pair_steps, m_steps, m_chunks;
} q8_job;

static int64_t clamp_end(int64_t a, int64_t n) { return a < n ? a : n; }

static void interleave_unit(void *ctx, int64_t u, void *scratch) {
  const q8_job *j = (const q8_job *)ctx;
  (void)scratch;
  interleave(j->d, &j->g, j->xg, j->xi, u * j->c4_steps, clamp_end((u + 1) * j->c4_steps, j->g.C4));
}

static void im2col_unit(void *ctx, int64_t u, void *scratch) {
  const q8_job *j = (const q8_job *)ctx;
  const int64_t pb0 = u * j->pb_steps, pb1 = clamp_end(pb0 + j->pb_steps, j->g.PB);
  (void)scratch;
#ifdef NEST_Q8_VNNI
  if (pointwise(j->d))
    pointwise_columns(j->d, &j->g, j->xg, j->col, j->sums, pb0, pb1);
  else
    im2col_vnni(j->d, &j->g, j->xi, j->col, j->sums, pb0, pb1);
#else
  im2col(j->d, &j->g, j->xi, j->col, pb0, pb1);
  if (j->sums) column_sums(&j->g, j->col, j->sums, pb0, pb1);
#endif
}

static void gemm_unit(void *ctx, int64_t u, void *scratch) {
  const q8_job *j = (const q8_job *)ctx;
  const int64_t mc = u % j->m_chunks, pb0 = u / j->m_chunks * j->pair_steps * 2;
  (void)scratch;
  gemm_group(&j->g, j->w, j->col, j->corr, j->wzp, j->csum, &j->d->out, j->m_base, j->yg, pb0,
             clamp_end(pb0 + j->pair_steps * 2, j->g.PB), mc * j->m_steps, clamp_end((mc + 1) * j->m_steps, j->g.Mg));
}

static void conv_group(const nest_q8_conv2d_desc *d, const q8_geom *g, int any_wzp, const void *x, const void *packed,
                       void *y, void *scratch, int64_t n, int64_t grp) {
  const int8_t *pw = (const int8_t *)packed;
  const int32_t *corr = (const int32_t *)((const uint8_t *)packed + align64((size_t)(d->M * g->K4)));
  uint8_t *xi = (uint8_t *)scratch, *col = xi + xi_bytes(g);
  int32_t *csum = (int32_t *)(col + col_bytes(g));
  const int64_t pairs = (g->PB + 1) / 2, threads = nest_get_threads();
  q8_job j;
  j.d = d;
  j.g = *g;
  j.xg = (const uint8_t *)x + (n * d->C + grp * g->Cg) * d->H * d->W;
  j.yg = (uint8_t *)y + (n * d->M + grp * g->Mg) * g->P;
  j.w = pw + grp * g->Mg * g->K4;
  j.corr = corr + grp * g->Mg;
  j.wzp = d->w_zp + grp * g->Mg;
  j.sums = any_wzp ? csum : NULL;
  j.csum = j.sums;
  j.xi = xi;
  j.col = col;
  j.m_base = grp * g->Mg;
  j.c4_steps = nest_rt_steps_per_unit(g->C4, 1);
  j.pb_steps = nest_rt_steps_per_unit(g->PB, 1);
  j.pair_steps = nest_rt_steps_per_unit(pairs, 1);
  j.m_steps = g->Mg;
  if (threads > 1 && pairs < 4 * threads) /* few pixels: split the channels too, in whole tiles */
    j.m_steps = nest_rt_ceil_div(nest_rt_ceil_div(g->Mg, nest_rt_ceil_div(4 * threads, pairs)), Q8_MR) * Q8_MR;
  j.m_chunks = nest_rt_ceil_div(g->Mg, j.m_steps);
#ifdef NEST_Q8_VNNI
  if (!pointwise(d)) /* pointwise columns come straight from the input */
#endif
    nest_rt_parallel(nest_rt_ceil_div(g->C4, j.c4_steps), interleave_unit, &j, 0, 0);
  nest_rt_parallel(nest_rt_ceil_div(g->PB, j.pb_steps), im2col_unit, &j, 0, 0);
  nest_rt_parallel(nest_rt_ceil_div(pairs, j.pair_steps) * j.m_chunks, gemm_unit, &j, 0, 0);
}

/* Many groups (depthwise, grouped) or images: whole groups are the units, each on its thread's scratch. */
typedef struct q8_groups_job {
  const nest_q8_conv2d_desc *d;
  q8_geom g;
  int any_wzp;
  const void *x, *packed;
  void *y;
} q8_groups_job;

static void group_unit(void *ctx, int64_t u, void *scratch) {
  const q8_groups_job *j = (const q8_groups_job *)ctx;
  conv_group(j->d, &j->g, j->any_wzp, j->x, j->packed, j->y, scratch, u / j->d->group, u % j->d->group);
}

void nest_q8_conv2d(const nest_q8_conv2d_desc *d, const void *x, const void *packed, void *y, void *scratch) {
  q8_groups_job j;
  int64_t m, u;
  j.d = d;
  j.g = geom(d);
  j.any_wzp = 0;
  j.x = x;
  j.packed = packed;
  j.y = y;
  for (m = 0; m < d->M; ++m) j.any_wzp |= d->w_zp[m] != 0;
#ifdef NEST_Q8_VNNI
  if (nest_rt_q8_dw_ok(d)) {
    nest_rt_q8_dw(d, x, packed, y);
    return;
  }
#endif
  if (d->N * d->group >= 4 * (int64_t)nest_get_threads()) {
    nest_rt_parallel(d->N * d->group, group_unit, &j, scratch, nest_q8_conv2d_scratch_size(d));
    return;
  }
  for (u = 0; u < d->N * d->group; ++u) group_unit(&j, u, scratch);
}
