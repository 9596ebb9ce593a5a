#include "core/graph_json.h"

#include "core/op_table.h"

namespace nest {

namespace {

nlohmann::json attributeJson(const Attribute& a) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, GraphAttr>) {
          return v ? nlohmann::json{{"graph", graphToJson(*v)}} : nlohmann::json{{"graph", nullptr}};
        } else if constexpr (std::is_same_v<T, Tensor>) {
          nlohmann::json t = {{"type", typeToString(v.type())}};
          if (v.numElements() <= 64) t["values"] = v.toDoubles();
          return t;
        } else {
          return v;
        }
      },
      a);
}

}  // namespace

nlohmann::json graphToJson(const Graph& g) {
  nlohmann::json j;
  j["name"] = g.name;
  j["inputs"] = nlohmann::json::array();
  for (const std::string& in : g.inputs) j["inputs"].push_back({{"name", in}, {"type", typeToString(g.typeOf(in))}});
  j["outputs"] = g.outputs;
  j["constants"] = nlohmann::json::array();
  for (const auto& [name, t] : g.constants())
    j["constants"].push_back({{"name", name}, {"type", typeToString(t.type())}, {"bytes", t.byteSize()}});
  j["nodes"] = nlohmann::json::array();
  for (const Node& n : g.nodes) {
    const OpDef* def = OpTable::instance().find(n.op);
    nlohmann::json node = {{"id", n.id}, {"name", n.name}, {"op", n.op}, {"category", def ? def->category : ""},
                           {"inputs", n.inputs}, {"outputs", n.outputs}, {"origin", n.origin}};
    node["types"] = nlohmann::json::array();
    for (const std::string& out : n.outputs) node["types"].push_back(typeToString(g.typeOf(out)));
    node["attributes"] = nlohmann::json::object();
    for (const auto& [name, value] : n.attrs.all()) node["attributes"][name] = attributeJson(value);
    j["nodes"].push_back(std::move(node));
  }
  return j;
}

}  // namespace nest
