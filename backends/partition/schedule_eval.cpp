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
  std::vector<size_t> root(count);
  std::iota(root.begin(), root.end(), 0);
  auto find = [&](size_t x) { while (root[x] != x) x = root[x] = root[root[x]]; return x; };
  std::vector<char> grouped(count, 0);
  for (size_t a = 0; a < count; ++a)
    for (size_t b = a + 1; b < count; ++b) {
      const ScheduledPartition &pa = s.partitions[a], &pb = s.partitions[b];
      double overlap = std::min(pa.endUs, pb.endUs) - std::max(pa.startUs, pb.startUs);
      if (pa.device == pb.device || overlap <= 1e-9 || reaches[a][b] || reaches[b][a]) continue;
      root[find(a)] = find(b);
      grouped[a] = grouped[b] = 1;
    }
  std::vector<std::vector<int>> groups;
  std::vector<int> groupOfRoot(count, -1);
  for (size_t p = 0; p < count; ++p) {
    if (!grouped[p]) continue;
    size_t r = find(p);
    if (groupOfRoot[r] < 0) {
      groupOfRoot[r] = static_cast<int>(groups.size());
      groups.emplace_back();
    }
    groups[static_cast<size_t>(groupOfRoot[r])].push_back(static_cast<int>(p));
  }
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
