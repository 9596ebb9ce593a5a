// The "Legend" dock: the op categories present in the displayed graph with their colours
// (nest::categoryColor, the same as the boxes) and how many nodes each has.
#pragma once
#include <QListWidget>

#include "app/render/graph_layout.h"

namespace nest::gui {

class Legend : public QListWidget {
  Q_OBJECT
 public:
  explicit Legend(QWidget* parent = nullptr);
  // Shows the categories of the op boxes of `layout` (sorted by name); an empty layout clears it.
  void showLayout(const render::GraphLayout& layout);
  QStringList categories() const;
};

}  // namespace nest::gui
