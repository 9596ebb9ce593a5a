/* 3x3 max pools at stride 1 or 2 (ResNet, SqueezeNet, GoogLeNet) on NCHW planes with AVX-512.
 * The max of a window is the max of its column maxima, so each output row first takes the
 * element-wise max of its (up to) three input rows into a buffer row, then the max of three
 * neighbouring buffer elements: per 16 outputs about 6 loads, 4 max and, at stride 2, one permute
 * that keeps the even lanes. The window kernel of nest_rt_window3.h took each tap of each input
 * row separately (3 permutes per input row and chunk at stride 2) and ran GoogLeNet's pools at
 * 2-4x onnxruntime's time. Input rows are read with plain loads where they fit: masked loads on
 * every row measured a quarter slower on the Zen 5 VM.
 * At stride 1 with one element of padding all round ("same" pools, GoogLeNet's branch pools), a
 * plane of up to FLAT_MAX_PIXELS is pooled as one flat array instead: the row max x[p-1..p+1]
 * (lanes at a row's first or last column masked), then the max of three such values W apart, so
 * a 7x7 or 14x14 plane fills whole vectors instead of 7 or 14 lanes of one per row.
 * Padding and columns outside the input never win: their lanes are masked to -inf. */
#include <math.h>

#include "nest_rt_conv_internal.h"
#include "nest_rt_simd.h"

#define FLAT_MAX_PIXELS 2048

int nest_rt_maxpool3_applies(const nest_pool2d_desc *d) {
  return d->KH == 3 && d->KW == 3 && d->dilation_h == 1 && d->dilation_w == 1 && d->stride_h == d->stride_w &&
         (d->stride_h == 1 || d->stride_h == 2);
}

/* Row buffer floats: element i holds input column i - pad_left; reads reach stride * 16 * vectors + 2. */
static int64_t row_floats(const nest_pool2d_desc *d) {
  const int64_t need = d->stride_w * 16 * ((d->OW + 15) / 16) + 2, cols = d->pad_left + d->W;
  return NEST_RT_ALIGN_UP(need > cols ? need : cols, 16) + 16;
}

size_t nest_rt_maxpool3_scratch_floats(const nest_pool2d_desc *d) {
  const int64_t flat = NEST_RT_ALIGN_UP(d->H * d->W, 16) + 16; /* pool_flat's hb_floats */
  const int64_t rows = d->OH * row_floats(d);                   /* pool_rows' buffer */
  return (size_t)(flat > rows ? flat : rows);
}

#if defined(__AVX512F__)
static int flat_applies(const nest_pool2d_desc *d) {
  return d->stride_h == 1 && d->pad_top == 1 && d->pad_left == 1 && d->OH == d->H && d->OW == d->W &&
         d->H * d->W <= FLAT_MAX_PIXELS;
}

/* Output rows [oh0, oh1) of planes [nc0, nc1) through a buffer of OH rows: all the column maxima
 * of a plane first, then all its outputs (reading a row back right after storing it stalled on
 * store forwarding). */
static void pool_rows(const nest_pool2d_desc *d, const float *x, float *y, float *vb, int64_t nc0, int64_t nc1,
                      int64_t oh0, int64_t oh1) {
  const int64_t H = d->H, W = d->W, OH = d->OH, OW = d->OW, s = d->stride_w, pl = d->pad_left;
  const int64_t len = row_floats(d);
  const __m512 ninf = _mm512_set1_ps(-INFINITY);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  /* only [pl, pl + W) of a row whose window meets the input is ever rewritten */
  for (int64_t i = oh0 * len; i < oh1 * len; i += 16) _mm512_storeu_ps(vb + i, ninf);
  for (int64_t plane = nc0; plane < nc1; ++plane) {
    const float *xp = x + plane * H * W;
    float *yp = y + plane * OH * OW;
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      const int64_t ih0 = oh * d->stride_h - d->pad_top;
      const int64_t r0 = ih0 < 0 ? 0 : ih0, r1 = ih0 + 3 < H ? ih0 + 3 : H;
      if (r0 >= r1) continue;
      const float *row = xp + r0 * W;
      float *dst = vb + oh * len + pl;
      int64_t j = 0;
      if (r1 - r0 == 3)
        for (; j + 16 <= W; j += 16)
          _mm512_storeu_ps(dst + j, _mm512_max_ps(_mm512_max_ps(_mm512_loadu_ps(row + j), _mm512_loadu_ps(row + W + j)),
                                                  _mm512_loadu_ps(row + 2 * W + j)));
      for (; j < W; j += 16) {
        const __mmask16 m = nest_rt_lanes_inside(0, W - j);
        __m512 v = _mm512_maskz_loadu_ps(m, row + j);
        for (int64_t r = 1; r < r1 - r0; ++r) v = _mm512_max_ps(v, _mm512_maskz_loadu_ps(m, row + r * W + j));
        _mm512_mask_storeu_ps(dst + j, m, v);
      }
    }
    for (int64_t oh = oh0; oh < oh1; ++oh)
      for (int64_t ow = 0; ow < OW; ow += 16) {
        const float *b = vb + oh * len + s * ow;
        __m512 out = _mm512_max_ps(_mm512_max_ps(_mm512_loadu_ps(b), _mm512_loadu_ps(b + 1)), _mm512_loadu_ps(b + 2));
        if (s == 2) {
          const __m512 hi = _mm512_max_ps(_mm512_max_ps(_mm512_loadu_ps(b + 16), _mm512_loadu_ps(b + 17)),
                                          _mm512_loadu_ps(b + 18));
          out = _mm512_permutex2var_ps(out, even, hi);
        }
        if (ow + 16 <= OW)
          _mm512_storeu_ps(yp + oh * OW + ow, out);
        else
          _mm512_mask_storeu_ps(yp + oh * OW + ow, nest_rt_lanes_inside(0, OW - ow), out);
      }
  }
}

