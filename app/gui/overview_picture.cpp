#include "app/gui/overview_picture.h"

#include <QPainter>
#include <QPen>

#include <algorithm>

#include "core/dot_export.h"

namespace nest::gui {

namespace {
const QColor kOverviewEdgeColor(0x55, 0x5b, 0x66);
}

QColor boxFill(const render::NodeBox& box) {
  switch (box.kind) {
    case render::NodeBox::Kind::Input: return QColor(0xe3, 0xf2, 0xe1);
    case render::NodeBox::Kind::Output: return QColor(0xfb, 0xe3, 0xd6);
    case render::NodeBox::Kind::Group: return QColor(render::kGroupFill);
    case render::NodeBox::Kind::Op: break;
  }
  // Parsed once per category: a big layout asks for tens of thousands of boxes.
  static thread_local QHash<QString, QColor> parsed;
  const QString category = QString::fromStdString(box.category);
  auto it = parsed.find(category);
  if (it == parsed.end()) it = parsed.insert(category, QColor(QString::fromStdString(categoryColor(box.category))));
  return *it;
}

QPolygonF edgeKnots(const render::EdgePath& edge) {
  QPolygonF knots;
  const auto& p = edge.points;
  if (p.empty()) return knots;
  knots << QPointF(p[0].x, p[0].y);
  for (size_t i = 3; i < p.size(); i += 3) knots << QPointF(p[i].x, p[i].y);
  if ((p.size() - 1) % 3 != 0) knots << QPointF(p.back().x, p.back().y);
  return knots;
}

OverviewPicture::OverviewPicture(const render::GraphLayout& layout) {
  boxes_.reserve(layout.nodes.size());
  for (const render::NodeBox& b : layout.nodes) {
    const QColor fill = boxFill(b);
    boxes_.push_back({QRectF(b.x - b.width / 2, b.y - b.height / 2, b.width, b.height), fill, fill,
                      b.kind == render::NodeBox::Kind::Op ? b.id : NodeId(0)});
  }
  edges_.reserve(layout.edges.size());
  for (const render::EdgePath& e : layout.edges) {
    QPolygonF line = edgeKnots(e);
    const QRectF bounds = line.boundingRect().adjusted(-1, -1, 1, 1);  // straight edges have no width
    edges_.push_back({std::move(line), bounds});
  }
}

void OverviewPicture::setOverlay(const QHash<NodeId, QColor>& fill, const QColor& others) {
  for (Box& b : boxes_)
    if (b.id != 0) b.fill = fill.isEmpty() ? b.base : fill.value(b.id, others);
}

void OverviewPicture::paint(QPainter& painter, const QRectF& exposed) const {
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing, false);  // sub-pixel detail is invisible here
  QPen pen(kOverviewEdgeColor, 1.0);
  pen.setCosmetic(true);
  painter.setPen(pen);
  for (const Edge& e : edges_)
    if (e.bounds.intersects(exposed)) painter.drawPolyline(e.line);
  // Boxes at least 2 device pixels across, so that their colours still show on a whole big graph.
  const double scale = std::max(painter.transform().m11(), 1e-9);
  const double minSide = 2.0 / scale;
  for (const Box& b : boxes_) {
    if (!b.rect.intersects(exposed)) continue;
    QRectF r = b.rect;
    if (r.width() < minSide) r.adjust(-(minSide - r.width()) / 2, 0, (minSide - r.width()) / 2, 0);
    if (r.height() < minSide) r.adjust(0, -(minSide - r.height()) / 2, 0, (minSide - r.height()) / 2);
    painter.fillRect(r, b.fill);
  }
  painter.restore();
}

}  // namespace nest::gui
