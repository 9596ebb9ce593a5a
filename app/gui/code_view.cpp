#include "app/gui/code_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTextBlock>
#include <QVBoxLayout>

#include <algorithm>

#include "app/gui/c_highlighter.h"
#include "app/gui/lir_view.h"
#include "app/gui/run_results_view.h"

namespace nest::gui {

namespace {
QPlainTextEdit* codeEdit(QWidget* parent) {
  auto* edit = new QPlainTextEdit(parent);
  edit->setReadOnly(true);
  edit->setLineWrapMode(QPlainTextEdit::NoWrap);
  edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  edit->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  return edit;
}
}  // namespace

CodeView::CodeView(QWidget* parent)
    : QWidget(parent), pages_(new QTabWidget(this)), stateLabel_(new QLabel(this)), lir_(new LirView(this)),
      buildLabel_(new QLabel(this)), files_(new QComboBox(this)), source_(codeEdit(this)),
      highlighter_(new CHighlighter(source_->document())), assemblyLabel_(new QLabel(this)), assembly_(codeEdit(this)),
      results_(new RunResultsView(this)) {
  stateLabel_->setObjectName("codeStateLabel");
  auto* lirPage = new QWidget(this);
  auto* lirLayout = new QVBoxLayout(lirPage);
  lirLayout->setContentsMargins(4, 4, 4, 0);
  lirLayout->addWidget(stateLabel_);
  lirLayout->addWidget(lir_, 1);

  auto* cPage = new QWidget(this);
  auto* cLayout = new QVBoxLayout(cPage);
  cLayout->setContentsMargins(4, 4, 4, 0);
  auto* chooserRow = new QHBoxLayout;
  chooserRow->addWidget(buildLabel_, 1);
  chooserRow->addWidget(files_);
  files_->setMinimumContentsLength(24);
  files_->setToolTip(tr("The bundle's text files"));
  cLayout->addLayout(chooserRow);
  cLayout->addWidget(source_, 1);

  auto* asmPage = new QWidget(this);
  auto* asmLayout = new QVBoxLayout(asmPage);
  asmLayout->setContentsMargins(4, 4, 4, 0);
  assemblyLabel_->setWordWrap(true);
  asmLayout->addWidget(assemblyLabel_);
  asmLayout->addWidget(assembly_, 1);

  pages_->addTab(lirPage, tr("Low-level IR"));
  pages_->addTab(cPage, tr("C"));
  pages_->addTab(asmPage, tr("NPU assembly"));
  pages_->addTab(results_, tr("Run results"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pages_);
  connect(files_, &QComboBox::currentIndexChanged, this, &CodeView::showFile);
  connect(assembly_, &QPlainTextEdit::cursorPositionChanged, this, &CodeView::onAssemblyCursor);
  setState(nullptr, QString());
  clearBuild(tr("Build > Compile (or Build and Run) to see the generated code."));
}

void CodeView::showPage(Page page) { pages_->setCurrentIndex(static_cast<int>(page)); }
CodeView::Page CodeView::page() const { return static_cast<Page>(pages_->currentIndex()); }

void CodeView::setState(std::shared_ptr<const Graph> graph, const QString& label) {
  stateLabel_->setText(graph ? tr("Low-level IR of the graph %1").arg(label) : tr("Open a model to see its low-level IR."));
  lir_->setGraph(std::move(graph));
}

QString CodeView::stateLabel() const { return stateLabel_->text(); }

void CodeView::clearBuild(const QString& why) {
  sources_.clear();
  {
    const QSignalBlocker block(files_);
    files_->clear();
  }
  source_->clear();
  buildLabel_->setText(why);
  assembly_->clear();
  lineNode_.clear();
  instructionCount_.clear();
  highlighted_ = 0;
  assemblyLabel_->setText(why);
}

void CodeView::setBuild(const BuildOutcome& outcome) {
  clearBuild(QString());
  sources_ = outcome.sources;
  buildLabel_->setText(tr("%1 bundle: %2 files, compiled in %3 ms")
                           .arg(outcome.target)
                           .arg(outcome.files.size())
                           .arg(outcome.compileMs, 0, 'f', 1));
  {
    const QSignalBlocker block(files_);
    // The model's own C first (model.c, model.h), then the other text files.
    QStringList names = sources_.keys();
    std::stable_partition(names.begin(), names.end(), [](const QString& n) { return n.startsWith("model"); });
    for (const QString& name : names) files_->addItem(name);
  }
  showFile(files_->findText("model.c") >= 0 ? files_->findText("model.c") : 0);
  if (files_->findText("model.c") >= 0) files_->setCurrentIndex(files_->findText("model.c"));

  // The listing: "; node 'NAME' (Op): N instructions, ..." heads each program; every following
  // non-comment line is an instruction of that node.
  if (outcome.listing.isEmpty()) {
    assemblyLabel_->setText(tr("The %1 target has no NPU program (choose the npu or hetero target).").arg(outcome.target));
  } else {
    static const QRegularExpression head(QStringLiteral("^; node '(.+)' \\("));
    const QStringList lines = outcome.listing.split('\n');
    QString node;
    for (int i = 0; i < lines.size(); ++i) {
      const QString& line = lines[i];
      if (const auto m = head.match(line); m.hasMatch()) node = m.captured(1);
      if (line.trimmed().isEmpty() || line.startsWith(';') || node.isEmpty()) continue;
      lineNode_.insert(i, node);
      ++instructionCount_[node];
    }
    assemblyLabel_->setText(tr("%1 instructions of %2 NPU nodes. Click an instruction to select its node; selecting a "
                               "node highlights its instructions.")
                                .arg(lineNode_.size())
                                .arg(instructionCount_.size()));
    const QSignalBlocker block(assembly_);
    assembly_->setPlainText(outcome.listing);
  }
  results_->setOutcome(outcome);
}

void CodeView::showFile(int index) {
  if (index < 0 || index >= files_->count()) return;
  source_->setPlainText(sources_.value(files_->itemText(index)));
}

int CodeView::firstInstructionLine(const QString& node) const {
  int first = -1;
  for (auto it = lineNode_.begin(); it != lineNode_.end(); ++it)
    if (it.value() == node && (first < 0 || it.key() < first)) first = it.key();
  return first;
}

int CodeView::highlightNode(const QString& node) {
  QList<QTextEdit::ExtraSelection> marks;
  QTextCharFormat format;
  format.setBackground(QColor(255, 236, 140));
  format.setProperty(QTextFormat::FullWidthSelection, true);
  for (auto it = lineNode_.begin(); it != lineNode_.end(); ++it) {
    if (node.isEmpty() || it.value() != node) continue;
    QTextEdit::ExtraSelection mark;
    mark.cursor = QTextCursor(assembly_->document()->findBlockByNumber(it.key()));
    mark.format = format;
    marks.append(mark);
  }
  assembly_->setExtraSelections(marks);
  highlighted_ = static_cast<int>(marks.size());
  const int first = node.isEmpty() ? -1 : firstInstructionLine(node);
  if (first >= 0) {
    highlighting_ = true;
    QTextCursor cursor(assembly_->document()->findBlockByNumber(first));
    assembly_->setTextCursor(cursor);
    assembly_->centerCursor();
    highlighting_ = false;
  }
  return highlighted_;
}

void CodeView::onAssemblyCursor() {
  if (highlighting_) return;
  const QString node = lineNode_.value(assembly_->textCursor().blockNumber());
  if (!node.isEmpty()) emit instructionClicked(node);
}

}  // namespace nest::gui
