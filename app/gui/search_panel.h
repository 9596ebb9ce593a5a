// The "Search" dock (Ctrl+F): finds nodes of the displayed graph by name, op type or a regular
// expression over both; lists them, highlights all matches in the view and centres the view on
// the chosen one.
#pragma once
#include <QWidget>

#include <vector>

#include "core/graph.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;

namespace nest::gui {

class GraphView;

enum class SearchMode { Name, Op, Regex };

// Nodes of `graph` (in graph order) matching `text`: Name — case-insensitive substring of the node
// name; Op — the op name, case-insensitive, exactly; Regex — a case-insensitive regular expression
// found in the name or the op. Empty text or an invalid regex match nothing.
std::vector<NodeId> findNodes(const Graph& graph, const QString& text, SearchMode mode);

class SearchPanel : public QWidget {
  Q_OBJECT
 public:
  explicit SearchPanel(GraphView* view, QWidget* parent = nullptr);

  // The graph the view shows (null: nothing); reruns the search on it.
  void setGraph(const Graph* graph);
  void setMode(SearchMode mode);
  SearchMode mode() const;
  void setText(const QString& text);
  // Runs the search now (it also runs as the text or the mode change).
  void search();
  const std::vector<NodeId>& results() const { return results_; }
  // Selects result `row` in the list, which selects the node and centres the view on it.
  void activateResult(int row);
  QLineEdit* lineEdit() const { return edit_; }
  QListWidget* resultList() const { return list_; }

 public slots:
  void focusSearch();  // Ctrl+F: focus and select the text

 private:
  void onRowChanged(int row);

  GraphView* view_;
  const Graph* graph_ = nullptr;
  QLineEdit* edit_;
  QComboBox* modeBox_;
  QListWidget* list_;
  QLabel* count_;
  std::vector<NodeId> results_;
};

}  // namespace nest::gui
