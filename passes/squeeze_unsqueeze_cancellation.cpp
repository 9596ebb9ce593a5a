// cancel-squeeze-unsqueeze: removes chains of Squeeze / Unsqueeze, or collapses them into one
// Reshape.
//
// What it does. A chain is two or more Squeeze / Unsqueeze nodes in a row where each intermediate
// result is used only by the next node of the chain and is not a graph output. If the chain's
// result has the shape of its operand (Unsqueeze axes=[1] then Squeeze axes=[1]; Squeeze then an
// Unsqueeze restoring the same axes) the whole chain is deleted and its uses read the operand.
// Otherwise the chain is replaced by a single Reshape to the chain's (static) result shape.
//
// Why it is correct. Squeeze and Unsqueeze only add or remove axes of size 1: the elements keep
// their row-major order and only the shape changes. A chain of them is therefore a reshape from
// the operand's shape to the result's shape; when the two shapes are equal it is the identity.
// Shapes are static in our IR, so the Reshape gets the explicit result shape (with allowzero=1 when
// a dimension is 0, so that 0 is not read as "copy this dimension").
//
// When it does not apply. A single Squeeze or Unsqueeze is left alone (eliminate-noops removes
// those that change nothing). A chain stops at a value with several uses or a graph output (that
// intermediate value must stay). When the chain cancels but its result is a graph output and its
// operand is a graph input, a constant or another graph output, the output name cannot be moved
// onto the operand; the chain then becomes one Reshape instead.
#include <algorithm>
#include <unordered_set>

#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {
namespace {

bool isSqueezeLike(const Node& n) { return n.op == "Squeeze" || n.op == "Unsqueeze"; }

// Finds one chain (node indexes, first to last) of length >= 2, or an empty vector.
std::vector<size_t> findChain(const Graph& g, const PassOptions& opt) {
  if (!rewrite::anyNode(g, isSqueezeLike)) return {};  // no chain possible
  auto uses = rewrite::useCounts(g);
  auto prod = rewrite::producers(g);
  auto singleUse = [&](const std::string& v) { return uses[v] == 1 && !rewrite::isGraphOutput(g, v); };
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const Node& last = g.nodes[i];
    if (!isSqueezeLike(last) || !last.hasInput(0)) continue;
    std::vector<size_t> chain{i};
    while (true) {
      const Node& first = g.nodes[chain.front()];
      auto it = prod.find(first.inputs[0]);
      if (it == prod.end() || !isSqueezeLike(g.nodes[it->second]) || !singleUse(first.inputs[0])) break;
      const Node& before = g.nodes[it->second];
      if (!rewrite::mayMerge(opt, before, first) || !rewrite::mayMerge(opt, first, before)) break;
      chain.insert(chain.begin(), it->second);
    }
    if (chain.size() >= 2) return chain;
  }
  return {};
}

bool run(Graph& g, const PassOptions& opt) {
  bool changed = false;
  while (true) {
    std::vector<size_t> chain = findChain(g, opt);
    if (chain.empty()) break;
    const Node& first = g.nodes[chain.front()];
    const Node& last = g.nodes[chain.back()];
    const std::string operand = first.inputs[0], result = last.outputs[0];
    std::unordered_set<NodeId> ids;
    std::vector<NodeId> origin;
    for (size_t idx : chain) {
      const Node& n = g.nodes[idx];
      ids.insert(n.id);
      origin.push_back(n.id);
      origin.insert(origin.end(), n.origin.begin(), n.origin.end());
    }
    const Shape& inShape = g.typeOf(operand).shape;
    const Shape outShape = g.typeOf(result).shape;
    auto prod = rewrite::producers(g);
    bool canForward = !rewrite::isGraphOutput(g, result) ||
                      (prod.count(operand) && !rewrite::isGraphOutput(g, operand));
    if (inShape == outShape && canForward) {
      rewrite::replaceAllUses(g, result, operand);
      rewrite::eraseNodes(g, ids);
    } else {
      // One Reshape replacing the chain, placed where the chain started, writing the chain's result.
      const size_t at = chain.front();
      const std::string name = last.name;
      Attributes attrs;
      attrs.set("shape", Ints(outShape.begin(), outShape.end()));
      if (std::find(outShape.begin(), outShape.end(), 0) != outShape.end()) attrs.set("allowzero", int64_t(1));
      TensorType type = g.typeOf(result);
      rewrite::eraseNodes(g, ids);
      g.setType(result, type);  // still used; keep it while the Reshape is inserted
      rewrite::insertNode(g, at, "Reshape", name, {operand}, {result}, std::move(attrs), std::move(origin));
    }
    changed = true;
  }
  return changed;
}

}  // namespace

PassInfo squeezeUnsqueezeCancellationPass() {
  return {"cancel-squeeze-unsqueeze",
          "remove Squeeze/Unsqueeze chains that restore their operand's shape; collapse others into one Reshape",
          run};
}

}  // namespace nest
