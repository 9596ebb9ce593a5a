#include "app/gui/view_export.h"

#include <QBuffer>
#include <QFileInfo>
#include <QDir>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <cmath>

#include "core/atomic_file.h"
#include "core/error.h"

namespace nest::gui {

QString exportLayoutSvg(const render::GraphLayout& layout, const QString& title, const QString& path) {
  if (layout.nodes.empty()) return QObject::tr("nothing to export: no graph is shown");
  const std::string svg = render::layoutToSvg(layout, title.toStdString());
  return writeFileSafely(path, svg);
}

QString writeFileSafely(const QString& path, std::string_view bytes) {
  try {
    writeFileAtomically(path.toStdString(), bytes);
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return QString();
}

QString writePng(const QImage& image, const QString& path) {
  QByteArray png;
  QBuffer buffer(&png);
  buffer.open(QIODevice::WriteOnly);
  if (!image.save(&buffer, "PNG"))
    return QObject::tr("cannot encode the %1×%2 image as PNG for %3").arg(image.width()).arg(image.height()).arg(path);
  return writeFileSafely(path, std::string_view(png.constData(), static_cast<size_t>(png.size())));
}

namespace {

// Rounded up, ignoring floating-point dust (4000.0000001 px is 4000).
QSize imageSize(const QRectF& source, double scale) {
  return {std::max(1, static_cast<int>(std::ceil(source.width() * scale - 1e-6))),
          std::max(1, static_cast<int>(std::ceil(source.height() * scale - 1e-6)))};
}

int ceilDiv(qint64 a, qint64 b) { return static_cast<int>((a + b - 1) / b); }

bool fits(const QSize& s, int maxSide, qint64 maxPixels) {
  return s.width() <= maxSide && s.height() <= maxSide && qint64(s.width()) * s.height() <= maxPixels;
}

}  // namespace

QRect PngTiles::tileRect(int row, int col) const {
  const int x = col * tile.width(), y = row * tile.height();
  return {x, y, std::min(tile.width(), full.width() - x), std::min(tile.height(), full.height() - y)};
}

QString PngTiles::tilePath(const QString& path, int row, int col) {
  const QFileInfo info(path);
  const QString base = info.suffix().compare("png", Qt::CaseInsensitive) == 0 ? info.completeBaseName() : info.fileName();
  return info.dir().filePath(QStringLiteral("%1-r%2-c%3.png").arg(base).arg(row + 1).arg(col + 1));
}

PngTiles planPng(const QRectF& source, double scale, int maxSide, qint64 maxPixels) {
  PngTiles plan;
  plan.full = imageSize(source, scale);
  plan.cols = ceilDiv(plan.full.width(), maxSide);
  plan.rows = ceilDiv(plan.full.height(), maxSide);
  // More rows (then columns) until a tile also keeps under the pixel limit.
  auto tileOf = [&] { return QSize(ceilDiv(plan.full.width(), plan.cols), ceilDiv(plan.full.height(), plan.rows)); };
  while (!fits(tileOf(), maxSide, maxPixels)) {
    if (plan.rows < plan.full.height())
      ++plan.rows;
    else
      ++plan.cols;
  }
  plan.tile = tileOf();
  return plan;
}

namespace {

// Renders the scene part `pixels` (of the whole image at `scale` from `source`) into `path`.
QString renderPng(QGraphicsScene* scene, const QRectF& source, double scale, const QRect& pixels, const QString& path) {
  QImage image(pixels.size(), QImage::Format_ARGB32_Premultiplied);
  if (image.isNull()) return QObject::tr("cannot allocate a %1×%2 image").arg(pixels.width()).arg(pixels.height());
  image.fill(QColor(0xfa, 0xfa, 0xfa));
  {
    QPainter painter(&image);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    const QRectF part(source.left() + pixels.x() / scale, source.top() + pixels.y() / scale, pixels.width() / scale,
                      pixels.height() / scale);
    scene->render(&painter, QRectF(QPointF(0, 0), QSizeF(pixels.size())), part, Qt::IgnoreAspectRatio);
  }
  return writePng(image, path);
}

}  // namespace

QString exportScenePng(QGraphicsScene* scene, const QString& path, double scale, PngOversize oversize,
                       QStringList* written, int maxSide, qint64 maxPixels) {
  const QRectF source = scene ? scene->sceneRect() : QRectF();
  if (source.isEmpty() || scene->items().isEmpty()) return QObject::tr("nothing to export: no graph is shown");
  PngTiles plan = planPng(source, scale, maxSide, maxPixels);
  if (plan.oversize() && oversize == PngOversize::Refuse)
    return QObject::tr("the image would be %1×%2 px, over the limit of %3 px a side and %4 Mpixel: export it as "
                       "%5 tiles or as SVG")
        .arg(plan.full.width())
        .arg(plan.full.height())
        .arg(maxSide)
        .arg(maxPixels / (1024 * 1024))
        .arg(plan.rows * plan.cols);
  if (plan.oversize() && oversize == PngOversize::Shrink) {
    // The largest scale whose image fits both limits (ceil can add a pixel: step down until it does).
    scale = std::min({scale, maxSide / source.width(), maxSide / source.height(),
                      std::sqrt(double(maxPixels) / (source.width() * source.height()))});
    while (!fits(imageSize(source, scale), maxSide, maxPixels)) scale *= 0.999;
    plan = planPng(source, scale, maxSide, maxPixels);
  }
  // Without the selection outline: clear it for the render, restore it after.
  const QList<QGraphicsItem*> selected = scene->selectedItems();
  const QSignalBlocker block(scene);
  for (QGraphicsItem* item : selected) item->setSelected(false);
  QString error;
  for (int r = 0; r < plan.rows && error.isEmpty(); ++r)
    for (int c = 0; c < plan.cols && error.isEmpty(); ++c) {
      const QString file = plan.oversize() ? PngTiles::tilePath(path, r, c) : path;
      error = renderPng(scene, source, scale, plan.tileRect(r, c), file);
      if (error.isEmpty() && written) written->append(file);
    }
  for (QGraphicsItem* item : selected) item->setSelected(true);
  return error;
}

}  // namespace nest::gui
