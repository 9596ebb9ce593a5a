/* The register-tiled micro-kernel (broadcast-FMA: one weight broadcast per row, NEST_RT_NRV
 * vectors of output pixels per row) and the fused activations. */
#include <math.h>
#include <string.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "nest_rt_gemm_internal.h"

/* Same arithmetic as core/ops/fused_activation.cpp (float). */
static float act_one(const nest_act *a, float x) {
  switch (a->kind) {
    case NEST_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case NEST_ACT_CLIP: {
      const float v = x < a->params[0] ? a->params[0] : x;
      return a->params[1] < v ? a->params[1] : v;
    }
    case NEST_ACT_LEAKY_RELU: return x < 0.0f ? a->params[0] * x : x;
    case NEST_ACT_SIGMOID: {
      if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
      const float e = expf(x);
      return e / (1.0f + e);
    }
    case NEST_ACT_HARD_SWISH: {
      float t = x / 6.0f + 0.5f;
      t = t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t);
      return x * t;
    }
    case NEST_ACT_TANH: return tanhf(x);
    default: return x;
  }
}

void nest_act_apply_f32(const nest_act *act, float *x, int64_t n) {
  if (!act || act->kind == NEST_ACT_NONE) return;
  if (act->kind == NEST_ACT_RELU) {
    for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
    return;
  }
  for (int64_t i = 0; i < n; ++i) x[i] = act_one(act, x[i]);
}

void nest_rt_transpose8(const float *src, int64_t src_pitch, int64_t K, float *dst, int64_t dst_pitch) {
  int64_t k = 0;
#if defined(__AVX2__)
  for (; k + 8 <= K; k += 8) {
    __m256 r[8], t[8];
    for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * src_pitch + k);
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4)
      for (int h = 0; h < 2; ++h) {
        r[i + h] = _mm256_shuffle_ps(t[i + h], t[i + 2 + h], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 2 + h] = _mm256_shuffle_ps(t[i + h], t[i + 2 + h], _MM_SHUFFLE(3, 2, 3, 2));
      }
    /* r[0], r[2], r[1], r[3] now hold k offsets 0, 1, 2, 3 of rows 0-3 in their low halves and
     * offsets 4-7 in their high halves; r[4..7] the same for rows 4-7. */
    static const int order[4] = {0, 2, 1, 3};
    for (int q = 0; q < 4; ++q) {
      const __m256 lo = r[order[q]], hi = r[4 + order[q]];
      _mm256_storeu_ps(dst + (k + q) * dst_pitch, _mm256_permute2f128_ps(lo, hi, 0x20));
      _mm256_storeu_ps(dst + (k + 4 + q) * dst_pitch, _mm256_permute2f128_ps(lo, hi, 0x31));
    }
  }
#endif
  for (; k < K; ++k)
    for (int i = 0; i < 8; ++i) dst[k * dst_pitch + i] = src[i * src_pitch + k];
}

/* One tile: NEST_UK_ROWS rows x NV vectors of columns, written to c with pitch ldc. Generated for
 * NV = NEST_RT_NRV (full tiles) and narrower widths (the last tile of a row of pixels, so that a
 * 49-pixel 7x7 plane costs 48 + 16 columns, not 2 x 48). */
