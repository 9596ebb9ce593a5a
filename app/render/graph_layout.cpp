// Layout with Graphviz `dot` through its C API (cgraph + gvc), or for large graphs with the
// built-in layered layout (layered_layout.cpp).
//
// Why two engines: dot's cost grows much faster than linearly on our graphs (measured with
// `nestc render` on scripts/make_big_model.py's residual stacks: 300 boxes 0.24 s, 500 boxes
// 0.42 s, 1,000 boxes 0.9 s, 2,000 boxes 4.1 s; a 6,000-box graph did not finish in minutes),
// mostly in its network-simplex positioning and spline routing. Tuning attributes (nslimit,
// mclimit, searchsize, splines=line) only moves the constant. Above kDotMaxBoxes the workbench
// needs a view within seconds, so it gets a simple layered layout (longest-path layers,
// barycentric ordering, straight edges through dummy points) that takes milliseconds for 10,000
// nodes. Below the threshold dot's nicer drawing stays. renderWithGraphviz (PNG/PDF output) always
// uses dot.
// Graphviz is not thread-safe: every
// call into it is serialized by one mutex, and one GVC_t context is shared under that mutex.
#include "app/render/graph_layout.h"

#include <gvc.h>

#include "app/render/layered_layout.h"
#include "app/render/scope_grouping.h"

#include <algorithm>
#include <mutex>
#include <queue>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/atomic_file.h"
#include "core/dot_export.h"
#include "core/error.h"
#include "core/op_table.h"
#include "core/tensor_type.h"

namespace nest::render {

int GraphLayout::indexOf(NodeId id) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].kind == NodeBox::Kind::Op && nodes[i].id == id) return static_cast<int>(i);
  return -1;
}

int GraphLayout::boxShowing(NodeId id) const {
  const int own = indexOf(id);
  if (own >= 0 || !scopes) return own;
  const int inner = scopes->innermostOf(id);
  if (inner < 0) return -1;
  for (int g : scopes->pathTo(inner))
    for (size_t i = 0; i < nodes.size(); ++i)
      if (nodes[i].kind == NodeBox::Kind::Group && nodes[i].group == g) return static_cast<int>(i);
  return -1;
}

