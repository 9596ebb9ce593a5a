#include "app/gui/graph_view.h"

#include <QElapsedTimer>
#include <QFontMetricsF>
#include <QContextMenuEvent>
#include <QGraphicsScene>
#include <QMouseEvent>
#include <QPaintEvent>
#include <QPainter>
#include <QPainterPathStroker>
#include <QRubberBand>
#include <QScrollBar>
#include <QStyle>
#include <QSet>
#include <QStyleOptionGraphicsItem>
#include <QTimer>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

#include "app/gui/group_frame_item.h"
#include "app/gui/overview_picture.h"

namespace nest::gui {

namespace {

constexpr double kLabelLod = GraphView::kLabelZoom;  // below this zoom, boxes are drawn without text
constexpr double kBlockLod = GraphView::kBlockZoom;  // below this zoom, plain boxes and straight-segment edges
constexpr double kMinZoom = 0.01, kMaxZoom = 8.0;
constexpr qint64 kBatchNs = 12'000'000;  // batched drawing: scene insertion per event-loop turn
// ... and at most this many items: adding a prepared box is cheap, but the scene then processes
// every item added in a turn at once (~5 µs each, in its own queued call).
constexpr int kBatchItems = 1000;
const QColor kEdgeColor(0x55, 0x5b, 0x66);
const QColor kSelectColor(0xd9, 0x3a, 0x1e);
const QColor kOverlayOther(0xdc, 0xdc, 0xdc);  // op nodes an overlay does not list
constexpr double kDimOpacity = 0.18;  // nodes outside a "changed only" filter

// Text drawn on `fill`: white on dark fills, black on light ones (perceived luminance).
bool darkFill(const QColor& fill) {
  return 0.299 * fill.redF() + 0.587 * fill.greenF() + 0.114 * fill.blueF() < 0.55;
}

}  // namespace

// Fuchsia: no op category, diff colour, selection or origin mark uses it.
const QColor GraphView::kSearchColor(0xd0, 0x1c, 0xd0);

// ---- NodeItem ----

NodeItem::NodeItem(const render::NodeBox& box, const ScopeGroup* group) : box_(box), fill_(boxFill(box)) {
  setPos(box.x, box.y);
  setFlag(ItemIsSelectable, isOp() || isGroup());
  setZValue(1);
  QString tip = QString::fromStdString(box.title);
  if (!box.subtitle.empty()) tip += "\n" + QString::fromStdString(box.subtitle);
  if (isOp()) tip += QStringLiteral("\nid %1").arg(box.id);
  if (group) tip = groupToolTip(*group) + QStringLiteral("\ndouble-click to expand");
  tip_ = tip;
  setToolTip(tip);
}

void NodeItem::setOverlay(const QColor& fill, const QString& note) {
  const QString tip = note.isEmpty() ? tip_ : tip_ + "\n" + note;
  if (fill == overlay_ && tip == toolTip()) return;
  overlay_ = fill;
  setToolTip(tip);
  update();
}

QRectF NodeItem::boundingRect() const {
  const double m = 20;  // room for the selection outline, the mark halo and the highlight ring and badge
  return QRectF(-box_.width / 2 - m, -box_.height / 2 - m, box_.width + 2 * m, box_.height + 2 * m);
}

void NodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
  const QRectF r(-box_.width / 2, -box_.height / 2, box_.width, box_.height);
  const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
  const bool selected = isSelected();
  const QColor fill = shownFill();
  if (lod < kBlockLod && !selected && !mark_.isValid() && !highlight_.isValid()) {
    painter->fillRect(r, fill);  // a few pixels across: a plain block (a whole big graph in view)
    return;
  }
  QPen pen(selected ? kSelectColor : QColor(0x40, 0x44, 0x4c), selected ? 2.5 : 1.0);
  pen.setCosmetic(!selected);
  if (!isOp() && !isGroup()) pen.setStyle(Qt::DashLine);  // graph inputs and outputs
  painter->setPen(pen);
  painter->setBrush(fill);
  const double radius = std::min(6.0, r.height() / 3);
  painter->drawRoundedRect(r, radius, radius);
  if (isGroup()) {  // a collapsed group: a second outline inside the first
    painter->setBrush(Qt::NoBrush);
    painter->drawRoundedRect(r.adjusted(3, 3, -3, -3), radius - 1, radius - 1);
  }
  if (mark_.isValid()) {
    QColor tint = mark_;
    tint.setAlpha(60);
    painter->setPen(QPen(mark_, 3.0));
    painter->setBrush(tint);
    painter->drawRoundedRect(r.adjusted(-4, -4, 4, 4), radius + 3, radius + 3);
  }
  if (highlight_.isValid()) {
    // A ring outside the box over a dark contour: readable on any fill, and the fill stays the
    // category colour (a tint would blend the two into a third colour).
    // At least ~3 pixels wide on screen whatever the zoom (within the bounding margin).
    const double width = std::clamp(3.5 / std::max(lod, 1e-3), 4.0, 12.0);
    const QRectF ring = r.adjusted(-3, -3, 3, 3);
    painter->setBrush(Qt::NoBrush);
    painter->setPen(QPen(QColor(0x1b, 0x1f, 0x24), width + std::clamp(2.5 / std::max(lod, 1e-3), 2.5, 6.0)));
    painter->drawRoundedRect(ring, radius + 2, radius + 2);
    QPen outline(dashed_ ? highlight_.lighter(170) : highlight_, width, dashed_ ? Qt::DashLine : Qt::SolidLine);
    painter->setPen(outline);
    painter->drawRoundedRect(ring, radius + 2, radius + 2);
    if (!badge_.isEmpty() && lod >= kBlockLod) {
      // A disc on the top right corner, about 12 pixels across on screen (at most 36 units).
      const double d = std::clamp(12.0 / lod, 14.0, 36.0);
      const QRectF disc(r.right() - d / 2, r.top() - d / 2, d, d);
      painter->setPen(QPen(QColor(0x1b, 0x1f, 0x24), d / 12));
      painter->setBrush(highlight_);
      painter->drawEllipse(disc);
      QFont f = painter->font();
      f.setPixelSize(std::max(1, static_cast<int>(d * 0.75)));
      f.setBold(true);
      painter->setFont(f);
      painter->setPen(darkFill(highlight_) ? Qt::white : Qt::black);
      painter->drawText(disc, Qt::AlignCenter, badge_);
    }
  }
  if (selected && (mark_.isValid() || highlight_.isValid())) {  // keep the selection visible on top
    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);
    painter->drawRoundedRect(r, radius, radius);
  }
  if (lod < kLabelLod) return;

  // Title (op) in bold, subtitle (name / type) below it, both elided to the box width.
  QFont titleFont = painter->font();
  titleFont.setPixelSize(12);
  titleFont.setBold(true);
  QFont subFont = titleFont;
  subFont.setBold(false);
  subFont.setPixelSize(10);
  const QRectF text = r.adjusted(4, 2, -4, -2);
  const QString title = QString::fromStdString(box_.title);
  const QString sub = QString::fromStdString(box_.subtitle);
  // Shrink the title (down to 8 px) before eliding it: Graphviz sized the box for its own font.
  for (int px = 12; px > 8 && QFontMetricsF(titleFont).horizontalAdvance(title) > text.width(); --px)
    titleFont.setPixelSize(px - 1);
  const bool dark = darkFill(fill);
  painter->setPen(dark ? Qt::white : Qt::black);
  if (sub.isEmpty() || lod < 0.8) {
    painter->setFont(titleFont);
    painter->drawText(text, Qt::AlignCenter, QFontMetricsF(titleFont).elidedText(title, Qt::ElideRight, text.width()));
    return;
  }
  QRectF top = text, bottom = text;
  top.setBottom(text.center().y() + 1);
  bottom.setTop(text.center().y() + 1);
  painter->setFont(titleFont);
  painter->drawText(top, Qt::AlignHCenter | Qt::AlignBottom,
                    QFontMetricsF(titleFont).elidedText(title, Qt::ElideRight, text.width()));
  painter->setFont(subFont);
  painter->setPen(dark ? QColor(0xf0, 0xf0, 0xf0) : QColor(0x30, 0x30, 0x30));
  painter->drawText(bottom, Qt::AlignHCenter | Qt::AlignTop,
                    QFontMetricsF(subFont).elidedText(sub, Qt::ElideMiddle, text.width()));
}

