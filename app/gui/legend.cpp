#include "app/gui/legend.h"

#include <QPainter>
#include <QPixmap>

#include <map>

#include "core/dot_export.h"

namespace nest::gui {

namespace {

QIcon swatch(const QColor& color) {
  QPixmap pixmap(16, 16);
  pixmap.fill(Qt::transparent);
  QPainter p(&pixmap);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(QColor(0x40, 0x44, 0x4c));
  p.setBrush(color);
  p.drawRoundedRect(QRectF(1.5, 1.5, 13, 13), 3, 3);
  return QIcon(pixmap);
}

}  // namespace

Legend::Legend(QWidget* parent) : QListWidget(parent) {
  setSelectionMode(NoSelection);
  setFocusPolicy(Qt::NoFocus);
  setToolTip(tr("Op categories in the displayed graph (node count)"));
}

void Legend::showLayout(const render::GraphLayout& layout) {
  clear();
  std::map<std::string, int> counts;
  for (const render::NodeBox& box : layout.nodes)
    if (box.kind == render::NodeBox::Kind::Op) ++counts[box.category];
  for (const auto& [category, n] : counts) {
    const QString name = category.empty() ? tr("(other)") : QString::fromStdString(category);
    auto* item = new QListWidgetItem(swatch(QColor(QString::fromStdString(categoryColor(category)))),
                                     QStringLiteral("%1  (%2)").arg(name).arg(n), this);
    item->setData(Qt::UserRole, QString::fromStdString(category));
  }
}

void Legend::showOverlay(const Overlay& overlay) {
  clear();
  auto* title = new QListWidgetItem(overlay.title + (overlay.numeric ? tr("  (scale)") : QString()), this);
  QFont bold = font();
  bold.setBold(true);
  title->setFont(bold);
  for (const OverlayKey& key : overlay.keys) {
    const QString text = overlay.numeric ? key.label : QStringLiteral("%1  (%2)").arg(key.label).arg(key.count);
    auto* item = new QListWidgetItem(swatch(key.color), text, this);
    item->setData(Qt::UserRole, key.label);
  }
}

QStringList Legend::categories() const {
  QStringList out;
  for (int i = 0; i < count(); ++i) out << item(i)->data(Qt::UserRole).toString();
  return out;
}

}  // namespace nest::gui
