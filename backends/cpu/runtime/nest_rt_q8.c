/* Int8 runtime: requantization, gemm, element-wise ops, pools, Quantize / Dequantize
 * (nest_rt_q8.h; the conv kernel is in nest_rt_q8_conv.c). Scalar C: these ops are a small share
 * of a CNN's time, and the compiler vectorizes the gemm's inner dot product. */
#include <math.h>
#include <string.h>

#include "nest_rt_q8.h"
#include "nest_rt_threads.h"
#include "nest_rt_q8_internal.h"
#if defined(__AVX512BW__) && !defined(NEST_NO_SIMD)
#include <immintrin.h>
#endif

int64_t nest_q8_requantize(int64_t acc, int32_t mult, int32_t shift) {
  const int64_t p = acc * (int64_t)mult; /* |acc| < 2^31, mult < 2^31: fits */
  const int n = 31 - shift;
  if (n <= 0) {
    const int s = -n;
    if (p == 0) return 0;
    if (s > 62) return p > 0 ? INT64_MAX : INT64_MIN;
    if (p > 0) return p > (INT64_MAX >> s) ? INT64_MAX : p * ((int64_t)1 << s);
    return p < (INT64_MIN >> s) ? INT64_MIN : p * ((int64_t)1 << s);
  }
  if (n >= 63) return 0; /* |p| < 2^62 <= 2^(n-1): rounds to 0 */
  {
    const uint64_t half = (uint64_t)1 << (n - 1);
    const uint64_t mag = p >= 0 ? (uint64_t)p : (uint64_t)0 - (uint64_t)p;
    const int64_t r = (int64_t)((mag + half) >> n);
    return p >= 0 ? r : -r;
  }
}

static inline int32_t load_q(const void *p, int64_t i, int32_t is_signed) {
  return is_signed ? (int32_t)((const int8_t *)p)[i] : (int32_t)((const uint8_t *)p)[i];
}

static inline void store_q(void *p, int64_t i, int32_t is_signed, int64_t v) {
  if (is_signed) ((int8_t *)p)[i] = (int8_t)v;
  else ((uint8_t *)p)[i] = (uint8_t)v;
}

static inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

static inline int64_t finish(const nest_q8_out *o, int64_t acc, int64_t c) {
  const int64_t k = o->channels == 1 ? 0 : c;
  return clamp64(o->zp + nest_q8_requantize(acc, o->mult[k], o->shift[k]), o->lo, o->hi);
}

#ifdef NEST_Q8_VNNI
/* Gemm with i8 weights B [N, K] (Gemm's transB, torch's Linear), 64 products per vpdpbusd:
 * with u = a (i8: a + 128) and zu its zero point,
 *   sum (a - a_zp)(b - b_zp) = sum u*b - b_zp * sum u - zu * sum b + K * zu * b_zp
 * all exact in int32, like the scalar loop. Columns [j0, j1). */
static void q8_gemm_rows_vnni(const nest_q8_gemm_desc *d, const void *a, const void *b, const int32_t *bias, void *y,
                              int64_t j0, int64_t j1) {
  const int64_t K = d->K, N = d->N;
  const int32_t zu = d->a_zp + (d->a_signed ? 128 : 0);
  const __m512i flip = _mm512_set1_epi8((char)(d->a_signed ? 0x80 : 0)), ones = _mm512_set1_epi8(1);
  int64_t i, j, k;
  for (i = 0; i < d->M; ++i) {
    const uint8_t *ar = (const uint8_t *)a + i * K;
    int32_t usum = 0;
    for (k = 0; k < K; ++k) usum += (uint8_t)(ar[k] ^ (d->a_signed ? 0x80 : 0));
    for (j = j0; j < j1; ++j) {
      const int8_t *br = (const int8_t *)b + j * K;
      __m512i acc = _mm512_setzero_si512(), bs = _mm512_setzero_si512();
      for (k = 0; k < K; k += 64) {
        const __mmask64 m = K - k >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (K - k)) - 1);
        const __m512i u = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, ar + k), flip);
        const __m512i w = _mm512_maskz_loadu_epi8(m, br + k);
        acc = _mm512_dpbusd_epi32(acc, _mm512_maskz_mov_epi8(m, u), w);
        bs = _mm512_dpbusd_epi32(bs, ones, w);
      }
      {
        const int32_t bz = d->b_zp[j];
        const int64_t sum = (int64_t)_mm512_reduce_add_epi32(acc) - (int64_t)bz * usum -
                            (int64_t)zu * _mm512_reduce_add_epi32(bs) + K * zu * bz;
        store_q(y, i * N + j, d->out.is_signed, finish(&d->out, (int32_t)(sum + (bias ? bias[j] : 0)), j));
      }
    }
  }
}
#endif

typedef struct q8_gemm_job {
  const nest_q8_gemm_desc *d;
  const void *a, *b;
  const int32_t *bias;
  void *y;
  int64_t steps; /* output columns per unit */
} q8_gemm_job;

