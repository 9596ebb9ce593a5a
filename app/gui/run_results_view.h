// The results of a Build and Run (Code tab, "Run results"): a table of the outputs (name, type,
// first values, min / max / mean), top-5 for classifier outputs ([1, N]: softmax probabilities,
// or the values themselves when they already are probabilities), the comparison with the float
// interpreter (maximum absolute error, top-1 agreement) and what the runner measured.
#pragma once
#include <QWidget>

#include <vector>

#include "app/gui/build_jobs.h"

class QLabel;
class QPlainTextEdit;
class QTableWidget;

namespace nest::gui {

// Comparison of a run's outputs with the float interpreter's.
struct RunComparison {
  double maxAbsError = 0;  // over every output element
  int top1Agree = 0, top1Rows = 0;  // rows of rank-2 outputs whose arg max agrees
  bool valid = false;               // same output count and shapes
};
RunComparison compareWithReference(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference);

struct TopEntry {
  int index = 0;
  double probability = 0;
};
// The best `k` classes of a [1, N] output (empty for other shapes).
std::vector<TopEntry> topK(const Tensor& output, int k = 5);

class RunResultsView : public QWidget {
  Q_OBJECT
 public:
  explicit RunResultsView(QWidget* parent = nullptr);
  void setOutcome(const BuildOutcome& outcome);
  QTableWidget* outputsTable() const { return outputs_; }
  QTableWidget* topTable() const { return top_; }
  QString summaryText() const;
  QString comparisonText() const;

 private:
  QLabel* summary_;
  QTableWidget* outputs_;
  QLabel* topLabel_;
  QTableWidget* top_;
  QLabel* comparison_;
  QPlainTextEdit* statistics_;
};

}  // namespace nest::gui
