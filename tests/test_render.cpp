// The layout/render library (app/render) and `nestc render`.
#include <QProcess>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "app/render/graph_layout.h"
#include "core/dot_export.h"
#include "core/model_loader.h"
#include "test_support.h"

namespace fs = std::filesystem;
using nest::render::GraphLayout;
using nest::render::NodeBox;

namespace {

fs::path mnist() { return nest::testing::testdata() / "models/mnist-8/model.onnx"; }

struct Run {
  int code = -1;
  std::string out;
};

Run nestc(const QStringList& args) {
  QProcess p;
  p.setProgram(QString::fromStdString((nest::testing::binDir() / "nestc").string()));
  p.setArguments(args);
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start();
  Run r;
  if (!p.waitForStarted(30000) || !p.waitForFinished(300000)) {
    p.kill();
    p.waitForFinished();
    r.out = "nestc did not start or finish";
    return r;
  }
  r.out = p.readAll().toStdString();
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  return r;
}

QString q(const fs::path& p) { return QString::fromStdString(p.string()); }

std::string readFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

int count(const GraphLayout& l, NodeBox::Kind k) {
  int n = 0;
  for (const NodeBox& b : l.nodes) n += b.kind == k;
  return n;
}

}  // namespace

class TestRender : public QObject {
  Q_OBJECT

 private slots:
  void layoutOfMnist() {
    nest::Graph g = nest::loadModel(mnist());
    auto start = std::chrono::steady_clock::now();
    GraphLayout l = nest::render::layoutGraph(g);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    qInfo("mnist-8: laid out %zu nodes in %.1f ms", l.nodes.size(), ms);

    QCOMPARE(count(l, NodeBox::Kind::Op), 12);
    QCOMPARE(count(l, NodeBox::Kind::Input), 1);
    QCOMPARE(count(l, NodeBox::Kind::Output), 1);
    QCOMPARE(l.nodes.size(), size_t(14));
    QCOMPARE(l.width, 375.0);  // Graphviz dot, points
    QCOMPARE(l.height, 816.0);
    for (const nest::Node& n : g.nodes) NEST_VERIFY(l.indexOf(n.id) >= 0, "no box for " + n.describe());
    QCOMPARE(l.indexOf(999999), -1);

    for (const NodeBox& b : l.nodes) {
      NEST_VERIFY(b.width > 0 && b.height > 0, "box " + b.title + " has no size");
      NEST_VERIFY(b.x >= 0 && b.y >= 0 && b.x <= l.width && b.y <= l.height, "box " + b.title + " outside the layout");
      NEST_VERIFY(!b.title.empty(), "box without a title");
    }
    // Input on top, output at the bottom (y points down).
    const NodeBox* in = nullptr;
    const NodeBox* out = nullptr;
    for (const NodeBox& b : l.nodes) {
      if (b.kind == NodeBox::Kind::Input) in = &b;
      if (b.kind == NodeBox::Kind::Output) out = &b;
    }
    QVERIFY(in && out && in->y < out->y);

    // Boxes do not overlap.
    for (size_t i = 0; i < l.nodes.size(); ++i)
      for (size_t j = i + 1; j < l.nodes.size(); ++j) {
        const NodeBox& a = l.nodes[i];
        const NodeBox& b = l.nodes[j];
        bool apart = std::abs(a.x - b.x) >= (a.width + b.width) / 2 - 0.5 ||
                     std::abs(a.y - b.y) >= (a.height + b.height) / 2 - 0.5;
        NEST_VERIFY(apart, "boxes " + a.title + " and " + b.title + " overlap");
      }

    // Edges: every one drawn as a spline, between existing boxes, and every op box reached.
    QVERIFY(!l.edges.empty());
    std::set<size_t> reached;
    for (const auto& e : l.edges) {
      NEST_VERIFY(e.points.size() >= 4, "edge " + e.value + " has " + std::to_string(e.points.size()) + " points");
      QVERIFY(e.from < l.nodes.size() && e.to < l.nodes.size() && e.from != e.to);
      QVERIFY(!e.type.empty());
      reached.insert(e.to);
      // Starts near its source box, ends near its target box.
      const NodeBox& a = l.nodes[e.from];
      const NodeBox& b = l.nodes[e.to];
      QVERIFY(std::abs(e.points.front().y - a.y) <= a.height / 2 + 2);
      nest::render::Point end = e.hasArrow ? e.arrowTip : e.points.back();
      QVERIFY(std::abs(end.y - b.y) <= b.height / 2 + 2);
    }
    // Every box fed by a non-constant value has an edge into it (mnist-8's first Reshape reads only a constant).
    for (const nest::Node& n : g.nodes) {
      bool fed = false;
      for (const std::string& v : n.inputs) fed |= !v.empty() && !g.isConstant(v);
      if (fed) NEST_VERIFY(reached.count(size_t(l.indexOf(n.id))), "no edge into " + n.describe());
    }
    for (size_t i = 0; i < l.nodes.size(); ++i)
      if (l.nodes[i].kind == NodeBox::Kind::Output) NEST_VERIFY(reached.count(i), "no edge into output " + l.nodes[i].title);
    // Constants are not drawn: nothing names them.
    for (const auto& [name, t] : g.constants()) {
      for (const auto& e : l.edges) NEST_VERIFY(e.value != name, "edge of constant " + name);
      for (const NodeBox& b : l.nodes) NEST_VERIFY(b.value != name, "box of constant " + name);
    }
  }