/* B [K, N] (MatMul of two activations, Gemm without transB): B's rows are contiguous, so each
 * row of A is multiplied into a block of up to 256 int32 column sums, k outer (vectorizable);
 * integer sums, so the same results as any order. Columns [j0, j1). */
static void q8_gemm_rows_kn(const nest_q8_gemm_desc *d, const void *a, const void *b, const int32_t *bias, void *y,
                            int64_t j0, int64_t j1) {
  const int64_t M = d->M, N = d->N, K = d->K;
  int32_t acc[256], bz[256];
  int64_t i, jb, j, k;
  for (jb = j0; jb < j1; jb += 256) {
    const int64_t nb = j1 - jb < 256 ? j1 - jb : 256;
    for (j = 0; j < nb; ++j) bz[j] = d->b_zp[jb + j];
    for (i = 0; i < M; ++i) {
      for (j = 0; j < nb; ++j) acc[j] = bias ? bias[jb + j] : 0;
      for (k = 0; k < K; ++k) {
        const int32_t av = load_q(a, i * K + k, d->a_signed) - d->a_zp;
        if (d->b_signed) {
          const int8_t *br = (const int8_t *)b + k * N + jb;
          for (j = 0; j < nb; ++j) acc[j] += av * ((int32_t)br[j] - bz[j]);
        } else {
          const uint8_t *br = (const uint8_t *)b + k * N + jb;
          for (j = 0; j < nb; ++j) acc[j] += av * ((int32_t)br[j] - bz[j]);
        }
      }
      for (j = 0; j < nb; ++j) store_q(y, i * N + jb + j, d->out.is_signed, finish(&d->out, acc[j], jb + j));
    }
  }
}

/* Output columns [u * steps, (u + 1) * steps) of every row. */
static void q8_gemm_unit(void *ctx, int64_t u, void *scratch) {
  const q8_gemm_job *job = (const q8_gemm_job *)ctx;
  const nest_q8_gemm_desc *d = job->d;
  const void *a = job->a, *b = job->b;
  const int32_t *bias = job->bias;
  void *y = job->y;
  const int64_t M = d->M, N = d->N, K = d->K, j0 = u * job->steps, j1 = j0 + job->steps < N ? j0 + job->steps : N;
  int64_t i, j, k;
  (void)scratch;
#ifdef NEST_Q8_VNNI
  if (d->trans_b && d->b_signed) {
    q8_gemm_rows_vnni(d, a, b, bias, y, j0, j1);
    return;
  }
#endif
  if (!d->trans_b) {
    q8_gemm_rows_kn(d, a, b, bias, y, j0, j1);
    return;
  }
  for (i = 0; i < M; ++i) {
    for (j = j0; j < j1; ++j) {
      const int32_t bz = d->b_zp[j];
      int32_t acc = bias ? bias[j] : 0;
      /* B [N,K]: contiguous dot product */
      if (d->a_signed && d->b_signed) {
        const int8_t *ar = (const int8_t *)a + i * K, *br = (const int8_t *)b + j * K;
        for (k = 0; k < K; ++k) acc += ((int32_t)ar[k] - d->a_zp) * ((int32_t)br[k] - bz);
      } else if (!d->a_signed && d->b_signed) {
        const uint8_t *ar = (const uint8_t *)a + i * K;
        const int8_t *br = (const int8_t *)b + j * K;
        for (k = 0; k < K; ++k) acc += ((int32_t)ar[k] - d->a_zp) * ((int32_t)br[k] - bz);
      } else {
        for (k = 0; k < K; ++k)
          acc += (load_q(a, i * K + k, d->a_signed) - d->a_zp) * (load_q(b, j * K + k, d->b_signed) - bz);
      }
      store_q(y, i * N + j, d->out.is_signed, finish(&d->out, acc, j));
    }
  }
}

void nest_q8_gemm(const nest_q8_gemm_desc *d, const void *a, const void *b, const int32_t *bias, void *y) {
  q8_gemm_job j = {d, a, b, bias, y, nest_rt_steps_per_unit(d->N, 16)};
  nest_rt_parallel(nest_rt_ceil_div(d->N, j.steps), q8_gemm_unit, &j, 0, 0);
}

/* Calls f(i, offset_a, offset_b) over a broadcast shape of up to 8 dimensions. */
#define NEST_Q8_FOR_BROADCAST(rank, shape, sa, sb, BODY)                             \
  do {                                                                               \
    int64_t idx_[8] = {0}, oa_ = 0, ob_ = 0, total_ = 1, i_;                         \
    int32_t d_;                                                                      \
    for (d_ = 0; d_ < (rank); ++d_) total_ *= (shape)[d_];                           \
    for (i_ = 0; i_ < total_; ++i_) {                                                \
      const int64_t I = i_, OA = oa_, OB = ob_;                                      \
      BODY;                                                                          \
      for (d_ = (rank)-1; d_ >= 0; --d_) {                                           \
        oa_ += (sa)[d_];                                                             \
        ob_ += (sb)[d_];                                                             \
        if (++idx_[d_] < (shape)[d_]) break;                                         \
        oa_ -= (sa)[d_] * (shape)[d_];                                               \
        ob_ -= (sb)[d_] * (shape)[d_];                                               \
        idx_[d_] = 0;                                                                \
      }                                                                              \
    }                                                                                \
  } while (0)

