// measureCosts (node_costs.h): every node on every device. CPU devices share one measurement
// (cpu_measure.h); an NPU device asks its backend, configured by the device's hardware
// parameters, for the cycle model's time; the device's node lists refuse kinds on top.
#include "backends/partition/node_costs.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "backends/npu/npu_backend.h"
#include "backends/partition/cpu_measure.h"
#include "core/error.h"

namespace nest::partition {

namespace {

DeviceInfo deviceInfoOf(const DeviceConfig& device) {
  DeviceInfo info;
  info.name = device.name;
  info.backend = device.registryBackend();
  info.memoryBytes = device.dramMemory;
  info.linkBytesPerSecond = device.linkBytesPerSecond;
  info.linkLatencyUs = device.linkLatencyUs;
  return info;
}

// Weights (constant operands) and results: what the node keeps in a device's memory.
int64_t nodeMemoryBytes(const Graph& graph, const Node& node) {
  int64_t bytes = 0;
  for (const std::string& in : node.inputs)
    if (!in.empty() && graph.isConstant(in)) bytes += static_cast<int64_t>(graph.typeOf(in).byteSize());
  for (const std::string& out : node.outputs)
    if (!out.empty()) bytes += static_cast<int64_t>(graph.typeOf(out).byteSize());
  return bytes;
}

std::unique_ptr<npu::NpuBackend> npuBackendOf(const DeviceConfig& device) {
  try {
    return std::make_unique<npu::NpuBackend>(vta::hwConfigFromParameters(device.hardware));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    failBadInput("device '" + device.name + "': bad NPU hardware parameters: " + e.what());
  }
}

}  // namespace

namespace {

// A node timed alone pays a part's call overhead that a whole graph pays once: the overhead is
// taken off every CPU node and charged per CPU partition instead, and the node times are then
// scaled so that they add up to the whole graph's measured CPU time.
void calibrateCpuCosts(const Graph& graph, CpuCostMeasurer& cpu, CostModel& costs, CostStats& stats) {
  const double overhead = cpu.callOverheadUs();
  double sum = 0;
  bool whole = true;
  for (std::vector<double>& node : costs.nodeUs) {
    if (!std::isfinite(node[0])) {
      whole = false;
      continue;
    }
    node[0] = std::max(node[0] - overhead, 0.05 * node[0]);
    sum += node[0];
  }
  for (size_t k = 0; k < costs.devices.size(); ++k) {
    if (costs.devices[k].backend != "cpu") continue;
    costs.devices[k].partitionOverheadUs = overhead;
    for (std::vector<double>& node : costs.nodeUs)
      if (k > 0 && std::isfinite(node[k])) node[k] = node[0];
  }
  if (!whole || !(sum > 0)) return;
  const CpuMeasurement measured = cpu.measureWhole(graph);
  if (!measured.reason.empty() || !(measured.microseconds > overhead)) return;
  stats.cpuCalibration = (measured.microseconds - overhead) / sum;
  for (size_t k = 0; k < costs.devices.size(); ++k)
    if (costs.devices[k].backend == "cpu")
      for (std::vector<double>& node : costs.nodeUs)
        if (std::isfinite(node[k])) node[k] *= stats.cpuCalibration;
}

}  // namespace

std::filesystem::path defaultCostCache() { return std::filesystem::temp_directory_path() / "nest-cpu-costs.json"; }

CostModel measureCosts(const Graph& graph, const std::vector<DeviceConfig>& devices, const CostOptions& options) {
  if (devices.empty()) failBadInput("measureCosts: the device list is empty");
  if (devices[0].registryBackend() != "cpu")
    failBadInput("device '" + devices[0].name + "' (backend " + devices[0].backendName +
                 ") is first in the device list; the first device must be the host CPU");
  const size_t n = graph.nodes.size(), d = devices.size();
  CostModel costs;
  for (const DeviceConfig& device : devices) costs.devices.push_back(deviceInfoOf(device));
  costs.nodeUs.assign(n, std::vector<double>(d, kCannotRun));
  costs.nodeBytes.assign(n, std::vector<int64_t>(d, 0));
  costs.reasons.assign(n, "");

  std::vector<std::unique_ptr<npu::NpuBackend>> npus(d);
  for (size_t k = 0; k < d; ++k)
    if (costs.devices[k].backend == "npu") npus[k] = npuBackendOf(devices[k]);

  CpuCostMeasurer cpu(options.repeats, options.cacheFile);
  for (size_t i = 0; i < n; ++i) {
    const Node& node = graph.nodes[i];
    std::vector<std::string> reasons;
    auto refuse = [&](size_t k, const std::string& why) { reasons.push_back(devices[k].name + ": " + why); };
    std::optional<CpuMeasurement> onCpu;  // measured once, shared by every CPU device
    for (size_t k = 0; k < d; ++k) {
      costs.nodeBytes[i][k] = nodeMemoryBytes(graph, node);
      const std::string& backend = costs.devices[k].backend;
      if (!deviceListsAllow(devices[k], node)) {
        refuse(k, "the device's node lists exclude " + glowNodeKind(node));
      } else if (backend == "cpu") {
        if (!onCpu) onCpu = cpu.measure(graph, node);
        if (onCpu->reason.empty()) costs.nodeUs[i][k] = onCpu->microseconds;
        else refuse(k, onCpu->reason);
      } else if (backend == "npu") {
        if (const std::string why = npus[k]->unsupportedReason(graph, node); !why.empty()) refuse(k, "npu: " + why);
        else costs.nodeUs[i][k] = npus[k]->cost(graph, node).microseconds;
      } else {
        refuse(k, "no costs for backend '" + devices[k].backendName + "' (only cpu and npu devices are costed)");
      }
    }
    for (const std::string& r : reasons) costs.reasons[i] += (costs.reasons[i].empty() ? "" : "; ") + r;
    if (options.onProgress) {
      try {
        options.onProgress(i + 1, n);
      } catch (...) {  // stopped (cancelled): keep what was measured so far for the next call
        try {
          cpu.save();
        } catch (...) {
        }
        throw;
      }
    }
  }
  CostStats stats = cpu.stats();
  calibrateCpuCosts(graph, cpu, costs, stats);
  cpu.save();
  if (options.stats) *options.stats = stats;
  return costs;
}

}  // namespace nest::partition