  void svgOfMnist() {
    nest::Graph g = nest::loadModel(mnist());
    GraphLayout l = nest::render::layoutGraph(g);
    std::string svg = nest::render::layoutToSvg(l, "mnist <8> & co");
    QVERIFY(svg.find("<svg") != std::string::npos);
    QVERIFY(svg.find("viewBox=") != std::string::npos);
    QVERIFY(svg.find("</svg>") != std::string::npos);
    QVERIFY(svg.find("mnist &lt;8&gt; &amp; co") != std::string::npos);
    QVERIFY(svg.find("mnist <8>") == std::string::npos);
    QVERIFY(svg.find("Convolution28") != std::string::npos);
    QVERIFY(svg.find("marker-end") != std::string::npos);
    for (const nest::Node& n : g.nodes) NEST_VERIFY(svg.find(">" + n.op + "<") != std::string::npos, "no " + n.op);
    QVERIFY(svg.find(nest::categoryColor("conv")) != std::string::npos);
    // One path with an arrowhead per edge.
    size_t paths = 0;
    for (size_t p = svg.find("marker-end="); p != std::string::npos; p = svg.find("marker-end=", p + 1)) ++paths;
    QCOMPARE(paths, l.edges.size());
  }

  void cancelBeforeLayout() {
    nest::Graph g = nest::loadModel(mnist());
    std::atomic<bool> cancel{true};
    nest::render::LayoutOptions o;
    o.cancel = &cancel;
    std::string msg = nest::testing::errorOf([&] { nest::render::layoutGraph(g, o); });
    NEST_VERIFY(msg.find("cancelled") != std::string::npos, msg);
    cancel = false;
    QCOMPARE(nest::render::layoutGraph(g, o).nodes.size(), size_t(14));
  }

  void cliWritesSvgAndPng() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    fs::path svg = fs::path(dir.path().toStdString()) / "mnist.svg";
    Run r = nestc({"render", q(mnist()), "-o", q(svg)});
    NEST_VERIFY(r.code == 0, r.out);
    NEST_VERIFY(r.out.find("laid out 14 nodes in") != std::string::npos, r.out);
    std::string text = readFile(svg);
    QVERIFY(!text.empty());
    QVERIFY(text.find("Convolution28") != std::string::npos);

    fs::path png = fs::path(dir.path().toStdString()) / "mnist.png";
    r = nestc({"render", q(mnist()), "-O1", "-o", q(png)});
    NEST_VERIFY(r.code == 0, r.out);
    std::string bytes = readFile(png);
    NEST_VERIFY(bytes.size() > 8 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0, "not a PNG: " + r.out);

