#include "app/gui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

#include "app/gui/background_task.h"
#include "app/gui/graph_view.h"
#include "app/gui/project_document.h"
#include "app/gui/inspector.h"
#include "app/gui/ir_diff_view.h"
#include "app/gui/pass_explorer.h"
#include "app/gui/legend.h"
#include "app/gui/code_view.h"
#include "app/gui/lir_view.h"
#include "app/gui/minimap.h"
#include "app/gui/search_panel.h"
#include "app/gui/view_export.h"
#include "core/error.h"
#include "core/project_file.h"
#include "passes/pass_registry.h"

namespace nest::gui {

namespace {

constexpr int kMaxRecentFiles = 10;

#define NEST_SETTINGS(var) QSettings var(QStringLiteral("NEST"), QStringLiteral("Workbench"))

// "constant-fold", "constant-fold (round 2)".
QString passLabel(const PassRecord& r) {
  QString name = QString::fromStdString(r.pass);
  if (r.round > 0) name += QStringLiteral(" (round %1)").arg(r.round + 1);
  return name;
}

// "mnist-8/model.onnx": model files are often all called model.onnx, so keep the folder.
QString displayName(const QString& path) {
  const QFileInfo info(path);
  return info.dir().dirName().isEmpty() ? info.fileName() : info.dir().dirName() + "/" + info.fileName();
}

// 1234 -> "1,234"; 4100000000 -> "4.10 G".
QString humanCount(int64_t n) {
  const double v = static_cast<double>(n);
  if (n >= 1'000'000'000) return QString::number(v / 1e9, 'f', 2) + " G";
  if (n >= 1'000'000) return QString::number(v / 1e6, 'f', 2) + " M";
  if (n >= 10'000) return QString::number(v / 1e3, 'f', 1) + " k";
  return QString::number(n);
}

// Rows no wider than the list: the text is elided (ElideRight) instead of scrolling sideways.
class FitWidthDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override {
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    if (const auto* view = qobject_cast<const QAbstractItemView*>(parent()))
      size.setWidth(std::min(size.width(), view->viewport()->width()));
    return size;
  }
};

}  // namespace

MainWindow::MainWindow(Options options, QWidget* parent)
    : QMainWindow(parent), options_(options), loadCancel_(std::make_shared<std::atomic<bool>>(false)),
      layoutCancel_(std::make_shared<std::atomic<bool>>(false)) {
  setWindowTitle(tr("NEST Workbench[*]"));
  setAcceptDrops(true);
  view_ = new GraphView(this);
  explorer_ = new PassExplorer(this);
  diffView_ = new IrDiffView(this);
  codeView_ = new CodeView(this);
  lirView_ = codeView_->lirView();
  tabs_ = new QTabWidget(this);
  tabs_->setDocumentMode(true);
  tabs_->addTab(view_, tr("Graph"));
  tabs_->addTab(explorer_, tr("Before | After"));
  tabs_->addTab(diffView_, tr("Text diff"));
  tabs_->addTab(codeView_, tr("Code"));
  setCentralWidget(tabs_);
  buildDocks();
  buildToolDocks();
  buildEditing();
  buildBuildTools();
  buildMenus();

  facts_ = new QLabel(tr("Open a model (File > Open, or drop a file here)"), this);
  busyLabel_ = new QLabel(this);
  busyBar_ = new QProgressBar(this);
  busyBar_->setRange(0, 0);  // busy indicator
  busyBar_->setMaximumWidth(140);
  busyBar_->setTextVisible(false);
  cancelButton_ = new QToolButton(this);
  cancelButton_->setObjectName("cancelButton");
  cancelButton_->setText(tr("Cancel"));
  cancelButton_->setToolTip(tr("Stop loading / laying out; the current graph stays"));
  connect(cancelButton_, &QToolButton::clicked, this, &MainWindow::cancel);
  statusBar()->addWidget(facts_, 1);
  statusBar()->addPermanentWidget(busyLabel_);
  statusBar()->addPermanentWidget(busyBar_);
  statusBar()->addPermanentWidget(cancelButton_);
  busyLabel_->hide();
  busyBar_->hide();
  cancelButton_->hide();

  connect(&loadWatcher_, &QFutureWatcher<LoadOutcome>::finished, this, &MainWindow::onLoadFinished);
  connect(&layoutWatcher_, &QFutureWatcher<LayoutOutcome>::finished, this, &MainWindow::onLayoutFinished);
  connect(view_, &GraphView::nodeSelected, this, &MainWindow::onNodeSelected);
  connect(explorer_, &PassExplorer::nodeSelected, inspector_,
          [this](const Graph* graph, NodeId id) { inspector_->showNode(graph, id); });
  connect(explorer_, &PassExplorer::busyChanged, this, &MainWindow::updateBusy);

  resize(1280, 820);
  if (options_.persistSettings) {
    NEST_SETTINGS(s);
    restoreGeometry(s.value("window/geometry").toByteArray());
    restoreState(s.value("window/state").toByteArray());
  }
}

MainWindow::~MainWindow() {
  // Let background jobs stop early; they own everything they touch, so waiting is only to not
  // leave work running after the window is gone.
  *loadCancel_ = true;
  *layoutCancel_ = true;
  loadWatcher_.waitForFinished();
  layoutWatcher_.waitForFinished();
}

void MainWindow::buildDocks() {
  passes_ = new QListWidget(this);
  passes_->setSelectionMode(QAbstractItemView::SingleSelection);
  // No sideways scrolling at the default width: long names are elided (the item's tooltip has
  // the full text).
  passes_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  passes_->setTextElideMode(Qt::ElideRight);
  passes_->setItemDelegate(new FitWidthDelegate(passes_));
  passes_->setResizeMode(QListView::Adjust);  // re-fit the rows when the dock is resized
  passes_->setToolTip(tr("The pipeline's passes: wall time, nodes before → after. Select a pass to see the graph after it."));
  auto* passDock = new QDockWidget(tr("Passes"), this);
  passDock->setObjectName("passesDock");
  auto* passPanel = new QWidget(passDock);
  auto* passLayout = new QVBoxLayout(passPanel);
  passLayout->setContentsMargins(0, 0, 0, 0);
  passLayout->addWidget(passes_, 1);
  passLayout->addWidget(explorer_->hideUnchangedBox());
  passDock->setWidget(passPanel);
  addDockWidget(Qt::LeftDockWidgetArea, passDock);
  connect(passes_, &QListWidget::currentRowChanged, this, &MainWindow::onPassRowChanged);
  explorer_->setPassList(passes_);
  explorer_->setLayoutCache(&layouts_);
  explorer_->setDiffView(diffView_);

  inspector_ = new Inspector(this);
  auto* inspectorDock = new QDockWidget(tr("Inspector"), this);
  inspectorDock->setObjectName("inspectorDock");
  inspectorDock->setWidget(inspector_);
  addDockWidget(Qt::RightDockWidgetArea, inspectorDock);
  // Once the window has its size (before, the dock layout gives the extra width to the centre).
  // The inspector is wide enough for types such as f32[1,3,224,224] and op names such as
  // BatchNormalization; a restored window state sizes the docks afterwards instead.
  QTimer::singleShot(0, this, [this, passDock, inspectorDock] {
    resizeDocks({passDock, inspectorDock}, {260, 400}, Qt::Horizontal);
    if (!options_.persistSettings) return;
    NEST_SETTINGS(s);
    restoreState(s.value("window/state").toByteArray());
  });

}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::openDialog);
  open->setShortcut(QKeySequence::Open);
  recentMenu_ = file->addMenu(tr("Open &Recent"));
  connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
  rebuildRecentMenu();
  file->addSeparator();
  QAction* saveAction = file->addAction(tr("&Save Project"), this, [this] { save(); });
  saveAction->setObjectName("saveProject");
  saveAction->setShortcut(QKeySequence::Save);
  QAction* saveProject = file->addAction(tr("Save Project &As…"), this, &MainWindow::saveProjectDialog);
  saveProject->setObjectName("saveProjectAs");
  saveProject->setShortcut(QKeySequence::SaveAs);
  file->addSeparator();
  QAction* exportSvgAction = file->addAction(tr("Export &SVG…"), this, [this] { exportDialog(false); });
  exportSvgAction->setObjectName("exportSvg");
  QAction* exportPngAction = file->addAction(tr("Export &PNG…"), this, [this] { exportDialog(true); });
  exportPngAction->setObjectName("exportPng");
  modelActions_ << saveAction << saveProject << exportSvgAction << exportPngAction;
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  buildEditMenu(edit);
  for (QAction* action : edit->actions())  // all but Undo / Redo (the undo stack enables those)
    if (!action->isSeparator() && action->objectName() != "undo" && action->objectName() != "redo")
      modelActions_.append(action);
  buildBuildMenu(menuBar()->addMenu(tr("&Build")));

