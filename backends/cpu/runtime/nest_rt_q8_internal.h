/* Internals shared by the int8 kernels (nest_rt_q8_conv.c, nest_rt_q8_dw.c, nest_rt_q8.c): the
 * requantizing store of one channel's int32 accumulators, the kernels one file hands work to.
 * Not part of the bundle API. */
#ifndef NEST_RT_Q8_INTERNAL_H
#define NEST_RT_Q8_INTERNAL_H

#include "nest_rt_q8.h"
#include "nest_rt_q8_simd.h"

/* y = clamp(zp + requantize(acc), lo, hi) for one channel, n pixels. */
static inline void finish_scalar(const nest_q8_out *o, int64_t ch, const int32_t *acc, int64_t n, void *y) {
  const int64_t k = o->channels == 1 ? 0 : ch;
  int64_t i;
  for (i = 0; i < n; ++i) {
    int64_t v = o->zp + nest_q8_requantize(acc[i], o->mult[k], o->shift[k]);
    v = v < o->lo ? o->lo : (v > o->hi ? o->hi : v);
    if (o->is_signed) ((int8_t *)y)[i] = (int8_t)v;
    else ((uint8_t *)y)[i] = (uint8_t)v;
  }
}

#ifdef NEST_Q8_VNNI
/* One output channel's requantization, read from nest_q8_out once: a kernel keeps it in registers
 * over all the channel's pixels (its byte stores would otherwise make the compiler reload every
 * field after each store). */
typedef struct q8_rq_channel {
  const nest_q8_out *o;
  int64_t ch;
  int n_shift;
  int path; /* 0: rq16_small, 1: rq16, 2: scalar (shift outside [1, 62]) */
  __m512i mult, half, zp, lo, hi;
  __m128i cnt, cnt_hi;
} q8_rq_channel;

static inline void q8_rq_channel_init(q8_rq_channel *r, const nest_q8_out *o, int64_t ch) {
  const int64_t k = o->channels == 1 ? 0 : ch;
  const int n = 31 - o->shift[k];
  r->o = o;
  r->ch = ch;
  r->n_shift = n;
  r->path = n < 1 || n > 62 ? 2 : (n >= 32 ? 0 : 1);
  r->mult = _mm512_set1_epi64(o->mult[k]);
  r->half = _mm512_set1_epi64(r->path == 2 ? 0 : (long long)1 << (n - 1));
  r->cnt = _mm_cvtsi32_si128(n);
  r->cnt_hi = _mm_cvtsi32_si128(n - 32);
  r->zp = _mm512_set1_epi32(o->zp);
  r->lo = _mm512_set1_epi32(o->lo);
  r->hi = _mm512_set1_epi32(o->hi);
}

/* y[0, n) = clamp(zp + requantize(acc), lo, hi) for one channel, n <= 16 pixels. */
static inline void q8_rq_store16(const q8_rq_channel *r, __m512i acc, int64_t n, void *y) {
  __m512i v;
  if (r->path == 0) {
    v = rq16_small(acc, r->mult, r->half, r->cnt, r->cnt_hi);
  } else if (r->path == 1) {
    v = rq16(acc, (int32_t)_mm_cvtsi128_si32(_mm512_castsi512_si128(r->mult)), r->n_shift);
  } else {
    int32_t tmp[16];
    _mm512_storeu_si512(tmp, acc);
    finish_scalar(r->o, r->ch, tmp, n, y);
    return;
  }
  v = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(v, r->zp), r->lo), r->hi);
  _mm_mask_storeu_epi8(y, (__mmask16)(n >= 16 ? 0xFFFF : (1u << n) - 1u), _mm512_cvtepi32_epi8(v));
}

static inline void finish16(const nest_q8_out *o, int64_t ch, __m512i acc, int64_t n, void *y) {
  q8_rq_channel r;
  q8_rq_channel_init(&r, o, ch);
  q8_rq_store16(&r, acc, n, y);
}
#endif

#ifdef NEST_Q8_VNNI
/* The direct depthwise kernel (nest_rt_q8_dw.c) and the convs it takes. */
int nest_rt_q8_dw_ok(const nest_q8_conv2d_desc *d);
void nest_rt_q8_dw(const nest_q8_conv2d_desc *d, const void *x, const void *packed, void *y);
#endif

#if defined(NEST_Q8_VNNI) && defined(__AVX512VBMI__)
/* MaxPool on small planes, several output rows per vector (nest_rt_q8_pool_window.c). */
#define NEST_RT_Q8_POOL_WINDOW 1
int nest_rt_q8_pool_window_ok(const nest_q8_pool2d_desc *d);
void nest_rt_q8_pool_window(const nest_q8_pool2d_desc *d, const void *x, void *y);
#endif

#endif /* NEST_RT_Q8_INTERNAL_H */
