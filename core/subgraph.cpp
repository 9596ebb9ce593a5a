#include "core/subgraph.h"

#include <set>

namespace nest {

Graph extractSubgraph(const Graph& graph, const std::vector<size_t>& nodeIndices, const std::string& name) {
  Graph part;
  part.name = name;
  std::set<std::string> produced;
  std::set<size_t> inside(nodeIndices.begin(), nodeIndices.end());
  for (size_t index : nodeIndices) {
    const Node& node = graph.nodes[index];
    for (const std::string& value : node.inputs) {
      if (value.empty() || produced.count(value) || part.hasValue(value)) continue;
      part.setType(value, graph.typeOf(value));
      if (const Tensor* c = graph.constant(value)) part.setConstant(value, *c);
      else part.inputs.push_back(value);
    }
    part.nodes.push_back(node);
    part.reserveId(node.id);
    for (const std::string& value : node.outputs) {
      produced.insert(value);
      part.setType(value, graph.typeOf(value));
    }
  }
  std::set<std::string> readOutside(graph.outputs.begin(), graph.outputs.end());
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!inside.count(i))
      for (const std::string& value : graph.nodes[i].inputs) readOutside.insert(value);
  for (const Node& node : part.nodes)
    for (const std::string& value : node.outputs)
      if (readOutside.count(value)) part.outputs.push_back(value);
  return part;
}

}  // namespace nest
