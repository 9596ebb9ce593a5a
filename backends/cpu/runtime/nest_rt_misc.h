/* NEST CPU runtime, simple kernels (owned by the code generator, backends/cpu/codegen*.cpp):
 * elementwise with broadcasting and fused activations, softmax, per-channel affine (inference
 * BatchNorm), reductions and data movement (concat, index copies, gather). C99, libc/libm only,
 * no allocation. Shapes and strides are in elements, int64_t. The code generator collapses
 * dimensions and computes broadcast strides (0 along broadcast axes) at compile time. */
#ifndef NEST_RT_MISC_H
#define NEST_RT_MISC_H

#include "nest_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NEST_MAX_RANK 8

typedef enum nest_binary_op {
  NEST_BIN_ADD, NEST_BIN_SUB, NEST_BIN_MUL, NEST_BIN_DIV, NEST_BIN_POW, NEST_BIN_MAX, NEST_BIN_MIN,
  NEST_BIN_PRELU /* a < 0 ? a * b : a */
} nest_binary_op;

/* y[i] = act(a[i] op b[i]) over `shape` (rank <= NEST_MAX_RANK); a and b are addressed through
 * their strides. y is contiguous and may be a (same-size) operand. */
void nest_binary_f32(int32_t op, int32_t rank, const int64_t *shape, const float *a, const int64_t *a_strides,
                     const float *b, const int64_t *b_strides, float *y, const nest_act *act);

/* Element types of nest_binary_typed. */
typedef enum nest_elem {
  NEST_ELEM_I8, NEST_ELEM_U8, NEST_ELEM_I16, NEST_ELEM_U16, NEST_ELEM_I32, NEST_ELEM_U32, NEST_ELEM_I64,
  NEST_ELEM_U64, NEST_ELEM_F64, NEST_ELEM_F32, NEST_ELEM_F16
} nest_elem;

typedef enum nest_compare_op {
  NEST_CMP_EQUAL, NEST_CMP_LESS, NEST_CMP_GREATER, NEST_CMP_LESS_EQUAL, NEST_CMP_GREATER_EQUAL
} nest_compare_op;

/* y[i] = a[i] op b[i] as 0 / 1 bytes (bool) for operands of element type `elem` (nest_elem, not
 * F16), strides as nest_binary_f32; integers compare exactly, NaN compares unequal. (nest_rt_select.c) */
void nest_compare(int32_t op, int32_t elem, int32_t rank, const int64_t *shape, const void *a, const int64_t *a_strides,
                  const void *b, const int64_t *b_strides, uint8_t *y);

/* out[i] = cond[i] ? x[i] : y[i] for elements of elem_size bytes, operands through their strides. */
void nest_where(int32_t elem_size, int32_t rank, const int64_t *shape, const uint8_t *cond, const int64_t *c_strides,
                const void *x, const int64_t *x_strides, const void *y, const int64_t *y_strides, void *out);

/* Cast between the float types F32, F64 and F16 (IEEE half, round to nearest even; F64 -> F16
 * rounds through F32 as the reference does). n elements. */
void nest_cast_float(void *y, int32_t y_elem, const void *x, int32_t x_elem, int64_t n);

/* nest_binary_f32 for other element types, ops ADD, SUB, MUL, DIV, MAX, MIN (no activation).
 * Integers wrap around (two's complement); x / 0 is 0 and INT_MIN / -1 wraps, as the reference
 * interpreter does. */
void nest_binary_typed(int32_t op, int32_t elem, int32_t rank, const int64_t *shape, const void *a,
                       const int64_t *a_strides, const void *b, const int64_t *b_strides, void *y);

/* y = pow(a, b) for a float32 base and an exponent of element type b_elem (nest_elem), with the
 * reference's arithmetic: pow in double, a * a for a float exponent of 2. Strides as nest_binary_f32. */
void nest_pow_f32(int32_t rank, const int64_t *shape, const float *a, const int64_t *a_strides, const void *b,
                  int32_t b_elem, const int64_t *b_strides, float *y);

/* y = pow(a, b) for an int32 or int64 base (a_elem) and an exponent of any numeric type, as the
 * reference: integer exponents by repeated squaring with wrap-around (a negative exponent gives
 * 0 except for bases 1 and -1), float exponents through pow in double, saturated to the range. */
void nest_pow_int(int32_t rank, const int64_t *shape, const void *a, int32_t a_elem, const int64_t *a_strides,
                  const void *b, int32_t b_elem, const int64_t *b_strides, void *y);

