/* Simple kernels of the NEST CPU runtime; see nest_rt_misc.h. Arithmetic follows the reference
 * kernels of core/ops (float math, double accumulators for softmax sums and reductions). */
#include "nest_rt_misc.h"

#include <float.h>
#include <math.h>
#include <string.h>

static float binary_apply(int32_t op, float a, float b) {
  switch (op) {
    case NEST_BIN_ADD: return a + b;
    case NEST_BIN_SUB: return a - b;
    case NEST_BIN_MUL: return a * b;
    case NEST_BIN_DIV: return a / b;
    case NEST_BIN_POW: return b == 2.0f ? a * a : (float)pow((double)a, (double)b); /* as the reference */
    case NEST_BIN_MAX: return (a != a || b != b) ? NAN : (a > b ? a : b);
    case NEST_BIN_MIN: return (a != a || b != b) ? NAN : (a < b ? a : b);
    case NEST_BIN_PRELU: return a < 0.0f ? a * b : a;
    default: return 0.0f;
  }
}

/* One contiguous output row of n elements; sa/sb are the operands' strides along it. */
static void binary_row(int32_t op, const float *a, int64_t sa, const float *b, int64_t sb, float *y, int64_t n) {
  int64_t i;
  if (sa == 1 && sb == 1) {
    switch (op) {
      case NEST_BIN_ADD: for (i = 0; i < n; ++i) y[i] = a[i] + b[i]; return;
      case NEST_BIN_SUB: for (i = 0; i < n; ++i) y[i] = a[i] - b[i]; return;
      case NEST_BIN_MUL: for (i = 0; i < n; ++i) y[i] = a[i] * b[i]; return;
      case NEST_BIN_DIV: for (i = 0; i < n; ++i) y[i] = a[i] / b[i]; return;
      default: break;
    }
  } else if (sa == 1 && sb == 0) {
    const float c = b[0];
    switch (op) {
      case NEST_BIN_ADD: for (i = 0; i < n; ++i) y[i] = a[i] + c; return;
      case NEST_BIN_SUB: for (i = 0; i < n; ++i) y[i] = a[i] - c; return;
      case NEST_BIN_MUL: for (i = 0; i < n; ++i) y[i] = a[i] * c; return;
      case NEST_BIN_DIV: for (i = 0; i < n; ++i) y[i] = a[i] / c; return;
      default: break;
    }
  }
  for (i = 0; i < n; ++i) y[i] = binary_apply(op, a[i * sa], b[i * sb]);
}

