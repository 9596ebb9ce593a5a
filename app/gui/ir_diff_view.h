// Side-by-side text diff of two graphs' text IR (nest::printGraph): the snapshot before a pass on
// the left, after it on the right, aligned by a line LCS; lines only in `before` are tinted red,
// lines only in `after` green. Very large texts are shown without the diff.
#pragma once
#include <QWidget>

#include <memory>
#include <string>
#include <vector>

#include "core/graph.h"

class QLabel;
class QPlainTextEdit;

namespace nest::gui {

// One aligned row of a line diff: an index into each side, or -1 for a blank filler.
struct DiffRow {
  int left = -1, right = -1;
  bool changed = false;  // the row is not an unchanged line present on both sides
};

// Line diff of `a` against `b` (LCS after trimming the common prefix and suffix). Pairs deleted and
// inserted lines of one hunk row by row. Returns an empty vector when the middle part is too big
// for the LCS table (the caller then falls back).
std::vector<DiffRow> diffLines(const std::vector<std::string>& a, const std::vector<std::string>& b);

class IrDiffView : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kMaxDiffLines = 20000;  // beyond this (either side): plain text, no diff

  explicit IrDiffView(QWidget* parent = nullptr);

  // Shows before | after (the diff is computed when the view is visible). Null graphs clear it.
  void setGraphs(std::shared_ptr<const Graph> before, std::shared_ptr<const Graph> after, const QString& beforeTitle,
                 const QString& afterTitle);
  void clear();

  QPlainTextEdit* beforeText() const { return left_; }
  QPlainTextEdit* afterText() const { return right_; }
  // Lines highlighted on each side (after the last refresh).
  int removedLineCount() const { return removed_; }
  int addedLineCount() const { return added_; }
  bool isDiffed() const { return diffed_; }  // false while stale, or when shown as plain text
  // Computes the diff now if it is stale (also done when the view is shown).
  void refresh();

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  QLabel* header_ = nullptr;
  QPlainTextEdit* left_ = nullptr;
  QPlainTextEdit* right_ = nullptr;
  std::shared_ptr<const Graph> before_, after_;
  QString beforeTitle_, afterTitle_;
  bool stale_ = false, diffed_ = false;
  int removed_ = 0, added_ = 0;
};

}  // namespace nest::gui