  QMenu* viewMenu = menuBar()->addMenu(tr("&View"));
  QAction* zoomIn = viewMenu->addAction(tr("Zoom &In"), view_, &GraphView::zoomIn);
  zoomIn->setShortcuts({QKeySequence::ZoomIn, QKeySequence(Qt::CTRL | Qt::Key_Equal)});
  QAction* zoomOut = viewMenu->addAction(tr("Zoom &Out"), view_, &GraphView::zoomOut);
  zoomOut->setShortcut(QKeySequence::ZoomOut);
  QAction* fit = viewMenu->addAction(tr("&Fit to Window"), view_, &GraphView::fitToWindow);
  fit->setShortcut(QKeySequence(Qt::Key_F));
  QAction* prevPass = viewMenu->addAction(tr("&Previous Pass"), explorer_, [this] { explorer_->stepPass(-1); });
  prevPass->setShortcut(QKeySequence(Qt::Key_PageUp));
  QAction* nextPass = viewMenu->addAction(tr("&Next Pass"), explorer_, [this] { explorer_->stepPass(+1); });
  nextPass->setShortcut(QKeySequence(Qt::Key_PageDown));
  viewMenu->addSeparator();
  QAction* find = viewMenu->addAction(tr("&Find…"), this, [this] {
    search_->parentWidget()->show();
    search_->parentWidget()->raise();
    search_->focusSearch();
  });
  find->setShortcut(QKeySequence::Find);
  QAction* producer = viewMenu->addAction(tr("Go to &Producer"), view_, &GraphView::selectProducer);
  producer->setObjectName("goToProducer");
  producer->setShortcuts({QKeySequence(Qt::ALT | Qt::Key_Up), QKeySequence(Qt::Key_BracketLeft)});
  QAction* consumer = viewMenu->addAction(tr("Go to &Consumer"), view_, &GraphView::selectConsumer);
  consumer->setObjectName("goToConsumer");
  consumer->setShortcuts({QKeySequence(Qt::ALT | Qt::Key_Down), QKeySequence(Qt::Key_BracketRight)});
  viewMenu->addSeparator();
  buildGroupActions(viewMenu);
  viewMenu->addSeparator();
  QMenu* panels = viewMenu->addMenu(tr("&Panels"));
  for (QDockWidget* dock : findChildren<QDockWidget*>()) panels->addAction(dock->toggleViewAction());
  buildToolsMenu();
  buildHelpMenu();
  updateModelActions();
}

