/* Int8 gemm with a constant B packed at compile time (nest_rt_q8.h, "packed gemm"): the linear
 * layers of transformers and the classifier heads of CNNs, Y[M,N] = A[M,K] * B^T with B [N,K] i8.
 *
 * Packed layout (nest_q8_gemm_pack): per-column corrections int32 corr[NG * 64], then B in NG
 * groups of 64 columns; a group holds K4 = ceil(K / 4) blocks of 256 bytes, a block 4 panels of
 * 16 columns x 4 k (byte kk of lane c of panel v is B[64 g + 16 v + c, 4 k4 + kk]), zero padded.
 * One vpdpbusd then multiplies 4 k of one A row (broadcast) into 16 columns.
 *
 * With u = a (i8 operands: a ^ 0x80, zero point a_zp + 128) and zu its zero point,
 *   sum_k (a - a_zp)(b - b_zp[j]) + bias[j] = sum u b - zu sum_k b + K zu b_zp[j] + bias[j] - b_zp[j] sum_k u
 * corr[j] holds the terms that do not depend on the row; the last is added per row when a b_zp is
 * not 0. All sums are exact in int32, so every path (VNNI, portable) gives the same bytes as the
 * interpreter and as nest_q8_gemm. */
#include <string.h>

#include "nest_rt_q8.h"
#include "nest_rt_q8_internal.h"
#include "nest_rt_threads.h"

enum { Q8G_NC = 64, Q8G_MR = 6 };

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }
static int64_t groups(const nest_q8_gemm_desc *d) { return (d->N + Q8G_NC - 1) / Q8G_NC; }
static int64_t k4s(const nest_q8_gemm_desc *d) { return (d->K + 3) / 4; }
static size_t corr_bytes(const nest_q8_gemm_desc *d) { return align64((size_t)(groups(d) * Q8G_NC) * sizeof(int32_t)); }
static int32_t a_zero_point(const nest_q8_gemm_desc *d) { return d->a_zp + (d->a_signed ? 128 : 0); }

size_t nest_q8_gemm_packed_size(const nest_q8_gemm_desc *d) {
  return corr_bytes(d) + (size_t)(groups(d) * k4s(d) * 256);
}

void nest_q8_gemm_pack(const nest_q8_gemm_desc *d, const int8_t *b, const int32_t *bias, void *packed) {
  const int64_t N = d->N, K = d->K, K4 = k4s(d);
  const int32_t zu = a_zero_point(d);
  int32_t *corr = (int32_t *)packed;
  int8_t *pb = (int8_t *)packed + corr_bytes(d);
  int64_t j, k;
  memset(packed, 0, nest_q8_gemm_packed_size(d));
  for (j = 0; j < N; ++j) {
    int32_t sum = 0;
    for (k = 0; k < K; ++k) {
      const int8_t v = b[j * K + k];
      const int64_t g = j / Q8G_NC, panel = (j % Q8G_NC) / 16, lane = j % 16;
      pb[(g * K4 + k / 4) * 256 + panel * 64 + lane * 4 + k % 4] = v;
      sum += v;
    }
    /* in 64 bits: the parts may pass int32 where the whole (what the int32 sums give) does not */
    corr[j] = (int32_t)((bias ? bias[j] : 0) - (int64_t)zu * sum + K * (int64_t)zu * d->b_zp[j]);
  }
}

/* Whether any column has a weight zero point (then each row's sum of u is needed). */
static int any_b_zp(const nest_q8_gemm_desc *d) {
  int64_t j;
  for (j = 0; j < d->N; ++j)
    if (d->b_zp[j]) return 1;
  return 0;
}

/* Four bytes of row `a` at k = 4 k4 as one int32 (u form), zero padded past K. */
static inline int32_t load4(const uint8_t *a, int64_t k4, int64_t K, uint32_t flip) {
  uint32_t v = 0;
  if (4 * k4 + 4 <= K) {
    memcpy(&v, a + 4 * k4, 4);
    return (int32_t)(v ^ flip);
  }
  memcpy(&v, a + 4 * k4, (size_t)(K - 4 * k4));
  return (int32_t)(v ^ (flip >> (8 * (4 * k4 + 4 - K))));
}

