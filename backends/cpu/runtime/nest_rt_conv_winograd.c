/* 3x3 stride-1 convs as Winograd F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional
 * Neural Networks", 2016): each 2x2 block of outputs ("tile") comes from its 4x4 input patch d as
 *   Y = A^T [ (G g G^T) (.) (B^T d B) ] A,
 * so the 36 multiply-adds per output pair of channels become 16 per tile (2.25x fewer). The 16
 * products of a tile, summed over input channels, are 16 independent GEMMs
 *   M_xi[m, t] = sum_c U_xi[m, c] V_xi[c, t],   U = G g G^T (weights), V = B^T d B (input),
 * which run on the packed-panel micro-kernel of nest_rt_gemm_kernel.c. The transforms use only
 * additions, subtractions and halvings (of the weights, at compile time), so the error stays that
 * of the direct sum within a small factor.
 *
 * Work is cut into blocks of tiles (the GEMM columns, in row-major tile order). With many blocks a
 * unit is a block: it transforms the block's input (V, all channels) into its scratch, runs the 16
 * GEMMs for up to WINO_MC output channels at a time into M, and transforms M into the output,
 * adding bias, residual and activation. With few blocks on several threads, a block at a time:
 * its output channels by chunks, each thread transforming the block's input once, for itself. Each output
 * depends only on its tile, so results are the same for any thread count. The input is first
 * copied, zero padded, into planes followed by room for the whole vectors of the last tile row. */
#include <string.h>

#include "nest_rt_conv_internal.h"
#include "nest_rt_gemm_internal.h"
#include "nest_rt_threads.h"

/* Zeros after the padded planes (wino_plan). */
#define WINO_PAD_SLACK (2 * NEST_RT_VL_MAX)

/* Output channels whose 16 GEMM results a unit keeps at once (M holds 16 x WINO_MC x pitch). */
#define WINO_MC 64

int nest_rt_conv_is_winograd(const nest_conv2d_desc *d) {
  const int64_t tiles = (d->OH + 1) / 2 * ((d->OW + 1) / 2);
  return d->group == 1 && d->KH == 3 && d->KW == 3 && d->stride_h == 1 && d->stride_w == 1 &&
         d->dilation_h == 1 && d->dilation_w == 1 && d->C >= NEST_RT_WINOGRAD_MIN_C && tiles >= NEST_RT_WINOGRAD_MIN_TILES;
}

typedef struct wino_layout {
  int64_t TH, TW, T;      /* tiles per column and row, and in all */
  int64_t PH, PW;         /* padded plane: rows, and row pitch (a multiple of the vector width) */
  int64_t block, blocks;  /* tiles per block (GEMM columns, a multiple of NEST_RT_NR_MAX), and blocks */
  int64_t pitch;          /* row pitch of V and M: block + NEST_RT_VL_MAX, room for a last block's remainder */
  int64_t m_chan;         /* M's floats per output channel: its 16 rows, and a cache line so that
                           * channels do not start 4 KB apart (the micro-kernel's rows would share L1 sets) */
  size_t v_off, m_off, stage_off, per_thread; /* per-thread scratch: V (16 x C x pitch), M (WINO_MC x m_chan), stage */
  /* Few blocks: then a padded copy of the input of the thread's own. The caller's lies where the
   * many-blocks path keeps the shared padded input, which the whole blocks have finished with. */
  size_t own_pad_off, per_thread_own_pad;
  size_t pad_off, total; /* many blocks: the caller's scratch also holds the padded input */
} wino_layout;