    fs::path after = fs::path(dir.path().toStdString()) / "after.svg";
    r = nestc({"render", q(mnist()), "--after", "constant-fold", "-o", q(after)});
    NEST_VERIFY(r.code == 0, r.out);
    NEST_VERIFY(r.out.find("after constant-fold") != std::string::npos, r.out);
  }

  void cliErrors() {
    QTemporaryDir dir;
    fs::path base(dir.path().toStdString());
    Run r = nestc({"render", q(mnist()), "-o", q(base / "mnist.jpg")});
    NEST_VERIFY(r.code == 2, r.out);
    NEST_VERIFY(r.out.find(".svg or .png") != std::string::npos, r.out);
    QVERIFY(!fs::exists(base / "mnist.jpg"));
    r = nestc({"render", q(mnist()), "--passes", "no-such-pass", "-o", q(base / "x.svg")});
    NEST_VERIFY(r.code == 2, r.out);
    NEST_VERIFY(r.out.find("no-such-pass") != std::string::npos, r.out);
    r = nestc({"render", q(mnist()), "--after", "no-such-pass", "-o", q(base / "x.svg")});
    NEST_VERIFY(r.code == 2, r.out);
    r = nestc({"render", q(mnist())});
    NEST_VERIFY(r.code == 2, r.out);
  }

  // Above kDotMaxBoxes the built-in layered layout takes over: still a valid layout, and fast.
  void layoutOfLargeGraph() {
    nest::Graph g;
    g.name = "large";
    g.inputs = {"x"};
    std::string x = "x";
    int k = 0;
    auto add = [&](const std::string& op, std::vector<std::string> in) {
      std::string out = "v" + std::to_string(k++);
      g.addNode(op, "n" + std::to_string(k), std::move(in), {out});
      return out;
    };
    while (g.nodes.size() < 3000) {  // residual blocks, every 10th with a three-way branch
      std::string y = add("Relu", {add("Conv", {add("Relu", {add("Conv", {x})})})});
      if (k % 10 == 0) y = add("Concat", {add("Relu", {y}), add("Sigmoid", {y}), add("Tanh", {x})});
      x = add("Relu", {add("Add", {y, x})});
    }
    g.outputs = {x};
    auto start = std::chrono::steady_clock::now();
    GraphLayout l = nest::render::layoutGraph(g);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    qInfo("large: laid out %zu nodes, %zu edges in %.1f ms", l.nodes.size(), l.edges.size(), ms);
    QVERIFY(l.nodes.size() > nest::render::kDotMaxBoxes);
    QCOMPARE(l.nodes.size(), g.nodes.size() + 2);
    QVERIFY(ms < 5000);
    for (const nest::Node& n : g.nodes) NEST_VERIFY(l.indexOf(n.id) >= 0, "no box for " + n.describe());
    for (const NodeBox& b : l.nodes) {
      NEST_VERIFY(b.width > 0 && b.height > 0, "box " + b.title + " has no size");
      NEST_VERIFY(b.x - b.width / 2 >= -0.5 && b.y - b.height / 2 >= -0.5 && b.x + b.width / 2 <= l.width + 0.5 &&
                      b.y + b.height / 2 <= l.height + 0.5,
                  "box " + b.title + " outside the layout");
    }
    // No overlapping boxes: sweep in y order, compare only boxes whose y ranges meet.
    std::vector<size_t> byTop(l.nodes.size());
    for (size_t i = 0; i < byTop.size(); ++i) byTop[i] = i;
    std::sort(byTop.begin(), byTop.end(), [&](size_t a, size_t b) {
      return l.nodes[a].y - l.nodes[a].height / 2 < l.nodes[b].y - l.nodes[b].height / 2;
    });
    for (size_t i = 0; i < byTop.size(); ++i) {
      const NodeBox& a = l.nodes[byTop[i]];
      for (size_t j = i + 1; j < byTop.size(); ++j) {
        const NodeBox& b = l.nodes[byTop[j]];
        if (b.y - b.height / 2 >= a.y + a.height / 2 - 0.5) break;
        NEST_VERIFY(std::abs(a.x - b.x) >= (a.width + b.width) / 2 - 0.5,
                    "boxes " + a.subtitle + " and " + b.subtitle + " overlap");
      }
    }
    size_t expectedEdges = 1;  // into the output box
    for (const nest::Node& n : g.nodes) expectedEdges += n.inputs.size();
    QCOMPARE(l.edges.size(), expectedEdges);
    for (const auto& e : l.edges) {
      NEST_VERIFY(e.points.size() >= 2, "edge " + e.value + " has " + std::to_string(e.points.size()) + " points");
      QVERIFY(e.from < l.nodes.size() && e.to < l.nodes.size() && e.from != e.to);
      const NodeBox& a = l.nodes[e.from];
      const NodeBox& b = l.nodes[e.to];
      QVERIFY(std::abs(e.points.front().y - a.y) <= a.height / 2 + 2);
      nest::render::Point end = e.hasArrow ? e.arrowTip : e.points.back();
      QVERIFY(std::abs(end.y - b.y) <= b.height / 2 + 2);
      QVERIFY(a.y < b.y);  // top to bottom
    }
    // The layered engine can be asked for on a small graph too, and dot on a large one is not tried here (slow).
    nest::render::LayoutOptions o;
    o.engine = nest::render::LayoutOptions::Engine::Layered;
    GraphLayout small = nest::render::layoutGraph(nest::loadModel(mnist()), o);
    QCOMPARE(small.nodes.size(), size_t(14));
    QCOMPARE(small.edges.size(), nest::render::layoutGraph(nest::loadModel(mnist())).edges.size());
  }

  void resnet50Timing() {
    fs::path model = nest::testing::seedModels() / "resnet50/model.onnx";
    QVERIFY2(fs::exists(model), "resnet50 seed model not generated (ctest fixture seed_models)");
    nest::Graph g = nest::loadModel(model);
    auto start = std::chrono::steady_clock::now();
    GraphLayout l = nest::render::layoutGraph(g);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    qInfo("resnet50: laid out %zu nodes, %zu edges in %.1f ms", l.nodes.size(), l.edges.size(), ms);
    QCOMPARE(l.nodes.size(), g.inputs.size() + g.nodes.size() + g.outputs.size());
  }
};

QTEST_APPLESS_MAIN(TestRender)
#include "test_render.moc"
