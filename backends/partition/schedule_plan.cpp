#include "backends/partition/schedule_plan.h"

#include <charconv>
#include <map>
#include <set>

#include "core/error.h"
#include "core/node_keys.h"

namespace nest::partition {

namespace {

// Devices sharing a backendName are told apart by NEST-C's "-k" suffix: k counts them from 0 in
// device-file order.
int instanceOf(const std::vector<DeviceConfig>& devices, size_t device) {
  int k = 0;
  for (size_t i = 0; i < device; ++i) k += devices[i].backendName == devices[device].backendName;
  return k;
}

bool sharedBackendName(const std::vector<DeviceConfig>& devices, size_t device) {
  for (size_t i = 0; i < devices.size(); ++i)
    if (i != device && devices[i].backendName == devices[device].backendName) return true;
  return false;
}

}  // namespace

PartitionPlan planFromSchedule(const Graph& graph, const Schedule& schedule, const std::vector<DeviceConfig>& devices,
                               const std::string& funcName) {
  PartitionPlan plan;
  plan.funcName = funcName;
  for (size_t p = 0; p < schedule.partitions.size(); ++p) {
    const size_t d = static_cast<size_t>(schedule.partitions[p].device);
    const DeviceConfig& device = devices.at(d);
    PlanPartition part;
    part.name = "p" + std::to_string(p);
    part.backendName = device.backendName + (sharedBackendName(devices, d) ? "-" + std::to_string(instanceOf(devices, d)) : "");
    part.logicalIDs = std::to_string(device.deviceID ? *device.deviceID : static_cast<int>(d));
    plan.partitions.push_back(part);
    for (size_t n : schedule.partitions[p].nodes) plan.nodeToPartition.emplace_back(glowStyleName(graph.nodes[n]), static_cast<int>(p));
  }
  plan.parallelGroups = schedule.parallelGroups;
  return plan;
}

namespace {

// NEST-C's name for a node, without the "__N" suffix Glow adds to the nodes one ONNX node becomes.
std::string baseName(const std::string& name) {
  const size_t at = name.rfind("__");
  if (at == std::string::npos || at + 2 >= name.size() || name.find_first_not_of("0123456789", at + 2) != std::string::npos)
    return name;
  return name.substr(0, at);
}

std::set<std::string> glowNames(const Graph& graph) {
  std::set<std::string> names;
  for (const Node& n : graph.nodes) names.insert(glowStyleName(n));
  return names;
}

// The plan without the entries of nodes that passes merged away (in `imported`, not in `graph`).
PartitionPlan withoutMergedNodes(const PartitionPlan& plan, const Graph& graph, const Graph& imported) {
  const std::set<std::string> present = glowNames(graph), before = glowNames(imported);
  PartitionPlan kept = plan;
  kept.nodeToPartition.clear();
  for (const auto& entry : plan.nodeToPartition) {
    const std::string base = baseName(entry.first);
    if (!present.count(entry.first) && !present.count(base) && (before.count(entry.first) || before.count(base))) continue;
    kept.nodeToPartition.push_back(entry);
  }
  return kept;
}

}  // namespace

std::vector<int> placementFromPlan(const Graph& graph, const PartitionPlan& plan, const std::vector<DeviceConfig>& devices,
                                   const Graph* imported) {
  std::vector<int> deviceOfPartition;
  std::vector<std::string> problems;
  for (const PlanPartition& part : plan.partitions) {
    std::string backend = part.backendName;
    int instance = 0;
    const size_t dash = backend.rfind('-');
    if (dash != std::string::npos && dash + 1 < backend.size() &&
        backend.find_first_not_of("0123456789", dash + 1) == std::string::npos) {
      // An instance number too large for an int names no device (std::stoi would throw).
      if (std::from_chars(backend.data() + dash + 1, backend.data() + backend.size(), instance).ec != std::errc())
        instance = -1;
      backend = backend.substr(0, dash);
    }
    int found = -1;
    for (size_t d = 0, k = 0; d < devices.size() && found < 0; ++d)
      if (devices[d].backendName == backend && static_cast<int>(k++) == instance) found = static_cast<int>(d);
    if (found < 0) problems.push_back("partition " + part.name + " runs on " + part.backendName + ", which the device list lacks");
    deviceOfPartition.push_back(found);
  }
  if (!problems.empty()) {
    std::string msg = "the plan does not fit the device list:";
    for (const std::string& p : problems) msg += "\n  " + p;
    failBadInput(msg);
  }
  const std::map<NodeId, int> partitionOf = partitionOfNodes(imported ? withoutMergedNodes(plan, graph, *imported) : plan, graph);
  std::vector<int> placement(graph.nodes.size(), 0);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    auto it = partitionOf.find(graph.nodes[i].id);
    if (it == partitionOf.end() || it->second < 0)
      failBadInput("the plan places no partition for " + graph.nodes[i].describe() + " (and has no default partition)");
    placement[i] = deviceOfPartition.at(static_cast<size_t>(it->second));
  }
  return placement;
}

}  // namespace nest::partition
