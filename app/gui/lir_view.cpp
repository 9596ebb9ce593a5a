#include "app/gui/lir_view.h"

#include <QFontDatabase>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace nest::gui {

namespace {
QString megabytes(size_t bytes) { return QString::number(static_cast<double>(bytes) / 1e6, 'f', 2) + " MB"; }
}  // namespace

LirView::LirView(QWidget* parent)
    : QWidget(parent), summary_(new QLabel(this)), passes_(new QListWidget(this)), text_(new QPlainTextEdit(this)) {
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  text_->setReadOnly(true);
  text_->setLineWrapMode(QPlainTextEdit::NoWrap);
  text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  auto* split = new QSplitter(this);
  split->addWidget(passes_);
  split->addWidget(text_);
  split->setStretchFactor(1, 1);
  split->setSizes({220, 800});
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(summary_);
  layout->addWidget(split, 1);
  connect(passes_, &QListWidget::currentRowChanged, this, &LirView::showRow);
  connect(&watcher_, &QFutureWatcher<LirOutcome>::finished, this, &LirView::onFinished);
  setGraph(nullptr);
}

void LirView::setGraph(std::shared_ptr<const Graph> graph) {
  graph_ = std::move(graph);
  // Already lowered (but null is never "lowered": the empty tab must still say what to do).
  if (graph_ && graph_ == result_.graph) return;
  passes_->clear();
  text_->clear();
  summary_->setText(graph_ ? tr("The graph shown is lowered to the low-level IR when this tab is shown.")
                           : tr("Open a model to see its low-level IR."));
  startIfNeeded();
}

void LirView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  startIfNeeded();
}

void LirView::startIfNeeded() {
  if (!graph_ || pending_ || graph_ == result_.graph || !isVisible()) return;
  pending_ = true;
  summary_->setText(tr("Lowering to the low-level IR…"));
  std::shared_ptr<const Graph> graph = graph_;
  watcher_.setFuture(QtConcurrent::run([graph] { return lirJob(graph); }));
}

void LirView::onFinished() {
  pending_ = false;
  result_ = watcher_.result();
  if (result_.graph != graph_) {  // another model meanwhile: lower that one instead
    startIfNeeded();
    return;
  }
  passes_->clear();
  if (!result_.error.isEmpty()) {
    summary_->setText(tr("The CPU backend cannot lower this graph: %1").arg(result_.error));
  } else {
    passes_->addItem(tr("lowered"));
    for (const lir::LirPassRecord& r : result_.records) {
      auto* item = new QListWidgetItem(QStringLiteral("%1   %2 ms").arg(QString::fromStdString(r.pass)).arg(r.milliseconds, 0, 'f', 2));
      if (!r.changed) item->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
      passes_->addItem(item);
    }
    const double share = result_.naiveActivationBytes
                             ? 100.0 * static_cast<double>(result_.activationBytes) / static_cast<double>(result_.naiveActivationBytes)
                             : 0.0;
    summary_->setText(tr("%1 kernel calls, %2 buffers · weights %3 · activations %4 planned vs %5 naive (%6%)")
                          .arg(result_.kernelCalls)
                          .arg(result_.buffers)
                          .arg(megabytes(result_.weightBytes), megabytes(result_.activationBytes),
                               megabytes(result_.naiveActivationBytes))
                          .arg(share, 0, 'f', 1));
    passes_->setCurrentRow(passes_->count() - 1);
  }
  emit lowered();
}

void LirView::showRow(int row) {
  if (row < 0) return;
  const std::string& dump = row == 0 ? result_.initialDump : result_.records.at(static_cast<size_t>(row - 1)).dump;
  text_->setPlainText(QString::fromStdString(dump));
}

int LirView::passCount() const { return passes_->count(); }
void LirView::selectPass(int row) { passes_->setCurrentRow(row); }
QString LirView::dumpText() const { return text_->toPlainText(); }
QString LirView::summaryText() const { return summary_->text(); }

}  // namespace nest::gui
