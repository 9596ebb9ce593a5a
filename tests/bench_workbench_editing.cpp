// Editing-loop benchmark (run on demand with scripts/bench-workbench-editing.sh, not by ctest):
// opens a project (a model quantized for the NPU with a device configuration), then times each
// kind of edit from the action to the updated view (the editApplied signal: graph passes rerun,
// layout, schedule), with the longest UI-thread stall meanwhile (tests/latency_probe.h).
//   QT_QPA_PLATFORM=offscreen build/bin/bench_workbench_editing PROJECT.nestproj
#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QSignalSpy>
#include <QTimer>

#include <cstdio>
#include <functional>

#include "app/gui/graph_view.h"
#include "app/gui/main_window.h"
#include "app/gui/project_document.h"
#include "latency_probe.h"

using nest::gui::MainWindow;
using nest::testing::LatencyProbe;

namespace {

bool spinUntil(const std::function<bool()>& done, int timeoutMs) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > timeoutMs) return false;
    QEventLoop loop;
    QTimer::singleShot(5, &loop, &QEventLoop::quit);
    loop.exec();
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_workbench_editing PROJECT.nestproj\n");
    return 2;
  }
  LatencyProbe probe;
  MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false, .autosaveDir = "/tmp/nest-bench-autosave"});
  w.resize(1600, 1000);
  w.show();
  QString error;
  QObject::connect(&w, &MainWindow::errorOccurred, [&](const QString& m) { error = m; });
  QElapsedTimer clock;
  clock.start();
  probe.reset();
  w.openFile(QString::fromLocal8Bit(argv[1]));
  if (!spinUntil([&] { return w.model() && !w.isBusy(); }, 900'000) || !error.isEmpty()) {
    std::fprintf(stderr, "open failed: %s\n", qPrintable(error));
    return 1;
  }
  std::printf("%s: %zu nodes after the passes; opened and scheduled in %.0f ms (stall %.1f ms)\n", argv[1],
              w.model()->run.result().nodes.size(), clock.nsecsElapsed() / 1e6, probe.maxGapMs());
  w.setMode(MainWindow::Mode::Device);

  QSignalSpy applied(&w, &MainWindow::editApplied);
  double worst = 0;
  auto measure = [&](const char* what, const std::function<void()>& edit) {
    const int before = applied.count();
    probe.reset();
    clock.restart();
    edit();
    if (!spinUntil([&] { return applied.count() > before && !w.isBusy(); }, 900'000) || !error.isEmpty()) {
      std::printf("%-44s failed: %s\n", what, qPrintable(error));
      return;
    }
    const double stall = probe.maxGapMs();
    worst = std::max(worst, stall);
    std::printf("%-44s %9.0f ms to the updated view   stall %6.1f ms   %3lld partitions\n", what,
                applied.last().at(0).toDouble(), stall, static_cast<long long>(w.partitionSummary().partitions.size()));
    std::fflush(stdout);
  };
  measure("device: scope /layer3/ -> NPU1", [&] {
    w.selectScope("/layer3/");
    w.assignDevice("NPU1");
  });
  measure("precision: first conv -> fp32", [&] {
    for (const nest::Node& n : w.displayedGraph()->nodes)
      if (n.op == "Conv") {
        w.graphView()->selectNode(n.id);
        break;
      }
    w.assignPrecision("fp32");
  });
  measure("schema: /layer4/ -> symmetric_power2", [&] {
    w.selectScope("/layer4/");
    w.assignSchema("symmetric_power2");
  });
  measure("auto partition", [&] { w.autoPartition(); });
  measure("undo (auto partition)", [&] { w.document()->undoStack()->undo(); });
  measure("redo (auto partition)", [&] { w.document()->undoStack()->redo(); });
  std::printf("worst UI stall over the edits: %.1f ms\n", worst);
  return 0;
}
