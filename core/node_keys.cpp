#include "core/node_keys.h"

namespace nest {

std::string defaultNodeKey(const Node& node) {
  if (!node.name.empty()) return node.name;
  return node.op + ":" + (node.outputs.empty() ? std::to_string(node.id) : node.outputs[0]);
}

std::string stableKey(const Node& node) { return node.key.empty() ? defaultNodeKey(node) : node.key; }

void assignStableKeys(Graph& graph) {
  for (Node& n : graph.nodes)
    if (n.key.empty()) n.key = defaultNodeKey(n);
}

std::string glowStyleName(const Node& node) {
  std::string name = !node.name.empty() ? node.name : node.op + "_" + (node.outputs.empty() ? "" : node.outputs[0]);
  for (char& c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) c = '_';
  return name;
}

}  // namespace nest