QString MainWindow::fileFilter() {
  return tr("Models and projects (*.onnx *.onnxtxt *.nir *.nestproj);;Workbench projects (*.nestproj);;All files (*)");
}

bool MainWindow::isModelFile(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  return suffix == "onnx" || suffix == "onnxtxt" || suffix == "nir" || suffix == "nestproj";
}

bool MainWindow::saveProject(const QString& path) {
  QString error;
  if (!document_->save(path, &error)) {
    showError(tr("Cannot save the project"), error);
    return false;
  }
  flash(tr("Saved %1").arg(QFileInfo(path).fileName()), 4000);
  return true;
}

bool MainWindow::save() {
  if (!model_) return false;
  if (document_->projectPath().isEmpty()) {
    saveProjectDialog();
    return !document_->isModified();
  }
  return saveProject(document_->projectPath());
}

void MainWindow::saveProjectDialog() {
  if (!model_) return;
  const QFileInfo info(document_->projectPath().isEmpty() ? model_->path : document_->projectPath());
  const QString suggested = info.absoluteDir().filePath(info.completeBaseName() + ".nestproj");
  const QString path = QFileDialog::getSaveFileName(this, tr("Save Project As"), suggested,
                                                    tr("Workbench projects (*.nestproj)"));
  if (!path.isEmpty()) saveProject(path);
}

void MainWindow::cancel() {
  if (loadPending_) *loadCancel_ = true;
  if (layoutPending_) *layoutCancel_ = true;
  // An edit's recompute is not cancelled: the view must catch up with the document.
  tool_->cancel();
  schedule_->cancel();
}

