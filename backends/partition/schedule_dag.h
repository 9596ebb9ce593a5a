// Internal to the partitioner: the graph reduced to what scheduling needs (values with their
// producer, consumers and bytes; which devices each node may use), and a fast evaluator of a
// placement on all of the graph or on a subset of it. The public evaluate() and every search
// share this one schedule model. No Qt.
#pragma once
#include <cstdint>
#include <map>
#include <vector>

#include "backends/partition/partitioner.h"

namespace nest::partition::detail {

struct Dag {
  const CostModel* costs = nullptr;
  int nodeCount = 0, deviceCount = 0;
  std::vector<std::vector<int>> inValues;    // [node]: distinct value ids it reads (constants left out)
  std::vector<std::vector<int>> outValues;   // [node]: value ids it defines
  std::vector<int> producer;                 // [value]: node index, -1 for a graph input
  std::vector<int64_t> bytes;                // [value]
  std::vector<std::vector<int>> consumers;   // [value]: node indices
  std::vector<char> isGraphOutput;           // [value]
  std::vector<unsigned> allowed;             // [node]: bit mask of devices it may use (runs there, pin)

  double transfer(int value, int from, int to) const { return costs->transferUs(bytes[value], from, to); }
  double nodeUs(int node, int device) const { return costs->nodeUs[node][device]; }
  double partitionOverhead(int device) const { return costs->devices[static_cast<size_t>(device)].partitionOverheadUs; }
};

// Checks the cost tables against the graph (BadInput on a mismatch). `pins` narrow `allowed`.
Dag buildDag(const Graph& graph, const CostModel& costs, const std::map<size_t, int>& pins);
// BadInput naming the first node that no allowed device can run.
void requireEveryNodePlaceable(const Graph& graph, const Dag& dag);

// How good a placement is: memory over capacity first, then latency (equal within 1e-9
// relative), then fewer partitions.
struct Score {
  int64_t overflowBytes = 0;
  double latencyUs = 0;
  int partitions = 0;
};
bool better(const Score& a, const Score& b);
int64_t memoryOverflow(const Dag& dag, const std::vector<int>& deviceOfNode);

// Schedules a placement (see partitioner.h for the rules) on `nodes` (ascending node indices).
// Producers outside the subset: `entry` is done at time 0 on `entryDevice`; any other (a graph
// input) is on the host at time 0. Values leaving the subset are delivered to `target` (-1: not
// counted); graph outputs are always delivered to the host. Reusable scratch; not thread safe.
class SubsetScheduler {
 public:
  explicit SubsetScheduler(const Dag& dag);
  // `device` is indexed by node (graph-sized). `record`, when given, receives the partitions.
  Score run(const std::vector<int>& nodes, const int* device, int entry, int entryDevice, int target,
            std::vector<ScheduledPartition>* record = nullptr);
  Score runAll(const std::vector<int>& deviceOfNode, std::vector<ScheduledPartition>* record = nullptr);

 private:
  const Dag& dag_;
  std::vector<int> all_;
  std::vector<int> inSubset_, partOf_;
  std::vector<double> endOf_, deviceFree_;
  int stamp_ = 0;
};

// Hill climbing on the whole graph from `start`: moves of one node or of a run of consecutive
// nodes to another device, kept while the score improves; at most `maxEvaluations` schedules.
std::vector<int> improveByLocalSearch(const Dag& dag, std::vector<int> start, long maxEvaluations);

// The series-parallel dynamic program (sp_dp.cpp): a placement for every node.
std::vector<int> seriesParallelPlacement(const Dag& dag);

// Baseline placements (baselines.cpp).
std::vector<int> cpuPlacement(const Dag& dag);
std::vector<int> greedyPlacement(const Dag& dag);
std::vector<int> nestcDpPlacement(const Dag& dag);

}  // namespace nest::partition::detail
