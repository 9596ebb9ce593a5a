#include "app/gui/view_export.h"

#include <QFile>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace nest::gui {

QString exportLayoutSvg(const render::GraphLayout& layout, const QString& title, const QString& path) {
  if (layout.nodes.empty()) return QObject::tr("nothing to export: no graph is shown");
  const std::string svg = render::layoutToSvg(layout, title.toStdString());
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
    return QObject::tr("cannot write %1: %2").arg(path, file.errorString());
  if (file.write(svg.data(), static_cast<qint64>(svg.size())) != static_cast<qint64>(svg.size()) || !file.flush())
    return QObject::tr("cannot write %1: %2").arg(path, file.errorString());
  return QString();
}

QString exportScenePng(QGraphicsScene* scene, const QString& path, double scale) {
  const QRectF source = scene ? scene->sceneRect() : QRectF();
  if (source.isEmpty() || scene->items().isEmpty()) return QObject::tr("nothing to export: no graph is shown");
  constexpr double kMaxSide = 16384;
  scale = std::min(scale, kMaxSide / std::max(source.width(), source.height()));
  const QSize size(std::max(1, static_cast<int>(std::ceil(source.width() * scale))),
                   std::max(1, static_cast<int>(std::ceil(source.height() * scale))));
  QImage image(size, QImage::Format_ARGB32_Premultiplied);
  if (image.isNull()) return QObject::tr("cannot allocate a %1×%2 image").arg(size.width()).arg(size.height());
  image.fill(QColor(0xfa, 0xfa, 0xfa));
  {
    QPainter painter(&image);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    // Without the selection outline: clear it for the render, restore it after.
    const QList<QGraphicsItem*> selected = scene->selectedItems();
    const QSignalBlocker block(scene);
    for (QGraphicsItem* item : selected) item->setSelected(false);
    scene->render(&painter, QRectF(QPointF(0, 0), QSizeF(size)), source, Qt::KeepAspectRatio);
    for (QGraphicsItem* item : selected) item->setSelected(true);
  }
  if (!image.save(path, "PNG")) return QObject::tr("cannot write %1").arg(path);
  return QString();
}

}  // namespace nest::gui