void NodeItem::setHighlight(const QColor& color, const QString& badge, bool dashed) {
  if (color == highlight_ && badge == badge_ && dashed == dashed_) return;
  highlight_ = color;
  badge_ = badge;
  dashed_ = dashed;
  update();
}

void NodeItem::setMark(const QColor& color) {
  if (color == mark_) return;
  mark_ = color;
  update();
}

// ---- EdgeItem ----

EdgeItem::EdgeItem(const render::EdgePath& edge) {
  QPainterPath path;
  const auto& p = edge.points;
  if (!p.empty()) {
    path.moveTo(p[0].x, p[0].y);
    size_t i = 1;
    for (; i + 2 < p.size(); i += 3)
      path.cubicTo(p[i].x, p[i].y, p[i + 1].x, p[i + 1].y, p[i + 2].x, p[i + 2].y);
    for (; i < p.size(); ++i) path.lineTo(p[i].x, p[i].y);  // not a whole cubic: straight segments
    coarse_ = edgeKnots(edge);
  }
  setPath(path);
  // Arrow head at the end, along the direction of the last segment.
  if (p.size() >= 2) {
    QPointF tip(p.back().x, p.back().y);
    QPointF from(p[p.size() - 2].x, p[p.size() - 2].y);
    QLineF dir(tip, from);
    if (dir.length() < 1e-6) dir = QLineF(tip, tip - QPointF(0, 1));
    dir.setLength(7);
    QLineF left = dir, right = dir;
    left.setAngle(dir.angle() + 25);
    right.setAngle(dir.angle() - 25);
    arrow_ << tip << left.p2() << right.p2();
  }
  QPen pen(kEdgeColor, 1.2);
  pen.setCosmetic(true);
  setPen(pen);
  setZValue(0);
  setToolTip(QString::fromStdString(edge.value) + ": " + QString::fromStdString(edge.type));
  // Computed once from the control points: QGraphicsPathItem's own bounding rect strokes the
  // path through shape(), which the scene asks for again and again while a big graph is added.
  bounds_ = path.controlPointRect().united(arrow_.boundingRect()).adjusted(-4, -4, 4, 4);
}

