// MainWindow's editing loop (issue: "Workbench editing loop"): the document and its undo stack,
// device and precision modes, assignments with their checks, overlays, the background jobs
// (recompute after an edit, schedule, auto partition, calibration, error, suggest float) and
// autosave / recovery. The compiler work is the driver's and the jobs'; this file wires widgets.
#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QComboBox>
#include <QCursor>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QToolTip>
#include <QUndoView>

#include <set>

#include "app/gui/assignment_edits.h"
#include "app/gui/background_task.h"
#include "app/gui/calibration_dialog.h"
#include "app/gui/graph_view.h"
#include "app/gui/inspector.h"
#include "app/gui/legend.h"
#include "app/gui/main_window.h"
#include "app/gui/partition_panel.h"
#include "app/gui/pass_explorer.h"
#include "app/gui/project_document.h"
#include "core/error.h"
#include "core/graph_selection.h"
#include "core/node_keys.h"
#include "core/quant_math.h"
#include "driver/assignment_check.h"
#include "driver/driver.h"

namespace nest::gui {

namespace {

qint64 nowNs() {
  static QElapsedTimer clock = [] {
    QElapsedTimer t;
    t.start();
    return t;
  }();
  return clock.nsecsElapsed();
}

// The precision a node computes in, from its first result's element type.
QString computedPrecision(const Graph& graph, const Node& node) {
  if (node.outputs.empty() || node.outputs[0].empty()) return QStringLiteral("fp32");
  switch (graph.typeOf(node.outputs[0]).elem) {
    case ElemType::I8:
    case ElemType::U8: return QStringLiteral("int8");
    case ElemType::I16: return QStringLiteral("int16");
    default: return QStringLiteral("fp32");
  }
}

const QStringList kPrecisions = {"fp32", "int8", "int16"};

}  // namespace

void MainWindow::buildEditing() {
  document_ = new ProjectDocument(this);
  document_->setAutosaveDir(options_.autosaveDir.isEmpty()
                                ? QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath("autosave")
                                : options_.autosaveDir);
  connect(document_, &ProjectDocument::projectChanged, this, &MainWindow::onProjectChanged);
  connect(document_->undoStack(), &QUndoStack::cleanChanged, this, [this](bool clean) { setWindowModified(!clean); });

  recompute_ = new BackgroundTask(this);
  schedule_ = new BackgroundTask(this);
  tool_ = new BackgroundTask(this);
  for (BackgroundTask* task : {recompute_, schedule_, tool_}) {
    connect(task, &BackgroundTask::runningChanged, this, [this] { updateEditingBusy(); });
    connect(task, &BackgroundTask::progress, this, [this](const QString& what, int done, int total) {
      busyLabel_->setText(what);
      busyBar_->setRange(0, total > 0 ? total : 0);
      if (total > 0) busyBar_->setValue(done);
    });
  }

  undoView_ = new QUndoView(document_->undoStack(), this);
  undoView_->setEmptyLabel(tr("<opened>"));
  auto* undoDock = new QDockWidget(tr("Undo History"), this);
  undoDock->setObjectName("undoDock");
  undoDock->setWidget(undoView_);
  addDockWidget(Qt::LeftDockWidgetArea, undoDock);

  partitionPanel_ = new PartitionPanel(this);
  partitionPanel_->showMessage(tr("Device mode schedules the model on a device configuration: open a project "
                                  "with \"deviceConfig\" (a NEST-C device list)."));
  auto* partitionDock = new QDockWidget(tr("Partitions"), this);
  partitionDock->setObjectName("partitionDock");
  partitionDock->setWidget(partitionPanel_);
  addDockWidget(Qt::BottomDockWidgetArea, partitionDock);
  partitionDock->hide();
  connect(partitionPanel_, &PartitionPanel::nodesClicked, this, [this](const QList<NodeId>& ids) {
    if (!model_) return;
    const int last = static_cast<int>(model_->run.records.size()) - 1;
    if (shownRecord_ != last) selectPass(last);  // the schedule is of the final graph
    view_->selectNodes(ids);
  });

  // Modes and overlays.
  modeBar_ = addToolBar(tr("Mode"));
  modeBar_->setObjectName("modeBar");
  modeGroup_ = new QActionGroup(this);
  const std::pair<Mode, QString> modes[] = {{Mode::View, tr("View")}, {Mode::Device, tr("Device")},
                                            {Mode::Precision, tr("Precision")}};
  for (const auto& [mode, name] : modes) {
    QAction* a = modeBar_->addAction(name, this, [this, mode = mode] { setMode(mode); });
    a->setCheckable(true);
    a->setChecked(mode == Mode::View);
    a->setObjectName("mode" + name);
    a->setToolTip(mode == Mode::View      ? tr("Look at the graph (no overlay)")
                  : mode == Mode::Device  ? tr("Assign devices: nodes coloured by device, the partition schedule below")
                                          : tr("Assign precisions: nodes coloured by the precision they compute in"));
    modeGroup_->addAction(a);
  }
  modeBar_->addSeparator();
  modeBar_->addWidget(new QLabel(tr(" Overlay "), modeBar_));
  overlayBox_ = new QComboBox(modeBar_);
  overlayBox_->setObjectName("overlayBox");
  overlayBox_->addItem(tr("none"), static_cast<int>(OverlayKind::None));
  for (OverlayKind kind : allOverlayKinds()) overlayBox_->addItem(overlayName(kind), static_cast<int>(kind));
  overlayBox_->setToolTip(tr("Colour the nodes by a per-node value"));
  connect(overlayBox_, &QComboBox::activated, this,
          [this](int index) { setOverlay(static_cast<OverlayKind>(overlayBox_->itemData(index).toInt())); });
  modeBar_->addWidget(overlayBox_);

  deviceBar_ = addToolBar(tr("Device"));
  deviceBar_->setObjectName("deviceBar");
  deviceBar_->hide();
  deviceBar_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  precisionBar_ = addToolBar(tr("Precision"));
  precisionBar_->setObjectName("precisionBar");
  precisionBar_->hide();
  precisionBar_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  for (int i = 0; i < kPrecisions.size(); ++i) {
    const QString p = kPrecisions[i];
    QAction* a = precisionBar_->addAction(p, this, [this, p] { assignPrecision(p); });
    a->setObjectName("precision_" + p);
    a->setIcon([&] {
      QPixmap swatch(12, 12);
      swatch.fill(precisionColor(p));
      return QIcon(swatch);
    }());
    a->setToolTip(tr("Compute the selected nodes in %1 (Alt+%2)").arg(p).arg(i + 1));
    a->setShortcut(QKeySequence(Qt::ALT | static_cast<Qt::Key>(Qt::Key_1 + i)));
    addAction(a);
  }
  precisionBar_->addAction(tr("Clear"), this, [this] { assignPrecision(QString()); })
      ->setToolTip(tr("Remove the precision assignment of the selected nodes"));
  precisionBar_->addSeparator();
  auto* schemaBox = new QComboBox(precisionBar_);
  schemaBox->setObjectName("schemaBox");
  schemaBox->addItem(tr("schema…"));
  for (QuantSchema s : {QuantSchema::Asymmetric, QuantSchema::Symmetric, QuantSchema::SymmetricUInt8,
                        QuantSchema::SymmetricPower2})
    schemaBox->addItem(QString::fromStdString(quantSchemaName(s)));
  schemaBox->setToolTip(tr("Quantization schema of the selected nodes (docs/quantization.md)"));
  connect(schemaBox, &QComboBox::activated, this, [this, schemaBox](int index) {
    if (index > 0) assignSchema(schemaBox->itemText(index));
    schemaBox->setCurrentIndex(0);
  });
  precisionBar_->addWidget(schemaBox);
  auto* calibrationBox = new QComboBox(precisionBar_);
  calibrationBox->setObjectName("calibrationBox");
  calibrationBox->addItem(tr("calibration…"));
  calibrationBox->addItems({"minmax", "kl", "percentile", "mse", "auto"});
  calibrationBox->setToolTip(tr("Calibration method of the selected nodes' ranges"));
  connect(calibrationBox, &QComboBox::activated, this, [this, calibrationBox](int index) {
    if (index > 0) assignCalibration(calibrationBox->itemText(index));
    calibrationBox->setCurrentIndex(0);
  });
  precisionBar_->addWidget(calibrationBox);
  precisionBar_->addSeparator();
  precisionBar_->addAction(tr("Calibrate…"), this, &MainWindow::showCalibrationDialog)
      ->setToolTip(tr("Record value ranges over calibration inputs (the profile nestc profile writes)"));
  precisionBar_->addAction(tr("Error"), this, &MainWindow::measureQuantError)
      ->setToolTip(tr("Colour nodes by their SQNR against float on the calibration inputs"));
  precisionBar_->addAction(tr("Suggest Float"), this, [this] { suggestFloat(); })
      ->setToolTip(tr("Sensitivity analysis: keep in float the nodes that cost the most accuracy (one edit)"));

  connect(view_, &GraphView::contextMenuRequested, this, &MainWindow::showNodeMenu);

  autosaveTimer_ = new QTimer(this);
  autosaveTimer_->setInterval(options_.autosaveIntervalMs);
  connect(autosaveTimer_, &QTimer::timeout, this, [this] {
    if (document_->isModified()) autosaveNow();
  });
  autosaveTimer_->start();
}

void MainWindow::buildEditMenu(QMenu* edit) {
  QAction* undo = document_->undoStack()->createUndoAction(this, tr("&Undo"));
  undo->setShortcut(QKeySequence::Undo);
  undo->setObjectName("undo");
  QAction* redo = document_->undoStack()->createRedoAction(this, tr("&Redo"));
  redo->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence::Redo});
  redo->setObjectName("redo");
  edit->addAction(undo);
  edit->addAction(redo);
  edit->addSeparator();
  QMenu* select = edit->addMenu(tr("&Select"));
  select->addAction(tr("&All Nodes"), this, [this] {
    if (!shown_) return;
    QList<NodeId> ids;
    for (const Node& n : shown_->nodes) ids.append(n.id);
    view_->selectNodes(ids);
  })->setShortcut(QKeySequence::SelectAll);
  select->addAction(tr("&Producers Chain"), this, &MainWindow::selectProducerChain)->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_BracketLeft));
  select->addAction(tr("&Consumers Chain"), this, &MainWindow::selectConsumerChain)->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_BracketRight));
  select->addAction(tr("All of This &Op Type"), this, &MainWindow::selectSameOpType)->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
  QMenu* scopes = select->addMenu(tr("Name &Scope"));
  connect(scopes, &QMenu::aboutToShow, this, [this, scopes] {
    scopes->clear();
    for (const QString& scope : scopesOfSelection()) scopes->addAction(scope, this, [this, scope] { selectScope(scope); });
    if (scopes->isEmpty()) scopes->addAction(tr("(select a node with a scoped name)"))->setEnabled(false);
  });
  edit->addSeparator();
  edit->addAction(tr("&Auto Partition"), this, &MainWindow::autoPartition)->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
  edit->addAction(tr("&Calibrate…"), this, &MainWindow::showCalibrationDialog);
  edit->addAction(tr("Suggest &Float Nodes"), this, [this] { suggestFloat(); });
}

