// Workbench benchmark (run on demand with scripts/bench-workbench.sh, not by ctest): for each model,
// from creating the window to a drawn, navigable graph, and the longest UI-thread stall meanwhile
// (an event-loop latency probe: a 10 ms QTimer, the largest gap between its ticks); then the RSS
// of the app with ResNet-50 and all its pass snapshots laid out.
//   QT_QPA_PLATFORM=offscreen build/bin/bench_workbench [MODEL...]
// Without arguments: mnist-8 (shared testdata), build/models/resnet50, build/bench-models/big10k
// and big50k (scripts/make_big_model.py --scoped; outside build/models: tests count the seed
// models there). A model grouped by name scope is then expanded whole and collapsed again (View >
// Expand / Collapse All Groups): the time until drawn and the longest stall of each.
#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "app/gui/graph_view.h"
#include "latency_probe.h"
#include "app/gui/main_window.h"

using nest::gui::MainWindow;
using nest::testing::LatencyProbe;

namespace {

// Times every top-level event dispatch on the UI thread and keeps the slowest, so a stall can be
// traced to the event (and receiver) that caused it.
class SlowEventRecorder : public QApplication {
 public:
  using QApplication::QApplication;
  bool notify(QObject* receiver, QEvent* event) override {
    if (depth_++ > 0) {
      const bool handled = QApplication::notify(receiver, event);
      --depth_;
      return handled;
    }
    // Both read before dispatch: the event may delete the receiver and itself.
    const char* receiverClass = receiver->metaObject()->className();
    const int type = int(event->type());
    QElapsedTimer t;
    t.start();
    const bool handled = QApplication::notify(receiver, event);
    --depth_;
    const double ms = t.nsecsElapsed() / 1e6;
    if (ms > 40 && qEnvironmentVariableIsSet("NEST_BENCH_SLOW_EVENTS"))  // every slow event, in order
      std::fprintf(stderr, "slow event: %.1f ms %s, QEvent type %d\n", ms, receiverClass, type);
    if (ms > slowest_.ms) slowest_ = {ms, QString("%1, QEvent type %2").arg(receiverClass).arg(type)};
    return handled;
  }
  struct Slowest {
    double ms = 0;
    QString what;
  };
  Slowest takeSlowest() { return std::exchange(slowest_, {}); }

 private:
  int depth_ = 0;
  Slowest slowest_;
};

std::string statusField(const char* key) {  // "VmRSS" -> "123456 kB"
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(f, line))
    if (line.rfind(prefix, 0) == 0) {
      size_t p = line.find_first_not_of(" \t", prefix.size());
      return p == std::string::npos ? "" : line.substr(p);
    }
  return "?";
}

// Runs the event loop for `ms` milliseconds.
void spin(int ms) {
  QEventLoop loop;
  QTimer::singleShot(ms, &loop, &QEventLoop::quit);
  loop.exec();
}

// Runs the event loop until `done()` (checked every 5 ms) or `timeoutMs`.
template <typename F>
bool waitFor(F done, int timeoutMs) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > timeoutMs) return false;
    spin(5);
  }
  return true;
}

struct Result {
  bool ok = false;
  QString error;
  size_t importedNodes = 0, shownNodes = 0, boxes = 0;
  double loadedMs = 0, drawnMs = 0, navigableMs = 0, stallMs = 0, navStallMs = 0;
  double firstPaintMs = 0;  // the explicit full repaint once drawn (part of the stall figure)
  bool readable = false;    // the first view shows labels (zoom) or group boxes
  int groupBoxes = 0;
  QString slowestEvent;     // the slowest UI event dispatch while loading and drawing
};

// Window creation to drawn graph; `keep` (if set) receives the window instead of deleting it.
Result openModel(const QString& path, LatencyProbe& probe, std::unique_ptr<MainWindow>* keep = nullptr) {
  Result r;
  QElapsedTimer clock;
  clock.start();
  auto w = std::make_unique<MainWindow>(MainWindow::Options{false, false});
  w->show();
  bool loaded = false;
  QEventLoop loop;
  QObject::connect(w.get(), &MainWindow::modelLoaded, &loop, [&] {
    loaded = true;
    loop.quit();
  });
  QObject::connect(w.get(), &MainWindow::errorOccurred, &loop, [&](const QString& message) {
    r.error = message;
    loop.quit();
  });
  QTimer::singleShot(300000, &loop, &QEventLoop::quit);
  auto* app = static_cast<SlowEventRecorder*>(QCoreApplication::instance());
  app->takeSlowest();
  probe.reset();
  w->openFile(path);
  loop.exec();
  r.loadedMs = clock.nsecsElapsed() / 1e6;
  if (!loaded) {
    if (r.error.isEmpty()) r.error = "timed out";
    return r;
  }
  // Drawn: every item in the scene (a large graph is added in batches after modelLoaded), then
  // the view painted once with the graph in it.
  if (!waitFor([&] { return !w->graphView()->isDrawing(); }, 300000)) {
    r.error = "drawing timed out";
    return r;
  }
  const auto slowest = app->takeSlowest();
  r.slowestEvent = QString("%1 ms (%2)").arg(slowest.ms, 0, 'f', 1).arg(slowest.what);
  const double paintStart = clock.nsecsElapsed() / 1e6;
  w->graphView()->viewport()->repaint();
  r.drawnMs = clock.nsecsElapsed() / 1e6;
  r.firstPaintMs = r.drawnMs - paintStart;
  r.readable = w->graphView()->zoom() >= nest::gui::GraphView::kLabelZoom;
  // The stall figure: the longest UI-thread gap while loading, laying out and drawing
  // (up to and including the first full paint).
  r.stallMs = probe.maxGapMs();
  // Navigable: zoom in, pan, fit to window — each a user action of its own, painted, with the
  // event loop running in between (as between real input events).
  w->graphView()->zoomIn();
  w->graphView()->viewport()->repaint();
  spin(20);
  w->graphView()->centerOn(w->graphView()->sceneRect().center());
  w->graphView()->viewport()->repaint();
  spin(20);
  w->graphView()->fitToWindow();
  w->graphView()->viewport()->repaint();
  r.navigableMs = clock.nsecsElapsed() / 1e6;
  spin(300);  // anything the window still does after showing the graph counts as a stall too
  r.navStallMs = probe.maxGapMs();
  r.ok = true;
  r.groupBoxes = w->graphView()->groupItemCount();
  r.importedNodes = w->model()->run.initial->nodes.size();
  r.shownNodes = w->displayedGraph() ? w->displayedGraph()->nodes.size() : 0;
  r.boxes = static_cast<size_t>(w->graphView()->opItemCount());
  if (keep) *keep = std::move(w);
  return r;
}