#define NEST_Q8_ADD_SHIFT 20

/* True when strides `st` walk `shape` contiguously (no broadcasting). */
static int contiguous(int32_t rank, const int64_t *shape, const int64_t *st) {
  int64_t e = 1;
  int32_t d;
  for (d = rank - 1; d >= 0; --d) {
    if (shape[d] != 1 && st[d] != e) return 0;
    e *= shape[d];
  }
  return 1;
}

#ifdef NEST_Q8_VNNI
/* When strides `st` walk the trailing dimensions of `shape` contiguously and are 0 on the
 * leading ones (an operand repeated row after row), the row's length; else 0. */
static int64_t repeated_row(int32_t rank, const int64_t *shape, const int64_t *st) {
  int64_t e = 1;
  int32_t d = rank - 1;
  for (; d >= 0 && (shape[d] == 1 || st[d] == e); --d) e *= shape[d];
  for (; d >= 0; --d)
    if (shape[d] != 1 && st[d] != 0) return 0;
  return e;
}

static inline __m512i load16(const void *p, int64_t i, int32_t is_signed, __mmask16 m) {
  const __m128i b = _mm_maskz_loadu_epi8(m, (const uint8_t *)p + i);
  return is_signed ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b);
}

/* Same-shape Add, 16 elements at a time; 0 when a shift is outside the vector path's range. */
static int add_vnni(int64_t n, const void *a, const nest_q8_operand *qa, const void *b, const nest_q8_operand *qb,
                    const nest_q8_out *out, void *y) {
  const int na = 31 - qa->shift, nb = 31 - qb->shift, no = 31 - out->shift[0];
  const int32_t ma = qa->mult, mb = qb->mult, mo = out->mult[0], sa = qa->is_signed, sb = qb->is_signed;
  const __m512i za = _mm512_set1_epi32(qa->zp), zb = _mm512_set1_epi32(qb->zp), zy = _mm512_set1_epi32(out->zp);
  const __m512i lo = _mm512_set1_epi32(out->lo), hi = _mm512_set1_epi32(out->hi);
  int64_t i;
  if (na < 1 || na > 62 || nb < 1 || nb > 62 || no < 1 || no > 62) return 0;
  for (i = 0; i < n; i += 16) {
    const __mmask16 m = (__mmask16)(n - i >= 16 ? 0xFFFF : (1u << (n - i)) - 1u);
    const __m512i x = rq16_auto(_mm512_slli_epi32(_mm512_sub_epi32(load16(a, i, sa, m), za), NEST_Q8_ADD_SHIFT), ma, na);
    const __m512i z = rq16_auto(_mm512_slli_epi32(_mm512_sub_epi32(load16(b, i, sb, m), zb), NEST_Q8_ADD_SHIFT), mb, nb);
    __m512i v = _mm512_add_epi32(rq16_auto(_mm512_add_epi32(x, z), mo, no), zy);
    v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
    _mm_mask_storeu_epi8((uint8_t *)y + i, m, _mm512_cvtepi32_epi8(v));
  }
  return 1;
}
#endif

/* One element of Add / Mul from two loaded values (the scalar formulas every path reproduces). */
static inline int64_t add_one(int32_t va, const nest_q8_operand *qa, int32_t vb, const nest_q8_operand *qb,
                              const nest_q8_out *out) {
  const int64_t x = nest_q8_requantize((int64_t)(va - qa->zp) * (1 << NEST_Q8_ADD_SHIFT), qa->mult, qa->shift);
  const int64_t z = nest_q8_requantize((int64_t)(vb - qb->zp) * (1 << NEST_Q8_ADD_SHIFT), qb->mult, qb->shift);
  return finish(out, x + z, 0);
}

static inline int64_t mul_one(int32_t va, const nest_q8_operand *qa, int32_t vb, const nest_q8_operand *qb,
                              const nest_q8_out *out) {
  return finish(out, (int64_t)(va - qa->zp) * (vb - qb->zp), 0);
}

/* Offset in `c` (strides sc over the leading `split` dimensions of shape) of run r. */
static int64_t run_offset(const int64_t *shape, int32_t split, const int64_t *sc, int64_t r) {
  int64_t oc = 0;
  int32_t d;
  for (d = split - 1; d >= 0; --d) {
    oc += (r % shape[d]) * sc[d];
    r /= shape[d];
  }
  return oc;
}

#ifdef NEST_Q8_VNNI
/* Mul by an operand that is one value per run of the other (a per-channel gate over a small
 * plane): (v - zv)(c - zc) in int32 lanes (|.| < 2^17), requantized 16 at a time like the scalar
 * formula; 0 when the shift is outside the vector path's range. */
