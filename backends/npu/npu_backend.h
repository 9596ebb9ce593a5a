// The NPU backend behind the Backend interface: a VTA-class accelerator, simulated
// (backends/npu/vta/). Quantized Conv, Gemm, MatMul and Add compile to NPU programs
// (npu_lowering.h); every other node falls back to the CPU backend on the host, in runs of
// consecutive nodes compiled as CPU subgraphs. Activations move between the host (NCHW) and the
// NPU's DRAM (blocked layout) only where a value crosses between the two.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/npu/npu_lowering.h"
#include "backends/npu/vta/hw_config.h"

namespace nest::npu {

class NpuBackend final : public Backend {
 public:
  explicit NpuBackend(vta::HwConfig config = {});
  std::string name() const override { return "npu"; }
  std::string description() const override;
  BackendCapabilities capabilities() const override;
  // What the NPU itself runs; compile() places the rest on the CPU.
  std::string unsupportedReason(const Graph& graph, const Node& node) const override;
  // The cycle model's time for what the NPU runs; the default estimate otherwise.
  NodeCost cost(const Graph& graph, const Node& node) const override;
  // Throws Unsupported listing the nodes that neither the NPU nor the CPU backend runs.
  std::shared_ptr<const Artifact> compile(const Graph& graph, const CompileRequest& request) const override;
  std::unique_ptr<Runner> load(const Artifact& artifact) const override;

  const vta::HwConfig& config() const { return config_; }

 private:
  vta::HwConfig config_;
};

// One step of a compiled model, in graph order.
struct NpuStep {
  std::string device;                  // "npu" or "cpu"
  std::vector<std::string> inputs;     // values read
  std::vector<std::string> outputs;    // values written
  // npu: one node's program and the DRAM addresses of its operands and result.
  std::string node;                    // the node's describe() text
  NodeProgram program;
  std::vector<uint64_t> inputAddresses;
  uint64_t outputAddress = 0;
  // cpu: a subgraph compiled by the CPU backend, and why its nodes are not on the NPU.
  std::shared_ptr<const Artifact> cpu;
  std::vector<std::string> fallbackReasons;  // "node 'pool1' (MaxPool): MaxPool is not supported by the NPU"
};

struct NpuModel {
  vta::HwConfig config;
  std::vector<NpuStep> steps;
  uint64_t dramBytes = 0;                          // constants and activations
  std::map<std::string, uint64_t> dramAddressOf;  // every value the NPU reads or writes
};

const NpuModel& npuModelOf(const Artifact& artifact);

}  // namespace nest::npu
