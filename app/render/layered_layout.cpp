// A simple Sugiyama-style layered layout, top to bottom, linear-ish in the size of the graph:
//   1. layering by longest path from the sources (edges always go from a lower to a higher box
//      index, so one pass in index order does it);
//   2. every edge spanning several layers gets a chain of dummy points, one per layer crossed;
//   3. order within layers by barycentric sweeps (down, up, ..., down);
//   4. x coordinates by priority-free "pull towards the mean of the neighbours, then separate"
//      sweeps (the mean of a left-to-right and a right-to-left packing keeps the separation);
//   5. edges are straight segments through their dummy points, written as cubic pieces in the
//      EdgePath format dot uses (first point, then 3 points per piece), shortened by the arrow
//      length at the end like dot's, with `arrowTip` on the top of the target box.
// Box sizes are estimated from the label length with the metrics dot uses for our style
// (Helvetica 10 pt, margin 0.12 x 0.06 in, minimum 0.75 x 0.5 in); no font is measured.
#include "app/render/layered_layout.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace nest::render::detail {

namespace {

constexpr double kNodeSep = 0.3 * 72;  // as the dot attributes in graph_layout.cpp
constexpr double kRankSep = 0.4 * 72;
constexpr double kDummySep = 10;       // between an edge's dummy point and its neighbours
constexpr double kCharWidth = 5.3;     // Helvetica 10 pt, average (dot measured ~4.9 on our labels)
constexpr double kMarginX = 0.12 * 72;
constexpr double kMinWidth = 0.75 * 72;
constexpr double kMinHeight = 0.5 * 72;
constexpr double kLineHeight = 12;     // 10 pt * 1.2
constexpr double kMarginY = 0.06 * 72;
constexpr double kArrowLength = 8;     // arrowsize 0.8 * 10
constexpr int kSweeps = 6;

void checkCancel(const std::atomic<bool>* cancel) {
  if (cancel && cancel->load()) failBadInput("layout cancelled");
}

void sizeBox(NodeBox& b) {
  const size_t chars = std::max(b.title.size(), b.subtitle.size());
  const int lines = b.subtitle.empty() ? 1 : 2;
  b.width = std::max(kMinWidth, std::ceil(static_cast<double>(chars) * kCharWidth + 2 * kMarginX));
  b.height = std::max(kMinHeight, std::ceil(lines * kLineHeight + 2 * kMarginY));
}

struct Vertex {
  int box = -1;  // index in boxes; -1 for a dummy point
  int layer = 0;
  double width = 0, height = 0;
  double x = 0;
  double key = 0;  // sort key during ordering
  int pos = 0;     // index within its layer
  std::vector<int> up, down;
};

}  // namespace

