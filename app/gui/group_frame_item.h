// The frame of an expanded name-scope group (render::GroupFrame): a dashed rounded outline around
// its boxes, faintly tinted by depth, its name in a band along the top edge. Only the band takes
// the mouse (double click: collapse the group; the tooltip: its op summary), so clicks inside the
// frame still reach the boxes and the background.
#pragma once
#include <QGraphicsItem>
#include <QString>

#include "app/render/graph_layout.h"

namespace nest::gui {

class GroupFrameItem : public QGraphicsItem {
 public:
  enum { Type = UserType + 3 };
  GroupFrameItem(const render::GroupFrame& frame, const ScopeGroup& group);
  int type() const override { return Type; }
  QRectF boundingRect() const override;
  QPainterPath shape() const override;  // the name band
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

  const render::GroupFrame& frame() const { return frame_; }
  const QString& scope() const { return scope_; }
  const QString& name() const { return name_; }
  QRectF band() const;  // the name band, in item coordinates
  static constexpr double kBandHeight = 14;

 private:
  render::GroupFrame frame_;
  QString scope_, name_;
};

// A group's tooltip: its scope, node count, every op and the MACs.
QString groupToolTip(const ScopeGroup& group);

}  // namespace nest::gui
