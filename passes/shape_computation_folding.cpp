// fold-shape-computations: turns shape arithmetic into constants.
//
// What it does. Every Shape and Size node becomes an i64 constant computed from its operand's
// type: in our IR every shape is static, so the value is known before the model runs. Then, in
// the same run, the small integer arithmetic that exporters build on top of those values (the
// PyTorch idiom Shape -> Gather -> Unsqueeze -> Concat -> Reshape, and Squeeze, Slice, Cast, Mul,
// Add, Div, Sub, ReduceProd, Reshape, Equal, Where, ConstantOfShape) is evaluated with the op
// table's reference kernels (the constant-fold machinery, restricted to these ops and to small
// tensors), so one run replaces the whole idiom by constants. The consumer of such a chain (a
// Reshape, say) already has the computed shape as an attribute since import, so the chain usually
// ends up unused: dce removes the operand nodes the Shape nodes no longer read.
//
// Why it is correct. Shape and Size read only the operand's type, never its data, and the type is
// fixed; the folded ops are evaluated by the same kernels the interpreter runs.
//
// When it does not apply. Only the listed ops are folded, and only when every operand is a
// constant and every operand and result has at most kMaxElements elements: large constant
// computations are constant-fold's business, with its size cap.
#include <algorithm>
#include <functional>
#include <set>
#include <unordered_set>

#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {
namespace detail {
// Defined in constant_folding.cpp.
bool foldConstantNodes(Graph& g, const PassOptions& opt, const std::function<bool(const Graph&, const Node&)>& accept);
}  // namespace detail

namespace {

constexpr int64_t kMaxElements = 64;

const std::set<std::string>& shapeArithmeticOps() {
  static const std::set<std::string> ops = {"Gather", "Unsqueeze", "Squeeze", "Concat", "Slice",
                                            "Cast",   "Mul",       "Add",     "Div",    "Sub",
                                            "ReduceProd", "Reshape", "Equal", "Where", "ConstantOfShape"};
  return ops;
}

bool isSmallShapeArithmetic(const Graph& g, const Node& n) {
  if (!shapeArithmeticOps().count(n.op)) return false;
  for (const std::string& v : n.inputs)
    if (!v.empty() && g.typeOf(v).numElements() > kMaxElements) return false;
  for (const std::string& v : n.outputs)
    if (!v.empty() && g.typeOf(v).numElements() > kMaxElements) return false;
  return true;
}

// The value of a Shape or Size node, from its operand's type; nullopt if it is not as expected.
std::optional<Tensor> shapeValue(const Graph& g, const Node& n) {
  if (!n.hasInput(0) || n.outputs.size() != 1) return std::nullopt;
  const TensorType& in = g.typeOf(n.inputs[0]);
  const TensorType& out = g.typeOf(n.outputs[0]);
  if (out.elem != ElemType::I64) return std::nullopt;
  std::vector<int64_t> values;
  if (n.op == "Size") {
    values.push_back(in.numElements());
  } else {
    const int64_t rank = static_cast<int64_t>(in.shape.size());
    auto clampAxis = [&](int64_t a) { return std::clamp(a < 0 ? a + rank : a, int64_t{0}, rank); };
    const int64_t start = clampAxis(n.attrs.getInt("start", 0));
    const int64_t end = clampAxis(n.attrs.getInt("end", rank));
    for (int64_t i = start; i < end; ++i) values.push_back(in.shape[static_cast<size_t>(i)]);
  }
  if (static_cast<int64_t>(values.size()) != out.numElements()) return std::nullopt;
  return Tensor::fromVector<int64_t>(ElemType::I64, out.shape, values);
}

bool foldShapeComputations(Graph& g, const PassOptions& opt) {
  std::unordered_set<NodeId> folded;
  std::vector<std::string> created;
  const bool anyShape = rewrite::anyNode(g, [](const Node& n) { return n.op == "Shape" || n.op == "Size"; });
  const auto uses = anyShape ? rewrite::useCounts(g) : std::unordered_map<std::string, int>{};
  for (const Node& n : g.nodes) {
    if (n.op != "Shape" && n.op != "Size") continue;
    std::optional<Tensor> value = shapeValue(g, n);
    if (!value) continue;
    auto it = uses.find(n.outputs[0]);
    if (it != uses.end() && it->second > 0) {
      g.setConstant(n.outputs[0], std::move(*value));
      created.push_back(n.outputs[0]);
    }
    folded.insert(n.id);
  }
  rewrite::eraseNodes(g, folded);
  const bool arithmetic = detail::foldConstantNodes(g, opt, isSmallShapeArithmetic);
  // A Shape result read only by another Shape node (or by folded arithmetic that has already
  // dropped it) is unused now: it need not wait for dce.
  const auto usesAfter = created.empty() ? std::unordered_map<std::string, int>{} : rewrite::useCounts(g);
  for (const std::string& c : created)
    if (!usesAfter.count(c) && g.isConstant(c)) g.removeConstant(c);
  return !folded.empty() || arithmetic;
}

}  // namespace

PassInfo shapeComputationFoldingPass() {
  return {"fold-shape-computations",
          "Replaces Shape/Size by constants and folds the small integer arithmetic built on them",
          foldShapeComputations};
}

}  // namespace nest