typedef enum nest_unary_op {
  NEST_UN_RELU, NEST_UN_LEAKY_RELU, NEST_UN_ELU, NEST_UN_SELU, NEST_UN_SIGMOID, NEST_UN_TANH,
  NEST_UN_HARD_SIGMOID, NEST_UN_HARD_SWISH, NEST_UN_SOFTPLUS, NEST_UN_ABS, NEST_UN_NEG, NEST_UN_EXP,
  NEST_UN_LOG, NEST_UN_SQRT, NEST_UN_RECIPROCAL, NEST_UN_CEIL, NEST_UN_FLOOR, NEST_UN_ERF, NEST_UN_CLIP,
  NEST_UN_GELU /* erf form: nest_gelu_f32 */
} nest_unary_op;

/* y[i] = f(x[i]); p0/p1: LeakyRelu/Elu alpha; Selu alpha, gamma; HardSigmoid alpha, beta;
 * Clip min, max. y may be x. */
void nest_unary_f32(int32_t op, const float *x, float *y, int64_t n, float p0, float p1);

/* Softmax (or LogSoftmax) over the middle dimension of [outer, n, inner]. */
/* Vectorizable float math (nest_rt_fastmath.c). nest_exp_f32: relative error < 3e-7 for
 * x >= -87 (0 below); nest_gelu_f32: y = 0.5 x (1 + erf(x / sqrt 2)), error < 1.1e-6 for |x| <= 10;
 * nest_softmax_row_f32: one row of n contiguous elements, exponentials of x - max, sum in 16
 * float partial sums. y may be x. */
float nest_exp_f32(float x);
void nest_gelu_f32(const float *x, float *y, int64_t n);
/* Sigmoid and tanh over n elements (the recurrent cells' default gates): absolute error below 5e-7. */
void nest_sigmoid_f32(const float *x, float *y, int64_t n);
void nest_tanh_f32(const float *x, float *y, int64_t n);
void nest_softmax_row_f32(const float *x, float *y, int64_t n);

/* LayerNormalization over rows of `cols` (the normalized dimensions); bias may be NULL */
void nest_layernorm_f32(const float *x, const float *scale, const float *bias, float *y, int64_t rows, int64_t cols,
                        float epsilon);
/* Softmax / LogSoftmax over `n` elements `inner` apart. Softmax along the last axis (inner == 1)
 * uses nest_softmax_row_f32; otherwise exponentials in double, kept: scratch of n doubles (NULL:
 * each exponential is computed twice; same results). */
void nest_softmax_f32(const float *x, float *y, int64_t outer, int64_t n, int64_t inner, int32_t log_softmax,
                      double *kept);
/* The same with exponentials in double on every axis (what an infinite input takes). */
void nest_softmax_double_f32(const float *x, float *y, int64_t outer, int64_t n, int64_t inner,
                             int32_t log_softmax, double *kept);

/* y[o, c, i] = x[o, c, i] * scale[c] + shift[c] over [outer, c, inner]; y may be x. */
void nest_channel_affine_f32(const float *x, const float *scale, const float *shift, float *y, int64_t outer,
                             int64_t c, int64_t inner);

/* Inference BatchNormalization with parameters computed at run time (each c floats):
 * y = (x - mean) * scale / sqrt(var + epsilon) + bias, per channel, in double as the reference. */
void nest_batchnorm_f32(const float *x, const float *scale, const float *bias, const float *mean, const float *var,
                        float epsilon, float *y, int64_t outer, int64_t c, int64_t inner);

/* ConvTranspose (ONNX), NCHW, weights [C, M/group, KH, KW]: every input element scatters
 * x * w into y[n, m, ih*stride - pad + kh*dilation, ...]; pad_top/left may be negative (an
 * output_padding or output_shape beyond the full result). bias has M floats or is NULL. */
typedef struct nest_conv_transpose2d_desc {
  int64_t N, C, H, W, M, OH, OW, KH, KW, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, group;
} nest_conv_transpose2d_desc;
void nest_conv_transpose2d_f32(const nest_conv_transpose2d_desc *d, const float *x, const float *w, const float *bias,
                               float *y);

/* Direct N-D convolution and pooling for the shapes the fast 2-D kernels do not take (3-D).
 * nd <= NEST_MAX_SPATIAL spatial dimensions; pads may differ at the end (pad_end). */
