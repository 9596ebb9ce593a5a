// Lowering from the graph IR to the low-level IR (core/low_ir.h): one LIR instruction per kernel
// call, weights as weight buffers, Reshape-like nodes as views (aliases, no instruction). The
// result has no alloc/dealloc yet and nothing placed; the LIR passes (lir_passes.h) do that.
#pragma once
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/low_ir.h"

namespace nest {

// Why `node` cannot be lowered (empty when it can): an op without an LIR kernel, an element type
// the kernel does not take, a form it does not handle (e.g. a 3-D convolution).
std::string loweringUnsupportedReason(const Graph& graph, const Node& node);

struct UnsupportedNode {
  NodeId id;
  std::string node;  // Node::describe()
  std::string reason;
};
// Every node of `graph` that cannot be lowered, in graph order.
std::vector<UnsupportedNode> unsupportedForLowering(const Graph& graph);

// Lowers a verified graph. Throws Unsupported listing every node that cannot be lowered.
lir::Function lowerToLir(const Graph& graph);

}  // namespace nest
