#include "backends/partition/schedule_dag.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

#include "core/error.h"

namespace nest::partition::detail {

Dag buildDag(const Graph& graph, const CostModel& costs, const std::map<size_t, int>& pins) {
  Dag dag;
  dag.costs = &costs;
  dag.nodeCount = static_cast<int>(graph.nodes.size());
  dag.deviceCount = static_cast<int>(costs.devices.size());
  if (dag.deviceCount < 1 || dag.deviceCount > 16) failBadInput("partitioner: need 1 to 16 devices, got " + std::to_string(dag.deviceCount));
  const size_t n = graph.nodes.size();
  if (costs.nodeUs.size() != n || costs.nodeBytes.size() != n)
    failBadInput("partitioner: cost tables cover " + std::to_string(costs.nodeUs.size()) + " nodes (times) and " +
                 std::to_string(costs.nodeBytes.size()) + " (bytes), the graph has " + std::to_string(n));
  for (size_t i = 0; i < n; ++i)
    if (costs.nodeUs[i].size() != costs.devices.size() || costs.nodeBytes[i].size() != costs.devices.size())
      failBadInput("partitioner: cost tables of " + graph.nodes[i].describe() + " do not have one entry per device");

  std::unordered_map<std::string, int> valueId;
  auto idOf = [&](const std::string& name, int producerNode) {
    auto [it, fresh] = valueId.try_emplace(name, static_cast<int>(dag.producer.size()));
    if (fresh) {
      dag.producer.push_back(producerNode);
      const TensorType* t = graph.findType(name);
      dag.bytes.push_back(t ? static_cast<int64_t>(t->byteSize()) : 0);
      dag.consumers.emplace_back();
      dag.isGraphOutput.push_back(0);
    }
    return it->second;
  };
  dag.inValues.resize(n);
  dag.outValues.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Node& node = graph.nodes[i];
    for (const std::string& in : node.inputs) {
      if (in.empty() || graph.isConstant(in)) continue;
      int v = idOf(in, -1);  // a value not produced earlier is a graph input
      auto& ins = dag.inValues[i];
      if (std::find(ins.begin(), ins.end(), v) == ins.end()) {
        ins.push_back(v);
        dag.consumers[static_cast<size_t>(v)].push_back(static_cast<int>(i));
      }
    }
    for (const std::string& out : node.outputs) dag.outValues[i].push_back(idOf(out, static_cast<int>(i)));
  }
  for (const std::string& out : graph.outputs)
    if (auto it = valueId.find(out); it != valueId.end()) dag.isGraphOutput[static_cast<size_t>(it->second)] = 1;

  dag.allowed.assign(n, 0);
  for (size_t i = 0; i < n; ++i)
    for (int d = 0; d < dag.deviceCount; ++d)
      if (!std::isinf(costs.nodeUs[i][static_cast<size_t>(d)])) dag.allowed[i] |= 1u << d;
  for (const auto& [node, device] : pins) {
    if (node >= n) failBadInput("partitioner: a pin names node index " + std::to_string(node) + ", the graph has " + std::to_string(n));
    if (device < 0 || device >= dag.deviceCount)
      failBadInput("partitioner: " + graph.nodes[node].describe() + " is pinned to device " + std::to_string(device) +
                   ", there are " + std::to_string(dag.deviceCount));
    if (!(dag.allowed[node] & (1u << device))) {
      std::string why = node < costs.reasons.size() ? costs.reasons[node] : "";
      failBadInput("partitioner: " + graph.nodes[node].describe() + " is pinned to device '" + costs.devices[static_cast<size_t>(device)].name +
                   "', which cannot run it" + (why.empty() ? "" : ": " + why));
    }
    dag.allowed[node] = 1u << device;
  }
  return dag;
}

void requireEveryNodePlaceable(const Graph& graph, const Dag& dag) {
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!dag.allowed[i]) {
      std::string why = i < dag.costs->reasons.size() ? dag.costs->reasons[i] : "";
      failBadInput("partitioner: no device can run " + graph.nodes[i].describe() + (why.empty() ? "" : ": " + why));
    }
}

bool better(const Score& a, const Score& b) {
  if (a.overflowBytes != b.overflowBytes) return a.overflowBytes < b.overflowBytes;
  double tol = 1e-9 * std::max(std::fabs(a.latencyUs), std::fabs(b.latencyUs));
  if (a.latencyUs < b.latencyUs - tol) return true;
  if (b.latencyUs < a.latencyUs - tol) return false;
  return a.partitions < b.partitions;
}

