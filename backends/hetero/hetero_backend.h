// The heterogeneous target: a graph whose nodes are placed on several devices (cpu, npu, ...)
// compiled into one program: one part per partition, each compiled by its device's backend
// (CPU bundle code, NPU programs), run in dependency order with each parallel group concurrently
// on threads, cut tensors passed between parts. In-process runner and bundle (a generated main
// and library entry point stitching the parts, each part keeping the CPU bundle API). No Qt.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/partition/partitioner.h"
#include "core/device_config.h"

namespace nest::hetero {

struct HeteroDevice {
  DeviceConfig config;
  std::shared_ptr<const Backend> backend;  // configured with config.hardware
};

class HeteroBackend final : public Backend {
 public:
  // `schedule` places every node of the graph later given to compile() (by graph.nodes index)
  // and groups the partitions.
  HeteroBackend(std::vector<HeteroDevice> devices, partition::Schedule schedule);
  std::string name() const override { return "hetero"; }
  std::string description() const override;
  BackendCapabilities capabilities() const override;
  std::string unsupportedReason(const Graph& graph, const Node& node) const override;
  std::shared_ptr<const Artifact> compile(const Graph& graph, const CompileRequest& request) const override;
  // Its runner's statistics(): one line per partition (device, nodes, time: CPU measured, NPU
  // simulated) and a total line.
  std::unique_ptr<Runner> load(const Artifact& artifact) const override;

 private:
  std::vector<HeteroDevice> devices_;
  partition::Schedule schedule_;
};

}  // namespace nest::hetero