#define NEST_RT_DEFINE_MICRO_KERNEL(name, NV, BROW)                                                      \
  static void name(int64_t kc, const float *a, const float *b, int64_t ldb, const int64_t *boff, float *c,  \
                   int64_t ldc, int first, int last, const float *bias, const float *cbias,              \
                   const float *res, int64_t ldr, const nest_act *act, nest_rt_pf *pf) {                 \
    nest_vf acc[NEST_UK_ROWS][NV];                                                                       \
    const char *pf_p = pf ? pf->p : 0;                                                                   \
    const int64_t pf_lines = pf ? pf->lines : 0;                                                         \
    (void)ldb, (void)boff; /* one of the two addressing modes */                                         \
    _Pragma("GCC unroll 16") for (int r = 0; r < NEST_UK_ROWS; ++r) {                                    \
      const nest_vf init = first && bias ? nest_vset1(bias[r]) : nest_vzero();                           \
      _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) acc[r][j] =                                   \
          !first ? nest_vload(c + r * ldc + j * NEST_VL) : cbias ? nest_vload(cbias + j * NEST_VL) : init; \
    }                                                                                                    \
    for (int64_t k = 0; k < kc; ++k) {                                                                   \
      nest_rt_prefetch_step(pf_p, pf_lines, k);                                                          \
      nest_vf bv[NV];                                                                                    \
      const float *bk = BROW;                                                                            \
      _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) bv[j] = nest_vload(bk + j * NEST_VL);         \
      _Pragma("GCC unroll 16") for (int r = 0; r < NEST_UK_ROWS; ++r) {                                  \
        const nest_vf av = nest_vset1(a[r]);                                                             \
        _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) acc[r][j] = nest_vfma(av, bv[j], acc[r][j]); \
      }                                                                                                  \
      a += NEST_RT_MR;                                                                                   \
    }                                                                                                    \
    if (pf) nest_rt_prefetch_done(pf, kc);                                                               \
    if (last && res)                                                                                     \
      _Pragma("GCC unroll 16") for (int r = 0; r < NEST_UK_ROWS; ++r)                                    \
          _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) acc[r][j] =                               \
              nest_vadd(acc[r][j], nest_vload(res + r * ldr + j * NEST_VL));                             \
    if (last && nest_rt_act_in_registers(act)) {                                                         \
      const nest_vf lo = nest_vset1(nest_rt_act_lo(act));                                                  \
      const nest_vf hi = nest_vset1(nest_rt_act_hi(act));                                                  \
      _Pragma("GCC unroll 16") for (int r = 0; r < NEST_UK_ROWS; ++r)                                    \
          _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) {                                         \
        acc[r][j] = nest_vmax(acc[r][j], lo);                                                            \
        if (act->kind == NEST_ACT_CLIP) acc[r][j] = nest_vmin(acc[r][j], hi);                            \
      }                                                                                                  \
    }                                                                                                    \
    _Pragma("GCC unroll 16") for (int r = 0; r < NEST_UK_ROWS; ++r)                                      \
        _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) nest_vstore(c + r * ldc + j * NEST_VL, acc[r][j]); \
  }

/* B row k at b + k * ldb (packed panels) or at b + boff[k] (implicit GEMM on a padded input) */
NEST_RT_DEFINE_MICRO_KERNEL(micro_kernel_1, 1, b + k * ldb)
NEST_RT_DEFINE_MICRO_KERNEL(micro_kernel_2, 2, b + k * ldb)
NEST_RT_DEFINE_MICRO_KERNEL(micro_kernel_3, 3, b + k * ldb)
NEST_RT_DEFINE_MICRO_KERNEL(micro_kernel_off_1, 1, b + boff[k])
NEST_RT_DEFINE_MICRO_KERNEL(micro_kernel_off_2, 2, b + boff[k])
NEST_RT_DEFINE_MICRO_KERNEL(micro_kernel_off_3, 3, b + boff[k])

typedef void (*micro_kernel_fn)(int64_t, const float *, const float *, int64_t, const int64_t *, float *, int64_t,
                                int, int, const float *, const float *, const float *, int64_t, const nest_act *,
                                nest_rt_pf *);
static const micro_kernel_fn micro_kernels[NEST_RT_NRV] = {micro_kernel_1, micro_kernel_2, micro_kernel_3};
static const micro_kernel_fn micro_kernels_off[NEST_RT_NRV] = {micro_kernel_off_1, micro_kernel_off_2,
                                                               micro_kernel_off_3};

void nest_rt_gemm_tile(int64_t kc, const float *a_panel, const float *b, int64_t ldb, const int64_t *boff,
                       float *c, int64_t ldc, int64_t rows, int64_t cols, int first, int last,
                       const float *bias, const float *col_bias, const nest_act *act, nest_rt_pf *pf) {
  nest_rt_gemm_tile_res(kc, a_panel, b, ldb, boff, c, ldc, rows, cols, first, last, bias, col_bias, 0, 0, act, pf);
}