QString MainWindow::statusText() const { return facts_->text(); }

void MainWindow::openDialog() {
  QString dir = model_ ? QFileInfo(model_->path).absolutePath() : QString();
  const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), dir, fileFilter());
  if (!path.isEmpty()) openFile(path);
}

QStringList MainWindow::recentFiles() const {
  if (!options_.persistSettings) return {};
  NEST_SETTINGS(s);
  return s.value("recentFiles").toStringList();
}

void MainWindow::addRecentFile(const QString& path) {
  if (!options_.persistSettings) return;
  QStringList files = recentFiles();
  const QString abs = QFileInfo(path).absoluteFilePath();
  files.removeAll(abs);
  files.prepend(abs);
  while (files.size() > kMaxRecentFiles) files.removeLast();
  NEST_SETTINGS(s);
  s.setValue("recentFiles", files);
}

void MainWindow::rebuildRecentMenu() {
  recentMenu_->clear();
  const QStringList files = recentFiles();
  for (const QString& f : files)
    recentMenu_->addAction(QFileInfo(f).fileName() + "  —  " + QFileInfo(f).absolutePath(), this, [this, f] { openFile(f); });
  if (files.isEmpty()) recentMenu_->addAction(tr("(none)"))->setEnabled(false);
}

void MainWindow::openFile(const QString& path, const QString& modelOverride) {
  if (document_->isModified()) autosaveNow();  // nothing unsaved is lost by opening another file
  *loadCancel_ = true;  // a newer request supersedes the one in flight
  loadCancel_ = std::make_shared<std::atomic<bool>>(false);
  loadingPath_ = path;
  Cancel cancel = loadCancel_;
  loadPending_ = true;
  loadWatcher_.setFuture(
      QtConcurrent::run([path, cancel, modelOverride, grouping = ViewGrouping{.byScope = grouping_.byScope, .automatic = true}] {
        return loadModelJob(path, cancel, modelOverride, grouping);
      }));
  updateBusy();
}

bool MainWindow::isBusy() const {
  return loadPending_ || layoutPending_ || explorer_->isBusy() || isEditing();
}

void MainWindow::onLoadFinished() {
  const LoadOutcome outcome = loadWatcher_.result();
  loadPending_ = false;
  updateBusy();
  if (*loadCancel_) {  // cancelled (even if the job had already finished): keep the model shown
    const QString facts = statusFacts();
    facts_->setText(facts.isEmpty() ? tr("Loading %1 cancelled").arg(QFileInfo(loadingPath_).fileName())
                                    : tr("Loading %1 cancelled  ·  %2").arg(QFileInfo(loadingPath_).fileName(), facts));
    return;
  }
  if (!outcome.model) {
    if (!outcome.error.isEmpty())
      showError(tr("Cannot open %1").arg(QFileInfo(loadingPath_).fileName()), outcome.error);
    return;
  }
  // A new document: whatever the editing jobs were doing belongs to the previous one.
  for (BackgroundTask* task : {recompute_, schedule_, tool_}) task->cancel();
  costs_.reset();
  costsGraph_.reset();
  summary_ = {};
  summaryGraph_.reset();
  errorSqnr_.clear();
  errorGraph_.reset();
  std::shared_ptr<const LoadedModel> model = outcome.model;
  const bool recovered = !recoveringFile_.isEmpty() && QFileInfo(loadingPath_) == QFileInfo(recoveringFile_);
  if (recovered) {  // the autosave stands in for the project (or model) it belongs to
    auto copy = std::make_shared<LoadedModel>(*model);
    copy->projectPath = isProjectFile(recoveringOrigin_) ? recoveringOrigin_ : QString();
    model = copy;
    QFile::remove(recoveringFile_.chopped(9) + ".origin");
    QFile::remove(recoveringFile_);
  }
  recoveringFile_.clear();
  document_->reset(model->project, model->projectPath);
  if (recovered) document_->markModified();
  adoptModel(model, false);
  setWindowModified(document_->isModified());
  rebuildDeviceActions();
  startSchedule();
}

