// The "Code" tab: what the compiler makes of the model. Sub-tabs: the low-level IR of the pass
// state shown in the graph (LirView, labelled with that state), the generated C of the last
// compile (syntax highlighted, one file at a time), the NPU assembly (NAME.npu.s) cross-linked
// with the graph (clicking an instruction names its node; highlightNode marks a node's
// instructions), and the results of the last Build and Run (RunResultsView).
#pragma once
#include <QHash>
#include <QStringList>
#include <QWidget>

#include <memory>

#include "app/gui/build_jobs.h"

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QTabWidget;

namespace nest::gui {

class CHighlighter;
class LirView;
class RunResultsView;

class CodeView : public QWidget {
  Q_OBJECT
 public:
  explicit CodeView(QWidget* parent = nullptr);
  enum class Page { Lir, C, Assembly, Results };
  void showPage(Page page);
  Page page() const;

  // The pass state shown in the graph: its graph (lowered on demand) and its label
  // ("after fold-batchnorm (pass 5 of 23)").
  void setState(std::shared_ptr<const Graph> graph, const QString& label);
  QString stateLabel() const;
  LirView* lirView() const { return lir_; }

  // A compile's (or a run's) bundle: the C files in the chooser, the NPU listing; a run's results.
  void setBuild(const BuildOutcome& outcome);
  void clearBuild(const QString& why);
  QComboBox* fileChooser() const { return files_; }
  QPlainTextEdit* sourceText() const { return source_; }
  CHighlighter* highlighter() const { return highlighter_; }
  RunResultsView* results() const { return results_; }

  // The NPU assembly: its text, the node of each line ("" for comments and blank lines), how many
  // instructions a node has, and the lines now highlighted.
  QPlainTextEdit* assemblyText() const { return assembly_; }
  QString nodeOfLine(int line) const { return lineNode_.value(line); }
  int instructionCount(const QString& node) const { return instructionCount_.value(node); }
  int firstInstructionLine(const QString& node) const;
  // Marks the instructions of `node` (empty: none) and scrolls to the first; returns their count.
  int highlightNode(const QString& node);
  int highlightedLineCount() const { return highlighted_; }

 signals:
  void instructionClicked(const QString& node);  // the user clicked an instruction of `node`

 private:
  void showFile(int index);
  void onAssemblyCursor();

  QTabWidget* pages_;
  QLabel* stateLabel_;
  LirView* lir_;
  QLabel* buildLabel_;
  QComboBox* files_;
  QPlainTextEdit* source_;
  CHighlighter* highlighter_;
  QLabel* assemblyLabel_;
  QPlainTextEdit* assembly_;
  RunResultsView* results_;
  QMap<QString, QString> sources_;
  QHash<int, QString> lineNode_;
  QHash<QString, int> instructionCount_;
  int highlighted_ = 0;
  bool highlighting_ = false;  // the cursor moves because of highlightNode, not a click
};

}  // namespace nest::gui