// --- Modes and overlays ---

void MainWindow::setMode(Mode mode) {
  mode_ = mode;
  for (QAction* a : modeGroup_->actions())
    a->setChecked(a->objectName() == (mode == Mode::View ? "modeView" : mode == Mode::Device ? "modeDevice" : "modePrecision"));
  deviceBar_->setVisible(mode == Mode::Device);
  precisionBar_->setVisible(mode == Mode::Precision);
  if (auto* dock = findChild<QDockWidget*>("partitionDock")) dock->setVisible(mode == Mode::Device);
  setOverlay(mode == Mode::Device ? OverlayKind::Device : mode == Mode::Precision ? OverlayKind::Precision : OverlayKind::None);
}

void MainWindow::setOverlay(OverlayKind kind) {
  overlay_.kind = kind;
  overlayBox_->setCurrentIndex(std::max(0, overlayBox_->findData(static_cast<int>(kind))));
  applyOverlay();
}

void MainWindow::applyOverlay() {
  const OverlayKind kind = overlay_.kind;
  overlay_ = shown_ ? computeOverlay(kind) : Overlay{};
  overlay_.kind = kind;
  view_->setOverlay(overlay_.fill, overlay_.notes);
  explorer_->setOverlay(overlay_.fill, overlay_.notes);
  if (kind == OverlayKind::None || overlay_.empty()) {
    const auto it = shown_ ? layouts_.find(shown_.get()) : layouts_.end();
    if (it != layouts_.end()) legend_->showLayout(*it->second);
  } else {
    legend_->showOverlay(overlay_);
  }
}

