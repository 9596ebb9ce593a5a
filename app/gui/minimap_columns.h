// How the Minimap lays a tall graph out: the scene cut into k horizontal bands of equal height
// (top to bottom), placed side by side as columns (left to right), so that a deep graph fills a
// roughly square overview instead of a 1-pixel line. Pure geometry, no widget.
#pragma once
#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <vector>

namespace nest::gui {

class MinimapColumns {
 public:
  MinimapColumns() = default;
  // The layout for `scene` inside at most `room` pixels: the column count (at most kMaxColumns)
  // giving the largest scale, columns `kGap` pixels apart.
  MinimapColumns(const QRectF& scene, const QSizeF& room);
  static constexpr int kMaxColumns = 32;
  static constexpr double kGap = 4;

  int columns() const { return columns_; }
  double scale() const { return scale_; }            // pixels per scene unit
  double bandHeight() const { return bandHeight_; }  // scene units per column
  QSizeF size() const;                               // of the whole picture, in pixels
  // Column `c`'s area in pixels, and the scene band it shows.
  QRectF columnRect(int c) const;
  QRectF band(int c) const;
  // Scene point -> picture point (in the column of its band) and back (clamped into the scene).
  QPointF toPicture(const QPointF& scenePoint) const;
  QPointF toScene(const QPointF& picturePoint) const;
  // A scene rectangle as drawn: one piece per column it spans.
  std::vector<QRectF> pieces(const QRectF& sceneRect) const;

 private:
  QRectF scene_;
  int columns_ = 1;
  double scale_ = 1, bandHeight_ = 0;
};

}  // namespace nest::gui
