// Writing the displayed graph to a file: SVG (nest::render::layoutToSvg of the layout, vector, the
// same as `nestc render`) or PNG (the Qt drawing of the whole scene at 2x). A PNG over the size
// limit is refused, shrunk, or written as tiles (PngTiles).
#pragma once
#include <QRect>
#include <QRectF>
#include <QString>
#include <QStringList>

#include <string_view>

#include "app/render/graph_layout.h"

class QGraphicsScene;
class QImage;

namespace nest::gui {

// Both return an empty string on success, else the error text.
QString exportLayoutSvg(const render::GraphLayout& layout, const QString& title, const QString& path);
// Any file, and an image as PNG, written the safe way (core/atomic_file.h: a failed write leaves
// the old file whole).
QString writeFileSafely(const QString& path, std::string_view bytes);
QString writePng(const QImage& image, const QString& path);

// The most a PNG (or one tile) may measure: 16384 px on a side, 256 Mpixel.
inline constexpr int kPngMaxSide = 16384;
inline constexpr qint64 kPngMaxPixels = 256LL * 1024 * 1024;

// `source` (scene units) at `scale` px per unit, cut into rows x cols tiles of at most the limits:
// tiles of equal size (the last row / column takes the remainder), row-major.
struct PngTiles {
  QSize full;        // the whole image
  int rows = 1, cols = 1;
  QSize tile;        // of every tile but the last row / column
  bool oversize() const { return rows * cols > 1; }
  QRect tileRect(int row, int col) const;  // in pixels of the whole image
  // OUT.png -> OUT-r{row}-c{col}.png (1-based).
  static QString tilePath(const QString& path, int row, int col);
};
PngTiles planPng(const QRectF& source, double scale, int maxSide = kPngMaxSide, qint64 maxPixels = kPngMaxPixels);

// What exportScenePng does with an image over the limits.
enum class PngOversize {
  Refuse,  // error text naming the size and the limit
  Shrink,  // one image, scale reduced until it fits
  Tile,    // PngTiles::tilePath files
};
// `scale` pixels per scene point. `written` (optional) receives the files written.
QString exportScenePng(QGraphicsScene* scene, const QString& path, double scale = 2.0,
                       PngOversize oversize = PngOversize::Shrink, QStringList* written = nullptr,
                       int maxSide = kPngMaxSide, qint64 maxPixels = kPngMaxPixels);

}  // namespace nest::gui