static int32_t row_sum(const uint8_t *a, int64_t K, int32_t is_signed) {
  int32_t s = 0;
  int64_t k;
  for (k = 0; k < K; ++k) s += (uint8_t)(a[k] ^ (is_signed ? 0x80 : 0));
  return s;
}

typedef struct q8g_job {
  const nest_q8_gemm_desc *d;
  const uint8_t *a;
  const uint8_t *packed;
  uint8_t *y;
  int any_bzp;
  int vector_out; /* every column's shift allows the vector requantization */
} q8g_job;

#ifdef NEST_Q8_VNNI
/* 16 int32 lanes with per-lane multipliers and total right shifts n in [1, 62] (rq16 per lane, with
 * its rounding). */
static inline __m512i rq16v(__m512i v, __m512i mult, __m512i n) {
  const __m512i one = _mm512_set1_epi64(1), low = _mm512_set1_epi64(0xFFFFFFFF);
  const __m512i lo32 = _mm512_set1_epi64(INT32_MIN), hi32 = _mm512_set1_epi64(INT32_MAX);
  const __m512i ne = _mm512_and_si512(n, low), no = _mm512_srli_epi64(n, 32);
  const __m512i pe = _mm512_mul_epi32(v, mult);
  const __m512i po = _mm512_mul_epi32(_mm512_srli_epi64(v, 32), _mm512_srli_epi64(mult, 32));
  const __m512i he = _mm512_add_epi64(_mm512_sllv_epi64(one, _mm512_sub_epi64(ne, one)), _mm512_srai_epi64(pe, 63));
  const __m512i ho = _mm512_add_epi64(_mm512_sllv_epi64(one, _mm512_sub_epi64(no, one)), _mm512_srai_epi64(po, 63));
  __m512i re = _mm512_srav_epi64(_mm512_add_epi64(pe, he), ne);
  __m512i ro = _mm512_srav_epi64(_mm512_add_epi64(po, ho), no);
  re = _mm512_min_epi64(_mm512_max_epi64(re, lo32), hi32);
  ro = _mm512_min_epi64(_mm512_max_epi64(ro, lo32), hi32);
  return _mm512_mask_blend_epi32((__mmask16)0xAAAA, re, _mm512_slli_epi64(ro, 32));
}

/* Adds the corrections to 16 accumulators of row i, columns [j0, j0 + min(rem, 16)), and stores the
 * bytes. */
static inline void store16(const q8g_job *job, __m512i acc, int32_t rowsum, int64_t i, int64_t j0, int64_t rem) {
  const int64_t n = rem < 16 ? rem : 16;
  const nest_q8_gemm_desc *d = job->d;
  const nest_q8_out *o = &d->out;
  const __mmask16 m = (__mmask16)(n >= 16 ? 0xFFFF : (1u << n) - 1u);
  __m512i v = _mm512_add_epi32(acc, _mm512_loadu_si512((const int32_t *)job->packed + j0));
  uint8_t *dst = job->y + i * d->N + j0;
  if (job->any_bzp)
    v = _mm512_sub_epi32(v, _mm512_mullo_epi32(_mm512_maskz_loadu_epi32(m, d->b_zp + j0), _mm512_set1_epi32(rowsum)));
  if (!job->vector_out) {
    int32_t tmp[16];
    int64_t c;
    _mm512_storeu_si512(tmp, v);
    for (c = 0; c < n; ++c) finish_scalar(o, j0 + c, tmp + c, 1, dst + c);
    return;
  }
  if (o->channels == 1) {
    v = rq16_auto(v, o->mult[0], 31 - o->shift[0]);
  } else {
    const __m512i mult = _mm512_maskz_loadu_epi32(m, o->mult + j0);
    const __m512i n_shift = _mm512_sub_epi32(_mm512_set1_epi32(31), _mm512_mask_loadu_epi32(_mm512_set1_epi32(1), m, o->shift + j0));
    v = rq16v(v, mult, n_shift);
  }
  v = _mm512_add_epi32(v, _mm512_set1_epi32(o->zp));
  v = _mm512_min_epi32(_mm512_max_epi32(v, _mm512_set1_epi32(o->lo)), _mm512_set1_epi32(o->hi));
  _mm_mask_storeu_epi8(dst, m, _mm512_cvtepi32_epi8(v));
}

