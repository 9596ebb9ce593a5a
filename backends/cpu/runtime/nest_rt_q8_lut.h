/* NEST CPU runtime, int8 lookup-table activations (docs/quantization.md, "Lookup-table
 * activations"): HardSwish, HardSigmoid, Sigmoid, Tanh, Swish and Gelu on 8-bit values are one
 * table of 256 results, built by the compiler with the interpreter's own function
 * (core/quant_lut.h), so the bundle gives the interpreter's integers exactly. C99, no allocation. */
#ifndef NEST_RT_Q8_LUT_H
#define NEST_RT_Q8_LUT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y[i] = lut[x[i] - qmin] for n elements: x i8 (x_signed, qmin -128) or u8 (qmin 0); y 8-bit of
 * either signedness (the table holds its bytes). */
void nest_q8_lut(int32_t x_signed, const void *x, void *y, int64_t n, const uint8_t lut[256]);

#ifdef __cplusplus
}
#endif

#endif
