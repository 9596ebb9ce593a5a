/* 3x3 windows at stride 1 or 2 on NCHW planes with AVX-512: the depthwise conv's weighted sums,
 * NEST_RT_W3_ROWS output rows by NEST_RT_W3_CHUNKS 16-column chunks at a time (3x3 max pools take
 * nest_rt_pool_max3.c).
 * Each input row's taps are loaded once and feed every output row of the block that uses it, and
 * the block's accumulators are independent chains, so they overlap; one chunk of one row at a time
 * ran 9 dependent FMAs per output vector (4-9% of peak) and loaded every input row three times.
 * Taps are masked loads straight from the input (lanes outside the row take the fill value; masked
 * lanes never fault); with stride 2 the taps kw = 0 and 1 are the even and odd lanes of the same
 * two loads. Each output combines its taps in the order kh = 0..2, kw = 0..2, after `init`; input
 * rows outside [0, H) are skipped. Internal header. */
#ifndef NEST_RT_WINDOW3_H
#define NEST_RT_WINDOW3_H

#if defined(__AVX512F__)
#include "nest_rt_conv_internal.h"

#define NEST_RT_W3_ROWS 4
#define NEST_RT_W3_CHUNKS 2

typedef struct nest_rt_w3 {
  const float *x; /* the input plane (H x W) */
  float *y;       /* the output plane (OH x OW) */
  int64_t H, W, OW, pad_top, chunks;
  int64_t base[NEST_RT_MAX_CHUNKS][3];                         /* per chunk and kw: input column of lane 0 */
  __mmask16 m0[NEST_RT_MAX_CHUNKS][3], m1[NEST_RT_MAX_CHUNKS][3]; /* lanes of base and base + 16 inside the row */
  __m512 wv[9];   /* weighted sum: the taps' weights */
  __m512 init;    /* the accumulators' start: the bias */
  __m512 fill;    /* masked lanes */
  __m512 lo, hi;  /* Relu / Clip bounds */
  int relu, clip;
} nest_rt_w3;

/* Whether a window takes this kernel: 3x3, no dilation, the same stride 1 or 2 on both axes, and
 * output rows that fit the chunk tables (OW up to 16 * NEST_RT_MAX_CHUNKS). */
static inline int nest_rt_w3_applies(int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                                     int64_t OW) {
  return KH == 3 && KW == 3 && dh == 1 && dw == 1 && sh == sw && (sh == 1 || sh == 2) &&
         (OW + 15) / 16 <= NEST_RT_MAX_CHUNKS;
}

/* The column tables for stride s; act: Relu or Clip applied at the store (NULL or others: none). */
static inline void nest_rt_w3_init(nest_rt_w3 *w, int64_t H, int64_t W, int64_t OW, int64_t s, int64_t pad_top,
                                   int64_t pad_left, float fill, const nest_act *act) {
  w->H = H, w->W = W, w->OW = OW, w->pad_top = pad_top, w->chunks = (OW + 15) / 16;
  for (int64_t ch = 0; ch < w->chunks; ++ch)
    for (int64_t kw = 0; kw < 3; ++kw) {
      w->base[ch][kw] = ch * 16 * s - pad_left + kw;
      w->m0[ch][kw] = nest_rt_lanes_inside(w->base[ch][kw], W);
      w->m1[ch][kw] = nest_rt_lanes_inside(w->base[ch][kw] + 16, W);
    }
  w->fill = _mm512_set1_ps(fill);
  w->relu = act && act->kind == NEST_ACT_RELU, w->clip = act && act->kind == NEST_ACT_CLIP;
  w->lo = _mm512_set1_ps(w->relu || !w->clip ? 0.0f : act->params[0]);
  w->hi = _mm512_set1_ps(w->clip ? act->params[1] : 0.0f);
}

/* Output rows [oh0, oh0 + rows) by chunks [ch0, ch0 + nch) at stride s (rows and columns): the
 * weighted sum of the taps. rows, nch and s are constants at each call,
 * so every loop unrolls and the accumulators stay in registers. */
