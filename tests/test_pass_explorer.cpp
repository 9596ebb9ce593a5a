// The pass explorer (app/gui/pass_explorer.*, ir_diff_view.*): before | after of a pass coloured
// from its change record, origins of a selected node, synchronized views, stepping through passes,
// hiding passes that changed nothing, and the side-by-side text IR diff.
#include <QCheckBox>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QStandardPaths>
#include <QTabWidget>
#include <QToolButton>
#include <QtTest>

#include <algorithm>
#include <set>

#include "app/gui/graph_view.h"
#include "app/gui/ir_diff_view.h"
#include "app/gui/main_window.h"
#include "app/gui/pass_explorer.h"
#include "core/dot_export.h"
#include "core/op_table.h"
#include "test_support.h"

using namespace nest;
using nest::gui::MainWindow;
using nest::gui::PassExplorer;

namespace {

constexpr int kLoadTimeoutMs = 120'000;

QString mnistPath() { return QString::fromStdString((testing::testdata() / "models/mnist-8/model.onnx").string()); }

// A record of constant-fold or fuse-activations that changed the graph (else any that did).
int changingRecord(const PipelineRun& run) {
  for (const char* name : {"constant-fold", "fuse-activations"})
    for (size_t i = 0; i < run.records.size(); ++i)
      if (run.records[i].pass == name && run.records[i].changed && !run.records[i].changes.empty())
        return static_cast<int>(i);
  for (size_t i = 0; i < run.records.size(); ++i)
    if (run.records[i].changed && !run.records[i].changes.empty()) return static_cast<int>(i);
  return -1;
}

int recordOf(const PipelineRun& run, const std::string& pass) {
  for (size_t i = 0; i < run.records.size(); ++i)
    if (run.records[i].pass == pass && run.records[i].changed) return static_cast<int>(i);
  return -1;
}

// The view shows `id`'s box (its centre inside the viewport).
bool inSight(nest::gui::GraphView* view, NodeId id) {
  nest::gui::NodeItem* item = view->itemForNode(id);
  return item && view->viewport()->rect().contains(view->mapFromScene(item->sceneBoundingRect().center()));
}

// The drawing fits its view at the view's zoom (or is shown at natural size).
bool fits(nest::gui::GraphView* view) {
  const QRectF r = view->sceneRect();
  return r.width() * view->zoom() <= view->viewport()->width() + 1 && r.height() * view->zoom() <= view->viewport()->height() + 1;
}

std::set<NodeId> idsOf(const Graph& g) {
  std::set<NodeId> ids;
  for (const Node& n : g.nodes) ids.insert(n.id);
  return ids;
}

}  // namespace

