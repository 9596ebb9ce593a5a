// What the partitioner needs to know about a graph on a set of devices: each node's time on each
// device (infinite where it cannot run), each value's transfer time between two devices, and
// memory. Built from measurements (node_costs.h) or given directly (tests). No Qt.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest::partition {

constexpr double kCannotRun = std::numeric_limits<double>::infinity();

struct DeviceInfo {
  std::string name;          // the device's name in the device file
  std::string backend;       // registry name: cpu, npu
  int64_t memoryBytes = 0;   // capacity for weights and activations placed on it (0: unlimited)
  double partitionOverheadUs = 0;  // what starting one partition there costs (a CPU part's call)
  double linkBytesPerSecond = 8e9, linkLatencyUs = 10;  // to the host
};

struct CostModel {
  std::vector<DeviceInfo> devices;                // device 0 is the host CPU
  std::vector<std::vector<double>> nodeUs;        // [graph.nodes index][device]: microseconds or kCannotRun
  std::vector<std::vector<int64_t>> nodeBytes;    // [node][device]: memory the node needs there (weights + result)
  std::vector<std::string> reasons;               // [node]: why a device cannot run it (joined), for messages
  // Microseconds to move `bytes` of a cut tensor from device a to device b (0 when a == b): via
  // the host, each non-host end adding its link's latency + bytes / bandwidth. Quantize /
  // dequantize work at a precision change is a node of the graph and costed as one.
  double transferUs(int64_t bytes, int from, int to) const;
};

}  // namespace nest::partition
