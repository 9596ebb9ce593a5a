#include "app/gui/run_results_view.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nest::gui {

namespace {

QString shapeText(const Tensor& t) {
  QStringList dims;
  for (int64_t d : t.shape()) dims << QString::number(d);
  return QStringLiteral("%1[%2]").arg(QString::fromUtf8(elemTypeName(t.elem()).data(), static_cast<qsizetype>(elemTypeName(t.elem()).size())), dims.join(','));
}

QTableWidget* table(QWidget* parent, const QStringList& headers) {
  auto* t = new QTableWidget(0, static_cast<int>(headers.size()), parent);
  t->setHorizontalHeaderLabels(headers);
  t->verticalHeader()->hide();
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->horizontalHeader()->setStretchLastSection(true);
  return t;
}

void setRow(QTableWidget* t, int row, const QStringList& cells) {
  for (int c = 0; c < cells.size(); ++c) t->setItem(row, c, new QTableWidgetItem(cells[c]));
}

int argMax(const std::vector<double>& v, size_t from, size_t count) {
  return static_cast<int>(std::max_element(v.begin() + static_cast<std::ptrdiff_t>(from),
                                           v.begin() + static_cast<std::ptrdiff_t>(from + count)) -
                          (v.begin() + static_cast<std::ptrdiff_t>(from)));
}

}  // namespace

RunComparison compareWithReference(const std::vector<Tensor>& outputs, const std::vector<Tensor>& reference) {
  RunComparison c;
  if (outputs.size() != reference.size()) return c;
  for (size_t k = 0; k < outputs.size(); ++k)
    if (outputs[k].shape() != reference[k].shape()) return c;
  c.valid = true;
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::vector<double> a = outputs[k].toDoubles(), b = reference[k].toDoubles();
    for (size_t i = 0; i < a.size(); ++i) c.maxAbsError = std::max(c.maxAbsError, std::abs(a[i] - b[i]));
    if (outputs[k].shape().size() != 2 || outputs[k].shape()[1] < 2) continue;
    const size_t n = static_cast<size_t>(outputs[k].shape()[1]);
    for (size_t row = 0; row < a.size() / n; ++row) {
      ++c.top1Rows;
      if (argMax(a, row * n, n) == argMax(b, row * n, n)) ++c.top1Agree;
    }
  }
  return c;
}