static int mul_runs_vnni(const int64_t *shape, int32_t split, int64_t inner, int64_t runs, const void *v,
                         const nest_q8_operand *qv, const void *c, const int64_t *sc, const nest_q8_operand *qc,
                         const nest_q8_out *out, void *y) {
  const int no = 31 - out->shift[0];
  const __m512i zv = _mm512_set1_epi32(qv->zp), zy = _mm512_set1_epi32(out->zp);
  const __m512i lo = _mm512_set1_epi32(out->lo), hi = _mm512_set1_epi32(out->hi);
  int64_t r, i;
  if (no < 1 || no > 62) return 0;
  for (r = 0; r < runs; ++r) {
    const __m512i cv = _mm512_set1_epi32(load_q(c, run_offset(shape, split, sc, r), qc->is_signed) - qc->zp);
    const uint8_t *src = (const uint8_t *)v + r * inner;
    uint8_t *dst = (uint8_t *)y + r * inner;
    for (i = 0; i < inner; i += 16) {
      const __mmask16 m = (__mmask16)(inner - i >= 16 ? 0xFFFF : (1u << (inner - i)) - 1u);
      const __m512i p = _mm512_mullo_epi32(_mm512_sub_epi32(load16(src, i, qv->is_signed, m), zv), cv);
      __m512i t = _mm512_add_epi32(rq16_auto(p, out->mult[0], no), zy);
      t = _mm512_min_epi32(_mm512_max_epi32(t, lo), hi);
      _mm_mask_storeu_epi8(dst + i, m, _mm512_cvtepi32_epi8(t));
    }
  }
  return 1;
}
#endif

/* The shortest run worth a table: building one costs 256 scalar results. */
#define NEST_Q8_TABLE_RUN 256

/* When one operand (`c`, strides sc) stays the same over runs of at least NEST_Q8_TABLE_RUN
 * elements of the other, contiguous one (`v`) - a scalar constant (x * 0.5, x + 0.3) or a
 * per-channel value over a plane (squeeze-excitation gates) - the result within a run depends on
 * v's byte only: per run a 256-entry table built with the scalar formula, then lookups, exactly
 * the same results. `v_is_a` says which side of the op v is. 0 when the shapes do not fit. */
static int q8_binary_runs(int32_t rank, const int64_t *shape, const void *v, const int64_t *sv, const nest_q8_operand *qv,
                          const void *c, const int64_t *sc, const nest_q8_operand *qc, const nest_q8_out *out, void *y,
                          int v_is_a, int is_mul) {
  int64_t inner = 1, runs = 1, r;
  int32_t d, split = rank;
  uint8_t table[256];
  if (!contiguous(rank, shape, sv)) return 0;
  while (split > 0 && (sc[split - 1] == 0 || shape[split - 1] == 1)) inner *= shape[--split];
  for (d = 0; d < split; ++d) runs *= shape[d];
#ifdef NEST_Q8_VNNI
  if (inner >= 16 && inner < NEST_Q8_TABLE_RUN && is_mul)
    return mul_runs_vnni(shape, split, inner, runs, v, qv, c, sc, qc, out, y);
#endif
  if (inner < NEST_Q8_TABLE_RUN) return 0;
  for (r = 0; r < runs; ++r) {
    int64_t i;
    int b;
    {
      const int32_t vc = load_q(c, run_offset(shape, split, sc, r), qc->is_signed);
      for (b = 0; b < 256; ++b) {
        const int32_t vb = qv->is_signed ? (int32_t)(int8_t)b : b;
        const int64_t e = is_mul ? (v_is_a ? mul_one(vb, qv, vc, qc, out) : mul_one(vc, qc, vb, qv, out))
                                 : (v_is_a ? add_one(vb, qv, vc, qc, out) : add_one(vc, qc, vb, qv, out));
        table[b] = (uint8_t)e; /* the byte of the i8 or u8 result */
      }
    }
    {
      const uint8_t *src = (const uint8_t *)v + r * inner;
      uint8_t *dst = (uint8_t *)y + r * inner;
      for (i = 0; i < inner; ++i) dst[i] = table[src[i]];
    }
  }
  return 1;
}

void nest_q8_add(int32_t rank, const int64_t *shape, const void *a, const int64_t *sa, const nest_q8_operand *qa,
                 const void *b, const int64_t *sb, const nest_q8_operand *qb, const nest_q8_out *out, void *y) {
#ifdef NEST_Q8_VNNI
  if (contiguous(rank, shape, sa)) {
    /* b the same shape, or repeated along leading dimensions (a bias row): vector rows */
    const int64_t row = repeated_row(rank, shape, sb);
    int64_t n = 1, r;
    int32_t d;
    for (d = 0; d < rank; ++d) n *= shape[d];
    if (row >= 64 && add_vnni(row, a, qa, b, qb, out, y)) {
      for (r = 1; r < n / row; ++r)
        add_vnni(row, (const uint8_t *)a + r * row, qa, b, qb, out, (uint8_t *)y + r * row);
      return;
    }
  }
#endif
  if (q8_binary_runs(rank, shape, a, sa, qa, b, sb, qb, out, y, 1, 0) ||
      q8_binary_runs(rank, shape, b, sb, qb, a, sa, qa, out, y, 0, 0))
    return;
  NEST_Q8_FOR_BROADCAST(rank, shape, sa, sb, {
    store_q(y, I, out->is_signed, add_one(load_q(a, OA, qa->is_signed), qa, load_q(b, OB, qb->is_signed), qb, out));
  });
}

