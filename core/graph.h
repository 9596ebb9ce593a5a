// The graph IR: values named by strings, nodes with stable ids in topological order,
// constants in shared storage. A Graph is a plain value: copying it is a snapshot that
// shares every constant's bytes with the original. The constant and type tables are themselves
// shared between copies until one of them writes (copy on write), so a snapshot of a big graph
// copies only its nodes; a reference from constant(), constants() or typeOf() refers to the
// table as it was before this graph's next write.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/attribute.h"
#include "core/tensor.h"

namespace nest {

using NodeId = uint32_t;

struct Node {
  NodeId id = 0;
  std::string name;                  // name in the source model (may be empty)
  std::string op;                    // op table name, e.g. "Conv"
  Attributes attrs;
  std::vector<std::string> inputs;   // value names; "" marks an absent optional operand
  std::vector<std::string> outputs;  // value names, each defined exactly once in the graph
  std::vector<NodeId> origin;        // provenance: ids of the nodes this one was derived from
  // Stable key of the imported node this one stands for (core/node_keys.h): set at load, kept by
  // passes (a node a pass creates takes the key of the node it came from). Per-node assignments
  // (device, precision) in a project file are keyed by it.
  std::string key;

  bool hasInput(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }
  // "node 'conv1' (Conv)" — how every message refers to a node.
  std::string describe() const;
};

class Graph {
 public:
  std::string name;
  std::vector<std::string> inputs;   // graph inputs, in order
  std::vector<std::string> outputs;  // graph outputs, in order
  std::vector<Node> nodes;           // topological order

  // Constants (weights) by value name.
  const std::map<std::string, Tensor>& constants() const;
  const Tensor* constant(const std::string& value) const;
  bool isConstant(const std::string& value) const { return constants_ && constants_->count(value) != 0; }
  void setConstant(const std::string& value, Tensor t);
  void removeConstant(const std::string& value);

  // Types of every value (graph inputs, constants, node results).
  const TensorType& typeOf(const std::string& value) const;
  const TensorType* findType(const std::string& value) const;
  void setType(const std::string& value, TensorType type);
  void eraseType(const std::string& value);
  bool hasValue(const std::string& value) const { return types_ && types_->count(value) != 0; }

  // Appends a node with a fresh id; the caller sets the result types.
  Node& addNode(std::string op, std::string name, std::vector<std::string> inputs,
                std::vector<std::string> outputs, Attributes attrs = {});
  // Ids: the next fresh id; ids are never reused within a graph's history.
  NodeId nextId() const { return nextId_; }
  void reserveId(NodeId id) { if (id >= nextId_) nextId_ = id + 1; }

  const Node* findNode(NodeId id) const;
  // Index of the node producing `value` in `nodes`, or nullopt for inputs/constants.
  std::optional<size_t> producerIndex(const std::string& value) const;
  // A value name not used yet, derived from `base`.
  std::string freshValueName(const std::string& base) const;

  int64_t parameterCount() const;  // elements in all constants

  // Whether this graph and `other` share their constant table / type table (one is a copy of the
  // other and neither wrote it since): then they hold the same constants / types.
  bool sharesConstantsWith(const Graph& other) const { return constants_ && constants_ == other.constants_; }
  bool sharesTypesWith(const Graph& other) const { return types_ && types_ == other.types_; }

 private:
  using ConstantTable = std::map<std::string, Tensor>;
  using TypeTable = std::unordered_map<std::string, TensorType>;
  // The tables, unshared (copied) before a write; null only in a moved-from graph.
  ConstantTable& writableConstants();
  TypeTable& writableTypes();

  std::shared_ptr<ConstantTable> constants_ = std::make_shared<ConstantTable>();
  std::shared_ptr<TypeTable> types_ = std::make_shared<TypeTable>();
  NodeId nextId_ = 1;
};

// Whether two graphs compute the same thing the same way: inputs, outputs, constants (types and
// bytes), value types, and nodes in order (op, operands, results, attributes, subgraphs included).
// Node ids, names, keys and provenance are not compared.
bool graphsEqual(const Graph& a, const Graph& b);

}  // namespace nest
