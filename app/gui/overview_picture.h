// A whole graph drawn from its layout without QGraphicsItems: plain boxes in their category
// colours and straight-segment edges. A QGraphicsView pays a per-item cost on every paint (about
// 8 µs an item here), which for a 10,000-node graph seen whole is a 100 ms stall; at that size the
// boxes are a few pixels across, so GraphView (zoomed far out) and the Minimap draw this instead.
#pragma once
#include <QColor>
#include <QHash>
#include <QPolygonF>
#include <QRectF>
#include <vector>

#include "app/render/graph_layout.h"

class QPainter;

namespace nest::gui {

class OverviewPicture {
 public:
  OverviewPicture() = default;
  explicit OverviewPicture(const render::GraphLayout& layout);
  bool empty() const { return boxes_.empty() && edges_.empty(); }
  // Draws what intersects `exposed` (scene coordinates) with the painter's current transform.
  void paint(QPainter& painter, const QRectF& exposed) const;
  // Op boxes in `fill`'s colours, the other op boxes in `others` (GraphView::setOverlay); an empty
  // `fill` restores the category colours.
  void setOverlay(const QHash<NodeId, QColor>& fill, const QColor& others);

 private:
  struct Box {
    QRectF rect;
    QColor fill;
    QColor base;     // the category / input / output colour
    NodeId id = 0;   // op boxes only (ids start at 1)
  };
  struct Edge {
    QPolygonF line;
    QRectF bounds;
  };
  std::vector<Box> boxes_;
  std::vector<Edge> edges_;
};

// A box's fill colour: its op category's colour, or the input / output colour.
QColor boxFill(const render::NodeBox& box);
// An edge's spline reduced to its knots (start, every third control point, end): indistinguishable
// from the curve when it is a few pixels long, and far cheaper to draw.
QPolygonF edgeKnots(const render::EdgePath& edge);

}  // namespace nest::gui
