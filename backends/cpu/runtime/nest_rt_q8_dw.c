/* Int8 depthwise conv (group == C == M) straight from the input plane, 16 output pixels per vector,
 * on AVX-512 VNNI builds (which bring BW for masked byte loads); other builds use the im2col path
 * of nest_rt_q8_conv.c. The arithmetic is that file's, exact in int32 like the interpreter: with
 * u = q (i8: q + 128) and zu its zero point,
 *   acc = corr[c] + sum_t u_t * w_t - w_zp[c] * sum_t u_t
 * where corr (bias and zero-point terms over all KH*KW taps) was folded at pack time, so a tap in
 * the padding reads u = zu, exactly as the im2col path pads. Products use vpmaddwd on u in the low
 * half of each 32-bit lane and w in the low half of the broadcast (the high halves are zero).
 *
 * With AVX-512 VBMI (and kernels up to 4 wide) a kernel row takes one vpdpbusd per 16 pixels
 * instead of one vpmaddwd per tap: 128 input bytes of the row are loaded once per block of 48
 * output pixels, and vpermt2b gathers for each pixel the bytes under its (up to 4) taps into one
 * 32-bit lane, which vpdpbusd multiplies by the row's 4 weights at once (weights past KW are 0). */
#include "nest_rt_q8_internal.h"
#include "nest_rt_threads.h"

#ifdef NEST_Q8_VNNI

#define DW_MAX_TAPS 64
#define DW_MAX_CHUNKS 64 /* output rows up to 1024 pixels */

#ifdef __AVX512VBMI__
#define DW_BLOCK 48 /* output pixels per block of the permute path: three vectors */
/* The permute path: a row's taps fit one 4-byte lane, and the 48 pixels of a block read inside
 * the 128 bytes loaded from its first input column. */
static int dw_perm_ok(const nest_q8_conv2d_desc *d) {
  return d->KW <= 4 && (DW_BLOCK - 1) * d->stride_w + (d->KW - 1) * d->dilation_w < 128 &&
         (d->OW + DW_BLOCK - 1) / DW_BLOCK <= DW_MAX_CHUNKS;
}
#endif

int nest_rt_q8_dw_ok(const nest_q8_conv2d_desc *d) {
  return d->group > 1 && d->group == d->C && d->group == d->M && (d->stride_w == 1 || d->stride_w == 2) &&
         d->KH * d->KW <= DW_MAX_TAPS && d->KW <= 16 && (d->OW + 15) / 16 <= DW_MAX_CHUNKS;
}

/* Bits [lo, hi) of the `lanes` byte lanes starting at input column base that lie inside [0, W). */
static inline uint64_t lanes_inside(int64_t base, int64_t W, int lanes) {
  const int64_t lo = base < 0 ? -base : 0, hi = W - base < lanes ? W - base : lanes;
  if (lo >= hi) return 0;
  return (hi >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << hi) - 1)) & ~(((uint64_t)1 << lo) - 1);
}

typedef struct q8_dw_job {
  const nest_q8_conv2d_desc *d;
  int64_t base[DW_MAX_CHUNKS][16];   /* input column of lane 0, per 16-pixel chunk and tap column */
  uint64_t mask[DW_MAX_CHUNKS][16]; /* its byte lanes inside the row */
  const uint8_t *x;
  const int8_t *w;      /* packed: K4 bytes per channel, tap t at t * 4 */
  const int32_t *corr;  /* per channel */
  uint8_t *y;
  int64_t K4, steps;    /* channels per unit */
#ifdef __AVX512VBMI__
  int perm;             /* use dw_channel_perm */
  __m512i idx[3];       /* per vector of a block: byte 4j + b <- input byte (16v + j) * s + b * dil */
  uint64_t perm_mask[DW_MAX_CHUNKS][2]; /* the two 64-byte loads of a block: lanes inside the row */
#endif
} q8_dw_job;

#ifdef __AVX512VBMI__
/* One channel of the permute path. When every w - w_zp of the channel fits a signed byte, the
 * weights are taken as w - w_zp, which is the accumulator's sum_t u_t (w_t - w_zp) in one product
 * (no sum of u); otherwise sum_t u_t is accumulated against a vector of ones. */