Overlay MainWindow::computeOverlay(OverlayKind kind) const {
  const Graph& g = *shown_;
  switch (kind) {
    case OverlayKind::None: return {};
    case OverlayKind::Device: {
      const QStringList devices = deviceNames();
      QHash<NodeId, QString> deviceOf;
      if (summaryGraph_ && drawsSame(*summaryGraph_, g)) {  // what the schedule does
        for (const PartitionRow& p : summary_.partitions)
          for (NodeId id : p.nodes) deviceOf.insert(id, summary_.devices.value(p.device));
      } else {
        try {
          for (const auto& [id, device] : driver::placeNodes(currentJob(), g)) deviceOf.insert(id, QString::fromStdString(device));
        } catch (const Error&) {
        }
      }
      return categoryOverlay(kind, tr("Device"), deviceOf, devices,
                             [devices](const QString& d) { return deviceColor(std::max(0, static_cast<int>(devices.indexOf(d)))); });
    }
    case OverlayKind::Precision: {
      QHash<NodeId, QString> precisionOf;
      for (const Node& n : g.nodes) precisionOf.insert(n.id, computedPrecision(g, n));
      return categoryOverlay(kind, tr("Precision"), precisionOf, kPrecisions, precisionColor);
    }
    case OverlayKind::Error: {
      QHash<NodeId, double> values;
      for (const Node& n : g.nodes)
        if (errorSqnr_.contains(n.id)) values.insert(n.id, errorSqnr_.value(n.id));
      return numericOverlay(kind, tr("SQNR"), values, QStringLiteral("dB"), true, false);
    }
    case OverlayKind::Macs: return macsOverlay(g);
    case OverlayKind::Memory: return memoryOverlay(g);
    case OverlayKind::Latency: {
      QHash<NodeId, double> us = measuredLatency(g);  // a run's measurement first
      if (!us.isEmpty()) return numericOverlay(kind, tr("Latency (%1)").arg(measuredSource_), us, QStringLiteral("µs"), false, true);
      if (costs_ && costsGraph_ && drawsSame(*costsGraph_, g)) {
        QHash<NodeId, int> deviceOf;
        for (const PartitionRow& p : summary_.partitions)
          for (NodeId id : p.nodes) deviceOf.insert(id, p.device);
        for (size_t i = 0; i < g.nodes.size() && i < costs_->nodeUs.size(); ++i) {
          const int device = deviceOf.value(g.nodes[i].id, 0);
          us.insert(g.nodes[i].id, costs_->nodeUs[i][static_cast<size_t>(device)]);
        }
      }
      return numericOverlay(kind, tr("Latency"), us, QStringLiteral("µs"), false, true);
    }
  }
  return {};
}

