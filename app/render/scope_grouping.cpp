#include "app/render/scope_grouping.h"

#include <algorithm>
#include <limits>

#include "core/graph_stats.h"

namespace nest::render::detail {

namespace {

constexpr double kFrameMargin = 6;   // around a frame's boxes and sub-frames
constexpr double kFrameLabelBand = 14;  // above them, for the group's name

}  // namespace

Grouping planGrouping(const Graph& graph, const LayoutOptions& options) {
  Grouping g;
  if (!options.groupByScope) return g;
  auto tree = std::make_shared<ScopeTree>(scopeTreeOf(graph));
  const size_t groups = tree->groups.size();
  g.framed.assign(groups, false);
  // Parents come before children: one pass decides each group from its parent.
  std::vector<int> hiddenBy(groups, -1);  // the collapsed group (itself or above) drawing it as a box
  for (size_t i = 0; i < groups; ++i) {
    const ScopeGroup& group = tree->groups[i];
    const int parentHidden = group.parent < 0 ? -1 : hiddenBy[static_cast<size_t>(group.parent)];
    if (parentHidden >= 0) {
      hiddenBy[i] = parentHidden;
    } else if (group.convex && options.collapsed.count(group.scope)) {
      hiddenBy[i] = static_cast<int>(i);
    } else {
      g.framed[i] = true;
    }
  }
  g.boxedIn.assign(graph.nodes.size(), -1);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const int inner = tree->innermostOf(graph.nodes[n].id);
    if (inner >= 0) g.boxedIn[n] = hiddenBy[static_cast<size_t>(inner)];
  }
  g.tree = std::move(tree);
  return g;
}

NodeBox groupBox(const ScopeTree& tree, int group) {
  const ScopeGroup& s = tree.groups[static_cast<size_t>(group)];
  NodeBox b;
  b.kind = NodeBox::Kind::Group;
  b.group = group;
  b.value = s.scope;
  b.title = s.name + " · " + std::to_string(s.nodes.size()) + " nodes";
  b.subtitle = s.opSummary(3);
  if (s.macs > 0) b.subtitle += " · " + humanCount(s.macs) + "MAC";
  b.category = "group";
  return b;
}

int frameOf(const Grouping& grouping, const NodeBox& box) {
  if (!grouping.active()) return -1;
  if (box.kind == NodeBox::Kind::Group) return grouping.tree->groups[static_cast<size_t>(box.group)].parent;
  if (box.kind == NodeBox::Kind::Op) return grouping.tree->innermostOf(box.id);
  return -1;
}

void frameByBounds(GraphLayout& layout, const Grouping& grouping) {
  if (!grouping.active()) return;
  const auto& groups = grouping.tree->groups;
  constexpr double inf = std::numeric_limits<double>::infinity();
  struct Bounds {
    double x0 = inf, y0 = inf, x1 = -inf, y1 = -inf;
    void add(double a, double b, double c, double d) {
      x0 = std::min(x0, a), y0 = std::min(y0, b), x1 = std::max(x1, c), y1 = std::max(y1, d);
    }
    bool empty() const { return x0 > x1; }
  };
  std::vector<Bounds> bounds(groups.size());
  for (const NodeBox& b : layout.nodes) {
    const int f = frameOf(grouping, b);
    if (f >= 0) bounds[static_cast<size_t>(f)].add(b.x - b.width / 2, b.y - b.height / 2, b.x + b.width / 2, b.y + b.height / 2);
  }
  // Children after parents in `groups`: walking backwards, each frame is final before its parent
  // takes it in.
  std::vector<GroupFrame> frames;
  std::vector<int> depth(groups.size(), 0);
  for (size_t i = 0; i < groups.size(); ++i)
    if (groups[i].parent >= 0) depth[i] = depth[static_cast<size_t>(groups[i].parent)] + 1;
  for (size_t k = groups.size(); k-- > 0;) {
    if (!grouping.framed[k] || bounds[k].empty()) continue;
    Bounds& r = bounds[k];
    GroupFrame f;
    f.group = static_cast<int>(k);
    f.depth = depth[k];
    f.x = r.x0 - kFrameMargin;
    f.y = r.y0 - kFrameMargin - kFrameLabelBand;
    f.width = r.x1 - r.x0 + 2 * kFrameMargin;
    f.height = r.y1 - r.y0 + 2 * kFrameMargin + kFrameLabelBand;
    frames.push_back(f);
    if (groups[k].parent >= 0) bounds[static_cast<size_t>(groups[k].parent)].add(f.x, f.y, f.x + f.width, f.y + f.height);
  }
  layout.frames = std::move(frames);
  sortFrames(layout);
  // Frames may reach past the boxes' extent: shift everything so the drawing starts at 0, 0.
  double minX = 0, minY = 0;
  for (const GroupFrame& f : layout.frames) minX = std::min(minX, f.x), minY = std::min(minY, f.y);
  if (minX < 0 || minY < 0) {
    for (NodeBox& b : layout.nodes) b.x -= minX, b.y -= minY;
    for (EdgePath& e : layout.edges) {
      for (Point& p : e.points) p.x -= minX, p.y -= minY;
      e.arrowTip.x -= minX, e.arrowTip.y -= minY;
    }
    for (GroupFrame& f : layout.frames) f.x -= minX, f.y -= minY;
    layout.width -= minX;
    layout.height -= minY;
  }
  for (const GroupFrame& f : layout.frames) {
    layout.width = std::max(layout.width, f.x + f.width);
    layout.height = std::max(layout.height, f.y + f.height);
  }
}

void sortFrames(GraphLayout& layout) {
  std::sort(layout.frames.begin(), layout.frames.end(), [](const GroupFrame& a, const GroupFrame& b) { return a.group < b.group; });
}

}  // namespace nest::render::detail
