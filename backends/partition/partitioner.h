// The partitioner: places every node of a graph on a device to minimize end-to-end latency
// (makespan: parallel branches on different devices overlap), under memory capacity, user pins
// and what each device runs; at equal cost, fewer partitions win. Baselines in the same terms:
// all on the CPU, greedy (everything the NPU supports on the NPU, NEST-C's effective behaviour)
// and a NEST-C-style branch DP with a fixed switch penalty. No Qt.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "backends/partition/cost_model.h"

namespace nest::partition {

enum class Strategy { Auto, Greedy, NestcDp, Cpu };

// NEST-C's partition tuner charges this fixed penalty for every device change, whatever the bytes.
constexpr double kNestcSwitchPenaltyUs = 100;
Strategy parseStrategy(const std::string& text);  // auto | greedy | nestc-dp | cpu; BadInput otherwise
std::string strategyName(Strategy s);

// A run of nodes on one device executed as one unit (a partition).
struct ScheduledPartition {
  int device = 0;
  std::vector<size_t> nodes;    // graph.nodes indices, topological order
  double startUs = 0, endUs = 0;
  int64_t bytesIn = 0, bytesOut = 0;  // cut tensors entering / leaving
};

struct Schedule {
  std::vector<int> deviceOfNode;                 // [graph.nodes index]
  std::vector<ScheduledPartition> partitions;    // in execution (topological) order
  std::vector<std::vector<int>> parallelGroups;  // partitions that run concurrently (indices)
  double latencyUs = 0;                          // the makespan
};

// The schedule of a given placement. Partitions form while walking graph.nodes in order: a node
// joins the partition opened last when it is on the same device and each of its inputs from
// outside that partition is there when the partition starts; otherwise it opens a new one. Each
// device runs its partitions one at a time; a partition starts when its device is free and its
// inputs have arrived (producer partition's end + transferUs; graph inputs start on the host at
// time 0) and runs its nodes back to back; its results are available when it ends. Latency: the
// last partition's end or graph output's arrival on the host. parallelGroups: runs of consecutive
// partitions on distinct devices, pairwise independent, each overlapping an earlier member in time
// (what the hetero runner starts together).
// Throws BadInput when a node is placed where it cannot run or memory overflows (naming them).
Schedule evaluate(const Graph& graph, const CostModel& costs, const std::vector<int>& deviceOfNode);

// pins: graph.nodes index -> device index the user fixed.
Schedule partitionGraph(const Graph& graph, const CostModel& costs, Strategy strategy,
                        const std::map<size_t, int>& pins = {});

// The optimum by exhaustive search over every placement (graphs of at most 18 nodes; BadInput
// otherwise): the reference the tests hold partitionGraph(Auto) to.
Schedule exhaustiveOptimum(const Graph& graph, const CostModel& costs, const std::map<size_t, int>& pins = {});

}  // namespace nest::partition
