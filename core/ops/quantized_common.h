// Helpers the integer kernels share (core/ops/quantized_ops.cpp defines them; the integer
// LayerNormalization and Softmax in quantized_norm_ops.cpp use them too). Internal to core/ops.
#pragma once
#include <optional>
#include <vector>

#include "core/op_table.h"

namespace nest::quantops {

// out_type / out_scale / out_zero_point, added by the quantize pass (AttrSpec::passAdded).
extern const std::vector<AttrSpec> kOutQuantAttrs;

// i8, u8, i16, u16: the element types of quantized activations.
bool isActivationElem(ElemType e);

// The quantized result type named by the node's out_* attributes (fails naming the node).
TensorType outQuantType(InferContext& ctx, Shape shape);

// Operand i must be quantized, i8 / u8 / i16 / u16, per tensor unless `perChannelAxis` allows
// that axis; fails naming the node and `what` otherwise.
const QuantParams& requireQuantized(InferContext& ctx, size_t i, const char* what,
                                    std::optional<int64_t> perChannelAxis = std::nullopt);

// A result's parameters and clamp bounds (the element range narrowed by a fused Relu / Clip).
struct OutQuant {
  ElemType elem;
  float scale;
  int64_t zp, lo, hi;
};
OutQuant outQuantOf(const KernelContext& ctx, size_t result = 0);

}  // namespace nest::quantops
