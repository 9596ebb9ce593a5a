/* SIMD selection for the NEST CPU runtime, by compiler macros only (no runtime dispatch): the
 * bundle is compiled for its target (-march=...), so the widest ISA the compiler enables wins.
 *   __AVX512F__            16 lanes, micro-kernel 8 rows x 48 columns (24 zmm accumulators)
 *   __AVX2__ && __FMA__     8 lanes, micro-kernel 4 rows x 24 columns (12 ymm), twice per panel
 *   __ARM_NEON (aarch64)    4 lanes, micro-kernel 8 rows x 12 columns (24 q accumulators)
 *   otherwise (portable)    1 lane,  micro-kernel 8 rows x 3 columns (plain C)
 * Everything target-dependent stays inside a kernel call: packed weights use NEST_RT_MR-row
 * panels on every target, and scratch sizes use the largest tile width (NEST_RT_NR_MAX), so
 * nestc computes identical buffers whatever the bundle's target is. Internal header. */
#ifndef NEST_RT_SIMD_H
#define NEST_RT_SIMD_H

#include <stdint.h>

/* Rows of output channels per packed weight panel (all targets). */
#define NEST_RT_MR 8
/* Widest micro-kernel tile in output pixels over all targets (bounds scratch sizes). */
#define NEST_RT_NR_MAX 48
/* Vectors per micro-kernel row. */
#define NEST_RT_NRV 3

#if defined(__AVX512F__)
#include <immintrin.h>
#define NEST_VL 16
#define NEST_UK_ROWS 8
typedef __m512 nest_vf;
#define nest_vload(p) _mm512_loadu_ps(p)
#define nest_vstore(p, v) _mm512_storeu_ps((p), (v))
#define nest_vset1(x) _mm512_set1_ps(x)
#define nest_vzero() _mm512_setzero_ps()
#define nest_vfma(a, b, c) _mm512_fmadd_ps((a), (b), (c)) /* a * b + c */
#define nest_vadd(a, b) _mm512_add_ps((a), (b))
#define nest_vsub(a, b) _mm512_sub_ps((a), (b))
#define nest_vmul(a, b) _mm512_mul_ps((a), (b))
#define nest_vdiv(a, b) _mm512_div_ps((a), (b))
#define nest_vmax(a, b) _mm512_max_ps((a), (b))
#define nest_vmin(a, b) _mm512_min_ps((a), (b))
/* p[0], p[2], ..., p[2*VL-2] (reads p[0 .. 2*VL-1]) */
static inline nest_vf nest_vload_even(const float *p) {
  const __m512i idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  return _mm512_permutex2var_ps(_mm512_loadu_ps(p), idx, _mm512_loadu_ps(p + 16));
}
/* Stores the first n (< VL) lanes. */
static inline void nest_vstore_part(float *p, nest_vf v, int64_t n) {
  _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1u), v);
}
/* Stores elements [from, to) (0 <= from <= to <= 2 * VL) of a0 b0 a1 b1 ... to p[from .. to). */
static inline void nest_vstore_zip_range(float *p, nest_vf a, nest_vf b, int from, int to) {
  const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const uint32_t lanes = (uint32_t)(((1ull << to) - 1u) & ~((1ull << from) - 1u));
  if ((__mmask16)lanes) _mm512_mask_storeu_ps(p, (__mmask16)lanes, _mm512_permutex2var_ps(a, lo, b));
  if (lanes >> 16) _mm512_mask_storeu_ps(p + 16, (__mmask16)(lanes >> 16), _mm512_permutex2var_ps(a, hi, b));
}
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define NEST_VL 8
#define NEST_UK_ROWS 4
typedef __m256 nest_vf;
#define nest_vload(p) _mm256_loadu_ps(p)
#define nest_vstore(p, v) _mm256_storeu_ps((p), (v))
#define nest_vset1(x) _mm256_set1_ps(x)
#define nest_vzero() _mm256_setzero_ps()
#define nest_vfma(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define nest_vadd(a, b) _mm256_add_ps((a), (b))
#define nest_vsub(a, b) _mm256_sub_ps((a), (b))
#define nest_vmul(a, b) _mm256_mul_ps((a), (b))
#define nest_vdiv(a, b) _mm256_div_ps((a), (b))
#define nest_vmax(a, b) _mm256_max_ps((a), (b))
#define nest_vmin(a, b) _mm256_min_ps((a), (b))
static inline nest_vf nest_vload_even(const float *p) {
  const __m256 t = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8), _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), _MM_SHUFFLE(3, 1, 2, 0)));
}
#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#define NEST_VL 4
#define NEST_UK_ROWS 8
typedef float32x4_t nest_vf;
#define nest_vload(p) vld1q_f32(p)
#define nest_vstore(p, v) vst1q_f32((p), (v))
#define nest_vset1(x) vdupq_n_f32(x)
#define nest_vzero() vdupq_n_f32(0.0f)
#define nest_vfma(a, b, c) vfmaq_f32((c), (a), (b))
#define nest_vadd(a, b) vaddq_f32((a), (b))
#define nest_vsub(a, b) vsubq_f32((a), (b))
#define nest_vmul(a, b) vmulq_f32((a), (b))
#define nest_vdiv(a, b) vdivq_f32((a), (b))
/* x86 max/min semantics (second operand when unordered) are not needed: used only as
 * max(x, 0) / clip where the interpreter's comparisons agree for non-NaN input. */
#define nest_vmax(a, b) vmaxq_f32((a), (b))
#define nest_vmin(a, b) vminq_f32((a), (b))
static inline nest_vf nest_vload_even(const float *p) { return vld2q_f32(p).val[0]; }
#else
#define NEST_VL 1
#define NEST_UK_ROWS 8
#define NEST_RT_SCALAR 1
typedef float nest_vf;
#define nest_vload(p) (*(p))
#define nest_vstore(p, v) (*(p) = (v))
#define nest_vset1(x) (x)
#define nest_vzero() 0.0f
#define nest_vfma(a, b, c) ((a) * (b) + (c))
#define nest_vadd(a, b) ((a) + (b))
#define nest_vsub(a, b) ((a) - (b))
#define nest_vmul(a, b) ((a) * (b))
#define nest_vdiv(a, b) ((a) / (b))
#define nest_vmax(a, b) ((a) > (b) ? (a) : (b))
#define nest_vmin(a, b) ((a) < (b) ? (a) : (b))
#define nest_vload_even(p) (*(p))
#endif

#if !defined(__AVX512F__)
static inline void nest_vstore_part(float *p, nest_vf v, int64_t n) {
  float tmp[NEST_VL];
  nest_vstore(tmp, v);
  for (int64_t i = 0; i < n; ++i) p[i] = tmp[i];
}
static inline void nest_vstore_zip_range(float *p, nest_vf a, nest_vf b, int from, int to) {
  float ta[NEST_VL], tb[NEST_VL];
  nest_vstore(ta, a);
  nest_vstore(tb, b);
  for (int i = from; i < to; ++i) p[i] = i % 2 ? tb[i / 2] : ta[i / 2];
}
#endif

/* Micro-kernel tile width in output pixels on this target. */
#define NEST_RT_NR (NEST_RT_NRV * NEST_VL)

#define NEST_RT_ALIGN_UP(x, a) (((x) + (a) - 1) / (a) * (a))

#endif /* NEST_RT_SIMD_H */
