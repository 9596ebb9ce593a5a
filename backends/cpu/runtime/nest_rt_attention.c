/* Fused attention (nest_attention_f32, nest_runtime.h) on the GEMM micro-kernel: per batch-head,
 * KT and V packed once (read through their strides) into the GEMM's B panels, then blocks of
 * query rows (strided rows packed) through scores, softmax and the product with V, all in this
 * thread's scratch. */
#include <string.h>

#include "nest_rt_gemm_internal.h"
#include "nest_rt_misc.h"
#include "nest_rt_threads.h"

/* Query rows per block: two A panels, so that each packed B row serves 16 rows while the block's
 * scores (NEST_RT_ATTN_ROWS x sk floats) stay in L1 / L2. */
#define NEST_RT_ATTN_ROWS (2 * NEST_RT_MR)

static int64_t b_panels(int64_t n) { return (n + NEST_RT_NR_MAX - 1) / NEST_RT_NR_MAX; }
static size_t floats_aligned(int64_t n) { return (size_t)((n + 15) / 16 * 16); } /* 64-byte multiples */

/* Scratch layout, in floats: packed KT | packed V | packed A (query or probability rows) | scores
 * | the block's result rows (only when Y's columns are not contiguous). */
typedef struct attn_layout {
  size_t kt, v, a, s, o, total;
} attn_layout;

static attn_layout layout_of(const nest_attention_desc *d) {
  attn_layout l;
  const int64_t kmax = d->d > d->sk ? d->d : d->sk;
  l.kt = 0;
  l.v = l.kt + floats_aligned(b_panels(d->sk) * NEST_RT_NR_MAX * d->d);
  l.a = l.v + floats_aligned(b_panels(d->dv) * NEST_RT_NR_MAX * d->sk);
  l.s = l.a + floats_aligned(NEST_RT_ATTN_ROWS * kmax);
  l.o = l.s + floats_aligned(NEST_RT_ATTN_ROWS * d->sk);
  l.total = l.o + (d->y_col_stride == 1 ? 0 : floats_aligned(NEST_RT_ATTN_ROWS * d->dv));
  return l;
}

size_t nest_attention_f32_scratch_size(const nest_attention_desc *d) { return layout_of(d).total * sizeof(float); }

/* B [k x n], element (r, c) at b[r * rs + c * cs], into the GEMM's NR_MAX-column panels (the
 * layout of nest_gemm_f32_pack_b, zero padded). Walks the stored tensor's contiguous axis: by
 * rows when cs <= rs (KT [d, Sk] or V [Sk, dv] as stored), by columns otherwise (keys stored
 * [Sk, d] and read as KT, the heads' [S, H, D] projection). */
static void pack_b(const float *b, int64_t k, int64_t n, int64_t rs, int64_t cs, float *packed) {
  int64_t jp, r, j;
  for (jp = 0; jp < b_panels(n); ++jp) {
    float *panel = packed + jp * k * NEST_RT_NR_MAX;
    const int64_t c0 = jp * NEST_RT_NR_MAX, width = n - c0 < NEST_RT_NR_MAX ? n - c0 : NEST_RT_NR_MAX;
    if (cs == 1) { /* rows of B are contiguous: copy them */
      for (r = 0; r < k; ++r) {
        memcpy(panel + r * NEST_RT_NR_MAX, b + r * rs + c0, (size_t)width * sizeof(float));
        memset(panel + r * NEST_RT_NR_MAX + width, 0, (size_t)(NEST_RT_NR_MAX - width) * sizeof(float));
      }
    } else if (rs == 1) { /* columns of B are contiguous (keys read as KT): transpose 8 at a time */
      for (j = 0; j + 8 <= width; j += 8) nest_rt_transpose8(b + (c0 + j) * cs, cs, k, panel + j, NEST_RT_NR_MAX);
      for (r = 0; r < k; ++r)
        for (int64_t t = j; t < NEST_RT_NR_MAX; ++t) panel[r * NEST_RT_NR_MAX + t] = t < width ? b[(c0 + t) * cs + r] : 0.0f;
    } else if (cs <= rs) {
      for (r = 0; r < k; ++r) {
        float *dst = panel + r * NEST_RT_NR_MAX;
        const float *src = b + r * rs;
        for (j = 0; j < NEST_RT_NR_MAX; ++j) {
          const int64_t c = jp * NEST_RT_NR_MAX + j;
          dst[j] = c < n ? src[c * cs] : 0.0f;
        }
      }
    } else {
      for (j = 0; j < NEST_RT_NR_MAX; ++j) {
        const int64_t c = jp * NEST_RT_NR_MAX + j;
        if (c >= n) {
          for (r = 0; r < k; ++r) panel[r * NEST_RT_NR_MAX + j] = 0.0f;
        } else {
          const float *src = b + c * cs;
          for (r = 0; r < k; ++r) panel[r * NEST_RT_NR_MAX + j] = src[r * rs];
        }
      }
    }
  }
}

/* `rows` (<= NEST_RT_ATTN_ROWS) rows of k floats, element (m, c) at a[m * rs + c * cs], into
 * MR-row panels, k-major, zero padded. */
