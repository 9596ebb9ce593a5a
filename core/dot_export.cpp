#include "core/dot_export.h"

#include <unordered_map>

#include "core/op_table.h"
#include "core/text_format.h"

namespace nest {

std::string categoryColor(const std::string& category) {
  // Every pair at least 20 apart in CIELAB (ΔE76; tests/test_workbench_defects.cpp checks it):
  // conv / linear, and shape / tensor, used to be near twins.
  static const std::unordered_map<std::string, std::string> colors = {
      {"conv", "#6fa8dc"},   {"linear", "#c27ba0"}, {"activation", "#f6b26b"}, {"pool", "#93c47d"},
      {"norm", "#b4a7d6"},   {"elementwise", "#ffe599"}, {"reduce", "#e06666"}, {"tensor", "#76a5af"},
      {"shape", "#d9d9d9"},  {"quant", "#5fd3b3"},  {"resize", "#d5e84f"},  {"control", "#c9a27e"}};
  auto it = colors.find(category);
  return it == colors.end() ? "#ffffff" : it->second;
}

namespace {
std::string esc(const std::string& s) {
  std::string q = quoteString(s);
  return q.substr(1, q.size() - 2);
}
}  // namespace

std::string graphToDot(const Graph& g, const DotOptions& options) {
  std::string s = "digraph " + quoteString(g.name) + " {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n";
  std::unordered_map<std::string, std::string> producer;  // value -> dot node id
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    std::string id = "in" + std::to_string(i);
    producer[g.inputs[i]] = id;
    s += "  " + id + " [shape=ellipse, fillcolor=\"#ffffff\", label=\"" + esc(g.inputs[i]) + "\\n" +
         typeToString(g.typeOf(g.inputs[i])) + "\"];\n";
  }
  for (const Node& n : g.nodes) {
    std::string id = "n" + std::to_string(n.id);
    const OpDef* def = OpTable::instance().find(n.op);
    std::string label = n.op;
    if (!n.name.empty()) label += "\\n" + esc(n.name);
    for (const std::string& in : n.inputs)
      if (!options.showConstants && g.isConstant(in)) label += "\\n" + esc(in) + ": " + typeToString(g.typeOf(in));
    s += "  " + id + " [fillcolor=\"" + categoryColor(def ? def->category : "") + "\", label=\"" + label + "\"];\n";
    for (const std::string& out : n.outputs) producer[out] = id;
  }
  if (options.showConstants)
    for (const auto& [name, t] : g.constants()) {
      std::string id = "c" + std::to_string(producer.size());
      producer[name] = id;
      s += "  " + id + " [shape=note, fillcolor=\"#f7f7f7\", label=\"" + esc(name) + "\\n" + typeToString(t.type()) + "\"];\n";
    }
  for (const Node& n : g.nodes)
    for (const std::string& in : n.inputs) {
      if (in.empty() || (!options.showConstants && g.isConstant(in))) continue;
      auto it = producer.find(in);
      if (it == producer.end()) continue;
      s += "  " + it->second + " -> n" + std::to_string(n.id) + " [label=\"" + esc(typeToString(g.typeOf(in))) + "\"];\n";
    }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    std::string id = "out" + std::to_string(i);
    s += "  " + id + " [shape=ellipse, fillcolor=\"#ffffff\", label=\"" + esc(g.outputs[i]) + "\"];\n";
    auto it = producer.find(g.outputs[i]);
    if (it != producer.end()) s += "  " + it->second + " -> " + id + ";\n";
  }
  return s + "}\n";
}

}  // namespace nest