void nest_q8_mul(int32_t rank, const int64_t *shape, const void *a, const int64_t *sa, const nest_q8_operand *qa,
                 const void *b, const int64_t *sb, const nest_q8_operand *qb, const nest_q8_out *out, void *y) {
  if (q8_binary_runs(rank, shape, a, sa, qa, b, sb, qb, out, y, 1, 1) ||
      q8_binary_runs(rank, shape, b, sb, qb, a, sa, qa, out, y, 0, 1))
    return;
  NEST_Q8_FOR_BROADCAST(rank, shape, sa, sb, {
    store_q(y, I, out->is_signed, mul_one(load_q(a, OA, qa->is_signed), qa, load_q(b, OB, qb->is_signed), qb, out));
  });
}

void nest_q8_clamp(int32_t is_signed, const void *x, void *y, int64_t n, int32_t lo, int32_t hi) {
  int64_t i;
  if (is_signed) {
    const int8_t *s = (const int8_t *)x;
    int8_t *t = (int8_t *)y;
    for (i = 0; i < n; ++i) t[i] = (int8_t)(s[i] < lo ? lo : (s[i] > hi ? hi : s[i]));
  } else {
    const uint8_t *s = (const uint8_t *)x;
    uint8_t *t = (uint8_t *)y;
    for (i = 0; i < n; ++i) t[i] = (uint8_t)(s[i] < lo ? lo : (s[i] > hi ? hi : s[i]));
  }
}

#if defined(NEST_Q8_VNNI) && defined(__AVX512VBMI__)
/* dst[i] = table[src[i]], 64 bytes at a time: two vpermi2b over the table's halves, picked by the
 * index's top bit (GoogLeNet's Concat inputs: 4% of its int8 run as a scalar loop). */
static void lookup256(const uint8_t *table, const uint8_t *src, uint8_t *dst, int64_t n) {
  const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
  int64_t i;
  for (i = 0; i < n; i += 64) {
    const __mmask64 m = n - i >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (n - i)) - 1;
    const __m512i idx = _mm512_maskz_loadu_epi8(m, src + i);
    const __m512i lo = _mm512_permutex2var_epi8(t0, idx, t1), hi = _mm512_permutex2var_epi8(t2, idx, t3);
    _mm512_mask_storeu_epi8(dst + i, m, _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), lo, hi));
  }
}
#else
static void lookup256(const uint8_t *table, const uint8_t *src, uint8_t *dst, int64_t n) {
  int64_t i;
  for (i = 0; i < n; ++i) dst[i] = table[src[i]];
}
#endif

/* The result depends on the input byte only: a 256-entry table built with the scalar formula,
 * then a copy (when the table is the identity: same scale, zero point and type) or a lookup. */
void nest_q8_requant_rows(const void *x, const nest_q8_operand *qx, const nest_q8_out *out, void *y, int64_t dst_row,
                          int64_t row, int64_t outer) {
  uint8_t table[256];
  int identity = 1, b;
  int64_t r;
  for (b = 0; b < 256; ++b) {
    const int64_t q = qx->is_signed ? (int64_t)(int8_t)b : b;
    const int64_t v = clamp64(out->zp + nest_q8_requantize(q - qx->zp, qx->mult, qx->shift), out->lo, out->hi);
    table[b] = (uint8_t)v; /* the byte of the i8 or u8 result */
    identity &= table[b] == (uint8_t)b;
  }
  for (r = 0; r < outer; ++r) {
    const uint8_t *src = (const uint8_t *)x + r * row;
    uint8_t *dst = (uint8_t *)y + r * dst_row;
    if (identity) memcpy(dst, src, (size_t)row);
    else lookup256(table, src, dst, row);
  }
}

/* ---- pools ---- */

/* Window of output position o along one axis: taps k in [*klo, *khi) fall inside [0, in);
 * returns the count of taps inside the padded input (count_include_pad). */
static int64_t window(int64_t o, int64_t stride, int64_t pad, int64_t dil, int64_t kernel, int64_t in, int64_t pad_end,
                      int64_t *start, int64_t *klo, int64_t *khi) {
  const int64_t s = o * stride - pad;
  int64_t lo = s >= 0 ? 0 : (-s + dil - 1) / dil;
  int64_t hi = in - 1 - s < 0 ? 0 : (in - 1 - s) / dil + 1;
  int64_t pe;
  if (hi > kernel) hi = kernel;
  *start = s;
  *klo = lo < hi ? lo : hi;
  *khi = hi;
  pe = in + pad_end - 1 - s;
  return pe < 0 ? 0 : (kernel < pe / dil + 1 ? kernel : pe / dil + 1);
}

