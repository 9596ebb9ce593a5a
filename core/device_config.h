// Device lists in NEST-C's device-configuration format (../shared/testdata/nestc-interop/README.md,
// "Device configuration"): a YAML list of {name, backendName, dramMemory, parameters}, where
// `parameters` is a literal block of "key" : "value" lines. Our own keys live in the same block:
// the NPU's hardware parameters (docs/npu-isa.md) and the link to the host. No Qt.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest {

struct DeviceConfig {
  std::string name;         // "PU1"
  std::string backendName;  // NEST-C's backend: "CPU", "VTA", "EVTA", "Interpreter", "Relay", ...
  int64_t dramMemory = 0;   // bytes (0 when the file gives none)
  // Every "key" : "value" line of the parameters block, unquoted, in file order.
  std::vector<std::pair<std::string, std::string>> parameters;

  // Read from `parameters`:
  std::optional<int> deviceID;                                 // "deviceID"
  std::vector<std::string> supportedNodes, nonSupportedNodes;  // Glow node kinds, comma-separated
  bool partitionDefaultDevice = false;                         // "partitionDefaultDevice"
  std::vector<std::string> fuseOperators;                      // "fuseOperators": "Convolution-Relu"
  // Ours: the link between this device and the host, for the transfer of a cut tensor
  // ("linkBandwidthGBps", default 8 GB/s; "linkLatencyUs", default 10 us; both 0 for a device on
  // the host: CPU, Interpreter), and
  // hardware parameters for the backend (the keys vta::hwConfigFromParameters knows: LOG_BLOCK, ...).
  double linkBytesPerSecond = 8e9;
  double linkLatencyUs = 10;
  // Keys starting with LOG_, and BATCH, BLOCK, BLOCK_IN, BLOCK_OUT, *_BUFF_SIZE, CLOCK_MHZ,
  // DRAM_BYTES_PER_CYCLE, DRAM_LATENCY_CYCLES; validated by the backend, not here.
  std::map<std::string, std::string> hardware;

  // Our backend registry name for backendName: CPU -> cpu, VTA / EVTA / NPU -> npu, Interpreter ->
  // interpreter; "" when we have none (Relay).
  std::string registryBackend() const;

  bool operator==(const DeviceConfig&) const = default;
};

// Reads a device list. Throws BadInput naming the file (and the device) for malformed YAML, a
// missing name or backendName, a duplicate name, a bad number or a parameters line that is not
// "key" : "value".
std::vector<DeviceConfig> readDeviceConfigs(const std::filesystem::path& file);
std::vector<DeviceConfig> parseDeviceConfigs(const std::string& yaml, const std::string& source);
// Writes NEST-C's format (parameters block in stored order); reading it back gives the same list.
// Derived fields set in code rather than through `parameters` are written as their keys (updated
// in place, or appended).
std::string writeDeviceConfigs(const std::vector<DeviceConfig>& devices);

// Glow's node kind for one of our nodes, as supportedNodes / nonSupportedNodes / fuseOperators /
// op-cost keys name them: Conv -> Convolution, Gemm / MatMul -> FullyConnected / MatMul,
// AveragePool / GlobalAveragePool -> AvgPool, MaxPool -> MaxPool, Relu -> Relu, Add -> Add, ...
std::string glowNodeKind(const Node& node);
// Whether the device's supportedNodes / nonSupportedNodes lists allow the node (an empty
// supportedNodes allows every kind not in nonSupportedNodes).
bool deviceListsAllow(const DeviceConfig& device, const Node& node);

}  // namespace nest
