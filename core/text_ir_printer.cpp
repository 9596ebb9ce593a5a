#include "core/text_ir.h"

#include <cstdio>

#include "core/error.h"
#include "core/text_format.h"

namespace nest {

namespace {

bool isPlainNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' || c == '-';
}

std::string valueRef(const std::string& name) {
  bool plain = !name.empty();
  for (char c : name) plain = plain && isPlainNameChar(c);
  return "%" + (plain ? name : quoteString(name));
}

std::string hashKey(uint64_t h) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string elementText(const Tensor& t, int64_t i) {
  if (isFloat(t.elem())) return formatFloat(t.getDouble(i), t.elem() == ElemType::F64);
  if (t.elem() == ElemType::U64) return std::to_string(t.data<uint64_t>()[i]);
  if (t.elem() == ElemType::Bool) return t.data<uint8_t>()[i] ? "true" : "false";
  return std::to_string(t.getInt(i));
}

std::string denseValues(const Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.numElements(); ++i) s += (i ? ", " : "") + elementText(t, i);
  return s + "]";
}

}  // namespace

std::string attributeText(const Attribute& a) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, float>) {
          return formatFloat(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return quoteString(v);
        } else if constexpr (std::is_same_v<T, Tensor>) {
          return "dense<" + typeToString(v.type()) + ": " + denseValues(v) + ">";
        } else if constexpr (std::is_same_v<T, GraphAttr>) {
          if (!v) return std::string("graph <none>");
          // The body as printGraph spells it, its lines after the first indented one step.
          std::string body = printGraph(*v);
          body.pop_back();  // the final newline
          std::string out;
          for (char c : body) out += c == '\n' ? std::string("\n  ") : std::string(1, c);
          return out;
        } else {
          const char* emptyTag = std::is_same_v<T, Ints> ? "[]i" : std::is_same_v<T, Floats> ? "[]f" : "[]s";
          if (v.empty()) return emptyTag;
          std::string s = "[";
          for (size_t i = 0; i < v.size(); ++i) {
            if (i) s += ", ";
            if constexpr (std::is_same_v<T, Ints>) s += std::to_string(v[i]);
            else if constexpr (std::is_same_v<T, Floats>) s += formatFloat(v[i]);
            else s += quoteString(v[i]);
          }
          return s + "]";
        }
      },
      a);
}

std::string printGraph(const Graph& g) {
  std::string s = "graph " + quoteString(g.name) + " {\n";
  for (const std::string& in : g.inputs) s += "  input " + valueRef(in) + ": " + typeToString(g.typeOf(in)) + "\n";
  for (const auto& [name, t] : g.constants()) {
    s += "  const " + valueRef(name) + ": " + typeToString(t.type()) + " = ";
    s += t.numElements() > kInlineElements ? "blob<fnv1a:" + hashKey(t.contentHash()) + ">" : "dense<" + denseValues(t) + ">";
    s += "\n";
  }
  for (const Node& n : g.nodes) {
    s += "  ";
    for (size_t i = 0; i < n.outputs.size(); ++i)
      s += (i ? ", " : "") + valueRef(n.outputs[i]) + ": " + typeToString(g.typeOf(n.outputs[i]));
    s += " = " + n.op + " #" + std::to_string(n.id);
    if (!n.name.empty()) s += " " + quoteString(n.name);
    s += "(";
    for (size_t i = 0; i < n.inputs.size(); ++i) s += (i ? ", " : "") + (n.inputs[i].empty() ? "none" : valueRef(n.inputs[i]));
    s += ")";
    if (n.attrs.size()) {
      s += " {";
      bool first = true;
      for (const auto& [name, value] : n.attrs.all()) {
        std::string text = attributeText(value);
        if (std::holds_alternative<GraphAttr>(value)) {  // a body: its lines indented under the node
          std::string indented;
          for (char c : text) indented += c == '\n' ? std::string("\n  ") : std::string(1, c);
          text = std::move(indented);
        }
        s += (first ? "" : ", ") + name + "=" + text;
        first = false;
      }
      s += "}";
    }
    if (!n.origin.empty()) {
      s += " from [";
      for (size_t i = 0; i < n.origin.size(); ++i) s += (i ? ", " : "") + std::to_string(n.origin[i]);
      s += "]";
    }
    s += "\n";
  }
  for (const std::string& out : g.outputs) s += "  output " + valueRef(out) + "\n";
  return s + "}\n";
}

namespace {
void collectBlobs(const Graph& g, BlobStore& blobs) {
  for (const auto& [name, t] : g.constants())
    if (t.numElements() > kInlineElements) blobs.emplace(t.contentHash(), t);
  for (const Node& n : g.nodes)
    for (const auto& [name, value] : n.attrs.all())
      if (const GraphAttr* body = std::get_if<GraphAttr>(&value); body && *body) collectBlobs(**body, blobs);
}
}  // namespace

BlobStore blobsOf(const Graph& g) {
  BlobStore blobs;
  collectBlobs(g, blobs);
  return blobs;
}

}  // namespace nest