static int64_t rdiv(int64_t sum, int64_t count) {
  if (count <= 0) return 0;
  return sum >= 0 ? (sum + count / 2) / count : -((-sum + count / 2) / count);
}

static void pool(const nest_q8_pool2d_desc *d, const void *x, void *y, int is_max) {
  const int64_t lowest = d->is_signed ? -128 : 0, highest = d->is_signed ? 127 : 255;
  int64_t plane, oh, ow, kh, kw;
  for (plane = 0; plane < d->N * d->C; ++plane) {
    const int64_t xb = plane * d->H * d->W, yb = plane * d->OH * d->OW;
    for (oh = 0; oh < d->OH; ++oh) {
      int64_t sh, hlo, hhi, sw, wlo, whi;
      const int64_t ph = window(oh, d->stride_h, d->pad_top, d->dilation_h, d->KH, d->H, d->pad_bottom, &sh, &hlo, &hhi);
      for (ow = 0; ow < d->OW; ++ow) {
        const int64_t pw = window(ow, d->stride_w, d->pad_left, d->dilation_w, d->KW, d->W, d->pad_right, &sw, &wlo, &whi);
        int64_t best = lowest, sum = 0, v;
        for (kh = hlo; kh < hhi; ++kh)
          for (kw = wlo; kw < whi; ++kw) {
            const int64_t q = load_q(x, xb + (sh + kh * d->dilation_h) * d->W + sw + kw * d->dilation_w, d->is_signed);
            if (q > best) best = q;
            sum += q - d->zp;
          }
        if (is_max) {
          v = best;
        } else {
          const int64_t count = (hhi - hlo) * (whi - wlo);
          v = clamp64(d->zp + rdiv(sum, d->count_include_pad ? ph * pw : count), lowest, highest);
        }
        store_q(y, yb + oh * d->OW + ow, d->is_signed, v);
      }
    }
  }
}

/* best[i] = max(best[i], row[i * stride] ^ flip); inlined with a constant stride so the compiler
 * vectorizes the common strides. */
static inline void max_into(uint8_t *best, const uint8_t *row, int64_t n, int64_t stride, uint8_t flip) {
  int64_t i;
  for (i = 0; i < n; ++i) {
    const uint8_t v = (uint8_t)(row[i * stride] ^ flip);
    best[i] = v > best[i] ? v : best[i];
  }
}

/* MaxPool on the bytes: i8 values xor 0x80 order like u8 ones, so one unsigned loop serves both.
 * An empty window gives the element type's lowest value (padding never wins). Output columns
 * whose window lies inside the row are done a row of taps at a time (vectorized), the edges one
 * window at a time. */
static void maxpool_planes(const nest_q8_pool2d_desc *d, const void *x, void *y, int64_t nc0, int64_t nc1) {
  const uint8_t flip = d->is_signed ? 0x80 : 0;
  const int64_t sw_ = d->stride_w, dw = d->dilation_w;
  /* interior columns: ow*sw - pad_left >= 0 and ow*sw - pad_left + (KW-1)*dw < W */
  int64_t ow_lo = (d->pad_left + sw_ - 1) / sw_, ow_hi = d->W - 1 - (d->KW - 1) * dw + d->pad_left;
  int64_t plane, oh, ow, kh, kw;
  ow_hi = ow_hi < 0 ? 0 : ow_hi / sw_ + 1;
  if (ow_hi > d->OW) ow_hi = d->OW;
  if (ow_lo > ow_hi) ow_lo = ow_hi;
  for (plane = nc0; plane < nc1; ++plane) {
    const uint8_t *xp = (const uint8_t *)x + plane * d->H * d->W;
    uint8_t *yp = (uint8_t *)y + plane * d->OH * d->OW;
    for (oh = 0; oh < d->OH; ++oh) {
      int64_t sh, hlo, hhi, c;
      uint8_t *out = yp + oh * d->OW;
      window(oh, d->stride_h, d->pad_top, d->dilation_h, d->KH, d->H, d->pad_bottom, &sh, &hlo, &hhi);
      for (ow = 0; ow < d->OW; ++ow) {
        int64_t sw, wlo, whi;
        uint8_t best = 0;
        if (ow == ow_lo && ow_lo < ow_hi) ow = ow_hi; /* interior below */
        if (ow >= d->OW) break;
        window(ow, d->stride_w, d->pad_left, d->dilation_w, d->KW, d->W, d->pad_right, &sw, &wlo, &whi);
        for (kh = hlo; kh < hhi; ++kh) {
          const uint8_t *row = xp + (sh + kh * d->dilation_h) * d->W + sw;
          for (kw = wlo; kw < whi; ++kw) {
            const uint8_t v = (uint8_t)(row[kw * dw] ^ flip);
            best = v > best ? v : best;
          }
        }
        out[ow] = (uint8_t)(best ^ flip);
      }
      for (c = ow_lo; c < ow_hi; c += 256) {
        uint8_t best[256];
        const int64_t n = ow_hi - c < 256 ? ow_hi - c : 256;
        int64_t i;
        for (i = 0; i < n; ++i) best[i] = 0;
        for (kh = hlo; kh < hhi; ++kh) {
          const uint8_t *row = xp + (sh + kh * d->dilation_h) * d->W + c * sw_ - d->pad_left;
          for (kw = 0; kw < d->KW; ++kw) {
            if (sw_ == 1) max_into(best, row + kw * dw, n, 1, flip);
            else if (sw_ == 2) max_into(best, row + kw * dw, n, 2, flip);
            else max_into(best, row + kw * dw, n, sw_, flip);
          }
        }
        for (i = 0; i < n; ++i) out[c + i] = (uint8_t)(best[i] ^ flip);
      }
    }
  }
}

