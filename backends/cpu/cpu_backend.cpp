#include "backends/cpu/cpu_backend.h"

#include <chrono>

#include "core/error.h"
#include "passes/all_passes.h"
#include "passes/lowering/lower_quant.h"
#include "passes/pass_manager.h"

namespace nest::cpu {

namespace {

double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

std::vector<UnsupportedNode> unsupportedNodes(const Graph& graph) {
  std::vector<UnsupportedNode> out = unsupportedForLowering(graph);
  // Forms the runtime kernels do not take although the LIR has an instruction for them.
  for (const Node& n : graph.nodes) {
    std::string reason;
    if (n.op == "AveragePool")
      for (int64_t d : n.attrs.getInts("dilations", {}))
        if (d != 1) reason = "dilated AveragePool is not supported by the CPU runtime";
    if (!reason.empty()) out.push_back({n.id, n.describe(), reason});
  }
  return out;
}

CompiledModel compile(const Graph& graph, const CompileOptions& options) {
  if (!isCIdentifier(options.name))
    failBadInput("bundle name '" + options.name + "' is not a C identifier (letters, digits, '_', not a keyword)");
  CompiledModel m;
  m.name = options.name;
  auto t0 = std::chrono::steady_clock::now();
  // A quantized graph had its float pipeline before the quantize pass: no graph passes again.
  PipelineRun run = runPipeline(graph, hasQuantizedValues(graph) ? Pipeline{} : options.pipeline);
  m.graph = run.result();
  // What the CPU kernels cannot run but the compiler can compute (all operands constant) becomes a
  // constant, whatever its size: anything computable at compile time compiles.
  foldForBackend(m.graph, [](const Graph& g, const Node& n) { return !loweringUnsupportedReason(g, n).empty(); });
  m.graphMs = msSince(t0);

  std::vector<UnsupportedNode> bad = unsupportedNodes(m.graph);
  if (!bad.empty()) {
    std::string msg = "the CPU backend does not support " + std::to_string(bad.size()) + " node(s):";
    for (const UnsupportedNode& u : bad) msg += "\n  " + u.node + ": " + u.reason;
    failUnsupported(msg);
  }
  auto t1 = std::chrono::steady_clock::now();
  lir::Function f = lowerToLir(m.graph);
  f.name = options.name;
  m.lowerMs = msSince(t1);

  auto t2 = std::chrono::steady_clock::now();
  m.lir = lir::runLirPipeline(std::move(f), lir::defaultLirPipeline(targetPasses()), options.keepDumps);
  m.lirMs = msSince(t2);

  auto t3 = std::chrono::steady_clock::now();
  generateCode(m);
  m.codegenMs = msSince(t3);
  return m;
}

}  // namespace nest::cpu
