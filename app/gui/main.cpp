// nestc-workbench [MODEL] [--project P] [--pass NAME] [--overlay KIND] [--load-pass-plugin LIB.so] [--screenshot OUT.png]
#include <QApplication>
#include <QCommandLineParser>
#include <QStringList>
#include <QElapsedTimer>
#include <QTabWidget>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "app/gui/graph_view.h"
#include "app/gui/main_window.h"
#include "app/gui/pass_explorer.h"
#include "app/gui/overlay.h"
#include "app/gui/view_export.h"
#include "nest_version.h"  // generated at build time (packaging/version.cmake)
#include "passes/pass_plugin.h"

using nest::gui::MainWindow;
using nest::gui::OverlayKind;

namespace {

[[noreturn]] void fail(const QString& message) {
  std::fprintf(stderr, "nestc-workbench: error: %s\n", qPrintable(message));
  std::fflush(stderr);
  std::exit(2);
}

// Inside the event loop: report and leave it with status 2 (the window then closes normally).
void quitWith(const QString& message) {
  std::fprintf(stderr, "nestc-workbench: error: %s\n", qPrintable(message));
  std::fflush(stderr);
  QApplication::exit(2);
}

// "no pass 'X' in the -O2 pipeline (its passes: a, b, ...)": the pipeline the model was run with.
QString noPassMessage(const MainWindow& window, const QString& pass) {
  QStringList names;
  for (const nest::PassRecord& r : window.model()->run.records)
    if (!names.contains(QString::fromStdString(r.pass))) names << QString::fromStdString(r.pass);
  return QStringLiteral("no pass '%1' in the %2 pipeline (its passes: %3)")
      .arg(pass, nest::gui::pipelineName(window.model()->project), names.isEmpty() ? QStringLiteral("none") : names.join(", "));
}

// What to show once the model is loaded: the pass, and an overlay (device and precision switch to
// their mode; error measures on the calibration inputs first).
struct Shown {
  QString pass;
  QString groups;  // --groups: empty (the default), none, expanded, collapsed, or scopes to collapse
  OverlayKind overlay = OverlayKind::None;
  nest::gui::CalibrationInputs calibration;
};

// --groups, once the model is loaded.
void applyGroups(MainWindow& window, const QString& groups) {
  if (groups.isEmpty()) return;
  if (groups == "none") return window.setGroupByScope(false);
  window.setGroupByScope(true);
  if (groups == "expanded") return window.expandAllGroups();
  if (groups == "collapsed") return window.collapseAllGroups();
  window.expandAllGroups();
  for (const QString& scope : groups.split(',', Qt::SkipEmptyParts)) window.setScopeCollapsed(scope.trimmed(), true);
}

void applyOverlay(MainWindow& window, const Shown& shown) {
  switch (shown.overlay) {
    case OverlayKind::None: return;
    case OverlayKind::Device: return window.setMode(MainWindow::Mode::Device);
    case OverlayKind::Precision: return window.setMode(MainWindow::Mode::Precision);
    case OverlayKind::Error:
      window.setMode(MainWindow::Mode::Precision);
      window.setCalibrationInputs(shown.calibration);
      return window.measureQuantError();
    default: return window.setOverlay(shown.overlay);
  }
}

// --screenshot: wait for load + layout (and the pass's layout, and the overlay's work), fit, grab
// the window, exit.
void runScreenshot(MainWindow& window, const QString& open, const QString& model, const Shown& shown, const QString& out) {
  const QString pass = shown.pass;
  constexpr int kTimeoutMs = 600'000;
  QObject::connect(&window, &MainWindow::errorOccurred, [](const QString& message) { quitWith(message); });
  auto wanted = std::make_shared<int>(-2);  // -2: still loading
  QObject::connect(&window, &MainWindow::modelLoaded, &window, [&window, pass, wanted, shown] {
    int record = static_cast<int>(window.model()->run.records.size()) - 1;
    if (!pass.isEmpty()) {
      record = window.findPass(pass);
      if (record < 0) return quitWith(noPassMessage(window, pass));
    }
    window.selectPass(record);
    applyGroups(window, shown.groups);
    if (!pass.isEmpty()) window.tabs()->setCurrentWidget(window.passExplorer());  // --pass: before | after
    applyOverlay(window, shown);
    *wanted = record;
  }, Qt::SingleShotConnection);
  auto* poll = new QTimer(&window);
  auto clock = std::make_shared<QElapsedTimer>();
  clock->start();
  QObject::connect(poll, &QTimer::timeout, [&window, wanted, out, poll, clock] {
    if (clock->elapsed() > kTimeoutMs) {
      poll->stop();
      return quitWith(QStringLiteral("timed out"));
    }
    if (*wanted == -2 || window.isBusy() || window.displayedRecord() != *wanted) return;
    const bool explorer = window.tabs()->currentWidget() == window.passExplorer();
    if (explorer && window.passExplorer()->shownRecord() != *wanted) return;
    poll->stop();
    window.graphView()->fitToWindow();
    if (explorer) window.passExplorer()->fitBoth();
    QApplication::processEvents();
    if (const QString error = nest::gui::writePng(window.grab().toImage(), out); !error.isEmpty()) return quitWith(error);
    QApplication::exit(0);
  });
  poll->start(50);
  window.openFile(open, model);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGXFSZ, SIG_IGN);  // a write over the file-size limit fails with a message, as in nestc
  // The command line is parsed before the GUI application exists: --help and argument errors
  // must work without a display (QApplication aborts when it finds no platform).
  QStringList arguments;
  for (int i = 0; i < argc; ++i) arguments << QString::fromLocal8Bit(argv[i]);
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "NEST Workbench: load a model and watch the IR change pass by pass; assign each node a device and a\n"
      "precision (Mode toolbar), auto-partition, calibrate, undo and redo. Examples:\n"
      "  nestc-workbench model.onnx\n"
      "  nestc-workbench --project p.nestproj --overlay device --screenshot device.png");
  parser.addHelpOption();
  QCommandLineOption versionOption("version", "show the version and the git revision");
  parser.addOption(versionOption);
  parser.addPositionalArgument("MODEL", "model to open (.onnx, .onnxtxt, .nir, or a .nestproj project)", "[MODEL]");
  QCommandLineOption projectOption("project", "open project P (.nestproj: pipeline, devices, assignments); a MODEL given too replaces the project's model", "P");
  QCommandLineOption overlayOption("overlay", "colour the nodes by KIND: device, precision, error, macs, memory, latency (device and precision open that mode)", "KIND");
  QCommandLineOption calibOption("calibration-input", "calibration inputs for --overlay error (as nestc profile --input; repeatable)", "PATH");
  QCommandLineOption preprocessOption("preprocess", "preprocessing of image calibration inputs (as nestc profile --preprocess)", "SPEC");
  parser.addOption(projectOption);
  parser.addOption(overlayOption);
  parser.addOption(calibOption);
  parser.addOption(preprocessOption);
  QCommandLineOption passOption("pass", "show the graph after pass NAME (its last run that changed the graph, in the project's pipeline; -O1 for a model)", "NAME");
  QCommandLineOption shotOption("screenshot", "open MODEL (or the project), wait for its work, grab the window to OUT.png and exit", "OUT.png");
  QCommandLineOption groupsOption("groups", "group the graph by name scope (/layer1/layer1.0/...): none, expanded, collapsed (every group one box), or the scopes to collapse, comma-separated (e.g. /layer1/,/layer2/). Default: expanded, collapsed above 1000 nodes", "MODE");
  parser.addOption(passOption);
  parser.addOption(groupsOption);
  parser.addOption(shotOption);
  QCommandLineOption pluginOption("load-pass-plugin", "load a pass plugin (a shared library, passes/pass_plugin_api.h) and register its passes, as nestc --load-pass-plugin; repeatable", "LIB.so");
  parser.addOption(pluginOption);
  if (!parser.parse(arguments)) fail(parser.errorText());
  if (parser.isSet("help")) {
    // Without an application object Qt cannot name the program ("<executable_name>").
    std::fputs(qPrintable(parser.helpText().replace("<executable_name>", "nestc-workbench")), stdout);
    return 0;
  }
  if (parser.isSet(versionOption)) {
    std::fputs("nestc-workbench " NEST_VERSION "\ngit revision " NEST_GIT_REVISION "\n", stdout);
    return 0;
  }
  const QStringList args = parser.positionalArguments();
  if (args.size() > 1) fail("give at most one MODEL");
  QString model = args.value(0);
  const QString pass = parser.value(passOption);
  Shown shown;
  shown.pass = pass;
  shown.groups = parser.value(groupsOption);
  for (const QString& scope : shown.groups.split(',', Qt::SkipEmptyParts))
    if (shown.groups.contains(',') || !QStringList{"none", "expanded", "collapsed"}.contains(scope))
      if (!scope.trimmed().startsWith('/') || !scope.trimmed().endsWith('/'))
        fail(QStringLiteral("--groups: '%1' is neither none, expanded, collapsed nor a scope like /layer1/").arg(scope));
  if (parser.isSet(overlayOption)) {
    shown.overlay = nest::gui::overlayKindFromName(parser.value(overlayOption));
    if (shown.overlay == OverlayKind::None)
      fail(QStringLiteral("--overlay: unknown kind '%1' (device, precision, error, macs, memory, latency)").arg(parser.value(overlayOption)));
  }
  shown.calibration.inputs = parser.values(calibOption);
  shown.calibration.preprocess = parser.value(preprocessOption);
  if (shown.overlay == OverlayKind::Error && shown.calibration.empty())
    fail("--overlay error measures on calibration inputs: give --calibration-input PATH");
  // What to open: the project (its model replaced by MODEL when both are given), else MODEL.
  QString open = model;
  if (parser.isSet(projectOption)) {
    open = parser.value(projectOption);
  } else {
    model.clear();
  }

  if (parser.isSet(shotOption) && open.isEmpty()) fail("--screenshot needs a MODEL or --project");
  // Before the window: the project's pass list may name plugin passes. A bad plugin is a bad
  // command line (exit 2), as in nestc.
  for (const QString& lib : parser.values(pluginOption)) {
    try {
      nest::loadPassPlugin(lib.toStdString());
    } catch (const std::exception& e) {
      fail(QString::fromStdString(e.what()));
    }
  }

  QApplication app(argc, argv);
  QApplication::setOrganizationName("NEST");
  QApplication::setApplicationName("Workbench");
  QApplication::setApplicationDisplayName("NEST Workbench");
  if (parser.isSet(shotOption)) {
    MainWindow window(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    window.resize(1600, 1000);
    window.show();
    runScreenshot(window, open, model, shown, parser.value(shotOption));
    return app.exec();
  }

  MainWindow window;
  window.show();
  window.offerRecovery();
  if (!open.isEmpty()) {
    QObject::connect(&window, &MainWindow::modelLoaded, &window, [&window, shown] {
      applyGroups(window, shown.groups);
      applyOverlay(window, shown);
    }, Qt::SingleShotConnection);
    if (!pass.isEmpty())
      QObject::connect(&window, &MainWindow::modelLoaded, &window, [&window, pass] {
        window.tabs()->setCurrentWidget(window.passExplorer());
        if (!window.selectPass(window.findPass(pass)))
          std::fprintf(stderr, "nestc-workbench: warning: %s\n", qPrintable(noPassMessage(window, pass)));
      }, Qt::SingleShotConnection);
    window.openFile(open, model);
  }
  return app.exec();
}