static wino_layout wino_plan(const nest_conv2d_desc *d) {
  wino_layout l;
  l.TH = (d->OH + 1) / 2;
  l.TW = (d->OW + 1) / 2;
  l.T = l.TH * l.TW;
  l.PH = 2 * l.TH + 2;
  /* The input transform's vectors read up to WINO_PAD_SLACK floats past a tile row's end: into the
   * next row (lanes of tiles the run does not hold) and, after the last plane, into zeros. With
   * that slack in every row as well, the padded copy of a 14x14 input was 3 times the size of this
   * one and of a 28x28 input twice: in a loop on one thread, ResNet-50's 28x28 and 56x56 3x3 layers
   * ran 2-5% slower, its 14x14 ones and GoogLeNet's 1-2%. */
  l.PW = NEST_RT_ALIGN_UP(2 * l.TW + 2, NEST_RT_VL_MAX);
  /* two micro-kernel tiles of columns while V stays small (few input channels), else one */
  l.block = (d->C <= 64 ? 2 : 1) * NEST_RT_NR_MAX;
  const int64_t need = NEST_RT_ALIGN_UP(l.T, NEST_RT_NR_MAX);
  if (l.block > need) l.block = need;
  /* A remainder of up to one vector of tiles joins the last block instead of making a block of its
   * own: each block sweeps all the weights (a 14x14 output, 49 tiles, with 4 MB of weights: one
   * block of 49, not 48 and 1). */
  l.blocks = l.T / l.block;
  if (l.blocks == 0 || l.T % l.block > NEST_RT_VL_MAX) ++l.blocks;
  l.pitch = l.block + NEST_RT_VL_MAX;
  l.m_chan = 16 * l.pitch + NEST_RT_VL_MAX;
  size_t at = 0;
  l.v_off = at;
  at += (size_t)(16 * d->C * l.pitch) * sizeof(float);
  l.m_off = at;
  at += (size_t)(WINO_MC * l.m_chan) * sizeof(float);
  l.stage_off = at; /* 16 rows of pitch + NEST_RT_VL_MAX floats: room for the last run's whole vectors */
  at += (size_t)(16 * (l.pitch + NEST_RT_VL_MAX)) * sizeof(float);
  l.per_thread = at;
  const size_t padded_bytes = (size_t)(d->C * l.PH * l.PW + WINO_PAD_SLACK) * sizeof(float);
  l.own_pad_off = NEST_RT_ALIGN_UP(at, 64);
  l.per_thread_own_pad = l.own_pad_off + padded_bytes;
  l.pad_off = NEST_RT_ALIGN_UP(at, 64);
  l.total = l.pad_off + padded_bytes;
  if (l.total < l.per_thread_own_pad) l.total = l.per_thread_own_pad;
  return l;
}

size_t nest_rt_conv_winograd_scratch_size(const nest_conv2d_desc *d) { return wino_plan(d).total; }

size_t nest_rt_conv_winograd_packed_size(const nest_conv2d_desc *d) {
  return (size_t)(16 * nest_rt_conv_panels(d) * NEST_RT_MR * d->C);
}

/* U_xi for every (m, c), in packed panels per xi: xi-major, then as nest_rt_conv_panel with K = C. */
void nest_rt_conv_winograd_pack(const nest_conv2d_desc *d, const float *w, const float *scale, float *packed) {
  const int64_t C = d->C, panels = nest_rt_conv_panels(d), per_xi = panels * NEST_RT_MR * C;
  for (int64_t m = 0; m < panels * NEST_RT_MR; ++m)
    for (int64_t c = 0; c < C; ++c) {
      double u[16] = {0};
      if (m < d->M) {
        const float *g = w + (m * C + c) * 9;
        const double s = scale ? scale[m] : 1.0;
        double gg[4][3]; /* G g: rows g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2 */
        for (int j = 0; j < 3; ++j) {
          const double g0 = g[j] * s, g1 = g[3 + j] * s, g2 = g[6 + j] * s;
          gg[0][j] = g0, gg[1][j] = 0.5 * (g0 + g1 + g2), gg[2][j] = 0.5 * (g0 - g1 + g2), gg[3][j] = g2;
        }
        for (int i = 0; i < 4; ++i) { /* (G g) G^T */
          u[4 * i + 0] = gg[i][0];
          u[4 * i + 1] = 0.5 * (gg[i][0] + gg[i][1] + gg[i][2]);
          u[4 * i + 2] = 0.5 * (gg[i][0] - gg[i][1] + gg[i][2]);
          u[4 * i + 3] = gg[i][2];
        }
      }
      const int64_t kb = nest_rt_kblock(C), pc = c / kb * kb, kc = C - pc < kb ? C - pc : kb;
      for (int xi = 0; xi < 16; ++xi)
        nest_rt_conv_panel(packed + xi * per_xi, panels, pc, kc, m / NEST_RT_MR)[(c - pc) * NEST_RT_MR + m % NEST_RT_MR] =
            (float)u[xi];
    }
}

