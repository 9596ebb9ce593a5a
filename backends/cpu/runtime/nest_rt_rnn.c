/* ONNX RNN / GRU / LSTM on float32. Per direction: one GEMM projects every step's input at once
 * (X W^T + Wb, all S*N rows), then each step multiplies the states of all N batch entries by the
 * packed R^T (+ Rb; GRU without linear_before_reset: z and r first, then (r * h) Rh^T) and
 * updates the gates in double, with the interpreter's formulas (core/ops/recurrent_ops.cpp) -- or,
 * for the default gates of every exporter (LSTM sigmoid / tanh / tanh without clip, peepholes or
 * input_forget; GRU sigmoid / tanh with linear_before_reset; RNN tanh), in float over whole gate
 * rows with the vectorized sigmoid and tanh of nest_rt_fastmath.c (within 5e-7 of the double ones).
 * Entry n runs its first seq_lens[n] steps (from its last valid step in reverse); Y past that is
 * zero, Y_h / Y_c hold its final state. Scratch comes from the caller. */
#include <math.h>
#include <string.h>

#include "nest_runtime.h"
#include "nest_rt_misc.h"

#define RNN_ALIGN 16 /* floats: 64-byte aligned pieces of the scratch */

static size_t round_up(size_t n) { return (n + RNN_ALIGN - 1) / RNN_ALIGN * RNN_ALIGN; }
static int64_t gates(const nest_rnn_desc *d) { return d->cell == NEST_RNN_CELL_LSTM ? 4 : d->cell == NEST_RNN_CELL_GRU ? 3 : 1; }

static double act(const nest_rnn_act *a, double x) {
  const double alpha = a->alpha, beta = a->beta;
  switch (a->kind) {
    case NEST_RNN_SIGMOID: return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
    case NEST_RNN_TANH: return tanh(x);
    case NEST_RNN_RELU: return x > 0 ? x : 0.0;
    case NEST_RNN_AFFINE: return alpha * x + beta;
    case NEST_RNN_LEAKY_RELU: return x >= 0 ? x : alpha * x;
    case NEST_RNN_THRESHOLDED_RELU: return x > alpha ? x : 0.0;
    case NEST_RNN_SCALED_TANH: return alpha * tanh(beta * x);
    case NEST_RNN_HARD_SIGMOID: {
      const double v = alpha * x + beta;
      return v < 0 ? 0.0 : v > 1 ? 1.0 : v;
    }
    case NEST_RNN_ELU: return x >= 0 ? x : alpha * (exp(x) - 1.0);
    case NEST_RNN_SOFTSIGN: return x / (1.0 + fabs(x));
    case NEST_RNN_SOFTPLUS: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
    default: return x;
  }
}

/* The GEMMs: the input projection [S*N, I] x W^T, the recurrence [N, H] x R^T over the gate rows
 * `rows` (all G*H, or GRU's z and r), and GRU's [N, H] x Rh^T. */
static nest_gemm_desc gemm(int64_t M, int64_t N, int64_t K, int bias) {
  nest_gemm_desc g;
  memset(&g, 0, sizeof g);
  g.M = M;
  g.N = N;
  g.K = K;
  g.trans_b = 1;
  g.alpha = 1.0f;
  g.beta = bias ? 1.0f : 0.0f;
  g.c_stride_m = 0; /* the bias row, broadcast over the rows */
  g.c_stride_n = 1;
  return g;
}

typedef struct rnn_plan {
  nest_gemm_desc proj, rec, rec_h;
  int64_t rec_rows; /* gate rows of `rec` */
  size_t gemm_bytes, packed_r, packed_rh, xg, hg, state;
} rnn_plan;

static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

/* Whether direction `f`'s gates take the float path (see the top of the file). */
static int fast_gates(const nest_rnn_desc *d, const nest_rnn_act *f, const float *peepholes) {
  if (d->has_clip) return 0;
  switch (d->cell) {
    case NEST_RNN_CELL_LSTM:
      return !peepholes && !d->input_forget && f[0].kind == NEST_RNN_SIGMOID && f[1].kind == NEST_RNN_TANH &&
             f[2].kind == NEST_RNN_TANH;
    case NEST_RNN_CELL_GRU: return d->linear_before_reset && f[0].kind == NEST_RNN_SIGMOID && f[1].kind == NEST_RNN_TANH;
    default: return f[0].kind == NEST_RNN_TANH;
  }
}

