// nestc-workbench [MODEL] [--pass NAME] [--screenshot OUT.png]
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "app/gui/graph_view.h"
#include "app/gui/main_window.h"
#include "app/gui/pass_explorer.h"

using nest::gui::MainWindow;

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

// --screenshot: wait for load + layout (and the pass's layout), fit, grab the window, exit.
void runScreenshot(MainWindow& window, const QString& model, const QString& pass, const QString& out) {
  constexpr int kTimeoutMs = 600'000;
  QObject::connect(&window, &MainWindow::errorOccurred, [](const QString& message) { quitWith(message); });
  auto wanted = std::make_shared<int>(-2);  // -2: still loading
  QObject::connect(&window, &MainWindow::modelLoaded, [&window, pass, wanted] {
    int record = static_cast<int>(window.model()->run.records.size()) - 1;
    if (!pass.isEmpty()) {
      record = window.findPass(pass);
      if (record < 0) return quitWith(QStringLiteral("no pass '%1' in the -O1 pipeline").arg(pass));
    }
    window.selectPass(record);
    if (!pass.isEmpty()) window.tabs()->setCurrentWidget(window.passExplorer());  // --pass: before | after
    *wanted = record;
  });
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
    if (!window.grab().save(out, "PNG")) return quitWith(QStringLiteral("cannot write %1").arg(out));
    QApplication::exit(0);
  });
  poll->start(50);
  window.openFile(model);
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("NEST");
  QApplication::setApplicationName("Workbench");
  QApplication::setApplicationDisplayName("NEST Workbench");

  QCommandLineParser parser;
  parser.setApplicationDescription("NEST Workbench: load a model and watch the IR change pass by pass.");
  parser.addHelpOption();
  parser.addPositionalArgument("MODEL", "model to open (.onnx, .onnxtxt, .nir)", "[MODEL]");
  QCommandLineOption passOption("pass", "show the graph after pass NAME (its last run in -O1 that changed the graph)", "NAME");
  QCommandLineOption shotOption("screenshot", "open MODEL, grab the window to OUT.png and exit", "OUT.png");
  parser.addOption(passOption);
  parser.addOption(shotOption);
  if (!parser.parse(app.arguments())) fail(parser.errorText());
  if (parser.isSet("help")) parser.showHelp(0);
  const QStringList args = parser.positionalArguments();
  if (args.size() > 1) fail("give at most one MODEL");
  const QString model = args.value(0);
  const QString pass = parser.value(passOption);

  if (parser.isSet(shotOption)) {
    if (model.isEmpty()) fail("--screenshot needs a MODEL");
    MainWindow window(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    window.resize(1400, 900);
    window.show();
    runScreenshot(window, model, pass, parser.value(shotOption));
    return app.exec();
  }

  MainWindow window;
  window.show();
  if (!model.isEmpty()) {
    if (!pass.isEmpty())
      QObject::connect(&window, &MainWindow::modelLoaded, &window, [&window, pass] {
        window.tabs()->setCurrentWidget(window.passExplorer());
        if (!window.selectPass(window.findPass(pass)))
          std::fprintf(stderr, "nestc-workbench: warning: no pass '%s' in the -O1 pipeline\n", qPrintable(pass));
      }, Qt::SingleShotConnection);
    window.openFile(model);
  }
  return app.exec();
}
