// partitionGraph() and the strategy names.
#include <algorithm>
#include <random>

#include "backends/partition/schedule_dag.h"
#include "core/error.h"

namespace nest::partition {

Strategy parseStrategy(const std::string& text) {
  if (text == "auto") return Strategy::Auto;
  if (text == "greedy") return Strategy::Greedy;
  if (text == "nestc-dp") return Strategy::NestcDp;
  if (text == "cpu") return Strategy::Cpu;
  failBadInput("unknown partitioning strategy '" + text + "' (expected auto, greedy, nestc-dp or cpu)");
}

std::string strategyName(Strategy s) {
  switch (s) {
    case Strategy::Auto: return "auto";
    case Strategy::Greedy: return "greedy";
    case Strategy::NestcDp: return "nestc-dp";
    case Strategy::Cpu: return "cpu";
  }
  return "auto";
}

namespace {

// Ours: the series-parallel DP, then hill climbing from it and from each baseline; the best
// placement by the schedule model (memory overflow first, latency, fewer partitions).
std::vector<int> autoPlacement(const detail::Dag& dag) {
  detail::SubsetScheduler scheduler(dag);
  const bool small = dag.nodeCount <= 24;
  const long budget = small ? 400000 : 6000;
  std::vector<std::vector<int>> starts = {detail::seriesParallelPlacement(dag), detail::greedyPlacement(dag)};
  if (small) {
    starts.push_back(detail::cpuPlacement(dag));
    starts.push_back(detail::nestcDpPlacement(dag));
  }
  std::vector<int> best;
  detail::Score bestScore;
  for (std::vector<int>& start : starts) {
    for (int i = 0; i < dag.nodeCount; ++i)  // baselines may use a device a node cannot run on
      if (!(dag.allowed[i] & (1u << start[i])))
        for (int d = 0; d < dag.deviceCount; ++d)
          if (dag.allowed[i] & (1u << d)) { start[i] = d; break; }
    std::vector<int> polished = detail::improveByLocalSearch(dag, start, budget);
    detail::Score s = scheduler.runAll(polished);
    if (best.empty() || detail::better(s, bestScore)) { best = std::move(polished); bestScore = s; }
  }
  // Small graphs: iterated local search, kicking the best placement by a few random moves
  // (seeded: the result is deterministic) to escape local optima.
  if (small) {
    std::mt19937 rng(12345);
    for (int round = 0; round < 120; ++round) {
      std::vector<int> kicked = best;
      for (int k = 0; k < 2 + round % 5; ++k) {
        int node = std::uniform_int_distribution<int>(0, dag.nodeCount - 1)(rng);
        int dev = std::uniform_int_distribution<int>(0, dag.deviceCount - 1)(rng);
        if (dag.allowed[node] & (1u << dev)) kicked[node] = dev;
      }
      std::vector<int> polished = detail::improveByLocalSearch(dag, kicked, budget);
      detail::Score s = scheduler.runAll(polished);
      if (detail::better(s, bestScore)) { best = std::move(polished); bestScore = s; }
    }
  }
  return best;
}

}  // namespace

Schedule partitionGraph(const Graph& graph, const CostModel& costs, Strategy strategy, const std::map<size_t, int>& pins) {
  detail::Dag dag = detail::buildDag(graph, costs, pins);
  std::vector<int> placement;
  switch (strategy) {
    case Strategy::Cpu: placement = detail::cpuPlacement(dag); break;
    case Strategy::Greedy: placement = detail::greedyPlacement(dag); break;
    case Strategy::NestcDp:
      detail::requireEveryNodePlaceable(graph, dag);
      placement = detail::nestcDpPlacement(dag);
      break;
    case Strategy::Auto:
      detail::requireEveryNodePlaceable(graph, dag);
      placement = autoPlacement(dag);
      break;
  }
  return evaluate(graph, costs, placement);
}

}  // namespace nest::partition