QStringList MainWindow::deviceNames() const {
  QStringList names;
  if (!model_) return names;
  try {
    for (const DeviceSpec& d : driver::effectiveDevices(currentJob())) names.append(QString::fromStdString(d.name));
  } catch (const Error&) {
  }
  return names;
}

void MainWindow::rebuildDeviceActions() {
  for (QAction* a : deviceActions_) {
    deviceBar_->removeAction(a);
    removeAction(a);
    delete a;
  }
  deviceActions_.clear();
  const QStringList devices = deviceNames();
  for (int i = 0; i < devices.size(); ++i) {
    const QString device = devices[i];
    auto* a = new QAction(device, this);
    QPixmap swatch(12, 12);
    swatch.fill(deviceColor(i));
    a->setIcon(QIcon(swatch));
    a->setObjectName("device_" + device);
    if (i < 9) a->setShortcut(QKeySequence(static_cast<Qt::Key>(Qt::Key_1 + i)));
    a->setToolTip(tr("Run the selected nodes on %1 (%2)").arg(device).arg(i + 1));
    connect(a, &QAction::triggered, this, [this, device] { assignDevice(device); });
    addAction(a);  // the shortcut works in every mode
    deviceActions_.append(a);
  }
  auto* clear = new QAction(tr("Default"), this);
  clear->setShortcut(QKeySequence(Qt::Key_0));
  clear->setToolTip(tr("Remove the device assignment of the selected nodes (0)"));
  connect(clear, &QAction::triggered, this, [this] { assignDevice(QString()); });
  addAction(clear);
  deviceActions_.append(clear);
  auto* autoPartitionAction = new QAction(tr("Auto Partition"), this);
  autoPartitionAction->setObjectName("autoPartition");
  autoPartitionAction->setToolTip(tr("Place the unpinned nodes for the least latency (Ctrl+P); one undoable edit"));
  connect(autoPartitionAction, &QAction::triggered, this, &MainWindow::autoPartition);
  deviceActions_.append(autoPartitionAction);
  deviceBar_->addActions(deviceActions_);
}

// --- Assignments ---

driver::Job MainWindow::currentJob() const {
  return documentJob(document_->project(), document_->projectPath(), model_ ? model_->profile : nullptr);
}

bool MainWindow::requireModel() {
  if (model_ && document_->isOpen()) return true;
  refuse(tr("open a model first"));
  return false;
}

void MainWindow::refuse(const QString& reason) {
  lastError_ = reason;
  flash(reason, 15000);
  statusBar()->setToolTip(reason);
  if (isVisible()) QToolTip::showText(QCursor::pos(), reason, this);
}

bool MainWindow::applyAssignment(const QString& label, const std::function<void(Assignment&)>& change) {
  if (!requireModel()) return false;
  const QList<NodeId> ids = view_->selectedNodes();
  if (ids.isEmpty()) {
    refuse(tr("select the nodes to assign first (click, Ctrl-click, Shift-drag)"));
    return false;
  }
  const std::vector<NodeRef> refs = nodeRefs(*shown_, ids);
  ProjectFile candidate = document_->project();
  editAssignments(candidate, refs, change);
  // The driver's own check, on the current graph: what compiling would refuse is refused now.
  try {
    driver::Job job = documentJob(candidate, document_->projectPath(), model_->profile);
    const std::vector<std::string> problems = driver::assignmentProblems(job, *model_->imported, model_->run.result());
    if (!problems.empty()) {
      QString text = tr("Refused: ");
      for (size_t i = 0; i < problems.size() && i < 3; ++i) text += (i ? "; " : "") + QString::fromStdString(problems[i]);
      if (problems.size() > 3) text += tr(" (and %1 more)").arg(problems.size() - 3);
      refuse(text);
      return false;
    }
  } catch (const Error& e) {
    refuse(tr("Refused: %1").arg(QString::fromStdString(e.what())));
    return false;
  }
  const QString what = refs.size() == 1 ? QString::fromStdString(refs[0].key) : tr("%1 nodes").arg(refs.size());
  editStartNs_ = nowNs();
  document_->edit(label.arg(what), [&](ProjectFile& p) { editAssignments(p, refs, change); });
  return true;
}

bool MainWindow::assignDevice(const QString& device) {
  if (!device.isEmpty() && !deviceNames().contains(device)) {
    refuse(tr("no device '%1' in the project (devices: %2)").arg(device, deviceNames().join(", ")));
    return false;
  }
  const std::string d = device.toStdString();
  return applyAssignment(device.isEmpty() ? tr("Clear device of %1") : tr("Assign %1 to ") + device,
                         [d](Assignment& a) {
                           a.device = d;
                           a.autoPlaced = false;  // the user's choice: a pin
                         });
}

