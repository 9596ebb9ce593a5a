// Standalone SVG of a GraphLayout, written by hand (no Graphviz involved).
#include <cstdio>

#include "app/render/graph_layout.h"
#include "core/dot_export.h"

namespace nest::render {

namespace {

constexpr double kMargin = 8;

std::string xml(const std::string& s) {
  std::string r;
  r.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      case '\'': r += "&apos;"; break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') r += ' ';
        else r += c;
    }
  }
  return r;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v + kMargin);
  return buf;
}

std::string plain(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

const char* kindName(NodeBox::Kind k) {
  switch (k) {
    case NodeBox::Kind::Input: return "input";
    case NodeBox::Kind::Output: return "output";
    case NodeBox::Kind::Group: return "group";
    default: return "op";
  }
}

}  // namespace

std::string layoutToSvg(const GraphLayout& layout, const std::string& title) {
  double w = layout.width + 2 * kMargin, h = layout.height + 2 * kMargin;
  std::string s;
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + plain(w) + "pt\" height=\"" + plain(h) +
       "pt\" viewBox=\"0 0 " + plain(w) + " " + plain(h) + "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  s += "<title>" + xml(title) + "</title>\n";
  s += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"0\" refY=\"5\" markerUnits=\"userSpaceOnUse\" "
       "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#444444\"/>"
       "</marker></defs>\n";
  s += "<rect x=\"0\" y=\"0\" width=\"" + plain(w) + "\" height=\"" + plain(h) + "\" fill=\"#ffffff\"/>\n";

  if (!layout.frames.empty() && layout.scopes) {
    s += "<g class=\"groups\" font-size=\"10\" fill=\"none\" stroke=\"#8a8a8a\">\n";
    for (const GroupFrame& f : layout.frames) {
      const ScopeGroup& g = layout.scopes->groups[static_cast<size_t>(f.group)];
      s += "<g class=\"frame\"><title>" + xml(g.scope + "\n" + std::to_string(g.nodes.size()) + " nodes: " + g.opSummary(100)) +
           "</title><rect x=\"" + num(f.x) + "\" y=\"" + num(f.y) + "\" width=\"" + plain(f.width) + "\" height=\"" +
           plain(f.height) + "\" rx=\"4\" ry=\"4\" stroke-dasharray=\"4 2\"/><text x=\"" + num(f.x + 4) + "\" y=\"" +
           num(f.y + 11) + "\" fill=\"#555555\" stroke=\"none\">" + xml(g.name) + "</text></g>\n";
    }
    s += "</g>\n";
  }

  s += "<g class=\"edges\" fill=\"none\" stroke=\"#444444\" stroke-width=\"1\">\n";
  for (const EdgePath& e : layout.edges) {
    if (e.points.empty()) continue;
    std::string d = "M " + num(e.points[0].x) + " " + num(e.points[0].y);
    size_t i = 1;
    for (; i + 2 < e.points.size(); i += 3) {
      d += " C";
      for (size_t k = 0; k < 3; ++k) d += " " + num(e.points[i + k].x) + " " + num(e.points[i + k].y);
    }
    for (; i < e.points.size(); ++i) d += " L " + num(e.points[i].x) + " " + num(e.points[i].y);
    s += "<path d=\"" + d + "\" marker-end=\"url(#arrow)\"><title>" + xml(e.value) +
         (e.type.empty() ? "" : ": " + xml(e.type)) + "</title></path>\n";
  }
  s += "</g>\n";

  s += "<g class=\"nodes\" font-size=\"10\" text-anchor=\"middle\">\n";
  for (const NodeBox& b : layout.nodes) {
    std::string fill = b.kind == NodeBox::Kind::Op      ? categoryColor(b.category)
                       : b.kind == NodeBox::Kind::Group ? std::string(kGroupFill)
                                                        : std::string("#ffffff");
    std::string tip = std::string(kindName(b.kind)) +
                      (b.kind == NodeBox::Kind::Op ? " id " + std::to_string(b.id) + "\nop: " + b.title : "") +
                      "\nname: " + (b.kind == NodeBox::Kind::Op ? b.subtitle : b.value);
    s += "<g class=\"node " + std::string(kindName(b.kind)) + "\"";
    if (b.kind == NodeBox::Kind::Op) s += " id=\"node" + std::to_string(b.id) + "\"";
    s += "><title>" + xml(tip) + "</title>";
    s += "<rect x=\"" + num(b.x - b.width / 2) + "\" y=\"" + num(b.y - b.height / 2) + "\" width=\"" +
         plain(b.width) + "\" height=\"" + plain(b.height) + "\" rx=\"5\" ry=\"5\" fill=\"" + fill +
         "\" stroke=\"#333333\"/>";
    if (b.kind == NodeBox::Kind::Group)  // the double outline of a collapsed group
      s += "<rect x=\"" + num(b.x - b.width / 2 + 3) + "\" y=\"" + num(b.y - b.height / 2 + 3) + "\" width=\"" +
           plain(b.width - 6) + "\" height=\"" + plain(b.height - 6) + "\" rx=\"4\" ry=\"4\" fill=\"none\" stroke=\"#333333\"/>";
    bool two = !b.subtitle.empty();
    double titleY = two ? b.y - 2 : b.y + 3.5;
    s += "<text x=\"" + num(b.x) + "\" y=\"" + num(titleY) + "\" font-weight=\"bold\">" + xml(b.title) + "</text>";
    if (two)
      s += "<text x=\"" + num(b.x) + "\" y=\"" + num(b.y + 10) + "\" font-size=\"8\" fill=\"#333333\">" +
           xml(b.subtitle) + "</text>";
    s += "</g>\n";
  }
  s += "</g>\n</svg>\n";
  return s;
}

}  // namespace nest::render
