/* Internals shared by the int8 conv kernels (nest_rt_q8_conv.c, nest_rt_q8_dw.c): the
 * requantizing store of one channel's int32 accumulators. Not part of the bundle API. */
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
static inline void finish16(const nest_q8_out *o, int64_t ch, __m512i acc, int64_t n, void *y) {
  const int64_t k = o->channels == 1 ? 0 : ch;
  const int n_shift = 31 - o->shift[k];
  __m512i v;
  __m128i b;
  if (n_shift < 1 || n_shift > 62) {
    int32_t tmp[16];
    _mm512_storeu_si512(tmp, acc);
    finish_scalar(o, ch, tmp, n, y);
    return;
  }
  v = rq16(acc, o->mult[k], n_shift);
  v = _mm512_add_epi32(v, _mm512_set1_epi32(o->zp));
  v = _mm512_min_epi32(_mm512_max_epi32(v, _mm512_set1_epi32(o->lo)), _mm512_set1_epi32(o->hi));
  b = _mm512_cvtepi32_epi8(v);
  _mm_mask_storeu_epi8(y, (__mmask16)(n >= 16 ? 0xFFFF : (1u << n) - 1u), b);
}
#endif

#ifdef NEST_Q8_VNNI
/* The direct depthwise kernel (nest_rt_q8_dw.c) and the convs it takes. */
int nest_rt_q8_dw_ok(const nest_q8_conv2d_desc *d);
void nest_rt_q8_dw(const nest_q8_conv2d_desc *d, const void *x, const void *packed, void *y);
#endif

#endif /* NEST_RT_Q8_INTERNAL_H */
