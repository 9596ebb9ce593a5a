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
#define nest_vmul(a, b) _mm512_mul_ps((a), (b))
#define nest_vdiv(a, b) _mm512_div_ps((a), (b))
#define nest_vmax(a, b) _mm512_max_ps((a), (b))
#define nest_vmin(a, b) _mm512_min_ps((a), (b))
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
#define nest_vmul(a, b) _mm256_mul_ps((a), (b))
#define nest_vdiv(a, b) _mm256_div_ps((a), (b))
#define nest_vmax(a, b) _mm256_max_ps((a), (b))
#define nest_vmin(a, b) _mm256_min_ps((a), (b))
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
#define nest_vmul(a, b) vmulq_f32((a), (b))
#define nest_vdiv(a, b) vdivq_f32((a), (b))
/* x86 max/min semantics (second operand when unordered) are not needed: used only as
 * max(x, 0) / clip where the interpreter's comparisons agree for non-NaN input. */
#define nest_vmax(a, b) vmaxq_f32((a), (b))
#define nest_vmin(a, b) vminq_f32((a), (b))
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
#define nest_vmul(a, b) ((a) * (b))
#define nest_vdiv(a, b) ((a) / (b))
#define nest_vmax(a, b) ((a) > (b) ? (a) : (b))
#define nest_vmin(a, b) ((a) < (b) ? (a) : (b))
#endif

/* Micro-kernel tile width in output pixels on this target. */
#define NEST_RT_NR (NEST_RT_NRV * NEST_VL)

#define NEST_RT_ALIGN_UP(x, a) (((x) + (a) - 1) / (a) * (a))

#endif /* NEST_RT_SIMD_H */
