// Grouping by name scope: the scope tree of real models (core), group boxes and frames in the
// layout (render, both engines), and collapsing / expanding in the workbench with the selection
// kept, double clicks, the node menu's entries, names readable zoomed out, big models opening
// collapsed, and --groups on the command line.
#include <QMouseEvent>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>

#include "app/gui/graph_view.h"
#include "app/gui/group_frame_item.h"
#include "app/gui/main_window.h"
#include "app/render/graph_layout.h"
#include "core/model_loader.h"
#include "core/scope_tree.h"
#include "driver/driver.h"
#include "test_support.h"

using namespace nest;
using nest::gui::GraphView;
using nest::gui::MainWindow;

namespace {

constexpr int kLoadTimeoutMs = 180'000;

QString seedModel(const char* name) {
  return QString::fromStdString((testing::seedModels() / name / "model.onnx").string());
}

// The -O1 graph of a seed model, as the workbench shows it last.
Graph optimized(const char* name) {
  driver::Job job;
  job.model = (testing::seedModels() / name / "model.onnx").string();
  job.target = "cpu";
  return driver::prepare(job).run.result();
}

bool makeScopedModel(const QString& path, int nodes) {
  QProcess make;
  make.start("/usr/bin/python3", {QString::fromStdString((testing::sourceDir() / "scripts/make_big_model.py").string()),
                                  path, "--nodes", QString::number(nodes), "--scoped"});
  return make.waitForFinished(60'000) && make.exitStatus() == QProcess::NormalExit && make.exitCode() == 0;
}

void openAndWait(MainWindow& w, const QString& path) {
  w.resize(1200, 800);
  w.show();
  w.openFile(path);
  QTRY_VERIFY_WITH_TIMEOUT(w.model() && !w.isBusy() && w.displayedGraph() && !w.graphView()->isDrawing(), kLoadTimeoutMs);
  QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
}

void waitIdle(MainWindow& w) {
  QTRY_VERIFY_WITH_TIMEOUT(!w.isBusy() && !w.graphView()->isDrawing(), kLoadTimeoutMs);
}

int countKind(const render::GraphLayout& layout, render::NodeBox::Kind kind) {
  return static_cast<int>(std::count_if(layout.nodes.begin(), layout.nodes.end(), [&](const render::NodeBox& b) { return b.kind == kind; }));
}

QStringList names(const ScopeTree& tree, const std::vector<int>& groups) {
  QStringList out;
  for (int g : groups) out << QString::fromStdString(tree.groups[static_cast<size_t>(g)].name);
  return out;
}

}  // namespace

class TestWorkbenchGroups : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  // ResNet-50 after -O1: the stages and their blocks, op summaries and MACs of the groups.
  void scopeTreeOfResNet50() {
    const Graph g = optimized("resnet50");
    const ScopeTree tree = scopeTreeOf(g);
    QCOMPARE(names(tree, tree.roots), QStringList({"layer1", "layer2", "layer3", "layer4"}));
    QCOMPARE(tree.groups.size(), size_t(4 + 16));  // 3 + 4 + 6 + 3 bottleneck blocks
    const int layer3 = tree.find("/layer3/");
    QVERIFY(layer3 >= 0);
    const ScopeGroup& l3 = tree.groups[static_cast<size_t>(layer3)];
    QCOMPARE(l3.nodes.size(), size_t(25));
    QCOMPARE(QString::fromStdString(l3.opSummary()), QStringLiteral("19 Conv, 6 Add"));
    QCOMPARE(names(tree, l3.children), QStringList({"layer3.0", "layer3.1", "layer3.2", "layer3.3", "layer3.4", "layer3.5"}));
    // The block with the downsample branch: 3 convolutions, the shortcut convolution and the Add.
    const ScopeGroup& block = tree.groups[static_cast<size_t>(tree.find("/layer3/layer3.0/"))];
    QCOMPARE(block.parent, layer3);
    QCOMPARE(QString::fromStdString(block.opSummary()), QStringLiteral("4 Conv, 1 Add"));
    int64_t macs = 0;
    for (NodeId id : l3.nodes) macs += nodeMacs(g, *g.findNode(id));
    QCOMPARE(l3.macs, macs);
    QCOMPARE(l3.macs, int64_t(1'464'336'384));
    QVERIFY(std::all_of(tree.groups.begin(), tree.groups.end(), [](const ScopeGroup& s) { return s.convex; }));
    // Every node of layer3 has its innermost group inside layer3.
    for (NodeId id : l3.nodes) QCOMPARE(tree.pathTo(tree.innermostOf(id)).front(), layer3);
  }

  // Scopes that interleave: /a/ holds x and z, while y (outside it) runs between them.
  void interleavedScopeIsNotConvex() {
    const Graph g = testing::graphFromText(R"(graph "g" {
  input %in: f32[4]
  %x: f32[4] = Relu #1 "/a/x/Relu"(%in)
  %y: f32[4] = Relu #2 "/b/y/Relu"(%x)
  %z: f32[4] = Add #3 "/a/z/Add"(%x, %y)
  %w: f32[4] = Relu #4 "/b/w/Relu"(%z)
  %out: f32[4] = Relu #5 "/b/v/Relu"(%w)
  output %out
}
)");
    const ScopeTree tree = scopeTreeOf(g);
    QCOMPARE(tree.groups.size(), size_t(2));
    QCOMPARE(tree.groups[static_cast<size_t>(tree.find("/a/"))].convex, false);
    QCOMPARE(tree.groups[static_cast<size_t>(tree.find("/b/"))].convex, false);
    // Collapsing a scope that is not convex is ignored: the drawing stays acyclic, with frames.
    render::LayoutOptions options;
    options.groupByScope = true;
    options.collapsed = {"/a/", "/b/"};
    const render::GraphLayout layout = render::layoutGraph(g, options);
    QCOMPARE(countKind(layout, render::NodeBox::Kind::Group), 0);
    QCOMPARE(countKind(layout, render::NodeBox::Kind::Op), 5);
    QCOMPARE(layout.frames.size(), size_t(2));
  }

  // Layouts of ResNet-50 grouped: expanded (frames around the members, dot clusters), collapsed
  // stages (one box each, edges between them once), and the same with the layered engine.
  void layoutsOfResNet50() {
    const Graph g = optimized("resnet50");
    for (auto engine : {render::LayoutOptions::Engine::Dot, render::LayoutOptions::Engine::Layered}) {
      render::LayoutOptions options;
      options.engine = engine;
      options.groupByScope = true;
      const render::GraphLayout expanded = render::layoutGraph(g, options);
      QCOMPARE(countKind(expanded, render::NodeBox::Kind::Op), 73);
      QCOMPARE(expanded.frames.size(), size_t(20));
      for (const render::GroupFrame& f : expanded.frames)  // each frame holds its members' boxes
        for (NodeId id : expanded.scopes->groups[static_cast<size_t>(f.group)].nodes) {
          const render::NodeBox& b = expanded.nodes[static_cast<size_t>(expanded.indexOf(id))];
          QVERIFY(b.x - b.width / 2 >= f.x - 1e-6 && b.x + b.width / 2 <= f.x + f.width + 1e-6);
          QVERIFY(b.y - b.height / 2 >= f.y - 1e-6 && b.y + b.height / 2 <= f.y + f.height + 1e-6);
        }

      options.collapsed = {"/layer1/", "/layer2/", "/layer3/", "/layer4/"};
      const render::GraphLayout stages = render::layoutGraph(g, options);
      QCOMPARE(countKind(stages, render::NodeBox::Kind::Group), 4);
      QCOMPARE(countKind(stages, render::NodeBox::Kind::Op), 73 - 68);  // stem conv, maxpool, avgpool, flatten, fc
      QCOMPARE(stages.frames.size(), size_t(0));
      QCOMPARE(stages.edges.size(), size_t(10));  // a chain of 11 boxes (input and output included)
      const int layer3 = stages.boxShowing(expanded.scopes->groups[static_cast<size_t>(expanded.scopes->find("/layer3/"))].nodes[7]);
      QVERIFY(layer3 >= 0);
      QCOMPARE(QString::fromStdString(stages.nodes[static_cast<size_t>(layer3)].title), QStringLiteral("layer3 · 25 nodes"));
      QCOMPARE(QString::fromStdString(stages.nodes[static_cast<size_t>(layer3)].subtitle), QStringLiteral("19 Conv, 6 Add · 1.46 GMAC"));
      for (const render::EdgePath& e : stages.edges) QVERIFY(e.from < e.to);

      // One stage open: its blocks stay collapsed, framed by the stage.
      options.collapsed = {"/layer1/", "/layer2/", "/layer4/", "/layer3/layer3.0/", "/layer3/layer3.1/", "/layer3/layer3.2/",
                           "/layer3/layer3.3/", "/layer3/layer3.4/", "/layer3/layer3.5/"};
      const render::GraphLayout open3 = render::layoutGraph(g, options);
      QCOMPARE(countKind(open3, render::NodeBox::Kind::Group), 3 + 6);
      QCOMPARE(open3.frames.size(), size_t(1));
      const std::string svg = render::layoutToSvg(open3, "resnet50");
      QVERIFY(svg.find("<g class=\"frame\"><title>/layer3/") != std::string::npos);
    }
  }

  // In the workbench: collapsing and expanding a scope keeps the selection (nodes inside and
  // outside the group), the collapsed box stands for its nodes, a double click expands it again
  // and a double click on a frame's name collapses it.
  void collapseAndExpandKeepTheSelection() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    openAndWait(w, seedModel("resnet50"));
    GraphView* v = w.graphView();
    QVERIFY(v->scopes());
    QCOMPARE(v->frameCount(), 20);  // 73 nodes: opened expanded
    QCOMPARE(v->groupItemCount(), 0);
    const ScopeTree& tree = *v->scopes();
    const ScopeGroup& l2 = tree.groups[static_cast<size_t>(tree.find("/layer2/"))];
    const NodeId stem = w.displayedGraph()->nodes.front().id;
    const QList<NodeId> chosen = {stem, l2.nodes[2], l2.nodes[9]};
    v->selectNodes(chosen);
    QCOMPARE(v->selectedNodes(), chosen);

    w.setScopeCollapsed("/layer2/", true);
    waitIdle(w);
    QCOMPARE(v->groupItemCount(), 1);
    gui::NodeItem* box = v->groupItem("/layer2/");
    QVERIFY(box);
    QVERIFY(box->isSelected());
    QCOMPARE(v->selectedNodes(), chosen);
    QCOMPARE(v->itemShowing(l2.nodes[9]), box);
    QCOMPARE(v->frameCount(), 20 - 1 - 4);  // layer2 and its 4 blocks are inside the box

    // A double click on the box expands it; the selection survives again.
    const QPoint at = v->mapFromScene(box->scenePos());
    QSignalSpy toggles(v, &GraphView::groupToggleRequested);
    v->centerOn(box);
    QTest::mouseDClick(v->viewport(), Qt::LeftButton, {}, v->mapFromScene(box->scenePos()));
    Q_UNUSED(at);
    QCOMPARE(toggles.count(), 1);
    QCOMPARE(toggles.front().at(0).toString(), QStringLiteral("/layer2/"));
    QCOMPARE(toggles.front().at(1).toBool(), false);
    waitIdle(w);
    QCOMPARE(v->groupItemCount(), 0);
    QCOMPARE(v->frameCount(), 20);
    QCOMPARE(v->selectedNodes(), chosen);
    QVERIFY(v->itemForNode(l2.nodes[9])->isSelected());

    // A double click on a frame's name band collapses that group.
    gui::GroupFrameItem* frame = nullptr;
    for (gui::GroupFrameItem* f : v->frames())
      if (f->scope() == "/layer4/") frame = f;
    QVERIFY(frame);
    v->centerOn(frame->sceneBoundingRect().topLeft());
    const QPoint band = v->mapFromScene(frame->mapToScene(frame->band().center() - QPointF(frame->band().width() / 2 - 20, 0)));
    QTest::mouseDClick(v->viewport(), Qt::LeftButton, {}, band);
    QCOMPARE(toggles.count(), 2);
    QCOMPARE(toggles.back().at(0).toString(), QStringLiteral("/layer4/"));
    QCOMPARE(toggles.back().at(1).toBool(), true);
    waitIdle(w);
    QVERIFY(v->groupItem("/layer4/"));

    // Clicking a collapsed box selects all its nodes; Collapse All / Expand All.
    w.collapseAllGroups();
    waitIdle(w);
    QCOMPARE(v->groupItemCount(), 4);
    QCOMPARE(v->frameCount(), 0);
    v->selectNodes({});
    gui::NodeItem* l1 = v->groupItem("/layer1/");
    v->centerOn(l1);
    QTest::mouseClick(v->viewport(), Qt::LeftButton, {}, v->mapFromScene(l1->scenePos()));
    const auto& members = tree.groups[static_cast<size_t>(tree.find("/layer1/"))].nodes;
    QCOMPARE(v->selectedNodes(), QList<NodeId>(members.begin(), members.end()));
    w.expandAllGroups();
    waitIdle(w);
    QCOMPARE(v->groupItemCount(), 0);
    QCOMPARE(v->selectedNodes(), QList<NodeId>(members.begin(), members.end()));
    w.setGroupByScope(false);
    waitIdle(w);
    QCOMPARE(v->frameCount(), 0);
    QVERIFY(!v->scopes());
  }