void layeredLayout(std::vector<NodeBox> boxes, std::vector<EdgePath> edges, GraphLayout& layout,
                   const std::atomic<bool>* cancel) {
  checkCancel(cancel);
  const size_t n = boxes.size();
  std::vector<Vertex> v(n);
  for (size_t i = 0; i < n; ++i) {
    sizeBox(boxes[i]);
    v[i].box = static_cast<int>(i);
    v[i].width = boxes[i].width;
    v[i].height = boxes[i].height;
  }
  // 1. Longest-path layering (from < to for every edge, so index order is a topological order).
  std::vector<std::vector<size_t>> in(n);
  for (size_t e = 0; e < edges.size(); ++e) {
    if (edges[e].from >= edges[e].to || edges[e].to >= n) failInternal("layered layout: edge against box order");
    in[edges[e].to].push_back(e);
  }
  int layers = n ? 1 : 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t e : in[i]) v[i].layer = std::max(v[i].layer, v[edges[e].from].layer + 1);
    layers = std::max(layers, v[i].layer + 1);
  }
  // 2. Dummy chains; chain[e] = the vertices an edge passes, source first, target last.
  std::vector<std::vector<int>> chain(edges.size());
  for (size_t e = 0; e < edges.size(); ++e) {
    int prev = static_cast<int>(edges[e].from);
    chain[e].push_back(prev);
    for (int l = v[edges[e].from].layer + 1; l < v[edges[e].to].layer; ++l) {
      Vertex d;
      d.layer = l;
      d.width = 0;
      v.push_back(d);
      const int id = static_cast<int>(v.size()) - 1;
      v[prev].down.push_back(id);
      v[id].up.push_back(prev);
      chain[e].push_back(id);
      prev = id;
    }
    const int to = static_cast<int>(edges[e].to);
    v[prev].down.push_back(to);
    v[to].up.push_back(prev);
    chain[e].push_back(to);
  }
  checkCancel(cancel);

  // 3. Ordering. Initial: by creation (boxes in graph order, dummies after their source's layer mates).
  std::vector<std::vector<int>> rank(static_cast<size_t>(layers));
  for (size_t i = 0; i < v.size(); ++i) rank[static_cast<size_t>(v[i].layer)].push_back(static_cast<int>(i));
  auto renumber = [&](std::vector<int>& r) {
    for (size_t p = 0; p < r.size(); ++p) v[static_cast<size_t>(r[p])].pos = static_cast<int>(p);
  };
  for (auto& r : rank) renumber(r);
  auto sortLayer = [&](std::vector<int>& r, bool byUp) {
    for (int id : r) {
      Vertex& x = v[static_cast<size_t>(id)];
      const std::vector<int>& nb = byUp ? x.up : x.down;
      if (nb.empty()) {
        x.key = x.pos;  // keeps its place relative to the others
        continue;
      }
      double sum = 0;
      for (int o : nb) sum += v[static_cast<size_t>(o)].pos;
      x.key = sum / static_cast<double>(nb.size());
    }
    std::stable_sort(r.begin(), r.end(), [&](int a, int b) { return v[static_cast<size_t>(a)].key < v[static_cast<size_t>(b)].key; });
    renumber(r);
  };
  for (int s = 0; s < kSweeps; ++s) {
    checkCancel(cancel);
    if (s % 2 == 0)
      for (int l = 1; l < layers; ++l) sortLayer(rank[static_cast<size_t>(l)], true);
    else
      for (int l = layers - 2; l >= 0; --l) sortLayer(rank[static_cast<size_t>(l)], false);
  }
  checkCancel(cancel);

  // 4. x coordinates.
  auto sep = [&](int a, int b) {
    const Vertex& va = v[static_cast<size_t>(a)];
    const Vertex& vb = v[static_cast<size_t>(b)];
    const double gap = va.box < 0 || vb.box < 0 ? kDummySep : kNodeSep;
    return (va.width + vb.width) / 2 + gap;
  };
  for (auto& r : rank) {  // packed, centred on 0
    double x = 0;
    for (size_t p = 0; p < r.size(); ++p) {
      if (p) x += sep(r[p - 1], r[p]);
      v[static_cast<size_t>(r[p])].x = x;
    }
    for (int id : r) v[static_cast<size_t>(id)].x -= x / 2;
  }
  std::vector<double> want, left, right;
  auto place = [&](std::vector<int>& r, bool byUp) {
    const size_t m = r.size();
    want.assign(m, 0);
    left.assign(m, 0);
    right.assign(m, 0);
    for (size_t p = 0; p < m; ++p) {
      const Vertex& x = v[static_cast<size_t>(r[p])];
      const std::vector<int>& nb = byUp ? x.up : x.down;
      if (nb.empty()) {
        want[p] = x.x;
        continue;
      }
      double sum = 0;
      for (int o : nb) sum += v[static_cast<size_t>(o)].x;
      want[p] = sum / static_cast<double>(nb.size());
    }
    for (size_t p = 0; p < m; ++p) left[p] = p ? std::max(want[p], left[p - 1] + sep(r[p - 1], r[p])) : want[p];
    for (size_t p = m; p-- > 0;) right[p] = p + 1 < m ? std::min(want[p], right[p + 1] - sep(r[p], r[p + 1])) : want[p];
    for (size_t p = 0; p < m; ++p) v[static_cast<size_t>(r[p])].x = (left[p] + right[p]) / 2;
  };
  for (int s = 0; s < kSweeps; ++s) {
    checkCancel(cancel);
    if (s % 2 == 0)
      for (int l = 1; l < layers; ++l) place(rank[static_cast<size_t>(l)], true);
    else
      for (int l = layers - 2; l >= 0; --l) place(rank[static_cast<size_t>(l)], false);
  }
  checkCancel(cancel);

  // y: one row per layer, as tall as its tallest box.
  std::vector<double> rowY(static_cast<size_t>(layers));
  double y = 0;
  for (int l = 0; l < layers; ++l) {
    double h = 0;
    for (int id : rank[static_cast<size_t>(l)]) h = std::max(h, v[static_cast<size_t>(id)].height);
    rowY[static_cast<size_t>(l)] = y + h / 2;
    y += h + (l + 1 < layers ? kRankSep : 0);
  }
  double minX = 0, maxX = 0;
  bool first = true;
  for (const Vertex& x : v) {
    const double lo = x.x - x.width / 2, hi = x.x + x.width / 2;
    minX = first ? lo : std::min(minX, lo);
    maxX = first ? hi : std::max(maxX, hi);
    first = false;
  }
  for (Vertex& x : v) x.x -= minX;
  layout.width = maxX - minX;
  layout.height = y;
  for (size_t i = 0; i < n; ++i) {
    boxes[i].x = v[i].x;
    boxes[i].y = rowY[static_cast<size_t>(v[i].layer)];
  }

  // 5. Edges.
  for (size_t e = 0; e < edges.size(); ++e) {
    const std::vector<int>& c = chain[e];
    std::vector<Point> pts;
    pts.reserve(c.size());
    for (size_t k = 0; k < c.size(); ++k) {
      const Vertex& x = v[static_cast<size_t>(c[k])];
      double py = rowY[static_cast<size_t>(x.layer)];
      if (k == 0) py += x.height / 2;
      if (k + 1 == c.size()) py -= x.height / 2;
      pts.push_back({x.x, py});
    }
    EdgePath& path = edges[e];
    path.arrowTip = pts.back();
    path.hasArrow = false;
    {  // shorten the last segment by the arrow head
      Point& a = pts[pts.size() - 2];
      Point& b = pts.back();
      const double dx = b.x - a.x, dy = b.y - a.y, len = std::hypot(dx, dy);
      if (len > 2 * kArrowLength) {
        b = {b.x - dx / len * kArrowLength, b.y - dy / len * kArrowLength};
        path.hasArrow = true;
      }
    }
    path.points.clear();
    path.points.reserve(3 * pts.size() - 2);
    path.points.push_back(pts[0]);
    for (size_t k = 1; k < pts.size(); ++k) {
      const Point a = pts[k - 1], b = pts[k];
      path.points.push_back({a.x + (b.x - a.x) / 3, a.y + (b.y - a.y) / 3});
      path.points.push_back({a.x + 2 * (b.x - a.x) / 3, a.y + 2 * (b.y - a.y) / 3});
      path.points.push_back(b);
    }
  }
  layout.nodes = std::move(boxes);
  layout.edges = std::move(edges);
}

}  // namespace nest::render::detail
