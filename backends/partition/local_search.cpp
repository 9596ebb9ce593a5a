// Hill climbing over placements with the real schedule model: the polish after the dynamic
// program, and the fallback for regions it does not decompose.
#include <algorithm>

#include "backends/partition/schedule_dag.h"

namespace nest::partition::detail {

std::vector<int> improveByLocalSearch(const Dag& dag, std::vector<int> placement, long maxEvaluations) {
  SubsetScheduler scheduler(dag);
  Score current = scheduler.runAll(placement);
  long evaluations = 1;
  const int n = dag.nodeCount;
  // Runs of consecutive nodes moved together: all lengths on small graphs, short ones on large.
  const int longestRun = n <= 24 ? n : 8;
  std::vector<int> trial;
  bool improved = true;
  while (improved && evaluations < maxEvaluations) {
    improved = false;
    for (int length = 1; length <= longestRun && evaluations < maxEvaluations; ++length)
      for (int first = 0; first + length <= n && evaluations < maxEvaluations; ++first)
        for (int dev = 0; dev < dag.deviceCount; ++dev) {
          trial = placement;
          bool changed = false;
          for (int i = first; i < first + length; ++i)
            if ((dag.allowed[i] & (1u << dev)) && trial[i] != dev) { trial[i] = dev; changed = true; }
          if (!changed) continue;
          Score s = scheduler.runAll(trial);
          ++evaluations;
          if (better(s, current)) {
            current = s;
            placement.swap(trial);
            improved = true;
          }
        }
  }
  // Small graphs: also moves of any two nodes at once, which single moves cannot reach when
  // each alone adds a transfer.
  if (n <= 24) {
    improved = true;
    while (improved && evaluations < maxEvaluations) {
      improved = false;
      for (int a = 0; a < n; ++a)
        for (int b = a + 1; b < n && evaluations < maxEvaluations; ++b)
          for (int da = 0; da < dag.deviceCount; ++da)
            for (int db = 0; db < dag.deviceCount; ++db) {
              if (!(dag.allowed[a] & (1u << da)) || !(dag.allowed[b] & (1u << db)) || (placement[a] == da && placement[b] == db)) continue;
              trial = placement;
              trial[a] = da;
              trial[b] = db;
              Score s = scheduler.runAll(trial);
              ++evaluations;
              if (better(s, current)) {
                current = s;
                placement.swap(trial);
                improved = true;
              }
            }
    }
  }
  return placement;
}

}  // namespace nest::partition::detail
