#include "app/gui/minimap_columns.h"

#include <algorithm>
#include <cmath>

namespace nest::gui {

MinimapColumns::MinimapColumns(const QRectF& scene, const QSizeF& room) : scene_(scene) {
  bandHeight_ = scene.height();
  if (scene.isEmpty() || room.isEmpty()) return;
  double best = 0;
  for (int k = 1; k <= kMaxColumns; ++k) {
    const double width = room.width() - (k - 1) * kGap;
    if (width <= 0) break;
    const double s = std::min(width / (k * scene.width()), room.height() * k / scene.height());
    if (s > best * 1.0001) {  // ties: fewer columns
      best = s;
      columns_ = k;
    }
  }
  scale_ = best;
  bandHeight_ = scene.height() / columns_;
}

QSizeF MinimapColumns::size() const {
  return {columns_ * scene_.width() * scale_ + (columns_ - 1) * kGap, bandHeight_ * scale_};
}

QRectF MinimapColumns::columnRect(int c) const {
  return {c * (scene_.width() * scale_ + kGap), 0, scene_.width() * scale_, bandHeight_ * scale_};
}

QRectF MinimapColumns::band(int c) const {
  return {scene_.left(), scene_.top() + c * bandHeight_, scene_.width(), bandHeight_};
}

QPointF MinimapColumns::toPicture(const QPointF& p) const {
  const int c = std::clamp(static_cast<int>(std::floor((p.y() - scene_.top()) / bandHeight_)), 0, columns_ - 1);
  const QRectF column = columnRect(c);
  return {column.left() + (p.x() - scene_.left()) * scale_, (p.y() - band(c).top()) * scale_};
}

QPointF MinimapColumns::toScene(const QPointF& q) const {
  const double pitch = scene_.width() * scale_ + kGap;
  const int c = std::clamp(static_cast<int>(std::floor(q.x() / pitch)), 0, columns_ - 1);
  const double x = std::clamp(scene_.left() + (q.x() - c * pitch) / scale_, scene_.left(), scene_.right());
  const double y = std::clamp(band(c).top() + q.y() / scale_, band(c).top(), band(c).bottom());
  return {x, y};
}

std::vector<QRectF> MinimapColumns::pieces(const QRectF& r) const {
  std::vector<QRectF> out;
  const QRectF inside = r.intersected(scene_);
  if (inside.isEmpty()) return out;
  for (int c = 0; c < columns_; ++c) {
    const QRectF part = inside.intersected(band(c));
    if (part.isEmpty()) continue;
    const QRectF column = columnRect(c);
    out.emplace_back(QPointF(column.left() + (part.left() - scene_.left()) * scale_, (part.top() - band(c).top()) * scale_),
                     QSizeF(part.width() * scale_, part.height() * scale_));
  }
  return out;
}

}  // namespace nest::gui
