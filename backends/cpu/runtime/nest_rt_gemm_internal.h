/* Internals shared by the conv and gemm drivers: the register-tiled micro-kernel on MR-row
 * packed panels and the fused epilogue. Not part of the bundle API. */
#ifndef NEST_RT_GEMM_INTERNAL_H
#define NEST_RT_GEMM_INTERNAL_H

#include "nest_runtime.h"
#include "nest_rt_simd.h"

/* K-block: one kc x NR slice of the packed right-hand side stays in L1 while every MR-row
 * weight panel sweeps over it. */
#ifndef NEST_RT_KC
#define NEST_RT_KC 128
#endif

/* K-block length for a reduction of K: as few blocks as NEST_RT_KC allows, all of (nearly) the same
 * length, so no block is a short remainder (a conv with K = 147, the ResNet stem, runs 74 + 73, not
 * 128 + 19: each block reloads and stores the accumulators). Every output still sums k = 0 .. K-1
 * in order, so the blocking does not change a result. */
static inline int64_t nest_rt_kblock(int64_t K) {
  const int64_t blocks = (K + NEST_RT_KC - 1) / NEST_RT_KC;
  return blocks > 1 ? (K + blocks - 1) / blocks : K;
}

/* Packed weights stream from memory once per run, in the order a sweep reads them, and each
 * block of them is reused only across the tiles of one sweep. Fetching the next block while the
 * current one is in use hides the memory latency that the hardware prefetcher, which stops at
 * every 4 KiB page, leaves. A sweep plans, before each tile call (i = 0 .. n-1), that call's n-th
 * of the `bytes` at `next`; the micro-kernel then fetches those lines into L2 one per reduction
 * step. Fetched in one burst before each call, they filled the miss buffers and the loads of the
 * tile waited behind them (ResNet-50's 7x7 3x3 layers ran 3-17% slower). Lines a call did not
 * reach are fetched when the next one is planned. */
typedef struct nest_rt_pf {
  const char *p;
  int64_t lines;
} nest_rt_pf;

static inline void nest_rt_prefetch_plan(nest_rt_pf *pf, const void *next, int64_t bytes, int64_t i, int64_t n) {
  for (int64_t l = 0; l < pf->lines; ++l) __builtin_prefetch(pf->p + l * 64, 0, 2);
  const int64_t lines = next ? (bytes + 63) / 64 : 0, per = (lines + n - 1) / n, first = i * per;
  pf->lines = first < lines ? (lines - first < per ? lines - first : per) : 0;
  pf->p = pf->lines ? (const char *)next + first * 64 : (const char *)next;
}

/* Inside a kernel's reduction loop: step k fetches the k-th of the `lines` planned lines at p. */
static inline void nest_rt_prefetch_step(const char *p, int64_t lines, int64_t k) {
  if (k < lines) __builtin_prefetch(p + k * 64, 0, 2);
}

/* Activations written by another core (its share of the layer before) are read at the cost of a
 * round trip to that core on each line's first touch: 100-550 ns on the 2-core VM this was tuned
 * on, as the hypervisor placed its vCPUs (tools/core-roundtrip), and in an order (a column of a plane per channel, a tile's rows at table offsets) that
 * the hardware prefetcher does not follow. A kernel fetches the lines its next step reads with
 * this while the current step computes, so that those waits overlap. */
static inline void nest_rt_prefetch_range(const void *p, int64_t bytes) {
  for (int64_t o = 0; o < bytes; o += 64) __builtin_prefetch((const char *)p + o, 0, 3);
}

/* The same for stores. A store into a line that this core does not hold (the other core wrote it
 * last, in another tensor that shared the buffer) waits in the store buffer until the line comes
 * for writing, and the core stalls once that buffer is full of such stores. On the 2-core VM at its
 * far placement (a round trip of about 450 ns), the first call of ResNet-50's 1x1 64 -> 256 conv
 * with a residual took 0.06 ms longer than calls right after it on 2 threads; fetching each next
 * tile's output lines for writing left 0.03 ms of that. A kernel fetches, for writing, the lines its
 * next stores go to (`rows` rows of `floats` floats, `ld` apart) while it computes the current ones.
 * Kernels do so on several threads only: on one, the lines are in this core's cache or in memory,
 * and the extra instructions cost ResNet-50 about 0.3 ms in 41. */
static inline void nest_rt_prefetch_store_rows(float *y, int64_t ld, int64_t rows, int64_t floats) {
  if (floats <= 0) return;
  for (int64_t r = 0; r < rows; ++r) {
    const uintptr_t first = (uintptr_t)(y + r * ld) & ~(uintptr_t)63, last = (uintptr_t)(y + r * ld + floats - 1);
    for (uintptr_t a = first; a <= last; a += 64) __builtin_prefetch((const void *)a, 1, 3);
  }
}

/* Marks the first `steps` planned lines as fetched (a micro-kernel of `steps` reduction steps). */
static inline void nest_rt_prefetch_done(nest_rt_pf *pf, int64_t steps) {
  const int64_t done = pf->lines < steps ? pf->lines : steps;
  if (done <= 0) return;
  pf->p += done * 64;
  pf->lines -= done;
}

/* C[rows x cols] (row pitch ldc) op= A_panel[kc x MR] * B[kc x NR], B row k at b + k * ldb, or at
 * b + boff[k] when boff is not NULL (every row must have ceil(cols / NEST_VL) vectors readable), where
 * rows <= NEST_RT_MR, cols <= NEST_RT_NR and A_panel is k-major with NEST_RT_MR floats per k.
 * first: C is overwritten (with bias[r] per row when bias != NULL, else col_bias[j] per column
 * when col_bias != NULL, which must hold NEST_RT_NR floats, else 0) instead of added to.
 * last: the activation is applied after the update. B columns past `cols` may hold anything.
 * pf: the lines planned by nest_rt_prefetch_plan, fetched during the call (NULL: none). */
