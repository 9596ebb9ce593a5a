// The CPU side of measureCosts (node_costs.h): a node's time on the CPU backend, measured by
// compiling the node alone (its one-node subgraph) and timing runs of it on deterministic random
// inputs. Measurements are cached by op signature (op_signature.h) in memory and in a JSON file,
// so equal nodes (ResNet-18's repeated convolutions) and later runs compile nothing. No Qt.
#pragma once
#include <filesystem>
#include <map>
#include <string>

#include "backends/partition/node_costs.h"

namespace nest::partition {

struct CpuMeasurement {
  double microseconds = kCannotRun;  // median of the timed runs; kCannotRun with `reason`
  std::string reason;
};

class CpuCostMeasurer {
 public:
  // Reads `cacheFile` when it exists (BadInput naming it when it is not a cache file).
  CpuCostMeasurer(int repeats, std::filesystem::path cacheFile);
  CpuMeasurement measure(const Graph& graph, const Node& node);
  // The whole graph compiled for the CPU and timed (kCannotRun with a reason when it does not
  // compile whole); cached by graph hash.
  CpuMeasurement measureWhole(const Graph& graph);
  // What one call of a compiled CPU part costs beyond its kernels: a one-element Relu timed.
  double callOverheadUs();
  // Writes the cache file (when one was given and something new was measured).
  void save() const;
  const CostStats& stats() const { return stats_; }

 private:
  CpuMeasurement timeOnCpu(const Graph& graph);  // compile, warm up, median of repeats

  int repeats_;
  std::filesystem::path cacheFile_;
  std::map<std::string, CpuMeasurement> cache_;  // by signature hash
  std::map<std::string, bool> seenThisRun_;
  bool dirty_ = false;
  CostStats stats_;
};

}  // namespace nest::partition
