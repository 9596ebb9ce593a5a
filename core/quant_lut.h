// Integer lookup tables for element-wise activations of quantized graphs (docs/quantization.md,
// "Lookup-table activations"): with an 8-bit operand there are only 256 possible inputs, so the
// integer op is a table of 256 results, each computed once from the op's own float kernel:
//   lut[q - qmin] = quantize(f(dequantize(q))).
// The interpreter's integer kernel, the CPU backend's lowering (qlut) and the tests all build
// the table with this one function, so every path gives the same integers.
#pragma once
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest {

// Ops quantized as one table lookup: HardSwish, HardSigmoid, Sigmoid, Tanh, and the fused
// Swish and Gelu.
bool isLutActivation(const std::string& op);

// The 256 results (as int64) of node `n` (a LUT activation with its attributes) for an operand
// of type `in` and a result of type `out`, both i8 or u8 per tensor; entry k is the result for
// q = qmin(in) + k. Fails with BadInput for other types.
std::vector<int64_t> activationLut(const Node& n, const TensorType& in, const TensorType& out);

}  // namespace nest