#define NEST_MAX_SPATIAL 3
typedef struct nest_convnd_desc {
  int32_t nd;
  int64_t N, C, M, group;
  int64_t in[NEST_MAX_SPATIAL], out[NEST_MAX_SPATIAL], kernel[NEST_MAX_SPATIAL], stride[NEST_MAX_SPATIAL],
      dilation[NEST_MAX_SPATIAL], pad_begin[NEST_MAX_SPATIAL];
  nest_act act;
} nest_convnd_desc;
/* y = act(conv(x, w) * scale[m] + bias[m]); w is [M, C/group, k...]; scale and bias may be NULL. */
void nest_convnd_f32(const nest_convnd_desc *d, const float *x, const float *w, const float *scale, const float *bias,
                     float *y);

typedef struct nest_poolnd_desc {
  int32_t nd, is_max, count_include_pad;
  int64_t N, C;
  int64_t in[NEST_MAX_SPATIAL], out[NEST_MAX_SPATIAL], kernel[NEST_MAX_SPATIAL], stride[NEST_MAX_SPATIAL],
      dilation[NEST_MAX_SPATIAL], pad_begin[NEST_MAX_SPATIAL], pad_end[NEST_MAX_SPATIAL];
} nest_poolnd_desc;
/* MaxPool (padding never wins) or AveragePool: the divisor counts the window positions inside the
 * input, or with count_include_pad those inside [-pad_begin, in + pad_end). */
void nest_poolnd_f32(const nest_poolnd_desc *d, const float *x, float *y);

/* LRN across channels of [n, c, inner]: y = x / (bias + alpha/size * sum of x^2 over the window
 * [ch - (size-1)/2, ch + size-1 - (size-1)/2])^beta, in double as the reference. */
void nest_lrn_f32(const float *x, float *y, int64_t n, int64_t c, int64_t inner, int64_t size, float alpha, float beta,
                  float bias);

/* Separable resampling (linear / cubic Resize): y[o] = sum over taps t_d of axis d (positions
 * tap_start[b_d + o_d] .. tap_start[b_d + o_d + 1], b_d = sum over e < d of (out_shape[e] + 1)) of
 * x[sum_d tap_index[t_d] * stride_d] * prod_d tap_weight[t_d]. Accumulates in double. */
void nest_resample_f32(const float *x, float *y, int32_t rank, const int64_t *in_shape, const int64_t *out_shape,
                       const int64_t *tap_start, const int64_t *tap_index, const float *tap_weight);

/* n copies of the elem-byte value *value. */
void nest_fill(void *y, size_t elem, int64_t n, const void *value);

typedef enum nest_reduce_op {
  NEST_RED_SUM, NEST_RED_MEAN, NEST_RED_MAX, NEST_RED_MIN, NEST_RED_PROD, NEST_RED_SUM_SQUARE,
  NEST_RED_LOG_SUM, NEST_RED_LOG_SUM_EXP
} nest_reduce_op;

/* y (contiguous, in the order of the kept dimensions) = reduction of x over the reduced
 * dimensions. kept/reduced: shapes and x strides of each group. */
void nest_reduce_f32(int32_t op, const float *x, float *y, int32_t kept_rank, const int64_t *kept_shape,
                     const int64_t *kept_strides, int32_t red_rank, const int64_t *red_shape,
                     const int64_t *red_strides);

/* rows x row_bytes block copy between strided rows (Concat writes each operand this way). */
void nest_copy_rows(void *dst, int64_t dst_stride_bytes, const void *src, int64_t src_stride_bytes, int64_t rows,
                    int64_t row_bytes);

/* y[i0..ir] = x[base + sum_d tables_d[i_d]] over `shape` (tables concatenated, shape[d] entries
 * each). With fill != NULL a negative table entry selects *fill instead (Pad). elem: bytes. */
void nest_index_copy(void *y, const void *x, size_t elem, int32_t rank, const int64_t *shape,
                     const int64_t *tables, int64_t base, const void *fill);

/* y[i] = x[map[i]] for n elements. */
void nest_index_map(void *y, const void *x, size_t elem, const int64_t *map, int64_t n);

/* Gather along an axis: x = [outer, axis_len, inner], y = [outer, n_indices, inner] (inner in
 * elements of `elem` bytes). Negative indices count from the end. Returns 1 on an index out of
 * range (y is then incomplete), 0 otherwise. */
int nest_gather(void *y, const void *x, size_t elem, int64_t outer, int64_t axis_len, int64_t inner,
                const void *indices, int32_t indices_are_i64, int64_t n_indices);

#ifdef __cplusplus
}
#endif

#endif /* NEST_RT_MISC_H */
