// The CPU backend behind the Backend interface (backends/backend.h): float32 and int8/int16
// graphs compiled to C99 bundles (cpu_backend.h) and run in-process (cpu_runner.h).
#pragma once
#include "backends/backend.h"

namespace nest::cpu {

class CpuBackend final : public Backend {
 public:
  std::string name() const override { return "cpu"; }
  std::string description() const override;
  BackendCapabilities capabilities() const override;
  std::string unsupportedReason(const Graph& graph, const Node& node) const override;
  std::shared_ptr<const Artifact> compile(const Graph& graph, const CompileRequest& request) const override;
  std::unique_ptr<Runner> load(const Artifact& artifact) const override;
};

// The compiled model inside a CPU artifact (LIR, generated C, timings).
struct CompiledModel;
const CompiledModel& compiledModelOf(const Artifact& artifact);

}  // namespace nest::cpu
