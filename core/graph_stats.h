// Facts about a graph for `nestc info`, the workbench status bar and reports.
#pragma once
#include <map>
#include <string>

#include "core/graph.h"

namespace nest {

struct GraphStats {
  std::map<std::string, int64_t> opHistogram;  // op -> node count
  int64_t nodeCount = 0;
  int64_t parameterCount = 0;  // elements in all constants
  int64_t parameterBytes = 0;
  int64_t macs = 0;  // multiply-accumulates of one inference (ops with a MAC estimate)
};

GraphStats computeStats(const Graph& graph);
// A count for people: "1.46 G", "25.53 M", "12.5 k", "12".
std::string humanCount(int64_t n);
// MACs of one node (0 for ops without an estimate).
int64_t nodeMacs(const Graph& graph, const Node& node);

}  // namespace nest