typedef struct wino_job {
  const nest_conv2d_desc *d;
  wino_layout l;
  const float *x, *packed_w, *bias, *residual; /* x, residual, y: this image */
  float *y, *padded;
  int64_t rows_per_chunk; /* output channels per unit (all of them with many blocks) */
  int64_t blk;            /* few blocks: the block being computed */
  nest_rt_thread_set transformed; /* few blocks: the threads that have transformed block blk */
} wino_job;

/* The zeros after the padded planes (wino_plan) that the last tile row's vectors read. */
static void clear_pad_slack(const wino_job *j, float *padded) {
  memset(padded + j->d->C * j->l.PH * j->l.PW, 0, WINO_PAD_SLACK * sizeof(float));
}

/* Channels [c0, c1) of the image into the zero-padded plane. */
static void pad_unit(void *ctx, int64_t u, void *scratch) {
  const wino_job *j = (const wino_job *)ctx;
  const nest_conv2d_desc *d = j->d;
  const int64_t c0 = u * 8, c1 = c0 + 8 < d->C ? c0 + 8 : d->C;
  (void)scratch;
  nest_rt_pad_channels(d, j->x, j->padded, j->l.PH, j->l.PW, c0, c1);
  if (c1 == d->C) clear_pad_slack(j, j->padded);
}

/* A run of n tiles of tile row th, starting at tile column tw0, at column q of the block. */
typedef struct tile_run {
  int64_t th, tw0, n, q;
} tile_run;

/* Tiles [t0, t1) cut at tile-row ends; returns the number of runs (at most t1 - t0). */
static int64_t block_runs(const wino_layout *l, int64_t t0, int64_t t1, tile_run *runs) {
  int64_t k = 0;
  for (int64_t t = t0; t < t1; ++k) {
    runs[k].th = t / l->TW, runs[k].tw0 = t % l->TW, runs[k].q = t - t0;
    runs[k].n = l->TW - runs[k].tw0 < t1 - t ? l->TW - runs[k].tw0 : t1 - t;
    t += runs[k].n;
  }
  return k;
}

/* V[xi][c][q] = (B^T d B)[xi] of the block's tiles, all channels, from `padded` (the shared padded
 * input, or a thread's own copy). B^T rows: d0 - d2, d1 + d2, d2 - d1, d1 - d3. A channel's 16
 * rows are built in `stage` (in L1) and then copied to V whole: stored straight into V, each
 * vector's 16 scattered, partly overlapping lines cost more than the arithmetic. */