// A loaded model, or the recomputed one after an edit (same model: the view keeps its zoom and
// the pass shown when it still exists).
void MainWindow::adoptModel(std::shared_ptr<const LoadedModel> model, bool afterEdit) {
  // Drop everything about the previous graphs (a layout still running for them is stale).
  *layoutCancel_ = true;
  layoutCancel_ = std::make_shared<std::atomic<bool>>(false);
  layouts_.clear();
  stats_.clear();
  const NodeId selected = view_->selectedNode();
  const QList<NodeId> selection = view_->selectedNodes();
  inspector_->showNode(nullptr, 0);
  model_ = std::move(model);
  grouping_ = model_->grouping;
  regroupSelection_.reset();
  inspector_->setPipeline(&model_->run);  // provenance; never left pointing at a freed model
  const int last = static_cast<int>(model_->run.records.size()) - 1;
  layouts_[snapshot(last).get()] = model_->layout;
  stats_[snapshot(last).get()] = model_->stats;
  fillPassList();
  wantedRecord_ = last;
  display(last, snapshot(last), model_->layout, afterEdit, model_->prepared);
  if (afterEdit) {
    view_->selectNodes(selection);
    if (selection.isEmpty() && selected) view_->selectNode(selected);
  }
  explorer_->setModel(model_);
  rebuildTargets();
  updateModelActions();
  if (!afterEdit) {
    setWindowTitle(tr("%1[*] — NEST Workbench").arg(displayName(model_->path)));
    addRecentFile(model_->projectPath.isEmpty() ? model_->path : model_->projectPath);
    emit modelLoaded(model_->path);
  }
}

void MainWindow::fillPassList() {
  const QSignalBlocker block(passes_);
  passes_->clear();
  passes_->setToolTip(tr("Pipeline %1: pass, wall time, nodes before → after. Select a pass to see the graph after it.")
                          .arg(pipelineName(model_->project)));
  for (const PassRecord& r : model_->run.records) {
    const QString name = passLabel(r);
    auto* item = new QListWidgetItem(QStringLiteral("%1\n    %2 ms   %3 → %4 nodes")
                                         .arg(name)
                                         .arg(r.milliseconds, 0, 'f', 2)
                                         .arg(r.nodesBefore)
                                         .arg(r.nodesAfter));
    if (!r.changed) item->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
    item->setToolTip(item->text() + "\n" + QString::fromStdString(r.summary));
    passes_->addItem(item);
  }
  passes_->setCurrentRow(static_cast<int>(model_->run.records.size()) - 1);
}

std::shared_ptr<const Graph> MainWindow::snapshot(int record) const {
  if (!model_) return nullptr;
  const PipelineRun& run = model_->run;
  if (record < 0 || record >= static_cast<int>(run.records.size())) return run.initial;
  return run.records[record].after;
}

int MainWindow::findPass(const QString& name) const {
  if (!model_) return -1;
  const auto& records = model_->run.records;
  int last = -1;
  for (int i = static_cast<int>(records.size()) - 1; i >= 0; --i) {
    if (QString::fromStdString(records[i].pass) != name) continue;
    if (records[i].changed) return i;
    if (last < 0) last = i;
  }
  return last;
}

bool MainWindow::selectPass(int record) {
  if (!model_ || record < 0 || record >= static_cast<int>(model_->run.records.size())) return false;
  if (passes_->currentRow() != record) {
    passes_->setCurrentRow(record);  // calls onPassRowChanged
  } else {
    onPassRowChanged(record);
  }
  return true;
}

void MainWindow::onPassRowChanged(int row) {
  if (!model_ || row < 0) return;
  showRecord(row);
}

void MainWindow::showRecord(int row) {
  wantedRecord_ = row;
  std::shared_ptr<const Graph> graph = snapshot(row);
  auto cached = layouts_.find(graph.get());
  if (cached != layouts_.end()) {
    display(row, graph, cached->second);
    return;
  }
  *layoutCancel_ = true;
  layoutCancel_ = std::make_shared<std::atomic<bool>>(false);
  Cancel cancel = layoutCancel_;
  layoutPending_ = true;
  layoutWatcher_.setFuture(
      QtConcurrent::run([graph, cancel, grouping = grouping_] { return layoutJob(graph, cancel, grouping, true); }));
  updateBusy();
}

