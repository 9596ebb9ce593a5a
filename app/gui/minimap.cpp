#include "app/gui/minimap.h"

#include <QGraphicsScene>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QTimer>

#include <algorithm>
#include <cmath>

#include "app/gui/graph_view.h"

namespace nest::gui {

namespace {
constexpr int kMaxSide = 180, kMinSide = 48, kMargin = 10;
}

Minimap::Minimap(GraphView* view) : QGraphicsView(view), view_(view) {
  setObjectName(QStringLiteral("minimap"));
  setScene(new QGraphicsScene(this));  // empty: its scene rect follows the view's scene
  setInteractive(false);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setRenderHints(QPainter::Antialiasing);
  setBackgroundBrush(QColor(0xff, 0xff, 0xff, 235));
  setFrameShape(QFrame::Box);
  setStyleSheet(QStringLiteral("QGraphicsView#minimap { border: 1px solid #9aa0a8; }"));
  setCursor(Qt::PointingHandCursor);
  setToolTip(tr("Overview: click or drag to pan"));
  setViewportUpdateMode(FullViewportUpdate);
  view->installEventFilter(this);
  view->viewport()->installEventFilter(this);
  auto follow = [this, view] {
    connect(view->scene(), &QGraphicsScene::sceneRectChanged, this, [this] { relayout(); });
    relayout();
  };
  connect(view, &GraphView::sceneReplaced, this, follow);
  follow();
}

bool Minimap::wanted() const {
  const QRectF scene = view_->scene()->sceneRect();
  return !scene.isEmpty() && !visibleSceneRect().contains(scene.adjusted(1, 1, -1, -1));
}

QRectF Minimap::visibleSceneRect() const { return view_->mapToScene(view_->viewport()->rect()).boundingRect(); }

void Minimap::relayout() {
  const QRectF scene = view_->scene()->sceneRect();
  if (scene.isEmpty() || !wanted()) {
    if (scene.isEmpty()) setSceneRect(QRectF());  // follow the scene's again
    hide();
    return;
  }
  const QSize area = view_->viewport()->size();
  const int maxSide = std::max(kMinSide, std::min(kMaxSide, std::min(area.width(), area.height()) / 3));
  const int frame = 2 * frameWidth();
  columns_ = MinimapColumns(scene, QSizeF(maxSide - frame, maxSide - frame));
  const QSizeF picture = columns_.size();
  const int w = std::max(kMinSide, static_cast<int>(std::ceil(picture.width())) + frame);
  const int h = std::max(kMinSide, static_cast<int>(std::ceil(picture.height())) + frame);
  const QRect vp = view_->viewport()->geometry();  // in view_ coordinates, excludes scroll bars
  setGeometry(vp.right() - w - kMargin, vp.bottom() - h - kMargin, w, h);
  setSceneRect(scene);  // only to notice a new graph (eventFilter); drawing uses columns_
  offset_ = QPointF((w - frame - picture.width()) / 2, (h - frame - picture.height()) / 2);
  pictureStale_ = true;
  show();
  raise();
  viewport()->update();
}

bool Minimap::eventFilter(QObject* watched, QEvent* event) {
  if (watched == view_ && (event->type() == QEvent::Resize || event->type() == QEvent::Show))
    // After the view's own handler: event filters run first, when the viewport still has its old
    // geometry (a dock shown below the view left the minimap hanging off its bottom edge).
    QTimer::singleShot(0, this, [this] { relayout(); });
  // Only paint events reach view_->viewport(): while the view is destroyed, its children's removal
  // still comes through this filter, when view_ is no longer a GraphView (UBSan: a member call on a
  // plain QWidget).
  else if (event->type() == QEvent::Paint && watched == view_->viewport()) {
    // The main view scrolled or zoomed: move the outline; a new graph: fit it (after this paint).
    if (view_->scene()->sceneRect() != sceneRect() || isHidden() == wanted())
      QTimer::singleShot(0, this, [this] { relayout(); });
    else
      viewport()->update();
  }
  return QGraphicsView::eventFilter(watched, event);
}

void Minimap::drawBackground(QPainter* painter, const QRectF& rect) {
  QGraphicsView::drawBackground(painter, rect);
  const double ratio = viewport()->devicePixelRatioF();
  const QSize size = viewport()->size() * ratio;
  if (pictureStale_ || pictureVersion_ != view_->overviewVersion() || picture_.size() != size) {
    picture_ = QPixmap(size);
    picture_.setDevicePixelRatio(ratio);
    picture_.fill(Qt::transparent);
    QPainter p(&picture_);
    p.setRenderHints(renderHints());
    paintPicture(p);
    pictureVersion_ = view_->overviewVersion();
    pictureStale_ = false;
  }
  painter->save();
  painter->resetTransform();  // viewport pixels
  painter->drawPixmap(0, 0, picture_);
  painter->restore();
}

void Minimap::paintPicture(QPainter& painter) const {
  QPainter* p = &painter;  // viewport pixels
  for (int c = 0; c < columns_.columns(); ++c) {
    const QRectF column = columns_.columnRect(c).translated(offset_);
    if (c > 0) {
      p->setPen(QPen(QColor(0xc4, 0xc8, 0xce), 1));
      const double x = column.left() - MinimapColumns::kGap / 2;
      p->drawLine(QPointF(x, column.top()), QPointF(x, column.bottom()));
    }
    p->save();
    p->setClipRect(column);
    p->translate(column.topLeft());
    p->scale(columns_.scale(), columns_.scale());
    const QRectF band = columns_.band(c);
    p->translate(-band.topLeft());
    view_->overview().paint(painter, band);
    p->restore();
  }
}

void Minimap::drawForeground(QPainter* painter, const QRectF&) {
  painter->save();
  painter->resetTransform();
  painter->setPen(QPen(QColor(0xd9, 0x3a, 0x1e), 1.5));
  painter->setBrush(QColor(0xd9, 0x3a, 0x1e, 30));
  for (const QRectF& piece : columns_.pieces(visibleSceneRect())) painter->drawRect(piece.translated(offset_));
  painter->restore();
}

void Minimap::panTo(const QPoint& pos) {
  view_->centerOn(scenePointAt(pos));
  viewport()->update();
}

void Minimap::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  dragging_ = true;
  panTo(event->position().toPoint());
  event->accept();
}

void Minimap::mouseMoveEvent(QMouseEvent* event) {
  if (dragging_) panTo(event->position().toPoint());
  event->accept();
}

void Minimap::mouseReleaseEvent(QMouseEvent* event) {
  dragging_ = false;
  event->accept();
}

void Minimap::wheelEvent(QWheelEvent* event) { event->accept(); }  // no scrolling of the overview

}  // namespace nest::gui