static void pack_rows(const float *a, int64_t rows, int64_t k, int64_t rs, int64_t cs, float *packed) {
  int64_t ip, r, c;
  for (ip = 0; ip * NEST_RT_MR < rows; ++ip) {
    float *dst = packed + ip * NEST_RT_MR * k;
    if (cs == 1 && (ip + 1) * NEST_RT_MR <= rows) {
      nest_rt_transpose8(a + ip * NEST_RT_MR * rs, rs, k, dst, NEST_RT_MR);
      continue;
    }
    for (r = 0; r < NEST_RT_MR; ++r) {
      const int64_t m = ip * NEST_RT_MR + r;
      if (m >= rows) {
        for (c = 0; c < k; ++c) dst[c * NEST_RT_MR + r] = 0.0f;
      } else {
        const float *row = a + m * rs;
        for (c = 0; c < k; ++c) dst[c * NEST_RT_MR + r] = row[c * cs];
      }
    }
  }
}

/* C[rows x n] (pitch ldc) = A (packed rows, depth k) x B (packed panels), on this thread. */
static void gemm_rows(int64_t rows, int64_t k, int64_t n, const float *a, const float *b, float *c, int64_t ldc) {
  const int64_t per_panel = NEST_RT_NR_MAX / NEST_RT_NR;
  int64_t jp, t, pc, ip;
  for (jp = 0; jp < b_panels(n); ++jp)
    for (t = 0; t < per_panel; ++t) {
      const int64_t col0 = jp * NEST_RT_NR_MAX + t * NEST_RT_NR;
      if (col0 >= n) break;
      const int64_t cols = n - col0 < NEST_RT_NR ? n - col0 : NEST_RT_NR;
      const float *bp = b + jp * NEST_RT_NR_MAX * k + t * NEST_RT_NR;
      const int64_t kb = nest_rt_kblock(k);
      for (pc = 0; pc < k; pc += kb) {
        const int64_t kc = k - pc < kb ? k - pc : kb;
        for (ip = 0; ip * NEST_RT_MR < rows; ++ip) {
          const int64_t r = nest_rt_panel_rows(rows, ip);
          nest_rt_gemm_tile(kc, a + (ip * k + pc) * NEST_RT_MR, bp + pc * NEST_RT_NR_MAX, NEST_RT_NR_MAX, 0,
                            c + ip * NEST_RT_MR * ldc + col0, ldc, r, cols, pc == 0, pc + kc >= k, 0, 0, 0, 0);
        }
      }
    }
}

typedef struct attn_job {
  const nest_attention_desc *d;
  const float *q, *kt, *v, *mask;
  const int64_t *off;
  float *y;
} attn_job;

static void attention_head(void *ctx, int64_t b, void *scratch) {
  const attn_job *j = (const attn_job *)ctx;
  const nest_attention_desc *d = j->d;
  const attn_layout l = layout_of(d);
  float *base = (float *)scratch, *pkt = base + l.kt, *pv = base + l.v, *pa = base + l.a, *s = base + l.s;
  const int64_t *off = j->off + 5 * b;
  const float *q = j->q + off[0];
  float *y = j->y + off[3];
  /* Y's rows go straight to the result when its columns are contiguous, else through scratch. */
  const int direct = d->y_col_stride == 1;
  float *o = direct ? NULL : base + l.o;
  int64_t r0, i, c;
  pack_b(j->kt + off[1], d->d, d->sk, d->kt_row_stride, d->kt_col_stride, pkt);
  pack_b(j->v + off[2], d->sk, d->dv, d->v_row_stride, d->v_col_stride, pv);
  for (r0 = 0; r0 < d->sq; r0 += NEST_RT_ATTN_ROWS) {
    const int64_t rows = d->sq - r0 < NEST_RT_ATTN_ROWS ? d->sq - r0 : NEST_RT_ATTN_ROWS;
    pack_rows(q + r0 * d->q_row_stride, rows, d->d, d->q_row_stride, d->q_col_stride, pa);
    gemm_rows(rows, d->d, d->sk, pa, pkt, s, d->sk);
    for (i = 0; i < rows; ++i) {
      float *row = s + i * d->sk;
      if (j->mask) {
        const float *m = j->mask + off[4] + (r0 + i) * d->mask_row_stride;
        for (c = 0; c < d->sk; ++c) row[c] = row[c] * d->scale + m[c * d->mask_col_stride];
      } else {
        for (c = 0; c < d->sk; ++c) row[c] *= d->scale;
      }
      nest_softmax_row_f32(row, row, d->sk);
    }
    pack_rows(s, rows, d->sk, d->sk, 1, pa);
    if (direct) {
      gemm_rows(rows, d->sk, d->dv, pa, pv, y + r0 * d->y_row_stride, d->y_row_stride);
    } else {
      gemm_rows(rows, d->sk, d->dv, pa, pv, o, d->dv);
      for (i = 0; i < rows; ++i)
        for (c = 0; c < d->dv; ++c) y[(r0 + i) * d->y_row_stride + c * d->y_col_stride] = o[i * d->dv + c];
    }
  }
}

void nest_attention_f32(const nest_attention_desc *d, const float *q, const float *kt, const float *v,
                        const float *mask, const int64_t *off, float *y, void *scratch) {
  attn_job j;
  j.d = d, j.q = q, j.kt = kt, j.v = v, j.mask = mask, j.off = off, j.y = y;
  nest_rt_parallel(d->batch, attention_head, &j, scratch, nest_attention_f32_scratch_size(d));
}