static rnn_plan plan(const nest_rnn_desc *d) {
  rnn_plan p;
  const int64_t G = gates(d), H = d->H, N = d->N;
  const int split = d->cell == NEST_RNN_CELL_GRU && !d->linear_before_reset;
  p.rec_rows = split ? 2 * H : G * H;
  p.proj = gemm(d->S * N, G * H, d->I, 1);
  p.rec = gemm(N, p.rec_rows, H, 1);
  p.rec_h = gemm(N, H, H, 1);
  p.gemm_bytes = max_size(nest_gemm_f32_scratch_size(&p.proj),
                          max_size(nest_gemm_f32_packed_scratch_size(&p.rec), nest_gemm_f32_packed_scratch_size(&p.rec_h)));
  p.gemm_bytes = round_up(p.gemm_bytes);
  p.packed_r = round_up(nest_gemm_f32_packed_b_size(&p.rec));
  p.packed_rh = split ? round_up(nest_gemm_f32_packed_b_size(&p.rec_h)) : 0;
  p.xg = round_up((size_t)(d->S * N * G * H));
  p.hg = round_up((size_t)(N * G * H));
  p.state = round_up((size_t)(N * H));
  return p;
}

size_t nest_rnn_f32_scratch_size(const nest_rnn_desc *d) {
  const rnn_plan p = plan(d);
  /* xg, hg, h, c, r * h (floats) after the GEMM scratch (bytes, rounded to 64) */
  return p.gemm_bytes + (p.packed_r + p.packed_rh + p.xg + p.hg + 3 * p.state) * sizeof(float);
}