static void input_transform(const wino_job *j, const float *padded, int64_t t0, int64_t t1, int64_t c0, int64_t c1,
                            float *V, float *stage) {
  const wino_layout *l = &j->l;
  const int64_t C = j->d->C, PW = l->PW, B = l->pitch, SB = B + NEST_RT_VL_MAX; /* stage row pitch */
  tile_run runs[2 * NEST_RT_NR_MAX + NEST_RT_VL_MAX]; /* a run per tile at most */
  const int64_t nruns = block_runs(l, t0, t1, runs);
  /* the rows of channel c + 2 that the block reads are fetched while channel c is transformed:
   * padded by channels, half of them on the other core (ResNet-50's 56x56 and 28x28 layers, 2
   * threads: 0.01-0.04 ms faster each) */
  const int64_t row0 = 2 * runs[0].th, rows = 2 * runs[nruns - 1].th + 4 - row0;
  for (int64_t c = c0; c < c1; ++c) {
    if (c + 2 < c1) nest_rt_prefetch_range(padded + ((c + 2) * l->PH + row0) * PW, rows * PW * (int64_t)sizeof(float));
    for (int64_t k = 0; k < nruns; ++k) {
      const int64_t n = runs[k].n;
      const float *p = padded + (c * l->PH + 2 * runs[k].th) * PW + 2 * runs[k].tw0;
      float *v = stage + runs[k].q;
      for (int64_t i = 0; i < n; i += NEST_VL, p += 2 * NEST_VL, v += NEST_VL) {
        nest_vf r[4][4], t[4][4];
        for (int a = 0; a < 4; ++a)
          for (int b = 0; b < 4; ++b) r[a][b] = nest_vload_even(p + a * PW + b); /* d[a][b] of VL tiles */
        for (int b = 0; b < 4; ++b) {
          t[0][b] = nest_vsub(r[0][b], r[2][b]);
          t[1][b] = nest_vadd(r[1][b], r[2][b]);
          t[2][b] = nest_vsub(r[2][b], r[1][b]);
          t[3][b] = nest_vsub(r[1][b], r[3][b]);
        }
        /* whole vectors: lanes past the run are rewritten by the next run, or lie past t1 */
        for (int a = 0; a < 4; ++a) {
          nest_vstore(v + (4 * a + 0) * SB, nest_vsub(t[a][0], t[a][2]));
          nest_vstore(v + (4 * a + 1) * SB, nest_vadd(t[a][1], t[a][2]));
          nest_vstore(v + (4 * a + 2) * SB, nest_vsub(t[a][2], t[a][1]));
          nest_vstore(v + (4 * a + 3) * SB, nest_vsub(t[a][1], t[a][3]));
        }
      }
    }
    for (int xi = 0; xi < 16; ++xi) memcpy(V + (xi * C + c) * B, stage + xi * SB, (size_t)B * sizeof(float));
  }
}

/* A piece of one vector of VL tiles (GEMM columns [q, q + VL) of the block) that lies in one tile
 * row: its output pairs, zipped, are elements [from, to) of a store at plane offset `off` (output
 * row 2 th, the zip's element e at column 2 tw0 + e - from), and at off + OW when that row exists. */
typedef struct out_piece {
  int64_t q, off;
  int from, to, second_row;
} out_piece;

/* Tiles [t0, t1) in vectors of VL, each cut at tile-row ends; returns the number of pieces. */
static int64_t block_pieces(const wino_layout *l, const nest_conv2d_desc *d, int64_t t0, int64_t t1,
                            out_piece *pieces) {
  int64_t k = 0;
  for (int64_t q = 0; t0 + q < t1; q += NEST_VL)
    for (int64_t t = t0 + q, end = t0 + q + NEST_VL < t1 ? t0 + q + NEST_VL : t1; t < end; ++k) {
      const int64_t th = t / l->TW, tw0 = t % l->TW, n = l->TW - tw0 < end - t ? l->TW - tw0 : end - t;
      const int64_t lane = t - t0 - q, cols = 2 * n < d->OW - 2 * tw0 ? 2 * n : d->OW - 2 * tw0;
      pieces[k].q = q;
      pieces[k].off = 2 * th * d->OW + 2 * tw0 - 2 * lane;
      pieces[k].from = (int)(2 * lane), pieces[k].to = (int)(2 * lane + cols);
      pieces[k].second_row = 2 * th + 1 < d->OH;
      t += n;
    }
  return k;
}

