/* NEST CPU runtime, int8 part: the integer kernels of quantized graphs (docs/quantization.md,
 * "Integer arithmetic and requantization"), bit-identical to the interpreter's integer kernels.
 * Activations are NCHW u8 or i8 with one scale / zero point per tensor; conv and gemm weights
 * are i8, per tensor or per output channel, with i32 biases. Every element goes through integer
 * arithmetic only: accumulate in int32, requantize with a 31-bit multiplier and a shift (one
 * rounding, ties away from zero), add the output zero point, clamp to [lo, hi] (the element
 * range narrowed by a fused Relu / Clip). Only Quantize / Dequantize use single-precision floats.
 *
 * Accumulators: 8-bit operands keep |acc| < 2^31, so a requantize product fits int64 and no
 * 128-bit type is needed. Same rules as nest_runtime.h: C99, no allocation, scratch from the
 * caller, SIMD chosen by compiler macros (AVX-512 VNNI / portable), packed layouts identical on
 * every target. See docs/cpu-runtime.md, "Int8". */
#ifndef NEST_RT_Q8_H
#define NEST_RT_Q8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result side of an integer op: y = clamp(zp + requantize(acc, mult[c], shift[c]), lo, hi). */
typedef struct nest_q8_out {
  int32_t is_signed;   /* 1: i8 result, 0: u8 */
  int32_t zp, lo, hi;  /* zero point, clamp bounds */
  int32_t channels;    /* entries of mult / shift: 1 (per tensor) or the output channels */
  const int32_t *mult; /* multiplier in [2^30, 2^31) or 0 */
  const int32_t *shift;/* real factor = mult * 2^(shift - 31) */
} nest_q8_out;

/* requantize(acc, {mult, shift}) of core/quant_math.h for |acc| < 2^31 (result saturated to int64). */
int64_t nest_q8_requantize(int64_t acc, int32_t mult, int32_t shift);

/* ---- Conv2d on u8 / i8 NCHW activations, i8 OIHW weights (grouped and depthwise too) ----
 * Geometry as nest_conv2d_desc (OH / OW given). acc[c] = bias[c] + sum (x - x_zp)(w - w_zp[c]). */
typedef struct nest_q8_conv2d_desc {
  int64_t N, C, H, W;
  int64_t M, OH, OW;
  int64_t KH, KW;
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  int64_t group;
  int32_t x_signed, x_zp;
  const int32_t *w_zp;     /* M entries (a per-tensor zero point repeated) */
  nest_q8_out out;
} nest_q8_conv2d_desc;

/* Packed weights: per group [Mg][K4] i8 (K4 = Kg rounded up to 4, tail zero), then M int32
 * corrections (bias and zero-point terms). Size in bytes. */
size_t nest_q8_conv2d_packed_size(const nest_q8_conv2d_desc *d);
void nest_q8_conv2d_pack(const nest_q8_conv2d_desc *d, const int8_t *w_oihw, const int32_t *bias, void *packed);
size_t nest_q8_conv2d_scratch_size(const nest_q8_conv2d_desc *d);
void nest_q8_conv2d(const nest_q8_conv2d_desc *d, const void *x, const void *packed, void *y, void *scratch);

/* ---- Gemm: Y[M,N] = A[M,K] * op(B) (B [K,N], or [N,K] with trans_b), per-column w_zp / bias ----
 * Also MatMul on two activations (b_zp per tensor, b_signed either). */
typedef struct nest_q8_gemm_desc {
  int64_t M, N, K;
  int32_t trans_b;
  int32_t a_signed, a_zp;
  int32_t b_signed;
  const int32_t *b_zp; /* N entries */
  nest_q8_out out;
} nest_q8_gemm_desc;
void nest_q8_gemm(const nest_q8_gemm_desc *d, const void *a, const void *b, const int32_t *bias, void *y);

/* ---- Packed gemm (nest_rt_q8_gemm.c): B a constant i8 [N, K] (trans_b, b_signed), packed with its
 * bias at compile time by nest_q8_gemm_pack into nest_q8_gemm_packed_size bytes; A [M, K]. ---- */
size_t nest_q8_gemm_packed_size(const nest_q8_gemm_desc *d);
void nest_q8_gemm_pack(const nest_q8_gemm_desc *d, const int8_t *b, const int32_t *bias, void *packed);
void nest_q8_gemm_packed(const nest_q8_gemm_desc *d, const void *a, const void *packed, void *y);

/* ---- Element-wise, broadcasting through strides (rank <= 8, as nest_binary_f32) ---- */
typedef struct nest_q8_operand {
  int32_t is_signed, zp;
  int32_t mult, shift; /* Add: rescale of (q - zp) * 2^20; Concat: to the output scale */
} nest_q8_operand;
/* Add (TFLite's scheme, docs/quantization.md) and Mul. out.mult/shift: the final rescale. */
void nest_q8_add(int32_t rank, const int64_t *shape, const void *a, const int64_t *sa, const nest_q8_operand *qa,
                 const void *b, const int64_t *sb, const nest_q8_operand *qb, const nest_q8_out *out, void *y);
void nest_q8_mul(int32_t rank, const int64_t *shape, const void *a, const int64_t *sa, const nest_q8_operand *qa,
                 const void *b, const int64_t *sb, const nest_q8_operand *qb, const nest_q8_out *out, void *y);
/* Relu / Clip: clamp to [lo, hi] (parameters kept). */
void nest_q8_clamp(int32_t is_signed, const void *x, void *y, int64_t n, int32_t lo, int32_t hi);
/* One Concat input requantized to the output, written as `outer` rows of `row` elements at
 * y + k * dst_row. */
void nest_q8_requant_rows(const void *x, const nest_q8_operand *qx, const nest_q8_out *out, void *y, int64_t dst_row,
                          int64_t row, int64_t outer);

/* ---- Pools (parameters kept). Geometry as nest_pool2d_desc. ---- */
typedef struct nest_q8_pool2d_desc {
  int64_t N, C, H, W, OH, OW, KH, KW;
  int64_t stride_h, stride_w, dilation_h, dilation_w;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  int32_t count_include_pad;
  int32_t is_signed, zp;
} nest_q8_pool2d_desc;
void nest_q8_maxpool2d(const nest_q8_pool2d_desc *d, const void *x, void *y);
/* zp + rdiv(sum (q - zp), count), rdiv rounding half away from zero; padding counts as real 0. */
void nest_q8_avgpool2d(const nest_q8_pool2d_desc *d, const void *x, void *y);
void nest_q8_global_avgpool(int32_t is_signed, int32_t zp, int64_t NC, int64_t HW, const void *x, void *y);

/* ---- Float boundary ---- */
/* q = clamp(nearbyint(x / scale) + zp) (division in single precision, ties to even; NaN -> zp). */
void nest_q8_quantize(const float *x, void *y, int64_t n, int32_t is_signed, float scale, int32_t zp);
/* x = (float)(q - zp) * scale. */
void nest_q8_dequantize(const void *q, float *y, int64_t n, int32_t is_signed, float scale, int32_t zp);

#ifdef __cplusplus
}
#endif

#endif /* NEST_RT_Q8_H */
