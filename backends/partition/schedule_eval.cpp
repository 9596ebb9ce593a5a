// evaluate(): the public schedule of a placement, with partitions, bytes and parallel groups.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "backends/partition/schedule_dag.h"
#include "core/error.h"

namespace nest::partition {

namespace {

void checkPlacement(const Graph& graph, const CostModel& costs, const std::vector<int>& deviceOfNode) {
  if (deviceOfNode.size() != graph.nodes.size())
    failBadInput("partitioner: a placement of " + std::to_string(deviceOfNode.size()) + " nodes for a graph of " +
                 std::to_string(graph.nodes.size()));
  std::vector<int64_t> used(costs.devices.size(), 0);
  for (size_t i = 0; i < deviceOfNode.size(); ++i) {
    int d = deviceOfNode[i];
    if (d < 0 || d >= static_cast<int>(costs.devices.size()))
      failBadInput("partitioner: " + graph.nodes[i].describe() + " is placed on device " + std::to_string(d) + ", there are " +
                   std::to_string(costs.devices.size()));
    if (std::isinf(costs.nodeUs[i][static_cast<size_t>(d)])) {
      std::string why = i < costs.reasons.size() ? costs.reasons[i] : "";
      failBadInput("partitioner: " + graph.nodes[i].describe() + " cannot run on device '" + costs.devices[static_cast<size_t>(d)].name +
                   "'" + (why.empty() ? "" : ": " + why));
    }
    used[static_cast<size_t>(d)] += costs.nodeBytes[i][static_cast<size_t>(d)];
  }
  for (size_t d = 0; d < costs.devices.size(); ++d)
    if (costs.devices[d].memoryBytes > 0 && used[d] > costs.devices[d].memoryBytes)
      failBadInput("partitioner: device '" + costs.devices[d].name + "' needs " + std::to_string(used[d]) + " bytes for its nodes, it has " +
                   std::to_string(costs.devices[d].memoryBytes));
}

// Bytes entering / leaving each partition (each value counted once per partition).
void countBytes(const detail::Dag& dag, Schedule& s) {
  std::vector<int> partOf(static_cast<size_t>(dag.nodeCount), -1);
  for (size_t p = 0; p < s.partitions.size(); ++p)
    for (size_t v : s.partitions[p].nodes) partOf[v] = static_cast<int>(p);
  for (size_t p = 0; p < s.partitions.size(); ++p) {
    std::vector<int> seenIn, seenOut;
    for (size_t v : s.partitions[p].nodes) {
      for (int value : dag.inValues[v]) {
        int prod = dag.producer[static_cast<size_t>(value)];
        if (prod >= 0 && partOf[static_cast<size_t>(prod)] == static_cast<int>(p)) continue;
        if (std::find(seenIn.begin(), seenIn.end(), value) != seenIn.end()) continue;
        seenIn.push_back(value);
        s.partitions[p].bytesIn += dag.bytes[static_cast<size_t>(value)];
      }
      for (int value : dag.outValues[v]) {
        bool leaves = dag.isGraphOutput[static_cast<size_t>(value)];
        for (int c : dag.consumers[static_cast<size_t>(value)]) leaves = leaves || partOf[static_cast<size_t>(c)] != static_cast<int>(p);
        if (leaves && std::find(seenOut.begin(), seenOut.end(), value) == seenOut.end()) {
          seenOut.push_back(value);
          s.partitions[p].bytesOut += dag.bytes[static_cast<size_t>(value)];
        }
      }
    }
  }
}

void findParallelGroups(const detail::Dag& dag, Schedule& s) {
  const size_t count = s.partitions.size();
  std::vector<int> partOf(static_cast<size_t>(dag.nodeCount), -1);
  for (size_t p = 0; p < count; ++p)
    for (size_t v : s.partitions[p].nodes) partOf[v] = static_cast<int>(p);
  // reaches[p][q]: q depends on p (partitions only depend on earlier ones).
  std::vector<std::vector<char>> reaches(count, std::vector<char>(count, 0));
  for (size_t q = 0; q < count; ++q)
    for (size_t v : s.partitions[q].nodes)
      for (int value : dag.inValues[v]) {
        int prod = dag.producer[static_cast<size_t>(value)];
        if (prod < 0) continue;
        size_t p = static_cast<size_t>(partOf[static_cast<size_t>(prod)]);
        if (p == q) continue;
        reaches[p][q] = 1;
        for (size_t r = 0; r < count; ++r)
          if (reaches[r][p]) reaches[r][q] = 1;
      }
  // Groups are runs of consecutive partitions, pairwise independent, on distinct devices, each
  // overlapping an earlier member in time: the hetero runner starts a group's members together
  // once everything before the group is done.
  auto joins = [&](const std::vector<int>& group, size_t p) {
    bool overlaps = false;
    for (int m : group) {
      const ScheduledPartition &a = s.partitions[static_cast<size_t>(m)], &b = s.partitions[p];
      if (a.device == b.device || reaches[static_cast<size_t>(m)][p]) return false;
      overlaps = overlaps || std::min(a.endUs, b.endUs) - std::max(a.startUs, b.startUs) > 1e-9;
    }
    return overlaps;
  };
  std::vector<std::vector<int>> groups;
  std::vector<int> current;
  for (size_t p = 0; p < count; ++p) {
    if (!current.empty() && joins(current, p)) {
      current.push_back(static_cast<int>(p));
      continue;
    }
    if (current.size() > 1) groups.push_back(current);
    current = {static_cast<int>(p)};
  }
  if (current.size() > 1) groups.push_back(current);
  s.parallelGroups = std::move(groups);
}

}  // namespace

Schedule evaluate(const Graph& graph, const CostModel& costs, const std::vector<int>& deviceOfNode) {
  detail::Dag dag = detail::buildDag(graph, costs, {});
  checkPlacement(graph, costs, deviceOfNode);
  Schedule s;
  s.deviceOfNode = deviceOfNode;
  detail::SubsetScheduler scheduler(dag);
  s.latencyUs = scheduler.runAll(deviceOfNode, &s.partitions).latencyUs;
  countBytes(dag, s);
  findParallelGroups(dag, s);
  return s;
}

}  // namespace nest::partition
