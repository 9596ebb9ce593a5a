// MainWindow's Build menu (issue "Workbench: compile and run from the GUI"): the target chooser,
// Compile and Build and Run (background work on the tool task: progress and Cancel in the status
// bar), the Code tab's cross-links with the graph and the measured latency overlay. The compiler
// work is in build_jobs.cpp (the driver, as nestc compile / nestc run).
#include <QAction>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

#include "app/gui/background_task.h"
#include "app/gui/code_view.h"
#include "app/gui/graph_view.h"
#include "app/gui/main_window.h"
#include "app/gui/project_document.h"
#include "backends/backend_registry.h"

namespace nest::gui {

void MainWindow::buildBuildTools() {
  targetBox_ = new QComboBox(this);
  targetBox_->setObjectName("targetChooser");
  targetBox_->setToolTip(tr("The target Build > Compile and Build and Run compile for"));
  auto* bar = addToolBar(tr("Build"));
  bar->setObjectName("buildToolBar");
  bar->addWidget(new QLabel(tr(" Target: "), this));
  bar->addWidget(targetBox_);
  rebuildTargets();
  connect(codeView_, &CodeView::instructionClicked, this, [this](const QString& node) {
    if (!shown_) return;
    const std::string name = node.toStdString();
    for (const Node& n : shown_->nodes)
      if (n.name == name) return view_->selectNode(n.id);
    flash(tr("Node '%1' is not in the graph shown (select the final pass)").arg(node), 5000);
  });
}

void MainWindow::buildBuildMenu(QMenu* menu) {
  QAction* compileAction = menu->addAction(tr("&Compile"), this, [this] { compile(); });
  compileAction->setObjectName("compile");
  compileAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
  QAction* runAction = menu->addAction(tr("Build and &Run…"), this, &MainWindow::buildAndRunDialog);
  runAction->setObjectName("buildAndRun");
  runAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  menu->addSeparator();
  menu->addAction(tr("Cancel Build"), this, [this] { tool_->cancel(); });
}

// The registry's compiling backends (the interpreter compiles nothing to look at), and hetero
// when the project has a device configuration.
void MainWindow::rebuildTargets() {
  const QString current = targetBox_->currentText();
  const QSignalBlocker block(targetBox_);
  targetBox_->clear();
  for (const std::string& name : backendNames())
    if (name != "interpreter") targetBox_->addItem(QString::fromStdString(name));
  if (model_ && !document_->project().deviceConfig.empty()) targetBox_->addItem(QStringLiteral("hetero"));
  const int index = targetBox_->findText(current);
  targetBox_->setCurrentIndex(index >= 0 ? index : 0);
}

QString MainWindow::buildTarget() const { return targetBox_->currentText(); }

bool MainWindow::setBuildTarget(const QString& target) {
  rebuildTargets();
  const int index = targetBox_->findText(target);
  if (index < 0) return false;
  targetBox_->setCurrentIndex(index);
  return true;
}

void MainWindow::compile() {
  if (!requireModel()) return;
  const driver::Job job = currentJob();
  const QString target = buildTarget();
  tool_->start(tr("Compiling for %1…").arg(target), [=, this](const Cancel& cancel, const JobProgress& progress) {
    BuildOutcome outcome = compileJob(job, target, cancel, progress);
    return BackgroundTask::Finisher([this, outcome] { onBuildFinished(outcome); });
  });
}

void MainWindow::buildAndRun(const RunInput& input) {
  if (!requireModel()) return;
  const driver::Job job = currentJob();
  const QString target = buildTarget();
  tool_->start(tr("Build and Run on %1…").arg(target), [=, this](const Cancel& cancel, const JobProgress& progress) {
    BuildOutcome outcome = buildAndRunJob(job, target, input, cancel, progress);
    return BackgroundTask::Finisher([this, outcome] { onBuildFinished(outcome); });
  });
}

void MainWindow::buildAndRunDialog() {
  if (!requireModel()) return;
  const QStringList kinds = {tr("Tensor file (.npy / .pb)…"), tr("Image with a preprocessing preset…"), tr("Random data")};
  bool ok = false;
  const QString kind = QInputDialog::getItem(this, tr("Build and Run"), tr("Run on:"), kinds, 0, false, &ok);
  if (!ok) return;
  RunInput input;
  const QString dir = QFileInfo(model_->path).absolutePath();
  if (kind == kinds[0]) {
    input.kind = RunInput::Kind::File;
    input.path = QFileDialog::getOpenFileName(this, tr("Input tensor"), dir, tr("Tensors (*.npy *.pb)"));
    if (input.path.isEmpty()) return;
  } else if (kind == kinds[1]) {
    input.kind = RunInput::Kind::Image;
    input.path = QFileDialog::getOpenFileName(this, tr("Input image"), dir, tr("Images (*.png *.jpg *.jpeg *.bmp)"));
    if (input.path.isEmpty()) return;
    input.preset = QInputDialog::getItem(this, tr("Build and Run"), tr("Preprocessing:"), preprocessPresetNames(), 0, false, &ok);
    if (!ok) return;
  } else {
    input.kind = RunInput::Kind::Random;
    input.seed = static_cast<unsigned>(QInputDialog::getInt(this, tr("Build and Run"), tr("Seed:"), 1, 0, 1 << 30, 1, &ok));
    if (!ok) return;
  }
  buildAndRun(input);
}

void MainWindow::onBuildFinished(const BuildOutcome& outcome) {
  if (outcome.cancelled) return flash(tr("Build cancelled"), 5000);
  if (!outcome.error.isEmpty()) {
    codeView_->clearBuild(tr("The %1 build failed: %2").arg(outcome.target, outcome.error));
    return showError(tr("Build failed"), outcome.error);
  }
  lastBuild_ = std::make_shared<const BuildOutcome>(outcome);
  codeView_->setBuild(outcome);
  tabs_->setCurrentWidget(codeView_);
  if (outcome.ran) {
    codeView_->showPage(CodeView::Page::Results);
    setMeasuredLatency(outcome.nodeUs, outcome.latencySource);
  } else {
    codeView_->showPage(outcome.listing.isEmpty() ? CodeView::Page::C : CodeView::Page::Assembly);
  }
  flash(outcome.ran ? tr("Ran on %1 in %2 ms").arg(outcome.target).arg(outcome.runMs, 0, 'f', 1)
                                       : tr("Compiled for %1 in %2 ms").arg(outcome.target).arg(outcome.compileMs, 0, 'f', 1),
                           8000);
}

void MainWindow::setMeasuredLatency(const QHash<QString, double>& usByNodeName, const QString& source) {
  measuredUs_ = usByNodeName;
  measuredSource_ = source;
  if (overlay_.kind == OverlayKind::Latency) applyOverlay();
}

QHash<NodeId, double> MainWindow::measuredLatency(const Graph& graph) const {
  QHash<NodeId, double> us;
  for (const Node& n : graph.nodes) {
    const auto it = measuredUs_.find(QString::fromStdString(n.name));
    if (it != measuredUs_.end()) us.insert(n.id, it.value());
  }
  return us;
}

// The graph view's selection, shown in the NPU assembly.
void MainWindow::highlightInstructions(NodeId id) {
  const Node* n = shown_ && id ? shown_->findNode(id) : nullptr;
  codeView_->highlightNode(n ? QString::fromStdString(n->name) : QString());
}

}  // namespace nest::gui