typedef struct dw_perm_channel {
  __m512i wrow[DW_MAX_TAPS]; /* per kernel row: its (adjusted) weights as the 4 bytes of every lane */
  int32_t row_pad[DW_MAX_TAPS]; /* what a kernel row in the padding adds: zu * its weights (adjusted) */
  __m512i corr, ones, fill, flip;
  int32_t wz;                /* w_zp when sum u is accumulated separately, else 0 */
  q8_rq_channel rq;
} dw_perm_channel;

static void dw_perm_channel_init(dw_perm_channel *pc, const q8_dw_job *j, int64_t c) {
  const nest_q8_conv2d_desc *d = j->d;
  const int64_t KH = d->KH, KW = d->KW;
  const uint8_t flip = d->x_signed ? 0x80 : 0, zu = (uint8_t)(d->x_zp + (d->x_signed ? 128 : 0));
  const int32_t wz = d->w_zp[c];
  int fold = 1;
  int64_t kh, kw;
  for (kh = 0; kh < KH * KW; ++kh) {
    const int32_t w = j->w[c * j->K4 + kh * 4] - wz;
    fold &= w >= -128 && w <= 127;
  }
  pc->wz = fold ? 0 : wz;
  for (kh = 0; kh < KH; ++kh) {
    uint32_t bytes = 0;
    int32_t sum = 0;
    for (kw = 0; kw < KW; ++kw) {
      const int32_t w = j->w[c * j->K4 + (kh * KW + kw) * 4] - (fold ? wz : 0);
      bytes |= (uint32_t)(uint8_t)(int8_t)w << (8 * kw);
      sum += w;
    }
    pc->wrow[kh] = _mm512_set1_epi32((int32_t)bytes);
    pc->row_pad[kh] = zu * (sum - pc->wz * (int32_t)KW);
  }
  pc->corr = _mm512_set1_epi32(j->corr[c]);
  pc->ones = _mm512_set1_epi32((int32_t)((0xFFFFFFFFu >> (8 * (4 - KW))) & 0x01010101u));
  pc->fill = _mm512_set1_epi8((char)(zu ^ flip));
  pc->flip = _mm512_set1_epi8((char)flip);
  q8_rq_channel_init(&pc->rq, &d->out, c);
}

/* Output pixels [ow0, ow0 + 16 NV) of row oh (the last NV may be partial), block b. NV is a constant
 * at each call, so the accumulators stay in registers. */
static inline __attribute__((always_inline)) void dw_perm_block(const q8_dw_job *j, const dw_perm_channel *pc,
                                                                const uint8_t *xp, uint8_t *yrow, int64_t oh,
                                                                int64_t b, const int NV) {
  const nest_q8_conv2d_desc *d = j->d;
  const int64_t ow0 = b * DW_BLOCK, left = d->OW - ow0, base = ow0 * d->stride_w - d->pad_left;
  __m512i acc0 = pc->corr, acc1 = pc->corr, acc2 = pc->corr;
  __m512i us0 = _mm512_setzero_si512(), us1 = us0, us2 = us0;
  int32_t pad = 0;
  int64_t kh;
  for (kh = 0; kh < d->KH; ++kh) {
    const int64_t ih = oh * d->stride_h - d->pad_top + kh * d->dilation_h;
    const uint8_t *row = xp + ih * d->W + base;
    __m512i lo, hi, u;
    if (ih < 0 || ih >= d->H) {
      pad += pc->row_pad[kh];
      continue;
    }
    lo = _mm512_xor_si512(_mm512_mask_loadu_epi8(pc->fill, j->perm_mask[b][0], row), pc->flip);
    hi = _mm512_xor_si512(_mm512_mask_loadu_epi8(pc->fill, j->perm_mask[b][1], row + 64), pc->flip);
    u = _mm512_permutex2var_epi8(lo, j->idx[0], hi);
    acc0 = _mm512_dpbusd_epi32(acc0, u, pc->wrow[kh]);
    if (pc->wz) us0 = _mm512_dpbusd_epi32(us0, u, pc->ones);
    if (NV > 1) {
      u = _mm512_permutex2var_epi8(lo, j->idx[1], hi);
      acc1 = _mm512_dpbusd_epi32(acc1, u, pc->wrow[kh]);
      if (pc->wz) us1 = _mm512_dpbusd_epi32(us1, u, pc->ones);
    }
    if (NV > 2) {
      u = _mm512_permutex2var_epi8(lo, j->idx[2], hi);
      acc2 = _mm512_dpbusd_epi32(acc2, u, pc->wrow[kh]);
      if (pc->wz) us2 = _mm512_dpbusd_epi32(us2, u, pc->ones);
    }
  }
  {
    const __m512i padv = _mm512_set1_epi32(pad), wz = _mm512_set1_epi32(pc->wz);
    if (pc->wz) {
      acc0 = _mm512_sub_epi32(acc0, _mm512_mullo_epi32(wz, us0));
      acc1 = _mm512_sub_epi32(acc1, _mm512_mullo_epi32(wz, us1));
      acc2 = _mm512_sub_epi32(acc2, _mm512_mullo_epi32(wz, us2));
    }
    q8_rq_store16(&pc->rq, _mm512_add_epi32(acc0, padv), left < 16 ? left : 16, yrow + ow0);
    if (NV > 1) q8_rq_store16(&pc->rq, _mm512_add_epi32(acc1, padv), left - 16 < 16 ? left - 16 : 16, yrow + ow0 + 16);
    if (NV > 2) q8_rq_store16(&pc->rq, _mm512_add_epi32(acc2, padv), left - 32 < 16 ? left - 32 : 16, yrow + ow0 + 32);
  }
}

