#include "core/graph.h"

#include "core/error.h"

namespace nest {

std::string Node::describe() const {
  std::string n = name.empty() ? ("#" + std::to_string(id)) : name;
  return "node '" + n + "' (" + op + ")";
}

const Tensor* Graph::constant(const std::string& value) const {
  auto it = constants_.find(value);
  return it == constants_.end() ? nullptr : &it->second;
}

void Graph::setConstant(const std::string& value, Tensor t) {
  types_[value] = t.type();
  constants_[value] = std::move(t);
}

void Graph::removeConstant(const std::string& value) {
  constants_.erase(value);
  types_.erase(value);
}

const TensorType& Graph::typeOf(const std::string& value) const {
  auto it = types_.find(value);
  if (it == types_.end()) failInternal("value '" + value + "' has no type");
  return it->second;
}

const TensorType* Graph::findType(const std::string& value) const {
  auto it = types_.find(value);
  return it == types_.end() ? nullptr : &it->second;
}

Node& Graph::addNode(std::string op, std::string name, std::vector<std::string> in,
                     std::vector<std::string> out, Attributes attrs) {
  Node n;
  n.id = nextId_++;
  n.op = std::move(op);
  n.name = std::move(name);
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.attrs = std::move(attrs);
  nodes.push_back(std::move(n));
  return nodes.back();
}

const Node* Graph::findNode(NodeId id) const {
  for (const Node& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

std::optional<size_t> Graph::producerIndex(const std::string& value) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const std::string& o : nodes[i].outputs)
      if (o == value) return i;
  return std::nullopt;
}

std::string Graph::freshValueName(const std::string& base) const {
  if (!hasValue(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (!hasValue(candidate)) return candidate;
  }
}

int64_t Graph::parameterCount() const {
  int64_t n = 0;
  for (const auto& [name, t] : constants_) n += t.numElements();
  return n;
}

}  // namespace nest
