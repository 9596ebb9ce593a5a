// Draws a render::GraphLayout: rounded boxes coloured by op category, cubic edges with
// "value: type" tooltips. Wheel zooms, dragging the background pans, clicking a node selects it.
#pragma once
#include <QGraphicsItem>
#include <QGraphicsView>

#include "app/render/graph_layout.h"

namespace nest::gui {

// One box of the layout (an op node, a graph input or a graph output).
class NodeItem : public QGraphicsItem {
 public:
  enum { Type = UserType + 1 };
  explicit NodeItem(const render::NodeBox& box);
  int type() const override { return Type; }
  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;
  const render::NodeBox& box() const { return box_; }
  bool isOp() const { return box_.kind == render::NodeBox::Kind::Op; }

 private:
  render::NodeBox box_;
  QColor fill_;
};

// One edge: a cubic B-spline path ending in an arrow head.
class EdgeItem : public QGraphicsPathItem {
 public:
  enum { Type = UserType + 2 };
  explicit EdgeItem(const render::EdgePath& edge);
  int type() const override { return Type; }
  QPainterPath shape() const override;
  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 private:
  QPolygonF arrow_;
};

class GraphView : public QGraphicsView {
  Q_OBJECT
 public:
  explicit GraphView(QWidget* parent = nullptr);

  // Replaces the drawing (an empty layout clears it). Keeps the zoom when `keepView` is set and
  // the view was already showing something, else fits the graph to the window.
  void showLayout(const render::GraphLayout& layout, bool keepView = false);
  void clear();
  int opItemCount() const;  // NodeItems of op nodes
  int edgeItemCount() const;
  NodeItem* itemForNode(NodeId id) const;
  void selectNode(NodeId id);  // 0 clears the selection
  double zoom() const { return transform().m11(); }

 public slots:
  void zoomIn();
  void zoomOut();
  void fitToWindow();

 signals:
  void nodeSelected(nest::NodeId id);  // 0 when the selection was cleared

 protected:
  void wheelEvent(QWheelEvent* event) override;

 private:
  void scaleBy(double factor);
  void onSelectionChanged();

  QGraphicsScene* scene_;
  QList<NodeItem*> nodes_;
  int edges_ = 0;
};

}  // namespace nest::gui