QPainterPath EdgeItem::shape() const {
  QPainterPathStroker stroker;
  stroker.setWidth(6);
  QPainterPath s = stroker.createStroke(path());
  s.addPolygon(arrow_);
  return s;
}

QRectF EdgeItem::boundingRect() const { return bounds_; }

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
  painter->setPen(pen());
  painter->setBrush(Qt::NoBrush);
  if (option->levelOfDetailFromTransform(painter->worldTransform()) < kBlockLod) {
    painter->drawPolyline(coarse_);  // the curve's knots: indistinguishable at this size, far cheaper
    return;
  }
  painter->drawPath(path());
  if (!arrow_.isEmpty()) {
    painter->setBrush(kEdgeColor);
    painter->drawPolygon(arrow_);
  }
}

// ---- GraphView ----

GraphView::GraphView(QWidget* parent) : QGraphicsView(parent), scene_(new QGraphicsScene(this)) {
  setScene(scene_);
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  setDragMode(ScrollHandDrag);
  setTransformationAnchor(AnchorUnderMouse);
  setResizeAnchor(AnchorViewCenter);
  setViewportUpdateMode(BoundingRectViewportUpdate);
  setBackgroundBrush(QColor(0xfa, 0xfa, 0xfa));
  setAcceptDrops(false);  // model files dropped here go to the main window
  connect(scene_, &QGraphicsScene::selectionChanged, this, &GraphView::onSelectionChanged);
}

GraphView::~GraphView() {
  // The scene (a child) outlives this part of the destructor and deselects its items while it is
  // torn down: no selection signal may reach this half-destroyed view.
  disconnect(scene_, nullptr, this, nullptr);
  for (NodeItem* n : nodes_)  // boxes still pending (drawing cut short): not the scene's to delete
    if (!n->scene()) delete n;
  for (GroupFrameItem* f : frames_)
    if (!f->scene()) delete f;
}

void GraphView::clear() {
  const QSignalBlocker block(scene_);
  const qsizetype drawn = nodes_.size() + edges_ + frames_.size();
  ++drawGeneration_;
  drawing_ = false;
  pendingEdges_.clear();
  pendingEdges_.shrink_to_fit();
  nextEdge_ = 0;
  // Boxes not yet in the scene are not the scene's to delete.
  for (NodeItem* n : nodes_)
    if (!n->scene()) delete n;
  nodes_.clear();
  nextNode_ = 0;
  for (GroupFrameItem* f : frames_)
    if (!f->scene()) delete f;
  frames_.clear();
  nextFrame_ = 0;
  groupSelection_.clear();
  scopes_.reset();
  if (drawn >= kSyncItemLimit) {
    // Deleting tens of thousands of items takes ~100 ms: a fresh scene now, the old one deleted
    // from the event loop (its own turn, not added to the work of showing the next layout).
    QGraphicsScene* old = scene_;
    disconnect(old, nullptr, this, nullptr);
    scene_ = new QGraphicsScene(this);
    setScene(scene_);
    connect(scene_, &QGraphicsScene::selectionChanged, this, &GraphView::onSelectionChanged);
    // Later than the next turns, which show the new layout: the deletion then stalls on its own.
    QTimer::singleShot(200, old, [old] { delete old; });
    emit sceneReplaced();
  } else {
    scene_->clear();
  }
  scene_->setItemIndexMethod(QGraphicsScene::BspTreeIndex);
  edges_ = 0;
  overview_ = OverviewPicture();
  ++overviewVersion_;
  scene_->setSceneRect(QRectF());
}

// ---- PreparedItems ----

namespace {

NodeItem* makeNodeItem(const render::NodeBox& b, const render::GraphLayout& layout) {
  return new NodeItem(b, b.kind == render::NodeBox::Kind::Group ? &layout.scopes->groups[static_cast<size_t>(b.group)] : nullptr);
}

GroupFrameItem* makeFrameItem(const render::GroupFrame& f, const render::GraphLayout& layout) {
  return new GroupFrameItem(f, layout.scopes->groups[static_cast<size_t>(f.group)]);
}

}  // namespace

