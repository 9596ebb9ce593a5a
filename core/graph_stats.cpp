#include "core/graph_stats.h"

#include "core/op_table.h"

namespace nest {

int64_t nodeMacs(const Graph& g, const Node& n) {
  const OpDef* def = OpTable::instance().find(n.op);
  if (!def || !def->macs) return 0;
  std::vector<const TensorType*> ins, outs;
  for (const std::string& in : n.inputs) ins.push_back(in.empty() ? nullptr : &g.typeOf(in));
  for (const std::string& out : n.outputs) outs.push_back(&g.typeOf(out));
  return def->macs(n, ins, outs);
}

GraphStats computeStats(const Graph& g) {
  GraphStats s;
  for (const Node& n : g.nodes) {
    ++s.opHistogram[n.op];
    s.macs += nodeMacs(g, n);
  }
  s.nodeCount = static_cast<int64_t>(g.nodes.size());
  for (const auto& [name, t] : g.constants()) {
    s.parameterCount += t.numElements();
    s.parameterBytes += static_cast<int64_t>(t.byteSize());
  }
  return s;
}

}  // namespace nest
