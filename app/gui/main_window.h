// The workbench window: opens a model, runs -O1 on it and shows the graph after any pass.
// Everything slow (import, passes, Graphviz layout) runs off the UI thread; errors are shown and
// the previous model stays.
#pragma once
#include <QFutureWatcher>
#include <QMainWindow>

#include <map>
#include <memory>

#include "app/gui/load_jobs.h"

class QLabel;
class QListWidget;
class QMenu;
class QProgressBar;
class QTabWidget;
class QToolButton;

namespace nest::gui {

class GraphView;
class Inspector;
class IrDiffView;
class LirView;
class PassExplorer;
class Legend;
class Minimap;
class SearchPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  struct Options {
    bool persistSettings = true;  // restore/save geometry and recent files (QSettings NEST/Workbench)
    bool errorDialogs = true;     // show errors in a (non-blocking) QMessageBox
  };
  explicit MainWindow(QWidget* parent = nullptr) : MainWindow(Options{}, parent) {}
  explicit MainWindow(Options options, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Starts loading `path` (import, -O1, layout) in the background; a newer call supersedes it.
  // A .nestproj project opens its model with the project's pipeline and input shapes.
  void openFile(const QString& path);
  // Stops the load / layout in flight (the status bar's Cancel button); the previous model stays
  // shown and the status bar says "cancelled".
  void cancel();
  // Writes a .nestproj for the loaded model (File > Save Project As…, here without a dialog):
  // the model path relative to the project's folder, its pipeline and input shapes. False (see
  // lastError) on failure.
  bool saveProject(const QString& path);
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

  GraphView* graphView() const { return view_; }
  QListWidget* passList() const { return passes_; }
  Inspector* inspector() const { return inspector_; }
  // Central tabs: "Graph" (graphView), "Before | After" (passExplorer), "Text diff" (irDiffView).
  QTabWidget* tabs() const { return tabs_; }
  PassExplorer* passExplorer() const { return explorer_; }
  IrDiffView* irDiffView() const { return diffView_; }
  LirView* lirView() const { return lirView_; }
  SearchPanel* searchPanel() const { return search_; }
  Legend* legend() const { return legend_; }
  Minimap* minimap() const { return minimap_; }
  // Write the displayed graph (File > Export SVG… / PNG…, here without a dialog): SVG is
  // render::layoutToSvg of its layout, PNG the view's drawing at 2x. False (see lastError) on failure.
  bool exportSvg(const QString& path);
  bool exportPng(const QString& path);
  QString lastError() const { return lastError_; }
  QString statusFacts() const;
  QString statusText() const;          // the status bar's text (facts, or "cancelled")
  QToolButton* cancelButton() const { return cancelButton_; }
  QStringList recentFiles() const;

  static QString fileFilter();
  static bool isModelFile(const QString& path);

 signals:
  void modelLoaded(const QString& path);
  void errorOccurred(const QString& message);
  void displayChanged();  // the view shows another graph

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void buildMenus();
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
  void display(int record, std::shared_ptr<const Graph> graph, const LayoutPtr& layout);
  void showError(const QString& title, const QString& message);
  void updateBusy();
  std::shared_ptr<const Graph> snapshot(int record) const;

  Options options_;
  GraphView* view_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  PassExplorer* explorer_ = nullptr;
  IrDiffView* diffView_ = nullptr;
  LirView* lirView_ = nullptr;
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

  std::shared_ptr<const LoadedModel> model_;
  std::shared_ptr<const Graph> shown_;
  int shownRecord_ = -1;
  int wantedRecord_ = -1;
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
};

}  // namespace nest::gui
