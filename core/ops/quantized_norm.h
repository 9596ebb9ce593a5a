// Integer LayerNormalization and Softmax (int16 precision; docs/quantization.md, "Integer
// LayerNorm and Softmax"): the fixed-point constants and integer helpers that the kernels
// (core/ops/quantized_norm_ops.cpp), the quantize pass and the tests share.
//
// LayerNormalization (I-BERT style), per row of N elements along the normalized axes, d = q - zp:
//   S1 = sum d, S2 = sum d^2 (64-bit), c = N d - S1 (= N (d - mean)), V = N S2 - S1^2 (= N^2 var),
//   E = round(N^2 eps / s_x^2) (epsilon in that domain, once per node),
//   R = isqrt64 of V + E shifted into [2^62, 2^64) by an even shift 2k (sqrt(V + E) = R / 2^k),
//   z = round(c 2^(F + k) / R): the normalized value in fixed point, F = kLayerNormFractionBits,
//   acc = z (g - zp_g) + b: scale s_g 2^-F (the quantize pass quantizes B with exactly that scale),
//   y = zp_y + requantize(acc, s_g 2^-F / s_y), clamped.
// Softmax along any axis: d = q - max q (<= 0), e = table[-d] with
//   table[k] = round(exp(-s_x k) 2^31) (uint32, built once per node with float exp, ending at its
//   first zero), sum = sum e (64-bit), y = zp_y + round(e M / (sum 2^P)) with M = round(2^P / s_y)
//   by integer division, clamped.
#pragma once
#include <cstdint>
#include <vector>

namespace nest {

// Fraction bits of LayerNormalization's normalized value z (its scale is 2^-24); B's scale is
// Scale's times 2^-24 (quantized like a Conv bias, with the normalized value as the input).
constexpr int kLayerNormFractionBits = 24;

// floor(sqrt(v)), exactly.
uint64_t isqrt64(uint64_t v);

// Softmax's exponential table for an operand of scale `inputScale` whose largest difference from
// the row maximum is `span` (qmax - qmin): entry k = round(exp(-inputScale k) 2^31) for k = 0 ...
// while the entries are nonzero, at most span + 1 entries (a difference past the end reads 0).
std::vector<uint32_t> softmaxExpTable(float inputScale, int64_t span);

}  // namespace nest