static inline __attribute__((always_inline)) void nest_rt_w3_block(const nest_rt_w3 *w, int64_t oh0, int rows,
                                                                   int64_t ch0, int nch, int s) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  __m512 acc[NEST_RT_W3_ROWS][NEST_RT_W3_CHUNKS];
  _Pragma("GCC unroll 8") for (int i = 0; i < rows; ++i)
    _Pragma("GCC unroll 4") for (int k = 0; k < nch; ++k) acc[i][k] = w->init;
  const int64_t r0 = oh0 * s - w->pad_top;
  _Pragma("GCC unroll 16") for (int r = 0; r <= (rows - 1) * s + 2; ++r) {
    const int64_t ih = r0 + r;
    if (ih < 0 || ih >= w->H) continue;
    const float *row = w->x + ih * w->W;
    __m512 tap[NEST_RT_W3_CHUNKS][3];
    _Pragma("GCC unroll 4") for (int k = 0; k < nch; ++k) {
      const int64_t *base = w->base[ch0 + k];
      const __mmask16 *m0 = w->m0[ch0 + k], *m1 = w->m1[ch0 + k];
      if (s == 1) {
        _Pragma("GCC unroll 3") for (int kw = 0; kw < 3; ++kw)
            tap[k][kw] = nest_rt_load_taps(row + base[kw], 1, m0[kw], 0, w->fill);
      } else {
        const __m512 a = _mm512_mask_loadu_ps(w->fill, m0[0], row + base[0]);
        const __m512 b = _mm512_mask_loadu_ps(w->fill, m1[0], row + base[0] + 16);
        tap[k][0] = _mm512_permutex2var_ps(a, even, b);
        tap[k][1] = _mm512_permutex2var_ps(a, odd, b);
        tap[k][2] = nest_rt_load_taps(row + base[2], 2, m0[2], m1[2], w->fill);
      }
    }
    _Pragma("GCC unroll 8") for (int i = 0; i < rows; ++i) {
      const int kh = r - i * s; /* this input row's tap row for output row oh0 + i */
      if (kh < 0 || kh > 2) continue;
      _Pragma("GCC unroll 4") for (int k = 0; k < nch; ++k)
        _Pragma("GCC unroll 3") for (int kw = 0; kw < 3; ++kw) acc[i][k] =
            _mm512_fmadd_ps(w->wv[kh * 3 + kw], tap[k][kw], acc[i][k]);
    }
  }
  _Pragma("GCC unroll 8") for (int i = 0; i < rows; ++i)
    _Pragma("GCC unroll 4") for (int k = 0; k < nch; ++k) {
      __m512 v = acc[i][k];
      if (w->relu || w->clip) v = _mm512_max_ps(v, w->lo);
      if (w->clip) v = _mm512_min_ps(v, w->hi);
      float *dst = w->y + (oh0 + i) * w->OW + (ch0 + k) * 16;
      const int64_t left = w->OW - (ch0 + k) * 16;
      if (left >= 16) _mm512_storeu_ps(dst, v);
      else _mm512_mask_storeu_ps(dst, (__mmask16)((1u << left) - 1u), v);
    }
}

/* The whole output plane (OH rows), in blocks. */
static inline __attribute__((always_inline)) void nest_rt_w3_plane(const nest_rt_w3 *w, int64_t OH, int s) {
  int64_t oh = 0;
  for (; oh + NEST_RT_W3_ROWS <= OH; oh += NEST_RT_W3_ROWS) {
    int64_t ch = 0;
    for (; ch + NEST_RT_W3_CHUNKS <= w->chunks; ch += NEST_RT_W3_CHUNKS)
      nest_rt_w3_block(w, oh, NEST_RT_W3_ROWS, ch, NEST_RT_W3_CHUNKS, s);
    for (; ch < w->chunks; ++ch) nest_rt_w3_block(w, oh, NEST_RT_W3_ROWS, ch, 1, s);
  }
  for (; oh < OH; ++oh) {
    int64_t ch = 0;
    for (; ch + NEST_RT_W3_CHUNKS <= w->chunks; ch += NEST_RT_W3_CHUNKS)
      nest_rt_w3_block(w, oh, 1, ch, NEST_RT_W3_CHUNKS, s);
    for (; ch < w->chunks; ++ch) nest_rt_w3_block(w, oh, 1, ch, 1, s);
  }
}

/* The plane at stride s (1 or 2), with s made a constant for the inlined blocks. */
static inline __attribute__((always_inline)) void nest_rt_w3_run(const nest_rt_w3 *w, int64_t OH, int64_t s) {
  if (s == 1) nest_rt_w3_plane(w, OH, 1);
  else nest_rt_w3_plane(w, OH, 2);
}
#endif

#endif /* NEST_RT_WINDOW3_H */
