#include "core/scope_tree.h"

#include <algorithm>
#include <map>

#include "core/graph_selection.h"
#include "core/graph_stats.h"

namespace nest {

std::string ScopeGroup::opSummary(size_t maxOps) const {
  std::string s;
  for (size_t i = 0; i < opCounts.size() && i < maxOps; ++i)
    s += (i ? ", " : "") + std::to_string(opCounts[i].second) + " " + opCounts[i].first;
  if (opCounts.size() > maxOps) s += ", +" + std::to_string(opCounts.size() - maxOps) + " more";
  return s;
}

int ScopeTree::find(const std::string& scope) const {
  for (size_t i = 0; i < groups.size(); ++i)
    if (groups[i].scope == scope) return static_cast<int>(i);
  return -1;
}

int ScopeTree::innermostOf(NodeId id) const {
  auto it = innermost.find(id);
  return it == innermost.end() ? -1 : it->second;
}

std::vector<int> ScopeTree::pathTo(int group) const {
  std::vector<int> path;
  for (int g = group; g >= 0; g = groups[static_cast<size_t>(g)].parent) path.push_back(g);
  std::reverse(path.begin(), path.end());
  return path;
}

namespace {

struct ScopeMembers {
  std::vector<size_t> nodes;  // indexes into graph.nodes, ascending
};

// Whether the nodes `members` (indexes, ascending) of the graph are convex: no path leaves them
// and comes back. Only nodes between the first and the last member can be on such a path.
bool isConvex(const Graph& graph, const std::vector<size_t>& members,
              const std::unordered_map<std::string, std::vector<size_t>>& consumers, std::vector<int>& stamp, int mark) {
  const size_t last = members.back();
  for (size_t m : members) stamp[m] = mark;  // members: mark; visited outsiders: -mark
  std::vector<size_t> stack;
  auto visitConsumers = [&](size_t node) {
    for (const std::string& out : graph.nodes[node].outputs) {
      auto it = consumers.find(out);
      if (it == consumers.end()) continue;
      for (size_t c : it->second) {
        if (c > last || stamp[c] == -mark) continue;
        if (stamp[c] == mark) {
          if (stamp[node] == -mark) return false;  // back into the group from outside
          continue;
        }
        stamp[c] = -mark;
        stack.push_back(c);
      }
    }
    return true;
  };
  for (size_t m : members)
    if (!visitConsumers(m)) return false;
  while (!stack.empty()) {
    const size_t n = stack.back();
    stack.pop_back();
    if (!visitConsumers(n)) return false;
  }
  return true;
}

}  // namespace

ScopeTree scopeTreeOf(const Graph& graph) {
  ScopeTree tree;
  // Every scope with its nodes.
  std::map<std::string, ScopeMembers> scopes;
  std::vector<std::vector<std::string>> scopesOfNode(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    scopesOfNode[i] = nameScopesOf(graph.nodes[i]);
    for (const std::string& s : scopesOfNode[i]) scopes[s].nodes.push_back(i);
  }
  // Kept: two nodes or more, and not the same nodes as the scope around it.
  auto kept = [&](const std::string& scope, const std::string& outer) {
    const size_t n = scopes[scope].nodes.size();
    return n >= 2 && (outer.empty() || scopes[outer].nodes.size() != n);
  };
  std::vector<std::string> keptScopes;
  for (const auto& [scope, members] : scopes) {
    (void)members;
    const auto& chain = scopesOfNode[scopes[scope].nodes.front()];
    const auto at = std::find(chain.begin(), chain.end(), scope);
    const std::string outer = at == chain.begin() ? std::string() : *(at - 1);
    if (kept(scope, outer)) keptScopes.push_back(scope);
  }
  // Parents before children: by first node, then outer (shorter) first.
  std::sort(keptScopes.begin(), keptScopes.end(), [&](const std::string& a, const std::string& b) {
    const size_t fa = scopes[a].nodes.front(), fb = scopes[b].nodes.front();
    return fa != fb ? fa < fb : a.size() < b.size();
  });
  std::unordered_map<std::string, int> index;
  for (const std::string& s : keptScopes) {
    index[s] = static_cast<int>(tree.groups.size());
    ScopeGroup g;
    g.scope = s;
    const size_t slash = s.find_last_of('/', s.size() - 2);
    g.name = s.substr(slash + 1, s.size() - slash - 2);
    tree.groups.push_back(std::move(g));
  }
  // Parents, members, innermost groups.
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    int parent = -1;
    for (const std::string& s : scopesOfNode[i]) {
      auto it = index.find(s);
      if (it == index.end()) continue;
      ScopeGroup& g = tree.groups[static_cast<size_t>(it->second)];
      if (g.nodes.empty()) {  // first node of the group: link it to its parent
        g.parent = parent;
        if (parent < 0) tree.roots.push_back(it->second);
        else tree.groups[static_cast<size_t>(parent)].children.push_back(it->second);
      }
      g.nodes.push_back(graph.nodes[i].id);
      parent = it->second;
    }
    if (parent >= 0) tree.innermost[graph.nodes[i].id] = parent;
  }
  // Op summaries, MACs, convexity.
  std::unordered_map<std::string, std::vector<size_t>> consumers;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& in : graph.nodes[i].inputs)
      if (!in.empty()) consumers[in].push_back(i);
  std::vector<int64_t> macs(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) macs[i] = nodeMacs(graph, graph.nodes[i]);
  std::vector<int> stamp(graph.nodes.size(), 0);
  int mark = 0;
  for (const std::string& s : keptScopes) {
    ScopeGroup& g = tree.groups[static_cast<size_t>(index[s])];
    const std::vector<size_t>& members = scopes[s].nodes;
    std::map<std::string, int> counts;
    for (size_t m : members) {
      ++counts[graph.nodes[m].op];
      g.macs += macs[m];
    }
    g.opCounts.assign(counts.begin(), counts.end());
    std::stable_sort(g.opCounts.begin(), g.opCounts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    g.convex = isConvex(graph, members, consumers, stamp, ++mark);
  }
  return tree;
}

}  // namespace nest
