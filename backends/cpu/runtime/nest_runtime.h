/* NEST CPU runtime: the C99 kernels that compiled bundles call (and that nestc calls at compile
 * time to pre-pack constant weights). No dependencies beyond libc/libm, no allocation: every
 * buffer, scratch included, comes from the caller (the planner puts scratch in the activations
 * arena). Activations are NCHW float32, exactly the graph IR's layout. Sizes are int64_t.
 *
 * Packed weight layouts are the same on every target (x86 AVX-512/AVX2, aarch64 NEON, scalar),
 * so nestc on x86 can pack for a cross-compiled aarch64 bundle. See docs/cpu-runtime.md. */
#ifndef NEST_RUNTIME_H
#define NEST_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Threads ----
 * The conv, gemm and pooling kernels (float and int8) spread their work over a process-wide pool
 * of `threads` threads, the calling one included; 1 (the default) runs everything on the caller
 * and starts nothing. Work is split over output tiles with the same arithmetic per tile, so
 * results are bit-identical for every thread count. scratch_bytes: the scratch the pool gives
 * each thread, the calling one included, for its units (a bundle passes its
 * <NAME>_THREAD_SCRATCH_SIZE; a kernel needing more runs on the caller only, in the scratch it
 * was given). Call it while no model runs. Returns 0, or -1 when threads is outside [1, 256] or a
 * thread could not be started (then the pool is back to 1 thread). The workers stop when the
 * program exits or the library holding the runtime is unloaded. */
int nest_set_threads(int threads, size_t scratch_bytes);
int nest_get_threads(void);

/* ---- Layer timing (run --profile-layers; nest_rt_profile.c) ----
 * While nest_profile_layers is set, a bundle adds each layer's time to <name>_layer_ms[k], and
 * the time its threads spent idle during the layer to <name>_layer_idle_ms[k], in thread-ms: the
 * pool's threads times the layer's time, less what each thread spent running the layer (a worker:
 * its kernels' units; the caller: everything but waiting for the workers). A layer computed on the
 * caller alone shows (threads - 1) x its time; one whose threads finish together, about 0. The
 * peaks are this core's measured multiply-add rates (2 operations each): float FMA, and int8
 * multiply-adds with AVX-512 VNNI (0 when the bundle is built without it). About 10-50 ms each. */
extern int nest_profile_layers;
int64_t nest_now_ns(void);
/* Where the last mark left off: the time, and the pool's running totals of its workers' time on
 * units and of its caller's waits for them (nest_rt_threads.c). */
typedef struct nest_profile_clock {
  int64_t ns, worker_busy_ns, caller_wait_ns;
} nest_profile_clock;
void nest_profile_start(nest_profile_clock *clock);
/* *slot_ms += the time since the last mark (in ms), *idle_slot_ms += the threads' idle time in it
 * (in thread-ms); then the clock moves to now. */
void nest_profile_mark(double *slot_ms, double *idle_slot_ms, nest_profile_clock *clock);
double nest_peak_gflops_f32(void);
double nest_peak_gops_i8(void);

/* ---- Fused activation (graph IR attributes `activation` + `activation_params`,
 *      core/ops/fused_activation.h; same arithmetic as the interpreter). ---- */
typedef enum nest_act_kind {
  NEST_ACT_NONE = 0,
  NEST_ACT_RELU = 1,
  NEST_ACT_CLIP = 2,       /* min(max(x, p0), p1) */
  NEST_ACT_LEAKY_RELU = 3, /* x < 0 ? p0 * x : x */
  NEST_ACT_SIGMOID = 4,
  NEST_ACT_HARD_SWISH = 5, /* x * clamp(x / 6 + 0.5, 0, 1) */
  NEST_ACT_TANH = 6
} nest_act_kind;

typedef struct nest_act {
  int32_t kind;    /* nest_act_kind */
  float params[2]; /* Clip: {min, max}; LeakyRelu: {alpha, unused}; others unused */
} nest_act;

/* Applies `act` in place to n floats. */
void nest_act_apply_f32(const nest_act *act, float *x, int64_t n);

/* ---- Conv2d (ONNX Conv, NCHW, weights OIHW = [M, C/group, KH, KW]) ----
 * All groups, depthwise (group == C == M) included, go through the same entry points; the
 * kernel chooses its path from the shape alone (nest_conv2d_f32_path), so the packed weights
 * nestc writes are the ones the bundle reads: Winograd F(2x2, 3x3), a kernel vectorized over output
 * channels for small planes, an implicit GEMM, im2col + packed GEMM, or a direct depthwise kernel
 * (docs/cpu-runtime.md, "Conv algorithm").
 * Output size OH/OW is given (shape inference computed it, auto_pad resolved into pads). */
typedef struct nest_conv2d_desc {
  int64_t N, C, H, W; /* input */
  int64_t M, OH, OW;  /* output channels and spatial size */
  int64_t KH, KW;
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  int64_t group;
  nest_act act;
} nest_conv2d_desc;