void nest_rnn_f32(const nest_rnn_desc *d, const float *x, const float *w, const float *r, const float *b,
                  const int32_t *seq_lens, const float *h0, const float *c0, const float *pp, float *y, float *y_h,
                  float *y_c, void *scratch) {
  const rnn_plan p = plan(d);
  const int64_t S = d->S, N = d->N, I = d->I, H = d->H, G = gates(d), D = d->directions, GH = G * H;
  const int split = d->cell == NEST_RNN_CELL_GRU && !d->linear_before_reset;
  float *base = (float *)((char *)scratch + p.gemm_bytes);
  float *packed_r = base, *packed_rh = packed_r + p.packed_r, *xg = packed_rh + p.packed_rh, *hg = xg + p.xg;
  float *h = hg + p.hg, *c = h + p.state, *rh = c + p.state;
  int64_t dir, n, t, j, s;
  if (y) memset(y, 0, (size_t)(S * D * N * H) * sizeof(float));
  for (dir = 0; dir < D; ++dir) {
    const int reverse = d->reverse || dir == 1;
    const nest_rnn_act *f = d->act[dir];
    const float *W = w + dir * GH * I, *R = r + dir * GH * H;
    const float *Wb = b ? b + dir * 2 * GH : 0, *Rb = b ? Wb + GH : 0;
    const float *P = pp ? pp + dir * 3 * H : 0;
    const int fast = fast_gates(d, f, P);
    /* xg[row] for X's rows in memory order: (t, n), or (n, t) batch first */
    nest_gemm_f32(&p.proj, x, W, Wb, xg, scratch);
    nest_gemm_f32_pack_b(&p.rec, R, packed_r);
    if (split) nest_gemm_f32_pack_b(&p.rec_h, R + 2 * H * H, packed_rh);
    for (n = 0; n < N; ++n) {
      const int64_t at = (d->batch_first ? n * D + dir : dir * N + n) * H;
      for (j = 0; j < H; ++j) {
        h[n * H + j] = h0 ? h0[at + j] : 0.0f;
        c[n * H + j] = c0 ? c0[at + j] : 0.0f;
      }
    }
    for (s = 0; s < S; ++s) {
      nest_gemm_f32_packed(&p.rec, h, packed_r, Rb, hg, scratch);
      if (split) { /* the reset gate first: rh = r * h, then c (unused by GRU) = rh Rh^T + Rb_h */
        for (n = 0; n < N; ++n) {
          const int64_t len = seq_lens ? (seq_lens[n] < 0 ? 0 : seq_lens[n] > S ? S : seq_lens[n]) : S;
          const float *xr, *hr = hg + n * p.rec_rows;
          if (s >= len) {
            for (j = 0; j < H; ++j) rh[n * H + j] = 0.0f;
            continue;
          }
          t = reverse ? len - 1 - s : s;
          xr = xg + (d->batch_first ? n * S + t : t * N + n) * GH;
          for (j = 0; j < H; ++j) {
            double v = (double)xr[H + j] + (double)hr[H + j];
            if (d->has_clip) v = v < -d->clip ? -(double)d->clip : v > d->clip ? (double)d->clip : v;
            rh[n * H + j] = (float)(act(&f[0], v) * (double)h[n * H + j]);
          }
        }
        nest_gemm_f32_packed(&p.rec_h, rh, packed_rh, Rb ? Rb + 2 * H : 0, c, scratch);
      }
      for (n = 0; n < N; ++n) {
        const int64_t len = seq_lens ? (seq_lens[n] < 0 ? 0 : seq_lens[n] > S ? S : seq_lens[n]) : S;
        const float *xr, *hr = hg + n * p.rec_rows;
        float *hn = h + n * H, *cn = c + n * H;
        double gate[4];
        if (s >= len) continue;
        t = reverse ? len - 1 - s : s;
        xr = xg + (d->batch_first ? n * S + t : t * N + n) * GH;
#define CLIPPED(v) (d->has_clip ? ((v) < -d->clip ? -(double)d->clip : (v) > d->clip ? (double)d->clip : (v)) : (v))
        if (fast) { /* pre-activations in place of the recurrent products hr */
          float *g = hg + n * p.rec_rows, *tmp = rh + n * H;
          if (d->cell == NEST_RNN_CELL_LSTM) { /* gates i o f c */
            for (j = 0; j < GH; ++j) g[j] += xr[j];
            nest_sigmoid_f32(g, g, 3 * H);
            nest_tanh_f32(g + 3 * H, g + 3 * H, H);
            for (j = 0; j < H; ++j) cn[j] = g[2 * H + j] * cn[j] + g[j] * g[3 * H + j];
            nest_tanh_f32(cn, tmp, H);
            for (j = 0; j < H; ++j) hn[j] = g[H + j] * tmp[j];
          } else if (d->cell == NEST_RNN_CELL_GRU) { /* gates z r h, the reset applied to h's product */
            for (j = 0; j < 2 * H; ++j) g[j] += xr[j];
            nest_sigmoid_f32(g, g, 2 * H);
            for (j = 0; j < H; ++j) g[2 * H + j] = xr[2 * H + j] + g[H + j] * g[2 * H + j];
            nest_tanh_f32(g + 2 * H, g + 2 * H, H);
            for (j = 0; j < H; ++j) hn[j] = (1.0f - g[j]) * g[2 * H + j] + g[j] * hn[j];
          } else {
            for (j = 0; j < H; ++j) g[j] += xr[j];
            nest_tanh_f32(g, hn, H);
          }
        } else if (d->cell == NEST_RNN_CELL_RNN) {
          for (j = 0; j < H; ++j) {
            const double v = (double)xr[j] + (double)hr[j];
            hn[j] = (float)act(&f[0], CLIPPED(v));
          }
        } else if (d->cell == NEST_RNN_CELL_LSTM) {
          for (j = 0; j < H; ++j) {
            double i_in = (double)xr[j] + (double)hr[j], f_in = (double)xr[2 * H + j] + (double)hr[2 * H + j];
            const double g_in = (double)xr[3 * H + j] + (double)hr[3 * H + j];
            double o_in = (double)xr[H + j] + (double)hr[H + j], cell;
            if (P) {
              i_in += (double)P[j] * (double)cn[j];
              f_in += (double)P[2 * H + j] * (double)cn[j];
            }
            gate[0] = act(&f[0], CLIPPED(i_in));
            gate[2] = d->input_forget ? 1.0 - gate[0] : act(&f[0], CLIPPED(f_in));
            gate[3] = act(&f[1], CLIPPED(g_in));
            cell = gate[2] * (double)cn[j] + gate[0] * gate[3];
            if (P) o_in += (double)P[H + j] * cell;
            gate[1] = act(&f[0], CLIPPED(o_in));
            cn[j] = (float)cell;
            hn[j] = (float)(gate[1] * act(&f[2], cell));
          }
        } else { /* GRU: gates z, r, h */
          for (j = 0; j < H; ++j) {
            const double z_in = (double)xr[j] + (double)hr[j], r_in = (double)xr[H + j] + (double)hr[H + j];
            const double z = act(&f[0], CLIPPED(z_in));
            double h_in;
            if (split) h_in = (double)xr[2 * H + j] + (double)cn[j]; /* (r * h) Rh^T + Rb_h */
            else h_in = (double)xr[2 * H + j] + act(&f[0], CLIPPED(r_in)) * (double)hr[2 * H + j];
            hn[j] = (float)((1.0 - z) * act(&f[1], CLIPPED(h_in)) + z * (double)hn[j]);
          }
        }
#undef CLIPPED
        if (y) memcpy(y + (d->batch_first ? (n * S + t) * D + dir : (t * D + dir) * N + n) * H, hn, (size_t)H * sizeof(float));
      }
    }
    for (n = 0; n < N; ++n) {
      const int64_t at = (d->batch_first ? n * D + dir : dir * N + n) * H;
      if (y_h) memcpy(y_h + at, h + n * H, (size_t)H * sizeof(float));
      if (y_c) memcpy(y_c + at, c + n * H, (size_t)H * sizeof(float));
    }
  }
}
