// The pass explorer (app/gui/pass_explorer.*, ir_diff_view.*): before | after of a pass coloured
// from its change record, origins of a selected node, synchronized views, stepping through passes,
// hiding passes that changed nothing, and the side-by-side text IR diff.
#include <QCheckBox>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QStandardPaths>
#include <QTabWidget>
#include <QtTest>

#include <algorithm>
#include <set>

#include "app/gui/graph_view.h"
#include "app/gui/ir_diff_view.h"
#include "app/gui/main_window.h"
#include "app/gui/pass_explorer.h"
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
