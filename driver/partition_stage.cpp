#include "driver/partition_stage.h"

#include <chrono>

#include "backends/partition/node_costs.h"
#include "backends/partition/schedule_plan.h"
#include "core/error.h"
#include "core/node_keys.h"
#include "core/partition_plan.h"
#include "driver/assignment_check.h"

namespace nest::driver {

namespace {

double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// The project's device pins by graph.nodes index.
std::map<size_t, int> pinsOf(const Job& job, const Graph& graph, const Graph* imported, const std::vector<DeviceConfig>& devices) {
  std::map<size_t, int> pins;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (imported && !carriesDeviceAssignment(graph.nodes[i], *imported)) continue;
    const std::string device = job.assignments.deviceOf(graph.nodes[i]);
    if (device.empty()) continue;
    int index = -1;
    for (size_t d = 0; d < devices.size(); ++d)
      if (devices[d].name == device) index = static_cast<int>(d);
    if (index < 0) failBadInput(graph.nodes[i].describe() + " is pinned to device '" + device + "', which " + job.devicesFile.string() + " lacks");
    pins[i] = index;
  }
  return pins;
}

void stageOf(const Progress& progress, const std::string& name) {
  if (progress.cancel && progress.cancel->load()) throw Cancelled();
  if (progress.onStage) progress.onStage(name);
}

// Whether costs handed in were made for a graph of this size on these devices (a cheap guard: a
// stale model from another graph is measured again rather than trusted).
bool costsFit(const partition::CostModel& costs, const Graph& graph, const std::vector<DeviceConfig>& devices) {
  if (costs.nodeUs.size() != graph.nodes.size() || costs.devices.size() != devices.size()) return false;
  for (size_t d = 0; d < devices.size(); ++d)
    if (costs.devices[d].name != devices[d].name) return false;
  return true;
}

// The device index of every node under the job's own placement (placeNodes). Quantize and
// Dequantize nodes the quantize pass inserted do not carry their key's device pin
// (carriesDeviceAssignment): they go with the node they serve (the key's device) when that device
// runs them, else to the default device. The default device is the job's, else the first device
// of the list (the host CPU).
std::vector<int> devicesOfAssignments(const Job& job, const Graph& graph, const Graph* imported,
                                      const std::vector<DeviceConfig>& devices, const partition::CostModel& costs) {
  Job placed = job;
  placed.devices = deviceSpecsOf(devices);
  if (placed.defaultDevice.empty()) placed.defaultDevice = devices.front().name;
  const std::map<NodeId, std::string> placement = placeNodes(placed, graph);
  auto indexOf = [&devices](const std::string& name) {
    for (size_t d = 0; d < devices.size(); ++d)
      if (devices[d].name == name) return static_cast<int>(d);
    return -1;
  };
  const int fallback = indexOf(placed.defaultDevice);
  std::vector<int> deviceOfNode(graph.nodes.size(), 0);
  std::vector<std::string> unknown;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    const std::string& name = placement.at(node.id);
    int d = indexOf(name);
    if (imported && !carriesDeviceAssignment(node, *imported)) {
      const bool runs = d >= 0 && i < costs.nodeUs.size() && static_cast<size_t>(d) < costs.nodeUs[i].size() &&
                        costs.nodeUs[i][static_cast<size_t>(d)] != partition::kCannotRun;
      if (!runs) d = fallback;
    }
    if (d < 0) {
      unknown.push_back(node.describe() + " on '" + name + "'");
      continue;
    }
    deviceOfNode[i] = d;
  }
  if (!unknown.empty()) {
    std::string msg = std::to_string(unknown.size()) + " node(s) placed on a device " + job.devicesFile.string() + " lacks:";
    for (const std::string& u : unknown) msg += "\n  " + u;
    failBadInput(msg);
  }
  return deviceOfNode;
}

}  // namespace

partition::Schedule scheduleOfAssignments(const Job& job, const Graph& graph, const Graph* imported,
                                          const std::vector<DeviceConfig>& devices, const partition::CostModel& costs) {
  if (devices.empty()) failBadInput("scheduleOfAssignments: the device list is empty");
  return partition::evaluate(graph, costs, devicesOfAssignments(job, graph, imported, devices, costs));
}

std::vector<DeviceSpec> deviceSpecsOf(const std::vector<DeviceConfig>& devices) {
  std::vector<DeviceSpec> specs;
  for (const DeviceConfig& d : devices) {
    DeviceSpec s;
    s.name = d.name;
    s.backend = d.registryBackend();
    s.parameters = d.hardware;
    specs.push_back(s);
  }
  return specs;
}

Partitioned partitionForJob(const Job& job, const Graph& graph, const Graph* imported, const Progress& progress,
                            const partition::CostModel* knownCosts) {
  if (job.devicesFile.empty()) failBadInput("partitioning needs a device list: --devices D.yaml (NEST-C's device configuration)");
  Partitioned result;
  result.devices = readDeviceConfigs(job.devicesFile);
  if (result.devices.empty() || result.devices[0].registryBackend() != "cpu")
    failBadInput(job.devicesFile.string() + ": the first device must be the host CPU (backendName CPU)");
  stageOf(progress, "costs");
  auto t0 = std::chrono::steady_clock::now();
  if (knownCosts && costsFit(*knownCosts, graph, result.devices)) {
    result.costs = *knownCosts;
  } else {  // none given, or given for another graph or device list: measured
    partition::CostOptions options;
    options.cacheFile = partition::defaultCostCache();
    options.onProgress = [&progress](size_t, size_t) {
      if (progress.cancel && progress.cancel->load()) throw Cancelled();
    };
    result.costs = partition::measureCosts(graph, result.devices, options);
  }
  result.costMs = msSince(t0);

  stageOf(progress, "partition");
  const std::map<size_t, int> pins = pinsOf(job, graph, imported, result.devices);
  t0 = std::chrono::steady_clock::now();
  for (partition::Strategy s : {partition::Strategy::Cpu, partition::Strategy::Greedy, partition::Strategy::NestcDp,
                                partition::Strategy::Auto})
    result.baselines.emplace_back(partition::strategyName(s), partition::partitionGraph(graph, result.costs, s, pins));
  result.partitionMs = msSince(t0);

  if (!job.planFile.empty()) {
    const std::vector<int> placement =
        partition::placementFromPlan(graph, readPlan(job.planFile), result.devices, imported);
    std::vector<std::string> conflicts;
    for (const auto& [node, device] : pins)
      if (placement[node] != device)
        conflicts.push_back(graph.nodes[node].describe() + ": pinned to " + result.devices[static_cast<size_t>(device)].name +
                            ", the plan places it on " + result.devices[static_cast<size_t>(placement[node])].name);
    if (!conflicts.empty()) {
      std::string msg = "the project's pins conflict with the plan " + job.planFile.string() + ":";
      for (const std::string& c : conflicts) msg += "\n  " + c;
      failBadInput(msg);
    }
    result.schedule = partition::evaluate(graph, result.costs, placement);
    result.how = "plan " + job.planFile.string();
    return result;
  }
  const partition::Strategy strategy = partition::parseStrategy(job.strategy);
  for (const auto& [name, schedule] : result.baselines)
    if (name == partition::strategyName(strategy)) result.schedule = schedule;
  result.how = "strategy " + job.strategy;
  return result;
}

}  // namespace nest::driver
