/* Int8 MaxPool on small planes (AVX-512 VBMI): several whole output rows per 64-byte vector.
 * On a 14x14 plane the row-at-a-time kernel of nest_rt_q8.c fills 14 of its 64 lanes and pays
 * its loop overhead per row and tap (GoogLeNet's inception pools took a fifth of the int8 run).
 * Here a block of R output rows (R * OW <= 64 lanes) reads one window of 128 or 256 bytes of the
 * flat plane (two or four masked loads: bytes outside the plane read 0), and each tap is one
 * vpermt2b (two and a blend on bit 7 of the index for 256 bytes) through a table that maps output
 * lane r * OW + ow to the tap's input byte in the window, or to the window's last byte, which is
 * never loaded and so reads 0. Values are compared as bytes after
 * the i8 flip (x ^ 0x80 orders like u8), where 0 is the lowest value: padding never wins, as in
 * nest_rt_q8.c. */
#include "nest_rt_q8_internal.h"
#include "nest_rt_threads.h"

#ifdef NEST_RT_Q8_POOL_WINDOW

#define WINDOW_MAX_TAPS 16

/* The last window byte a block of R output rows reads. */
static int64_t last_byte(const nest_q8_pool2d_desc *d, int64_t R) {
  return ((R - 1) * d->stride_h + (d->KH - 1) * d->dilation_h) * d->W + d->W - 1;
}

/* Output rows per block for a window of `bytes`, or 0 when fewer than 2 rows fit (there the row
 * kernel does as well). Its last byte stays unread: it is the empty tap. */
static int64_t rows_for(const nest_q8_pool2d_desc *d, int64_t bytes) {
  int64_t R = 64 / d->OW;
  if (d->KH * d->KW > WINDOW_MAX_TAPS) return 0;
  while (R >= 2 && last_byte(d, R) >= bytes - 1) --R;
  return R >= 2 ? R : 0;
}

/* Window bytes: 128 when that holds as many rows as 256 does. */
static int64_t window_bytes(const nest_q8_pool2d_desc *d) {
  const int64_t r128 = rows_for(d, 128), r256 = rows_for(d, 256);
  return r256 > r128 ? 256 : (r128 ? 128 : 0);
}

int nest_rt_q8_pool_window_ok(const nest_q8_pool2d_desc *d) { return window_bytes(d) != 0; }

typedef struct window_job {
  const nest_q8_pool2d_desc *d;
  const uint8_t *x;
  uint8_t *y;
  int64_t bytes, R, steps; /* window bytes, output rows per block, planes per unit */
  __m512i tap[WINDOW_MAX_TAPS];
  __mmask64 upper[WINDOW_MAX_TAPS]; /* 256-byte windows: lanes whose byte is in the upper 128 */
} window_job;

/* Byte lanes of the 64 loaded at window offset at that lie inside the plane's [lo, hi) (window
 * offsets), never the window's last byte. */
static inline __mmask64 window_mask(int64_t at, int64_t lo, int64_t hi, int64_t bytes) {
  const int64_t a = lo - at < 0 ? 0 : lo - at, b0 = hi - at, b = b0 > 64 ? 64 : b0;
  __mmask64 m;
  if (a >= b) return 0;
  m = (b >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << b) - 1)) & ~(((__mmask64)1 << a) - 1);
  return at + 64 == bytes ? m & ~((__mmask64)1 << 63) : m;
}

static void window_plane(const window_job *j, int64_t plane) {
  const nest_q8_pool2d_desc *d = j->d;
  const int64_t HW = d->H * d->W, OW = d->OW, taps = d->KH * d->KW, loads = j->bytes / 64;
  const uint8_t *xp = j->x + plane * HW;
  uint8_t *yp = j->y + plane * d->OH * OW;
  const __m512i flip = _mm512_set1_epi8((char)(d->is_signed ? 0x80 : 0));
  int64_t oh0, t, l;
  for (oh0 = 0; oh0 < d->OH; oh0 += j->R) {
    const int64_t rows = d->OH - oh0 < j->R ? d->OH - oh0 : j->R, n = rows * OW;
    const int64_t base = (oh0 * d->stride_h - d->pad_top) * d->W; /* flat index of window byte 0 */
    __m512i w[4], best = _mm512_setzero_si512();
    /* masked lanes read 0, so the pointers may point outside the plane */
    for (l = 0; l < loads; ++l) {
      const __mmask64 m = window_mask(64 * l, -base, HW - base, j->bytes);
      w[l] = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, xp + base + 64 * l), _mm512_maskz_mov_epi8(m, flip));
    }
    if (loads == 2)
      for (t = 0; t < taps; ++t) best = _mm512_max_epu8(best, _mm512_permutex2var_epi8(w[0], j->tap[t], w[1]));
    else
      for (t = 0; t < taps; ++t)
        best = _mm512_max_epu8(best, _mm512_mask_blend_epi8(j->upper[t], _mm512_permutex2var_epi8(w[0], j->tap[t], w[1]),
                                                            _mm512_permutex2var_epi8(w[2], j->tap[t], w[3])));
    _mm512_mask_storeu_epi8(yp + oh0 * OW, n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1),
                            _mm512_xor_si512(best, flip));
  }
}

static void window_unit(void *ctx, int64_t u, void *scratch) {
  const window_job *j = (const window_job *)ctx;
  const int64_t total = j->d->N * j->d->C, p0 = u * j->steps, p1 = p0 + j->steps < total ? p0 + j->steps : total;
  int64_t p;
  (void)scratch;
  for (p = p0; p < p1; ++p) window_plane(j, p);
}

void nest_rt_q8_pool_window(const nest_q8_pool2d_desc *d, const void *x, void *y) {
  window_job j;
  int8_t idx[64];
  int64_t kh, kw, lane;
  j.d = d;
  j.x = (const uint8_t *)x;
  j.y = (uint8_t *)y;
  j.bytes = window_bytes(d);
  j.R = rows_for(d, j.bytes);
  for (kh = 0; kh < d->KH; ++kh)
    for (kw = 0; kw < d->KW; ++kw) {
      __mmask64 upper = 0;
      for (lane = 0; lane < 64; ++lane) {
        const int64_t r = lane / d->OW, ow = lane % d->OW;
        const int64_t iw = ow * d->stride_w - d->pad_left + kw * d->dilation_w;
        /* rows above or below the plane fall outside the loaded bytes and read 0 */
        const int64_t at = r < j.R && iw >= 0 && iw < d->W ? (r * d->stride_h + kh * d->dilation_h) * d->W + iw
                                                            : j.bytes - 1;
        idx[lane] = (int8_t)(uint8_t)(at & 127); /* vpermt2b reads 7 bits */
        if (at >= 128) upper |= (__mmask64)1 << lane;
      }
      j.tap[kh * d->KW + kw] = _mm512_loadu_si512(idx);
      j.upper[kh * d->KW + kw] = upper;
    }
  j.steps = nest_rt_steps_per_unit(d->N * d->C, 1);
  nest_rt_parallel(nest_rt_ceil_div(d->N * d->C, j.steps), window_unit, &j, 0, 0);
}

#endif
