// The workbench opening every glow-onnx test model one after the other in one window: each load
// ends with a drawn graph or a recorded error (no blocking dialog), and the window still works.
// The models that give an error are exactly the .onnxtxt ones the importer refuses
// (tests/glow_models_refused.txt, checked by test_glow_models), each with the importer's message.
#include <QDir>
#include <QElapsedTimer>
#include <QStandardPaths>
#include <QtTest>

#include "app/gui/graph_view.h"
#include "app/gui/main_window.h"
#include "test_support.h"

using namespace nest;
using nest::gui::MainWindow;

namespace {
constexpr int kShown = 181;  // glow-onnx .onnxtxt models the workbench draws (6 Loops unrolled at import made it 181)
}  // namespace

class TestWorkbenchRobustness : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void opensEveryGlowModel() {
    const QDir dir(QString::fromStdString((testing::testdata() / "glow-onnx").string()));
    const QStringList files = dir.entryList({"*.onnxtxt"}, QDir::Files, QDir::Name);
    QVERIFY2(files.size() > 100, qPrintable(dir.path()));

    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    w.show();
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    QSignalSpy errors(&w, &MainWindow::errorOccurred);
    int shown = 0;
    std::map<std::string, std::string> failed;
    QElapsedTimer timer;
    timer.start();
    for (const QString& name : files) {
      const int loadsBefore = static_cast<int>(loaded.count()), errorsBefore = static_cast<int>(errors.count());
      w.openFile(dir.filePath(name));
      QTRY_VERIFY2_WITH_TIMEOUT(!w.isBusy() && (loaded.count() > loadsBefore || errors.count() > errorsBefore),
                                qPrintable(name), 30'000);
      if (loaded.count() > loadsBefore) {
        QVERIFY2(w.model() && w.model()->path == dir.filePath(name), qPrintable(name));
        QVERIFY2(w.displayedGraph() != nullptr, qPrintable(name));
        QCOMPARE(w.graphView()->opItemCount(), static_cast<int>(w.displayedGraph()->nodes.size()));
        ++shown;
      } else {
        const QString message = errors.last().value(0).toString();
        QVERIFY2(!message.isEmpty(), qPrintable(name));
        failed[name.toStdString()] = testing::listReason(message.toStdString());
      }
    }
    qInfo("%d models shown, %d errors, %lld ms", shown, static_cast<int>(failed.size()),
          static_cast<long long>(timer.elapsed()));
    std::map<std::string, std::string> refused;
    for (const auto& [model, reason] : testing::readTestList(testing::sourceDir() / "tests" / "glow_models_refused.txt"))
      if (QString::fromStdString(model).endsWith(".onnxtxt")) refused[model] = reason;
    const std::string diff = testing::compareWithTestList(failed, refused, "glow_models_refused.txt (*.onnxtxt)");
    QVERIFY2(diff.empty(), diff.c_str());
    QCOMPARE(shown, kShown);
    QCOMPARE(static_cast<int>(files.size()), kShown + static_cast<int>(failed.size()));

    // Still responsive: a real model opens and draws.
    const QString mnist = QString::fromStdString((testing::testdata() / "models/mnist-8/model.onnx").string());
    const int loadsBefore = static_cast<int>(loaded.count());
    w.openFile(mnist);
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() > loadsBefore && !w.isBusy(), 60'000);
    QCOMPARE(w.model()->path, mnist);
    QCOMPARE(w.graphView()->opItemCount(), static_cast<int>(w.displayedGraph()->nodes.size()));
  }
};

QTEST_MAIN(TestWorkbenchRobustness)
#include "test_workbench_robustness.moc"
