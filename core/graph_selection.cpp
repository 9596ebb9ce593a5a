#include "core/graph_selection.h"

#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace nest {

namespace {

std::optional<size_t> indexOf(const Graph& graph, NodeId id) {
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (graph.nodes[i].id == id) return i;
  return std::nullopt;
}

std::vector<NodeId> idsMarked(const Graph& graph, const std::vector<bool>& marked) {
  std::vector<NodeId> ids;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (marked[i]) ids.push_back(graph.nodes[i].id);
  return ids;
}

}  // namespace

std::vector<NodeId> producerChain(const Graph& graph, NodeId id) {
  const std::optional<size_t> start = indexOf(graph, id);
  if (!start) return {};
  // Producers come before their consumers: one backward sweep marks every ancestor.
  std::unordered_map<std::string, size_t> producerOf;
  for (size_t i = 0; i < *start; ++i)
    for (const std::string& out : graph.nodes[i].outputs) producerOf.emplace(out, i);
  std::vector<bool> marked(graph.nodes.size(), false);
  marked[*start] = true;
  for (size_t i = *start + 1; i-- > 0;) {
    if (!marked[i]) continue;
    for (const std::string& in : graph.nodes[i].inputs) {
      if (in.empty()) continue;
      auto p = producerOf.find(in);
      if (p != producerOf.end() && p->second < i) marked[p->second] = true;
    }
  }
  return idsMarked(graph, marked);
}

std::vector<NodeId> consumerChain(const Graph& graph, NodeId id) {
  const std::optional<size_t> start = indexOf(graph, id);
  if (!start) return {};
  // Consumers come after their producers: one forward sweep carrying the reached values.
  std::vector<bool> marked(graph.nodes.size(), false);
  std::unordered_set<std::string> reached(graph.nodes[*start].outputs.begin(), graph.nodes[*start].outputs.end());
  marked[*start] = true;
  for (size_t i = *start + 1; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    bool uses = false;
    for (const std::string& in : n.inputs)
      if (!in.empty() && reached.count(in)) uses = true;
    if (!uses) continue;
    marked[i] = true;
    reached.insert(n.outputs.begin(), n.outputs.end());
  }
  return idsMarked(graph, marked);
}

std::vector<NodeId> nodesOfOp(const Graph& graph, const std::string& op) {
  std::vector<NodeId> ids;
  for (const Node& n : graph.nodes)
    if (n.op == op) ids.push_back(n.id);
  return ids;
}

std::vector<std::string> nameScopesOf(const Node& node) {
  std::vector<std::string> scopes;
  // Every prefix ending in '/' but the bare root "/" (and never the whole name).
  for (size_t slash = node.name.find('/'); slash != std::string::npos; slash = node.name.find('/', slash + 1))
    if (slash > 0 && slash + 1 < node.name.size()) scopes.push_back(node.name.substr(0, slash + 1));
  return scopes;
}

std::vector<NodeId> nodesInScope(const Graph& graph, const std::string& scope) {
  std::vector<NodeId> ids;
  if (scope.empty()) return ids;
  for (const Node& n : graph.nodes)
    if (n.name.compare(0, scope.size(), scope) == 0) ids.push_back(n.id);
  return ids;
}

}  // namespace nest