void nest_rt_gemm_tile_res(int64_t kc, const float *a_panel, const float *b, int64_t ldb, const int64_t *boff,
                           float *c, int64_t ldc, int64_t rows, int64_t cols, int first, int last,
                           const float *bias, const float *col_bias, const float *res, int64_t ldr,
                           const nest_act *act, nest_rt_pf *pf) {
  const int64_t nv = (cols + NEST_VL - 1) / NEST_VL; /* vectors of columns computed */
  const micro_kernel_fn kernel = boff ? micro_kernels_off[nv - 1] : micro_kernels[nv - 1];
  const int full = rows == NEST_RT_MR && cols == nv * NEST_VL;
  /* a partial tile adds the residual, then the activation, after its copy back */
  const int res_after = last && res && !full;
  const nest_act *kernel_act = res_after ? 0 : act;
  float tmp[NEST_RT_MR * NEST_RT_NR];
  float *dst = c;
  int64_t ld = ldc;
  if (!full) { /* partial tile: run the full kernel on a copy, store only the valid part */
    dst = tmp;
    ld = NEST_RT_NR;
    if (!first)
      for (int64_t r = 0; r < rows; ++r) memcpy(tmp + r * ld, c + r * ldc, (size_t)cols * sizeof(float));
  }
  for (int64_t r0 = 0; r0 < rows; r0 += NEST_UK_ROWS) {
    const float *bias_r = bias ? bias + r0 : 0;
    float bias_pad[NEST_UK_ROWS];
    if (bias_r && r0 + NEST_UK_ROWS > rows) { /* do not read bias past the last real row */
      for (int r = 0; r < NEST_UK_ROWS; ++r) bias_pad[r] = r0 + r < rows ? bias_r[r] : 0.0f;
      bias_r = bias_pad;
    }
    kernel(kc, a_panel + r0, b, ldb, boff, dst + r0 * ld, ld, first, last, bias_r, bias_r ? 0 : col_bias,
           res && !res_after ? res + r0 * ldr : 0, ldr, kernel_act, pf);
  }
  if (!full)
    for (int64_t r = 0; r < rows; ++r) memcpy(c + r * ldc, tmp + r * ld, (size_t)cols * sizeof(float));
  if (res_after)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t i = 0; i < cols; ++i) c[r * ldc + i] += res[r * ldr + i];
  if (last && act && act->kind != NEST_ACT_NONE && (res_after || !nest_rt_act_in_registers(act)))
    for (int64_t r = 0; r < rows; ++r) nest_act_apply_f32(act, c + r * ldc, cols);
}

void nest_rt_gemm_col(int64_t kc, const float *a_panel, const float *b, int64_t ldb, const int64_t *boff, float *c,
                      int64_t ldc, int64_t rows, int first, int last, const float *bias, const float *res, int64_t ldr,
                      const nest_act *act) {
  float acc[NEST_RT_MR];
  int64_t k = 0;
#define COL_B(k) (boff ? b[boff[k]] : b[(k) * ldb])
#if defined(__AVX512F__)
  /* lanes 0-7: the MR rows at an even k, lanes 8-15: at the next k; two chains, summed at the end */
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  for (; k + 4 <= kc; k += 4) {
    const __m512 xa = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_set1_ps(COL_B(k))),
                                                          _mm256_castps_pd(_mm256_set1_ps(COL_B(k + 1))), 1));
    const __m512 xb = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_set1_ps(COL_B(k + 2))),
                                                          _mm256_castps_pd(_mm256_set1_ps(COL_B(k + 3))), 1));
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a_panel + k * NEST_RT_MR), xa, s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a_panel + (k + 2) * NEST_RT_MR), xb, s1);
  }
  const __m512 s = _mm512_add_ps(s0, s1);
  _mm256_storeu_ps(acc, _mm256_add_ps(_mm512_castps512_ps256(s),
                                      _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1))));
#else
  for (int r = 0; r < NEST_RT_MR; ++r) acc[r] = 0.0f;
#endif
  for (; k < kc; ++k) {
    const float x = COL_B(k);
    for (int r = 0; r < NEST_RT_MR; ++r) acc[r] += a_panel[k * NEST_RT_MR + r] * x;
  }
#undef COL_B
  for (int64_t r = 0; r < rows; ++r) {
    float v = acc[r] + (first ? (bias ? bias[r] : 0.0f) : c[r * ldc]);
    if (last && res) v += res[r * ldr];
    c[r * ldc] = v;
    if (last && act) nest_act_apply_f32(act, c + r * ldc, 1);
  }
}

#if defined(NEST_RT_HAVE_WIDE_TILE)
/* ROWS rows (4 or 8: a panel of a grouped conv with 4 output channels per group computes only
 * those) x NV vectors; OFF: B rows at b + boff[k], else at b + k * ldb (a copied tail tile). */