PreparedItems::PreparedItems(const render::GraphLayout& layout) : layout_(&layout), overview_(layout) {
  nodes_.reserve(static_cast<qsizetype>(layout.nodes.size()));
  for (const render::NodeBox& b : layout.nodes) nodes_.append(makeNodeItem(b, layout));
  for (const render::GroupFrame& f : layout.frames) frames_.append(makeFrameItem(f, layout));
}

PreparedItems::~PreparedItems() {
  qDeleteAll(nodes_);
  qDeleteAll(frames_);
}

bool PreparedItems::worthIt(const render::GraphLayout& layout) {
  return layout.nodes.size() + layout.edges.size() + layout.frames.size() >= static_cast<size_t>(GraphView::kSyncItemLimit);
}

// ---- GraphView::showLayout ----

void GraphView::showLayout(const render::GraphLayout& layout, bool keepView, const PreparedItemsPtr& prepared) {
  const bool hadContent = !nodes_.isEmpty();
  const QTransform oldTransform = transform();
  const QPointF oldCenter = mapToScene(viewport()->rect().center());
  const bool wasDrawing = drawing_;
  clear();
  const bool batched = PreparedItems::worthIt(layout);
  scopes_ = layout.scopes;
  if (prepared && prepared->layout_ == &layout && !prepared->adopted_) {
    prepared->adopted_ = true;
    nodes_ = std::exchange(prepared->nodes_, {});
    frames_ = std::exchange(prepared->frames_, {});
    overview_ = std::exchange(prepared->overview_, {});
  } else {
    nodes_.reserve(static_cast<qsizetype>(layout.nodes.size()));
    for (const render::NodeBox& b : layout.nodes) nodes_.append(makeNodeItem(b, layout));
    for (const render::GroupFrame& f : layout.frames) frames_.append(makeFrameItem(f, layout));
    overview_ = OverviewPicture(layout);
  }
  if (!overlayFill_.isEmpty())
    for (NodeItem* n : nodes_) applyOverlay(n);
  if (!batched)
    for (GroupFrameItem* f : frames_) scene_->addItem(f);
  edges_ = static_cast<int>(layout.edges.size());
  ++overviewVersion_;
  if (!overlayFill_.isEmpty()) overview_.setOverlay(overlayFill_, kOverlayOther);
  if (batched) {
    // No BSP index for a big layout: it would be rebuilt as items pour in, and building it for
    // every item at once afterwards is itself a stall; a linear scan of the items per paint or
    // hit test stays cheap. clear() restores the index for the next layout.
    scene_->setItemIndexMethod(QGraphicsScene::NoIndex);
    pendingEdges_ = layout.edges;
    drawing_ = true;
  } else {
    for (const render::EdgePath& e : layout.edges) scene_->addItem(new EdgeItem(e));
    for (NodeItem* item : nodes_) scene_->addItem(item);
    nextNode_ = static_cast<int>(nodes_.size());
  }
  const double margin = 24;
  scene_->setSceneRect(QRectF(-margin, -margin, layout.width + 2 * margin, layout.height + 2 * margin));
  if (keepView && hadContent) {
    setTransform(oldTransform);
    centerOn(oldCenter);
  } else {
    openReadable();
  }
  emit nodeSelected(0);
  emit selectionChanged({});
  if (batched) {
    const quint64 generation = drawGeneration_;
    QTimer::singleShot(0, this, [this, generation] {
      if (generation == drawGeneration_) drawBatch();
    });
  } else if (wasDrawing || !layout.nodes.empty() || !layout.edges.empty()) {
    emit drawingFinished();
  }
}

bool GraphView::drawsOverview() const { return zoom() < kBlockLod && !overview_.empty(); }

void GraphView::paintEvent(QPaintEvent* event) {
  if (!drawsOverview()) {
    QGraphicsView::paintEvent(event);
    return;
  }
  // Zoomed far out: the layout as plain boxes and lines, without visiting thousands of items;
  // then the few boxes that carry a state (selection, search match, diff colour) outlined on top.
  QPainter painter(viewport());
  painter.fillRect(event->rect(), backgroundBrush());
  painter.setTransform(viewportTransform());
  const QRectF exposed = mapToScene(event->rect()).boundingRect();
  overview_.paint(painter, exposed);
  // A box with a state gets an outline at least 10 pixels across in its colour (selection first,
  // then diff colour, then search mark): the boxes themselves are a few pixels at this zoom.
  painter.setBrush(Qt::NoBrush);
  QPen framePen(QColor(0x80, 0x86, 0x90), 1.0, Qt::DashLine);  // the frames' items are not drawn here
  framePen.setCosmetic(true);
  painter.setPen(framePen);
  for (const GroupFrameItem* f : frames_)
    if (f->sceneBoundingRect().width() * zoom() >= 24 && f->sceneBoundingRect().intersects(exposed))
      painter.drawRoundedRect(f->sceneBoundingRect(), 5, 5);
  drawGroupNames(painter, exposed);
  const double minSide = 10.0 / std::max(zoom(), 1e-9);
  for (NodeItem* item : nodes_) {
    const QColor colour = item->isSelected() ? kSelectColor : item->highlight().isValid() ? item->highlight() : item->mark();
    if (!colour.isValid()) continue;
    const QRectF box = item->sceneBoundingRect();
    if (!box.intersects(exposed)) continue;
    QPen pen(colour, 2.0);
    pen.setCosmetic(true);
    painter.setPen(pen);
    const QSizeF size(std::max(box.width(), minSide), std::max(box.height(), minSide));
    painter.drawRect(QRectF(QPointF(), size).translated(box.center() - QPointF(size.width() / 2, size.height() / 2)));
  }
}

