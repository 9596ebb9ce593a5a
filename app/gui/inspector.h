// The "Inspector" dock: facts of one node of the displayed graph.
#pragma once
#include <QTreeWidget>

#include "core/graph.h"

namespace nest {
struct PipelineRun;
}

namespace nest::gui {

class Inspector : public QTreeWidget {
  Q_OBJECT
 public:
  explicit Inspector(QWidget* parent = nullptr);
  // Shows `id` of `graph` (clears when the node is absent or graph is null).
  void showNode(const Graph* graph, NodeId id);
  // The pipeline the shown graphs come from, for the provenance chain (null: none shown).
  void setPipeline(const PipelineRun* run) { run_ = run; }
  // Appends a top-level row (MainWindow adds the node's key and assignment after showNode).
  void addFact(const QString& key, const QString& value);
  // The value shown for a top-level property ("op", "name", "id", "MACs"...), or "".
  QString property(const QString& key) const;
  // Wide enough by default for types such as f32[1,3,224,224] and op names such as
  // BatchNormalization next to the property column (the dock takes its first width from here).
  QSize sizeHint() const override { return {400, QTreeWidget::sizeHint().height()}; }

 private:
  const PipelineRun* run_ = nullptr;
};

// Short display text of an attribute value (tensors as their type, long lists elided).
QString attributeText(const Attribute& value);

}  // namespace nest::gui
