// exhaustiveOptimum(): every placement of a small graph, scored by the one schedule model.
#include <string>

#include "backends/partition/schedule_dag.h"
#include "core/error.h"

namespace nest::partition {

Schedule exhaustiveOptimum(const Graph& graph, const CostModel& costs, const std::map<size_t, int>& pins) {
  constexpr size_t kMaxNodes = 18;
  if (graph.nodes.size() > kMaxNodes)
    failBadInput("partitioner: the exhaustive search takes at most " + std::to_string(kMaxNodes) + " nodes, '" + graph.name + "' has " +
                 std::to_string(graph.nodes.size()));
  detail::Dag dag = detail::buildDag(graph, costs, pins);
  detail::requireEveryNodePlaceable(graph, dag);
  const int n = dag.nodeCount;
  // Odometer over each node's allowed devices.
  std::vector<std::vector<int>> choices(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    for (int d = 0; d < dag.deviceCount; ++d)
      if (dag.allowed[i] & (1u << d)) choices[i].push_back(d);
  std::vector<size_t> digit(static_cast<size_t>(n), 0);
  std::vector<int> placement(static_cast<size_t>(n)), best;
  for (int i = 0; i < n; ++i) placement[i] = choices[i][0];
  detail::SubsetScheduler scheduler(dag);
  detail::Score bestScore;
  bool any = false;
  while (true) {
    detail::Score s = scheduler.runAll(placement);
    if (!any || detail::better(s, bestScore)) { bestScore = s; best = placement; any = true; }
    int i = 0;
    for (; i < n; ++i) {
      if (++digit[i] < choices[i].size()) { placement[i] = choices[i][digit[i]]; break; }
      digit[i] = 0;
      placement[i] = choices[i][0];
    }
    if (i == n) break;
  }
  return evaluate(graph, costs, best);  // names the device when even the best overflows memory
}

}  // namespace nest::partition