bool MainWindow::assignPrecision(const QString& precision) {
  if (!precision.isEmpty() && !kPrecisions.contains(precision)) {
    refuse(tr("unknown precision '%1' (fp32, int8, int16)").arg(precision));
    return false;
  }
  return applyAssignment(precision.isEmpty() ? tr("Clear precision of %1") : tr("Set %1 to ") + precision,
                         [precision](Assignment& a) {
                           a.quant.keepFloat = precision == "fp32";
                           a.quant.precision = precision == "int8"    ? std::optional(QuantPrecision::Int8)
                                               : precision == "int16" ? std::optional(QuantPrecision::Int16)
                                                                      : std::nullopt;
                         });
}

bool MainWindow::assignSchema(const QString& schema) {
  std::optional<QuantSchema> value;
  try {
    if (!schema.isEmpty()) value = parseQuantSchema(schema.toStdString(), "schema");
  } catch (const Error& e) {
    refuse(QString::fromStdString(e.what()));
    return false;
  }
  return applyAssignment(schema.isEmpty() ? tr("Clear schema of %1") : tr("Set schema of %1 to ") + schema,
                         [value](Assignment& a) { a.quant.schema = value; });
}

bool MainWindow::assignCalibration(const QString& method) {
  std::optional<Calibration> value;
  try {
    if (!method.isEmpty()) value = parseCalibration(method.toStdString(), "calibration");
  } catch (const Error& e) {
    refuse(QString::fromStdString(e.what()));
    return false;
  }
  return applyAssignment(method.isEmpty() ? tr("Clear calibration of %1") : tr("Set calibration of %1 to ") + method,
                         [value](Assignment& a) { a.quant.calibration = value; });
}

// --- Recompute after an edit (and undo / redo) ---

void MainWindow::onProjectChanged() {
  if (!model_) return;
  if (editStartNs_ < 0) editStartNs_ = nowNs();  // undo / redo
  std::shared_ptr<const LoadedModel> previous = model_;
  const ProjectFile project = document_->project();
  const QString projectPath = document_->projectPath();
  recompute_->start(tr("Updating…"), [this, previous, project, projectPath, grouping = grouping_](const Cancel& cancel, const JobProgress&) {
    LoadOutcome outcome = recomputeJob(previous, project, projectPath, cancel, grouping);
    return BackgroundTask::Finisher([this, outcome] { onRecomputed(outcome); });
  });
}

void MainWindow::onRecomputed(const LoadOutcome& outcome) {
  if (!outcome.model) {
    if (outcome.error.isEmpty()) return;  // cancelled
    // The edit cannot be compiled (an assignment the final graph refuses): take it back.
    editStartNs_ = -1;
    showError(tr("The edit was undone"), outcome.error);
    if (document_->undoStack()->canUndo()) document_->undoStack()->undo();
    return;
  }
  // A user looking at an earlier pass stays there; one at the final graph sees the new final graph.
  const bool atLast = shownRecord_ == static_cast<int>(model_->run.records.size()) - 1;
  const int keepRecord = shownRecord_;
  adoptModel(outcome.model, true);
  if (!atLast && keepRecord >= 0 && keepRecord < static_cast<int>(model_->run.records.size())) selectPass(keepRecord);
  rebuildDeviceActions();
  startSchedule();
}

void MainWindow::startSchedule() {
  auto finishEdit = [this] {
    if (editStartNs_ < 0) return;
    const double ms = (nowNs() - editStartNs_) / 1e6;
    editStartNs_ = -1;
    emit editApplied(ms);
  };
  if (!model_ || document_->project().deviceConfig.empty()) {
    finishEdit();
    return;
  }
  std::shared_ptr<const Graph> graph = snapshot(static_cast<int>(model_->run.records.size()) - 1);
  const CostsPtr known = costsGraph_ && drawsSame(*costsGraph_, *graph) ? costs_ : nullptr;
  const driver::Job job = currentJob();
  std::shared_ptr<const Graph> imported = model_->imported;
  schedule_->start(tr("Scheduling…"), [=, this](const Cancel& cancel, const JobProgress& progress) {
    PartitionOutcome outcome = scheduleJob(job, imported, graph, known, cancel, progress);
    return BackgroundTask::Finisher([this, outcome, finishEdit] {
      if (outcome.cancelled) return;
      if (!outcome.error.isEmpty()) {
        partitionPanel_->showMessage(outcome.error);
        summary_ = {};
        summaryGraph_.reset();
      } else {
        costs_ = outcome.costs;
        costsGraph_ = outcome.graph;
        summary_ = outcome.summary;
        summaryGraph_ = outcome.graph;
        partitionPanel_->setSummary(summary_);
      }
      applyOverlay();
      finishEdit();
    });
  });
}

// --- Background tools ---

