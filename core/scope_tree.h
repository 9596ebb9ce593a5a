// The name scopes of a graph as a tree of groups, for drawing a big graph grouped: PyTorch and
// TensorFlow exporters name nodes by module path ("/layer1/layer1.0/conv1/Conv"), so the scopes
// "/layer1/" and "/layer1/layer1.0/" are the network's stages and blocks. No Qt.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/graph.h"

namespace nest {

struct ScopeGroup {
  std::string scope;            // as nameScopesOf spells it: "/layer1/layer1.0/"
  std::string name;             // its last part: "layer1.0"
  int parent = -1;              // index in ScopeTree::groups, -1 at the top
  std::vector<int> children;    // sub-groups, in graph order of their first node
  std::vector<NodeId> nodes;    // every node inside (sub-groups included), graph order
  // No node outside the group lies on a path between two of its nodes, so the group drawn as one
  // box keeps the drawing acyclic. Only convex groups collapse.
  bool convex = true;
  std::vector<std::pair<std::string, int>> opCounts;  // op -> nodes, most frequent first
  int64_t macs = 0;
  // "18 Conv, 6 Add, 1 Relu" (at most `maxOps` ops named, then "+N more").
  std::string opSummary(size_t maxOps = 3) const;
};

struct ScopeTree {
  // Groups: scopes holding at least two nodes, parents before children. A scope with exactly the
  // nodes of its only sub-scope is folded into it (the outer name stays).
  std::vector<ScopeGroup> groups;
  std::vector<int> roots;  // top-level groups, graph order
  int find(const std::string& scope) const;  // index, or -1
  // The innermost group holding node `id` (-1: none).
  int innermostOf(NodeId id) const;
  // `group` and its ancestors, outermost first.
  std::vector<int> pathTo(int group) const;
  bool empty() const { return groups.empty(); }

  std::unordered_map<NodeId, int> innermost;
};

ScopeTree scopeTreeOf(const Graph& graph);

}  // namespace nest