/* One output row of a piece: its zipped pairs, then (unless done in registers) residual and activation. */
static inline void store_piece_row(const wino_job *j, float *dst, const float *res, nest_vf a, nest_vf b, int from,
                                   int to, int in_registers) {
  nest_vstore_zip_range(dst, a, b, from, to);
  if (in_registers) return;
  if (res)
    for (int k = from; k < to; ++k) dst[k] += res[k];
  nest_act_apply_f32(&j->d->act, dst + from, to - from);
}

/* Output channels [m0, m1) of the block's tiles from M (channel m's 16 rows from Mb + (m - m0) *
 * m_chan, row xi at xi * pitch): A^T rows s = M0 + M1 + M2 and r = M1 - M2 - M3, then the same on
 * columns; plus bias, residual and activation. A vector holds VL consecutive tiles, across tile
 * rows: on a 13x13 or 14x14 output (7 tiles a row) a vector per tile row left most lanes empty. */
static void output_transform(const wino_job *j, int64_t t0, int64_t t1, const float *Mb, int64_t m0, int64_t m1) {
  const nest_conv2d_desc *d = j->d;
  const wino_layout *l = &j->l;
  const int64_t B = l->pitch, OW = d->OW, P = d->OH * d->OW;
  const int in_registers = !j->residual && (d->act.kind == NEST_ACT_RELU || d->act.kind == NEST_ACT_CLIP);
  const int clip = d->act.kind == NEST_ACT_CLIP, prefetch_stores = nest_get_threads() > 1;
  const nest_vf lo = nest_vset1(nest_rt_act_lo(&d->act));
  const nest_vf hi = nest_vset1(nest_rt_act_hi(&d->act));
  out_piece pieces[2 * NEST_RT_NR_MAX + NEST_RT_VL_MAX]; /* a piece per tile at most */
  const int64_t npieces = block_pieces(l, d, t0, t1, pieces);
  for (int64_t m = m0; m < m1; ++m) {
    const nest_vf bias = nest_vset1(j->bias ? j->bias[m] : 0.0f);
    const float *mm = Mb + (m - m0) * l->m_chan;
    float *ym = j->y + m * P;
    const float *rm = j->residual ? j->residual + m * P : NULL;
    if (prefetch_stores && m + 1 < m1) /* the next channel's outputs of these tiles */
      for (int64_t k = 0; k < npieces; ++k)
        nest_rt_prefetch_store_rows(ym + P + pieces[k].off + pieces[k].from, OW, pieces[k].second_row ? 2 : 1,
                                    pieces[k].to - pieces[k].from);
    for (int64_t k = 0; k < npieces;) {
      const float *at = mm + pieces[k].q;
      nest_vf s[4], r[4], y00, y01, y10, y11;
      for (int b = 0; b < 4; ++b) {
        const nest_vf v0 = nest_vload(at + b * B), v1 = nest_vload(at + (4 + b) * B);
        const nest_vf v2 = nest_vload(at + (8 + b) * B), v3 = nest_vload(at + (12 + b) * B);
        s[b] = nest_vadd(nest_vadd(v0, v1), v2);
        r[b] = nest_vsub(nest_vsub(v1, v2), v3);
      }
      y00 = nest_vadd(nest_vadd(nest_vadd(s[0], s[1]), s[2]), bias);
      y01 = nest_vadd(nest_vsub(nest_vsub(s[1], s[2]), s[3]), bias);
      y10 = nest_vadd(nest_vadd(nest_vadd(r[0], r[1]), r[2]), bias);
      y11 = nest_vadd(nest_vsub(nest_vsub(r[1], r[2]), r[3]), bias);
      if (in_registers) {
        y00 = nest_vmax(y00, lo), y01 = nest_vmax(y01, lo), y10 = nest_vmax(y10, lo), y11 = nest_vmax(y11, lo);
        if (clip) y00 = nest_vmin(y00, hi), y01 = nest_vmin(y01, hi), y10 = nest_vmin(y10, hi), y11 = nest_vmin(y11, hi);
      }
      const int64_t q = pieces[k].q;
      for (; k < npieces && pieces[k].q == q; ++k) {
        const out_piece *pc = &pieces[k];
        store_piece_row(j, ym + pc->off, rm ? rm + pc->off : NULL, y00, y01, pc->from, pc->to, in_registers);
        if (pc->second_row)
          store_piece_row(j, ym + pc->off + OW, rm ? rm + pc->off + OW : NULL, y10, y11, pc->from, pc->to,
                          in_registers);
      }
    }
  }
}