/* Four bytes of A as 16 broadcast lanes, flipped to unsigned for i8 A. */
static inline __m512i bcast4(const uint8_t *p, int flip) {
  int32_t v;
  memcpy(&v, p, 4);
  const __m512i u = _mm512_set1_epi32(v);
  return flip ? _mm512_xor_si512(u, _mm512_set1_epi8((char)0x80)) : u;
}

/* The full tile: 6 rows x 64 columns, 24 named accumulators (an array makes the compiler move
 * registers every step). `flip` is a constant in each inlined copy, so u8 A (the usual asymmetric
 * activations) broadcasts straight from memory. The last k4 of a K that is not a multiple of 4
 * takes the zero-padded load4. */
#define Q8G_ROW(r, U)                                                                 \
  {                                                                                   \
    const __m512i u = (U);                                                            \
    c##r##0 = _mm512_dpbusd_epi32(c##r##0, u, b0);                                    \
    c##r##1 = _mm512_dpbusd_epi32(c##r##1, u, b1);                                    \
    c##r##2 = _mm512_dpbusd_epi32(c##r##2, u, b2);                                    \
    c##r##3 = _mm512_dpbusd_epi32(c##r##3, u, b3);                                    \
  }
#define Q8G_STEP(LOAD)                                                                \
  {                                                                                   \
    const int8_t *bk = bg + k4 * 256;                                                 \
    const __m512i b0 = _mm512_loadu_si512(bk), b1 = _mm512_loadu_si512(bk + 64);     \
    const __m512i b2 = _mm512_loadu_si512(bk + 128), b3 = _mm512_loadu_si512(bk + 192); \
    Q8G_ROW(0, LOAD(0)) Q8G_ROW(1, LOAD(1)) Q8G_ROW(2, LOAD(2))                       \
    Q8G_ROW(3, LOAD(3)) Q8G_ROW(4, LOAD(4)) Q8G_ROW(5, LOAD(5))                       \
  }