static inline __attribute__((always_inline)) void wide_tile(const int ROWS, const int NV, const int OFF, int64_t kc,
                                                            const float *a, const float *b, int64_t ldb,
                                                            const int64_t *boff, float *part, int64_t ldp, float *y,
                                                            int64_t P, const nest_rt_wide_map *map, int64_t rows,
                                                            int first, int last, const float *bias,
                                                            const nest_act *act, nest_rt_pf *pf) {
  __m512 acc[8][3];
  const char *pf_p = pf ? pf->p : 0;
  const int64_t pf_lines = pf ? pf->lines : 0;
  for (int r = 0; r < ROWS; ++r)
    for (int j = 0; j < NV; ++j)
      acc[r][j] = first ? _mm512_set1_ps(bias[r]) : _mm512_loadu_ps(part + r * ldp + j * 16);
  for (int64_t k = 0; k < kc; ++k) {
    nest_rt_prefetch_step(pf_p, pf_lines, k);
    const float *bk = OFF ? b + boff[k] : b + k * ldb;
    __m512 bv[3];
    for (int j = 0; j < NV; ++j) bv[j] = _mm512_loadu_ps(bk + j * 16);
    for (int r = 0; r < ROWS; ++r) {
      const __m512 av = _mm512_set1_ps(a[r]);
      for (int j = 0; j < NV; ++j) acc[r][j] = _mm512_fmadd_ps(av, bv[j], acc[r][j]);
    }
    a += NEST_RT_MR;
  }
  if (pf) nest_rt_prefetch_done(pf, kc);
  if (!last) {
    for (int r = 0; r < ROWS; ++r)
      for (int j = 0; j < NV; ++j) _mm512_storeu_ps(part + r * ldp + j * 16, acc[r][j]);
    return;
  }
  if (nest_rt_act_in_registers(act)) {
    const __m512 lo = _mm512_set1_ps(nest_rt_act_lo(act));
    const __m512 hi = _mm512_set1_ps(nest_rt_act_hi(act));
    for (int r = 0; r < ROWS; ++r)
      for (int j = 0; j < NV; ++j) {
        acc[r][j] = _mm512_max_ps(acc[r][j], lo);
        if (act->kind == NEST_ACT_CLIP) acc[r][j] = _mm512_min_ps(acc[r][j], hi);
      }
  }
  for (int j = 0; j < NV; ++j) {
    const __mmask16 lanes = (__mmask16)map[j].lanes;
    if (!lanes) continue;
    const __mmask16 packed = (__mmask16)((1u << __builtin_popcount(lanes)) - 1u);
    float *dst = y + map[j].pixel;
    for (int r = 0; r < ROWS; ++r)
      if (r < rows) _mm512_mask_storeu_ps(dst + r * P, packed, _mm512_maskz_compress_ps(lanes, acc[r][j]));
  }
}

#define WIDE_TILE_CASE(R, V, O)                                                                              \
  wide_tile(R, V, O, kc, a_panel, b, ldb, boff, part, ldp, y, P, map, rows, first, last, bias, act, pf); \
  return

void nest_rt_gemm_tile_wide(int64_t kc, const float *a_panel, const float *b, int64_t ldb, const int64_t *boff,
                            float *part, int64_t ldp, float *y, int64_t P, const nest_rt_wide_map *map,
                            int64_t rows, int64_t cols, int first, int last, const float *bias,
                            const nest_act *act, nest_rt_pf *pf) {
  const int nv = (int)((cols + 15) / 16), code = (rows <= 4 ? 0 : 6) + (nv - 1) * 2 + (boff ? 1 : 0);
  switch (code) {
    case 0: WIDE_TILE_CASE(4, 1, 0);
    case 1: WIDE_TILE_CASE(4, 1, 1);
    case 2: WIDE_TILE_CASE(4, 2, 0);
    case 3: WIDE_TILE_CASE(4, 2, 1);
    case 4: WIDE_TILE_CASE(4, 3, 0);
    case 5: WIDE_TILE_CASE(4, 3, 1);
    case 6: WIDE_TILE_CASE(8, 1, 0);
    case 7: WIDE_TILE_CASE(8, 1, 1);
    case 8: WIDE_TILE_CASE(8, 2, 0);
    case 9: WIDE_TILE_CASE(8, 2, 1);
    case 10: WIDE_TILE_CASE(8, 3, 0);
    default: WIDE_TILE_CASE(8, 3, 1);
  }
}
#undef WIDE_TILE_CASE
#endif