void nest_rt_gemm_tile(int64_t kc, const float *a_panel, const float *b, int64_t ldb, const int64_t *boff,
                       float *c, int64_t ldc, int64_t rows, int64_t cols, int first, int last,
                       const float *bias, const float *col_bias, const nest_act *act, nest_rt_pf *pf);
/* The same, and with `last` adds res[r * ldr + j] (rows x cols) to C before the activation, as a
 * separate pass over C would: a conv's residual while its tile is still in registers. */
void nest_rt_gemm_tile_res(int64_t kc, const float *a_panel, const float *b, int64_t ldb, const int64_t *boff,
                           float *c, int64_t ldc, int64_t rows, int64_t cols, int first, int last,
                           const float *bias, const float *col_bias, const float *res, int64_t ldr,
                           const nest_act *act, nest_rt_pf *pf);

/* The same as nest_rt_gemm_tile_res for one column (cols = 1, no col_bias): the few pixels a plane
 * has past its last whole tile (a 7x7 plane: 48 + 1), at about a sixteenth of a vector column's
 * cost instead of a vector column (the 8 rows of a panel at two k per vector). */
void nest_rt_gemm_col(int64_t kc, const float *a_panel, const float *b, int64_t ldb, const int64_t *boff, float *c,
                      int64_t ldc, int64_t rows, int first, int last, const float *bias, const float *res, int64_t ldr,
                      const nest_act *act);

/* An implicit-GEMM conv computes "wide" output positions q = oh * Wq + ow over padded rows of Wq >= OW
 * columns; the positions with ow >= OW are not outputs. Removing them leaves the output plane in
 * order, so the real lanes of a vector of 16 positions are consecutive pixels of the output.
 * nest_rt_wide_map describes the vector of positions [16 v, 16 v + 16): which lanes are real, and the
 * output pixel of the first of them. */
#define NEST_RT_WIDE_VEC 16 /* positions per map entry (the AVX-512 vector), on every target */
typedef struct nest_rt_wide_map {
  uint32_t lanes; /* bit i: position 16 v + i is an output pixel */
  int32_t pixel;  /* its output pixel (when lanes != 0) */
} nest_rt_wide_map;

#if defined(__AVX512F__)
#define NEST_RT_HAVE_WIDE_TILE 1

/* nest_rt_gemm_tile for wide positions [q0, q0 + cols), q0 a multiple of 16, without a residual:
 * the sums start from bias (first) or from the wide tile `part` (pitch ldp, the earlier K-blocks);
 * with last, the act (none, Relu or Clip) is applied and each row's real pixels are stored straight
 * into its output plane y + r * P, through map[q0 / 16 ...]; without, the sums go back to `part`.
 * So a conv on a padded plane needs no wide output tile copied out pixel by pixel afterwards. */
void nest_rt_gemm_tile_wide(int64_t kc, const float *a_panel, const float *b, int64_t ldb, const int64_t *boff,
                            float *part, int64_t ldp, float *y, int64_t P, const nest_rt_wide_map *map,
                            int64_t rows, int64_t cols, int first, int last, const float *bias,
                            const nest_act *act, nest_rt_pf *pf);
#endif

/* Relu and Clip run inside a kernel on registers; the rest afterwards on the stored tile. */
static inline int nest_rt_act_in_registers(const nest_act *act) {
  return act && (act->kind == NEST_ACT_RELU || act->kind == NEST_ACT_CLIP);
}

/* The bounds such an activation clamps to: Relu max(x, 0); Clip min(max(x, params[0]), params[1])
 * (the upper bound is Clip's only). */
static inline float nest_rt_act_lo(const nest_act *act) { return act->kind == NEST_ACT_RELU ? 0.0f : act->params[0]; }
static inline float nest_rt_act_hi(const nest_act *act) { return act->kind == NEST_ACT_CLIP ? act->params[1] : 0.0f; }

/* Rows of weight panel ip (of NEST_RT_MR rows each) that hold real rows of an m-row matrix. */
static inline int64_t nest_rt_panel_rows(int64_t m, int64_t ip) {
  return m - ip * NEST_RT_MR < NEST_RT_MR ? m - ip * NEST_RT_MR : NEST_RT_MR;
}

/* Width of the next tile when `rem` columns are left: NEST_RT_NR, except that a full tile plus one
 * vector or less is split into two tiles of at most 2 vectors each (instead of a 3-vector tile and
 * a much less efficient 1-vector one: a 7x7 plane). */
static inline int64_t nest_rt_tile_cols(int64_t rem) {
  if (rem <= NEST_RT_NR) return rem;
  if (rem > NEST_RT_NR + NEST_VL || NEST_RT_NRV != 3) return NEST_RT_NR;
  const int64_t half = (rem + 1) / 2;
  return (half + NEST_VL - 1) / NEST_VL * NEST_VL;
}

/* dst[k * dst_pitch + i] = src[i * src_pitch + k] for the 8 rows i < 8 and k < K: eight
 * contiguous rows into k-major columns (an A panel, or 8 columns of a transposed B panel),
 * through 8 x 8 register transposes where AVX has them. */
void nest_rt_transpose8(const float *src, int64_t src_pitch, int64_t K, float *dst, int64_t dst_pitch);

#endif /* NEST_RT_GEMM_INTERNAL_H */
