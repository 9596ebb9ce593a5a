// Costs of every node on every device of a device list (cost_model.h): the CPU measured (the
// CPU backend's compiled code timed per node, cached by op signature), the NPU from the
// simulator's cycle model (its own compiler's programs), transfers from the devices' links.
// Also NEST-C's per-op cost tables (../shared/testdata/nestc-interop/README.md, "Per-operation
// cost tables"). No Qt.
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backends/partition/cost_model.h"
#include "core/device_config.h"

namespace nest::partition {

// What a measureCosts call did on the CPU: one compile per op signature not in the cache.
struct CostStats {
  int cpuNodes = 0;            // nodes costed on the CPU
  int signatures = 0;          // distinct op signatures among them
  int compiles = 0;            // one-node graphs compiled and timed (signatures not cached)
  int cacheHits = 0;           // nodes whose signature was measured already (earlier in this call, or in cacheFile)
  double compileSeconds = 0;   // compiling and loading those graphs (the C compiler)
  double measureSeconds = 0;   // running them
  // The whole graph's CPU time over the sum of its nodes' measured times: every CPU cost is
  // scaled by it (1 when the graph does not compile whole for the CPU).
  double cpuCalibration = 1;
};

struct CostOptions {
  int repeats = 5;                       // timed runs per CPU measurement (the median is kept)
  std::filesystem::path cacheFile;       // CPU measurements by op signature (empty: no cache on disk)
  CostStats* stats = nullptr;            // filled when set
  // Called after each node is costed (done of total); it may throw to stop the measurement (the
  // driver throws driver::Cancelled), which measureCosts lets through.
  std::function<void(size_t done, size_t total)> onProgress;
};

// Where CPU measurements are kept unless told otherwise: nest-cpu-costs.json in the temp folder
// (nestc costs, nestc partition and the hetero target share it).
std::filesystem::path defaultCostCache();

// Device 0 must be a CPU (the host). CPU costs: each node timed alone, less the call overhead of a
// compiled part (charged once per CPU partition instead: DeviceInfo::partitionOverheadUs), then
// all scaled so that they add up to the whole graph's measured CPU time (cached by graph hash
// like the nodes). Nodes a device cannot run (its backend, or its
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
  // Spelling, so that a file read and written again is byte-identical: whether a `Type:` line
  // was there, and NEST-C's two entry forms "KEY: 1" (initial tables) and "KEY : 1" (fused).
  bool typeLine = false;
  bool spaceBeforeColon = false;
};
// Throws BadInput naming the file and line for a malformed table.
OpCostTable readOpCostTable(const std::filesystem::path& file);
OpCostTable parseOpCostTable(const std::string& text, const std::string& source);
std::string writeOpCostTable(const OpCostTable& table);
// "Convolution-<NHWC input dims>-<dtype>-<out channels>-<kernel>-<stride>", "Relu-1-56-56-64-float", ...
// The kind is the name NEST-C's tables use (Conv -> Convolution, AveragePool and
// GlobalAveragePool -> AvgPool, Flatten -> Reshape, Gemm stays Gemm); the dims are the first
// input's, NCHW -> NHWC for rank 4; the dtype is Glow's name (float, float16, i8, ui8, i16, i32,
// index64, bool).
std::string nestcOpKey(const Graph& graph, const Node& node);
// The table of one device of `costs` (one entry per distinct key).
OpCostTable opCostTableOf(const Graph& graph, const CostModel& costs, int device);

}  // namespace nest::partition
