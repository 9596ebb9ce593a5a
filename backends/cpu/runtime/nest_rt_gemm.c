/* Gemm / MatMul on the shared micro-kernel. Constant B is packed at compile time into
 * NEST_RT_NR_MAX-column panels, k-major (panel[k * NR_MAX + j], alpha folded in, zero padded);
 * the kernel packs op(A) into NEST_RT_MR-row panels in scratch, then each target-width column
 * tile of a B panel is swept by every A panel one K-block at a time. */
#include <string.h>

#include "nest_rt_gemm_internal.h"
#include "nest_rt_threads.h"

static int64_t b_panels(const nest_gemm_desc *d) { return (d->N + NEST_RT_NR_MAX - 1) / NEST_RT_NR_MAX; }
static int64_t a_panels(const nest_gemm_desc *d) { return (d->M + NEST_RT_MR - 1) / NEST_RT_MR; }

size_t nest_gemm_f32_packed_b_size(const nest_gemm_desc *d) {
  return (size_t)(b_panels(d) * NEST_RT_NR_MAX * d->K);
}

void nest_gemm_f32_pack_b(const nest_gemm_desc *d, const float *b, float *packed) {
  const int64_t K = d->K, N = d->N;
  for (int64_t jp = 0; jp < b_panels(d); ++jp)
    for (int64_t k = 0; k < K; ++k) {
      float *dst = packed + (jp * K + k) * NEST_RT_NR_MAX;
      for (int64_t j = 0; j < NEST_RT_NR_MAX; ++j) {
        const int64_t n = jp * NEST_RT_NR_MAX + j;
        dst[j] = n < N ? d->alpha * (d->trans_b ? b[n * K + k] : b[k * N + n]) : 0.0f;
      }
    }
}

size_t nest_gemm_f32_packed_scratch_size(const nest_gemm_desc *d) {
  return (size_t)(a_panels(d) * NEST_RT_MR * d->K) * sizeof(float);
}

size_t nest_gemm_f32_scratch_size(const nest_gemm_desc *d) {
  return nest_gemm_f32_packed_scratch_size(d) + nest_gemm_f32_packed_b_size(d) * sizeof(float);
}

static void pack_a(const nest_gemm_desc *d, const float *a, float *packed) {
  const int64_t M = d->M, K = d->K;
  for (int64_t ip = 0; ip < a_panels(d); ++ip) {
    float *dst = packed + ip * NEST_RT_MR * K;
    if (!d->trans_a && (ip + 1) * NEST_RT_MR <= M) {
      nest_rt_transpose8(a + ip * NEST_RT_MR * K, K, K, dst, NEST_RT_MR);
      continue;
    }
    for (int64_t r = 0; r < NEST_RT_MR; ++r) {
      const int64_t m = ip * NEST_RT_MR + r;
      if (m >= M) {
        for (int64_t k = 0; k < K; ++k) dst[k * NEST_RT_MR + r] = 0.0f;
      } else if (d->trans_a) {
        for (int64_t k = 0; k < K; ++k) dst[k * NEST_RT_MR + r] = a[k * M + m];
      } else {
        const float *row = a + m * K;
        for (int64_t k = 0; k < K; ++k) dst[k * NEST_RT_MR + r] = row[k];
      }
    }
  }
}

/* One unit: the NEST_RT_NR-column tile `u` of the output (all rows), against the shared packed A. */
typedef struct gemm_job {
  const nest_gemm_desc *d;
  const float *ap, *packed_b;
  const float *a; /* A itself (the few-rows path reads it unpacked) */
  const float *c; /* a row of C broadcast over the rows (a bias), started from in the first K-block */
  float *y;
  int has_c;      /* y already holds beta * C */
} gemm_job;

static void gemm_unit(void *ctx, int64_t u, void *scratch) {
  const gemm_job *j = (const gemm_job *)ctx;
  const nest_gemm_desc *d = j->d;
  const int64_t M = d->M, N = d->N, K = d->K, per_panel = NEST_RT_NR_MAX / NEST_RT_NR, panels = a_panels(d);
  const int64_t jp = u / per_panel, s = u % per_panel * NEST_RT_NR, col0 = jp * NEST_RT_NR_MAX + s;
  float col_bias[NEST_RT_NR];
  (void)scratch;
  if (col0 >= N) return;
  const int64_t cols = N - col0 < NEST_RT_NR ? N - col0 : NEST_RT_NR;
  if (j->c)
    for (int64_t c = 0; c < NEST_RT_NR; ++c) col_bias[c] = c < cols ? d->beta * j->c[(col0 + c) * d->c_stride_n] : 0.0f;
  const float *bp = j->packed_b + jp * NEST_RT_NR_MAX * K + s;
  nest_rt_pf pf = {0, 0};
  for (int64_t pc = 0, kb = nest_rt_kblock(K); pc < K; pc += kb) {
    const int64_t kc = K - pc < kb ? K - pc : kb;
    /* The next K-block of this B panel (after the last, the next panel's first), fetched
     * during this block's sweep over the A panels. */
    const float *next = pc + kc < K ? bp + (pc + kc) * NEST_RT_NR_MAX : bp + NEST_RT_NR_MAX * K - s;
    const int64_t next_bytes = (pc + kc < K || jp + 1 < b_panels(d)) ? kc * NEST_RT_NR_MAX * (int64_t)sizeof(float) : 0;
    for (int64_t ip = 0; ip < panels; ++ip) {
      const int64_t rows = nest_rt_panel_rows(M, ip);
      nest_rt_prefetch_plan(&pf, next, next_bytes, ip, panels);
      nest_rt_gemm_tile(kc, j->ap + (ip * K + pc) * NEST_RT_MR, bp + pc * NEST_RT_NR_MAX, NEST_RT_NR_MAX, 0,
                        j->y + ip * NEST_RT_MR * N + col0, N, rows, cols, !j->has_c && pc == 0, pc + kc >= K, 0,
                        j->c ? col_bias : 0, &d->act, &pf);
    }
  }
}

