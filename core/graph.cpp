#include "core/graph.h"

#include "core/error.h"

namespace nest {

std::string Node::describe() const {
  std::string n = name.empty() ? ("#" + std::to_string(id)) : name;
  return "node '" + n + "' (" + op + ")";
}

Graph::ConstantTable& Graph::writableConstants() {
  if (!constants_) constants_ = std::make_shared<ConstantTable>();
  else if (constants_.use_count() > 1) constants_ = std::make_shared<ConstantTable>(*constants_);
  return *constants_;
}

Graph::TypeTable& Graph::writableTypes() {
  if (!types_) types_ = std::make_shared<TypeTable>();
  else if (types_.use_count() > 1) types_ = std::make_shared<TypeTable>(*types_);
  return *types_;
}

const std::map<std::string, Tensor>& Graph::constants() const {
  static const ConstantTable kNone;
  return constants_ ? *constants_ : kNone;
}

const Tensor* Graph::constant(const std::string& value) const {
  if (!constants_) return nullptr;
  auto it = constants_->find(value);
  return it == constants_->end() ? nullptr : &it->second;
}

void Graph::setConstant(const std::string& value, Tensor t) {
  writableTypes()[value] = t.type();
  writableConstants()[value] = std::move(t);
}

void Graph::removeConstant(const std::string& value) {
  // Unshare a table only when it holds the value: removing nothing is no write.
  if (isConstant(value)) writableConstants().erase(value);
  if (hasValue(value)) writableTypes().erase(value);
}

void Graph::setType(const std::string& value, TensorType type) {
  // Setting the type a shared table already holds is no write: keep sharing it.
  if (types_ && types_.use_count() > 1)
    if (const TensorType* old = findType(value); old && *old == type) return;
  writableTypes()[value] = std::move(type);
}

void Graph::eraseType(const std::string& value) {
  if (hasValue(value)) writableTypes().erase(value);
}

const TensorType& Graph::typeOf(const std::string& value) const {
  const TensorType* t = findType(value);
  if (!t) failInternal("value '" + value + "' has no type");
  return *t;
}

const TensorType* Graph::findType(const std::string& value) const {
  if (!types_) return nullptr;
  auto it = types_->find(value);
  return it == types_->end() ? nullptr : &it->second;
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
  for (const auto& [name, t] : constants()) n += t.numElements();
  return n;
}

bool graphsEqual(const Graph& a, const Graph& b) {
  if (a.inputs != b.inputs || a.outputs != b.outputs || a.nodes.size() != b.nodes.size()) return false;
  if (a.constants().size() != b.constants().size()) return false;
  for (auto it = a.constants().begin(), jt = b.constants().begin(); it != a.constants().end(); ++it, ++jt)
    if (it->first != jt->first || !(it->second.type() == jt->second.type()) || !it->second.sameBytes(jt->second))
      return false;
  auto sameType = [&](const std::string& v) {
    const TensorType *ta = a.findType(v), *tb = b.findType(v);
    return ta && tb ? *ta == *tb : ta == tb;
  };
  for (const std::string& v : a.inputs)
    if (!sameType(v)) return false;
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const Node &x = a.nodes[i], &y = b.nodes[i];
    if (x.op != y.op || x.inputs != y.inputs || x.outputs != y.outputs || !(x.attrs == y.attrs)) return false;
    for (const std::string& v : x.outputs)
      if (!sameType(v)) return false;
  }
  return true;
}

}  // namespace nest
