#include "core/graph_stats.h"

#include <cstdio>

#include "core/op_table.h"

namespace nest {

std::string humanCount(int64_t n) {
  char buf[32];
  if (n >= 1000000000) std::snprintf(buf, sizeof buf, "%.2f G", n / 1e9);
  else if (n >= 1000000) std::snprintf(buf, sizeof buf, "%.2f M", n / 1e6);
  else if (n >= 1000) std::snprintf(buf, sizeof buf, "%.1f k", n / 1e3);
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  return buf;
}

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
