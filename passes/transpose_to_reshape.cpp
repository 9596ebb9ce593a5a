// transpose-to-reshape: a Transpose that only moves size-1 axes becomes a Reshape.
//
// What it does. Transpose(x) {perm} whose perm keeps the axes of x longer than 1 in their relative
// order (it only moves size-1 axes, e.g. [1,0,2] on f32[1,197,768] -> f32[197,1,768]) but changes
// the shape is replaced by Reshape(x) {shape = the Transpose's result shape}; the Reshape keeps
// the Transpose's name and result and lists it as its origin. Backends run a Reshape as a view
// of its operand's bytes (the CPU backend aliases the buffers), where the Transpose copied them,
// and merge-reshapes can then merge it with a neighbouring Reshape.
//
// Why it is correct. A row-major tensor's bytes list its elements in the order of its axes longer
// than 1; a size-1 axis contributes no step. Such a perm leaves that order unchanged, so the
// result holds the operand's bytes in the same order: exactly what Reshape to the result shape
// produces. The results are bit-identical.
//
// When it does not apply. A perm that reorders two axes longer than 1 moves data (the attention
// heads' [S,H,D] -> [H,S,D]; see fold-attention-transposes). Quantized values are left alone (a
// per-channel axis would have to move with the shape). A Transpose whose result has the operand's
// shape is left to eliminate-noops, which removes it.
#include <algorithm>

#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {
namespace {

// Whether Transpose `t` only moves size-1 axes of its operand and changes its shape.
bool movesOnlyUnitAxes(const Graph& g, const Node& t) {
  if (t.op != "Transpose" || !t.hasInput(0) || t.outputs.size() != 1) return false;
  const TensorType& in = g.typeOf(t.inputs[0]);
  const TensorType& out = g.typeOf(t.outputs[0]);
  if (in.quant || out.quant || in.shape == out.shape) return false;
  const Ints perm = rewrite::transposePerm(t, in.shape.size());
  if (perm.empty()) return false;
  int64_t last = -1;
  for (int64_t axis : perm) {
    if (in.shape[static_cast<size_t>(axis)] == 1) continue;
    if (axis < last) return false;
    last = axis;
  }
  return true;
}

bool run(Graph& g, const PassOptions&) {
  bool changed = false;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!movesOnlyUnitAxes(g, g.nodes[i])) continue;
    const Node t = g.nodes[i];
    const Shape& shape = g.typeOf(t.outputs[0]).shape;
    Attributes attrs;
    attrs.set("shape", Ints(shape.begin(), shape.end()));
    if (std::count(shape.begin(), shape.end(), 0) > 0) attrs.set("allowzero", int64_t{1});
    std::vector<NodeId> origin = {t.id};
    origin.insert(origin.end(), t.origin.begin(), t.origin.end());
    // Same place, same result name: the Transpose goes first so the Reshape can take its result.
    rewrite::eraseNodes(g, {t.id});
    rewrite::insertNode(g, i, "Reshape", t.name, t.inputs, t.outputs, std::move(attrs), std::move(origin));
    changed = true;
  }
  return changed;
}

}  // namespace

PassInfo transposeToReshapePass() {
  return {"transpose-to-reshape", "make a Transpose that only moves size-1 axes a Reshape (a view of the same bytes)",
          run};
}

}  // namespace nest
