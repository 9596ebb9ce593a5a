#include "backends/npu/npu_backend.h"

#include <sstream>

#include "backends/cpu/cpu_backend_entry.h"
#include "backends/npu/npu_bundle_writer.h"
#include "backends/npu/npu_runner.h"
#include "core/error.h"
#include "core/graph_stats.h"
#include "core/subgraph.h"

namespace nest::npu {

namespace {

const cpu::CpuBackend& hostBackend() {
  static const cpu::CpuBackend cpu;
  return cpu;
}

// DRAM addresses handed out in order, each region aligned to 256 bytes (every entry size of the
// default configuration divides it; the simulator's own allocator aligns the same way).
struct DramPlan {
  uint64_t next = 0;
  uint64_t allocate(uint64_t bytes) {
    const uint64_t address = next;
    next += (bytes + 255) / 256 * 256;
    return address;
  }
};

class NpuArtifact final : public Artifact {
 public:
  NpuModel model;
  std::vector<std::string> write(const std::filesystem::path& dir) const override;
  std::vector<std::string> placement() const override;
};

std::vector<std::string> NpuArtifact::placement() const {
  std::vector<std::string> npuNodes, cpuLines;
  for (const NpuStep& s : model.steps) {
    if (s.device == "npu") npuNodes.push_back(s.node);
    else cpuLines.insert(cpuLines.end(), s.fallbackReasons.begin(), s.fallbackReasons.end());
  }
  std::vector<std::string> lines;
  lines.push_back("npu: " + std::to_string(npuNodes.size()) + " node(s) on the NPU, " + std::to_string(cpuLines.size()) +
                  " on the CPU (fallback)");
  for (const std::string& n : npuNodes) lines.push_back("  npu  " + n);
  for (const std::string& c : cpuLines) lines.push_back("  cpu  " + c);
  return lines;
}

std::vector<std::string> NpuArtifact::write(const std::filesystem::path& dir) const {
  return writeNpuBundle(model, *graph, name, dir);
}

}  // namespace

NpuBackend::NpuBackend(vta::HwConfig config) : config_(config) {
  config_.validate();
  // An NPU result (BLOCK_OUT channels per entry) feeds the next NPU node's input in place.
  if (config_.logBlockIn != config_.logBlockOut)
    throw vta::ConfigError("LOG_BLOCK_IN=" + std::to_string(config_.logBlockIn) + " and LOG_BLOCK_OUT=" +
                           std::to_string(config_.logBlockOut) + ": the NPU compiler needs equal blocks");
}

std::string NpuBackend::description() const {
  return "VTA-class NPU, simulated (" + config_.describe() +
         "): int8 Conv, Gemm, MatMul and Add with power-of-two requantization; other nodes fall back to the CPU backend";
}

BackendCapabilities NpuBackend::capabilities() const {
  return {{ElemType::I8, ElemType::I32}, {"int8"}, true};
}

std::string NpuBackend::unsupportedReason(const Graph& graph, const Node& node) const {
  if (std::string r = runtimeControlFlowReason(node); !r.empty()) return r;
  return npu::unsupportedReason(graph, node, config_);
}

NodeCost NpuBackend::cost(const Graph& graph, const Node& node) const {
  if (!supports(graph, node)) return Backend::cost(graph, node);
  DramPlan plan;
  NodeBuffers buffers;
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (node.hasInput(i) && !graph.isConstant(node.inputs[i])) buffers.inputs.push_back(plan.allocate(1));
  buffers.output = plan.allocate(1);
  buffers.allocateConstants = [&](uint64_t bytes) { return plan.allocate(bytes); };
  const NodeProgram program = lowerNode(graph, node, config_, buffers);
  NodeCost c = Backend::cost(graph, node);
  c.microseconds = static_cast<double>(program.estimate.cycles) / config_.clockMhz;
  return c;
}

namespace {

// The activation operands of an NPU node, in input order.
std::vector<std::string> activationOperands(const Graph& graph, const Node& node) {
  std::vector<std::string> values;
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (node.hasInput(i) && !graph.isConstant(node.inputs[i])) values.push_back(node.inputs[i]);
  return values;
}

NpuStep cpuStep(const Graph& graph, const std::vector<size_t>& indices, const std::vector<std::string>& reasons,
                const std::string& name) {
  NpuStep step;
  step.device = "cpu";
  const Graph part = extractSubgraph(graph, indices, name);
  step.inputs = part.inputs;
  step.outputs = part.outputs;
  step.fallbackReasons = reasons;
  step.cpu = hostBackend().compile(part, CompileRequest{name, false});
  return step;
}

}  // namespace

std::shared_ptr<const Artifact> NpuBackend::compile(const Graph& graph, const CompileRequest& request) const {
  std::vector<std::string> neither;
  std::vector<std::string> reasons(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    reasons[i] = unsupportedReason(graph, node);
    if (reasons[i].empty()) continue;
    const std::string cpuReason = hostBackend().unsupportedReason(graph, node);
    if (!cpuReason.empty()) neither.push_back(node.describe() + ": " + reasons[i] + "; on the CPU: " + cpuReason);
  }
  if (!neither.empty()) {
    std::string msg = "the npu backend cannot run " + std::to_string(neither.size()) +
                      " node(s), on the NPU or on the CPU fallback:";
    for (const std::string& line : neither) msg += "\n  " + line;
    failUnsupported(msg);
  }

  auto artifact = std::make_shared<NpuArtifact>();
  artifact->backend = name();
  artifact->name = request.name;
  artifact->graph = std::make_shared<const Graph>(graph);
  NpuModel& model = artifact->model;
  model.config = config_;
  DramPlan dram;
  auto addressOf = [&](const std::string& value) {
    auto it = model.dramAddressOf.find(value);
    if (it != model.dramAddressOf.end()) return it->second;
    const uint64_t address = dram.allocate(blockedBytes(blockedShapeOf(graph.typeOf(value)), config_));
    model.dramAddressOf[value] = address;
    return address;
  };

  std::vector<size_t> pending;  // consecutive fallback nodes, compiled together
  std::vector<std::string> pendingReasons;
  int cpuParts = 0;
  auto flushCpu = [&] {
    if (pending.empty()) return;
    model.steps.push_back(cpuStep(graph, pending, pendingReasons, request.name + "_cpu" + std::to_string(cpuParts++)));
    pending.clear();
    pendingReasons.clear();
  };
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (!reasons[i].empty()) {
      pending.push_back(i);
      pendingReasons.push_back(node.describe() + ": " + reasons[i]);
      continue;
    }
    flushCpu();
    NpuStep step;
    step.device = "npu";
    step.node = node.describe();
    step.inputs = activationOperands(graph, node);
    step.outputs = {node.outputs[0]};
    NodeBuffers buffers;
    for (const std::string& v : step.inputs) buffers.inputs.push_back(addressOf(v));
    buffers.output = addressOf(node.outputs[0]);
    buffers.allocateConstants = [&](uint64_t bytes) { return dram.allocate(bytes); };
    step.inputAddresses = buffers.inputs;
    step.outputAddress = buffers.output;
    step.program = lowerNode(graph, node, config_, buffers);
    model.steps.push_back(std::move(step));
  }
  flushCpu();
  model.dramBytes = dram.next;
  return artifact;
}

std::unique_ptr<Runner> NpuBackend::load(const Artifact& artifact) const {
  return loadOnNpu(npuModelOf(artifact), *artifact.graph);
}

const NpuModel& npuModelOf(const Artifact& artifact) {
  const auto* a = dynamic_cast<const NpuArtifact*>(&artifact);
  if (!a) failBadInput("artifact '" + artifact.name + "' of backend " + artifact.backend + " is not an NPU artifact");
  return a->model;
}

}  // namespace nest::npu
