// Integer lookup tables for element-wise activations of quantized graphs (docs/quantization.md,
// "Lookup-table activations"): with an 8-bit operand there are only 256 possible inputs, so the
// integer op is a table of 256 results (65,536 for a 16-bit operand: int16 precision), each
// computed once from the op's own float kernel:
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

// The element types a table op takes as operand and result: i8, u8, i16, u16.
bool isLutElem(ElemType e);

// The results (as int64) of node `n` (a LUT activation with its attributes) for every value of an
// operand of type `in` (256 or 65,536 entries) and a result of type `out`, both per tensor of a
// type isLutElem takes; entry k is the result for q = qmin(in) + k. Fails with BadInput otherwise.
std::vector<int64_t> activationLut(const Node& n, const TensorType& in, const TensorType& out);

}  // namespace nest
