/* Internal SIMD helpers of the int8 runtime (nest_rt_q8*.c). NEST_Q8_VNNI when the compiler
 * enables AVX-512 VNNI (with BW and VL), unless NEST_NO_SIMD forces the portable path. */
#ifndef NEST_RT_Q8_SIMD_H
#define NEST_RT_Q8_SIMD_H

#include <stdint.h>

#if defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__AVX512VL__) && !defined(NEST_NO_SIMD)
#include <immintrin.h>
#define NEST_Q8_VNNI 1

/* nest_q8_requantize on 16 int32 lanes for a total right shift n in [1, 62]: round(v * mult / 2^n)
 * with ties away from zero, from 64-bit products (even and odd lanes), saturated to int32 (callers
 * clamp further). Ties away from zero without the absolute value: for p < 0,
 * floor((p + 2^(n-1) - 1) / 2^n) = -floor((|p| + 2^(n-1)) / 2^n), so p + half + (p >> 63) is shifted
 * arithmetically (|p| < 2^62: no overflow). */
static inline __m512i rq16(__m512i v, int32_t mult, int n) {
  const __m512i m = _mm512_set1_epi64(mult);
  const __m512i half = _mm512_set1_epi64((long long)1 << (n - 1));
  const __m128i cnt = _mm_cvtsi32_si128(n);
  const __m512i lo32 = _mm512_set1_epi64(INT32_MIN), hi32 = _mm512_set1_epi64(INT32_MAX);
  const __m512i pe = _mm512_mul_epi32(v, m);
  const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(v, 32), m);
  __m512i re = _mm512_sra_epi64(_mm512_add_epi64(_mm512_add_epi64(pe, half), _mm512_srai_epi64(pe, 63)), cnt);
  __m512i ro = _mm512_sra_epi64(_mm512_add_epi64(_mm512_add_epi64(po, half), _mm512_srai_epi64(po, 63)), cnt);
  re = _mm512_min_epi64(_mm512_max_epi64(re, lo32), hi32);
  ro = _mm512_min_epi64(_mm512_max_epi64(ro, lo32), hi32);
  return _mm512_mask_blend_epi32((__mmask16)0xAAAA, re, _mm512_slli_epi64(ro, 32));
}

/* rq16 for n in [32, 62]: mult < 2^31 <= 2^(n-1), so the result fits int32 and needs no saturation,
 * and the odd lanes, shifted by n - 32 instead of n, land in the high halves (the bits below, which
 * the blend drops, are fraction bits). Same results as rq16, four instructions fewer. */
static inline __m512i rq16_small(__m512i v, __m512i mult, __m512i half, __m128i cnt, __m128i cnt_hi) {
  const __m512i pe = _mm512_mul_epi32(v, mult);
  const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(v, 32), mult);
  const __m512i re = _mm512_sra_epi64(_mm512_add_epi64(_mm512_add_epi64(pe, half), _mm512_srai_epi64(pe, 63)), cnt);
  const __m512i ro = _mm512_sra_epi64(_mm512_add_epi64(_mm512_add_epi64(po, half), _mm512_srai_epi64(po, 63)), cnt_hi);
  return _mm512_mask_blend_epi32((__mmask16)0xAAAA, re, ro);
}

/* rq16 through rq16_small when n allows (n in [1, 62]); for loops with a fixed n, which the
 * compiler then hoists. */
static inline __m512i rq16_auto(__m512i v, int32_t mult, int n) {
  if (n >= 32)
    return rq16_small(v, _mm512_set1_epi64(mult), _mm512_set1_epi64((long long)1 << (n - 1)), _mm_cvtsi32_si128(n),
                      _mm_cvtsi32_si128(n - 32));
  return rq16(v, mult, n);
}

#elif defined(__AVX2__) && !defined(NEST_NO_SIMD)
#include <immintrin.h>
/* AVX2 without VNNI: u8 and s8 widened to int16, vpmaddwd (exact: no saturation). */
#define NEST_Q8_AVX2 1
#endif

#endif /* NEST_RT_Q8_SIMD_H */
