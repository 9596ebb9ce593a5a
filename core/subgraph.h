// A part of a graph as a graph of its own, for running parts of one model on different backends
// (the NPU's CPU fallback). No Qt.
#pragma once
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest {

// The nodes at `nodeIndices` (indices into graph.nodes, in increasing order) with the constants
// they read. Its inputs are the other values they read (in first-use order); its outputs are the
// results read by a node outside the part or listed among the graph's outputs (in node order).
// Node ids, names and keys are kept.
Graph extractSubgraph(const Graph& graph, const std::vector<size_t>& nodeIndices, const std::string& name);

}  // namespace nest
