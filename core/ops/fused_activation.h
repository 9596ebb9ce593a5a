// Fused activations: Conv, Gemm and Add may carry an activation applied to their result, as the
// String attribute `activation` ("Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSwish") and the
// Floats attribute `activation_params` (Clip: [min, max]; LeakyRelu: [alpha]; others: absent or
// empty). The fuse-activations pass creates them; kernels apply them with exactly the arithmetic of
// the standalone activation kernels, so fusing never changes a result.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/op_table.h"

namespace nest::ops {

enum class FusedActivationKind { Relu, Clip, LeakyRelu, Sigmoid, HardSwish };

struct FusedActivation {
  FusedActivationKind kind;
  std::vector<float> params;
};

// The attribute declarations (pass-added) to append to an op's attrs.
const std::vector<AttrSpec>& fusedActivationAttrs();

// The activation names kernels can fuse (Relu, Clip, LeakyRelu, Sigmoid, HardSwish).
const std::vector<std::string>& fusableActivationNames();
bool isFusableActivationName(const std::string& name);

// Declares that every fusable activation may fuse into `def`: appends the attributes and sets
// OpDef::fusableActivations. Each producer op's family file calls it once.
void declareFusedActivations(OpDef& def);

// Parses the node's fused activation; nullopt when it carries none. Throws BadInput naming the
// node for an unknown name, a wrong parameter count or params without an activation.
std::optional<FusedActivation> fusedActivationOf(const Node& node);

// For inference: validates the attributes and that the result type `elem` is a float type
// (fused activations are only defined on F32, F16 and F64); fails through ctx.
void checkFusedActivation(InferContext& ctx, ElemType elem);

// Applies the node's fused activation (if any) to a kernel's result in place.
void applyFusedActivation(const Node& node, Tensor& result);

}  // namespace nest::ops