void GraphView::addNode(NodeItem* item) {
  if (!item->scene()) scene_->addItem(item);
}

void GraphView::drawBatch() {
  if (!drawing_) return;
  QElapsedTimer clock;
  clock.start();
  int n = 0;
  // Boxes first (they are what one navigates), then the edges.
  while (nextNode_ < nodes_.size()) {
    addNode(nodes_[nextNode_++]);
    if (++n >= kBatchItems || ((n & 63) == 0 && clock.nsecsElapsed() > kBatchNs)) break;
  }
  while (nextNode_ >= nodes_.size() && nextFrame_ < frames_.size()) {
    scene_->addItem(frames_[nextFrame_++]);
    if (++n >= kBatchItems || ((n & 63) == 0 && clock.nsecsElapsed() > kBatchNs)) break;
  }
  while (nextNode_ >= nodes_.size() && nextFrame_ >= frames_.size() && nextEdge_ < pendingEdges_.size()) {
    scene_->addItem(new EdgeItem(pendingEdges_[nextEdge_++]));
    if (++n >= kBatchItems || ((n & 63) == 0 && clock.nsecsElapsed() > kBatchNs)) break;
  }
  if (nextNode_ >= nodes_.size() && nextFrame_ >= frames_.size() && nextEdge_ >= pendingEdges_.size()) {
    finishDrawing();
    return;
  }
  const quint64 generation = drawGeneration_;
  QTimer::singleShot(0, this, [this, generation] {
    if (generation == drawGeneration_) drawBatch();
  });
}

void GraphView::finishDrawing() {
  drawing_ = false;
  pendingEdges_.clear();
  pendingEdges_.shrink_to_fit();
  emit drawingFinished();
}

int GraphView::opItemCount() const {
  return static_cast<int>(std::count_if(nodes_.begin(), nodes_.end(), [](NodeItem* n) { return n->isOp(); }));
}

int GraphView::edgeItemCount() const { return edges_; }

NodeItem* GraphView::itemForNode(NodeId id) const {
  for (NodeItem* n : nodes_)
    if (n->isOp() && n->box().id == id) return n;
  return nullptr;
}

void GraphView::selectNode(NodeId id) {
  NodeItem* item = id ? itemShowing(id) : nullptr;
  setSelection(item ? QSet<NodeId>{id} : QSet<NodeId>{});
  if (item) ensureVisible(item);
}

void GraphView::selectNodes(const QList<NodeId>& ids) { setSelection(QSet<NodeId>(ids.begin(), ids.end())); }

QList<NodeId> GraphView::selectedNodes() const {
  QList<NodeId> ids;  // nodes_ holds the boxes in graph order
  for (NodeItem* n : nodes_) {
    if (!n->isSelected()) continue;
    if (n->isOp()) {
      ids.append(n->box().id);
    } else if (n->isGroup()) {
      const auto kept = groupSelection_.find(n);
      for (NodeId id : membersOf(n))
        if (kept == groupSelection_.end() || kept->contains(id)) ids.append(id);
    }
  }
  return ids;
}

void GraphView::setSelection(const QSet<NodeId>& ids) {
  {
    const QSignalBlocker block(scene_);
    groupSelection_.clear();
    for (NodeItem* n : nodes_) {
      bool wanted = false;
      if (n->isOp()) {
        wanted = ids.contains(n->box().id);
      } else if (n->isGroup()) {
        QSet<NodeId> kept;
        const QList<NodeId> members = membersOf(n);
        for (NodeId id : members)
          if (ids.contains(id)) kept.insert(id);
        wanted = !kept.isEmpty();
        if (wanted && kept.size() < members.size()) groupSelection_.insert(n, kept);
      } else {
        continue;
      }
      if (wanted) addNode(n);  // still pending while drawing: it joins the scene now
      if (n->isSelected() != wanted) n->setSelected(wanted);
    }
  }
  onSelectionChanged();
}

// ---- mouse: selection, rubber band, context menu ----

