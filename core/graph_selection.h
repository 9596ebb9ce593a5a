// Graph queries behind the workbench's selection commands: a node's producer / consumer chains,
// all nodes of an op type, and name scopes (the "/layer3/layer3.0/" prefixes of ONNX node names
// as PyTorch exports them). No Qt.
#pragma once
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest {

// `id` and every node it depends on (transitively through its operands), in graph order.
std::vector<NodeId> producerChain(const Graph& graph, NodeId id);
// `id` and every node that depends on it (transitively through its results), in graph order.
std::vector<NodeId> consumerChain(const Graph& graph, NodeId id);
// Every node whose op is `op`, in graph order.
std::vector<NodeId> nodesOfOp(const Graph& graph, const std::string& op);
// The name scopes of a node, outermost first: "/layer3/layer3.0/conv1/Conv" gives "/layer3/",
// "/layer3/layer3.0/", "/layer3/layer3.0/conv1/". A name without '/' has none.
std::vector<std::string> nameScopesOf(const Node& node);
// Every node whose name starts with `scope` (a scope as nameScopesOf gives it), in graph order.
std::vector<NodeId> nodesInScope(const Graph& graph, const std::string& scope);

}  // namespace nest
