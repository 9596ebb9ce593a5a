// GraphView's editing selection and overlays (app/gui/graph_view.*): click, Ctrl/Shift-click,
// Ctrl/Shift rubber band, plain drag still panning, selectNodes round trip, the context-menu
// signal, overlay fills (items, painted pixels, the zoomed-out overview, batched drawing, across
// showLayout), the pass explorer's overlay, and ResNet-18 drawn with a three-colour overlay.
#include <QImage>
#include <QListWidget>
#include <QTabWidget>
#include <QScrollBar>
#include <QStandardPaths>
#include <QtTest>

#include <algorithm>

#include "app/gui/graph_view.h"
#include "app/gui/main_window.h"
#include "app/gui/overview_picture.h"
#include "app/gui/pass_explorer.h"
#include "core/graph_selection.h"
#include "test_support.h"

using namespace nest;
using nest::gui::GraphView;
using nest::gui::MainWindow;
using nest::gui::NodeItem;

namespace {

constexpr int kLoadTimeoutMs = 120'000;
const QColor kGrey(0xdc, 0xdc, 0xdc);  // GraphView's fill for op nodes an overlay does not list
const QColor kRed(0xd6, 0x2d, 0x20), kYellow(0xf2, 0xc1, 0x4e), kNavy(0x1f, 0x2a, 0x6e);

// A grid of op boxes, 120 x 36, `cols` columns 160 apart and `rows` rows 80 apart, the first
// centred at (100, 60); ids 1.. row by row. No edges.
render::GraphLayout gridLayout(int rows, int cols) {
  render::GraphLayout layout;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      render::NodeBox b;
      b.id = static_cast<NodeId>(1 + r * cols + c);
      b.title = "Op";
      b.subtitle = "n" + std::to_string(b.id);
      b.category = "conv";
      b.x = 100 + c * 160;
      b.y = 60 + r * 80;
      b.width = 120;
      b.height = 36;
      layout.nodes.push_back(b);
    }
  layout.width = 100 + cols * 160;
  layout.height = 60 + rows * 80;
  return layout;
}

QRectF boxRect(const render::NodeBox& b) { return QRectF(b.x - b.width / 2, b.y - b.height / 2, b.width, b.height); }

QPoint at(GraphView& view, QPointF scene) { return view.mapFromScene(scene); }
QPoint centreOf(GraphView& view, NodeId id) { return view.mapFromScene(view.itemForNode(id)->scenePos()); }

// The colour painted at scene point `p` (a fresh grab of the viewport).
QColor pixelAt(GraphView& view, QPointF p) {
  const QImage image = view.viewport()->grab().toImage();
  return image.pixelColor(view.mapFromScene(p));
}

// A point inside box `id`, clear of its outline (2 scene units in) and of its text (which starts
// 4 units in), at mid height.
QPointF insideLeft(GraphView& view, NodeId id) {
  const QRectF r = boxRect(view.itemForNode(id)->box());
  return QPointF(r.left() + 2, r.center().y());
}

// Records every emission of the view's selection signals.
struct SelectionLog {
  QList<QList<NodeId>> changes;
  QList<NodeId> selected;  // nodeSelected
  QList<QPair<NodeId, QPoint>> menus;
  explicit SelectionLog(GraphView& view) {
    QObject::connect(&view, &GraphView::selectionChanged, [this](const QList<NodeId>& ids) { changes.append(ids); });
    QObject::connect(&view, &GraphView::nodeSelected, [this](NodeId id) { selected.append(id); });
    QObject::connect(&view, &GraphView::contextMenuRequested,
                     [this](NodeId id, const QPoint& p) { menus.append({id, p}); });
  }
};

}  // namespace

