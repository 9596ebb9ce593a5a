// eliminate-noops: removes nodes that return their (first) operand unchanged.
//
// What it does. A node whose result is bit-for-bit its operand is deleted and every use of its
// result reads the operand instead. The no-ops recognised are:
//   * Identity; Dropout (inference: output = input) when its mask result is absent or unused;
//   * Reshape, Flatten, Squeeze, Unsqueeze, Expand whose result type equals the operand type;
//   * Transpose whose result has the operand's shape and keeps the axes longer than 1 in order
//     (an identity perm, or one that only moves size-1 axes: the bytes are the same);
//   * Pad with all-zero pads; Cast to the operand's element type (not quantized);
//   * Concat, Sum, Max, Min, Mean with a single operand;
//   * Slice whose result has the operand's shape with every step positive (it selects everything).
//
// Why it is correct. Each op above, under the stated condition, copies its operand element by
// element in the same order into a result of the same type (element type, shape and quantization
// are compared), so reading the operand instead gives identical values.
//
// When it does not apply. A Dropout whose mask is used is kept (the mask is a real value). When
// the no-op's result is a graph output its name must survive: the operand's producer is renamed to
// that name (rewrite::replaceAllUses), which is impossible when the operand is a graph input, a
// constant, or itself a graph output; such nodes are kept.
#include <unordered_set>

#include "core/op_table.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {
namespace {

bool isTransposeNoop(const Node& n, const TensorType& in, const TensorType& out) {
  if (in.shape != out.shape) return false;
  const size_t rank = in.shape.size();
  Ints perm = n.attrs.getInts("perm");
  if (perm.empty())
    for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
  if (perm.size() != rank) return false;
  // Axes longer than 1 must stay in their relative order; size-1 axes may move freely.
  int64_t last = -1;
  for (int64_t axis : perm) {
    if (axis < 0) axis += static_cast<int64_t>(rank);
    if (axis < 0 || axis >= static_cast<int64_t>(rank)) return false;
    if (in.shape[static_cast<size_t>(axis)] == 1) continue;
    if (axis < last) return false;
    last = axis;
  }
  return true;
}

// The ops isNoop can accept (checked before it looks up any type).
bool mayBeNoop(const std::string& op) {
  static const std::unordered_set<std::string> kOps = {"Identity", "Dropout", "Expand", "Cast",   "Transpose", "Pad",
                                                       "Concat",   "Sum",     "Max",    "Min",    "Mean",      "Slice"};
  if (kOps.count(op)) return true;
  const OpDef* def = OpTable::instance().find(op);
  return def && def->view;
}

// True when node `n` returns its first operand unchanged.
bool isNoop(const Graph& g, const Node& n, const std::unordered_map<std::string, int>& uses) {
  if (!n.hasInput(0) || n.outputs.empty() || n.outputs[0].empty() || !mayBeNoop(n.op)) return false;
  const TensorType& in = g.typeOf(n.inputs[0]);
  const TensorType& out = g.typeOf(n.outputs[0]);
  if (!(in == out)) return false;
  const std::string& op = n.op;
  if (op == "Identity") return true;
  if (op == "Dropout") {
    if (n.outputs.size() < 2 || n.outputs[1].empty()) return true;
    auto it = uses.find(n.outputs[1]);
    return it == uses.end() || it->second == 0;
  }
  if (n.outputs.size() != 1) return false;
  // A view (Reshape, Flatten, Squeeze, ...; op table trait) with equal types keeps every byte.
  const OpDef* def = OpTable::instance().find(op);
  if ((def && def->view) || op == "Expand" || op == "Cast") return n.inputs.size() == 1;
  if (op == "Transpose") return isTransposeNoop(n, in, out);
  if (op == "Pad") {
    for (int64_t p : n.attrs.getInts("pads"))
      if (p != 0) return false;
    return true;
  }
  if (op == "Concat" || op == "Sum" || op == "Max" || op == "Min" || op == "Mean") return n.inputs.size() == 1;
  if (op == "Slice") {
    for (int64_t s : n.attrs.getInts("steps"))
      if (s <= 0) return false;
    return true;
  }
  return false;
}

bool eliminateNoops(Graph& g, const PassOptions&) {
  // Only a Dropout asks for use counts (whether its mask is used).
  const bool anyDropout = rewrite::anyNode(g, [](const Node& n) { return n.op == "Dropout"; });
  const auto uses = anyDropout ? rewrite::useCounts(g) : std::unordered_map<std::string, int>{};
  std::unordered_set<NodeId> removed;
  for (const Node& n : g.nodes) {
    if (!isNoop(g, n, uses)) continue;
    // Copies: replaceAllUses renames values in place (this node's operand, too, when it renames).
    const std::string result = n.outputs[0];
    const std::string operand = n.inputs[0];
    const NodeId id = n.id;
    if (rewrite::replaceAllUses(g, result, operand)) removed.insert(id);
  }
  rewrite::eraseNodes(g, removed);
  return !removed.empty();
}

}  // namespace

PassInfo eliminateNoopsPass() {
  return {"eliminate-noops",
          "Removes nodes that return their operand unchanged (Identity, Dropout, same-shape Reshape, ...)",
          eliminateNoops};
}

}  // namespace nest