std::vector<TopEntry> topK(const Tensor& output, int k) {
  if (output.shape().size() != 2 || output.shape()[0] != 1 || output.shape()[1] < 2) return {};
  const std::vector<double> v = output.toDoubles();
  const double sum = std::accumulate(v.begin(), v.end(), 0.0);
  const bool probabilities = std::all_of(v.begin(), v.end(), [](double x) { return x >= 0 && x <= 1; }) &&
                             std::abs(sum - 1.0) < 1e-3;
  std::vector<double> p = v;
  if (!probabilities) {  // softmax, shifted by the maximum for stability
    const double top = *std::max_element(v.begin(), v.end());
    double total = 0;
    for (double& x : p) total += (x = std::exp(x - top));
    for (double& x : p) x /= total;
  }
  std::vector<int> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t n = std::min<size_t>(static_cast<size_t>(k), order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                    [&](int a, int b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
  std::vector<TopEntry> top;
  for (size_t i = 0; i < n; ++i) top.push_back({order[i], p[static_cast<size_t>(order[i])]});
  return top;
}

RunResultsView::RunResultsView(QWidget* parent)
    : QWidget(parent), summary_(new QLabel(this)),
      outputs_(table(this, {tr("Output"), tr("Type"), tr("First values"), tr("Min"), tr("Max"), tr("Mean")})),
      topLabel_(new QLabel(tr("Top 5"), this)), top_(table(this, {tr("Rank"), tr("Class"), tr("Probability")})),
      comparison_(new QLabel(this)), statistics_(new QPlainTextEdit(this)) {
  summary_->setWordWrap(true);
  comparison_->setWordWrap(true);
  comparison_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  statistics_->setReadOnly(true);
  statistics_->setLineWrapMode(QPlainTextEdit::NoWrap);
  statistics_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  statistics_->setMaximumHeight(140);
  top_->setMaximumHeight(190);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(summary_);
  layout->addWidget(outputs_, 1);
  layout->addWidget(comparison_);
  layout->addWidget(topLabel_);
  layout->addWidget(top_);
  layout->addWidget(new QLabel(tr("Measured by the runner"), this));
  layout->addWidget(statistics_);
  summary_->setText(tr("Build > Build and Run to run the model on an input."));
  topLabel_->hide();
  top_->hide();
}

void RunResultsView::setOutcome(const BuildOutcome& outcome) {
  outputs_->setRowCount(0);
  top_->setRowCount(0);
  statistics_->clear();
  comparison_->clear();
  topLabel_->hide();
  top_->hide();
  if (!outcome.ran) {
    summary_->setText(tr("Compiled for %1; Build > Build and Run to run it.").arg(outcome.target));
    return;
  }
  summary_->setText(tr("Ran on %1 with %2: compile %3 ms, run %4 ms")
                        .arg(outcome.target, outcome.inputNote)
                        .arg(outcome.compileMs, 0, 'f', 1)
                        .arg(outcome.runMs, 0, 'f', 1));
  outputs_->setRowCount(static_cast<int>(outcome.outputs.size()));
  for (size_t k = 0; k < outcome.outputs.size(); ++k) {
    const Tensor& t = outcome.outputs[k];
    const std::vector<double> v = t.toDoubles();
    QStringList first;
    for (size_t i = 0; i < std::min<size_t>(6, v.size()); ++i) first << QString::number(v[i], 'g', 5);
    if (v.size() > 6) first << QStringLiteral("…");
    const double lo = v.empty() ? 0 : *std::min_element(v.begin(), v.end());
    const double hi = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
    const double mean = v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    setRow(outputs_, static_cast<int>(k),
           {k < static_cast<size_t>(outcome.outputNames.size()) ? outcome.outputNames[static_cast<int>(k)] : QString(),
            shapeText(t), first.join(QStringLiteral(", ")), QString::number(lo, 'g', 6), QString::number(hi, 'g', 6),
            QString::number(mean, 'g', 6)});
  }
  outputs_->resizeColumnsToContents();
  if (!outcome.outputs.empty()) {
    const std::vector<TopEntry> top = topK(outcome.outputs[0]);
    if (!top.empty()) {
      topLabel_->setText(tr("Top %1 of %2").arg(top.size()).arg(outcome.outputNames.value(0)));
      top_->setRowCount(static_cast<int>(top.size()));
      for (size_t i = 0; i < top.size(); ++i)
        setRow(top_, static_cast<int>(i),
               {QString::number(i + 1), QString::number(top[i].index), QString::number(top[i].probability * 100, 'f', 2) + " %"});
      topLabel_->show();
      top_->show();
    }
  }
  const RunComparison c = compareWithReference(outcome.outputs, outcome.reference);
  comparison_->setText(c.valid ? tr("Against the float interpreter: max abs error %1; top-1 agreement %2 of %3")
                                     .arg(c.maxAbsError, 0, 'g', 6)
                                     .arg(c.top1Agree)
                                     .arg(c.top1Rows)
                               : tr("The float interpreter's outputs differ in count or shape: no comparison."));
  QStringList lines = outcome.statistics;
  if (!outcome.latencySource.isEmpty())
    lines.prepend(tr("Latency overlay: %1 per node (%2 nodes)%3")
                      .arg(outcome.latencySource)
                      .arg(outcome.nodeUs.size())
                      .arg(outcome.target == "cpu" ? tr("; each node compiled alone and timed by the partition cost model, "
                                                        "scaled to the whole graph's time")
                                                   : QString()));
  statistics_->setPlainText(lines.isEmpty() ? tr("(the %1 runner measures nothing)").arg(outcome.target) : lines.join('\n'));
}

QString RunResultsView::summaryText() const { return summary_->text(); }
QString RunResultsView::comparisonText() const { return comparison_->text(); }

}  // namespace nest::gui
