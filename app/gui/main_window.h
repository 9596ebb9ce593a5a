// The workbench window: opens a model, runs its pipeline (-O1 for a plain model) on it and shows the graph after any pass.
// Everything slow (import, passes, Graphviz layout) runs off the UI thread; errors are shown and
// the previous model stays.
#pragma once
#include <QFutureWatcher>
#include <QMainWindow>

#include <optional>

#include <map>
#include <memory>

#include "app/gui/build_jobs.h"
#include "app/gui/load_jobs.h"
#include "app/gui/overlay.h"
#include "app/gui/partition_jobs.h"
#include "app/gui/quant_jobs.h"
#include "app/gui/view_export.h"

class QLabel;
class QListWidget;
class QMenu;
class QProgressBar;
class QTabWidget;
class QToolButton;
class QActionGroup;
class QComboBox;
class QDialog;
class QTimer;
class QToolBar;
class QUndoView;

namespace nest::gui {

class GraphView;
class Inspector;
class IrDiffView;
class LirView;
class CodeView;
class PassExplorer;
class Legend;
class Minimap;
class SearchPanel;
class BackgroundTask;
class PartitionPanel;
class ProjectDocument;
class WelcomePage;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  struct Options {
    bool persistSettings = true;  // restore/save geometry and recent files (QSettings NEST/Workbench)
    bool errorDialogs = true;     // show errors in a (non-blocking) QMessageBox
    // Where autosaves go (empty: QStandardPaths' AppDataLocation/autosave) and how often.
    QString autosaveDir;
    int autosaveIntervalMs = 60'000;
  };
  explicit MainWindow(QWidget* parent = nullptr) : MainWindow(Options{}, parent) {}
  explicit MainWindow(Options options, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Starts loading `path` (import, -O1, layout) in the background; a newer call supersedes it.
  // A .nestproj project opens its model with the project's pipeline and input shapes;
  // `modelOverride` (when given) replaces the model the project names.
  void openFile(const QString& path, const QString& modelOverride = QString());
  // Stops the load / layout in flight (the status bar's Cancel button); the previous model stays
  // shown and the status bar says "cancelled".
  void cancel();
  // Writes the document as a .nestproj (File > Save Project As…, here without a dialog): the
  // model path relative to the project's folder, its pipeline, input shapes, devices and
  // assignments; atomically. False (see lastError) on failure.
  bool saveProject(const QString& path);
  // File > Save (Ctrl+S): to the document's project file; without one, Save As (a dialog).
  bool save();
  // True while a load or a layout is in flight.
  bool isBusy() const;
  // The loaded model (null before the first successful load).
  std::shared_ptr<const LoadedModel> model() const { return model_; }
  // The graph drawn in the view, and the pipeline record it is the snapshot of.
  const Graph* displayedGraph() const { return shown_.get(); }
  int displayedRecord() const { return shownRecord_; }
  // Shows the graph after pipeline record `record` (the row in the pass list); the layout is
  // computed in the background unless cached. Returns false when out of range.
  bool selectPass(int record);
  // The last record of pass `name` that changed the graph (else its last record), or -1.
  int findPass(const QString& name) const;

  // Grouping by name scope (View menu; GraphView::scopes): on by default; a model with more than
  // kCollapseAbove nodes opens with every group collapsed. Each change lays the shown graph out
  // again in the background and keeps the view and the selection.
  const ViewGrouping& grouping() const { return grouping_; }
  void setGroupByScope(bool on);
  void setScopeCollapsed(const QString& scope, bool collapsed);
  void collapseAllGroups();
  void expandAllGroups();

  GraphView* graphView() const { return view_; }
  QListWidget* passList() const { return passes_; }
  Inspector* inspector() const { return inspector_; }
  // Central tabs: "Graph" (graphView), "Before | After" (passExplorer), "Text diff" (irDiffView).
  QTabWidget* tabs() const { return tabs_; }
  PassExplorer* passExplorer() const { return explorer_; }
  IrDiffView* irDiffView() const { return diffView_; }
  LirView* lirView() const { return lirView_; }  // inside the Code tab
  CodeView* codeView() const { return codeView_; }
  SearchPanel* searchPanel() const { return search_; }
  Legend* legend() const { return legend_; }
  Minimap* minimap() const { return minimap_; }
  // Write the displayed graph (File > Export SVG… / PNG…, here without a dialog): SVG is
  // render::layoutToSvg of its layout, PNG the view's drawing at 2x. False (see lastError) on failure.
  // A PNG over kPngMaxSide / kPngMaxPixels is refused (the error gives its size and the tile count)
  // unless `oversize` says to tile or shrink it; `written` receives the files written.
  bool exportSvg(const QString& path);
  bool exportPng(const QString& path, PngOversize oversize = PngOversize::Refuse, QStringList* written = nullptr);
  QString lastError() const { return lastError_; }
  // --- Tools menu (main_window_plugins.cpp) ---
  // Tools > Load Pass Plugin… without the file dialog: loads the plugin (passes/pass_plugin.h) and
  // says which passes it added; false with the loader's message in an error dialog (and
  // lastError / errorOccurred) when it cannot. Plugin passes then work in a project's pass list.
  bool loadPassPlugin(const QString& path);
  // Tools > Registered Passes…: opens (non-modal) and returns the dialog listing every pass with
  // its origin (pass_plugins_dialog.h).
  QDialog* showRegisteredPasses();
  QString statusFacts() const;
  QString statusText() const;          // the status bar's text (facts, or "cancelled")
  QToolButton* cancelButton() const { return cancelButton_; }
  QStringList recentFiles() const;

  // --- Editing (main_window_editing.cpp) ---
  ProjectDocument* document() const { return document_; }
  enum class Mode { View, Device, Precision };
  // Device mode: the device overlay, the device toolbar and the partition panel; precision mode:
  // the precision overlay and toolbar. View: no overlay.
  void setMode(Mode mode);
  Mode mode() const { return mode_; }
  void setOverlay(OverlayKind kind);
  const Overlay& overlay() const { return overlay_; }
  // The devices nodes can be assigned to (the project's device configuration or list, else one
  // per registered backend).
  QStringList deviceNames() const;
  // Assign to the selected nodes of the graph view: a device ("" clears it), a precision ("fp32",
  // "int8", "int16"; "" clears), a schema or calibration method ("" clears). One undoable edit;
  // false when nothing is selected or the device / precision cannot run a node: the reason is in
  // the status bar, its tooltip and lastError().
  bool assignDevice(const QString& device);
  bool assignPrecision(const QString& precision);
  bool assignSchema(const QString& schema);
  bool assignCalibration(const QString& method);
  // Background work with progress and Cancel; each result is one undoable edit.
  void autoPartition();
  void calibrate(const CalibrationInputs& inputs, const QString& profilePath);
  void measureQuantError();             // the error overlay, on the calibration inputs
  void suggestFloat(double maxDrop = 1.0);
  CalibrationInputs calibrationInputs() const { return calibrationInputs_; }
  void setCalibrationInputs(const CalibrationInputs& inputs) { calibrationInputs_ = inputs; }
  // Selection commands (on the displayed graph; the graph view's selection).
  void selectProducerChain();
  void selectConsumerChain();
  void selectSameOpType();
  void selectScope(const QString& scope);
  QStringList scopesOfSelection() const;  // name scopes of the first selected node
  // True while an edit's recompute, the schedule or a tool job runs.
  bool isEditing() const;
  const PartitionSummary& partitionSummary() const { return summary_; }
  PartitionPanel* partitionPanel() const { return partitionPanel_; }
  QUndoView* undoView() const { return undoView_; }
  // Autosave now (the timer does it every autosaveIntervalMs while there are unsaved changes).
  bool autosaveNow();
  QStringList pendingRecoveries() const;
  // Opens an autosaved document in place of the project it belongs to, with its edits unsaved.
  void recover(const QString& autosaveFile);
  // Asks (interactive windows) whether to recover each pending autosave, else discards it.
  void offerRecovery();

  // --- Build (main_window_build.cpp) ---
  // The target chooser: the registry's compiling backends, and hetero with a deviceConfig.
  QString buildTarget() const;
  bool setBuildTarget(const QString& target);  // false when the chooser lacks it
  // Build > Compile and Build and Run, in the background (the tool task: progress, Cancel); the
  // result fills the Code tab (lastBuild()).
  void compile();
  void buildAndRun(const RunInput& input);
  std::shared_ptr<const BuildOutcome> lastBuild() const { return lastBuild_; }
  // Per-node latencies measured by a run (µs by node name): the latency overlay shows them, in
  // place of the partition cost model's, on every graph whose nodes carry those names.
  void setMeasuredLatency(const QHash<QString, double>& usByNodeName, const QString& source);
  // Help: the welcome page over the graph view (shown while no model is open); the pass selected
  // in the pass list (its record's pass name, "" when none).
  WelcomePage* welcomePage() const { return welcome_; }
  QString selectedPassName() const;

  static QString fileFilter();
  static bool isModelFile(const QString& path);

 signals:
  void modelLoaded(const QString& path);
  void errorOccurred(const QString& message);
  void displayChanged();  // the view shows another graph
  // An edit (or undo / redo) has been recomputed and is shown, with its schedule when the project
  // has a device configuration; `milliseconds` from the edit to this point.
  void editApplied(double milliseconds);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildMenus();
  void buildToolsMenu();         // main_window_plugins.cpp
  void buildHelpMenu();          // help.cpp's dialogs, and the welcome page
  void buildGroupActions(QMenu* viewMenu);  // main_window_groups.cpp
  void addGroupMenuActions(QMenu& menu, NodeId id);  // the node menu's collapse / expand entries
  void setGrouping(ViewGrouping grouping);  // lays the shown graph out again with it
  void showRecord(int record);   // lays out (or takes from the cache) and shows a snapshot
  void updateModelActions();     // enabled only with a model (save, export)
  void buildDocks();
  void buildToolDocks();  // search, legend, minimap
  void exportDialog(bool png);
  void openDialog();
  void saveProjectDialog();
  void rebuildRecentMenu();
  void addRecentFile(const QString& path);
  void onLoadFinished();
  void onLayoutFinished();
  void onPassRowChanged(int row);
  void onNodeSelected(NodeId id);
  void display(int record, std::shared_ptr<const Graph> graph, const LayoutPtr& layout, bool keepView = false,
               const PreparedItemsPtr& prepared = nullptr);
  void adoptModel(std::shared_ptr<const LoadedModel> model, bool afterEdit);
  void fillPassList();
  // Editing (main_window_editing.cpp)
  void buildEditing();      // document, undo, toolbars, docks, autosave timer
  void buildEditMenu(QMenu* edit);
  void rebuildDeviceActions();
  void onProjectChanged();
  void onRecomputed(const LoadOutcome& outcome);
  void startSchedule();
  void applyOverlay();
  Overlay computeOverlay(OverlayKind kind) const;
  bool applyAssignment(const QString& label, const std::function<void(Assignment&)>& change);
  void refuse(const QString& reason);
  void showNodeMenu(NodeId id, const QPoint& globalPos);
  void showAssignmentFacts(NodeId id);  // the inspector's key / device / assignment rows
  void updateEditingBusy();
  void showCalibrationDialog();
  bool requireModel();
  // Build (main_window_build.cpp)
  void buildBuildTools();
  void buildBuildMenu(QMenu* menu);
  void rebuildTargets();
  void buildAndRunDialog();
  void onBuildFinished(const BuildOutcome& outcome);
  QHash<NodeId, double> measuredLatency(const Graph& graph) const;
  void highlightInstructions(NodeId id);
  std::shared_ptr<const Graph> floatGraph() const;  // the float pipeline's result
  driver::Job currentJob() const;
  QString suggestedPath(const QString& suffix) const;
  void showError(const QString& title, const QString& message);
  // A passing message in the status bar's facts label for `ms`, then the facts again (QStatusBar's
  // own temporary messages draw over the label instead of replacing it).
  void flash(const QString& text, int ms);
  void updateBusy();
  std::shared_ptr<const Graph> snapshot(int record) const;

  Options options_;
  GraphView* view_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  PassExplorer* explorer_ = nullptr;
  IrDiffView* diffView_ = nullptr;
  LirView* lirView_ = nullptr;
  CodeView* codeView_ = nullptr;
  QComboBox* targetBox_ = nullptr;
  std::shared_ptr<const BuildOutcome> lastBuild_;
  QHash<QString, double> measuredUs_;  // by node name, from the last run
  QString measuredSource_;
  QListWidget* passes_ = nullptr;
  Inspector* inspector_ = nullptr;
  SearchPanel* search_ = nullptr;
  Legend* legend_ = nullptr;
  Minimap* minimap_ = nullptr;
  QLabel* facts_ = nullptr;
  QLabel* busyLabel_ = nullptr;
  QProgressBar* busyBar_ = nullptr;
  QToolButton* cancelButton_ = nullptr;
  QMenu* recentMenu_ = nullptr;
  WelcomePage* welcome_ = nullptr;
  QList<QAction*> modelActions_;  // need a loaded model

  // Editing
  ProjectDocument* document_ = nullptr;
  Mode mode_ = Mode::View;
  Overlay overlay_;
  QUndoView* undoView_ = nullptr;
  PartitionPanel* partitionPanel_ = nullptr;
  QToolBar* modeBar_ = nullptr;
  QToolBar* deviceBar_ = nullptr;
  QToolBar* precisionBar_ = nullptr;
  QActionGroup* modeGroup_ = nullptr;
  QList<QAction*> deviceActions_;
  QComboBox* overlayBox_ = nullptr;
  QTimer* autosaveTimer_ = nullptr;
  BackgroundTask* recompute_ = nullptr;  // an edit's graph passes (and layout)
  BackgroundTask* schedule_ = nullptr;   // the partition schedule of the current placement
  BackgroundTask* tool_ = nullptr;       // auto partition, calibration, error, suggest float
  CostsPtr costs_;
  std::shared_ptr<const Graph> costsGraph_;  // the graph costs_ were measured for
  PartitionSummary summary_;
  std::shared_ptr<const Graph> summaryGraph_;
  QHash<NodeId, double> errorSqnr_;  // of errorGraph_
  std::shared_ptr<const Graph> errorGraph_;
  CalibrationInputs calibrationInputs_;
  QString recoveringOrigin_;  // set while an autosave loads in place of this path
  QString recoveringFile_;
  qint64 editStartNs_ = -1;   // when the edit being recomputed was made

  std::shared_ptr<const LoadedModel> model_;
  std::shared_ptr<const Graph> shown_;
  int shownRecord_ = -1;
  int wantedRecord_ = -1;
  ViewGrouping grouping_{.byScope = true};
  QAction* groupByScopeAction_ = nullptr;
  // A regrouping in flight: the selection to restore once its layout is shown.
  std::optional<QList<NodeId>> regroupSelection_;
  std::map<const Graph*, LayoutPtr> layouts_;  // per snapshot of model_
  std::map<const Graph*, GraphStats> stats_;   // per snapshot of model_, computed off the UI thread

  QFutureWatcher<LoadOutcome> loadWatcher_;
  QFutureWatcher<LayoutOutcome> layoutWatcher_;
  // True from starting a job until its finished() slot ran. The watchers' isRunning() turns false
  // on the worker thread before that slot runs, so it cannot tell whether the UI is up to date.
  bool loadPending_ = false;
  bool layoutPending_ = false;
  Cancel loadCancel_, layoutCancel_;
  QString loadingPath_;
  QString lastError_;
  quint64 flashGeneration_ = 0;
};

}  // namespace nest::gui
