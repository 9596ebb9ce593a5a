// dce: dead code elimination.
//
// What it does. Deletes every node none of whose results is used, neither as an operand of a
// remaining node nor as a graph output, and then every constant (weight) nothing uses any more.
//
// Why it is correct. Our ops have no side effects: a node's only effect is its results, so a node
// whose results nobody reads can go without changing any graph output. The nodes are visited
// from last to first (the reverse of the topological order) while use counts are kept up to date,
// so a node that only fed dead nodes is seen as dead in the same sweep: whole dead chains go at
// once.
//
// When it does not apply. A node with at least one used result is kept whole (an unused second
// result, such as Dropout's mask, stays with it). Graph inputs are never removed, even unused
// ones: they are the model's interface.
#include <unordered_set>

#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {
namespace {

bool deadCodeElimination(Graph& g, const PassOptions&) {
  auto uses = rewrite::useCountViews(g);  // views of names in g.nodes: used before the erase only
  std::unordered_set<NodeId> dead;
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const Node& n = g.nodes[i];
    bool used = false;
    for (const std::string& out : n.outputs) {
      auto it = uses.find(out);
      if (!out.empty() && it != uses.end() && it->second > 0) used = true;
    }
    if (used) continue;
    dead.insert(n.id);
    for (const std::string& in : n.inputs)
      if (!in.empty()) --uses[in];
  }
  // `uses` now counts the uses by the nodes that stay: the constants it finds unused are those
  // rewrite::removeUnusedConstants would find after the erase, without counting again.
  std::vector<std::string> unused;
  for (const auto& [name, t] : g.constants())
    if (auto it = uses.find(name); it == uses.end() || it->second == 0) unused.push_back(name);
  rewrite::eraseNodes(g, dead);
  for (const std::string& name : unused) g.removeConstant(name);
  return !dead.empty() || !unused.empty();
}

}  // namespace

PassInfo deadCodeEliminationPass() {
  return {"dce", "Removes nodes whose results are unused, then unused constants", deadCodeElimination};
}

}  // namespace nest
