/* Comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual) to bool bytes, and Where: the
 * attention masks of exported transformers (`mask == 0`, `Where(mask, -inf, 0)`). Shapes and
 * broadcast strides as nest_binary_f32; the code generator collapses dimensions. */
#include "nest_rt_misc.h"

#include <string.h>

/* Row-by-row walk over `shape` (rows along the last dimension) keeping each operand's element
 * offset of the row's first element. */
typedef struct row_walk {
  int64_t idx[NEST_MAX_RANK], off[3];
} row_walk;

static int64_t row_count(int32_t rank, const int64_t *shape, row_walk *w) {
  int64_t total = 1;
  int32_t d;
  for (d = 0; d < rank; ++d) total *= shape[d], w->idx[d] = 0;
  w->off[0] = w->off[1] = w->off[2] = 0;
  return total == 0 ? 0 : total / shape[rank - 1];
}

static void next_row(row_walk *w, int32_t rank, const int64_t *shape, int nops, const int64_t *const *strides) {
  int32_t d;
  int k;
  for (d = rank - 2; d >= 0; --d) {
    for (k = 0; k < nops; ++k) w->off[k] += strides[k][d];
    if (++w->idx[d] < shape[d]) return;
    for (k = 0; k < nops; ++k) w->off[k] -= strides[k][d] * shape[d];
    w->idx[d] = 0;
  }
}

static int compare(int32_t op, int c) { /* c: -1, 0, 1 for a < b, a == b, a > b; 2 unordered (NaN) */
  switch (op) {
    case NEST_CMP_EQUAL: return c == 0;
    case NEST_CMP_LESS: return c == -1;
    case NEST_CMP_GREATER: return c == 1;
    case NEST_CMP_LESS_EQUAL: return c == -1 || c == 0;
    case NEST_CMP_GREATER_EQUAL: return c == 1 || c == 0;
    default: return 0;
  }
}

#define NEST_ORDER(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : (a) == (b) ? 0 : 2)

static int order_at(int32_t elem, const void *a, int64_t i, const void *b, int64_t j) {
  switch (elem) {
    case NEST_ELEM_I8: return NEST_ORDER(((const int8_t *)a)[i], ((const int8_t *)b)[j]);
    case NEST_ELEM_U8: return NEST_ORDER(((const uint8_t *)a)[i], ((const uint8_t *)b)[j]);
    case NEST_ELEM_I16: return NEST_ORDER(((const int16_t *)a)[i], ((const int16_t *)b)[j]);
    case NEST_ELEM_U16: return NEST_ORDER(((const uint16_t *)a)[i], ((const uint16_t *)b)[j]);
    case NEST_ELEM_I32: return NEST_ORDER(((const int32_t *)a)[i], ((const int32_t *)b)[j]);
    case NEST_ELEM_U32: return NEST_ORDER(((const uint32_t *)a)[i], ((const uint32_t *)b)[j]);
    case NEST_ELEM_I64: return NEST_ORDER(((const int64_t *)a)[i], ((const int64_t *)b)[j]);
    case NEST_ELEM_U64: return NEST_ORDER(((const uint64_t *)a)[i], ((const uint64_t *)b)[j]);
    case NEST_ELEM_F64: return NEST_ORDER(((const double *)a)[i], ((const double *)b)[j]);
    case NEST_ELEM_F32: return NEST_ORDER(((const float *)a)[i], ((const float *)b)[j]);
    default: return 2;
  }
}

void nest_compare(int32_t op, int32_t elem, int32_t rank, const int64_t *shape, const void *a, const int64_t *a_strides,
                  const void *b, const int64_t *b_strides, uint8_t *y) {
  const int64_t *strides[2];
  row_walk w;
  int64_t rows, r, i, n;
  if (rank == 0) {
    y[0] = (uint8_t)compare(op, order_at(elem, a, 0, b, 0));
    return;
  }
  strides[0] = a_strides;
  strides[1] = b_strides;
  rows = row_count(rank, shape, &w);
  n = shape[rank - 1];
  for (r = 0; r < rows; ++r, next_row(&w, rank, shape, 2, strides))
    for (i = 0; i < n; ++i)
      y[r * n + i] = (uint8_t)compare(
          op, order_at(elem, a, w.off[0] + i * a_strides[rank - 1], b, w.off[1] + i * b_strides[rank - 1]));
}

void nest_where(int32_t elem_size, int32_t rank, const int64_t *shape, const uint8_t *cond, const int64_t *c_strides,
                const void *x, const int64_t *x_strides, const void *y, const int64_t *y_strides, void *out) {
  const int64_t *strides[3];
  const char *px = (const char *)x, *py = (const char *)y;
  char *po = (char *)out;
  row_walk w;
  int64_t rows, r, i, n, sc, sx, sy;
  if (rank == 0) {
    memcpy(po, cond[0] ? px : py, (size_t)elem_size);
    return;
  }
  strides[0] = c_strides;
  strides[1] = x_strides;
  strides[2] = y_strides;
  rows = row_count(rank, shape, &w);
  n = shape[rank - 1];
  sc = c_strides[rank - 1], sx = x_strides[rank - 1], sy = y_strides[rank - 1];
  for (r = 0; r < rows; ++r, next_row(&w, rank, shape, 3, strides)) {
    const uint8_t *c = cond + w.off[0];
    if (elem_size == 4) {
      const float *fx = (const float *)px + w.off[1], *fy = (const float *)py + w.off[2];
      float *fo = (float *)po + r * n;
      for (i = 0; i < n; ++i) fo[i] = c[i * sc] ? fx[i * sx] : fy[i * sy];
    } else {
      for (i = 0; i < n; ++i)
        memcpy(po + (r * n + i) * elem_size,
               c[i * sc] ? px + (w.off[1] + i * sx) * elem_size : py + (w.off[2] + i * sy) * elem_size, (size_t)elem_size);
    }
  }
}