// One regrouping of the shown graph (`change` on the window): time until drawn, longest stall.
struct Regroup {
  double ms = 0, stallMs = 0;
  int boxes = 0, groups = 0, frames = 0;
  QString slowestEvent;
};

template <typename F>
Regroup regroup(MainWindow& w, LatencyProbe& probe, F change) {
  Regroup r;
  auto* app = static_cast<SlowEventRecorder*>(QCoreApplication::instance());
  app->takeSlowest();
  probe.reset();
  QElapsedTimer clock;
  clock.start();
  change();
  waitFor([&] { return !w.isBusy() && !w.graphView()->isDrawing(); }, 300000);
  w.graphView()->viewport()->repaint();
  r.ms = clock.nsecsElapsed() / 1e6;
  spin(200);
  r.stallMs = probe.maxGapMs();
  const auto slowest = app->takeSlowest();
  r.slowestEvent = QString("%1 ms (%2)").arg(slowest.ms, 0, 'f', 1).arg(slowest.what);
  r.boxes = w.graphView()->opItemCount();
  r.groups = w.graphView()->groupItemCount();
  r.frames = w.graphView()->frameCount();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  SlowEventRecorder app(argc, argv);
  std::vector<QString> models;
  for (int i = 1; i < argc; ++i) models.push_back(QString::fromLocal8Bit(argv[i]));
  const QString resnet50 = "build/models/resnet50/model.onnx";
  if (models.empty())
    models = {"../shared/testdata/models/mnist-8/model.onnx", resnet50, "build/bench-models/big10k/model.onnx",
              "build/bench-models/big50k/model.onnx"};

  LatencyProbe probe;
  spin(50);
  std::printf("RSS at start: %s\n\n", statusField("VmRSS").c_str());
  std::printf("%-48s %9s %9s %10s %10s %12s %10s %16s\n", "model", "imported", "shown", "loaded ms", "drawn ms",
              "navigable ms", "stall ms", "incl. nav. ms");
  bool allOk = true;
  std::vector<QString> grouped;
  for (const QString& m : models) {
    std::unique_ptr<MainWindow> window;
    Result r = openModel(m, probe, &window);
    if (!r.ok) {
      std::printf("%-48s error: %s\n", qPrintable(m), qPrintable(r.error));
      allOk = false;
      continue;
    }
    std::printf("%-48s %9zu %9zu %10.1f %10.1f %12.1f %10.1f %16.1f\n", qPrintable(m), r.importedNodes, r.shownNodes,
                r.loadedMs, r.drawnMs, r.navigableMs, r.stallMs, r.navStallMs);
    std::printf("    first view: %s (%d op boxes, %d group boxes); first full paint %.1f ms; slowest UI event %s\n",
                r.readable ? "readable" : "NOT readable (labels hidden)", static_cast<int>(r.boxes), r.groupBoxes,
                r.firstPaintMs, qPrintable(r.slowestEvent));
    if (window->graphView()->scopes() && !window->graphView()->scopes()->empty()) {
      for (bool expand : {true, false}) {
        const Regroup g = regroup(*window, probe, [&] { expand ? window->expandAllGroups() : window->collapseAllGroups(); });
        std::printf("    %s all groups: drawn in %.1f ms, stall %.1f ms (%d op boxes, %d group boxes, %d frames); slowest UI event %s\n",
                    expand ? "expand" : "collapse", g.ms, g.stallMs, g.boxes, g.groups, g.frames, qPrintable(g.slowestEvent));
      }
    }
    std::fflush(stdout);
  }

  // Memory: ResNet-50 with every pass snapshot laid out (and cached by the window).
  std::unique_ptr<MainWindow> w;
  Result r = openModel(resnet50, probe, &w);
  if (!r.ok) {
    std::printf("\nResNet-50 memory: error: %s\n", qPrintable(r.error));
    return 1;
  }
  const int records = static_cast<int>(w->model()->run.records.size());
  double worstStall = 0;
  QElapsedTimer clock;
  clock.start();
  for (int i = 0; i < records; ++i) {
    probe.reset();
    w->selectPass(i);
    if (!waitFor([&] { return !w->isBusy() && !w->graphView()->isDrawing(); }, 60000)) std::printf("pass %d: layout timed out\n", i);
    spin(5);
    w->graphView()->viewport()->repaint();
    worstStall = std::max(worstStall, probe.maxGapMs());
  }
  std::printf("\nResNet-50, all %d pass snapshots shown in %.0f ms (worst stall %.1f ms): VmRSS %s, VmHWM %s\n",
              records, clock.nsecsElapsed() / 1e6, worstStall, statusField("VmRSS").c_str(),
              statusField("VmHWM").c_str());
  return allOk ? 0 : 1;
}