NodeItem* GraphView::opItemAt(const QPoint& viewPos) const {
  for (QGraphicsItem* item : items(viewPos)) {
    if (item->acceptedMouseButtons() == Qt::NoButton) continue;  // e.g. a search-match ring
    if (item->type() == GroupFrameItem::Type) continue;         // a frame's name band under the box
    if (item->type() != NodeItem::Type) return nullptr;          // an edge on top
    auto* box = static_cast<NodeItem*>(item);
    return box->isOp() || box->isGroup() ? box : nullptr;
  }
  return nullptr;
}

void GraphView::mousePressEvent(QMouseEvent* event) {
  const QPoint pos = event->position().toPoint();
  if (event->button() == Qt::RightButton) {
    NodeItem* item = opItemAt(pos);
    const QList<NodeId> ids = item ? (item->isGroup() ? membersOf(item) : QList<NodeId>{item->box().id}) : QList<NodeId>{};
    if (item && !item->isSelected()) selectNodes(ids);
    emit contextMenuRequested(ids.isEmpty() ? 0 : ids.front(), event->globalPosition().toPoint());
    event->accept();
    return;
  }
  if (event->button() == Qt::LeftButton) {
    const bool extend = event->modifiers() & (Qt::ControlModifier | Qt::ShiftModifier);
    if (NodeItem* item = opItemAt(pos)) {
      const QList<NodeId> clicked = item->isGroup() ? membersOf(item) : QList<NodeId>{item->box().id};
      QSet<NodeId> ids(clicked.begin(), clicked.end());
      if (extend) {
        const QList<NodeId> now = selectedNodes();
        const bool wasSelected = item->isSelected();
        ids = QSet<NodeId>(now.begin(), now.end());
        for (NodeId id : clicked) {
          if (wasSelected) ids.remove(id);
          else ids.insert(id);
        }
      }
      setSelection(ids);
      boxPress_ = true;
      event->accept();
      return;
    }
    if (extend) {  // a rubber band that adds what it touches
      if (!rubberBand_) rubberBand_ = new QRubberBand(QRubberBand::Rectangle, viewport());
      bandOrigin_ = pos;
      rubberBand_->setGeometry(QRect(pos, QSize()));
      rubberBand_->show();
      banding_ = true;
      event->accept();
      return;
    }
  }
  QGraphicsView::mousePressEvent(event);  // the background: pans (a click clears the selection)
}

void GraphView::mouseMoveEvent(QMouseEvent* event) {
  if (banding_) {
    if (rubberBand_) rubberBand_->setGeometry(QRect(bandOrigin_, event->position().toPoint()).normalized());
    event->accept();
    return;
  }
  QGraphicsView::mouseMoveEvent(event);
}

void GraphView::mouseReleaseEvent(QMouseEvent* event) {
  if (banding_ && event->button() == Qt::LeftButton) {
    finishRubberBand(event->position().toPoint());
    event->accept();
    return;
  }
  if (boxPress_ && event->button() == Qt::LeftButton) {
    boxPress_ = false;  // the press selected; nothing more (the base would treat it as a pan)
    event->accept();
    return;
  }
  QGraphicsView::mouseReleaseEvent(event);
}

void GraphView::mouseDoubleClickEvent(QMouseEvent* event) {
  const bool extend = event->modifiers() & (Qt::ControlModifier | Qt::ShiftModifier);
  if (event->button() == Qt::LeftButton && !extend) {  // groups: expand a box, collapse a frame
    NodeItem* item = opItemAt(event->position().toPoint());
    if (item && item->isGroup()) {
      emit groupToggleRequested(QString::fromStdString(item->box().value), false);
      event->accept();
      return;
    }
    if (GroupFrameItem* frame = item ? nullptr : frameBandAt(event->position().toPoint())) {
      emit groupToggleRequested(frame->scope(), true);
      event->accept();
      return;
    }
  }
  // The second press of a quick double click: the same as a press (two Ctrl-clicks toggle twice).
  if (event->button() == Qt::LeftButton && (extend || opItemAt(event->position().toPoint()))) {
    mousePressEvent(event);
    return;
  }
  QGraphicsView::mouseDoubleClickEvent(event);
}

void GraphView::finishRubberBand(const QPoint& end) {
  banding_ = false;
  if (rubberBand_) rubberBand_->hide();
  const QRect band = QRect(bandOrigin_, end).normalized();
  if (band.width() < 2 && band.height() < 2) return;  // a modified click on the background
  const QRectF area = mapToScene(band).boundingRect();
  const QList<NodeId> now = selectedNodes();
  QSet<NodeId> ids(now.begin(), now.end());
  for (NodeItem* n : nodes_) {
    if (!n->isOp() && !n->isGroup()) continue;
    const render::NodeBox& b = n->box();
    if (!area.intersects(QRectF(b.x - b.width / 2, b.y - b.height / 2, b.width, b.height))) continue;
    if (n->isOp()) ids.insert(b.id);
    else
      for (NodeId id : membersOf(n)) ids.insert(id);
  }
  setSelection(ids);
}

void GraphView::contextMenuEvent(QContextMenuEvent* event) {
  event->accept();
  if (event->reason() == QContextMenuEvent::Mouse) return;  // answered at the right press
  emit contextMenuRequested(selectedNode(), event->globalPos());  // the menu key
}