/* Tiles [t0, t1) of block blk. */
static void block_tiles(const wino_layout *l, int64_t blk, int64_t *t0, int64_t *t1) {
  *t0 = blk * l->block;
  *t1 = blk == l->blocks - 1 ? l->T : *t0 + l->block;
}

/* The 16 GEMMs of the block's tiles from V, for output channels [c0, c1), and their output transform. */
static void gemms_and_output(const wino_job *j, int64_t t0, int64_t t1, int64_t c0, int64_t c1, const float *V,
                             float *Mb) {
  const nest_conv2d_desc *d = j->d;
  const int64_t C = d->C, B = j->l.pitch, panels = nest_rt_conv_panels(d), per_xi = panels * NEST_RT_MR * C;
  const int64_t cols_all = t1 - t0;
  nest_rt_pf pf = {0, 0};
  for (int64_t m0 = c0; m0 < c1; m0 += WINO_MC) {
    const int64_t m1 = m0 + WINO_MC < c1 ? m0 + WINO_MC : c1;
    const int64_t ip0 = m0 / NEST_RT_MR, ip1 = (m1 + NEST_RT_MR - 1) / NEST_RT_MR, kb = nest_rt_kblock(C);
    int64_t tiles = 0; /* micro-kernel tiles of columns per K-block */
    for (int64_t q0 = 0; q0 < cols_all; q0 += nest_rt_tile_cols(cols_all - q0)) ++tiles;
    for (int xi = 0; xi < 16; ++xi)
      for (int64_t pc = 0; pc < C; pc += kb) {
        const int64_t kc = C - pc < kb ? C - pc : kb;
        /* The chunk's panels of the next K-block (or the next xi's first), fetched into L2 during
         * this one: once per block of tiles they stream from memory (16/9 of the direct weights). */
        const int64_t nxi = pc + kc < C ? xi : xi + 1, npc = pc + kc < C ? pc + kc : 0;
        const int64_t nkc = C - npc < kb ? C - npc : kb;
        const float *next = nxi < 16 ? nest_rt_conv_panel(j->packed_w + nxi * per_xi, panels, npc, nkc, ip0) : 0;
        const int64_t next_bytes = nxi < 16 ? (ip1 - ip0) * NEST_RT_MR * nkc * (int64_t)sizeof(float) : 0;
        int64_t call = 0;
        for (int64_t q0 = 0, cols; q0 < cols_all; q0 += cols) {
          cols = nest_rt_tile_cols(cols_all - q0);
          for (int64_t ip = ip0; ip < ip1; ++ip, ++call) {
            const float *a = nest_rt_conv_panel(j->packed_w + xi * per_xi, panels, pc, kc, ip);
            const int64_t m = ip * NEST_RT_MR, rows = m1 - m < NEST_RT_MR ? m1 - m : NEST_RT_MR;
            nest_rt_prefetch_plan(&pf, next, next_bytes, call, tiles * (ip1 - ip0));
            nest_rt_gemm_tile(kc, a, V + (xi * C + pc) * B + q0, B, 0, Mb + (m - m0) * j->l.m_chan + xi * B + q0, j->l.m_chan,
                              rows, cols, pc == 0, pc + kc >= C, 0, 0, 0, &pf);
          }
        }
      }
    output_transform(j, t0, t1, Mb, m0, m1);
  }
}

