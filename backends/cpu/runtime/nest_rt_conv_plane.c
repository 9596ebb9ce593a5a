/* The padded, phase-split input plane used by the direct depthwise conv and by pooling. */
#include <string.h>

#include "nest_rt_conv_internal.h"
#include "nest_rt_simd.h"

nest_rt_plane nest_rt_plane_geometry(int64_t OH, int64_t OW, int64_t KH, int64_t KW, int64_t sh,
                                     int64_t sw, int64_t dh, int64_t dw) {
  nest_rt_plane p;
  p.rows = (OH - 1) * sh + (KH - 1) * dh + 1;
  /* a multiple of the widest vector, so phase rows are whole vectors */
  p.phase_w = NEST_RT_ALIGN_UP(NEST_RT_ALIGN_UP(OW, NEST_RT_VL_MAX) + (KW - 1) * dw / sw + 1, NEST_RT_VL_MAX);
  p.pitch = sw * p.phase_w;
  return p;
}

/* The plane plus one padded row of staging (stride 2 splits it into the two phases). */
size_t nest_rt_plane_floats(const nest_rt_plane *p) {
  return (size_t)((p->rows + 1) * p->pitch + 2 * NEST_RT_VL_MAX);
}

static void fill_floats(float *dst, int64_t n, float fill) {
  const nest_vf v = nest_vset1(fill);
  int64_t i = 0;
  for (; i + NEST_VL <= n; i += NEST_VL) nest_vstore(dst + i, v);
  for (; i < n; ++i) dst[i] = fill;
}

/* dst[0, n) = the input row seen through the padding: dst[c] = src[c - pad_left] inside [0, W).
 * interior_only: dst already holds the padding; only the input's columns are written. */
static void padded_row(float *dst, int64_t n, const float *src, int64_t W, int64_t pad_left, float fill,
                       int interior_only) {
  const int64_t c0 = pad_left < n ? pad_left : n;
  const int64_t c1 = pad_left + W < n ? pad_left + W : n;
  if (!interior_only) fill_floats(dst, c0, fill);
  if (c1 > c0) memcpy(dst + c0, src, (size_t)(c1 - c0) * sizeof(float));
  if (!interior_only) fill_floats(dst + (c1 > c0 ? c1 : c0), n - (c1 > c0 ? c1 : c0), fill);
}

void nest_rt_plane_fill(const nest_rt_plane *p, const float *x, int64_t H, int64_t W, int64_t pad_top,
                        int64_t pad_left, int64_t sw, float fill, int interior_only, float *buf) {
  nest_rt_plane_fill_rows(p, x, H, W, pad_top, pad_left, sw, fill, interior_only, buf, buf + p->rows * p->pitch, 0,
                          p->rows);
}

void nest_rt_plane_fill_rows(const nest_rt_plane *p, const float *x, int64_t H, int64_t W, int64_t pad_top,
                             int64_t pad_left, int64_t sw, float fill, int interior_only, float *buf, float *stage,
                             int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; ++r) {
    float *dst = buf + r * p->pitch;
    const int64_t ih = r - pad_top;
    if (ih < 0 || ih >= H) {
      if (!interior_only) fill_floats(dst, p->pitch, fill);
      continue;
    }
    if (sw == 1) {
      padded_row(dst, p->pitch, x + ih * W, W, pad_left, fill, interior_only);
    } else if (sw == 2) { /* the staging row's padding also stays from the first plane */
      padded_row(stage, p->pitch + 2 * NEST_VL, x + ih * W, W, pad_left, fill, interior_only);
      float *even = dst, *odd = dst + p->phase_w;
      for (int64_t j = 0; j < p->phase_w; j += NEST_VL) {
        nest_vstore(even + j, nest_vload_even(stage + 2 * j));
        nest_vstore(odd + j, nest_vload_even(stage + 2 * j + 1));
      }
    } else {
      const float *src = x + ih * W;
      for (int64_t t = 0; t < sw; ++t) {
        float *ph = dst + t * p->phase_w;
        for (int64_t j = 0; j < p->phase_w; ++j) {
          const int64_t iw = j * sw + t - pad_left;
          ph[j] = iw >= 0 && iw < W ? src[iw] : fill;
        }
      }
    }
  }
}