class TestWorkbenchSelection : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void init() {
    view_ = std::make_unique<GraphView>();
    view_->resize(800, 600);
    view_->show();
    QVERIFY(QTest::qWaitForWindowExposed(view_.get()));
    view_->showLayout(gridLayout(5, 4));
    QCOMPARE(view_->zoom(), 1.0);  // fits without magnifying: scene units are pixels
    QCOMPARE(view_->opItemCount(), 20);
  }
  void cleanup() { view_.reset(); }

  void clickCtrlClickShiftClick() {
    GraphView& v = *view_;
    SelectionLog log(v);
    QTest::mouseClick(v.viewport(), Qt::LeftButton, {}, centreOf(v, 6));
    QCOMPARE(v.selectedNodes(), QList<NodeId>{6});
    QCOMPARE(log.changes.last(), QList<NodeId>{6});
    QCOMPARE(log.selected.last(), NodeId(6));
    QTest::mouseClick(v.viewport(), Qt::LeftButton, Qt::ControlModifier, centreOf(v, 3));
    QCOMPARE(v.selectedNodes(), (QList<NodeId>{3, 6}));  // graph order
    QCOMPARE(log.selected.last(), NodeId(3));             // the first selected
    QTest::mouseClick(v.viewport(), Qt::LeftButton, Qt::ShiftModifier, centreOf(v, 17));
    QCOMPARE(v.selectedNodes(), (QList<NodeId>{3, 6, 17}));
    QCOMPARE(log.changes.last(), (QList<NodeId>{3, 6, 17}));
    // Ctrl-click on a selected node removes it.
    QTest::mouseClick(v.viewport(), Qt::LeftButton, Qt::ControlModifier, centreOf(v, 3));
    QCOMPARE(v.selectedNodes(), (QList<NodeId>{6, 17}));
    QCOMPARE(v.selectedNode(), NodeId(6));
    QCOMPARE(log.selected.last(), NodeId(6));
    QTest::mouseClick(v.viewport(), Qt::LeftButton, Qt::ShiftModifier, centreOf(v, 17));
    QCOMPARE(v.selectedNodes(), QList<NodeId>{6});
    // A plain click selects only that node, even inside a multi-selection.
    v.selectNodes({1, 2, 3});
    QTest::mouseClick(v.viewport(), Qt::LeftButton, {}, centreOf(v, 2));
    QCOMPARE(v.selectedNodes(), QList<NodeId>{2});
    // A click on the background (between columns 0 and 1, rows 0 and 1) clears the selection.
    QVERIFY(v.items(at(v, {180, 100})).isEmpty());
    QTest::mouseClick(v.viewport(), Qt::LeftButton, {}, at(v, {180, 100}));
    QVERIFY(v.selectedNodes().isEmpty());
    QCOMPARE(log.selected.last(), NodeId(0));
    QCOMPARE(log.changes.last(), QList<NodeId>{});
    // A Ctrl-click on the background keeps it.
    v.selectNodes({4});
    QTest::mouseClick(v.viewport(), Qt::LeftButton, Qt::ControlModifier, at(v, {180, 100}));
    QCOMPARE(v.selectedNodes(), QList<NodeId>{4});
  }

  void rubberBandAddsTouchedNodes() {
    GraphView& v = *view_;
    // Scene (20, 20)-(270, 150): columns 0 (x 40-160) and 1 (200-320), rows 0 (y 42-78) and 1
    // (122-158); column 2 starts at x 280 and row 2 at y 202.
    const QRectF band(QPointF(20, 20), QPointF(270, 150));
    QSet<NodeId> expected;
    for (int i = 0; i < 20; ++i) {
      const NodeId id = static_cast<NodeId>(i + 1);
      if (band.intersects(boxRect(v.itemForNode(id)->box()))) expected.insert(id);
    }
    QCOMPARE(expected, (QSet<NodeId>{1, 2, 5, 6}));

    SelectionLog log(v);
    v.selectNodes({20});  // kept: the band adds
    QTest::mousePress(v.viewport(), Qt::LeftButton, Qt::ShiftModifier, at(v, band.topLeft()));
    QTest::mouseMove(v.viewport(), at(v, band.center()));
    QTest::mouseMove(v.viewport(), at(v, band.bottomRight()));
    QTest::mouseRelease(v.viewport(), Qt::LeftButton, Qt::ShiftModifier, at(v, band.bottomRight()));
    QCOMPARE(v.selectedNodes(), (QList<NodeId>{1, 2, 5, 6, 20}));
    QCOMPARE(log.changes.last(), (QList<NodeId>{1, 2, 5, 6, 20}));

    // Ctrl-drag from bottom right (700, 370) to top left (590, 260) over column 3 (x 520-640),
    // rows 3 (y 282-318) and 4 (362-398).
    v.selectNodes({});
    QTest::mousePress(v.viewport(), Qt::LeftButton, Qt::ControlModifier, at(v, {700, 370}));
    QTest::mouseMove(v.viewport(), at(v, {600, 300}));
    QTest::mouseMove(v.viewport(), at(v, {590, 260}));
    QTest::mouseRelease(v.viewport(), Qt::LeftButton, Qt::ControlModifier, at(v, {590, 260}));
    QCOMPARE(v.selectedNodes(), (QList<NodeId>{16, 20}));
  }

  void plainDragPansAndKeepsSelection() {
    GraphView& v = *view_;
    for (int i = 0; i < 6; ++i) v.zoomIn();  // 1.25^6: scrollable both ways
    v.centerOn(180, 100);
    v.selectNodes({5});
    const int h = v.horizontalScrollBar()->value();
    const QPoint start = at(v, {180, 100});  // background
    QVERIFY(v.items(start).isEmpty());
    QTest::mousePress(v.viewport(), Qt::LeftButton, {}, start);
    for (int step = 1; step <= 10; ++step) QTest::mouseMove(v.viewport(), start + QPoint(-10 * step, 0));
    QTest::mouseRelease(v.viewport(), Qt::LeftButton, {}, start + QPoint(-100, 0));
    QCOMPARE(v.horizontalScrollBar()->value(), h + 100);  // content follows the mouse
    QCOMPARE(v.selectedNodes(), QList<NodeId>{5});
  }

  void selectNodesRoundTrip() {
    GraphView& v = *view_;
    SelectionLog log(v);
    v.selectNodes({12, 3, 7, 999});  // unknown ids are ignored
    QCOMPARE(v.selectedNodes(), (QList<NodeId>{3, 7, 12}));
    QCOMPARE(v.selectedNode(), NodeId(3));
    QCOMPARE(log.changes.size(), 1);
    QCOMPARE(log.selected, QList<NodeId>{3});
    QVERIFY(v.itemForNode(7)->isSelected());
    v.selectNode(9);  // single selection replaces it
    QCOMPARE(v.selectedNodes(), QList<NodeId>{9});
    v.selectNodes({});
    QVERIFY(v.selectedNodes().isEmpty());
    QCOMPARE(v.selectedNode(), NodeId(0));
    QCOMPARE(log.selected.last(), NodeId(0));
    QCOMPARE(log.changes.size(), 3);
    // A new layout clears the selection and says so.
    v.selectNodes({1});
    v.showLayout(gridLayout(5, 4));
    QVERIFY(v.selectedNodes().isEmpty());
    QCOMPARE(log.changes.last(), QList<NodeId>{});
  }

  void contextMenuSignal() {
    GraphView& v = *view_;
    SelectionLog log(v);
    v.selectNodes({1, 2});
    // On a node outside the selection: it becomes the selection.
    QTest::mouseClick(v.viewport(), Qt::RightButton, {}, centreOf(v, 7));
    QCOMPARE(log.menus.size(), 1);
    QCOMPARE(log.menus[0].first, NodeId(7));
    QCOMPARE(log.menus[0].second, v.viewport()->mapToGlobal(centreOf(v, 7)));
    QCOMPARE(v.selectedNodes(), QList<NodeId>{7});
    // On a node of the selection: it stays.
    v.selectNodes({2, 7, 11});
    QTest::mouseClick(v.viewport(), Qt::RightButton, {}, centreOf(v, 11));
    QCOMPARE(log.menus.size(), 2);
    QCOMPARE(log.menus[1].first, NodeId(11));
    QCOMPARE(v.selectedNodes(), (QList<NodeId>{2, 7, 11}));
    // On the background: id 0, the selection unchanged.
    QTest::mouseClick(v.viewport(), Qt::RightButton, {}, at(v, {180, 100}));
    QCOMPARE(log.menus.size(), 3);
    QCOMPARE(log.menus[2].first, NodeId(0));
    QCOMPARE(v.selectedNodes(), (QList<NodeId>{2, 7, 11}));
  }

  void overlayFillsAndRestores() {
    GraphView& v = *view_;
    const QColor category = gui::boxFill(v.itemForNode(1)->box());
    QVERIFY(!v.hasOverlay());
    QVERIFY(!v.overlayColor(1).isValid());
    v.setOverlay({{1, kRed}, {2, kYellow}, {5, kNavy}}, {{1, "device NPU1"}});
    QVERIFY(v.hasOverlay());
    QCOMPARE(v.overlayColor(1), kRed);
    QCOMPARE(v.overlayColor(5), kNavy);
    QVERIFY(!v.overlayColor(4).isValid());  // not listed: grey, but no overlay colour
    QCOMPARE(v.itemForNode(4)->shownFill(), kGrey);
    QVERIFY(v.itemForNode(1)->toolTip().endsWith("\ndevice NPU1"));
    QVERIFY(!v.itemForNode(2)->toolTip().contains("device"));

    // Painted, zoomed in (2x): inside each box its overlay fill.
    v.resetTransform();
    v.scale(2, 2);
    v.centerOn(180, 100);
    QCOMPARE(pixelAt(v, insideLeft(v, 1)), kRed);
    QCOMPARE(pixelAt(v, insideLeft(v, 2)), kYellow);
    QCOMPARE(pixelAt(v, insideLeft(v, 5)), kNavy);
    QCOMPARE(pixelAt(v, insideLeft(v, 6)), kGrey);
    // Text on the navy box is white, on the yellow box black: the lightest / darkest pixel of the
    // text area.
    const QImage image = v.viewport()->grab().toImage();
    auto extremes = [&](NodeId id) {
      const QRect r = v.mapFromScene(boxRect(v.itemForNode(id)->box()).adjusted(6, 4, -6, -4)).boundingRect();
      int lightest = 0, darkest = 255;
      for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) {
          const int l = image.pixelColor(x, y).lightness();
          lightest = std::max(lightest, l);
          darkest = std::min(darkest, l);
        }
      return std::pair{lightest, darkest};
    };
    QCOMPARE(extremes(5).first, 255);
    QVERIFY(extremes(5).second >= kNavy.lightness() - 1);  // nothing darker than the fill
    QCOMPARE(extremes(2).second, 0);
    QVERIFY(extremes(2).first <= kYellow.lightness() + 1);  // nothing lighter than the fill

    // Survives another showLayout of the same ids.
    v.showLayout(gridLayout(5, 4));
    QCOMPARE(v.itemForNode(2)->shownFill(), kYellow);
    QCOMPARE(v.itemForNode(9)->shownFill(), kGrey);
    QVERIFY(v.itemForNode(1)->toolTip().endsWith("\ndevice NPU1"));

    // The zoomed-out overview uses the overlay too.
    v.resetTransform();
    v.scale(0.1, 0.1);
    v.centerOn(300, 200);
    QVERIFY(v.drawsOverview());
    QCOMPARE(pixelAt(v, v.itemForNode(1)->scenePos()), kRed);
    QCOMPARE(pixelAt(v, v.itemForNode(8)->scenePos()), kGrey);

    // Cleared: category colours everywhere, tooltips without the note.
    v.setOverlay({});
    QVERIFY(!v.hasOverlay());
    QVERIFY(!v.overlayColor(1).isValid());
    QCOMPARE(pixelAt(v, v.itemForNode(1)->scenePos()), category);
    v.resetTransform();
    v.scale(2, 2);
    v.centerOn(180, 100);
    QCOMPARE(pixelAt(v, insideLeft(v, 1)), category);
    QCOMPARE(pixelAt(v, insideLeft(v, 6)), category);
    QVERIFY(!v.itemForNode(1)->toolTip().contains("device"));
  }

  void overlayOnBatchedDrawing() {
    GraphView& v = *view_;
    v.setOverlay({{1, kRed}, {1600, kNavy}});
    v.showLayout(gridLayout(40, 40));  // 1600 boxes: drawn in batches
    QVERIFY(v.isDrawing());
    QCOMPARE(v.itemForNode(1600)->shownFill(), kNavy);
    QCOMPARE(v.itemForNode(800)->shownFill(), kGrey);
    QSignalSpy done(&v, &GraphView::drawingFinished);
    QVERIFY(done.wait(30'000));
    int red = 0, navy = 0, grey = 0;
    for (NodeId id = 1; id <= 1600; ++id) {
      const QColor c = v.itemForNode(id)->shownFill();
      red += c == kRed;
      navy += c == kNavy;
      grey += c == kGrey;
    }
    QCOMPARE(red, 1);
    QCOMPARE(navy, 1);
    QCOMPARE(grey, 1598);
    v.resetTransform();
    v.centerOn(v.itemForNode(1600));
    QCOMPARE(pixelAt(v, insideLeft(v, 1600)), kNavy);
  }

  void passExplorerKeepsOverlayAcrossRecords() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    w.resize(1400, 900);
    w.show();
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.openFile(QString::fromStdString((testing::testdata() / "models/mnist-8/model.onnx").string()));
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 && !w.isBusy(), kLoadTimeoutMs);
    gui::PassExplorer* explorer = w.passExplorer();
    // The window's overlay (MACs: every node of the shown snapshot) reaches both panes of
    // Before | After; nodes of the other pane the snapshot lacks are grey.
    w.setOverlay(gui::OverlayKind::Macs);
    const int records = static_cast<int>(w.model()->run.records.size());
    QVERIFY(records >= 2);
    w.tabs()->setCurrentWidget(explorer);
    for (int record : {0, records - 1}) {
      QVERIFY(w.selectPass(record));
      QTRY_VERIFY_WITH_TIMEOUT(explorer->shownRecord() == record && w.displayedRecord() == record && !w.isBusy(),
                               kLoadTimeoutMs);
      const QHash<NodeId, QColor> fill = w.overlay().fill;
      QCOMPARE(fill.size(), static_cast<int>(w.displayedGraph()->nodes.size()));
      const std::pair<GraphView*, std::shared_ptr<const Graph>> sides[] = {
          {explorer->beforeView(), explorer->beforeGraph()}, {explorer->afterView(), explorer->afterGraph()}};
      for (const auto& [v, graph] : sides) {
        QVERIFY(v->hasOverlay());
        int coloured = 0, grey = 0;
        for (const Node& n : graph->nodes) {
          const QColor shown = v->itemForNode(n.id)->shownFill();
          if (fill.contains(n.id)) coloured += shown == fill.value(n.id);
          else grey += shown == kGrey;
        }
        QCOMPARE(coloured + grey, static_cast<int>(graph->nodes.size()));
        if (v == explorer->afterView()) QCOMPARE(grey, 0);  // the shown snapshot itself
      }
    }
    w.setOverlay(gui::OverlayKind::None);
    QVERIFY(!explorer->beforeView()->hasOverlay() && !explorer->afterView()->hasOverlay());
  }

  void resnet18WithThreeColourOverlay() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    w.resize(1400, 900);
    w.show();
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.openFile(QString::fromStdString((testing::seedModels() / "resnet18/model.onnx").string()));
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 && !w.isBusy(), kLoadTimeoutMs);
    QVERIFY(w.lastError().isEmpty());
    GraphView& v = *w.graphView();
    QTRY_VERIFY_WITH_TIMEOUT(!v.isDrawing(), kLoadTimeoutMs);
    // The displayed graph is -O1's: batch norms folded, ReLUs fused into the convolutions; 32 nodes.
    const Graph& g = *w.displayedGraph();
    QCOMPARE(g.nodes.size(), size_t(32));
    // Three colours: layer2 yellow, layer3 navy, every Add red (over the layer colours); the rest grey.
    QHash<NodeId, QColor> fill;
    QHash<NodeId, QString> notes;
    for (NodeId id : nodesInScope(g, "/layer2/")) fill.insert(id, kYellow);
    for (NodeId id : nodesInScope(g, "/layer3/")) fill.insert(id, kNavy);
    for (NodeId id : nodesOfOp(g, "Add")) fill.insert(id, kRed);
    for (NodeId id : fill.keys()) notes.insert(id, QStringLiteral("overlay %1").arg(fill.value(id).name()));
    QCOMPARE(fill.size(), 7 + 7 + 8 - 4);  // 2 blocks x (2 convs + Add) + 1 downsample per layer; 8 Adds
    v.setOverlay(fill, notes);
    // layer3 seen at 100%: each box painted in its overlay colour.
    const std::vector<NodeId> layer3 = nodesInScope(g, "/layer3/");
    QCOMPARE(layer3.size(), size_t(7));
    QRectF area;
    for (NodeId id : layer3) area |= v.itemForNode(id)->sceneBoundingRect();
    v.resetTransform();
    v.centerOn(area.center());
    for (NodeId id : layer3) {
      QVERIFY(v.viewport()->rect().contains(v.mapFromScene(insideLeft(v, id))));
      const QColor expected = g.findNode(id)->op == "Add" ? kRed : kNavy;
      QCOMPARE(pixelAt(v, insideLeft(v, id)), expected);
      QVERIFY(v.itemForNode(id)->toolTip().endsWith(QStringLiteral("overlay %1").arg(expected.name())));
    }
    QCOMPARE(v.itemForNode(g.nodes.back().id)->shownFill(), kGrey);  // fc
    if (const QByteArray png = qgetenv("NEST_SELECTION_PNG"); !png.isEmpty()) {
      v.viewport()->grab().save(QString::fromLocal8Bit(png) + "-100.png");
      v.fitToWindow();
      w.grab().save(QString::fromLocal8Bit(png) + "-window.png");
    }
  }

 private:
  std::unique_ptr<GraphView> view_;
};

QTEST_MAIN(TestWorkbenchSelection)
#include "test_workbench_selection.moc"
