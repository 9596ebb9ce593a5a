// Costs of every node on every device of a device list (cost_model.h): the CPU measured (the
// CPU backend's compiled code timed per node, cached by op signature), the NPU from the
// simulator's cycle model (its own compiler's programs), transfers from the devices' links.
// Also NEST-C's per-op cost tables (../shared/testdata/nestc-interop/README.md, "Per-operation
// cost tables"). No Qt.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "backends/partition/cost_model.h"
#include "core/device_config.h"

namespace nest::partition {

struct CostOptions {
  int repeats = 5;                       // timed runs per CPU measurement (the median is kept)
  std::filesystem::path cacheFile;       // CPU measurements by op signature (empty: no cache on disk)
};

// Device 0 must be a CPU (the host). Nodes a device cannot run (its backend, or its
// supportedNodes / nonSupportedNodes lists) cost kCannotRun with the reason recorded.
CostModel measureCosts(const Graph& graph, const std::vector<DeviceConfig>& devices, const CostOptions& options = {});

// Our costs file (nestc costs -o): YAML, per device the node costs by node key, and per edge the
// transfer bytes; writeCosts / readCosts round-trip.
std::string writeCosts(const Graph& graph, const CostModel& costs);

// NEST-C's per-op cost table: backendName, optional Type and commCost, then KEY : COST lines in
// microseconds (INFINITY = cannot run). Keys as NEST-C forms them (nestcOpKey).
struct OpCostTable {
  std::string backendName;
  std::string type = "ExeTime";
  std::optional<double> commCost;
  std::vector<std::pair<std::string, double>> entries;  // in file order; infinity for INFINITY
};
OpCostTable readOpCostTable(const std::filesystem::path& file);
std::string writeOpCostTable(const OpCostTable& table);
// "Convolution-<NHWC input dims>-<dtype>-<out channels>-<kernel>-<stride>", "Relu-1-56-56-64-float", ...
std::string nestcOpKey(const Graph& graph, const Node& node);
// The table of one device of `costs` (one entry per distinct key).
OpCostTable opCostTableOf(const Graph& graph, const CostModel& costs, int device);

}  // namespace nest::partition