/* "Same" stride-1 pools of planes [nc0, nc1), each as one flat array through hb (the row maxima). */
static void pool_flat(const nest_pool2d_desc *d, const float *x, float *y, float *hb, int64_t nc0, int64_t nc1) {
  const int64_t W = d->W, HW = d->H * d->W, vecs = (HW + 15) / 16;
  const __m512 ninf = _mm512_set1_ps(-INFINITY);
  /* per vector: lanes with a left / right neighbour in their row, and with a row above / below */
  __mmask16 left[FLAT_MAX_PIXELS / 16], right[FLAT_MAX_PIXELS / 16], up[FLAT_MAX_PIXELS / 16],
      down[FLAT_MAX_PIXELS / 16], valid[FLAT_MAX_PIXELS / 16];
  for (int64_t v = 0; v < vecs; ++v) {
    unsigned l = 0, r = 0, u = 0, dn = 0;
    for (int i = 0; i < 16; ++i) {
      const int64_t p = v * 16 + i;
      if (p >= HW) break;
      if (p % W > 0) l |= 1u << i;
      if (p % W < W - 1) r |= 1u << i;
      if (p >= W) u |= 1u << i;
      if (p < HW - W) dn |= 1u << i;
    }
    left[v] = (__mmask16)l, right[v] = (__mmask16)r, up[v] = (__mmask16)u, down[v] = (__mmask16)dn;
    valid[v] = nest_rt_lanes_inside(0, HW - v * 16);
  }
  const int64_t hb_floats = NEST_RT_ALIGN_UP(HW, 16) + 16;
  for (int64_t plane = nc0; plane < nc1; ++plane) {
    const float *xp = x + plane * HW;
    float *yp = y + plane * HW;
    for (int64_t v = 0; v < vecs; ++v) {
      const float *a = xp + v * 16;
      __m512 h;
      if (v > 0 && v * 16 + 16 < HW) /* all three loads inside the plane */
        h = _mm512_max_ps(_mm512_max_ps(_mm512_loadu_ps(a), _mm512_mask_mov_ps(ninf, left[v], _mm512_loadu_ps(a - 1))),
                          _mm512_mask_mov_ps(ninf, right[v], _mm512_loadu_ps(a + 1)));
      else
        h = _mm512_max_ps(_mm512_max_ps(_mm512_mask_loadu_ps(ninf, valid[v], a), _mm512_mask_loadu_ps(ninf, left[v], a - 1)),
                          _mm512_mask_loadu_ps(ninf, right[v], a + 1));
      _mm512_storeu_ps(hb + v * 16, h);
    }
    for (int64_t v = 0; v < vecs; ++v) {
      const float *a = hb + v * 16;
      __m512 o;
      if (v * 16 >= W && v * 16 + W + 16 <= hb_floats)
        o = _mm512_max_ps(_mm512_max_ps(_mm512_loadu_ps(a), _mm512_mask_mov_ps(ninf, up[v], _mm512_loadu_ps(a - W))),
                          _mm512_mask_mov_ps(ninf, down[v], _mm512_loadu_ps(a + W)));
      else
        o = _mm512_max_ps(_mm512_max_ps(_mm512_loadu_ps(a), _mm512_mask_loadu_ps(ninf, up[v], a - W)),
                          _mm512_mask_loadu_ps(ninf, down[v], a + W));
      if (v * 16 + 16 <= HW)
        _mm512_storeu_ps(yp + v * 16, o);
      else
        _mm512_mask_storeu_ps(yp + v * 16, valid[v], o);
    }
  }
}

int nest_rt_maxpool3_by_rows(const nest_pool2d_desc *d) { return !flat_applies(d); }

void nest_rt_maxpool3(const nest_pool2d_desc *d, const float *x, float *y, float *scratch, int64_t nc0, int64_t nc1,
                      int64_t oh0, int64_t oh1) {
  if (flat_applies(d))
    pool_flat(d, x, y, scratch, nc0, nc1);
  else
    pool_rows(d, x, y, scratch, nc0, nc1, oh0, oh1);
}
#endif