void nest_binary_f32(int32_t op, int32_t rank, const int64_t *shape, const float *a, const int64_t *a_strides,
                     const float *b, const int64_t *b_strides, float *y, const nest_act *act) {
  int64_t idx[NEST_MAX_RANK];
  int64_t total = 1, rows, r, inner, sa, sb;
  const float *pa = a, *pb = b;
  int32_t d;
  if (rank == 0) {
    y[0] = binary_apply(op, a[0], b[0]);
    if (act && act->kind != NEST_ACT_NONE) nest_act_apply_f32(act, y, 1);
    return;
  }
  for (d = 0; d < rank; ++d) {
    total *= shape[d];
    idx[d] = 0;
  }
  if (total == 0) return;
  inner = shape[rank - 1];
  sa = a_strides[rank - 1];
  sb = b_strides[rank - 1];
  rows = total / inner;
  for (r = 0; r < rows; ++r) {
    float *py = y + r * inner;
    binary_row(op, pa, sa, pb, sb, py, inner);
    if (act && act->kind != NEST_ACT_NONE) nest_act_apply_f32(act, py, inner);
    for (d = rank - 2; d >= 0; --d) {
      pa += a_strides[d];
      pb += b_strides[d];
      if (++idx[d] < shape[d]) break;
      pa -= a_strides[d] * shape[d];
      pb -= b_strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/* One row of a typed binary op: T the element type, U an unsigned type at least as wide and at least
 * unsigned int (wrapping arithmetic without signed overflow or promotion to int). */
#define NEST_TYPED_ROW(NAME, T, U, SIGNED)                                                              \
  static void NAME(int32_t op, const T *a, int64_t sa, const T *b, int64_t sb, T *y, int64_t n) {       \
    int64_t i;                                                                                          \
    for (i = 0; i < n; ++i) {                                                                           \
      const T x = a[i * sa], z = b[i * sb];                                                             \
      T r;                                                                                              \
      switch (op) {                                                                                     \
        case NEST_BIN_ADD: r = (T)((U)x + (U)z); break;                                                 \
        case NEST_BIN_SUB: r = (T)((U)x - (U)z); break;                                                 \
        case NEST_BIN_MUL: r = (T)((U)x * (U)z); break;                                                 \
        case NEST_BIN_DIV:                                                                              \
          if (z == 0) r = 0;                                                                            \
          else if (SIGNED && z == (T)-1) r = (T)((U)0 - (U)x);                                          \
          else r = (T)(x / z);                                                                          \
          break;                                                                                        \
        case NEST_BIN_MAX: r = x > z ? x : z; break;                                                    \
        case NEST_BIN_MIN: r = x < z ? x : z; break;                                                    \
        default: r = 0; break;                                                                          \
      }                                                                                                 \
      y[i] = r;                                                                                         \
    }                                                                                                   \
  }
NEST_TYPED_ROW(row_i8, int8_t, unsigned, 1)
NEST_TYPED_ROW(row_u8, uint8_t, unsigned, 0)
NEST_TYPED_ROW(row_i16, int16_t, unsigned, 1)
NEST_TYPED_ROW(row_u16, uint16_t, unsigned, 0)
NEST_TYPED_ROW(row_i32, int32_t, uint32_t, 1)
NEST_TYPED_ROW(row_u32, uint32_t, uint32_t, 0)
NEST_TYPED_ROW(row_i64, int64_t, uint64_t, 1)
NEST_TYPED_ROW(row_u64, uint64_t, uint64_t, 0)

static void row_f64(int32_t op, const double *a, int64_t sa, const double *b, int64_t sb, double *y, int64_t n) {
  int64_t i;
  for (i = 0; i < n; ++i) {
    const double x = a[i * sa], z = b[i * sb];
    switch (op) {
      case NEST_BIN_ADD: y[i] = x + z; break;
      case NEST_BIN_SUB: y[i] = x - z; break;
      case NEST_BIN_MUL: y[i] = x * z; break;
      case NEST_BIN_DIV: y[i] = x / z; break;
      case NEST_BIN_MAX: y[i] = (x > z || x != x) ? x : z; break; /* NaN propagates */
      case NEST_BIN_MIN: y[i] = (x < z || x != x) ? x : z; break;
      default: y[i] = 0; break;
    }
  }
}

static size_t typed_size(int32_t elem) {
  switch (elem) {
    case NEST_ELEM_I8: case NEST_ELEM_U8: return 1;
    case NEST_ELEM_I16: case NEST_ELEM_U16: return 2;
    case NEST_ELEM_I32: case NEST_ELEM_U32: return 4;
    default: return 8;
  }
}

static void typed_row(int32_t op, int32_t elem, const char *a, int64_t sa, const char *b, int64_t sb, char *y, int64_t n) {
  switch (elem) {
    case NEST_ELEM_I8: row_i8(op, (const int8_t *)a, sa, (const int8_t *)b, sb, (int8_t *)y, n); return;
    case NEST_ELEM_U8: row_u8(op, (const uint8_t *)a, sa, (const uint8_t *)b, sb, (uint8_t *)y, n); return;
    case NEST_ELEM_I16: row_i16(op, (const int16_t *)a, sa, (const int16_t *)b, sb, (int16_t *)y, n); return;
    case NEST_ELEM_U16: row_u16(op, (const uint16_t *)a, sa, (const uint16_t *)b, sb, (uint16_t *)y, n); return;
    case NEST_ELEM_I32: row_i32(op, (const int32_t *)a, sa, (const int32_t *)b, sb, (int32_t *)y, n); return;
    case NEST_ELEM_U32: row_u32(op, (const uint32_t *)a, sa, (const uint32_t *)b, sb, (uint32_t *)y, n); return;
    case NEST_ELEM_I64: row_i64(op, (const int64_t *)a, sa, (const int64_t *)b, sb, (int64_t *)y, n); return;
    case NEST_ELEM_U64: row_u64(op, (const uint64_t *)a, sa, (const uint64_t *)b, sb, (uint64_t *)y, n); return;
    default: row_f64(op, (const double *)a, sa, (const double *)b, sb, (double *)y, n); return;
  }
}

void nest_binary_typed(int32_t op, int32_t elem, int32_t rank, const int64_t *shape, const void *a,
                       const int64_t *a_strides, const void *b, const int64_t *b_strides, void *y) {
  int64_t idx[NEST_MAX_RANK];
  const int64_t esz = (int64_t)typed_size(elem);
  int64_t total = 1, rows, r, inner;
  const char *pa = (const char *)a, *pb = (const char *)b;
  int32_t d;
  if (rank == 0) {
    typed_row(op, elem, pa, 0, pb, 0, (char *)y, 1);
    return;
  }
  for (d = 0; d < rank; ++d) {
    total *= shape[d];
    idx[d] = 0;
  }
  if (total == 0) return;
  inner = shape[rank - 1];
  rows = total / inner;
  for (r = 0; r < rows; ++r) {
    typed_row(op, elem, pa, a_strides[rank - 1], pb, b_strides[rank - 1], (char *)y + r * inner * esz, inner);
    for (d = rank - 2; d >= 0; --d) {
      pa += a_strides[d] * esz;
      pb += b_strides[d] * esz;
      if (++idx[d] < shape[d]) break;
      pa -= a_strides[d] * shape[d] * esz;
      pb -= b_strides[d] * shape[d] * esz;
      idx[d] = 0;
    }
  }
}

/* IEEE half <-> float, bit for bit as core/element_type.cpp (the bundle cannot link the core). */
static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu, bits;
  float f;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {
      int e = -1;
      do { ++e; mant <<= 1; } while ((mant & 0x400u) == 0);
      bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  memcpy(&f, &bits, 4);
  return f;
}

static uint16_t float_to_half(float f) {
  uint32_t x, sign, absx, half, rem;
  memcpy(&x, &f, 4);
  sign = (x >> 16) & 0x8000u;
  absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) return (uint16_t)(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0));
  if (absx >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);
  if (absx < 0x38800000u) {
    uint32_t e, mant, shift, mid;
    if (absx < 0x33000000u) return (uint16_t)sign;
    e = absx >> 23;
    mant = (absx & 0x7fffffu) | 0x800000u;
    shift = 126 - e;
    half = mant >> shift;
    rem = mant & ((1u << shift) - 1);
    mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) ++half;
    return (uint16_t)(sign | half);
  }
  half = (absx - 0x38000000u) >> 13;
  rem = absx & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1))) ++half;
  return (uint16_t)(sign | half);
}

