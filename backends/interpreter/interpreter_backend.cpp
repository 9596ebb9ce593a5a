#include "backends/interpreter/interpreter_backend.h"

#include "backends/interpreter/interpreter.h"
#include "core/op_table.h"
#include "core/text_ir.h"

namespace nest {

namespace {

class GraphArtifact final : public Artifact {
 public:
  std::vector<std::string> write(const std::filesystem::path& dir) const override {
    std::filesystem::create_directories(dir);
    writeTextIrFile(*graph, dir / (name + ".nir"));
    std::vector<std::string> files = {name + ".nir"};
    if (std::filesystem::exists(dir / (name + ".nir.weights"))) files.push_back(name + ".nir.weights");
    return files;
  }
};

class InterpreterRunner final : public Runner {
 public:
  explicit InterpreterRunner(const Graph& g) : interpreter_(g) {}
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) override { return interpreter_.run(inputs); }

 private:
  Interpreter interpreter_;
};

}  // namespace

std::string InterpreterBackend::description() const {
  return "reference interpreter: every op's reference kernel, node by node (the numbers every backend is checked against)";
}

BackendCapabilities InterpreterBackend::capabilities() const {
  BackendCapabilities c;
  c.elementTypes.assign(std::begin(kAllElemTypes), std::end(kAllElemTypes));
  c.precisions = {"fp32", "int8", "int16"};
  return c;
}

// Every op of the table with a kernel, and If / Loop (the interpreter runs their bodies): which operand types a kernel takes (the integer form for
// quantized operands) is the op's inference, which the verifier already ran on the graph.
std::string InterpreterBackend::unsupportedReason(const Graph&, const Node& node) const {
  const OpDef* def = OpTable::instance().find(node.op);
  if (!def) return "unknown op " + node.op;
  return def->kernel || def->quantKernel || def->hasSubgraphs() ? "" : node.op + " has no reference kernel";
}

std::shared_ptr<const Artifact> InterpreterBackend::compile(const Graph& graph, const CompileRequest& request) const {
  requireSupported(graph);
  auto a = std::make_shared<GraphArtifact>();
  a->backend = name();
  a->name = request.name;
  a->graph = std::make_shared<const Graph>(graph);
  return a;
}

std::unique_ptr<Runner> InterpreterBackend::load(const Artifact& artifact) const {
  return std::make_unique<InterpreterRunner>(*artifact.graph);
}

}  // namespace nest
