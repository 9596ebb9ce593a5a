#include "app/gui/group_frame_item.h"

#include <QFontMetricsF>
#include <QLocale>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

#include "app/gui/graph_view.h"

namespace nest::gui {

namespace {

// Tints by depth, alternating so nested frames stay apart.
const QColor kTints[] = {QColor(0x3b, 0x6e, 0xa8, 18), QColor(0xa8, 0x6e, 0x3b, 18), QColor(0x4a, 0x90, 0x5c, 18)};
const QColor kOutline(0x80, 0x86, 0x90);

}  // namespace

QString groupToolTip(const ScopeGroup& group) {
  QString tip = QStringLiteral("%1\n%2 nodes: %3").arg(QString::fromStdString(group.scope)).arg(group.nodes.size())
                    .arg(QString::fromStdString(group.opSummary(group.opCounts.size())));
  if (group.macs > 0) tip += QStringLiteral("\n%1 MACs").arg(QLocale::c().toString(static_cast<qlonglong>(group.macs)));
  if (!group.convex) tip += QStringLiteral("\ncannot collapse: nodes outside it lie between its nodes");
  return tip;
}

GroupFrameItem::GroupFrameItem(const render::GroupFrame& frame, const ScopeGroup& group)
    : frame_(frame), scope_(QString::fromStdString(group.scope)), name_(QString::fromStdString(group.name)) {
  setPos(frame.x, frame.y);
  setZValue(-1);  // behind edges and boxes (inner frames come later, so they are drawn over outer ones)
  setToolTip(groupToolTip(group) + (group.convex ? QStringLiteral("\ndouble-click the name to collapse") : QString()));
}

QRectF GroupFrameItem::boundingRect() const { return QRectF(0, 0, frame_.width, frame_.height).adjusted(-1, -1, 1, 1); }

QRectF GroupFrameItem::band() const { return QRectF(0, 0, frame_.width, kBandHeight); }

QPainterPath GroupFrameItem::shape() const {
  QPainterPath p;
  p.addRect(band());
  return p;
}

void GroupFrameItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
  const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
  const QRectF r(0, 0, frame_.width, frame_.height);
  QPen pen(kOutline, 1.0, Qt::DashLine);
  pen.setCosmetic(true);
  painter->setPen(pen);
  painter->setBrush(kTints[frame_.depth % 3]);
  painter->drawRoundedRect(r, 5, 5);
  if (lod < GraphView::kLabelZoom) return;  // the view draws the names at a readable size
  QFont font = painter->font();
  font.setPixelSize(11);
  font.setBold(true);
  painter->setFont(font);
  painter->setPen(QColor(0x44, 0x48, 0x50));
  const QRectF text = band().adjusted(5, 1, -5, 0);
  painter->drawText(text, Qt::AlignLeft | Qt::AlignVCenter, QFontMetricsF(font).elidedText(name_, Qt::ElideRight, text.width()));
}

}  // namespace nest::gui