/* Many blocks: unit u is block u, all output channels, with V in this thread's scratch. */
static void block_unit(void *ctx, int64_t u, void *scratch) {
  const wino_job *j = (const wino_job *)ctx;
  const wino_layout *l = &j->l;
  int64_t t0, t1;
  block_tiles(l, u, &t0, &t1);
  float *V = (float *)((char *)scratch + l->v_off);
  input_transform(j, j->padded, t0, t1, 0, j->d->C, V, (float *)((char *)scratch + l->stage_off));
  gemms_and_output(j, t0, t1, 0, j->d->M, V, (float *)((char *)scratch + l->m_off));
}

/* Few blocks on several threads, a block at a time, its output channels by chunks: before its first
 * chunk each thread pads and transforms the block's whole input into its own scratch. The input
 * transform is repeated on every thread, but no thread reads a V that another core wrote: on the
 * 2-core machine this was tuned on, each such line cost a round trip of up to 550 ns, and a shared
 * V (ResNet-50's 14x14 layers: 1 MB, half of it from the other core) made those layers scale 1.3x. */
static void own_v_unit(void *ctx, int64_t u, void *scratch) {
  wino_job *j = (wino_job *)ctx;
  char *s = (char *)scratch;
  float *V = (float *)(s + j->l.v_off);
  const int64_t c0 = u * j->rows_per_chunk, c1 = c0 + j->rows_per_chunk < j->d->M ? c0 + j->rows_per_chunk : j->d->M;
  int64_t t0, t1;
  block_tiles(&j->l, j->blk, &t0, &t1);
  if (nest_rt_first_in_thread(&j->transformed, scratch)) {
    float *padded = (float *)(s + j->l.own_pad_off);
    nest_rt_pad_channels(j->d, j->x, padded, j->l.PH, j->l.PW, 0, j->d->C);
    clear_pad_slack(j, padded);
    input_transform(j, padded, t0, t1, 0, j->d->C, V, (float *)(s + j->l.stage_off));
  }
  gemms_and_output(j, t0, t1, c0, c1, V, (float *)(s + j->l.m_off));
}

void nest_rt_conv_winograd_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w, const float *bias,
                               const float *residual, float *y, void *scratch) {
  wino_job j;
  j.d = d;
  j.l = wino_plan(d);
  j.packed_w = packed_w;
  j.bias = bias;
  j.padded = (float *)((char *)scratch + j.l.pad_off);
  /* Whole blocks are the units while every thread gets as many; the blocks left over (fewer than
   * the threads) run one at a time with their output channels split into chunks. */
  const int64_t threads = nest_get_threads(), blocks = j.l.blocks;
  const int64_t whole = threads > 1 ? blocks / threads * threads : blocks, left = blocks - whole;
  j.rows_per_chunk = d->M;
  int64_t chunks = 1;
  if (left > 0) {
    const int64_t panels = nest_rt_conv_panels(d);
    j.rows_per_chunk = nest_rt_ceil_div(panels, nest_rt_ceil_div(4 * threads, left)) * NEST_RT_MR;
    chunks = nest_rt_ceil_div(d->M, j.rows_per_chunk);
  }
  const int64_t P = d->OH * d->OW;
  for (int64_t n = 0; n < d->N; ++n) {
    j.x = x + n * d->C * d->H * d->W;
    j.y = y + n * d->M * P;
    j.residual = residual ? residual + n * d->M * P : NULL;
    if (whole > 0) nest_rt_parallel(nest_rt_ceil_div(d->C, 8), pad_unit, &j, 0, 0);
    nest_rt_parallel(whole, block_unit, &j, scratch, j.l.per_thread);
    for (j.blk = whole; j.blk < blocks; ++j.blk) {
      nest_rt_thread_set_clear(&j.transformed);
      nest_rt_parallel(chunks, own_v_unit, &j, scratch, j.l.per_thread_own_pad);
    }
  }
}
