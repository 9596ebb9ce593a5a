// The "Legend" dock: the op categories present in the displayed graph with their colours
// (nest::categoryColor, the same as the boxes) and how many nodes each has; or the key of the
// overlay shown (device, precision, error, ...).
#pragma once
#include <QListWidget>

#include "app/gui/overlay.h"
#include "app/render/graph_layout.h"

namespace nest::gui {

class Legend : public QListWidget {
  Q_OBJECT
 public:
  explicit Legend(QWidget* parent = nullptr);
  // Shows the categories of the op boxes of `layout` (sorted by name); an empty layout clears it.
  void showLayout(const render::GraphLayout& layout);
  QStringList categories() const;
  // An overlay's key instead: its title, then one row per label (with its node count) or, for a
  // numeric overlay, its scale from high to low.
  void showOverlay(const Overlay& overlay);
};

}  // namespace nest::gui
