// merge-reshapes: a Reshape or Flatten whose operand is produced by another Reshape or Flatten
// collapses into one Reshape of the first one's operand to the final shape.
//
// What it does. Reshape(Flatten(x)) / Reshape(Reshape(x)) / Flatten(Reshape(x)) / ... becomes
// Reshape(x) {shape = final static shape}. A Reshape at the end is kept (with new operand and
// shape) and absorbs the first node; a Flatten at the end is replaced by a new Reshape node whose
// origin is both.
//
// Why it is correct. Reshape and Flatten never move data: both reinterpret the same row-major
// element sequence with a new shape, so any chain of them equals one reinterpretation to the final
// shape. Shapes are static, so the final shape is written out explicitly (allowzero = 1 when it
// has a zero dimension, so 0 means zero, not "copy").
//
// When it does not apply. The first node's result must be used only by the second and not be a
// graph output; the merged Reshape must infer exactly the second node's result type (quantization
// annotations included).
#include <algorithm>

#include "core/error.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

bool isView(const Node& n) { return (n.op == "Reshape" || n.op == "Flatten") && n.inputs.size() == 1 && n.outputs.size() == 1; }

bool mergeOne(Graph& g, const PassOptions& opt) {
  if (!rewrite::anyNode(g, isView)) return false;  // nothing to merge
  auto uses = rewrite::useCounts(g);
  auto prod = rewrite::producers(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& second = g.nodes[i];
    if (!isView(second)) continue;
    const std::string x = second.inputs[0];
    auto pit = prod.find(x);
    if (pit == prod.end() || uses[x] != 1 || rewrite::isGraphOutput(g, x)) continue;
    const Node& first = g.nodes[pit->second];
    if (!isView(first)) continue;
    // A Reshape absorbs the first node; a Flatten is replaced by a node with the first's key.
    if (second.op == "Reshape" ? !rewrite::mayMerge(opt, second, first) : !rewrite::mayMerge(opt, first, second)) continue;
    const TensorType& outType = g.typeOf(second.outputs[0]);
    Attributes attrs;
    attrs.set("shape", Ints(outType.shape.begin(), outType.shape.end()));
    if (std::count(outType.shape.begin(), outType.shape.end(), 0) > 0) attrs.set("allowzero", int64_t{1});
    Node merged;
    merged.op = "Reshape";
    merged.name = second.name;
    merged.inputs = {first.inputs[0]};
    merged.outputs = second.outputs;
    merged.attrs = attrs;
    try {
      std::vector<TensorType> out =
          inferNodeTypes(*OpTable::instance().find("Reshape"), merged, {&g.typeOf(first.inputs[0])});
      if (out.size() != 1 || out[0] != outType) continue;
    } catch (const Error&) {
      continue;
    }
    const Node firstCopy = first, secondCopy = second;
    if (secondCopy.op == "Reshape") {
      Node& target = g.nodes[i];
      target.inputs[0] = firstCopy.inputs[0];
      target.attrs = attrs;
      rewrite::absorb(target, firstCopy);
      rewrite::eraseNodes(g, {firstCopy.id});
    } else {
      std::vector<NodeId> origin;
      auto add = [&](NodeId id) {
        if (std::find(origin.begin(), origin.end(), id) == origin.end()) origin.push_back(id);
      };
      for (const Node* n : {&firstCopy, &secondCopy}) {
        add(n->id);
        for (NodeId id : n->origin) add(id);
      }
      const size_t index = pit->second;
      rewrite::eraseNodes(g, {firstCopy.id, secondCopy.id});
      rewrite::insertNode(g, index, "Reshape", secondCopy.name, {firstCopy.inputs[0]}, secondCopy.outputs, attrs,
                          origin);
    }
    return true;
  }
  return false;
}

bool run(Graph& g, const PassOptions& opt) {
  const bool changed = rewrite::repeatWhileChanging(g, [&](Graph& x) { return mergeOne(x, opt); });
  return changed;
}

}  // namespace

PassInfo mergeReshapesPass() {
  return {"merge-reshapes", "collapse chains of Reshape / Flatten into one Reshape", run};
}

}  // namespace nest
