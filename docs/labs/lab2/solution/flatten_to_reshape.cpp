// Lab 2 reference solution: flatten-to-reshape, a pass plugin (passes/pass_plugin_api.h).
//
// What it does. Flatten(x, axis=a) on a tensor of static shape [d0, ..., dn] becomes
// Reshape(x) {shape = [d0*...*d(a-1), da*...*dn]} (in the graph IR a Reshape's target shape is an
// attribute: the importer turns ONNX's shape operand into it).
//
// Why it is correct. Flatten is defined as exactly that reshape (row-major, no data moves), so the
// result is the same tensor bit for bit. Why it is useful: one op fewer for a backend to support,
// and merge-reshapes can then fold the Reshape into a neighbouring Reshape.
//
// When it does not apply. The input's shape must be known (no dynamic dimension): the constant
// attribute needs the numbers.
#include <string>

#include "passes/pass_plugin_api.h"
#include "passes/rewrite.h"

namespace {

bool flattenToReshape(nest::Graph& g, const nest::PassOptions& options) {
  bool changed = false;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].op != "Flatten") continue;
    const nest::Node flatten = g.nodes[i];  // a copy: inserting nodes moves g.nodes
    const nest::Shape& shape = g.typeOf(flatten.inputs[0]).shape;
    bool known = true;
    for (int64_t d : shape) known = known && d >= 0;
    if (!known) continue;
    int64_t axis = flatten.attrs.getInt("axis", 1);
    if (axis < 0) axis += static_cast<int64_t>(shape.size());
    int64_t outer = 1, inner = 1;
    for (size_t k = 0; k < shape.size(); ++k) (static_cast<int64_t>(k) < axis ? outer : inner) *= shape[k];
    nest::Attributes attrs;
    attrs.set("shape", nest::Ints{outer, inner});
    const std::string result = g.freshValueName(flatten.outputs[0] + "_reshaped");
    nest::rewrite::insertNode(g, i + 1, "Reshape", flatten.name, {flatten.inputs[0]}, {result}, attrs, {flatten.id});
    nest::rewrite::replaceAllUses(g, flatten.outputs[0], result);
    nest::rewrite::eraseNodes(g, {flatten.id});
    nest::rewrite::note(options, "Flatten '" + flatten.name + "' became a Reshape to [" + std::to_string(outer) + ", " +
                                     std::to_string(inner) + "]");
    changed = true;
  }
  return changed;
}

}  // namespace

NEST_PASS_PLUGIN(registrar) {
  registrar.add({"flatten-to-reshape", "Flatten with a static input shape -> Reshape to the 2-D shape it produces",
                 flattenToReshape});
}