// ---- overlay ----

void GraphView::applyOverlay(NodeItem* item) const {
  if (item->isGroup()) {  // the members' colour when they share one
    QColor fill;
    bool mixed = false;
    if (!overlayFill_.isEmpty())
      for (NodeId id : membersOf(item)) {
        const QColor c = overlayFill_.value(id, kOverlayOther);
        if (!fill.isValid()) fill = c;
        else if (c != fill) mixed = true;
      }
    item->setOverlay(mixed ? kOverlayOther : fill, mixed ? tr("overlay: its nodes differ (expand it to see them)") : QString());
    return;
  }
  if (!item->isOp()) return;
  const NodeId id = item->box().id;
  item->setOverlay(overlayFill_.isEmpty() ? QColor() : overlayFill_.value(id, kOverlayOther), overlayNotes_.value(id));
}

void GraphView::setOverlay(const QHash<NodeId, QColor>& fill, const QHash<NodeId, QString>& notes) {
  if (fill.isEmpty() && notes.isEmpty() && overlayFill_.isEmpty() && overlayNotes_.isEmpty()) return;  // none before or after
  overlayFill_ = fill;
  overlayNotes_ = notes;
  for (NodeItem* n : nodes_) applyOverlay(n);
  overview_.setOverlay(overlayFill_, kOverlayOther);
  ++overviewVersion_;
  viewport()->update();
}

bool GraphView::hasOverlay() const { return !overlayFill_.isEmpty(); }

QColor GraphView::overlayColor(NodeId id) const { return overlayFill_.value(id); }

void GraphView::setHighlights(const QHash<NodeId, QColor>& colors) {
  for (NodeItem* n : nodes_) n->setHighlight(n->isOp() ? colors.value(n->box().id) : QColor());
}

void GraphView::setDiffMarks(const QHash<NodeId, DiffMark>& marks) {
  for (NodeItem* n : nodes_) {
    const DiffMark m = n->isOp() ? marks.value(n->box().id) : DiffMark{};
    n->setHighlight(m.color, m.badge, m.dashed);
  }
}

void GraphView::setDimmed(bool dim, const QSet<NodeId>& keep) {
  for (NodeItem* n : nodes_)
    if (n->isOp()) n->setOpacity(dim && !keep.contains(n->box().id) ? kDimOpacity : 1.0);
}

int GraphView::dimmedCount() const {
  return static_cast<int>(
      std::count_if(nodes_.begin(), nodes_.end(), [](NodeItem* n) { return n->isOp() && n->opacity() < 1.0; }));
}

int GraphView::highlightCount(const QColor& color) const {
  return static_cast<int>(
      std::count_if(nodes_.begin(), nodes_.end(), [&](NodeItem* n) { return n->isOp() && n->highlight() == color; }));
}

void GraphView::setMarks(const QList<NodeId>& ids, const QColor& color) {
  for (NodeItem* n : nodes_) n->setMark(n->isOp() && ids.contains(n->box().id) ? color : QColor());
}

QList<NodeId> GraphView::markedNodes() const {
  QList<NodeId> ids;
  for (NodeItem* n : nodes_)
    if (n->isOp() && n->mark().isValid()) ids.append(n->box().id);
  return ids;
}

void GraphView::zoomIn() { scaleBy(1.25); }
void GraphView::zoomOut() { scaleBy(1 / 1.25); }

void GraphView::fitToWindow() {
  if (scene_->sceneRect().isEmpty()) return;
  resetTransform();
  fitInView(scene_->sceneRect(), Qt::KeepAspectRatio);
  // Never magnify a small graph beyond its natural size.
  if (zoom() > 1.0) {
    resetTransform();
    centerOn(scene_->sceneRect().center());
  }
  emit viewTransformed();
}

void GraphView::openReadable() {
  const QRectF rect = scene_->sceneRect();
  if (rect.isEmpty()) return;
  const QSizeF port = viewport()->size();
  const double fit = std::min(port.width() / rect.width(), port.height() / rect.height());
  if (fit >= kLabelLod) return fitToWindow();
  // The graph is taller than the window at this zoom: the vertical scroll bar will take its width.
  const QSize room = maximumViewportSize();
  const double width = room.width() - style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, this);
  const double z = std::clamp(width / rect.width(), kLabelLod, 1.0);
  resetTransform();
  scale(z, z);
  // Horizontally: the span of the graph inputs (the top boxes), or the layout when it has none.
  double left = rect.right(), right = rect.left();
  for (const NodeItem* n : nodes_) {
    if (n->box().kind != render::NodeBox::Kind::Input) continue;
    left = std::min(left, n->box().x - n->box().width / 2);
    right = std::max(right, n->box().x + n->box().width / 2);
  }
  if (left > right) {
    left = rect.left();
    right = rect.right();
  }
  const double halfW = width / z / 2;
  // The inputs' centre (their left end when they are wider than the window), unless the whole
  // width fits; then the top of the scene at the top edge.
  double cx = (right - left) / 2 <= halfW ? (left + right) / 2 : left + halfW;
  if (rect.width() / 2 <= halfW + 0.5) cx = rect.center().x();
  centerOn(QPointF(cx, rect.top() + port.height() / z / 2));
  verticalScrollBar()->setValue(verticalScrollBar()->minimum());
  emit viewTransformed();
}

