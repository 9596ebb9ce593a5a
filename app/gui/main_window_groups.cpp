// MainWindow: grouping the graph by name scope (View menu, node menu, double clicks in the view).
#include <QAction>
#include <QMenu>

#include "app/gui/graph_view.h"
#include "app/gui/main_window.h"

namespace nest::gui {

void MainWindow::buildGroupActions(QMenu* viewMenu) {
  viewMenu->addSeparator();
  groupByScopeAction_ = viewMenu->addAction(tr("&Group by Name Scope"));
  groupByScopeAction_->setObjectName("groupByScope");
  groupByScopeAction_->setCheckable(true);
  groupByScopeAction_->setChecked(grouping_.byScope);
  groupByScopeAction_->setToolTip(tr("Frame the nodes of each name scope (/layer1/, /layer1/layer1.0/, …); "
                                     "double-click a frame's name to collapse it into one box"));
  connect(groupByScopeAction_, &QAction::toggled, this, &MainWindow::setGroupByScope);
  QAction* collapse = viewMenu->addAction(tr("&Collapse All Groups"), this, &MainWindow::collapseAllGroups);
  collapse->setObjectName("collapseAllGroups");
  collapse->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Minus));
  QAction* expand = viewMenu->addAction(tr("&Expand All Groups"), this, &MainWindow::expandAllGroups);
  expand->setObjectName("expandAllGroups");
  expand->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Plus));
  modelActions_ << collapse << expand;
  connect(view_, &GraphView::groupToggleRequested, this, &MainWindow::setScopeCollapsed);
}

void MainWindow::setGrouping(ViewGrouping grouping) {
  if (grouping == grouping_) return;
  grouping_ = std::move(grouping);
  if (groupByScopeAction_) {
    const QSignalBlocker block(groupByScopeAction_);
    groupByScopeAction_->setChecked(grouping_.byScope);
  }
  if (!model_ || !shown_) return;
  // Every cached layout was made with the old grouping; the shown snapshot is laid out again.
  layouts_.clear();
  if (!regroupSelection_) regroupSelection_ = view_->selectedNodes();
  showRecord(wantedRecord_);
}

void MainWindow::setGroupByScope(bool on) {
  ViewGrouping g = grouping_;
  g.byScope = on;
  setGrouping(g);
}

void MainWindow::setScopeCollapsed(const QString& scope, bool collapsed) {
  ViewGrouping g = grouping_;
  g.byScope = true;
  if (collapsed) g.collapsed.insert(scope.toStdString());
  else g.collapsed.erase(scope.toStdString());
  setGrouping(g);
}

void MainWindow::collapseAllGroups() {
  if (!shown_) return;
  ViewGrouping g = grouping_;
  g.byScope = true;
  // The shown layout's scope tree is that of the shown graph: no need to build it again here.
  g.collapsed.clear();
  if (const ScopeTree* scopes = view_->scopes())
    for (const ScopeGroup& s : scopes->groups) g.collapsed.insert(s.scope);
  else
    g.collapsed = allScopes(*shown_);
  setGrouping(g);
}

void MainWindow::expandAllGroups() {
  ViewGrouping g = grouping_;
  g.collapsed.clear();
  setGrouping(g);
}

void MainWindow::addGroupMenuActions(QMenu& menu, NodeId id) {
  const ScopeTree* scopes = view_->scopes();
  if (!id || !scopes) return;
  const NodeItem* box = view_->itemShowing(id);
  if (!box) return;
  menu.addSeparator();
  if (box->isGroup()) {
    const QString scope = QString::fromStdString(box->box().value);
    menu.addAction(tr("Expand Group %1").arg(scope), this, [this, scope] { setScopeCollapsed(scope, false); });
    return;
  }
  // The node's groups, innermost first: each one it could be folded into.
  std::vector<int> path = scopes->pathTo(scopes->innermostOf(id));
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    const ScopeGroup& g = scopes->groups[static_cast<size_t>(*it)];
    const QString scope = QString::fromStdString(g.scope);
    QAction* a = menu.addAction(tr("Collapse Group %1").arg(scope), this, [this, scope] { setScopeCollapsed(scope, true); });
    if (!g.convex) {
      a->setEnabled(false);
      a->setToolTip(tr("nodes outside %1 lie between its nodes").arg(scope));
    }
  }
}

}  // namespace nest::gui
