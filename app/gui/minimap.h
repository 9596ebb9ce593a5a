// An overview of the whole graph in the bottom-right corner of a GraphView: the view's
// OverviewPicture drawn small (not its items: that would cost a full scene paint each time the
// main view moves), with the part the view shows outlined. Clicking or dragging in it pans the view. It shows
// only while the view does not show the whole graph. A tall graph is drawn in columns
// (MinimapColumns: the top band on the left, the next band to its right, ...).
#pragma once
#include <QGraphicsView>
#include <QPixmap>

#include "app/gui/minimap_columns.h"

namespace nest::gui {

class GraphView;

class Minimap : public QGraphicsView {
  Q_OBJECT
 public:
  // Becomes a child of `view` (over its viewport, not scrolled with it) and follows its size.
  explicit Minimap(GraphView* view);
  // The part of the scene the main view shows, in scene coordinates.
  QRectF visibleSceneRect() const;
  // Pans the main view so that it is centred on the scene point under minimap position `pos`
  // (viewport coordinates).
  void panTo(const QPoint& pos);
  // The column layout and where a scene point is drawn (viewport coordinates).
  const MinimapColumns& columns() const { return columns_; }
  QPointF positionOf(const QPointF& scenePoint) const { return columns_.toPicture(scenePoint) + offset_; }
  QPointF scenePointAt(const QPointF& pos) const { return columns_.toScene(pos - offset_); }
  // Whether it should show: a graph is shown and does not fit in the view.
  bool wanted() const;

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;
  void drawBackground(QPainter* painter, const QRectF& rect) override;
  void drawForeground(QPainter* painter, const QRectF& rect) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  void relayout();  // size and place it for the scene's aspect ratio, fit the scene
  void paintPicture(QPainter& painter) const;  // the overview in its columns, viewport pixels

  GraphView* view_;
  bool dragging_ = false;
  // The picture (every column of the overview) as last drawn: the main view repaints after each
  // batch of a big drawing and on every scroll, and the outline is all that changes then.
  QPixmap picture_;
  quint64 pictureVersion_ = 0;  // GraphView::overviewVersion() it shows
  bool pictureStale_ = true;    // relaid out since
  MinimapColumns columns_;
  QPointF offset_;  // of the picture in the viewport (centred)
};

}  // namespace nest::gui
