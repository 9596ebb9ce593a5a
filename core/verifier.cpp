#include "core/verifier.h"

#include <string_view>
#include <unordered_set>

#include "core/error.h"
#include "core/op_table.h"

namespace nest {

namespace {

bool kindMatches(const Attribute& a, AttrKind k) {
  switch (k) {
    case AttrKind::Int: return std::holds_alternative<int64_t>(a);
    case AttrKind::Float: return std::holds_alternative<float>(a);
    case AttrKind::String: return std::holds_alternative<std::string>(a);
    case AttrKind::Ints: return std::holds_alternative<Ints>(a);
    case AttrKind::Floats: return std::holds_alternative<Floats>(a);
    case AttrKind::Strings: return std::holds_alternative<Strings>(a);
    case AttrKind::Tensor: return std::holds_alternative<Tensor>(a);
    case AttrKind::Graph: return std::holds_alternative<GraphAttr>(a) && std::get<GraphAttr>(a) != nullptr;
  }
  return false;
}

bool declared(const OpDef& def, const std::string& name, const Attribute& value) {
  for (const AttrSpec& s : def.attrs)
    if (s.name == name && kindMatches(value, s.kind)) return true;
  for (const ParamInput& p : def.params)
    if (p.attr == name && kindMatches(value, p.kind)) return true;
  return false;
}

}  // namespace

void verifyGraph(const Graph& g) {
  const OpTable& table = OpTable::instance();
  std::unordered_set<std::string_view> defined;  // views of names in `g`, which stays as it is
  defined.reserve(g.inputs.size() + g.constants().size() + g.nodes.size() * 2);
  std::unordered_set<NodeId> ids;
  ids.reserve(g.nodes.size());
  for (const std::string& in : g.inputs) {
    if (!g.findType(in)) failInternal("graph input '" + in + "' has no type");
    if (!defined.insert(in).second) failBadInput("graph input '" + in + "' is listed twice");
  }
  for (const auto& [name, t] : g.constants()) {
    if (!defined.insert(name).second) failBadInput("constant '" + name + "' is also a graph input");
    if (!(g.typeOf(name) == t.type())) failInternal("constant '" + name + "' type disagrees with its tensor");
  }
  for (const Node& n : g.nodes) {
    const OpDef* def = table.find(n.op);
    if (!def) failUnsupported(n.describe() + ": unknown op '" + n.op + "'");
    if (!ids.insert(n.id).second) failInternal(n.describe() + ": duplicate node id #" + std::to_string(n.id));
    if (n.id >= g.nextId()) failInternal(n.describe() + ": id beyond the graph's id counter");
    int nIn = static_cast<int>(n.inputs.size()), nOut = static_cast<int>(n.outputs.size());
    if (nIn < def->minInputs || (def->maxInputs >= 0 && nIn > def->maxInputs))
      failBadInput(n.describe() + ": " + std::to_string(nIn) + " operands, the op takes " +
                   std::to_string(def->minInputs) + (def->maxInputs < 0 ? " or more" : " to " + std::to_string(def->maxInputs)));
    if (nOut < def->minOutputs || (def->maxOutputs >= 0 && nOut > def->maxOutputs))
      failBadInput(n.describe() + ": " + std::to_string(nOut) + " results, the op gives " +
                   std::to_string(def->minOutputs) +
                   (def->maxOutputs < 0 ? " or more" : " to " + std::to_string(def->maxOutputs)));
    for (const auto& [name, value] : n.attrs.all())
      if (!declared(*def, name, value)) failBadInput(n.describe() + ": attribute '" + name + "' is not declared by the op (or has the wrong kind)");
    std::vector<const TensorType*> inTypes;
    for (const std::string& in : n.inputs) {
      if (in.empty()) {
        inTypes.push_back(nullptr);
        continue;
      }
      if (!defined.count(in)) failBadInput(n.describe() + ": operand '" + in + "' is used before it is defined");
      inTypes.push_back(&g.typeOf(in));
    }
    std::vector<TensorType> inferred = inferNodeTypes(*def, n, inTypes);
    for (size_t i = 0; i < n.outputs.size(); ++i) {
      const std::string& out = n.outputs[i];
      if (out.empty()) failBadInput(n.describe() + ": result " + std::to_string(i) + " has no name");
      if (!defined.insert(out).second) failBadInput(n.describe() + ": value '" + out + "' is defined twice");
      const TensorType* recorded = g.findType(out);
      if (!recorded) failInternal(n.describe() + ": result '" + out + "' has no type");
      if (!(*recorded == inferred[i]))
        failBadInput(n.describe() + ": result '" + out + "' is recorded as " + typeToString(*recorded) +
                     " but the op gives " + typeToString(inferred[i]));
    }
  }
  for (const std::string& out : g.outputs)
    if (!defined.count(out)) failBadInput("graph output '" + out + "' is not defined");
}

}  // namespace nest
