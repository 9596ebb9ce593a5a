/* Int8 depthwise conv (group == C == M) straight from the input plane, 16 output pixels per vector,
 * on AVX-512 VNNI builds (which bring BW for masked byte loads); other builds use the im2col path
 * of nest_rt_q8_conv.c. The arithmetic is that file's, exact in int32 like the interpreter: with
 * u = q (i8: q + 128) and zu its zero point,
 *   acc = corr[c] + sum_t u_t * w_t - w_zp[c] * sum_t u_t
 * where corr (bias and zero-point terms over all KH*KW taps) was folded at pack time, so a tap in
 * the padding reads u = zu, exactly as the im2col path pads. Products use vpmaddwd on u in the low
 * half of each 32-bit lane and w in the low half of the broadcast (the high halves are zero). */
#include "nest_rt_q8_internal.h"
#include "nest_rt_threads.h"

#ifdef NEST_Q8_VNNI

#define DW_MAX_TAPS 64
#define DW_MAX_CHUNKS 64 /* output rows up to 1024 pixels */

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
} q8_dw_job;

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
  for (nc = nc0; nc < nc1; ++nc) dw_channel(j, nc);
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
  j.x = (const uint8_t *)x;
  j.w = (const int8_t *)packed;
  j.corr = (const int32_t *)((const uint8_t *)packed + ((size_t)(d->M * K4) + 63) / 64 * 64);
  j.y = (uint8_t *)y;
  j.K4 = K4;
  j.steps = nest_rt_steps_per_unit(d->N * d->C, 1);
  nest_rt_parallel(nest_rt_ceil_div(d->N * d->C, j.steps), dw_unit, &j, 0, 0);
}

#endif