static void dw_channel_perm(const q8_dw_job *j, int64_t nc) {
  const nest_q8_conv2d_desc *d = j->d;
  const int64_t c = nc % d->C, OW = d->OW, full = OW / DW_BLOCK, tail = (OW % DW_BLOCK + 15) / 16;
  const uint8_t *xp = j->x + nc * d->H * d->W;
  uint8_t *yp = j->y + nc * d->OH * OW;
  dw_perm_channel pc;
  int64_t oh, b;
  dw_perm_channel_init(&pc, j, c);
  for (oh = 0; oh < d->OH; ++oh) {
    for (b = 0; b < full; ++b) dw_perm_block(j, &pc, xp, yp + oh * OW, oh, b, 3);
    if (tail == 1) dw_perm_block(j, &pc, xp, yp + oh * OW, oh, full, 1);
    else if (tail == 2) dw_perm_block(j, &pc, xp, yp + oh * OW, oh, full, 2);
    else if (tail == 3) dw_perm_block(j, &pc, xp, yp + oh * OW, oh, full, 3);
  }
}
#endif

static void dw_channel(const q8_dw_job *j, int64_t nc) {
  const nest_q8_conv2d_desc *d = j->d;
  const int64_t c = nc % d->C, KH = d->KH, KW = d->KW, W = d->W, OW = d->OW, sw = d->stride_w;
  const uint8_t *xp = j->x + nc * d->H * W;
  uint8_t *yp = j->y + nc * d->OH * OW;
  const uint8_t flip = d->x_signed ? 0x80 : 0, zu = (uint8_t)(d->x_zp + (d->x_signed ? 128 : 0));
  const int32_t wz = d->w_zp[c];
  __m512i wv[64];
  int32_t row_w[64]; /* sum of the weights of each kernel row: a row in the padding adds zu * that */
  const __m128i fill16 = _mm_set1_epi8((char)(zu ^ flip)), flip16 = _mm_set1_epi8((char)flip);
  const __m256i fill32 = _mm256_set1_epi8((char)(zu ^ flip)), flip32 = _mm256_set1_epi8((char)flip);
  const __m512i low16 = _mm512_set1_epi32(0xFFFF), corr = _mm512_set1_epi32(j->corr[c]);
  int64_t kh, kw, oh, ow0;
  for (kh = 0; kh < KH; ++kh) {
    row_w[kh] = 0;
    for (kw = 0; kw < KW; ++kw) {
      const int32_t w = j->w[c * j->K4 + (kh * KW + kw) * 4];
      wv[kh * KW + kw] = _mm512_set1_epi32(w & 0xFFFF);
      row_w[kh] += w;
    }
  }
  for (oh = 0; oh < d->OH; ++oh)
    for (ow0 = 0; ow0 < OW; ow0 += 16) {
      __m512i acc = _mm512_setzero_si512(), usum = _mm512_setzero_si512();
      int32_t pad_acc = 0, pad_usum = 0;
      for (kh = 0; kh < KH; ++kh) {
        const int64_t ih = oh * d->stride_h - d->pad_top + kh * d->dilation_h;
        if (ih < 0 || ih >= d->H) {
          pad_acc += zu * row_w[kh];
          pad_usum += zu * (int32_t)KW;
          continue;
        }
        for (kw = 0; kw < KW; ++kw) {
          const uint8_t *at = xp + ih * W + j->base[ow0 / 16][kw];
          const uint64_t inside = j->mask[ow0 / 16][kw];
          __m512i u;
          if (sw == 1) {
            const __m128i b = _mm_mask_loadu_epi8(fill16, (__mmask16)inside, at);
            u = _mm512_cvtepu8_epi32(_mm_xor_si128(b, flip16));
          } else { /* lane j holds u[2j] in its low half and u[2j + 1] in its high half */
            const __m256i b = _mm256_mask_loadu_epi8(fill32, (__mmask32)inside, at);
            u = _mm512_cvtepu8_epi16(_mm256_xor_si256(b, flip32));
          }
          acc = _mm512_add_epi32(acc, _mm512_madd_epi16(u, wv[kh * KW + kw]));
          if (wz) usum = _mm512_add_epi32(usum, sw == 1 ? u : _mm512_and_si512(u, low16));
        }
      }
      acc = _mm512_add_epi32(_mm512_add_epi32(acc, corr), _mm512_set1_epi32(pad_acc));
      if (wz) acc = _mm512_sub_epi32(acc, _mm512_mullo_epi32(_mm512_set1_epi32(wz),
                                                              _mm512_add_epi32(usum, _mm512_set1_epi32(pad_usum))));
      finish16(&d->out, c, acc, OW - ow0 < 16 ? OW - ow0 : 16, yp + oh * OW + ow0);
    }
}