void MainWindow::autoPartition() {
  if (!requireModel()) return;
  if (document_->project().deviceConfig.empty()) {
    refuse(tr("Auto partition needs a device configuration: the project's \"deviceConfig\" (a NEST-C device list)"));
    return;
  }
  // The user's pins hold; the partitioner's own earlier placement does not.
  ProjectFile pinsOnly = document_->project();
  for (auto& [key, entry] : pinsOnly.nodes.items())
    if (entry.value("autoPlaced", false)) {
      entry.erase("device");
      entry.erase("autoPlaced");
    }
  driver::Job job = documentJob(pinsOnly, document_->projectPath(), model_->profile);
  job.strategy = "auto";
  std::shared_ptr<const Graph> graph = snapshot(static_cast<int>(model_->run.records.size()) - 1);
  const CostsPtr known = costsGraph_ && drawsSame(*costsGraph_, *graph) ? costs_ : nullptr;
  std::shared_ptr<const Graph> imported = model_->imported;
  tool_->start(tr("Auto partition…"), [=, this](const Cancel& cancel, const JobProgress& progress) {
    PartitionOutcome outcome = autoPartitionJob(job, imported, graph, known, cancel, progress);
    return BackgroundTask::Finisher([this, outcome, graph] {
      if (outcome.cancelled) return flash(tr("Auto partition cancelled"), 5000);
      if (!outcome.error.isEmpty()) return showError(tr("Auto partition failed"), outcome.error);
      std::vector<NodeRef> refs;
      std::map<std::string, std::string> names;
      for (const Node& n : graph->nodes) names.emplace(stableKey(n), n.name);
      editStartNs_ = nowNs();
      const bool changed = document_->edit(tr("Auto partition (%1 partitions)").arg(outcome.summary.partitions.size()),
                                           [&](ProjectFile& p) {
        std::vector<NodeRef> autoPlaced;  // the earlier automatic placement is replaced
        for (auto& [key, entry] : p.nodes.items())
          if (entry.value("autoPlaced", false)) autoPlaced.push_back({key, entry.value("name", ""), entry.value("glowName", "")});
        editAssignments(p, autoPlaced, [](Assignment& a) { a.device.clear(); });
        for (const auto& placed : outcome.placement) {  // no structured binding: clang 14 cannot capture one
          const std::string& key = placed.first;
          const std::string& device = placed.second;
          const std::vector<NodeRef> one{{key, names.count(key) ? names[key] : std::string(), std::string()}};
          editAssignments(p, one, [&](Assignment& a) {
            a.device = device;
            a.autoPlaced = true;
          });
        }
      });
      if (!changed) {
        editStartNs_ = -1;
        flash(tr("Auto partition: the placement is already the best found"), 5000);
      }
    });
  });
}

std::shared_ptr<const Graph> MainWindow::floatGraph() const {
  // The last snapshot before the quantize pass (the profile is of that graph).
  const auto& records = model_->run.records;
  for (int i = static_cast<int>(records.size()) - 1; i >= 0; --i)
    if (records[static_cast<size_t>(i)].pass != "quantize") return records[static_cast<size_t>(i)].after;
  return model_->run.initial;
}

QString MainWindow::suggestedPath(const QString& suffix) const {
  const QFileInfo info(document_->projectPath().isEmpty() ? model_->path : document_->projectPath());
  return info.absoluteDir().filePath(info.completeBaseName() + suffix);
}

void MainWindow::showCalibrationDialog() {
  if (!requireModel()) return;
  auto* dialog = new CalibrationDialog(calibrationInputs_, suggestedPath(".profile.yaml"), this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &QDialog::accepted, this, [this, dialog] { calibrate(dialog->inputs(), dialog->profilePath()); });
  dialog->open();
}

void MainWindow::calibrate(const CalibrationInputs& inputs, const QString& profilePath) {
  if (!requireModel()) return;
  std::shared_ptr<const Graph> graph = floatGraph();
  tool_->start(tr("Calibrating…"), [=, this](const Cancel& cancel, const JobProgress& progress) {
    CalibrationOutcome outcome = calibrationJob(graph, inputs, profilePath, cancel, progress);
    return BackgroundTask::Finisher([this, outcome, inputs] {
      if (outcome.cancelled) return flash(tr("Calibration cancelled"), 5000);
      if (!outcome.error.isEmpty()) return showError(tr("Calibration failed"), outcome.error);
      calibrationInputs_ = inputs;
      flash(tr("Profiled %1 values over %2 samples: %3")
                                   .arg(outcome.values)
                                   .arg(outcome.samples)
                                   .arg(outcome.profilePath), 8000);
      editStartNs_ = nowNs();
      const std::string path = QFileInfo(outcome.profilePath).absoluteFilePath().toStdString();
      if (!document_->edit(tr("Calibrate (%1)").arg(QFileInfo(outcome.profilePath).fileName()),
                           [&](ProjectFile& p) { p.quantization["profile"] = path; })) {
        // The same profile file, rewritten: recompute with the new ranges all the same.
        auto reread = std::make_shared<LoadedModel>(*model_);
        reread->profile.reset();  // read the file again
        model_ = reread;
        onProjectChanged();
      }
    });
  });
}

