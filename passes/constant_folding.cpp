// constant-fold: evaluates nodes whose operands are all constants.
//
// What it does. A node whose every operand is a constant (or that has no operands at all, like
// ConstantOfShape and Range, whose parameters are attributes) is run once with the op table's
// reference kernel (nest::runKernel) and replaced by its results as constants. A folded result
// keeps its value name, so its users and a graph output of that name read the constant instead
// (graph outputs may be constants). Nodes are visited in topological order and a folded result
// is a constant for the nodes after it, so whole constant chains fold in one run. Operand
// constants that nothing uses any more afterwards are dropped.
//
// Why it is correct. The interpreter runs exactly the same kernel on exactly the same operand
// values, so the constant holds the bytes the node would have produced at run time.
//
// When it does not apply.
//   * Size cap: a node is skipped when its results take more than PassOptions::foldSizeLimitBytes
//     AND more than its operand constants together (Expand or Tile of a small constant into a big
//     tensor would make the model bigger, not faster).
//   * DequantizeLinear is kept: on a quantized weight it marks the weight for integer kernels, and
//     folding it would store the weight in float, four times larger.
//   * A node whose kernel rejects its values (a Gather index out of range, ...) is left for the
//     run-time error to report.
#include <functional>
#include <limits>
#include <optional>
#include <unordered_set>

#include "core/error.h"
#include "core/op_table.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {
namespace detail {

// Folds, in one topological sweep, every node with all operands constant that `accept` admits
// (and the size cap allows). Shared with fold-shape-computations (shape_computation_folding.cpp).
bool foldConstantNodes(Graph& g, const PassOptions& opt, const std::function<bool(const Graph&, const Node&)>& accept) {
  // Built at the first foldable node (most sweeps find none); the sweep changes no node before.
  std::optional<std::unordered_map<std::string, int>> usesOnce;
  const OpTable& table = OpTable::instance();
  std::unordered_set<NodeId> folded;
  std::vector<std::string> operandConstants;
  for (const Node& n : g.nodes) {
    const OpDef* def = table.find(n.op);
    if (!def || !def->kernel || n.op == "DequantizeLinear") continue;
    std::vector<const Tensor*> inputs;
    size_t operandBytes = 0;
    bool allConstant = true;
    for (const std::string& in : n.inputs) {
      if (in.empty()) {
        inputs.push_back(nullptr);
        continue;
      }
      const Tensor* t = g.constant(in);
      if (!t) {
        allConstant = false;
        break;
      }
      inputs.push_back(t);
      operandBytes += t->byteSize();
    }
    if (!allConstant || !accept(g, n)) continue;
    if (!usesOnce) usesOnce = rewrite::useCounts(g);
    const auto& uses = *usesOnce;
    std::vector<TensorType> outTypes;
    size_t resultBytes = 0;
    for (const std::string& out : n.outputs) {
      outTypes.push_back(out.empty() ? TensorType() : g.typeOf(out));
      auto it = uses.find(out);
      if (!out.empty() && it != uses.end() && it->second > 0) resultBytes += outTypes.back().byteSize();
    }
    if (resultBytes > opt.foldSizeLimitBytes && resultBytes > operandBytes) continue;
    std::vector<Tensor> results;
    try {
      results = runKernel(*def, n, inputs, outTypes);
    } catch (const Error&) {
      continue;  // the kernel refuses these values: leave the node for run time to report
    }
    bool typesMatch = results.size() == n.outputs.size();
    for (size_t k = 0; typesMatch && k < results.size(); ++k)
      if (!n.outputs[k].empty() && !(results[k].type() == outTypes[k])) typesMatch = false;
    if (!typesMatch) continue;
    // The results become constants of the same names (the node is erased after the sweep; until
    // then the later nodes already see them as constants).
    for (size_t k = 0; k < results.size(); ++k) {
      auto it = uses.find(n.outputs[k]);
      if (!n.outputs[k].empty() && it != uses.end() && it->second > 0) g.setConstant(n.outputs[k], results[k]);
    }
    for (const std::string& in : n.inputs)
      if (!in.empty()) operandConstants.push_back(in);
    folded.insert(n.id);
  }
  if (folded.empty()) return false;
  rewrite::eraseNodes(g, folded);
  const auto usesAfter = rewrite::useCounts(g);
  for (const std::string& c : operandConstants)
    if (!usesAfter.count(c) && g.isConstant(c)) g.removeConstant(c);
  return true;
}

}  // namespace detail

bool foldForBackend(Graph& g, const std::function<bool(const Graph&, const Node&)>& needed) {
  PassOptions unlimited;
  unlimited.foldSizeLimitBytes = std::numeric_limits<size_t>::max();
  return detail::foldConstantNodes(g, unlimited, needed);
}

PassInfo constantFoldingPass() {
  return {"constant-fold", "Evaluates nodes whose operands are all constants and replaces them by constants",
          [](Graph& g, const PassOptions& opt) {
            return detail::foldConstantNodes(g, opt, [](const Graph&, const Node&) { return true; });
          }};
}

}  // namespace nest
