#include "passes/rewrite.h"

#include <algorithm>

#include "core/error.h"

namespace nest::rewrite {

namespace {

template <class Name>
std::unordered_map<Name, int> countUses(const Graph& g) {
  std::unordered_map<Name, int> uses;
  uses.reserve(g.nodes.size() * 2 + g.outputs.size());
  for (const Node& n : g.nodes)
    for (const std::string& in : n.inputs)
      if (!in.empty()) ++uses[in];
  for (const std::string& out : g.outputs) ++uses[out];
  return uses;
}

}  // namespace

std::unordered_map<std::string, int> useCounts(const Graph& g) { return countUses<std::string>(g); }

std::unordered_map<std::string_view, int> useCountViews(const Graph& g) { return countUses<std::string_view>(g); }

std::unordered_map<std::string, size_t> producers(const Graph& g) {
  std::unordered_map<std::string, size_t> p;
  p.reserve(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const std::string& out : g.nodes[i].outputs) p[out] = i;
  return p;
}

std::unordered_map<std::string, std::vector<size_t>> consumers(const Graph& g) {
  std::unordered_map<std::string, std::vector<size_t>> c;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const std::string& in : g.nodes[i].inputs)
      if (!in.empty()) c[in].push_back(i);
  return c;
}

bool isGraphOutput(const Graph& g, const std::string& value) {
  return std::find(g.outputs.begin(), g.outputs.end(), value) != g.outputs.end();
}

bool isGraphInput(const Graph& g, const std::string& value) {
  return std::find(g.inputs.begin(), g.inputs.end(), value) != g.inputs.end();
}

namespace {
void renameUses(Graph& g, const std::string& from, const std::string& to) {
  for (Node& n : g.nodes)
    for (std::string& in : n.inputs)
      if (in == from) in = to;
}
}  // namespace

bool replaceAllUses(Graph& g, std::string from, std::string to) {
  if (from == to) return true;
  if (!isGraphOutput(g, from)) {
    renameUses(g, from, to);
    return true;
  }
  // `from` must keep its name as a graph output: give that name to `to` instead.
  auto prod = producers(g);
  auto it = prod.find(to);
  if (it == prod.end() || isGraphOutput(g, to)) return false;
  TensorType type = g.typeOf(to);
  for (std::string& out : g.nodes[it->second].outputs)
    if (out == to) out = from;
  renameUses(g, to, from);
  // Uses of the old `from` (if any, other than the output) now read the renamed value: same data.
  g.eraseType(to);
  g.setType(from, type);
  return true;
}

void eraseNodes(Graph& g, const std::unordered_set<NodeId>& ids) {
  if (ids.empty()) return;
  std::vector<std::string> results;
  for (const Node& n : g.nodes)
    if (ids.count(n.id)) results.insert(results.end(), n.outputs.begin(), n.outputs.end());
  g.nodes.erase(std::remove_if(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return ids.count(n.id) != 0; }),
                g.nodes.end());
  // Views of names in the remaining nodes and outputs, which eraseType leaves as they are.
  const auto uses = useCountViews(g);
  std::unordered_set<std::string_view> produced;
  produced.reserve(g.nodes.size());
  for (const Node& n : g.nodes) produced.insert(n.outputs.begin(), n.outputs.end());
  for (const std::string& r : results)
    if (!uses.count(r) && !produced.count(r) && !g.isConstant(r) && !isGraphInput(g, r)) g.eraseType(r);
}

NodeId insertNode(Graph& g, size_t index, const std::string& op, const std::string& name,
                  std::vector<std::string> inputs, std::vector<std::string> outputs, Attributes attrs,
                  std::vector<NodeId> origin) {
  const OpDef* def = OpTable::instance().find(op);
  if (!def) failInternal("insertNode: unknown op " + op);
  Node n;
  n.id = g.nextId();
  g.reserveId(n.id);
  n.op = op;
  n.name = name;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attrs = std::move(attrs);
  n.origin = std::move(origin);
  for (NodeId o : n.origin)
    if (const Node* from = g.findNode(o); from && !from->key.empty()) {
      n.key = from->key;
      break;
    }
  std::vector<const TensorType*> inTypes;
  for (const std::string& in : n.inputs) inTypes.push_back(in.empty() ? nullptr : &g.typeOf(in));
  std::vector<TensorType> outTypes = inferNodeTypes(*def, n, inTypes);
  for (size_t i = 0; i < n.outputs.size(); ++i) g.setType(n.outputs[i], outTypes[i]);
  NodeId id = n.id;
  g.nodes.insert(g.nodes.begin() + static_cast<std::ptrdiff_t>(index), std::move(n));
  return id;
}

bool mayMerge(const PassOptions& options, const Node& survivor, const Node& absorbed) {
  return !options.assignments || options.assignments->absorbable(survivor, absorbed);
}

void note(const PassOptions& options, std::string text) {
  if (options.notes) options.notes->push_back(std::move(text));
}

void reinferNode(Graph& g, size_t index) {
  Node& n = g.nodes[index];
  const OpDef* def = OpTable::instance().find(n.op);
  std::vector<const TensorType*> inTypes;
  for (const std::string& in : n.inputs) inTypes.push_back(in.empty() ? nullptr : &g.typeOf(in));
  std::vector<TensorType> outTypes = inferNodeTypes(*def, n, inTypes);
  for (size_t i = 0; i < n.outputs.size(); ++i) g.setType(n.outputs[i], outTypes[i]);
}

std::string addConstant(Graph& g, const std::string& base, Tensor value) {
  std::string name = g.freshValueName(base);
  g.setConstant(name, std::move(value));
  return name;
}

void absorb(Node& into, const Node& absorbed) {
  auto add = [&](NodeId id) {
    if (id != into.id && std::find(into.origin.begin(), into.origin.end(), id) == into.origin.end())
      into.origin.push_back(id);
  };
  add(absorbed.id);
  for (NodeId id : absorbed.origin) add(id);
}

bool repeatWhileChanging(Graph& g, const std::function<bool(Graph&)>& rewriteOnce) {
  bool changed = false;
  while (rewriteOnce(g)) changed = true;
  return changed;
}

void removeUnusedConstants(Graph& g) {
  const auto uses = useCountViews(g);
  std::vector<std::string> unused;
  for (const auto& [name, t] : g.constants())
    if (!uses.count(name)) unused.push_back(name);
  for (const std::string& name : unused) g.removeConstant(name);
}

Ints transposePerm(const Node& t, size_t rank) {
  Ints perm = t.attrs.getInts("perm");
  if (perm.empty())
    for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
  if (perm.size() != rank) return {};
  for (int64_t& p : perm) {
    if (p < 0) p += static_cast<int64_t>(rank);
    if (p < 0 || p >= static_cast<int64_t>(rank)) return {};
  }
  return perm;
}

}  // namespace nest::rewrite
