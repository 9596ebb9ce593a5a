#include "backends/cpu/cpu_backend.h"

#include <chrono>

#include "backends/backend.h"
#include "backends/cpu/cpu_support_table.h"
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

std::string unsupportedReason(const Graph& graph, const Node& node) {
  if (std::string r = runtimeControlFlowReason(node); !r.empty()) return r;
  if (std::string r = tableUnsupportedReason(graph, node); !r.empty()) return r;  // op, attribute, type
  if (std::string r = loweringUnsupportedReason(graph, node); !r.empty()) return r;  // forms and values
  // Forms the runtime kernels do not take although the LIR has an instruction for them.
  if (node.op == "AveragePool")
    for (int64_t d : node.attrs.getInts("dilations", {}))
      if (d != 1) return "dilated AveragePool is not supported by the CPU runtime";
  return "";
}

std::vector<UnsupportedNode> unsupportedNodes(const Graph& graph) {
  std::vector<UnsupportedNode> out;
  for (const Node& n : graph.nodes)
    if (std::string r = unsupportedReason(graph, n); !r.empty()) out.push_back({n.id, n.describe(), r});
  return out;
}

CompiledModel compile(const Graph& graph, const CompileOptions& options) {
  if (!isCIdentifier(options.name))
    failBadInput("bundle name '" + options.name + "' is not a C identifier (letters, digits, '_', not a keyword)");
  CompiledModel m;
  m.name = options.name;
  m.graph = graph;
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