namespace {

constexpr size_t kMaxNameChars = 40;
constexpr double kPointsPerInch = 72.0;

std::mutex& graphvizMutex() {
  static std::mutex m;
  return m;
}

// The shared context; call with graphvizMutex() held.
GVC_t* graphvizContext() {
  static GVC_t* gvc = [] {
    agseterr(AGERR);  // no font warnings on stderr
    return gvContext();
  }();
  return gvc;
}

std::string shorten(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  return s.substr(0, max - 3) + "...";
}

std::string typeText(const Graph& g, const std::string& value) {
  const TensorType* t = g.findType(value);
  return t ? typeToString(*t) : std::string();
}

// The type as a node's subtitle shows it: element type and shape, quantization only marked
// ("i8<q>[1,64,56,56]"): scales and zero points do not fit a box, and eliding the full type
// would cut inside a number (the inspector and the text IR have the details).
std::string subtitleType(const Graph& g, const std::string& value) {
  const TensorType* t = g.findType(value);
  if (!t) return std::string();
  if (!t->quant) return typeToString(*t);
  TensorType plain = *t;
  plain.quant.reset();
  const std::string full = typeToString(plain);  // "i8[1,64,56,56]"
  const size_t bracket = full.find('[');
  return full.substr(0, bracket) + "<q>" + (bracket == std::string::npos ? std::string() : full.substr(bracket));
}

// Boxes and edges of a graph, without geometry: what both the layout and the Graphviz rendering draw.
struct Drawing {
  std::vector<NodeBox> boxes;
  std::vector<EdgePath> edges;
};

// Boxes in an order where every edge goes forward (the layered engine needs it): graph order,
// except that a collapsed group's box sits where its first node was, and a node fed by a group
// that comes later must wait for it. Kahn's algorithm, earliest box first. Edges closing a cycle
// (two collapsed groups feeding each other, possible only with interleaved scopes) are dropped.
void orderForward(Drawing& d) {
  const size_t n = d.boxes.size();
  std::vector<std::vector<size_t>> out(n);
  std::vector<int> pending(n, 0);
  for (size_t e = 0; e < d.edges.size(); ++e) {
    out[d.edges[e].from].push_back(d.edges[e].to);
    ++pending[d.edges[e].to];
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (!pending[i]) ready.push(i);
  std::vector<size_t> order, position(n, SIZE_MAX);
  while (order.size() < n) {
    if (ready.empty()) {  // a cycle: release the earliest box still waiting
      for (size_t i = 0; i < n; ++i)
        if (position[i] == SIZE_MAX && pending[i] > 0) {
          pending[i] = 0;
          ready.push(i);
          break;
        }
    }
    const size_t b = ready.top();
    ready.pop();
    if (position[b] != SIZE_MAX) continue;
    position[b] = order.size();
    order.push_back(b);
    for (size_t t : out[b])
      if (--pending[t] == 0 && position[t] == SIZE_MAX) ready.push(t);
  }
  std::vector<NodeBox> boxes(n);
  for (size_t i = 0; i < n; ++i) boxes[position[i]] = std::move(d.boxes[i]);
  d.boxes = std::move(boxes);
  std::vector<EdgePath> edges;
  for (EdgePath& e : d.edges) {
    e.from = position[e.from];
    e.to = position[e.to];
    if (e.from < e.to) edges.push_back(std::move(e));
  }
  d.edges = std::move(edges);
}

Drawing describe(const Graph& g, const detail::Grouping& grouping = {}) {
  Drawing d;
  std::vector<size_t> groupBoxAt;  // group -> box index (SIZE_MAX: not yet made)
  if (grouping.active()) groupBoxAt.assign(grouping.tree->groups.size(), SIZE_MAX);
  std::set<std::tuple<size_t, size_t, std::string>> groupEdges;  // edges into group boxes, once each
  std::unordered_map<std::string, size_t> producer;  // value -> box index
  // Edges from the boxes producing node n's operands to box `to` (a group box: each value once,
  // none from inside it); n's results then come from `to`.
  auto addEdgesInto = [&](const Node& n, size_t to) {
    const bool group = d.boxes[to].kind == NodeBox::Kind::Group;
    for (const std::string& in : n.inputs) {
      if (in.empty() || g.isConstant(in)) continue;
      auto it = producer.find(in);
      if (it == producer.end()) continue;
      if (group && (it->second == to || !groupEdges.emplace(it->second, to, in).second)) continue;
      EdgePath e;
      e.from = it->second;
      e.to = to;
      e.value = in;
      e.type = typeText(g, in);
      d.edges.push_back(std::move(e));
    }
    for (const std::string& out : n.outputs) producer[out] = to;
  };
  for (const std::string& in : g.inputs) {
    NodeBox b;
    b.kind = NodeBox::Kind::Input;
    b.value = in;
    b.title = shorten(in, kMaxNameChars);
    b.subtitle = subtitleType(g, in);
    producer[in] = d.boxes.size();
    d.boxes.push_back(std::move(b));
  }
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    const int boxedIn = grouping.active() ? grouping.boxedIn[k] : -1;
    if (boxedIn >= 0) {  // drawn by its collapsed group's box
      size_t& at = groupBoxAt[static_cast<size_t>(boxedIn)];
      if (at == SIZE_MAX) {
        at = d.boxes.size();
        d.boxes.push_back(detail::groupBox(*grouping.tree, boxedIn));
      }
      addEdgesInto(n, at);
      continue;
    }
    NodeBox b;
    b.kind = NodeBox::Kind::Op;
    b.id = n.id;
    b.title = n.op;
    // A fused activation (fuse-activations) is part of what the node computes: "Conv + Relu".
    const std::string activation = n.attrs.has("activation") ? n.attrs.getString("activation", "") : "";
    if (!activation.empty()) b.title += " + " + activation;
    const OpDef* def = OpTable::instance().find(n.op);
    b.category = def ? def->category : "";
    std::string type = n.outputs.empty() ? std::string() : subtitleType(g, n.outputs[0]);
    b.subtitle = shorten(n.name, kMaxNameChars);
    if (!type.empty()) b.subtitle += (b.subtitle.empty() ? "" : "  ") + type;
    d.boxes.push_back(std::move(b));
    addEdgesInto(n, d.boxes.size() - 1);
  }
  for (const std::string& out : g.outputs) {
    NodeBox b;
    b.kind = NodeBox::Kind::Output;
    b.value = out;
    b.title = shorten(out, kMaxNameChars);
    b.subtitle = subtitleType(g, out);
    size_t index = d.boxes.size();
    d.boxes.push_back(std::move(b));
    auto it = producer.find(out);
    if (it == producer.end()) continue;
    EdgePath e;
    e.from = it->second;
    e.to = index;
    e.value = out;
    e.type = typeText(g, out);
    d.edges.push_back(std::move(e));
  }
  if (!groupEdges.empty() || std::any_of(groupBoxAt.begin(), groupBoxAt.end(), [](size_t i) { return i != SIZE_MAX; }))
    orderForward(d);
  return d;
}

// A label for Graphviz: backslashes doubled (dot expands \N, \G, ...), lines joined by "\n".
std::string dotLabel(const NodeBox& b) {
  auto esc = [](const std::string& s) {
    std::string r;
    for (char c : s) {
      if (c == '\\') r += "\\\\";
      else if (c == '\n' || c == '\r') r += ' ';
      else r += c;
    }
    return r;
  };
  return b.subtitle.empty() ? esc(b.title) : esc(b.title) + "\\n" + esc(b.subtitle);
}

// cgraph's API takes char*; it copies what it is given.
void declare(Agraph_t* g, int kind, const std::string& name, const std::string& def) {
  std::string n = name, d = def;
  agattr(g, kind, n.data(), d.data());
}
void set(void* obj, const std::string& name, const std::string& value) {
  std::string n = name, v = value;
  agset(obj, n.data(), v.data());
}

// A cgraph graph and its layout, freed on every path.
class CGraph {
 public:
  // With `grouping`, each framed group is a dot cluster (nested like the groups), so dot keeps its
  // nodes together and leaves room for the frame.
  CGraph(const Drawing& d, bool filled, const detail::Grouping& grouping = {}) {
    char name[] = "nest";
    g_ = agopen(name, Agdirected, nullptr);
    if (!g_) failInternal("graphviz: agopen failed");
    // Attributes must be declared (with their defaults) before agset.
    declare(g_, AGRAPH, "rankdir", "TB");
    declare(g_, AGRAPH, "nodesep", "0.3");
    declare(g_, AGRAPH, "ranksep", "0.4");
    declare(g_, AGNODE, "shape", "box");
    declare(g_, AGNODE, "style", filled ? "rounded,filled" : "rounded");
    declare(g_, AGNODE, "fontname", "Helvetica");
    declare(g_, AGNODE, "fontsize", "10");
    declare(g_, AGNODE, "margin", "0.12,0.06");
    declare(g_, AGNODE, "label", "\\N");
    declare(g_, AGNODE, "fillcolor", "#ffffff");
    declare(g_, AGNODE, "peripheries", "1");
    declare(g_, AGEDGE, "arrowsize", "0.8");
    nodes_.reserve(d.boxes.size());
    for (size_t i = 0; i < d.boxes.size(); ++i) {
      std::string id = "b" + std::to_string(i);
      Agnode_t* n = agnode(g_, id.data(), 1);
      set(n, "label", dotLabel(d.boxes[i]));
      if (filled && d.boxes[i].kind == NodeBox::Kind::Op) set(n, "fillcolor", categoryColor(d.boxes[i].category));
      if (d.boxes[i].kind == NodeBox::Kind::Group) {  // a collapsed group: a double outline
        if (filled) set(n, "fillcolor", kGroupFill);
        set(n, "peripheries", "2");
      }
      nodes_.push_back(n);
    }
    if (grouping.active()) makeClusters(d, grouping);
    edges_.reserve(d.edges.size());
    for (size_t i = 0; i < d.edges.size(); ++i) {
      std::string id = "e" + std::to_string(i);
      edges_.push_back(agedge(g_, nodes_[d.edges[i].from], nodes_[d.edges[i].to], id.data(), 1));
    }
  }
  CGraph(const CGraph&) = delete;
  CGraph& operator=(const CGraph&) = delete;
  ~CGraph() {
    if (laidOut_) gvFreeLayout(gvc_, g_);
    agclose(g_);
  }

