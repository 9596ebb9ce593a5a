// Lowering of quantized graph nodes (docs/quantization.md) to the LIR's integer kernels
// (docs/low-level-ir.md, "Integer kernels"). lower_to_lir.cpp calls these for every node with a
// quantized operand or result; Reshape / Flatten (views) and Transpose (an index map) on
// quantized values need no integer kernel and are lowered as for floats.
#pragma once
#include <string>

#include "core/attribute.h"
#include "core/graph.h"

namespace nest {

// True when some graph value carries quantization parameters (the graph came from the quantize
// pass, which ran the float pipeline already).
bool hasQuantizedValues(const Graph& graph);

// Why a node with quantized operands cannot be lowered ("" when it can): int8/uint8 only.
std::string quantLoweringUnsupportedReason(const Graph& graph, const Node& node);

// True when the quantized node becomes one integer instruction (lowerQuantNode), false for the
// views and Transpose.
bool quantNodeHasKernel(const Node& node);

// The instruction for a quantized node: operands are the node's inputs in order (an absent bias
// is an absent operand), one result. Params hold every integer constant the kernel needs:
// requantization multipliers and shifts, weight zero points, clamp bounds, geometry.
struct QuantInstr {
  std::string kernel;
  Attributes params;
};
QuantInstr lowerQuantNode(const Graph& graph, const Node& node);

}  // namespace nest
