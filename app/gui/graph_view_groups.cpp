// GraphView: name-scope groups (collapsed group boxes, expanded group frames, their names when
// zoomed out).
#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>

#include "app/gui/graph_view.h"
#include "app/gui/group_frame_item.h"

namespace nest::gui {

namespace {

constexpr int kMaxNames = 300;        // names drawn per paint when zoomed out
constexpr double kMinFramePixels = 40;  // a frame narrower on screen gets no name
constexpr int kNamePixels = 12;

}  // namespace

int GraphView::groupItemCount() const {
  return static_cast<int>(std::count_if(nodes_.begin(), nodes_.end(), [](NodeItem* n) { return n->isGroup(); }));
}

NodeItem* GraphView::groupItem(const QString& scope) const {
  const std::string s = scope.toStdString();
  for (NodeItem* n : nodes_)
    if (n->isGroup() && n->box().value == s) return n;
  return nullptr;
}

NodeItem* GraphView::itemShowing(NodeId id) const {
  if (NodeItem* own = itemForNode(id)) return own;
  if (!scopes_) return nullptr;
  const int inner = scopes_->innermostOf(id);
  if (inner < 0) return nullptr;
  for (int g : scopes_->pathTo(inner))  // the outermost collapsed group is the one drawn
    for (NodeItem* n : nodes_)
      if (n->isGroup() && n->box().group == g) return n;
  return nullptr;
}

QList<NodeId> GraphView::membersOf(const NodeItem* group) const {
  if (!scopes_ || !group->isGroup()) return {};
  const auto& nodes = scopes_->groups[static_cast<size_t>(group->box().group)].nodes;
  return QList<NodeId>(nodes.begin(), nodes.end());
}

GroupFrameItem* GraphView::frameBandAt(const QPoint& viewPos) const {
  for (QGraphicsItem* item : items(viewPos))
    if (item->type() == GroupFrameItem::Type) return static_cast<GroupFrameItem*>(item);
  return nullptr;
}

void GraphView::drawForeground(QPainter* painter, const QRectF& rect) {
  QGraphicsView::drawForeground(painter, rect);
  drawGroupNames(*painter, rect);
}

void GraphView::drawGroupNames(QPainter& painter, const QRectF& exposed) const {
  const double z = zoom();
  namesDrawn_ = 0;
  if (!scopes_ || z >= kLabelZoom || (frames_.isEmpty() && groupItemCount() == 0)) return;
  struct Name {
    QRectF sceneRect;  // what it names
    QString text;
    bool frame;
    int depth;
  };
  std::vector<Name> names;
  for (const GroupFrameItem* f : frames_) {
    const QRectF r = f->sceneBoundingRect();
    if (r.width() * z >= kMinFramePixels && r.intersects(exposed)) names.push_back({r, f->name(), true, f->frame().depth});
  }
  for (const NodeItem* n : nodes_) {
    if (!n->isGroup()) continue;
    const render::NodeBox& b = n->box();
    const QRectF r(b.x - b.width / 2, b.y - b.height / 2, b.width, b.height);
    if (r.intersects(exposed))
      names.push_back({r, QString::fromStdString(scopes_->groups[static_cast<size_t>(b.group)].name), false, 1 << 20});
  }
  std::stable_sort(names.begin(), names.end(), [](const Name& a, const Name& b) { return a.depth < b.depth; });

  // In viewport pixels from here on.
  const QTransform toView = painter.worldTransform();
  painter.save();
  painter.resetTransform();
  QFont font = painter.font();
  font.setPixelSize(kNamePixels);
  font.setBold(true);
  painter.setFont(font);
  const QFontMetricsF metrics(font);
  std::vector<QRectF> taken;
  int drawn = 0;
  for (const Name& name : names) {
    if (drawn >= kMaxNames) break;
    const QRectF on = toView.mapRect(name.sceneRect);
    QRectF plate;
    QString text = name.text;
    if (name.frame) {  // along the frame's top edge, inside it
      text = metrics.elidedText(text, Qt::ElideRight, std::max(on.width() - 8, 120.0));  // may overhang a narrow frame
      plate = QRectF(on.left() + 2, on.top() + 1, metrics.horizontalAdvance(text) + 6, metrics.height() + 2);
    } else {  // centred on the box, wider than it if need be
      const double w = metrics.horizontalAdvance(text) + 6;
      plate = QRectF(on.center().x() - w / 2, on.center().y() - metrics.height() / 2 - 1, w, metrics.height() + 2);
    }
    if (text.isEmpty() || std::any_of(taken.begin(), taken.end(), [&](const QRectF& t) { return t.intersects(plate); })) continue;
    taken.push_back(plate);
    ++drawn;
    ++namesDrawn_;
    painter.setPen(Qt::NoPen);
    painter.setBrush(name.frame ? QColor(255, 255, 255, 215) : QColor(0xfd, 0xf6, 0xe3, 235));
    painter.drawRoundedRect(plate, 3, 3);
    painter.setPen(QColor(0x2a, 0x2e, 0x36));
    painter.drawText(plate, Qt::AlignCenter, text);
  }
  painter.restore();
}

}  // namespace nest::gui
