/* Int8 lookup-table activations (nest_rt_q8_lut.h). */
#include "nest_rt_q8_lut.h"

void nest_q8_lut(int32_t x_signed, const void *x, void *y, int64_t n, const uint8_t lut[256]) {
  uint8_t *out = (uint8_t *)y;
  int64_t i;
  if (x_signed) {
    const int8_t *in = (const int8_t *)x;
    for (i = 0; i < n; ++i) out[i] = lut[(int32_t)in[i] + 128];
  } else {
    const uint8_t *in = (const uint8_t *)x;
    for (i = 0; i < n; ++i) out[i] = lut[in[i]];
  }
}