void MainWindow::onLayoutFinished() {
  const LayoutOutcome outcome = layoutWatcher_.result();
  layoutPending_ = false;
  updateBusy();
  if (!model_) return;
  if (*layoutCancel_) {  // cancelled: stay on the graph shown, and select its row again
    wantedRecord_ = shownRecord_;
    if (shownRecord_ >= 0) {
      const QSignalBlocker block(passes_);
      passes_->setCurrentRow(shownRecord_);
    }
    facts_->setText(tr("Layout cancelled  ·  %1").arg(statusFacts()));
    return;
  }
  std::shared_ptr<const Graph> wanted = snapshot(wantedRecord_);
  if (outcome.graph != wanted) return;  // stale: another pass or model was chosen meanwhile
  if (!outcome.layout) {
    if (!outcome.error.isEmpty()) showError(tr("Cannot lay out the graph"), outcome.error);
    return;
  }
  layouts_[outcome.graph.get()] = outcome.layout;
  stats_[outcome.graph.get()] = outcome.stats;
  display(wantedRecord_, outcome.graph, outcome.layout, false, outcome.prepared);
  if (regroupSelection_) view_->selectNodes(*std::exchange(regroupSelection_, std::nullopt));
}

void MainWindow::display(int record, std::shared_ptr<const Graph> graph, const LayoutPtr& layout, bool keepView,
                         const PreparedItemsPtr& prepared) {
  const bool sameModel = keepView || (shown_ && model_ && (shown_ == model_->run.initial ||
                                               std::any_of(model_->run.records.begin(), model_->run.records.end(),
                                                           [&](const PassRecord& r) { return r.after == shown_; })));
  shown_ = std::move(graph);
  shownRecord_ = record;
  view_->showLayout(*layout, sameModel, prepared);
  view_->setGraph(shown_.get());
  search_->setGraph(shown_.get());
  legend_->showLayout(*layout);
  facts_->setText(statusFacts());
  const int records = static_cast<int>(model_->run.records.size());
  codeView_->setState(shown_, record >= 0 && record < records
                                  ? tr("after %1 (pass %2 of %3)").arg(passLabel(model_->run.records[record])).arg(record + 1).arg(records)
                                  : tr("as imported"));
  applyOverlay();
  emit displayChanged();
}

QString MainWindow::statusFacts() const {
  if (!model_ || !shown_) return QString();
  const auto cached = stats_.find(shown_.get());
  const GraphStats stats = cached != stats_.end() ? cached->second : computeStats(*shown_);
  QString where = shownRecord_ >= 0 && shownRecord_ < static_cast<int>(model_->run.records.size())
                      ? tr("after %1").arg(passLabel(model_->run.records[shownRecord_]))
                      : tr("imported");
  return tr("%1 (%2)  ·  %3 nodes  ·  %4 parameters  ·  %5 MACs")
      .arg(displayName(model_->path), where)
      .arg(stats.nodeCount)
      .arg(humanCount(stats.parameterCount), humanCount(stats.macs));
}

void MainWindow::onNodeSelected(NodeId id) {
  inspector_->setPipeline(model_ ? &model_->run : nullptr);
  inspector_->showNode(shown_.get(), id);
  showAssignmentFacts(id);
  highlightInstructions(id);
}

void MainWindow::buildToolDocks() {
  search_ = new SearchPanel(view_, this);
  auto* searchDock = new QDockWidget(tr("Search"), this);
  searchDock->setObjectName("searchDock");
  searchDock->setWidget(search_);
  addDockWidget(Qt::LeftDockWidgetArea, searchDock);

  legend_ = new Legend(this);
  auto* legendDock = new QDockWidget(tr("Legend"), this);
  legendDock->setObjectName("legendDock");
  legendDock->setWidget(legend_);
  addDockWidget(Qt::RightDockWidgetArea, legendDock);

  minimap_ = new Minimap(view_);
}

bool MainWindow::exportSvg(const QString& path) {
  const auto it = shown_ ? layouts_.find(shown_.get()) : layouts_.end();
  const QString error = it == layouts_.end() || !it->second
                            ? tr("nothing to export: no graph is shown")
                            : exportLayoutSvg(*it->second, model_ ? displayName(model_->path) : QString(), path);
  if (!error.isEmpty()) showError(tr("Cannot export SVG"), error);
  return error.isEmpty();
}

bool MainWindow::exportPng(const QString& path, PngOversize oversize, QStringList* written) {
  const QString error = shown_ ? exportScenePng(view_->scene(), path, 2.0, oversize, written)
                               : tr("nothing to export: no graph is shown");
  if (!error.isEmpty()) showError(tr("Cannot export PNG"), error);
  return error.isEmpty();
}