/* Fewer rows than one A panel (a batch-1 recurrence step, a classifier head): the 8-row
 * micro-kernel would compute 8 rows for each real one, so each row of A runs against the packed
 * B panels directly, one NR_MAX-column panel per unit, accumulating in registers over all of K. */
#define NEST_RT_GEMV_VECS (NEST_RT_NR_MAX / NEST_VL)

static void gemv_unit(void *ctx, int64_t jp, void *scratch) {
  const gemm_job *j = (const gemm_job *)ctx;
  const nest_gemm_desc *d = j->d;
  const int64_t N = d->N, K = d->K, col0 = jp * NEST_RT_NR_MAX;
  const int64_t cols = N - col0 < NEST_RT_NR_MAX ? N - col0 : NEST_RT_NR_MAX;
  const float *bp = j->packed_b + jp * NEST_RT_NR_MAX * K;
  (void)scratch;
  for (int64_t m = 0; m < d->M; ++m) {
    const float *arow = j->a + m * K;
    nest_vf acc[NEST_RT_GEMV_VECS];
    float out[NEST_RT_NR_MAX];
    float *yr = j->y + m * N + col0;
    /* Each lane starts from C (already in y) and adds the products in k order, as the tile kernel
     * does: the same bytes as the 8-row path. */
    for (int64_t c = 0; c < NEST_RT_NR_MAX; ++c) out[c] = j->has_c && c < cols ? yr[c] : 0.0f;
    for (int v = 0; v < NEST_RT_GEMV_VECS; ++v) acc[v] = nest_vload(out + v * NEST_VL);
    for (int64_t k = 0; k < K; ++k) {
      const nest_vf av = nest_vset1(arow[k]);
      for (int v = 0; v < NEST_RT_GEMV_VECS; ++v) acc[v] = nest_vfma(av, nest_vload(bp + k * NEST_RT_NR_MAX + v * NEST_VL), acc[v]);
    }
    for (int v = 0; v < NEST_RT_GEMV_VECS; ++v) nest_vstore(out + v * NEST_VL, acc[v]);
    memcpy(yr, out, (size_t)cols * sizeof(float));
    nest_act_apply_f32(&d->act, yr, cols);
  }
}

void nest_gemm_f32_packed(const nest_gemm_desc *d, const float *a, const float *packed_b, const float *c,
                          float *y, void *scratch) {
  const int64_t M = d->M, N = d->N, K = d->K;
  const int use_c = c != 0 && d->beta != 0.0f;
  const int tiled = !(M < NEST_RT_MR && !d->trans_a) && K > 0;
  /* A row of C broadcast over the rows (a bias) starts each tile's accumulators; any other C is
   * written to y first and accumulated onto: the same sums either way. */
  const int c_row = use_c && tiled && d->c_stride_m == 0;
  const int has_c = use_c && !c_row;
  if (has_c)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) y[i * N + j] = d->beta * c[i * d->c_stride_m + j * d->c_stride_n];
  if (K == 0) {
    if (!has_c) memset(y, 0, (size_t)(M * N) * sizeof(float));
    nest_act_apply_f32(&d->act, y, M * N);
    return;
  }
  gemm_job j = {d, (const float *)scratch, packed_b, a, c_row ? c : 0, y, has_c};
  if (!tiled) {
    nest_rt_parallel(b_panels(d), gemv_unit, &j, 0, 0);
    return;
  }
  pack_a(d, a, (float *)scratch);
  nest_rt_parallel(b_panels(d) * (NEST_RT_NR_MAX / NEST_RT_NR), gemm_unit, &j, 0, 0);
}

void nest_gemm_f32(const nest_gemm_desc *d, const float *a, const float *b, const float *c, float *y,
                   void *scratch) {
  float *packed_b = (float *)((char *)scratch + nest_gemm_f32_packed_scratch_size(d));
  nest_gemm_f32_pack_b(d, b, packed_b);
  nest_gemm_f32_packed(d, a, packed_b, c, y, scratch);
}
