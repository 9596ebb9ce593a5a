#include "backends/backend.h"

#include <algorithm>

#include "core/error.h"
#include "core/graph_stats.h"

namespace nest {

NodeCost Backend::cost(const Graph& graph, const Node& node) const {
  NodeCost c;
  c.macs = nodeMacs(graph, node);
  for (const auto* list : {&node.inputs, &node.outputs})
    for (const std::string& v : *list)
      if (!v.empty()) c.bytes += graph.typeOf(v).byteSize();
  c.microseconds = static_cast<double>(c.macs) / 1e3 + static_cast<double>(c.bytes) / 1e4;
  return c;
}

bool Backend::runsPrecision(const std::string& precision) const {
  const std::vector<std::string> p = capabilities().precisions;
  return std::find(p.begin(), p.end(), precision) != p.end();
}

std::vector<std::string> Backend::unsupportedNodes(const Graph& graph) const {
  std::vector<std::string> out;
  for (const Node& n : graph.nodes)
    if (std::string r = unsupportedReason(graph, n); !r.empty()) out.push_back(n.describe() + ": " + r);
  return out;
}

void Backend::requireSupported(const Graph& graph) const {
  std::vector<std::string> bad = unsupportedNodes(graph);
  if (bad.empty()) return;
  std::string msg = "the " + name() + " backend does not support " + std::to_string(bad.size()) + " node(s):";
  for (const std::string& line : bad) msg += "\n  " + line;
  failUnsupported(msg);
}

}  // namespace nest