#if defined(__AVX512BW__) && !defined(NEST_NO_SIMD)
/* Byte lanes [lo, hi) of 64 starting at input column base that lie inside [0, W). */
static inline __mmask64 bytes_inside(int64_t base, int64_t W) {
  const int64_t lo = base < 0 ? -base : 0, hi = W - base < 64 ? W - base : 64;
  if (lo >= hi) return 0;
  return (hi >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << hi) - 1)) & ~(((__mmask64)1 << lo) - 1);
}

/* The same max pool, 64 output columns (stride 1) or 32 (stride 2: the even bytes of 64) per
 * step with masked loads: lanes outside the row read the lowest value (-128 for i8, compared
 * signed; 0 for u8). The masks of every column step and tap column are computed once. */
#define ROW_POOL_MAX_STEPS 32
#define ROW_POOL_MAX_KW 16

static int row_pool_masks_fit(const nest_q8_pool2d_desc *d) {
  const int64_t per = d->stride_w == 1 ? 64 : 32;
  return (d->OW + per - 1) / per <= ROW_POOL_MAX_STEPS && d->KW <= ROW_POOL_MAX_KW;
}

static inline __m512i max_bytes(__m512i a, __m512i b, int is_signed) {
  return is_signed ? _mm512_max_epi8(a, b) : _mm512_max_epu8(a, b);
}

static inline __attribute__((always_inline)) void maxpool_rows(const nest_q8_pool2d_desc *d, const void *x, void *y,
                                                               int64_t nc0, int64_t nc1, const int is_signed) {
  const int64_t W = d->W, OW = d->OW, sw = d->stride_w, per = sw == 1 ? 64 : 32, steps = (OW + per - 1) / per;
  const __m512i lowest = _mm512_set1_epi8((char)(is_signed ? 0x80 : 0));
  __mmask64 mask[ROW_POOL_MAX_STEPS][ROW_POOL_MAX_KW];
  int64_t plane, oh, st, kh, kw;
  for (st = 0; st < steps; ++st)
    for (kw = 0; kw < d->KW; ++kw) mask[st][kw] = bytes_inside(st * per * sw - d->pad_left + kw * d->dilation_w, W);
  for (plane = nc0; plane < nc1; ++plane) {
    const uint8_t *xp = (const uint8_t *)x + plane * d->H * W;
    uint8_t *yp = (uint8_t *)y + plane * d->OH * OW;
    for (oh = 0; oh < d->OH; ++oh)
      for (st = 0; st < steps; ++st) {
        const int64_t ow0 = st * per, n = OW - ow0 < per ? OW - ow0 : per;
        __m512i best = lowest;
        for (kh = 0; kh < d->KH; ++kh) {
          const int64_t ih = oh * d->stride_h - d->pad_top + kh * d->dilation_h;
          const uint8_t *row = xp + ih * W + ow0 * sw - d->pad_left;
          if (ih < 0 || ih >= d->H) continue;
          for (kw = 0; kw < d->KW; ++kw)
            best = max_bytes(best, _mm512_mask_loadu_epi8(lowest, mask[st][kw], row + kw * d->dilation_w), is_signed);
        }
        if (sw == 1)
          _mm512_mask_storeu_epi8(yp + oh * OW + ow0, n == 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1), best);
        else
          _mm256_mask_storeu_epi8(yp + oh * OW + ow0, n == 32 ? ~(__mmask32)0 : (((__mmask32)1 << n) - 1),
                                  _mm512_cvtepi16_epi8(best)); /* byte 2j of each pair */
      }
  }
}

static void maxpool_avx512(const nest_q8_pool2d_desc *d, const void *x, void *y, int64_t nc0, int64_t nc1) {
  if (d->is_signed) maxpool_rows(d, x, y, nc0, nc1, 1);
  else maxpool_rows(d, x, y, nc0, nc1, 0);
}
#endif

