#include "app/gui/partition_jobs.h"

#include <exception>

#include "backends/partition/node_costs.h"
#include "core/device_config.h"
#include "core/error.h"
#include "core/node_keys.h"
#include "driver/assignment_check.h"
#include "driver/driver.h"
#include "driver/partition_stage.h"

namespace nest::gui {

namespace {

// The costs of `graph` on `devices`: `known` when given, else measured with per-node progress; the
// cancel flag stops the measurement between nodes (driver::Cancelled).
CostsPtr costsOf(const Graph& graph, const std::vector<DeviceConfig>& devices, CostsPtr known, const Cancel& cancel,
                 const JobProgress& progress) {
  if (known) return known;
  partition::CostOptions options;
  options.cacheFile = partition::defaultCostCache();
  options.onProgress = [&](size_t done, size_t total) {
    if (cancel && cancel->load()) throw driver::Cancelled();
    if (progress) progress(QStringLiteral("measuring costs"), static_cast<int>(done), static_cast<int>(total));
  };
  if (cancel && cancel->load()) throw driver::Cancelled();
  if (progress) progress(QStringLiteral("measuring costs"), 0, static_cast<int>(graph.nodes.size()));
  return std::make_shared<const partition::CostModel>(partition::measureCosts(graph, devices, options));
}

std::vector<DeviceConfig> deviceListOf(const driver::Job& job) {
  if (job.devicesFile.empty()) failBadInput("device mode needs a device list (NEST-C's device configuration, D.yaml)");
  std::vector<DeviceConfig> devices = readDeviceConfigs(job.devicesFile);
  if (devices.empty() || devices[0].registryBackend() != "cpu")
    failBadInput(job.devicesFile.string() + ": the first device must be the host CPU (backendName CPU)");
  return devices;
}

// The graph all on the host CPU; when some node cannot run there, `fallback` (0: unknown; auto
// partition passes the cpu baseline, which keeps the pins).
double allCpuLatency(const Graph& graph, const partition::CostModel& costs, double fallback) {
  try {
    return partition::evaluate(graph, costs, std::vector<int>(graph.nodes.size(), 0)).latencyUs;
  } catch (const Error&) {
    return fallback;
  }
}

PartitionSummary summaryOf(const Graph& graph, const std::vector<DeviceConfig>& devices, const partition::Schedule& s,
                           double allCpuUs) {
  PartitionSummary summary;
  for (const DeviceConfig& d : devices) {
    summary.devices << QString::fromStdString(d.name);
    summary.backends << QString::fromStdString(d.registryBackend());
  }
  for (const partition::ScheduledPartition& p : s.partitions) {
    PartitionRow row;
    row.device = p.device;
    for (size_t n : p.nodes) row.nodes << graph.nodes[n].id;
    row.startUs = p.startUs;
    row.endUs = p.endUs;
    row.bytesIn = p.bytesIn;
    row.bytesOut = p.bytesOut;
    summary.partitions << row;
  }
  for (const std::vector<int>& group : s.parallelGroups) summary.parallelGroups << QList<int>(group.begin(), group.end());
  summary.latencyUs = s.latencyUs;
  summary.allCpuUs = allCpuUs;
  return summary;
}

// The auto placement by stable key: the device of every node that carries its key's assignment,
// pinned keys left out; where several nodes share a key, the first one's device.
std::map<std::string, std::string> placementOf(const driver::Job& job, const Graph& graph, const Graph* imported,
                                               const std::vector<DeviceConfig>& devices, const partition::Schedule& s) {
  std::map<std::string, std::string> placement;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (imported && !driver::carriesDeviceAssignment(node, *imported)) continue;
    if (!job.assignments.deviceOf(node).empty()) continue;  // pinned
    placement.emplace(stableKey(node), devices[static_cast<size_t>(s.deviceOfNode[i])].name);
  }
  return placement;
}

template <typename Body>
PartitionOutcome runJob(std::shared_ptr<const Graph> graph, CostsPtr costs, Body&& body) {
  PartitionOutcome outcome;
  outcome.graph = graph;
  outcome.costs = costs;
  try {
    if (!graph) failBadInput("no graph to partition");
    body(outcome);
  } catch (const driver::Cancelled&) {
    outcome.cancelled = true;
  } catch (const std::exception& e) {
    outcome.error = QString::fromStdString(e.what());
  } catch (...) {
    outcome.error = QStringLiteral("partitioning failed (unknown error)");
  }
  return outcome;
}

}  // namespace

PartitionOutcome scheduleJob(driver::Job job, std::shared_ptr<const Graph> imported, std::shared_ptr<const Graph> graph,
                             CostsPtr costs, Cancel cancel, JobProgress progress) {
  return runJob(graph, costs, [&](PartitionOutcome& outcome) {
    const std::vector<DeviceConfig> devices = deviceListOf(job);
    outcome.costs = costsOf(*graph, devices, costs, cancel, progress);
    if (cancel && cancel->load()) throw driver::Cancelled();
    const partition::Schedule s = driver::scheduleOfAssignments(job, *graph, imported.get(), devices, *outcome.costs);
    outcome.summary = summaryOf(*graph, devices, s, allCpuLatency(*graph, *outcome.costs, 0));
  });
}

PartitionOutcome autoPartitionJob(driver::Job job, std::shared_ptr<const Graph> imported,
                                  std::shared_ptr<const Graph> graph, CostsPtr costs, Cancel cancel, JobProgress progress) {
  return runJob(graph, costs, [&](PartitionOutcome& outcome) {
    job.planFile.clear();  // auto partition places by the strategy, never by a plan
    const std::vector<DeviceConfig> devices = deviceListOf(job);
    outcome.costs = costsOf(*graph, devices, costs, cancel, progress);
    driver::Progress driverProgress;
    driverProgress.cancel = cancel.get();
    const driver::Partitioned parts = driver::partitionForJob(job, *graph, imported.get(), driverProgress, outcome.costs.get());
    double cpuBaseline = 0;
    for (const auto& [name, s] : parts.baselines)
      if (name == "cpu") cpuBaseline = s.latencyUs;
    outcome.summary = summaryOf(*graph, parts.devices, parts.schedule, allCpuLatency(*graph, *outcome.costs, cpuBaseline));
    outcome.placement = placementOf(job, *graph, imported.get(), parts.devices, parts.schedule);
  });
}

}  // namespace nest::gui
