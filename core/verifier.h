// Graph verifier: structural checks and re-inference of every node's types.
#pragma once
#include "core/graph.h"

namespace nest {

// Throws an Error naming the node and the reason when the graph is malformed:
// unknown op, wrong operand count, undeclared or mistyped attribute, use before definition,
// value defined twice, recorded type differing from inference, duplicate node id, bad outputs.
void verifyGraph(const Graph& graph);

}  // namespace nest