/* Returns 0 when the descriptor is consistent (positive sizes, C and M divisible by group, OH/OW
 * matching the ONNX formula); otherwise a static message naming the bad field. */
const char *nest_conv2d_check(const nest_conv2d_desc *d);

/* The path a float conv of this shape takes: "depthwise", "winograd", "small" (small output
 * planes, vectorized over output channels), "pointwise" (1x1 convs onto small planes, the same
 * way), "subsample" (a strided 1x1 conv without padding, as
 * the stride-1 conv of its subsampled input), "implicit" or "im2col" (a static string; the layer
 * profile names it). */
const char *nest_conv2d_f32_path(const nest_conv2d_desc *d);
/* Packed weight buffer size in floats (not bytes). */
size_t nest_conv2d_f32_packed_size(const nest_conv2d_desc *d);
/* Packs OIHW weights; output_scale (per output channel, length M) is multiplied into the weights
 * when not NULL (folded BatchNorm / quantization scales). `packed` has packed_size floats. */
void nest_conv2d_f32_pack(const nest_conv2d_desc *d, const float *w_oihw, const float *output_scale,
                          float *packed);
/* Scratch size in bytes (64-byte aligned scratch expected; may be 0). */
size_t nest_conv2d_f32_scratch_size(const nest_conv2d_desc *d);
/* y[N, M, OH, OW] = act(conv(x, w) + bias). bias has M floats or is NULL. */
void nest_conv2d_f32(const nest_conv2d_desc *d, const float *x, const float *packed_w,
                     const float *bias, float *y, void *scratch);
/* y = act(conv(x) + residual), residual shaped like y (a ResNet block's Add folded into the conv
 * before it; d->act applies after the sum). Winograd, small-plane and implicit-GEMM convs add it to
 * each block of outputs while the block is still in cache; other convs add it in a pass after.
 * Same scratch as nest_conv2d_f32; residual must not overlap y. */
void nest_conv2d_f32_residual(const nest_conv2d_desc *d, const float *x, const float *packed_w,
                              const float *bias, const float *residual, float *y, void *scratch);

/* ---- Gemm / MatMul: Y[M,N] = act(alpha * op(A) * op(B) + beta * C) ----
 * op(A) is M x K (A stored M x K, or K x M when trans_a); op(B) is K x N (B stored K x N, or
 * N x K when trans_b). C is broadcast through its strides: element (i, j) is
 * c[i * c_stride_m + j * c_stride_n] (scalar: 0,0; row vector [N]: 0,1; column [M,1]: 1,0;
 * full [M,N]: N,1). C may be NULL (then beta is ignored). MatMul: alpha 1, no C; batched
 * MatMul calls the kernel once per matrix. */
typedef struct nest_gemm_desc {
  int64_t M, N, K;
  int32_t trans_a, trans_b;
  float alpha, beta;
  int64_t c_stride_m, c_stride_n;
  nest_act act;
} nest_gemm_desc;

/* Constant B, packed at compile time (alpha folded in): size in floats, pack, run. */
size_t nest_gemm_f32_packed_b_size(const nest_gemm_desc *d);
void nest_gemm_f32_pack_b(const nest_gemm_desc *d, const float *b, float *packed_b);
size_t nest_gemm_f32_packed_scratch_size(const nest_gemm_desc *d); /* bytes */
void nest_gemm_f32_packed(const nest_gemm_desc *d, const float *a, const float *packed_b,
                          const float *c, float *y, void *scratch);
/* Non-constant B (both operands are activations). */
size_t nest_gemm_f32_scratch_size(const nest_gemm_desc *d); /* bytes */
void nest_gemm_f32(const nest_gemm_desc *d, const float *a, const float *b, const float *c, float *y,
                   void *scratch);

/* ---- Attention: Y = softmax(Q · KT · scale + mask) · V per batch-head, the softmax along Sk. ----
 * Q [batch, sq, d], KT [batch, d, sk], V [batch, sk, dv], Y [batch, sq, dv], each read or written
 * through strides: of batch-head b, Q's element (i, k) is q[off[5b] + i * q_row_stride + k *
 * q_col_stride], KT's (k, j) kt[off[5b+1] + k * kt_row_stride + j * kt_col_stride], V's (j, c)
 * v[off[5b+2] + j * v_row_stride + c * v_col_stride], Y's (i, c) y[off[5b+3] + i * y_row_stride +
 * c * y_col_stride] (contiguous operands: off = b * rows * cols, strides (cols, 1); heads read
 * from a [S, H, D] tensor: row stride H * D). The mask (may be NULL) is added to score (b, i, j)
 * from mask[off[5b+4] + i * mask_row_stride + j * mask_col_stride]. Each batch-head is one unit of
 * the thread pool: its KT and V are packed into the GEMM's panels once, then blocks of
 * NEST_RT_ATTN_ROWS query rows go through scores, softmax and the product with V in scratch, so
 * the [sq, sk] score matrix is never stored. */