void MainWindow::exportDialog(bool png) {
  if (!shown_ || !model_) return;
  const QFileInfo info(model_->path);
  const QString suggested = info.absoluteDir().filePath(info.completeBaseName() + (png ? ".png" : ".svg"));
  const QString path = QFileDialog::getSaveFileName(this, png ? tr("Export PNG") : tr("Export SVG"), suggested,
                                                    png ? tr("PNG images (*.png)") : tr("SVG images (*.svg)"));
  if (path.isEmpty()) return;
  if (!png) {
    exportSvg(path);
    return;
  }
  const PngTiles plan = planPng(view_->scene()->sceneRect(), 2.0);
  if (!plan.oversize()) {
    exportPng(path);
    return;
  }
  // Too big for one image: tiles, or SVG (vector, any size) instead.
  QMessageBox ask(QMessageBox::Warning, tr("Export PNG"),
                  tr("The image would be %1×%2 pixels, more than one PNG should hold (%3 px a side, %4 Mpixel).")
                      .arg(plan.full.width())
                      .arg(plan.full.height())
                      .arg(kPngMaxSide)
                      .arg(kPngMaxPixels / (1024 * 1024)),
                  QMessageBox::Cancel, this);
  QPushButton* tiles = ask.addButton(tr("Export %1 Tiles").arg(plan.rows * plan.cols), QMessageBox::AcceptRole);
  QPushButton* svg = ask.addButton(tr("Export SVG Instead"), QMessageBox::ActionRole);
  ask.setInformativeText(tr("%1 rows × %2 columns of %3×%4 px, named %5 (row, column) …")
                             .arg(plan.rows)
                             .arg(plan.cols)
                             .arg(plan.tile.width())
                             .arg(plan.tile.height())
                             .arg(QFileInfo(PngTiles::tilePath(path, 0, 0)).fileName()));
  ask.exec();
  if (ask.clickedButton() == tiles) {
    exportPng(path, PngOversize::Tile);
  } else if (ask.clickedButton() == svg) {
    const QFileInfo info(path);
    const QString svgPath = QFileDialog::getSaveFileName(this, tr("Export SVG"), info.dir().filePath(info.completeBaseName() + ".svg"),
                                                         tr("SVG images (*.svg)"));
    if (!svgPath.isEmpty()) exportSvg(svgPath);
  }
}

void MainWindow::updateBusy() {
  const bool loading = loadPending_;
  const bool busy = isBusy();
  busyLabel_->setText(loading ? tr("Loading %1…").arg(QFileInfo(loadingPath_).fileName()) : tr("Laying out…"));
  busyBar_->setRange(0, 0);
  busyLabel_->setVisible(busy);
  busyBar_->setVisible(busy);
  cancelButton_->setVisible(loading || layoutPending_);
  updateEditingBusy();
}

void MainWindow::flash(const QString& text, int ms) {
  facts_->setText(text);
  const quint64 generation = ++flashGeneration_;
  QTimer::singleShot(ms, this, [this, generation] {
    if (generation == flashGeneration_) facts_->setText(statusFacts());
  });
}

void MainWindow::showError(const QString& title, const QString& message) {
  lastError_ = message;
  emit errorOccurred(message);
  if (!options_.errorDialogs) return;
  auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();  // non-blocking: the window (and tests) keep running
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (document_->isModified() && options_.errorDialogs) {
    const auto answer = QMessageBox::question(
        this, tr("Unsaved changes"), tr("Save the changes to %1 before closing?").arg(windowTitle().remove("[*]")),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Cancel || (answer == QMessageBox::Save && !save())) {
      event->ignore();
      return;
    }
    if (answer == QMessageBox::Discard) document_->discardAutosave();
  } else if (document_->isModified()) {
    autosaveNow();  // no one to ask: the changes stay recoverable
  } else {
    document_->discardAutosave();
  }
  if (options_.persistSettings) {
    NEST_SETTINGS(s);
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
  }
  QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().first().isLocalFile() &&
      isModelFile(mime->urls().first().toLocalFile()))
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QList<QUrl> urls = event->mimeData()->urls();
  if (urls.isEmpty() || !urls.first().isLocalFile()) return;
  openFile(urls.first().toLocalFile());
  event->acceptProposedAction();
}

}  // namespace nest::gui
