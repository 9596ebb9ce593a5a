#include "backends/cpu/cpu_backend_entry.h"

#include "backends/cpu/bundle_writer.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_runner.h"
#include "core/error.h"

namespace nest::cpu {

namespace {

class CpuArtifact final : public Artifact {
 public:
  CompiledModel model;
  std::vector<std::string> write(const std::filesystem::path& dir) const override { return writeBundle(model, dir); }
};

}  // namespace

std::string CpuBackend::description() const {
  return "C99 bundle with the NEST kernel runtime (AVX-512 / AVX2 / NEON / portable C), float32 and int8";
}

BackendCapabilities CpuBackend::capabilities() const {
  BackendCapabilities c;
  // Views and data movement take any element type; arithmetic is float32 (some integer forms)
  // and quantized int8 / uint8 / int16 (unsupportedReason says which node takes which).
  c.elementTypes.assign(std::begin(kAllElemTypes), std::end(kAllElemTypes));
  c.precisions = {"fp32", "int8"};  // integer kernels are 8-bit (lower_quant.h)
  c.generatesCode = true;
  return c;
}

std::string CpuBackend::unsupportedReason(const Graph& graph, const Node& node) const {
  return cpu::unsupportedReason(graph, node);
}

std::shared_ptr<const Artifact> CpuBackend::compile(const Graph& graph, const CompileRequest& request) const {
  CompileOptions options;
  options.name = request.name;
  options.keepDumps = request.keepDumps;
  auto a = std::make_shared<CpuArtifact>();
  a->model = cpu::compile(graph, options);  // lists every unsupported node before generating code
  a->backend = name();
  a->name = request.name;
  a->graph = std::make_shared<const Graph>(a->model.graph);
  return a;
}

std::unique_ptr<Runner> CpuBackend::load(const Artifact& artifact) const { return loadOnCpu(compiledModelOf(artifact)); }

const CompiledModel& compiledModelOf(const Artifact& artifact) {
  const auto* a = dynamic_cast<const CpuArtifact*>(&artifact);
  if (!a) failInternal("a " + artifact.backend + " artifact is not a CPU bundle");
  return a->model;
}

}  // namespace nest::cpu
