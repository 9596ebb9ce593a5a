// cse: common subexpression elimination.
//
// What it does. Two nodes with the same op, equal attributes and the same operands (the same
// value names, in order) compute the same results, so the later one is deleted and its uses read
// the earlier one's results; the survivor records the merge in its provenance (rewrite::absorb).
// Identical constants are merged first (same type, same bytes: compared by Tensor::contentHash,
// then Tensor::sameBytes), so that nodes reading two copies of one weight become equal too. The
// nodes are visited in topological order, so merges cascade: once two Convs are merged, the Relus
// that read them have the same operand and merge as well.
//
// Why it is correct. Every op in the table is a deterministic function of its operands and
// attributes (there are no random or stateful ops). The kept node comes first, so it precedes
// every user of the merged one and the graph stays in topological order.
//
// When it does not apply. When the later node's result is a graph output it keeps its name by
// renaming the earlier node's result (rewrite::replaceAllUses), impossible when that one is a
// graph output too: such pairs are kept. Constants above PassOptions::foldSizeLimitBytes are not
// compared (hashing large weights costs time and identical large weights are rare), nor are
// constants that are graph outputs or graph inputs.
#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {
namespace {

bool mergeConstants(Graph& g, const PassOptions& opt) {
  // (type text, hash) -> constant names in name order; the first is kept.
  std::map<std::pair<std::string, uint64_t>, std::vector<std::string>> groups;
  // Hash only constants that share their type with another one (hashing every weight is slow).
  std::map<std::string, std::vector<std::string>> byType;
  for (const auto& [name, t] : g.constants()) {
    if (t.byteSize() > opt.foldSizeLimitBytes) continue;
    if (rewrite::isGraphOutput(g, name) || rewrite::isGraphInput(g, name)) continue;
    byType[typeToString(t.type())].push_back(name);
  }
  for (const auto& [type, names] : byType)
    if (names.size() > 1)
      for (const std::string& name : names) groups[{type, g.constant(name)->contentHash()}].push_back(name);
  std::unordered_map<std::string, std::string> replacement;
  for (const auto& [key, names] : groups) {
    if (names.size() < 2) continue;
    std::vector<std::string> kept;  // distinct contents in this hash bucket
    for (const std::string& name : names) {
      const Tensor& t = *g.constant(name);
      auto same = std::find_if(kept.begin(), kept.end(), [&](const std::string& k) {
        const Tensor& u = *g.constant(k);
        return u.type() == t.type() && u.sameBytes(t);
      });
      if (same == kept.end())
        kept.push_back(name);
      else
        replacement[name] = *same;
    }
  }
  if (replacement.empty()) return false;
  for (Node& n : g.nodes)
    for (std::string& in : n.inputs) {
      auto it = replacement.find(in);
      if (it != replacement.end()) in = it->second;
    }
  for (const auto& [name, keep] : replacement) g.removeConstant(name);
  return true;
}

// A key grouping candidate duplicates: op, operands and result count (attributes are compared
// exactly with Attributes::operator== within a group).
std::string nodeKey(const Node& n) {
  std::string key = n.op;
  key += '\x1f';
  key += std::to_string(n.outputs.size());
  for (const std::string& in : n.inputs) {
    key += '\x1f';
    key += in;
  }
  return key;
}

// One sweep; returns the number of nodes merged.
size_t mergeNodesOnce(Graph& g, const PassOptions& opt) {
  std::unordered_map<std::string, std::vector<size_t>> seen;  // key -> indices of kept nodes
  std::unordered_set<NodeId> merged;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    std::vector<size_t>& candidates = seen[nodeKey(n)];
    std::optional<size_t> match;
    for (size_t c : candidates)
      if (g.nodes[c].attrs == n.attrs && rewrite::mayMerge(opt, g.nodes[c], n)) {
        match = c;
        break;
      }
    if (!match) {
      candidates.push_back(i);
      continue;
    }
    Node& keep = g.nodes[*match];
    // Every result must be replaceable: a graph-output result needs the kept result not to be one.
    bool possible = true;
    for (size_t k = 0; k < n.outputs.size(); ++k)
      if (rewrite::isGraphOutput(g, n.outputs[k]) &&
          (keep.outputs[k].empty() || rewrite::isGraphOutput(g, keep.outputs[k])))
        possible = false;
    for (size_t k = 0; k < n.outputs.size(); ++k)
      if (!n.outputs[k].empty() && keep.outputs[k].empty()) possible = false;  // absent optional result
    if (!possible) continue;
    const std::vector<std::string> from = n.outputs;
    const Node absorbed = n;
    for (size_t k = 0; k < from.size(); ++k) {
      // A copy: replaceAllUses may rename the kept node's result, which a reference would follow.
      const std::string to = g.nodes[*match].outputs[k];
      if (!from[k].empty()) rewrite::replaceAllUses(g, from[k], to);
    }
    rewrite::absorb(g.nodes[*match], absorbed);
    merged.insert(absorbed.id);
  }
  rewrite::eraseNodes(g, merged);
  return merged.size();
}

bool commonSubexpressionElimination(Graph& g, const PassOptions& opt) {
  bool changed = mergeConstants(g, opt);
  // A merge may rename the kept node's result (when the merged one was a graph output), which
  // leaves keys recorded earlier in the sweep stale: repeat until a sweep merges nothing.
  while (mergeNodesOnce(g, opt) > 0) changed = true;
  return changed;
}

}  // namespace

PassInfo commonSubexpressionPass() {
  return {"cse", "Merges identical constants and nodes with the same op, attributes and operands",
          commonSubexpressionElimination};
}

}  // namespace nest