void MainWindow::measureQuantError() {
  if (!requireModel()) return;
  if (!model_->profile) return refuse(tr("nothing is quantized yet: Calibrate… first"));
  if (calibrationInputs_.empty()) {
    refuse(tr("the error is measured on the calibration inputs: Calibrate… first"));
    return showCalibrationDialog();
  }
  std::shared_ptr<const Graph> quant = snapshot(static_cast<int>(model_->run.records.size()) - 1);
  std::shared_ptr<const Graph> reference = floatGraph();
  const CalibrationInputs inputs = calibrationInputs_;
  tool_->start(tr("Measuring quantization error…"), [=, this](const Cancel& cancel, const JobProgress& progress) {
    ErrorOutcome outcome = quantErrorJob(reference, quant, inputs, cancel, progress);
    return BackgroundTask::Finisher([this, outcome, quant] {
      if (outcome.cancelled) return flash(tr("Error measurement cancelled"), 5000);
      if (!outcome.error.isEmpty()) return showError(tr("Cannot measure the quantization error"), outcome.error);
      errorSqnr_ = outcome.sqnrDb;
      errorGraph_ = quant;
      flash(tr("Output SQNR %1 dB, top-1 agreement %2% over %3 runs")
                                   .arg(outcome.outputSqnrDb, 0, 'f', 1)
                                   .arg(outcome.top1Agreement, 0, 'f', 1)
                                   .arg(outcome.runs), 10000);
      setOverlay(OverlayKind::Error);
    });
  });
}

void MainWindow::suggestFloat(double maxDrop) {
  if (!requireModel()) return;
  if (!model_->profile) return refuse(tr("nothing is quantized yet: Calibrate… first"));
  if (calibrationInputs_.empty()) {
    refuse(tr("the sensitivity analysis runs on the calibration inputs: Calibrate… first"));
    return showCalibrationDialog();
  }
  std::shared_ptr<const Graph> reference = floatGraph();
  std::shared_ptr<const QuantProfile> profile = model_->profile;
  const QuantConfig config = quantConfigOf(document_->project(), "document");
  const CalibrationInputs inputs = calibrationInputs_;
  tool_->start(tr("Suggest float nodes…"), [=, this](const Cancel& cancel, const JobProgress& progress) {
    SuggestOutcome outcome = suggestFloatJob(reference, profile, config, inputs, maxDrop, cancel, progress);
    return BackgroundTask::Finisher([this, outcome, reference] {
      if (outcome.cancelled) return flash(tr("Suggest float cancelled"), 5000);
      if (!outcome.error.isEmpty()) return showError(tr("Suggest float failed"), outcome.error);
      flash(outcome.summary, 10000);
      std::vector<NodeRef> refs;
      for (const std::string& key : outcome.keepFloat) {
        NodeRef ref{key, std::string(), std::string()};
        for (const Node& n : reference->nodes)
          if (stableKey(n) == key) {
            ref.name = n.name;
            ref.glowName = glowStyleName(n);
            break;
          }
        refs.push_back(ref);
      }
      editStartNs_ = nowNs();
      if (!document_->edit(tr("Suggest float: keep %1 nodes in fp32").arg(refs.size()), [&](ProjectFile& p) {
            editAssignments(p, refs, [](Assignment& a) {
              a.quant.keepFloat = true;
              a.quant.precision.reset();
            });
          }))
        editStartNs_ = -1;
    });
  });
}

bool MainWindow::isEditing() const {
  return recompute_->isRunning() || schedule_->isRunning() || tool_->isRunning();
}

void MainWindow::updateEditingBusy() {
  const bool editing = isEditing();
  if (editing && !loadPending_ && !layoutPending_) {
    BackgroundTask* task = tool_->isRunning() ? tool_ : recompute_->isRunning() ? recompute_ : schedule_;
    busyLabel_->setText(task->label());
    busyBar_->setRange(0, 0);
  }
  busyLabel_->setVisible(editing || loadPending_ || layoutPending_);
  busyBar_->setVisible(editing || loadPending_ || layoutPending_);
  cancelButton_->setVisible(editing || loadPending_ || layoutPending_);
}

// --- Selection commands and the context menu ---

void MainWindow::selectProducerChain() {
  if (!shown_ || view_->selectedNode() == 0) return refuse(tr("select a node first"));
  QList<NodeId> ids;
  for (NodeId id : view_->selectedNodes())
    for (NodeId p : producerChain(*shown_, id)) ids.append(p);
  view_->selectNodes(ids);
}

void MainWindow::selectConsumerChain() {
  if (!shown_ || view_->selectedNode() == 0) return refuse(tr("select a node first"));
  QList<NodeId> ids;
  for (NodeId id : view_->selectedNodes())
    for (NodeId c : consumerChain(*shown_, id)) ids.append(c);
  view_->selectNodes(ids);
}

void MainWindow::selectSameOpType() {
  if (!shown_ || view_->selectedNode() == 0) return refuse(tr("select a node first"));
  std::set<std::string> ops;
  for (const Node& n : shown_->nodes)
    if (view_->selectedNodes().contains(n.id)) ops.insert(n.op);
  QList<NodeId> ids;
  for (const std::string& op : ops)
    for (NodeId id : nodesOfOp(*shown_, op)) ids.append(id);
  view_->selectNodes(ids);
}