class TestPassExplorer : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void diffLinesAlignsChanges() {
    const std::vector<std::string> a{"a", "b", "c", "d", "e"}, b{"a", "x", "c", "e", "f"};
    const std::vector<gui::DiffRow> rows = gui::diffLines(a, b);
    int removed = 0, added = 0, same = 0;
    for (const gui::DiffRow& r : rows) {
      if (!r.changed) {
        QCOMPARE(a[r.left], b[r.right]);
        ++same;
        continue;
      }
      if (r.left >= 0) ++removed;
      if (r.right >= 0) ++added;
    }
    QCOMPARE(same, 3);     // a, c, e
    QCOMPARE(removed, 2);  // b, d
    QCOMPARE(added, 2);    // x, f
  }

  // ResNet-18 (69 nodes: 20 Conv, 20 BatchNormalization, 17 Relu, 8 Add, MaxPool,
  // GlobalAveragePool, Flatten, Gemm) at fold-batchnorm: 20 removed, 20 modified, 17 rewired.
  void explorerSeparatesRewiredAndStepsThroughChanges() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    w.resize(1400, 900);
    w.show();
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.openFile(QString::fromStdString((testing::seedModels() / "resnet18" / "model.onnx").string()));
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 && !w.isBusy(), kLoadTimeoutMs);
    QVERIFY(w.lastError().isEmpty());
    const PipelineRun& run = w.model()->run;
    PassExplorer* px = w.passExplorer();
    const int record = recordOf(run, "fold-batchnorm");
    QVERIFY(record >= 0);
    QVERIFY(w.selectPass(record));
    w.tabs()->setCurrentWidget(px);
    QTRY_VERIFY_WITH_TIMEOUT(px->shownRecord() == record && !w.isBusy(), kLoadTimeoutMs);
    QCOMPARE(px->beforeView()->opItemCount(), 69);
    QCOMPARE(px->afterView()->opItemCount(), 49);

    // Diff marks: ring colour and badge per kind; rewired is its own kind.
    QCOMPARE(px->beforeView()->highlightCount(PassExplorer::kRemoved), 20);
    QCOMPARE(px->beforeView()->highlightCount(PassExplorer::kModified), 20);
    QCOMPARE(px->beforeView()->highlightCount(PassExplorer::kRewired), 17);
    QCOMPARE(px->afterView()->highlightCount(PassExplorer::kAdded), 0);
    QCOMPARE(px->afterView()->highlightCount(PassExplorer::kModified), 20);
    QCOMPARE(px->afterView()->highlightCount(PassExplorer::kRewired), 17);
    const ChangeRecord& c = run.records[record].changes;
    for (NodeId id : c.modified) QCOMPARE(px->afterView()->itemForNode(id)->badge(), QStringLiteral("M"));
    for (NodeId id : c.rewired) QCOMPARE(px->afterView()->itemForNode(id)->badge(), QStringLiteral("R"));
    for (NodeId id : c.removed) QCOMPARE(px->beforeView()->itemForNode(id)->badge(), QStringLiteral("\u2212"));

    // Both panes at one scale, each drawing fitting its pane.
    px->fitBoth();
    QCOMPARE(px->beforeView()->zoom(), px->afterView()->zoom());
    QVERIFY(fits(px->beforeView()));
    QVERIFY(fits(px->afterView()));
    px->afterView()->zoomIn();
    px->afterView()->zoomIn();
    QCOMPARE(px->beforeView()->zoom(), px->afterView()->zoom());

    if (qEnvironmentVariableIsSet("NEST_SCREENSHOT_DIR"))
      px->grab().save(qEnvironmentVariable("NEST_SCREENSHOT_DIR") + "/pass-explorer-resnet18-fold-batchnorm.png");

    // Next / previous change: 20 removed + 20 modified + 17 rewired, top to bottom, wrapping.
    QCOMPARE(static_cast<int>(px->changes().size()), 57);
    QCOMPARE(px->currentChange(), -1);
    QVERIFY(px->nextChangeButton()->isEnabled());
    int removedSeen = 0;
    for (int i = 0; i < 57; ++i) {
      QVERIFY(px->stepChange(+1));
      QCOMPARE(px->currentChange(), i);
      const PassExplorer::Change change = px->changes()[i];
      nest::gui::GraphView* view = change.inBefore ? px->beforeView() : px->afterView();
      QCOMPARE(view->selectedNode(), change.id);
      QVERIFY2(inSight(view, change.id), qPrintable(QStringLiteral("change %1 (#%2) not centred").arg(i).arg(change.id)));
      removedSeen += change.inBefore;
    }
    QCOMPARE(removedSeen, 20);
    QVERIFY(px->stepChange(+1));
    QCOMPARE(px->currentChange(), 0);
    QVERIFY(px->stepChange(-1));
    QCOMPARE(px->currentChange(), 56);
    px->previousChangeButton()->click();
    QCOMPARE(px->currentChange(), 55);
    px->nextChangeButton()->click();
    QCOMPARE(px->currentChange(), 56);
    // The shortcuts (N / Shift+N) while the explorer has the focus.
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    px->afterView()->setFocus();
    QTest::keyClick(px->afterView(), Qt::Key_N);
    QCOMPARE(px->currentChange(), 0);
    QTest::keyClick(px->afterView(), Qt::Key_N, Qt::ShiftModifier);
    QCOMPARE(px->currentChange(), 56);

    // Changed only: the 12 unchanged nodes dim in each pane (MaxPool, the 8 Relus after the
    // Adds, GlobalAveragePool, Flatten, Gemm), and undim when switched off.
    px->setChangedOnly(true);
    QCOMPARE(px->beforeView()->dimmedCount(), 12);
    QCOMPARE(px->afterView()->dimmedCount(), 12);

    // Fused activations in the titles, at fuse-activations (9 Conv and 8 Add absorb a Relu);
    // changed only stays on across passes: 49 -> 32 nodes, 17 modified + 13 rewired + 17 removed.
    const int fuse = recordOf(run, "fuse-activations");
    QVERIFY(w.selectPass(fuse));
    QTRY_VERIFY_WITH_TIMEOUT(px->shownRecord() == fuse && !w.isBusy(), kLoadTimeoutMs);
    std::map<std::string, int> titles;
    for (const Node& n : run.records[fuse].after->nodes) ++titles[px->afterView()->itemForNode(n.id)->box().title];
    QCOMPARE(titles["Conv + Relu"], 9);
    QCOMPARE(titles["Add + Relu"], 8);
    QCOMPARE(titles["Conv"], 11);
    QCOMPARE(titles["Relu"], 0);
    QCOMPARE(px->afterView()->highlightCount(PassExplorer::kModified), 17);
    QCOMPARE(px->afterView()->highlightCount(PassExplorer::kRewired), 13);
    QCOMPARE(static_cast<int>(px->changes().size()), 47);
    QCOMPARE(px->afterView()->dimmedCount(), 32 - 30);
    QCOMPARE(px->beforeView()->dimmedCount(), 49 - 47);
    px->setChangedOnly(false);
    QCOMPARE(px->afterView()->dimmedCount(), 0);
    QCOMPARE(px->beforeView()->dimmedCount(), 0);

    // Search matches in a colour of their own: no diff or origin colour, no category colour.
    px->afterView()->setSearchMatches({run.records[fuse].after->nodes.front().id});
    QCOMPARE(px->afterView()->searchMatchCount(), 1);
    const QColor search = nest::gui::GraphView::kSearchColor;
    for (const QColor& other : {PassExplorer::kAdded, PassExplorer::kRemoved, PassExplorer::kModified,
                                PassExplorer::kRewired, PassExplorer::kOrigin})
      QVERIFY(search != other);
    std::set<std::string> categories;
    for (const OpDef& def : OpTable::instance().all()) categories.insert(def.category);
    QVERIFY(categories.size() > 5);
    for (const std::string& category : categories)
      QVERIFY2(QColor(QString::fromStdString(categoryColor(category))) != search, category.c_str());
    QTRY_VERIFY_WITH_TIMEOUT(!w.isBusy(), kLoadTimeoutMs);
  }

  void explorerShowsPassChanges() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    w.resize(1400, 900);
    w.show();
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.openFile(mnistPath());
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 && !w.isBusy(), kLoadTimeoutMs);
    QVERIFY(w.lastError().isEmpty());
    const PipelineRun& run = w.model()->run;
    PassExplorer* px = w.passExplorer();
    QVERIFY(px);
    QCOMPARE(w.tabs()->count(), 4);
    QCOMPARE(w.tabs()->tabText(0), QStringLiteral("Graph"));
    QCOMPARE(w.tabs()->tabText(3), QStringLiteral("Code"));

    const int record = changingRecord(run);
    QVERIFY2(record >= 0, "mnist-8 -O1 should have a pass that changes the graph");
    QVERIFY(w.selectPass(record));
    w.tabs()->setCurrentWidget(px);
    QTRY_VERIFY_WITH_TIMEOUT(px->shownRecord() == record && !w.isBusy(), kLoadTimeoutMs);

    // Before is the previous snapshot, after this record's; both fully drawn.
    const Graph& before = record == 0 ? *run.initial : *run.records[record - 1].after;
    const Graph& after = *run.records[record].after;
    QCOMPARE(px->beforeGraph().get(), &before);
    QCOMPARE(px->afterGraph().get(), &after);
    QCOMPARE(px->beforeView()->opItemCount(), static_cast<int>(before.nodes.size()));
    QCOMPARE(px->afterView()->opItemCount(), static_cast<int>(after.nodes.size()));

    // Colours from the change record.
    const ChangeRecord& c = run.records[record].changes;
    QCOMPARE(px->afterView()->highlightCount(PassExplorer::kAdded), static_cast<int>(c.added.size()));
    QCOMPARE(px->beforeView()->highlightCount(PassExplorer::kRemoved), static_cast<int>(c.removed.size()));
    QCOMPARE(px->beforeView()->highlightCount(PassExplorer::kModified), static_cast<int>(c.modified.size()));
    QCOMPARE(px->afterView()->highlightCount(PassExplorer::kModified), static_cast<int>(c.modified.size()));
    QCOMPARE(px->beforeView()->highlightCount(PassExplorer::kAdded), 0);
    QCOMPARE(px->afterView()->highlightCount(PassExplorer::kRemoved), 0);

    // Zoom and scroll follow each other.
    px->afterView()->zoomIn();
    QVERIFY(qFuzzyCompare(px->beforeView()->zoom(), px->afterView()->zoom()));
    px->beforeView()->zoomOut();
    px->beforeView()->zoomOut();
    QVERIFY(qFuzzyCompare(px->beforeView()->zoom(), px->afterView()->zoom()));

    // Selecting an after node marks where it came from in before (and mirrors the selection).
    const std::set<NodeId> beforeIds = idsOf(before);
    auto expectedOrigins = [&](NodeId id) {
      std::set<NodeId> out;
      if (beforeIds.count(id)) out.insert(id);
      auto it = c.derivedFrom.find(id);
      if (it != c.derivedFrom.end())
        for (NodeId from : it->second)
          if (beforeIds.count(from)) out.insert(from);
      return out;
    };
    NodeId pick = 0;
    for (const auto& [id, from] : c.derivedFrom)
      if (px->afterView()->itemForNode(id) && expectedOrigins(id).size() > (beforeIds.count(id) ? 1u : 0u)) pick = id;
    if (!pick)
      for (NodeId id : c.modified) pick = id;
    if (!pick) pick = after.nodes.front().id;
    const std::set<NodeId> origins = expectedOrigins(pick);
    QVERIFY(!origins.empty());
    px->afterView()->selectNode(pick);
    const QList<NodeId> marked = px->beforeView()->markedNodes();
    QCOMPARE(std::set<NodeId>(marked.begin(), marked.end()), origins);
    QVERIFY(px->afterView()->itemForNode(pick)->isSelected());
    for (NodeId id : origins) {  // the views are aligned on the selection: its origins are in sight
      const QPointF at = px->beforeView()->itemForNode(id)->sceneBoundingRect().center();
      QVERIFY(px->beforeView()->viewport()->rect().contains(px->beforeView()->mapFromScene(at)));
    }
    if (beforeIds.count(pick)) QVERIFY(px->beforeView()->itemForNode(pick)->isSelected());
    px->afterView()->selectNode(0);
    QVERIFY(px->beforeView()->markedNodes().isEmpty());

    // The text diff of the same pass shows changed lines on both sides.
    w.tabs()->setCurrentWidget(w.irDiffView());
    QVERIFY(w.irDiffView()->isDiffed());
    QCOMPARE(w.irDiffView()->removedLineCount(), 2);
    QCOMPARE(w.irDiffView()->addedLineCount(), 1);
    QVERIFY(!w.irDiffView()->beforeText()->toPlainText().isEmpty());
    QVERIFY(!w.irDiffView()->afterText()->toPlainText().isEmpty());
    w.tabs()->setCurrentWidget(px);

    // Page Down / Page Up step to the next / previous pass.
    const int count = static_cast<int>(run.records.size());
    if (record + 1 < count) {
      w.activateWindow();
      QVERIFY(QTest::qWaitForWindowActive(&w));
      QTest::keyClick(w.passList(), Qt::Key_PageDown);
      QCOMPARE(w.passList()->currentRow(), record + 1);
      QCOMPARE(px->record(), record + 1);
      QTRY_VERIFY_WITH_TIMEOUT(px->shownRecord() == record + 1 && !w.isBusy(), kLoadTimeoutMs);
      QTest::keyClick(w.passList(), Qt::Key_PageUp);
      QCOMPARE(w.passList()->currentRow(), record);
    }

    // Hiding the passes that changed nothing; stepping skips hidden rows.
    px->hideUnchangedBox()->setChecked(true);
    int visible = 0;
    for (int i = 0; i < count; ++i) {
      if (w.passList()->isRowHidden(i)) {
        QVERIFY(!run.records[i].changed);
        continue;
      }
      QVERIFY2(run.records[i].changed, qPrintable(QString::fromStdString(run.records[i].pass)));
      ++visible;
    }
    QCOMPARE(visible, 4);
    QVERIFY(!w.passList()->isRowHidden(w.passList()->currentRow()));
    int first = 0;
    while (w.passList()->isRowHidden(first)) ++first;
    w.passList()->setCurrentRow(first);
    int next = first + 1;
    while (next < count && w.passList()->isRowHidden(next)) ++next;
    QCOMPARE(px->stepPass(+1), next < count);
    if (next < count) QCOMPARE(w.passList()->currentRow(), next);
    w.passList()->setCurrentRow(first);
    QVERIFY(!px->stepPass(-1));
    QCOMPARE(w.passList()->currentRow(), first);
    px->hideUnchangedBox()->setChecked(false);
    for (int i = 0; i < count; ++i) QVERIFY(!w.passList()->isRowHidden(i));
    QTRY_VERIFY_WITH_TIMEOUT(!w.isBusy(), kLoadTimeoutMs);
  }
};

QTEST_MAIN(TestPassExplorer)
#include "test_pass_explorer.moc"