void GraphView::wheelEvent(QWheelEvent* event) {
  const QPoint delta = event->angleDelta();
  if (delta.y() == 0) {
    QGraphicsView::wheelEvent(event);
    return;
  }
  scaleBy(std::pow(1.0015, delta.y()));
  event->accept();
}

void GraphView::scaleBy(double factor) {
  const double target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
  const double f = target / zoom();
  if (std::abs(f - 1) > 1e-9) scale(f, f);
  emit viewTransformed();
}

void GraphView::onSelectionChanged() {
  const QList<NodeId> ids = selectedNodes();
  emit nodeSelected(ids.isEmpty() ? 0 : ids.front());
  emit selectionChanged(ids);
}

// ---- navigation and search matches ----

std::vector<NodeId> GraphView::producersOf(NodeId id) const {
  std::vector<NodeId> out;
  const Node* node = graph_ && id ? graph_->findNode(id) : nullptr;
  if (!node) return out;
  for (const std::string& in : node->inputs) {
    if (in.empty()) continue;
    if (auto index = graph_->producerIndex(in)) {
      const NodeId p = graph_->nodes[*index].id;
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    }
  }
  return out;
}

std::vector<NodeId> GraphView::consumersOf(NodeId id) const {
  std::vector<NodeId> out;
  const Node* node = graph_ && id ? graph_->findNode(id) : nullptr;
  if (!node) return out;
  for (const Node& n : graph_->nodes)
    if (std::any_of(n.inputs.begin(), n.inputs.end(), [&](const std::string& in) {
          return !in.empty() && std::find(node->outputs.begin(), node->outputs.end(), in) != node->outputs.end();
        }))
      out.push_back(n.id);
  return out;
}

NodeId GraphView::selectedNode() const {
  const QList<NodeId> ids = selectedNodes();
  return ids.isEmpty() ? 0 : ids.front();
}

bool GraphView::selectProducer() {
  const std::vector<NodeId> ids = producersOf(selectedNode());
  if (ids.empty() || !itemForNode(ids.front())) return false;
  focusNode(ids.front());
  return true;
}

bool GraphView::selectConsumer() {
  const std::vector<NodeId> ids = consumersOf(selectedNode());
  if (ids.empty() || !itemForNode(ids.front())) return false;
  focusNode(ids.front());
  return true;
}

void GraphView::focusNode(NodeId id) {
  selectNode(id);
  if (NodeItem* item = id ? itemShowing(id) : nullptr) centerOn(item);
}

namespace {
constexpr int kSearchMatchKey = 0x5eac;  // QGraphicsItem::data key of the match outline child
}

void GraphView::setSearchMatches(const QList<NodeId>& ids) {
  const QSet<NodeId> wanted(ids.begin(), ids.end());
  for (NodeItem* n : nodes_) {
    QGraphicsItem* outline = nullptr;
    for (QGraphicsItem* child : n->childItems())
      if (child->data(kSearchMatchKey).toBool()) outline = child;
    const QList<NodeId> members = n->isGroup() ? membersOf(n) : QList<NodeId>{};
    const bool match = (n->isOp() && wanted.contains(n->box().id)) ||
                       std::any_of(members.begin(), members.end(), [&](NodeId id) { return wanted.contains(id); });
    if (match && !outline) {
      // A child drawn behind its box: only the ring around the box shows. Deleted with the box.
      const QRectF r(-n->box().width / 2 - 8, -n->box().height / 2 - 8, n->box().width + 16, n->box().height + 16);
      QPainterPath path;
      path.addRoundedRect(r, 9, 9);
      auto* ring = new QGraphicsPathItem(path, n);
      QPen pen(kSearchColor, 3.0, Qt::SolidLine);
      pen.setCosmetic(true);
      ring->setPen(pen);
      QColor glow = kSearchColor;
      glow.setAlpha(90);
      ring->setBrush(glow);
      ring->setFlag(QGraphicsItem::ItemStacksBehindParent);
      ring->setAcceptedMouseButtons(Qt::NoButton);
      ring->setData(kSearchMatchKey, true);
    } else if (!match && outline) {
      delete outline;
    }
  }
}

int GraphView::searchMatchCount() const {
  int count = 0;
  for (NodeItem* n : nodes_)
    for (QGraphicsItem* child : n->childItems())
      if (child->data(kSearchMatchKey).toBool()) ++count;
  return count;
}

}  // namespace nest::gui