static void dw_unit(void *ctx, int64_t u, void *scratch) {
  const q8_dw_job *j = (const q8_dw_job *)ctx;
  const int64_t total = j->d->N * j->d->C, nc0 = u * j->steps, nc1 = nc0 + j->steps < total ? nc0 + j->steps : total;
  int64_t nc;
  (void)scratch;
  for (nc = nc0; nc < nc1; ++nc) {
#ifdef __AVX512VBMI__
    if (j->perm) {
      dw_channel_perm(j, nc);
      continue;
    }
#endif
    dw_channel(j, nc);
  }
}

void nest_rt_q8_dw(const nest_q8_conv2d_desc *d, const void *x, const void *packed, void *y) {
  const int64_t K4 = (d->KH * d->KW) * 4; /* one channel: C4 = 1 */
  int64_t ch, kw;
  q8_dw_job j;
  j.d = d;
  for (ch = 0; ch < (d->OW + 15) / 16; ++ch)
    for (kw = 0; kw < d->KW; ++kw) {
      j.base[ch][kw] = ch * 16 * d->stride_w - d->pad_left + kw * d->dilation_w;
      j.mask[ch][kw] = lanes_inside(j.base[ch][kw], d->W, d->stride_w == 1 ? 16 : 32);
    }
#ifdef __AVX512VBMI__
  j.perm = dw_perm_ok(d);
  if (j.perm) {
    int8_t idx[3][64];
    int64_t v, lane;
    for (v = 0; v < 3; ++v)
      for (lane = 0; lane < 64; ++lane) {
        const int64_t px = 16 * v + lane / 4, tap = lane % 4;
        idx[v][lane] = (int8_t)(tap < d->KW ? px * d->stride_w + tap * d->dilation_w : 0);
      }
    for (v = 0; v < 3; ++v) j.idx[v] = _mm512_loadu_si512(idx[v]);
    for (ch = 0; ch * DW_BLOCK < d->OW; ++ch) {
      const int64_t base = ch * DW_BLOCK * d->stride_w - d->pad_left;
      j.perm_mask[ch][0] = lanes_inside(base, d->W, 64);
      j.perm_mask[ch][1] = lanes_inside(base + 64, d->W, 64);
    }
  }
#endif
  j.x = (const uint8_t *)x;
  j.w = (const int8_t *)packed;
  j.corr = (const int32_t *)((const uint8_t *)packed + ((size_t)(d->M * K4) + 63) / 64 * 64);
  j.y = (uint8_t *)y;
  j.K4 = K4;
  j.steps = nest_rt_steps_per_unit(d->N * d->C, 1);
  nest_rt_parallel(nest_rt_ceil_div(d->N * d->C, j.steps), dw_unit, &j, 0, 0);
}

#endif