void nest_cast_float(void *y, int32_t y_elem, const void *x, int32_t x_elem, int64_t n) {
  int64_t i;
  for (i = 0; i < n; ++i) {
    double v;
    if (x_elem == NEST_ELEM_F32) v = ((const float *)x)[i];
    else if (x_elem == NEST_ELEM_F64) v = ((const double *)x)[i];
    else v = half_to_float(((const uint16_t *)x)[i]);
    if (y_elem == NEST_ELEM_F32) ((float *)y)[i] = (float)v;
    else if (y_elem == NEST_ELEM_F64) ((double *)y)[i] = v;
    else ((uint16_t *)y)[i] = float_to_half((float)v);
  }
}

/* Pow with a float32 base and an exponent of another element type (as nest_binary_f32's strides). */
static double exponent_at(const void *b, int32_t elem, int64_t i) {
  switch (elem) {
    case NEST_ELEM_I8: return ((const int8_t *)b)[i];
    case NEST_ELEM_U8: return ((const uint8_t *)b)[i];
    case NEST_ELEM_I16: return ((const int16_t *)b)[i];
    case NEST_ELEM_U16: return ((const uint16_t *)b)[i];
    case NEST_ELEM_I32: return ((const int32_t *)b)[i];
    case NEST_ELEM_U32: return ((const uint32_t *)b)[i];
    case NEST_ELEM_I64: return (double)((const int64_t *)b)[i];
    case NEST_ELEM_U64: return (double)((const uint64_t *)b)[i];
    case NEST_ELEM_F64: return ((const double *)b)[i];
    case NEST_ELEM_F16: return half_to_float(((const uint16_t *)b)[i]);
    default: return ((const float *)b)[i];
  }
}

