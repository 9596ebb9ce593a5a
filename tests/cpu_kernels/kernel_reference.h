/* Naive double-precision references for the CPU runtime kernels (test and benchmark only). */
#ifndef NEST_KERNEL_REFERENCE_H
#define NEST_KERNEL_REFERENCE_H

#include "../../backends/cpu/runtime/nest_runtime.h"

/* Deterministic uniform floats in [-1, 1). */
float ref_random(uint64_t *state);
void ref_fill(float *x, int64_t n, uint64_t *state);

double ref_act(const nest_act *a, double x);

/* y = act(conv(x, w * scale) + bias) and mag = sum of |terms| per output (for the tolerance). */
void ref_conv2d(const nest_conv2d_desc *d, const float *x, const float *w, const float *scale, const float *bias,
                double *y, double *mag);
void ref_gemm(const nest_gemm_desc *d, const float *a, const float *b, const float *c, double *y, double *mag);
/* mag: sum of |inputs| / divisor for average pooling (0 for max pooling, which is exact). */
void ref_pool2d(const nest_pool2d_desc *d, int is_max, const float *x, double *y, double *mag);

#endif
