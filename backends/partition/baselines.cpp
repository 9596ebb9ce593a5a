// The baseline placements the partitioner is compared with, all scored by evaluate().
#include <limits>

#include "backends/partition/schedule_dag.h"

namespace nest::partition::detail {

namespace {
int firstAllowed(unsigned mask) {
  for (int d = 0; d < 32; ++d)
    if (mask & (1u << d)) return d;
  return 0;
}
bool isPinned(unsigned mask) { return mask && !(mask & (mask - 1)); }
}  // namespace

// Everything on the host CPU (pinned nodes stay where they are pinned).
std::vector<int> cpuPlacement(const Dag& dag) {
  std::vector<int> placement(static_cast<size_t>(dag.nodeCount), 0);
  for (int i = 0; i < dag.nodeCount; ++i)
    if (isPinned(dag.allowed[i])) placement[i] = firstAllowed(dag.allowed[i]);
  return placement;
}

// NEST-C's effective behaviour: every node some accelerator runs goes to the first such one.
std::vector<int> greedyPlacement(const Dag& dag) {
  std::vector<int> placement(static_cast<size_t>(dag.nodeCount), 0);
  for (int i = 0; i < dag.nodeCount; ++i) {
    unsigned accelerators = dag.allowed[i] & ~1u;
    if (isPinned(dag.allowed[i])) placement[i] = firstAllowed(dag.allowed[i]);
    else if (accelerators) placement[i] = firstAllowed(accelerators);
  }
  return placement;
}

// NEST-C's branch DP: the nodes as one chain in topological order, state = device, cost = the
// node's time + a fixed penalty per device change. Parallel branches' times add up (no overlap)
// and the bytes moved do not matter.
std::vector<int> nestcDpPlacement(const Dag& dag) {
  const int n = dag.nodeCount, d = dag.deviceCount;
  if (n == 0) return {};
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> best(static_cast<size_t>(n), std::vector<double>(static_cast<size_t>(d), inf));
  std::vector<std::vector<int>> from(static_cast<size_t>(n), std::vector<int>(static_cast<size_t>(d), -1));
  for (int i = 0; i < n; ++i)
    for (int dev = 0; dev < d; ++dev) {
      if (!(dag.allowed[i] & (1u << dev))) continue;
      double cost = dag.nodeUs(i, dev);
      if (i == 0) { best[0][dev] = cost; continue; }
      for (int prev = 0; prev < d; ++prev) {
        double c = best[i - 1][prev] + cost + (prev == dev ? 0 : kNestcSwitchPenaltyUs);
        if (c < best[i][dev]) { best[i][dev] = c; from[i][dev] = prev; }  // ties: the lower device
      }
    }
  std::vector<int> placement(static_cast<size_t>(n), 0);
  int dev = 0;
  for (int x = 1; x < d; ++x)
    if (best[n - 1][x] < best[n - 1][dev]) dev = x;
  for (int i = n - 1; i >= 0; --i) {
    placement[i] = dev;
    if (i > 0) dev = from[i][dev] < 0 ? 0 : from[i][dev];
  }
  return placement;
}

}  // namespace nest::partition::detail
