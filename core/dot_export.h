// Graphviz DOT of a graph: one box per node (op, name, result shapes), edges labelled with the
// tensor type; inputs, outputs and constants as their own shapes.
#pragma once
#include <string>

#include "core/graph.h"

namespace nest {

struct DotOptions {
  bool showConstants = false;  // draw constant operands as nodes (off: mention them in the label)
};

std::string graphToDot(const Graph& graph, const DotOptions& options = {});
// Fill colour of an op category (shared by DOT, SVG export and the workbench legend).
std::string categoryColor(const std::string& category);

}  // namespace nest
