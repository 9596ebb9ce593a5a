// Stable node keys: how a project file names a node of a model so that the name survives
// re-import and every graph pass (docs/project-file-format.md, "Assignments").
//
// The key of an imported node is its model name when it has one, otherwise `OP:OUTPUT` from its
// op type and first result name (ONNX result names are unique); the IR nodes the importer expands
// one ONNX node into all get that node's key (onnx_import.cpp, emitNode). Passes keep keys: a node a pass creates inherits the key of the first node
// it came from (rewrite::insertNode, and the pass manager for any node left without one).
#pragma once
#include <string>

#include "core/graph.h"

namespace nest {

// Sets `key` on every node that has none.
void assignStableKeys(Graph& graph);
std::string defaultNodeKey(const Node& node);
// The node's key, or the one it would get at load when it has none (a graph built in code).
std::string stableKey(const Node& node);

// The node's name as Glow and NEST-C write it in partition plans and profiles: the model name (or
// `OP_OUTPUT` when empty) with every character outside [A-Za-z0-9_] replaced by '_'.
std::string glowStyleName(const Node& node);

}  // namespace nest