typedef struct nest_attention_desc {
  int64_t batch, sq, sk, d, dv;
  float scale;
  int64_t mask_row_stride, mask_col_stride;
  int64_t q_row_stride, q_col_stride, kt_row_stride, kt_col_stride;
  int64_t v_row_stride, v_col_stride, y_row_stride, y_col_stride;
} nest_attention_desc;

size_t nest_attention_f32_scratch_size(const nest_attention_desc *d); /* bytes, per thread */
void nest_attention_f32(const nest_attention_desc *d, const float *q, const float *kt, const float *v,
                        const float *mask, const int64_t *off, float *y, void *scratch);

/* ---- Pooling (NCHW). Output size is given: ceil_mode / auto_pad are resolved by the caller. ---- */
typedef struct nest_pool2d_desc {
  int64_t N, C, H, W;
  int64_t OH, OW;
  int64_t KH, KW;
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w; /* MaxPool only; AveragePool uses 1 */
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  int32_t count_include_pad; /* AveragePool */
} nest_pool2d_desc;

/* Scratch in bytes for either pool (a padded copy of one input plane; 64-byte aligned). */
size_t nest_pool2d_f32_scratch_size(const nest_pool2d_desc *d);
/* MaxPool: padding never wins (-inf). A window entirely in padding yields -inf. */
void nest_maxpool2d_f32(const nest_pool2d_desc *d, const float *x, float *y, void *scratch);
/* AveragePool: divisor is the window part inside [0,H)x[0,W) (count_include_pad = 0), or the
 * window part inside the padded input [−pad, H+pad_end) (count_include_pad = 1, ONNX semantics:
 * ceil-mode overhang past the end padding is not counted). A window with no element yields 0. */
void nest_avgpool2d_f32(const nest_pool2d_desc *d, const float *x, float *y, void *scratch);
/* GlobalAveragePool: y[n, c] = mean over HW of x[n, c]. */
void nest_global_avgpool_f32(int64_t N, int64_t C, int64_t HW, const float *x, float *y);

/* ---- Recurrent layers: ONNX RNN, GRU, LSTM (nest_rt_rnn.c) ----
 * X [S, N, I] (batch_first: [N, S, I]); W [D, G*H, I], R [D, G*H, H], B [D, 2*G*H] (gate orders
 * LSTM i o f c, GRU z r h); states [D, N, H] (batch_first: [N, D, H]); Y [S, D, N, H]
 * (batch_first: [N, S, D, H]). b, seq_lens, h0, c0, p, y, y_h, y_c may be NULL. */
typedef enum nest_rnn_cell { NEST_RNN_CELL_RNN = 0, NEST_RNN_CELL_GRU = 1, NEST_RNN_CELL_LSTM = 2 } nest_rnn_cell;

/* The activations ONNX allows in `activations` (core/ops/recurrent.h, same order). */
typedef enum nest_rnn_act_kind {
  NEST_RNN_SIGMOID = 0, NEST_RNN_TANH, NEST_RNN_RELU, NEST_RNN_AFFINE, NEST_RNN_LEAKY_RELU,
  NEST_RNN_THRESHOLDED_RELU, NEST_RNN_SCALED_TANH, NEST_RNN_HARD_SIGMOID, NEST_RNN_ELU, NEST_RNN_SOFTSIGN,
  NEST_RNN_SOFTPLUS
} nest_rnn_act_kind;

typedef struct nest_rnn_act {
  int32_t kind; /* nest_rnn_act_kind */
  float alpha, beta;
} nest_rnn_act;

typedef struct nest_rnn_desc {
  int32_t cell;        /* nest_rnn_cell */
  int64_t S, N, I, H;  /* seq_length, batch_size, input_size, hidden_size */
  int32_t directions;  /* 1, or 2 (bidirectional: direction 1 runs in reverse) */
  int32_t reverse;     /* one direction, run from the last step */
  int32_t batch_first; /* layout 1 */
  int32_t has_clip;
  float clip;          /* every gate's input is clamped to [-clip, clip] */
  int32_t input_forget;        /* LSTM: forget gate = 1 - input gate */
  int32_t linear_before_reset; /* GRU */
  nest_rnn_act act[2][3];      /* per direction: f (, g (, h)) */
} nest_rnn_desc;

/* Scratch in bytes: the input projection of every step, the recurrent products, the states and
 * the GEMMs' packed operands. */
size_t nest_rnn_f32_scratch_size(const nest_rnn_desc *d);
/* Sequence lengths outside [0, S] are clamped (the interpreter refuses them). */
void nest_rnn_f32(const nest_rnn_desc *d, const float *x, const float *w, const float *r, const float *b,
                  const int32_t *seq_lens, const float *h0, const float *c0, const float *p, float *y, float *y_h,
                  float *y_c, void *scratch);

/* ---- Section owned by the codegen (H3): declarations of the simple kernels ---- */
/* NEST_RUNTIME_MISC_BEGIN */
/* NEST_RUNTIME_MISC_END */

#ifdef __cplusplus
}
#endif

#endif /* NEST_RUNTIME_H */