int64_t memoryOverflow(const Dag& dag, const std::vector<int>& deviceOfNode) {
  std::vector<int64_t> used(static_cast<size_t>(dag.deviceCount), 0);
  for (int i = 0; i < dag.nodeCount; ++i) used[static_cast<size_t>(deviceOfNode[i])] += dag.costs->nodeBytes[i][deviceOfNode[i]];
  int64_t over = 0;
  for (int d = 0; d < dag.deviceCount; ++d) {
    int64_t cap = dag.costs->devices[static_cast<size_t>(d)].memoryBytes;
    if (cap > 0 && used[d] > cap) over += used[d] - cap;
  }
  return over;
}

SubsetScheduler::SubsetScheduler(const Dag& dag)
    : dag_(dag),
      inSubset_(static_cast<size_t>(dag.nodeCount), 0),
      partOf_(static_cast<size_t>(dag.nodeCount), -1),
      endOf_(static_cast<size_t>(dag.nodeCount), 0),
      deviceFree_(static_cast<size_t>(dag.deviceCount), 0) {
  for (int i = 0; i < dag.nodeCount; ++i) all_.push_back(i);
}

Score SubsetScheduler::runAll(const std::vector<int>& deviceOfNode, std::vector<ScheduledPartition>* record) {
  Score s = run(all_, deviceOfNode.data(), -1, 0, 0, record);
  s.overflowBytes = memoryOverflow(dag_, deviceOfNode);
  return s;
}

// Partitions form while walking the nodes in order: a node joins the partition opened last when
// it is on the same device and each of its inputs from outside that partition is there by the
// time the partition starts (joining never delays a partition, and partitions only depend on
// earlier ones); otherwise it opens a new partition, which starts when its device is free and
// its inputs have arrived. A partition's results are available when it ends.
Score SubsetScheduler::run(const std::vector<int>& nodes, const int* device, int entry, int entryDevice, int target,
                           std::vector<ScheduledPartition>* record) {
  ++stamp_;
  for (int v : nodes) inSubset_[static_cast<size_t>(v)] = stamp_;
  std::fill(deviceFree_.begin(), deviceFree_.end(), 0.0);
  Score score;
  int currentDevice = -1, currentIndex = -1;
  double currentStart = 0, currentEnd = 0;
  std::vector<int> members;  // of the current partition, to stamp its end on them when it closes
  auto arrival = [&](int value, int dev) {
    int p = dag_.producer[static_cast<size_t>(value)];
    if (p >= 0 && inSubset_[static_cast<size_t>(p)] == stamp_) return endOf_[static_cast<size_t>(p)] + dag_.transfer(value, device[p], dev);
    if (p >= 0 && p == entry) return dag_.transfer(value, entryDevice, dev);
    return dag_.transfer(value, 0, dev);
  };
  auto closeCurrent = [&]() {
    for (int m : members) endOf_[static_cast<size_t>(m)] = currentEnd;
    if (currentDevice >= 0) deviceFree_[static_cast<size_t>(currentDevice)] = currentEnd;
    members.clear();
  };
  for (int v : nodes) {
    const int dev = device[v];
    bool joins = dev == currentDevice;
    if (joins) {
      for (int value : dag_.inValues[static_cast<size_t>(v)]) {
        int p = dag_.producer[static_cast<size_t>(value)];
        if (p >= 0 && inSubset_[static_cast<size_t>(p)] == stamp_ && partOf_[static_cast<size_t>(p)] == currentIndex) continue;
        if (arrival(value, dev) > currentStart) { joins = false; break; }
      }
    }
    if (!joins) {
      closeCurrent();
      double start = deviceFree_[static_cast<size_t>(dev)];
      for (int value : dag_.inValues[static_cast<size_t>(v)]) start = std::max(start, arrival(value, dev));
      currentDevice = dev;
      currentIndex = score.partitions++;
      currentStart = start;
      currentEnd = start + dag_.partitionOverhead(dev);
      if (record) record->push_back(ScheduledPartition{dev, {}, start, currentEnd, 0, 0});
    }
    partOf_[static_cast<size_t>(v)] = currentIndex;
    members.push_back(v);
    currentEnd += dag_.nodeUs(v, dev);
    if (record) {
      record->back().nodes.push_back(static_cast<size_t>(v));
      record->back().endUs = currentEnd;
    }
    score.latencyUs = std::max(score.latencyUs, currentEnd);
  }
  closeCurrent();
  // Deliveries out of the subset.
  for (int v : nodes)
    for (int value : dag_.outValues[static_cast<size_t>(v)]) {
      if (dag_.isGraphOutput[static_cast<size_t>(value)])
        score.latencyUs = std::max(score.latencyUs, endOf_[static_cast<size_t>(v)] + dag_.transfer(value, device[v], 0));
      if (target < 0) continue;
      for (int c : dag_.consumers[static_cast<size_t>(value)])
        if (inSubset_[static_cast<size_t>(c)] != stamp_) {
          score.latencyUs = std::max(score.latencyUs, endOf_[static_cast<size_t>(v)] + dag_.transfer(value, device[v], target));
          break;
        }
    }
  return score;
}

}  // namespace nest::partition::detail