  void layout(GVC_t* gvc) {
    char engine[] = "dot";
    if (gvLayout(gvc, g_, engine) != 0) failInternal("graphviz: dot layout failed");
    gvc_ = gvc;
    laidOut_ = true;
  }

  Agraph_t* graph() const { return g_; }
  Agnode_t* node(size_t i) const { return nodes_[i]; }
  Agedge_t* edge(size_t i) const { return edges_[i]; }
  // Per group: its cluster (null when it is not framed or frames nothing).
  const std::vector<Agraph_t*>& clusters() const { return clusters_; }

 private:
  // Clusters for the framed groups that hold a box, parents first; each box joins the cluster of
  // its innermost frame (cgraph adds it to the enclosing clusters too).
  void makeClusters(const Drawing& d, const detail::Grouping& grouping) {
    const auto& groups = grouping.tree->groups;
    clusters_.assign(groups.size(), nullptr);
    std::vector<bool> used(groups.size(), false);
    for (const NodeBox& b : d.boxes)
      for (int f = detail::frameOf(grouping, b); f >= 0 && !used[static_cast<size_t>(f)]; f = groups[static_cast<size_t>(f)].parent)
        used[static_cast<size_t>(f)] = true;
    declare(g_, AGRAPH, "label", "");
    declare(g_, AGRAPH, "fontsize", "10");
    declare(g_, AGRAPH, "labeljust", "l");
    for (size_t i = 0; i < groups.size(); ++i) {
      if (!used[i] || !grouping.framed[i]) continue;
      Agraph_t* parent = groups[i].parent >= 0 && clusters_[static_cast<size_t>(groups[i].parent)]
                             ? clusters_[static_cast<size_t>(groups[i].parent)]
                             : g_;
      std::string name = "cluster_" + std::to_string(i);
      clusters_[i] = agsubg(parent, name.data(), 1);
      set(clusters_[i], "label", groups[i].name);  // room for the name the viewer draws there
    }
    for (size_t i = 0; i < d.boxes.size(); ++i) {
      const int f = detail::frameOf(grouping, d.boxes[i]);
      if (f >= 0 && clusters_[static_cast<size_t>(f)]) agsubnode(clusters_[static_cast<size_t>(f)], nodes_[i], 1);
    }
  }

