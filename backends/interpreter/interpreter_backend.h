// The reference interpreter as a backend: runs every op of the op table that has a reference
// kernel (an integer kernel for quantized operands), in any element type and precision. Its
// "bundle" is the graph as text IR (NAME.nir + NAME.nir.weights), which every nestc command reads.
#pragma once
#include "backends/backend.h"

namespace nest {

class InterpreterBackend final : public Backend {
 public:
  std::string name() const override { return "interpreter"; }
  std::string description() const override;
  BackendCapabilities capabilities() const override;
  std::string unsupportedReason(const Graph& graph, const Node& node) const override;
  std::shared_ptr<const Artifact> compile(const Graph& graph, const CompileRequest& request) const override;
  std::unique_ptr<Runner> load(const Artifact& artifact) const override;
};

}  // namespace nest