void MainWindow::selectScope(const QString& scope) {
  if (!shown_) return;
  QList<NodeId> ids;
  for (NodeId id : nodesInScope(*shown_, scope.toStdString())) ids.append(id);
  if (ids.isEmpty()) return refuse(tr("no node in scope %1").arg(scope));
  view_->selectNodes(ids);
}

QStringList MainWindow::scopesOfSelection() const {
  QStringList scopes;
  const NodeId first = view_->selectedNode();
  if (!shown_ || !first) return scopes;
  for (const Node& n : shown_->nodes)
    if (n.id == first)
      for (const std::string& s : nameScopesOf(n)) scopes.append(QString::fromStdString(s));
  return scopes;
}

void MainWindow::showNodeMenu(NodeId id, const QPoint& globalPos) {
  if (!model_) return;
  QMenu menu(this);
  if (id) {
    QMenu* device = menu.addMenu(tr("Device"));
    const QStringList devices = deviceNames();
    for (int i = 0; i < devices.size(); ++i) {
      QAction* a = device->addAction(devices[i], this, [this, d = devices[i]] { assignDevice(d); });
      QPixmap swatch(12, 12);
      swatch.fill(deviceColor(i));
      a->setIcon(QIcon(swatch));
      if (i < 9) a->setShortcut(QKeySequence(static_cast<Qt::Key>(Qt::Key_1 + i)));
    }
    device->addAction(tr("Default"), this, [this] { assignDevice(QString()); });
    QMenu* precision = menu.addMenu(tr("Precision"));
    for (const QString& p : kPrecisions) precision->addAction(p, this, [this, p] { assignPrecision(p); });
    precision->addAction(tr("Default"), this, [this] { assignPrecision(QString()); });
    menu.addSeparator();
    menu.addAction(tr("Select Producers Chain"), this, &MainWindow::selectProducerChain);
    menu.addAction(tr("Select Consumers Chain"), this, &MainWindow::selectConsumerChain);
    menu.addAction(tr("Select All of This Op Type"), this, &MainWindow::selectSameOpType);
    for (const QString& scope : scopesOfSelection())
      menu.addAction(tr("Select Scope %1").arg(scope), this, [this, scope] { selectScope(scope); });
  }
  if (!document_->project().deviceConfig.empty()) {
    menu.addSeparator();
    menu.addAction(tr("Auto Partition"), this, &MainWindow::autoPartition);
  }
  addGroupMenuActions(menu, id);
  if (!menu.isEmpty()) menu.exec(globalPos);
}

void MainWindow::showAssignmentFacts(NodeId id) {
  const Node* node = shown_ && id ? shown_->findNode(id) : nullptr;
  if (!node || !document_->isOpen()) return;
  const std::string key = stableKey(*node);
  inspector_->addFact(tr("key"), QString::fromStdString(key));
  const Assignments assignments = documentAssignments(document_->project());
  const Assignment* a = assignments.find(key);
  QString device = a && !a->device.empty() ? QString::fromStdString(a->device) + (a->autoPlaced ? tr("  (auto partition)") : tr("  (pinned)"))
                                           : tr("(default)");
  if (overlay_.kind == OverlayKind::Device && overlay_.notes.contains(id)) device += "  ·  " + overlay_.notes.value(id);
  inspector_->addFact(tr("device"), device);
  QStringList quant;
  if (a && a->quant.keepFloat) quant << "fp32";
  if (a && a->quant.precision) quant << QString::fromStdString(quantPrecisionName(*a->quant.precision));
  if (a && a->quant.schema) quant << QString::fromStdString(quantSchemaName(*a->quant.schema));
  if (a && a->quant.calibration) quant << QString::fromStdString(calibrationName(*a->quant.calibration));
  inspector_->addFact(tr("assigned precision"), quant.isEmpty() ? tr("(project default)") : quant.join(", "));
}

// --- Autosave and recovery ---

bool MainWindow::autosaveNow() {
  QString error;
  if (document_->autosave(&error)) return true;
  if (!error.isEmpty()) flash(tr("Autosave failed: %1").arg(error), 8000);
  return false;
}

QStringList MainWindow::pendingRecoveries() const { return ProjectDocument::pendingRecoveries(document_->autosaveDir()); }

void MainWindow::recover(const QString& autosaveFile) {
  recoveringFile_ = autosaveFile;
  recoveringOrigin_ = ProjectDocument::recoveryOrigin(autosaveFile);
  openFile(autosaveFile);
}

void MainWindow::offerRecovery() {
  for (const QString& file : pendingRecoveries()) {
    const QString origin = ProjectDocument::recoveryOrigin(file);
    const auto answer = QMessageBox::question(
        this, tr("Recover unsaved changes"),
        tr("The workbench did not close normally. Recover the unsaved changes to %1?")
            .arg(origin.isEmpty() ? QFileInfo(file).fileName() : origin),
        QMessageBox::Yes | QMessageBox::Discard, QMessageBox::Yes);
    if (answer == QMessageBox::Yes) return recover(file);
    QFile::remove(file.chopped(9) + ".origin");
    QFile::remove(file);
  }
}

}  // namespace nest::gui