typedef struct q8_pool_job {
  const nest_q8_pool2d_desc *d;
  const void *x;
  void *y;
  int64_t steps; /* planes per unit */
} q8_pool_job;

static void maxpool_unit(void *ctx, int64_t u, void *scratch) {
  const q8_pool_job *j = (const q8_pool_job *)ctx;
  const int64_t total = j->d->N * j->d->C, nc0 = u * j->steps, nc1 = nc0 + j->steps < total ? nc0 + j->steps : total;
  (void)scratch;
#if defined(__AVX512BW__) && !defined(NEST_NO_SIMD)
  if (j->d->stride_w <= 2 && row_pool_masks_fit(j->d)) {
    maxpool_avx512(j->d, j->x, j->y, nc0, nc1);
    return;
  }
#endif
  maxpool_planes(j->d, j->x, j->y, nc0, nc1);
}

void nest_q8_maxpool2d(const nest_q8_pool2d_desc *d, const void *x, void *y) {
  q8_pool_job j;
#ifdef NEST_RT_Q8_POOL_WINDOW
  if (nest_rt_q8_pool_window_ok(d)) {
    nest_rt_q8_pool_window(d, x, y);
    return;
  }
#endif
  j.d = d;
  j.x = x;
  j.y = y;
  j.steps = nest_rt_steps_per_unit(d->N * d->C, 1);
  nest_rt_parallel(nest_rt_ceil_div(d->N * d->C, j.steps), maxpool_unit, &j, 0, 0);
}

void nest_q8_avgpool2d(const nest_q8_pool2d_desc *d, const void *x, void *y) { pool(d, x, y, 0); }

void nest_q8_global_avgpool(int32_t is_signed, int32_t zp, int64_t NC, int64_t HW, const void *x, void *y) {
  const int64_t lowest = is_signed ? -128 : 0, highest = is_signed ? 127 : 255;
  int64_t p, i;
  for (p = 0; p < NC; ++p) {
    int64_t sum = 0;
    for (i = 0; i < HW; ++i) sum += load_q(x, p * HW + i, is_signed) - zp;
    store_q(y, p, is_signed, clamp64(zp + rdiv(sum, HW), lowest, highest));
  }
}

/* ---- float boundary ---- */

void nest_q8_quantize(const float *x, void *y, int64_t n, int32_t is_signed, float scale, int32_t zp) {
  const double lo = is_signed ? -128.0 : 0.0, hi = is_signed ? 127.0 : 255.0;
  int64_t i = 0;
#ifdef NEST_Q8_VNNI
  /* 16 at a time, the same numbers: the same single-precision division; rounding a float to an
   * integer is exact in float (ties to even, as nearbyint); after adding the zero point, values
   * past 2^24 are far outside [lo, hi] and clamp alike; NaN gives the zero point. */
  {
    const __m512 vs = _mm512_set1_ps(scale), vz = _mm512_set1_ps((float)zp);
    const __m512 vlo = _mm512_set1_ps((float)lo), vhi = _mm512_set1_ps((float)hi);
    const __m512i vzi = _mm512_set1_epi32(zp);
    for (; i + 16 <= n; i += 16) {
      const __m512 t = _mm512_div_ps(_mm512_loadu_ps(x + i), vs);
      const __mmask16 nan = _mm512_cmp_ps_mask(t, t, _CMP_UNORD_Q);
      __m512 v = _mm512_add_ps(_mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), vz);
      v = _mm512_min_ps(_mm512_max_ps(v, vlo), vhi);
      const __m512i q = _mm512_mask_blend_epi32(nan, _mm512_cvttps_epi32(v), vzi);
      _mm_storeu_si128((__m128i *)((uint8_t *)y + i), _mm512_cvtepi32_epi8(q));
    }
  }
#endif
  for (; i < n; ++i) {
    const float t = x[i] / scale;
    double v;
    if (t != t) {
      store_q(y, i, is_signed, zp);
      continue;
    }
    v = nearbyint((double)t) + (double)zp;
    store_q(y, i, is_signed, v <= lo ? (int64_t)lo : (v >= hi ? (int64_t)hi : (int64_t)v));
  }
}

void nest_q8_dequantize(const void *q, float *y, int64_t n, int32_t is_signed, float scale, int32_t zp) {
  int64_t i = 0;
#ifdef NEST_Q8_VNNI
  {
    const __m512 vs = _mm512_set1_ps(scale);
    const __m512i vz = _mm512_set1_epi32(zp);
    for (; i + 16 <= n; i += 16) {
      const __m128i b = _mm_loadu_si128((const __m128i *)((const uint8_t *)q + i));
      const __m512i w = is_signed ? _mm512_cvtepi8_epi32(b) : _mm512_cvtepu8_epi32(b);
      _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(w, vz)), vs));
    }
  }
#endif
  for (; i < n; ++i) y[i] = (float)(load_q(q, i, is_signed) - zp) * scale;
}