#define Q8G_FULL(r) bcast4(a + (r) * K + 4 * k4, flip)
#define Q8G_TAIL(r) _mm512_set1_epi32(load4(a + (r) * K, k4, K, flip ? 0x80808080u : 0))
#define Q8G_STORE(r)                                                                                   \
  {                                                                                                    \
    const int32_t s = job->any_bzp ? row_sum(a + (r) * K, K, d->a_signed) : 0;                        \
    const __m512i acc_[4] = {c##r##0, c##r##1, c##r##2, c##r##3};                                      \
    int v_;                                                                                            \
    for (v_ = 0; v_ < 4; ++v_)                                                                         \
      if (j0 + 16 * v_ < d->N) store16(job, acc_[v_], s, i0 + (r), j0 + 16 * v_, d->N - j0 - 16 * v_); \
  }
static inline __attribute__((always_inline)) void tile6(const q8g_job *job, const int8_t *bg, int64_t i0, int64_t j0,
                                                        int flip) {
  const nest_q8_gemm_desc *d = job->d;
  const int64_t K = d->K, K4 = k4s(d), full = K / 4;
  const uint8_t *a = job->a + i0 * K;
  __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
  __m512i c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
  __m512i c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
  int64_t k4;
  for (k4 = 0; k4 < full; ++k4) Q8G_STEP(Q8G_FULL)
  for (; k4 < K4; ++k4) Q8G_STEP(Q8G_TAIL)
  Q8G_STORE(0) Q8G_STORE(1) Q8G_STORE(2) Q8G_STORE(3) Q8G_STORE(4) Q8G_STORE(5)
}
#undef Q8G_ROW
#undef Q8G_STEP
#undef Q8G_FULL
#undef Q8G_TAIL
#undef Q8G_STORE

/* Up to 5 leftover rows, one at a time. */
static void tile1(const q8g_job *job, const int8_t *bg, int64_t i, int64_t j0) {
  const nest_q8_gemm_desc *d = job->d;
  const int64_t K = d->K, K4 = k4s(d);
  const uint8_t *a = job->a + i * K;
  const uint32_t flip = d->a_signed ? 0x80808080u : 0;
  __m512i c0 = _mm512_setzero_si512(), c1 = c0, c2 = c0, c3 = c0;
  int64_t k4;
  int v;
  for (k4 = 0; k4 < K4; ++k4) {
    const int8_t *bk = bg + k4 * 256;
    const __m512i u = _mm512_set1_epi32(load4(a, k4, K, flip));
    c0 = _mm512_dpbusd_epi32(c0, u, _mm512_loadu_si512(bk));
    c1 = _mm512_dpbusd_epi32(c1, u, _mm512_loadu_si512(bk + 64));
    c2 = _mm512_dpbusd_epi32(c2, u, _mm512_loadu_si512(bk + 128));
    c3 = _mm512_dpbusd_epi32(c3, u, _mm512_loadu_si512(bk + 192));
  }
  {
    const int32_t s = job->any_bzp ? row_sum(a, K, d->a_signed) : 0;
    const __m512i acc[4] = {c0, c1, c2, c3};
    for (v = 0; v < 4; ++v)
      if (j0 + 16 * v < d->N) store16(job, acc[v], s, i, j0 + 16 * v, d->N - j0 - 16 * v);
  }
}

static void group_rows(const q8g_job *job, int64_t g) {
  const nest_q8_gemm_desc *d = job->d;
  const int8_t *bg = (const int8_t *)(job->packed + corr_bytes(d)) + g * k4s(d) * 256;
  int64_t i = 0;
  if (d->a_signed)
    for (; i + Q8G_MR <= d->M; i += Q8G_MR) tile6(job, bg, i, g * Q8G_NC, 1);
  else
    for (; i + Q8G_MR <= d->M; i += Q8G_MR) tile6(job, bg, i, g * Q8G_NC, 0);
  for (; i < d->M; ++i) tile1(job, bg, i, g * Q8G_NC);
}
#else
/* Portable: the same sums from the packed layout, one output at a time. */
static void group_rows(const q8g_job *job, int64_t g) {
  const nest_q8_gemm_desc *d = job->d;
  const int64_t K = d->K, K4 = k4s(d);
  const int8_t *bg = (const int8_t *)(job->packed + corr_bytes(d)) + g * K4 * 256;
  const int32_t *corr = (const int32_t *)job->packed;
  const uint32_t flip = d->a_signed ? 0x80808080u : 0;
  int64_t i, j, k4;
  int kk;
  for (i = 0; i < d->M; ++i) {
    const uint8_t *a = job->a + i * K;
    const int32_t s = job->any_bzp ? row_sum(a, K, d->a_signed) : 0;
    for (j = g * Q8G_NC; j < d->N && j < (g + 1) * Q8G_NC; ++j) {
      const int64_t panel = (j % Q8G_NC) / 16, lane = j % 16;
      int32_t acc = corr[j] - d->b_zp[j] * s;
      for (k4 = 0; k4 < K4; ++k4) {
        const uint32_t u = (uint32_t)load4(a, k4, K, flip);
        const int8_t *w = bg + k4 * 256 + panel * 64 + lane * 4;
        for (kk = 0; kk < 4; ++kk) acc += (int32_t)((u >> (8 * kk)) & 0xFF) * w[kk];
      }
      finish_scalar(&d->out, j, &acc, 1, job->y + i * d->N + j);
    }
  }
}
#endif

static void q8g_unit(void *ctx, int64_t u, void *scratch) {
  (void)scratch;
  group_rows((const q8g_job *)ctx, u);
}

void nest_q8_gemm_packed(const nest_q8_gemm_desc *d, const void *a, const void *packed, void *y) {
  q8g_job job = {d, (const uint8_t *)a, (const uint8_t *)packed, (uint8_t *)y, any_b_zp(d), 1};
  int64_t c;
  for (c = 0; c < d->out.channels; ++c)
    if (31 - d->out.shift[c] < 1 || 31 - d->out.shift[c] > 62) job.vector_out = 0;
  nest_rt_parallel(groups(d), q8g_unit, &job, 0, 0);
}
