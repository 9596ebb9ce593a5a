// "Before | After": the snapshot before the selected pass next to the one after it, marked from
// the pass's change record (added green "+" in after, removed red "−" in before, modified amber
// "M" and rewired — only operand names changed — dashed slate "R" in both; rings and badges over
// the category fill, explained by a legend), at one scale, with zoom, scroll and selection kept in
// step. Next / previous change (N / Shift+N, or the buttons) select and centre the changed nodes
// top to bottom; "Changed only" dims the unchanged nodes. Selecting a node in `after` marks (blue halo) the
// nodes of `before` it came from. Follows the main window's pass list, can hide the passes that
// changed nothing, and steps through the visible passes (Page Up / Page Down in the main window).
// Layouts are computed off the UI thread, sharing the window's per-snapshot cache, and only while
// the explorer is visible. Also feeds an IrDiffView the same two snapshots.
#pragma once
#include <QColor>
#include <QFutureWatcher>
#include <QSet>
#include <QWidget>

#include <map>
#include <memory>
#include <vector>

#include "app/gui/load_jobs.h"

class QCheckBox;
class QLabel;
class QListWidget;
class QToolButton;

namespace nest::gui {

class GraphView;
class IrDiffView;

class PassExplorer : public QWidget {
  Q_OBJECT
 public:
  using LayoutCache = std::map<const Graph*, LayoutPtr>;

  static const QColor kAdded, kRemoved, kModified, kRewired, kOrigin;

  explicit PassExplorer(QWidget* parent = nullptr);
  ~PassExplorer() override;

  // The pass list to follow (its current row is the record shown) and to filter.
  void setPassList(QListWidget* list);
  // Where layouts are looked up and stored (the window's cache; cleared by the window on load).
  void setLayoutCache(LayoutCache* cache) { cache_ = cache; }
  void setDiffView(IrDiffView* diff) { diff_ = diff; }
  // A new model: call after the pass list was refilled. Re-applies "hide unchanged".
  void setModel(std::shared_ptr<const LoadedModel> model);

  // Compares the snapshots around pipeline record `record` (-1 clears).
  void showRecord(int record);
  int record() const { return record_; }        // wanted
  int shownRecord() const { return shown_; }    // drawn in both views (-1 while laying out)
  bool isBusy() const { return pending_; }

  // Steps the pass list to the previous (-1) or next (+1) visible row; false at either end.
  bool stepPass(int delta);
  void setHideUnchanged(bool hide);
  bool hideUnchanged() const;
  QCheckBox* hideUnchangedBox() const { return hideBox_; }

  GraphView* beforeView() const { return before_; }
  GraphView* afterView() const { return after_; }
  std::shared_ptr<const Graph> beforeGraph() const;
  std::shared_ptr<const Graph> afterGraph() const;
  // The nodes of `before` that `after` node `id` came from in this pass: derivedFrom[id], plus id
  // itself when it already existed.
  QList<NodeId> originsOf(NodeId id) const;
  // Fits both drawings at one scale: the largest at which each fits its own view (never above 1).
  void fitBoth();

  // Changed nodes of the shown record, top to bottom (before's nodes placed where after's would
  // be): added, modified and rewired nodes of after, removed nodes of before.
  struct Change {
    NodeId id = 0;
    bool inBefore = false;  // a removed node, shown in the before view
  };
  const std::vector<Change>& changes() const { return changes_; }
  int currentChange() const { return currentChange_; }  // -1: none visited yet
  // Selects and centres the next (+1) / previous (-1) change, wrapping around; false when none.
  bool stepChange(int delta);
  // "Changed only": dims every node that the pass neither added, removed, modified nor rewired.
  void setChangedOnly(bool on);
  bool changedOnly() const;
  QToolButton* nextChangeButton() const { return nextButton_; }
  QToolButton* previousChangeButton() const { return previousButton_; }
  // An overlay (GraphView::setOverlay) on both views: node ids are shared across snapshots, so
  // one hash colours both; kept while the record changes (an empty `fill` removes it).
  void setOverlay(const QHash<NodeId, QColor>& fill, const QHash<NodeId, QString>& notes = {});

 signals:
  void shownChanged(int record);                         // both views show `record`
  void nodeSelected(const nest::Graph* graph, nest::NodeId id);  // in either view
  void busyChanged();                                    // a layout job started or ended

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  struct Job {
    std::shared_ptr<const LoadedModel> model;
    std::vector<LayoutOutcome> outcomes;
  };
  void refresh();
  void onJobFinished();
  void display(const LayoutPtr& before, const LayoutPtr& after);
  void applyFilter();
  void syncFrom(GraphView* source);
  void alignOn(const QList<NodeId>& beforeIds, NodeId afterId);
  void onBeforeSelected(NodeId id);
  void onAfterSelected(NodeId id);
  void updateDiff();
  void collectChanges();
  void updateChangeLabel();
  void applyChangedOnly();
  LayoutPtr cached(const std::shared_ptr<const Graph>& graph) const;

  GraphView* before_ = nullptr;
  GraphView* after_ = nullptr;
  QLabel* beforeTitle_ = nullptr;
  QLabel* afterTitle_ = nullptr;
  QLabel* legend_ = nullptr;
  QCheckBox* hideBox_ = nullptr;
  QCheckBox* changedOnlyBox_ = nullptr;
  QToolButton* nextButton_ = nullptr;
  QToolButton* previousButton_ = nullptr;
  QLabel* changeLabel_ = nullptr;
  std::vector<Change> changes_;
  int currentChange_ = -1;
  QListWidget* list_ = nullptr;
  IrDiffView* diff_ = nullptr;
  LayoutCache ownCache_;
  LayoutCache* cache_ = &ownCache_;

  std::shared_ptr<const LoadedModel> model_;
  int record_ = -1, shown_ = -1;
  std::shared_ptr<const LoadedModel> shownModel_;
  QSet<NodeId> beforeIds_;
  bool syncing_ = false, mirroring_ = false;
  // Scene offset of `before` relative to `after` kept while syncing (before centre = after centre +
  // offset): the graphs' tops level after a fit, set on selection so that a node and its origins
  // line up.
  QPointF offset_;

  QFutureWatcher<Job> watcher_;

  bool pending_ = false;  // from starting a job until onJobFinished ran (see MainWindow)
  Cancel cancel_;
};

}  // namespace nest::gui