  // A big scoped model opens with every group collapsed (6 stages of 100 blocks), readable at
  // once; zoomed out, the names of frames and boxes are still drawn, about 12 pixels high.
  void bigScopedModelOpensCollapsed() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString big = dir.filePath("scoped.onnx");
    QVERIFY(makeScopedModel(big, 3000));
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    openAndWait(w, big);
    GraphView* v = w.graphView();
    QCOMPARE(w.displayedGraph()->nodes.size(), size_t(1800));
    QCOMPARE(v->groupItemCount(), 6);
    QCOMPARE(v->opItemCount(), 0);
    QCOMPARE(w.grouping().collapsed.size(), size_t(6 + 600));
    QVERIFY2(v->zoom() >= GraphView::kLabelZoom, qPrintable(QString::number(v->zoom())));

    // One stage open: its 100 blocks as boxes inside its frame.
    w.setScopeCollapsed("/stage2/", false);
    waitIdle(w);
    QCOMPARE(v->groupItemCount(), 5 + 100);
    QCOMPARE(v->frameCount(), 1);
    v->resetTransform();
    v->scale(0.2, 0.2);
    v->centerOn(v->frames().front());
    const QImage grab = v->viewport()->grab().toImage();
    if (qEnvironmentVariableIsSet("NEST_TEST_GRABS")) grab.save(qEnvironmentVariable("NEST_TEST_GRABS") + "/groups-zoomed-out.png");
    QCOMPARE(v->zoom() < GraphView::kLabelZoom, true);
    // The stage's frame and the 23 block boxes in view: each name drawn once, none over another.
    QCOMPARE(v->namesDrawn(), 24);

    w.expandAllGroups();
    waitIdle(w);
    QCOMPARE(v->groupItemCount(), 0);
    QCOMPARE(v->opItemCount(), 1800);
    QCOMPARE(v->frameCount(), 6 + 600);
  }

  void groupsOptionIsChecked() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(NEST_BIN_DIR "/nestc-workbench"), {seedModel("resnet18"), "--groups", "layer1", "--screenshot", "/dev/null"});
    QVERIFY(p.waitForFinished(60'000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(QString::fromUtf8(p.readAllStandardError())
                .contains("--groups: 'layer1' is neither none, expanded, collapsed nor a scope like /layer1/"));
  }
};

QTEST_MAIN(TestWorkbenchGroups)
#include "test_workbench_groups.moc"
