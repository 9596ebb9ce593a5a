// relu-after-maxpool: an example pass plugin (passes/pass_plugin_api.h). Built as
// build/lib/relu_after_maxpool.so; load it with
//   nestc opt MODEL --load-pass-plugin build/lib/relu_after_maxpool.so --passes relu-after-maxpool
//
// What it does. A Relu whose only use is a MaxPool, MaxPool(Relu(x)), becomes Relu(MaxPool(x)):
// the MaxPool reads x directly and the Relu moves behind it.
//
// Why it is correct. Relu is monotone non-decreasing, so the max of the Relu'd window elements is
// the Relu of their max, bit for bit (max and Relu only select and compare values, no rounding);
// MaxPool's padding never wins a max (ONNX pads with -inf), so it does not matter either.
//
// Why it pays. The Relu then runs on the pooled tensor: a 2x2/stride-2 pool leaves it a quarter of
// the elements (ResNet-18's 3x3/stride-2 stem pool the same), so fewer elements are read and
// written. (At -O1 the Relu would instead fuse into the Conv before it, see fuse-activations: run
// this pass on a graph where that does not happen, or after it, where it finds nothing to do.)
//
// When it does not apply. The Relu's result must be used only by that MaxPool (a second user
// still needs the Relu'd values) and not be a graph output; the MaxPool must have one result (no
// Indices output, whose positions could differ between equal maxima).
#include <string>
#include <unordered_map>

#include "passes/pass_plugin_api.h"
#include "passes/rewrite.h"

namespace {

using nest::Graph;
using nest::Node;
using nest::NodeId;

// Rewrites the first Relu -> MaxPool pair; false when none is left.
bool rewriteOne(Graph& g, const nest::PassOptions& options) {
  const auto uses = nest::rewrite::useCounts(g);
  const auto producers = nest::rewrite::producers(g);
  for (size_t j = 0; j < g.nodes.size(); ++j) {
    const Node& pool = g.nodes[j];
    if (pool.op != "MaxPool" || pool.outputs.size() != 1 || !pool.hasInput(0)) continue;
    const std::string relued = pool.inputs[0];
    auto p = producers.find(relued);
    if (p == producers.end()) continue;
    const Node& relu = g.nodes[p->second];
    if (relu.op != "Relu" || uses.at(relued) != 1 || nest::rewrite::isGraphOutput(g, relued)) continue;

    const std::string x = relu.inputs[0], pooledOut = pool.outputs[0];
    const NodeId poolId = pool.id, reluId = relu.id;
    const std::string poolName = pool.name, reluName = relu.name;
    const nest::Attributes poolAttrs = pool.attrs, reluAttrs = relu.attrs;
    const int64_t before = g.typeOf(relued).numElements(), after = g.typeOf(pooledOut).numElements();

    const std::string pooled = g.freshValueName(pooledOut + "_prerelu");
    nest::rewrite::insertNode(g, j + 1, "MaxPool", poolName, {x}, {pooled}, poolAttrs, {poolId});
    const std::string result = g.freshValueName(pooledOut + "_relu");
    nest::rewrite::insertNode(g, j + 2, "Relu", reluName, {pooled}, {result}, reluAttrs, {reluId});
    if (!nest::rewrite::replaceAllUses(g, pooledOut, result)) return false;  // cannot happen: result is fresh
    nest::rewrite::eraseNodes(g, {poolId, reluId});
    nest::rewrite::note(options, "Relu '" + reluName + "' moved after MaxPool '" + poolName + "': it now runs on " +
                                     std::to_string(after) + " instead of " + std::to_string(before) + " elements");
    return true;
  }
  return false;
}

bool reluAfterMaxPool(Graph& g, const nest::PassOptions& options) {
  if (!nest::rewrite::anyNode(g, [](const Node& n) { return n.op == "MaxPool"; })) return false;
  return nest::rewrite::repeatWhileChanging(g, [&](Graph& graph) { return rewriteOne(graph, options); });
}

}  // namespace

NEST_PASS_PLUGIN(registrar) {
  registrar.add({"relu-after-maxpool", "MaxPool(Relu(x)) -> Relu(MaxPool(x)): the Relu runs on the pooled tensor",
                 reluAfterMaxPool});
}