  std::vector<Agraph_t*> clusters_;
  Agraph_t* g_ = nullptr;
  GVC_t* gvc_ = nullptr;
  bool laidOut_ = false;
  std::vector<Agnode_t*> nodes_;
  std::vector<Agedge_t*> edges_;
};

void checkCancel(const LayoutOptions& options) {
  if (options.cancel && options.cancel->load()) failBadInput("layout cancelled");
}

}  // namespace

GraphLayout layoutGraph(const Graph& graph, const LayoutOptions& options) {
  checkCancel(options);
  const detail::Grouping grouping = detail::planGrouping(graph, options);
  Drawing d = describe(graph, grouping);
  GraphLayout layout;
  layout.scopes = grouping.tree;
  const bool layered = options.engine == LayoutOptions::Engine::Layered ||
                       (options.engine == LayoutOptions::Engine::Auto && d.boxes.size() > kDotMaxBoxes);
  if (layered) {
    detail::layeredLayout(std::move(d.boxes), std::move(d.edges), layout, options.cancel);
    detail::frameByBounds(layout, grouping);
    return layout;
  }
  std::lock_guard lock(graphvizMutex());
  checkCancel(options);
  CGraph cg(d, false, grouping);
  cg.layout(graphvizContext());
  checkCancel(options);

  boxf bb = GD_bb(cg.graph());
  layout.width = bb.UR.x - bb.LL.x;
  layout.height = bb.UR.y - bb.LL.y;
  auto toPoint = [&](pointf p) { return Point{p.x - bb.LL.x, bb.UR.y - p.y}; };

  layout.nodes = std::move(d.boxes);
  for (size_t i = 0; i < layout.nodes.size(); ++i) {
    Agnode_t* n = cg.node(i);
    Point c = toPoint(ND_coord(n));
    NodeBox& b = layout.nodes[i];
    b.x = c.x;
    b.y = c.y;
    b.width = ND_width(n) * kPointsPerInch;
    b.height = ND_height(n) * kPointsPerInch;
  }
  layout.edges = std::move(d.edges);
  for (size_t i = 0; i < layout.edges.size(); ++i) {
    EdgePath& e = layout.edges[i];
    const splines* spl = ED_spl(cg.edge(i));
    if (spl)
      for (int k = 0; k < spl->size; ++k) {
        const bezier& bz = spl->list[k];
        for (int j = 0; j < bz.size; ++j) {
          // Pieces of one edge share their end points; keep one copy.
          if (j == 0 && !e.points.empty()) continue;
          e.points.push_back(toPoint(bz.list[j]));
        }
        if (bz.eflag) {
          e.hasArrow = true;
          e.arrowTip = toPoint(bz.ep);
        }
      }
    if (e.points.size() < 4) {  // no spline (should not happen with dot): a straight cubic
      const NodeBox& a = layout.nodes[e.from];
      const NodeBox& b = layout.nodes[e.to];
      Point p0{a.x, a.y + a.height / 2}, p3{b.x, b.y - b.height / 2};
      e.points = {p0, {p0.x + (p3.x - p0.x) / 3, p0.y + (p3.y - p0.y) / 3},
                  {p0.x + 2 * (p3.x - p0.x) / 3, p0.y + 2 * (p3.y - p0.y) / 3}, p3};
      e.hasArrow = false;
    }
  }
  const auto& clusters = cg.clusters();
  for (size_t i = 0; i < clusters.size(); ++i) {
    if (!clusters[i]) continue;
    const boxf cb = GD_bb(clusters[i]);
    GroupFrame f;
    f.group = static_cast<int>(i);
    for (int p = grouping.tree->groups[i].parent; p >= 0; p = grouping.tree->groups[static_cast<size_t>(p)].parent) ++f.depth;
    const Point topLeft = toPoint({cb.LL.x, cb.UR.y});
    f.x = topLeft.x;
    f.y = topLeft.y;
    f.width = cb.UR.x - cb.LL.x;
    f.height = cb.UR.y - cb.LL.y;
    layout.frames.push_back(f);
  }
  detail::sortFrames(layout);
  return layout;
}

void renderWithGraphviz(const Graph& graph, const std::filesystem::path& file, const std::string& format,
                        const LayoutOptions& options) {
  checkCancel(options);
  const detail::Grouping grouping = detail::planGrouping(graph, options);
  Drawing d = describe(graph, grouping);
  std::lock_guard lock(graphvizMutex());
  checkCancel(options);
  CGraph cg(d, true, grouping);
  GVC_t* gvc = graphvizContext();
  cg.layout(gvc);
  checkCancel(options);
  std::string fmt = format;
  char* data = nullptr;
  unsigned int length = 0;
  if (gvRenderData(gvc, cg.graph(), fmt.data(), &data, &length) != 0 || !data)
    failBadInput("graphviz could not render " + format + " for " + file.string());
  std::string bytes(data, length);
  gvFreeRenderData(data);
  writeFileAtomically(file, bytes);
}

}  // namespace nest::render
