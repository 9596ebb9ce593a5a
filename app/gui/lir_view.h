// The "Low-level IR" tab: the shown model's final graph lowered by the CPU backend (off the UI
// thread, the first time the tab is shown for a model): the LIR passes with their times, the
// dump after the selected one, and the memory plan's figures (planned activations against the
// naive sum).
#pragma once
#include <QFutureWatcher>
#include <QWidget>

#include <memory>

#include "app/gui/load_jobs.h"

class QLabel;
class QListWidget;
class QPlainTextEdit;

namespace nest::gui {

class LirView : public QWidget {
  Q_OBJECT
 public:
  explicit LirView(QWidget* parent = nullptr);
  // The graph to lower (null: none). Lowering starts when the tab is visible.
  void setGraph(std::shared_ptr<const Graph> graph);
  bool isBusy() const { return pending_; }
  // For tests and scripts: the rows of the pass list, the dump shown, the figures line.
  int passCount() const;
  void selectPass(int row);
  QString dumpText() const;
  QString summaryText() const;

 signals:
  void lowered();  // a lowering finished (successfully or with an error, see summaryText)

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  void startIfNeeded();
  void onFinished();
  void showRow(int row);

  QLabel* summary_;
  QListWidget* passes_;
  QPlainTextEdit* text_;
  QFutureWatcher<LirOutcome> watcher_;
  std::shared_ptr<const Graph> graph_;  // to show
  LirOutcome result_;                   // of result_.graph
  bool pending_ = false;
};

}  // namespace nest::gui