void nest_pow_f32(int32_t rank, const int64_t *shape, const float *a, const int64_t *a_strides, const void *b,
                  int32_t b_elem, const int64_t *b_strides, float *y) {
  int64_t idx[NEST_MAX_RANK];
  int64_t total = 1, i, oa = 0, ob = 0;
  const int float_exponent = b_elem == NEST_ELEM_F64 || b_elem == NEST_ELEM_F16 || b_elem == NEST_ELEM_F32;
  int32_t d;
  for (d = 0; d < rank; ++d) {
    total *= shape[d];
    idx[d] = 0;
  }
  for (i = 0; i < total; ++i) {
    const double x = a[oa], e = exponent_at(b, b_elem, ob);
    /* the reference squares for a float exponent of exactly 2 */
    y[i] = (float_exponent && e == 2.0) ? (float)(a[oa] * a[oa]) : (float)pow(x, e);
    for (d = rank - 1; d >= 0; --d) {
      oa += a_strides[d];
      ob += b_strides[d];
      if (++idx[d] < shape[d]) break;
      oa -= a_strides[d] * shape[d];
      ob -= b_strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

static int is_float_elem(int32_t e) { return e == NEST_ELEM_F32 || e == NEST_ELEM_F64 || e == NEST_ELEM_F16; }
static int is_signed_elem(int32_t e) {
  return e == NEST_ELEM_I8 || e == NEST_ELEM_I16 || e == NEST_ELEM_I32 || e == NEST_ELEM_I64;
}

static int64_t int_exponent_at(const void *b, int32_t elem, int64_t i) {
  switch (elem) {
    case NEST_ELEM_I8: return ((const int8_t *)b)[i];
    case NEST_ELEM_U8: return ((const uint8_t *)b)[i];
    case NEST_ELEM_I16: return ((const int16_t *)b)[i];
    case NEST_ELEM_U16: return ((const uint16_t *)b)[i];
    case NEST_ELEM_I32: return ((const int32_t *)b)[i];
    case NEST_ELEM_U32: return ((const uint32_t *)b)[i];
    case NEST_ELEM_U64: return (int64_t)((const uint64_t *)b)[i];
    default: return ((const int64_t *)b)[i];
  }
}

void nest_pow_int(int32_t rank, const int64_t *shape, const void *a, int32_t a_elem, const int64_t *a_strides,
                  const void *b, int32_t b_elem, const int64_t *b_strides, void *y) {
  int64_t idx[NEST_MAX_RANK];
  int64_t total = 1, i, oa = 0, ob = 0;
  const int is64 = a_elem == NEST_ELEM_I64;
  int32_t d;
  for (d = 0; d < rank; ++d) {
    total *= shape[d];
    idx[d] = 0;
  }
  for (i = 0; i < total; ++i) {
    const int64_t x = is64 ? ((const int64_t *)a)[oa] : ((const int32_t *)a)[oa];
    int64_t r;
    if (is_float_elem(b_elem)) {
      const double v = pow((double)x, exponent_at(b, b_elem, ob));
      const double lo = is64 ? -9223372036854775808.0 : -2147483648.0, hi = is64 ? 9223372036854775807.0 : 2147483647.0;
      r = v != v ? 0 : v <= lo ? (is64 ? INT64_MIN : INT32_MIN) : v >= hi ? (is64 ? INT64_MAX : INT32_MAX) : (int64_t)v;
    } else {
      const int64_t e = int_exponent_at(b, b_elem, ob);
      if (is_signed_elem(b_elem) && e < 0) {
        r = x == 1 ? 1 : x == -1 ? ((e % 2 == 0) ? 1 : -1) : 0;
      } else {
        uint64_t result = 1, base = (uint64_t)x, k = (uint64_t)e;
        while (k) {
          if (k & 1) result *= base;
          base *= base;
          k >>= 1;
        }
        r = is64 ? (int64_t)result : (int64_t)(int32_t)(uint32_t)result;
      }
    }
    if (is64) ((int64_t *)y)[i] = r;
    else ((int32_t *)y)[i] = (int32_t)r;
    for (d = rank - 1; d >= 0; --d) {
      oa += a_strides[d];
      ob += b_strides[d];
      if (++idx[d] < shape[d]) break;
      oa -= a_strides[d] * shape[d];
      ob -= b_strides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

static float clampf(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

void nest_unary_f32(int32_t op, const float *x, float *y, int64_t n, float p0, float p1) {
  int64_t i;
  switch (op) {
    case NEST_UN_RELU: for (i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f; return;
    case NEST_UN_LEAKY_RELU: for (i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? p0 * x[i] : x[i]; return;
    case NEST_UN_ELU: for (i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? p0 * expm1f(x[i]) : x[i]; return;
    case NEST_UN_SELU: for (i = 0; i < n; ++i) y[i] = p1 * (x[i] > 0.0f ? x[i] : p0 * expm1f(x[i])); return;
    case NEST_UN_SIGMOID: for (i = 0; i < n; ++i) y[i] = 1.0f / (1.0f + expf(-x[i])); return;
    case NEST_UN_TANH: for (i = 0; i < n; ++i) y[i] = tanhf(x[i]); return;
    case NEST_UN_HARD_SIGMOID: for (i = 0; i < n; ++i) y[i] = clampf(p0 * x[i] + p1, 0.0f, 1.0f); return;
    case NEST_UN_HARD_SWISH: for (i = 0; i < n; ++i) y[i] = x[i] * clampf(x[i] / 6.0f + 0.5f, 0.0f, 1.0f); return;
    case NEST_UN_SOFTPLUS:
      for (i = 0; i < n; ++i) y[i] = (x[i] > 0.0f ? x[i] : 0.0f) + log1pf(expf(-fabsf(x[i])));
      return;
    case NEST_UN_ABS: for (i = 0; i < n; ++i) y[i] = fabsf(x[i]); return;
    case NEST_UN_NEG: for (i = 0; i < n; ++i) y[i] = -x[i]; return;
    case NEST_UN_EXP: for (i = 0; i < n; ++i) y[i] = expf(x[i]); return;
    case NEST_UN_LOG: for (i = 0; i < n; ++i) y[i] = logf(x[i]); return;
    case NEST_UN_SQRT: for (i = 0; i < n; ++i) y[i] = sqrtf(x[i]); return;
    case NEST_UN_RECIPROCAL: for (i = 0; i < n; ++i) y[i] = 1.0f / x[i]; return;
    case NEST_UN_CEIL: for (i = 0; i < n; ++i) y[i] = ceilf(x[i]); return;
    case NEST_UN_FLOOR: for (i = 0; i < n; ++i) y[i] = floorf(x[i]); return;
    case NEST_UN_ERF: for (i = 0; i < n; ++i) y[i] = erff(x[i]); return;
    case NEST_UN_GELU: nest_gelu_f32(x, y, n); return;
    case NEST_UN_CLIP:
      /* min(max(x, lo), hi) as numpy.clip; NaN stays NaN */
      for (i = 0; i < n; ++i) {
        float v = x[i];
        if (v != v) { y[i] = v; continue; }
        v = v < p0 ? p0 : v;
        y[i] = v > p1 ? p1 : v;
      }
      return;
    default: return;
  }
}

/* With `kept` (n doubles of scratch, may be NULL) each row's exponentials are kept between the
 * sum and the division instead of being computed twice; the results are the same. */
void nest_softmax_f32(const float *x, float *y, int64_t outer, int64_t n, int64_t inner, int32_t log_softmax,
                      double *kept) {
  int64_t o;
  if (!log_softmax && inner == 1) { /* the last axis (attention): vector exponentials */
    for (o = 0; o < outer; ++o) nest_softmax_row_f32(x + o * n, y + o * n, n);
    return;
  }
  nest_softmax_double_f32(x, y, outer, n, inner, log_softmax, kept);
}

void nest_softmax_double_f32(const float *x, float *y, int64_t outer, int64_t n, int64_t inner,
                             int32_t log_softmax, double *kept) {
  int64_t o, j, k;
  if (log_softmax) kept = NULL;
  for (o = 0; o < outer; ++o) {
    const float *px = x + o * n * inner;
    float *py = y + o * n * inner;
    for (j = 0; j < inner; ++j) {
      float mx = -INFINITY;
      double sum = 0.0;
      for (k = 0; k < n; ++k)
        if (px[k * inner + j] > mx) mx = px[k * inner + j];
      for (k = 0; k < n; ++k) {
        const double e = exp((double)(px[k * inner + j] - mx));
        if (kept) kept[k] = e;
        sum += e;
      }
      if (log_softmax) {
        const float ls = (float)log(sum);
        for (k = 0; k < n; ++k) py[k * inner + j] = px[k * inner + j] - mx - ls;
      } else if (kept) {
        for (k = 0; k < n; ++k) py[k * inner + j] = (float)(kept[k] / sum);
      } else {
        for (k = 0; k < n; ++k) py[k * inner + j] = (float)(exp((double)(px[k * inner + j] - mx)) / sum);
      }
    }
  }
}

/* As the interpreter: mean and variance in double over each row of `cols` elements, then
 * (x - mean) / sqrt(var + eps) * scale[c] + bias[c], rounded to float once. */
void nest_layernorm_f32(const float *x, const float *scale, const float *bias, float *y, int64_t rows, int64_t cols,
                        float epsilon) {
  int64_t r, c;
  int k;
  for (r = 0; r < rows; ++r) {
    const float *xr = x + r * cols;
    float *yr = y + r * cols;
    /* 8 interleaved partial sums (element c into lane c % 8): vectorized, and the interpreter's
     * order (core/ops/norm_ops.cpp), so the bytes are the same. */
    double lane[8], m, var, is;
    for (k = 0; k < 8; ++k) lane[k] = 0.0;
    for (c = 0; c + 8 <= cols; c += 8)
      for (k = 0; k < 8; ++k) lane[k] += (double)xr[c + k];
    for (; c < cols; ++c) lane[c % 8] += (double)xr[c];
    m = (((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]))) / (double)(cols > 1 ? cols : 1);
    for (k = 0; k < 8; ++k) lane[k] = 0.0;
    for (c = 0; c + 8 <= cols; c += 8)
      for (k = 0; k < 8; ++k) lane[k] += ((double)xr[c + k] - m) * ((double)xr[c + k] - m);
    for (; c < cols; ++c) lane[c % 8] += ((double)xr[c] - m) * ((double)xr[c] - m);
    var = (((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]))) / (double)(cols > 1 ? cols : 1);
    is = 1.0 / sqrt(var + (double)epsilon);
    for (c = 0; c < cols; ++c) {
      double v = ((double)xr[c] - m) * is * (double)scale[c];
      if (bias) v += (double)bias[c];
      yr[c] = (float)v;
    }
  }
}

void nest_channel_affine_f32(const float *x, const float *scale, const float *shift, float *y, int64_t outer,
                             int64_t c, int64_t inner) {
  int64_t o, ch, i;
  for (o = 0; o < outer; ++o)
    for (ch = 0; ch < c; ++ch) {
      const float s = scale[ch], t = shift[ch];
      const float *px = x + (o * c + ch) * inner;
      float *py = y + (o * c + ch) * inner;
      for (i = 0; i < inner; ++i) py[i] = px[i] * s + t;
    }
}

void nest_batchnorm_f32(const float *x, const float *scale, const float *bias, const float *mean, const float *var,
                        float epsilon, float *y, int64_t outer, int64_t c, int64_t inner) {
  int64_t o, ch, i;
  for (ch = 0; ch < c; ++ch) {
    const double m = (double)scale[ch] / sqrt((double)var[ch] + (double)epsilon);
    const double a = (double)bias[ch] - (double)mean[ch] * m;
    for (o = 0; o < outer; ++o) {
      const float *px = x + (o * c + ch) * inner;
      float *py = y + (o * c + ch) * inner;
      for (i = 0; i < inner; ++i) py[i] = (float)(px[i] * m + a);
    }
  }
}

/* Output channel by output channel, so one output plane stays in cache while every input
 * channel of its group scatters into it (input pixel -> KH x KW output pixels). */
void nest_conv_transpose2d_f32(const nest_conv_transpose2d_desc *d, const float *x, const float *w, const float *bias,
                               float *y) {
  const int64_t cg = d->C / d->group, mg = d->M / d->group, plane = d->OH * d->OW, in_plane = d->H * d->W;
  int64_t n, m, i, c, ih, iw, kh, kw;
  for (n = 0; n < d->N; ++n)
    for (m = 0; m < d->M; ++m) {
      const int64_t g = m / mg, k = m % mg;
      float *py = y + (n * d->M + m) * plane;
      const float b = bias ? bias[m] : 0.0f;
      for (i = 0; i < plane; ++i) py[i] = b;
      for (c = g * cg; c < (g + 1) * cg; ++c) {
        const float *px = x + (n * d->C + c) * in_plane;
        const float *pw = w + (c * mg + k) * d->KH * d->KW;
        for (ih = 0; ih < d->H; ++ih)
          for (kh = 0; kh < d->KH; ++kh) {
            const int64_t oh = ih * d->stride_h - d->pad_top + kh * d->dilation_h;
            float *row;
            if (oh < 0 || oh >= d->OH) continue;
            row = py + oh * d->OW;
            for (kw = 0; kw < d->KW; ++kw) {
              const float wv = pw[kh * d->KW + kw];
              const int64_t off = kw * d->dilation_w - d->pad_left;
              /* ow = iw * stride_w + off within [0, OW) */
              int64_t iw0 = 0, iw1 = d->W;
              while (iw0 < iw1 && iw0 * d->stride_w + off < 0) ++iw0;
              while (iw1 > iw0 && (iw1 - 1) * d->stride_w + off >= d->OW) --iw1;
              for (iw = iw0; iw < iw1; ++iw) row[iw * d->stride_w + off] += px[ih * d->W + iw] * wv;
            }
          }
      }
    }
}

/* Advances an N-D index over `shape`; returns 0 after the last one. */
static int next_index(int64_t *idx, const int64_t *shape, int32_t nd) {
  int32_t d;
  for (d = nd - 1; d >= 0; --d) {
    if (++idx[d] < shape[d]) return 1;
    idx[d] = 0;
  }
  return 0;
}

void nest_convnd_f32(const nest_convnd_desc *d, const float *x, const float *w, const float *scale, const float *bias,
                     float *y) {
  const int64_t cg = d->C / d->group, mg = d->M / d->group;
  int64_t in_size = 1, out_size = 1, k_size = 1, n, m, c, o_lin;
  int32_t s;
  for (s = 0; s < d->nd; ++s) {
    in_size *= d->in[s];
    out_size *= d->out[s];
    k_size *= d->kernel[s];
  }
  for (n = 0; n < d->N; ++n)
    for (m = 0; m < d->M; ++m) {
      const int64_t g = m / mg;
      int64_t o[NEST_MAX_SPATIAL] = {0, 0, 0};
      float *py = y + (n * d->M + m) * out_size;
      for (o_lin = 0; o_lin < out_size; ++o_lin) {
        double acc = 0.0;
        for (c = 0; c < cg; ++c) {
          const float *px = x + (n * d->C + g * cg + c) * in_size;
          const float *pw = w + (m * cg + c) * k_size;
          int64_t k[NEST_MAX_SPATIAL] = {0, 0, 0}, k_lin = 0;
          do {
            int64_t off = 0, inside = 1;
            for (s = 0; s < d->nd; ++s) {
              const int64_t i = o[s] * d->stride[s] - d->pad_begin[s] + k[s] * d->dilation[s];
              if (i < 0 || i >= d->in[s]) { inside = 0; break; }
              off = off * d->in[s] + i;
            }
            if (inside) acc += (double)px[off] * pw[k_lin];
            ++k_lin;
          } while (next_index(k, d->kernel, d->nd));
        }
        py[o_lin] = (float)acc * (scale ? scale[m] : 1.0f) + (bias ? bias[m] : 0.0f);
        next_index(o, d->out, d->nd);
      }
    }
  if (d->act.kind != NEST_ACT_NONE) nest_act_apply_f32(&d->act, y, d->N * d->M * out_size);
}

void nest_poolnd_f32(const nest_poolnd_desc *d, const float *x, float *y) {
  int64_t in_size = 1, out_size = 1, nc, o_lin;
  int32_t s;
  for (s = 0; s < d->nd; ++s) {
    in_size *= d->in[s];
    out_size *= d->out[s];
  }
  for (nc = 0; nc < d->N * d->C; ++nc) {
    const float *px = x + nc * in_size;
    int64_t o[NEST_MAX_SPATIAL] = {0, 0, 0};
    for (o_lin = 0; o_lin < out_size; ++o_lin) {
      int64_t k[NEST_MAX_SPATIAL] = {0, 0, 0}, count = 0, padded = 0;
      double sum = 0.0;
      float best = -INFINITY; /* a window entirely in padding */
      do {
        int64_t off = 0, inside = 1, in_padded = 1;
        for (s = 0; s < d->nd; ++s) {
          const int64_t i = o[s] * d->stride[s] - d->pad_begin[s] + k[s] * d->dilation[s];
          if (i < -d->pad_begin[s] || i >= d->in[s] + d->pad_end[s]) in_padded = 0;
          if (i < 0 || i >= d->in[s]) inside = 0;
          else off = off * d->in[s] + i;
        }
        padded += in_padded;
        if (inside) {
          const float v = px[off];
          ++count;
          sum += v;
          if (count == 1 || v > best) best = v; /* the first element, then strictly greater (as the reference) */
        }
      } while (next_index(k, d->kernel, d->nd));
      if (d->is_max) y[nc * out_size + o_lin] = best;
      else {
        const int64_t div = d->count_include_pad ? padded : count;
        y[nc * out_size + o_lin] = div ? (float)(sum / (double)div) : 0.0f;
      }
      next_index(o, d->out, d->nd);
    }
  }
}

void nest_lrn_f32(const float *x, float *y, int64_t n, int64_t c, int64_t inner, int64_t size, float alpha, float beta,
                  float bias) {
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  int64_t b, ch, k, i;
  for (b = 0; b < n; ++b)
    for (ch = 0; ch < c; ++ch) {
      const int64_t lo = ch - before < 0 ? 0 : ch - before, hi = ch + after > c - 1 ? c - 1 : ch + after;
      const float *px = x + (b * c + ch) * inner;
      float *py = y + (b * c + ch) * inner;
      for (i = 0; i < inner; ++i) {
        double sq = 0.0;
        for (k = lo; k <= hi; ++k) {
          const double v = x[(b * c + k) * inner + i];
          sq += v * v;
        }
        py[i] = (float)((double)px[i] / pow((double)bias + (double)alpha / (double)size * sq, (double)beta));
      }
    }
}

void nest_resample_f32(const float *x, float *y, int32_t rank, const int64_t *in_shape, const int64_t *out_shape,
                       const int64_t *tap_start, const int64_t *tap_index, const float *tap_weight) {
  int64_t stride[NEST_MAX_RANK], block[NEST_MAX_RANK], o[NEST_MAX_RANK], t[NEST_MAX_RANK], lo[NEST_MAX_RANK],
      hi[NEST_MAX_RANK];
  int64_t total = 1, i;
  int32_t d;
  if (rank == 0) { y[0] = x[0]; return; }
  for (d = rank - 1; d >= 0; --d) stride[d] = d == rank - 1 ? 1 : stride[d + 1] * in_shape[d + 1];
  for (d = 0; d < rank; ++d) {
    block[d] = d == 0 ? 0 : block[d - 1] + out_shape[d - 1] + 1;
    total *= out_shape[d];
    o[d] = 0;
  }
  for (i = 0; i < total; ++i) {
    double acc = 0.0;
    int empty = 0;
    for (d = 0; d < rank; ++d) {
      lo[d] = tap_start[block[d] + o[d]];
      hi[d] = tap_start[block[d] + o[d] + 1];
      t[d] = lo[d];
      if (lo[d] == hi[d]) empty = 1;
    }
    while (!empty) {
      double w = 1.0;
      int64_t off = 0;
      for (d = 0; d < rank; ++d) {
        w *= tap_weight[t[d]];
        off += tap_index[t[d]] * stride[d];
      }
      acc += w * x[off];
      for (d = rank - 1; d >= 0; --d) {
        if (++t[d] < hi[d]) break;
        t[d] = lo[d];
      }
      if (d < 0) break;
    }
    y[i] = (float)acc;
    for (d = rank - 1; d >= 0; --d) {
      if (++o[d] < out_shape[d]) break;
      o[d] = 0;
    }
  }
}

void nest_fill(void *y, size_t elem, int64_t n, const void *value) {
  int64_t i;
  for (i = 0; i < n; ++i) memcpy((char *)y + i * (int64_t)elem, value, elem);
}

void nest_reduce_f32(int32_t op, const float *x, float *y, int32_t kept_rank, const int64_t *kept_shape,
                     const int64_t *kept_strides, int32_t red_rank, const int64_t *red_shape,
                     const int64_t *red_strides) {
  int64_t kidx[NEST_MAX_RANK], ridx[NEST_MAX_RANK];
  int64_t kept_total = 1, red_total = 1, o, r;
  int32_t d;
  const float *base = x;
  for (d = 0; d < kept_rank; ++d) { kept_total *= kept_shape[d]; kidx[d] = 0; }
  for (d = 0; d < red_rank; ++d) red_total *= red_shape[d];
  for (o = 0; o < kept_total; ++o) {
    const float *p = base;
    double acc = (op == NEST_RED_PROD) ? 1.0 : 0.0;
    float best = op == NEST_RED_MAX ? -INFINITY : INFINITY;
    int nan_seen = 0;
    for (d = 0; d < red_rank; ++d) ridx[d] = 0;
    for (r = 0; r < red_total; ++r) {
      const float v = *p;
      switch (op) {
        case NEST_RED_SUM: case NEST_RED_MEAN: case NEST_RED_LOG_SUM: acc += v; break;
        case NEST_RED_PROD: acc *= v; break;
        case NEST_RED_SUM_SQUARE: acc += (double)v * v; break;
        case NEST_RED_LOG_SUM_EXP: acc += exp((double)v); break;
        case NEST_RED_MAX: if (v != v) nan_seen = 1; else if (v > best) best = v; break;
        case NEST_RED_MIN: if (v != v) nan_seen = 1; else if (v < best) best = v; break;
        default: break;
      }
      for (d = red_rank - 1; d >= 0; --d) {
        p += red_strides[d];
        if (++ridx[d] < red_shape[d]) break;
        p -= red_strides[d] * red_shape[d];
        ridx[d] = 0;
      }
    }
    switch (op) {
      case NEST_RED_MEAN: y[o] = red_total ? (float)(acc / (double)red_total) : NAN; break;
      case NEST_RED_LOG_SUM: case NEST_RED_LOG_SUM_EXP: y[o] = (float)log(acc); break;
      case NEST_RED_MAX: case NEST_RED_MIN: y[o] = nan_seen ? NAN : best; break;
      default: y[o] = (float)acc; break;
    }
    for (d = kept_rank - 1; d >= 0; --d) {
      base += kept_strides[d];
      if (++kidx[d] < kept_shape[d]) break;
      base -= kept_strides[d] * kept_shape[d];
      kidx[d] = 0;
    }
  }
}

void nest_copy_rows(void *dst, int64_t dst_stride_bytes, const void *src, int64_t src_stride_bytes, int64_t rows,
                    int64_t row_bytes) {
  int64_t r;
  for (r = 0; r < rows; ++r)
    memcpy((char *)dst + r * dst_stride_bytes, (const char *)src + r * src_stride_bytes, (size_t)row_bytes);
}

void nest_index_copy(void *y, const void *x, size_t elem, int32_t rank, const int64_t *shape,
                     const int64_t *tables, int64_t base, const void *fill) {
  const int64_t *tab[NEST_MAX_RANK];
  int64_t idx[NEST_MAX_RANK], off[NEST_MAX_RANK + 1];
  int64_t total = 1, inner, rows, r, i;
  int32_t d;
  int contiguous = 1;
  char *out = (char *)y;
  const char *in = (const char *)x;
  if (rank == 0) {
    memcpy(y, in + base * (int64_t)elem, elem);
    return;
  }
  for (d = 0; d < rank; ++d) {
    tab[d] = tables;
    tables += shape[d];
    total *= shape[d];
    idx[d] = 0;
  }
  if (total == 0) return;
  inner = shape[rank - 1];
  for (i = 0; i < inner && contiguous; ++i) contiguous = tab[rank - 1][i] == tab[rank - 1][0] + i;
  rows = total / inner;
  /* off[d]: base + contributions of dimensions < d; -1 marks a fill row */
  off[0] = base;
  for (d = 0; d < rank - 1; ++d)
    off[d + 1] = (fill && (off[d] < 0 || tab[d][0] < 0)) ? -1 : off[d] + tab[d][0];
  for (r = 0; r < rows; ++r) {
    const int64_t o = off[rank - 1];
    char *py = out + r * inner * (int64_t)elem;
    if (fill && o < 0) {
      for (i = 0; i < inner; ++i) memcpy(py + i * (int64_t)elem, fill, elem);
    } else if (contiguous && (!fill || tab[rank - 1][0] >= 0)) {
      memcpy(py, in + (o + tab[rank - 1][0]) * (int64_t)elem, (size_t)inner * elem);
    } else if (elem == 4 && !fill) {
      const uint32_t *src = (const uint32_t *)in + o;
      uint32_t *dst = (uint32_t *)py;
      for (i = 0; i < inner; ++i) dst[i] = src[tab[rank - 1][i]];
    } else {
      for (i = 0; i < inner; ++i) {
        const int64_t t = tab[rank - 1][i];
        if (fill && t < 0) memcpy(py + i * (int64_t)elem, fill, elem);
        else memcpy(py + i * (int64_t)elem, in + (o + t) * (int64_t)elem, elem);
      }
    }
    /* advance the row index over dimensions 0..rank-2 */
    for (d = rank - 2; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
    if (d < 0) break;
    for (; d < rank - 1; ++d)
      off[d + 1] = (fill && (off[d] < 0 || tab[d][idx[d]] < 0)) ? -1 : off[d] + tab[d][idx[d]];
  }
}

void nest_index_map(void *y, const void *x, size_t elem, const int64_t *map, int64_t n) {
  int64_t i;
  for (i = 0; i < n; ++i) memcpy((char *)y + i * (int64_t)elem, (const char *)x + map[i] * (int64_t)elem, elem);
}

int nest_gather(void *y, const void *x, size_t elem, int64_t outer, int64_t axis_len, int64_t inner,
                const void *indices, int32_t indices_are_i64, int64_t n_indices) {
  const size_t row = (size_t)inner * elem;
  int64_t o, j;
  for (j = 0; j < n_indices; ++j) {
    int64_t k = indices_are_i64 ? ((const int64_t *)indices)[j] : ((const int32_t *)indices)[j];
    if (k < 0) k += axis_len;
    if (k < 0 || k >= axis_len) return 1;
    for (o = 0; o < outer; ++o)
      memcpy((char *)y + (o * n_indices + j) * row, (const char *)x + (o * axis_len + k) * row, row);
  }
  return 0;
}
