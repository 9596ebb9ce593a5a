// The workbench's tools (app/gui): search, producer/consumer navigation, legend, minimap, SVG and
// PNG export of the displayed graph, and constant statistics in the inspector.
#include <QAction>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QListWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "app/gui/constant_stats.h"
#include "app/gui/graph_view.h"
#include "app/gui/inspector.h"
#include "app/gui/legend.h"
#include "app/gui/main_window.h"
#include "app/gui/minimap.h"
#include "app/gui/search_panel.h"
#include "test_support.h"

using namespace nest;
using nest::gui::MainWindow;
using nest::gui::SearchMode;

namespace {

constexpr int kLoadTimeoutMs = 120'000;

QString mnistPath() { return QString::fromStdString((testing::testdata() / "models/mnist-8/model.onnx").string()); }

std::vector<NodeId> idsWhere(const Graph& g, const std::function<bool(const Node&)>& pred) {
  std::vector<NodeId> ids;
  for (const Node& n : g.nodes)
    if (pred(n)) ids.push_back(n.id);
  return ids;
}

}  // namespace

class TestWorkbenchTools : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    window_ = std::make_unique<MainWindow>(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    window_->resize(1200, 800);
    window_->show();
    QSignalSpy loaded(window_.get(), &MainWindow::modelLoaded);
    window_->openFile(mnistPath());
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 && !window_->isBusy(), kLoadTimeoutMs);
    QVERIFY(window_->lastError().isEmpty());
    QVERIFY(window_->displayedGraph() != nullptr);
  }

  void cleanupTestCase() { window_.reset(); }

  void searchByOp() {
    const Graph& g = *window_->displayedGraph();
    auto* search = window_->searchPanel();
    QVERIFY(search);
    const std::vector<NodeId> convs = idsWhere(g, [](const Node& n) { return n.op == "Conv"; });
    QVERIFY(!convs.empty());
    search->setMode(SearchMode::Op);
    search->setText("Conv");
    QCOMPARE(search->results(), convs);
    QCOMPARE(search->resultList()->count(), static_cast<int>(convs.size()));
    QCOMPARE(window_->graphView()->searchMatchCount(), static_cast<int>(convs.size()));
    search->setText("conv");  // case-insensitive, whole op name
    QCOMPARE(search->results(), convs);
    search->setText("Con");
    QVERIFY(search->results().empty());
    QCOMPARE(window_->graphView()->searchMatchCount(), 0);

    // Choosing a result selects the node (and the inspector shows it).
    search->setText("Conv");
    search->activateResult(static_cast<int>(convs.size()) - 1);
    QCOMPARE(window_->graphView()->selectedNode(), convs.back());
    QCOMPARE(window_->inspector()->property("id"), QString::number(convs.back()));
    search->setText(QString());
    QCOMPARE(window_->graphView()->searchMatchCount(), 0);
  }

  void searchByNameAndRegex() {
    const Graph& g = *window_->displayedGraph();
    auto* search = window_->searchPanel();
    // Name: a substring of one node's name, case-insensitive.
    const Node& probe = g.nodes.back();
    QVERIFY(!probe.name.empty());
    const QString part = QString::fromStdString(probe.name).mid(1).toUpper();
    const std::vector<NodeId> byName = idsWhere(
        g, [&](const Node& n) { return QString::fromStdString(n.name).contains(part, Qt::CaseInsensitive); });
    search->setMode(SearchMode::Name);
    search->setText(part);
    QCOMPARE(search->results(), byName);
    QVERIFY(std::find(byName.begin(), byName.end(), probe.id) != byName.end());

    // Regex over name and op.
    const std::vector<NodeId> convOrPool = idsWhere(g, [](const Node& n) {
      return n.op == "Conv" || n.op.find("Pool") != std::string::npos ||
             QString::fromStdString(n.name).contains(QRegularExpression("^(conv|.*pool)", QRegularExpression::CaseInsensitiveOption));
    });
    search->setMode(SearchMode::Regex);
    search->setText("^(conv|.*pool)");
    QCOMPARE(search->results(), convOrPool);
    QVERIFY(!convOrPool.empty());
    search->setText("([unclosed");
    QVERIFY(search->results().empty());
    search->setText(QString());
    QCOMPARE(gui::findNodes(g, "^Conv$", SearchMode::Regex), idsWhere(g, [](const Node& n) { return n.op == "Conv"; }));
  }

  void producerConsumerNavigation() {
    const Graph& g = *window_->displayedGraph();
    gui::GraphView* view = window_->graphView();
    // A node whose first operand comes from another node.
    const Node* node = nullptr;
    const Node* producer = nullptr;
    for (const Node& n : g.nodes) {
      if (!n.hasInput(0)) continue;
      if (auto index = g.producerIndex(n.inputs[0])) {
        node = &n;
        producer = &g.nodes[*index];
        break;
      }
    }
    QVERIFY(node && producer);
    view->selectNode(node->id);
    QCOMPARE(view->selectedNode(), node->id);
    QCOMPARE(view->producersOf(node->id).front(), producer->id);
    QVERIFY(view->selectProducer());
    QCOMPARE(view->selectedNode(), producer->id);
    // Its first consumer in graph order.
    const std::vector<NodeId> consumers = idsWhere(g, [&](const Node& n) {
      return std::any_of(n.inputs.begin(), n.inputs.end(), [&](const std::string& in) {
        return std::find(producer->outputs.begin(), producer->outputs.end(), in) != producer->outputs.end();
      });
    });
    QCOMPARE(view->consumersOf(producer->id), consumers);
    QVERIFY(view->selectConsumer());
    QCOMPARE(view->selectedNode(), consumers.front());
    QCOMPARE(window_->inspector()->property("id"), QString::number(consumers.front()));

    // The menu actions do the same; at the ends of the graph they do nothing.
    auto* up = window_->findChild<QAction*>("goToProducer");
    auto* down = window_->findChild<QAction*>("goToConsumer");
    QVERIFY(up && down);
    QVERIFY(up->shortcuts().contains(QKeySequence(Qt::ALT | Qt::Key_Up)));
    QVERIFY(down->shortcuts().contains(QKeySequence(Qt::Key_BracketRight)));
    view->selectNode(g.nodes.front().id);
    while (!view->producersOf(view->selectedNode()).empty()) up->trigger();
    QVERIFY(view->producersOf(view->selectedNode()).empty());
    const NodeId top = view->selectedNode();
    QVERIFY(!view->selectProducer());
    QCOMPARE(view->selectedNode(), top);
    down->trigger();
    QVERIFY(view->selectedNode() != top);
    view->selectNode(0);
    QVERIFY(!view->selectConsumer());
  }

  void legendAndMinimap() {
    const Graph& g = *window_->displayedGraph();
    const QStringList categories = window_->legend()->categories();
    QVERIFY(!categories.isEmpty());
    QCOMPARE(window_->legend()->count(), categories.size());
    int shown = 0;
    for (int i = 0; i < window_->legend()->count(); ++i) {
      const QString text = window_->legend()->item(i)->text();
      shown += text.section('(', -1).section(')', 0, 0).toInt();
    }
    QCOMPARE(shown, static_cast<int>(g.nodes.size()));

    // The minimap shows only while the graph does not fit in the view.
    gui::Minimap* map = window_->minimap();
    QVERIFY(map);
    gui::GraphView* view = window_->graphView();
    view->fitToWindow();
    QTRY_VERIFY(!map->isVisible());
    for (int i = 0; i < 8; ++i) view->zoomIn();
    QTRY_VERIFY(map->isVisible());
    QVERIFY(map->width() <= 180 && map->height() <= 180);
    // Click where the minimap draws the graph's bottom (the last column): the main view moves down.
    const QPointF before = view->mapToScene(view->viewport()->rect().center());
    const QRectF scene = view->scene()->sceneRect();
    map->panTo(map->positionOf(QPointF(scene.center().x(), scene.bottom() - 3)).toPoint());
    const QPointF after = view->mapToScene(view->viewport()->rect().center());
    QVERIFY2(after.y() > before.y(), qPrintable(QStringLiteral("%1 -> %2").arg(before.y()).arg(after.y())));
    QVERIFY(map->visibleSceneRect().contains(after));
    // A mouse press near its top (and a drag) pans back up.
    QTest::mousePress(map->viewport(), Qt::LeftButton, {}, QPoint(map->viewport()->width() / 2, 6));
    QTest::mouseRelease(map->viewport(), Qt::LeftButton, {}, QPoint(map->viewport()->width() / 2, 6));
    QVERIFY(view->mapToScene(view->viewport()->rect().center()).y() < after.y());
    view->fitToWindow();
    QTRY_VERIFY(!map->isVisible());
  }

  void exportSvgAndPng() {
    const Graph& g = *window_->displayedGraph();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString svg = dir.filePath("view.svg");
    QVERIFY2(window_->exportSvg(svg), qPrintable(window_->lastError()));
    QFile f(svg);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY(text.contains("<svg"));
    for (const Node& n : g.nodes) QVERIFY2(text.contains(QByteArray::fromStdString(n.op)), n.op.c_str());

    const QString png = dir.filePath("view.png");
    QVERIFY2(window_->exportPng(png), qPrintable(window_->lastError()));
    QImage image(png, "PNG");
    QVERIFY(!image.isNull());
    QVERIFY(image.width() > 200 && image.height() > 400);
    // Not blank: more than one colour.
    const QRgb first = image.pixel(0, 0);
    bool varied = false;
    for (int y = 0; y < image.height() && !varied; y += 7)
      for (int x = 0; x < image.width() && !varied; x += 7) varied = image.pixel(x, y) != first;
    QVERIFY(varied);

    QVERIFY(!window_->exportSvg(dir.filePath("missing-dir/view.svg")));
    QVERIFY(!window_->lastError().isEmpty());
  }

  void inspectorShowsConstantsAndProvenance() {
    const Graph& g = *window_->displayedGraph();
    const auto conv = std::find_if(g.nodes.begin(), g.nodes.end(), [](const Node& n) { return n.op == "Conv"; });
    QVERIFY(conv != g.nodes.end());
    window_->graphView()->selectNode(conv->id);
    QVERIFY(!window_->inspector()->property("provenance").isEmpty());
    QVERIFY(window_->inspector()->property("constants").toInt() >= 1);
    QVERIFY(window_->inspector()->findChild<gui::HistogramChart*>() != nullptr);
    // NEST_TOOLS_SCREENSHOT=FILE.png: a picture of the window with search results and a selection.
    if (qEnvironmentVariableIsSet("NEST_TOOLS_SCREENSHOT")) {
      window_->searchPanel()->setMode(SearchMode::Op);
      window_->searchPanel()->setText("MaxPool");
      window_->graphView()->selectNode(conv->id);
      for (int i = 0; i < 3; ++i) window_->graphView()->zoomIn();
      QTest::qWait(200);
      const QString out = qEnvironmentVariable("NEST_TOOLS_SCREENSHOT");
      QVERIFY(window_->grab().save(out, "PNG"));
      gui::Inspector* inspector = window_->inspector();
      const QSize size = inspector->size();
      inspector->resize(520, 1100);
      QTest::qWait(100);
      QVERIFY(inspector->grab().save(QString(out).replace(".png", "-inspector.png"), "PNG"));
      inspector->resize(size);
      window_->searchPanel()->setText(QString());
    }
  }

  void constantStatsExact() {
    // 1..8 and 0: min 0, max 8, mean 4, population variance 60/9.
    const Tensor t = Tensor::fromVector<float>(ElemType::F32, {3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 0});
    const gui::ConstantStats s = gui::computeConstantStats(t, 4);
    QCOMPARE(s.count, int64_t{9});
    QCOMPARE(s.nonFinite, int64_t{0});
    QCOMPARE(s.min, 0.0);
    QCOMPARE(s.max, 8.0);
    QCOMPARE(s.mean, 4.0);
    QVERIFY(std::abs(s.std - std::sqrt(60.0 / 9.0)) < 1e-12);
    // Bins of width 2: [0,2) {0,1}, [2,4) {2,3}, [4,6) {4,5}, [6,8] {6,7,8}.
    QCOMPARE(s.bins, (std::vector<int64_t>{2, 2, 2, 3}));

    const gui::ConstantStats s32 = gui::computeConstantStats(t);
    QCOMPARE(s32.bins.size(), size_t{32});
    QCOMPARE(std::accumulate(s32.bins.begin(), s32.bins.end(), int64_t{0}), int64_t{9});

    // Integers, a constant tensor, non-finite values.
    const Tensor ints = Tensor::fromVector<int32_t>(ElemType::I32, {4}, {-3, -3, -3, -3});
    const gui::ConstantStats si = gui::computeConstantStats(ints);
    QCOMPARE(si.min, -3.0);
    QCOMPARE(si.max, -3.0);
    QCOMPARE(si.std, 0.0);
    QCOMPARE(si.bins.front(), int64_t{4});
    const Tensor odd = Tensor::fromVector<float>(ElemType::F32, {3}, {NAN, 1.0f, INFINITY});
    const gui::ConstantStats so = gui::computeConstantStats(odd);
    QCOMPARE(so.count, int64_t{3});
    QCOMPARE(so.nonFinite, int64_t{2});
    QCOMPARE(so.mean, 1.0);
    QCOMPARE(std::accumulate(so.bins.begin(), so.bins.end(), int64_t{0}), int64_t{1});
  }

 private:
  std::unique_ptr<MainWindow> window_;
};

QTEST_MAIN(TestWorkbenchTools)
#include "test_workbench_tools.moc"
