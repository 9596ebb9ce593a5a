// Pass plugins in the workbench: --load-pass-plugin on the command line, Tools > Load Pass
// Plugin… (here without its file dialog) with errors in a dialog, Tools > Registered Passes…
// listing every pass with its origin, and a plugin pass in a project's pipeline shown in the pass
// list and the explorer like a built-in.
#include <QAction>
#include <QDialog>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "app/gui/main_window.h"
#include "passes/pass_registry.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace nest;
using nest::gui::MainWindow;

namespace {

constexpr int kLoadTimeoutMs = 120'000;

fs::path libDir() { return testing::binDir().parent_path() / "lib"; }
QString examplePlugin() { return QString::fromStdString((libDir() / "relu_after_maxpool.so").string()); }
QString noEntryPlugin() { return QString::fromStdString((libDir() / "test_pass_plugins" / "no_entry.so").string()); }
fs::path mnistModel() { return testing::testdata() / "models" / "mnist-8" / "model.onnx"; }

// A project running only the plugin's pass (then dce) on mnist-8.
fs::path writeProject(const QTemporaryDir& dir) {
  const fs::path project = fs::path(dir.path().toStdString()) / "swapped.nestproj";
  std::ofstream(project) << "{\"format\": \"nest-project\", \"version\": 1, \"model\": \"" << mnistModel().string()
                         << "\", \"pipeline\": [\"relu-after-maxpool\", \"dce\"]}\n";
  return project;
}

struct Run {
  int code = -1;
  QString err;
};
Run workbench(const QStringList& args) {
  QProcess p;
  p.setProgram(QString::fromStdString((testing::binDir() / "nestc-workbench").string()));
  p.setArguments(args);
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert("QT_QPA_PLATFORM", "offscreen");
  p.setProcessEnvironment(env);
  p.start();
  if (!p.waitForFinished(300'000)) {
    p.kill();
    p.waitForFinished();
    return {};
  }
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromLocal8Bit(p.readAllStandardError())};
}

// The row of `pass` in the Registered Passes table, or -1.
int rowOf(const QTableWidget* table, const QString& pass) {
  for (int r = 0; r < table->rowCount(); ++r)
    if (table->item(r, 0)->text() == pass) return r;
  return -1;
}

}  // namespace

class TestWorkbenchPlugins : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY2(QFile::exists(examplePlugin()), "the example plugin is not built (target relu_after_maxpool)");
  }

  // The flag: the project's pass list names the plugin pass, --pass shows it; a screenshot proves
  // the window got there. A bad plugin is a command-line error (exit 2), before any window.
  void commandLineFlag() {
    QTemporaryDir dir;
    const fs::path project = writeProject(dir);
    const QString shot = dir.filePath("after-plugin-pass.png");
    const Run ok = workbench({"--load-pass-plugin", examplePlugin(), "--project", QString::fromStdString(project.string()),
                              "--pass", "relu-after-maxpool", "--screenshot", shot});
    QVERIFY2(ok.code == 0, qPrintable(ok.err));
    QCOMPARE(QImage(shot).size(), QSize(1600, 1000));  // --screenshot renders the window at 1600x1000 (app/gui/main.cpp)

    const Run without = workbench({"--project", QString::fromStdString(project.string()), "--screenshot", shot});
    QCOMPARE(without.code, 2);
    QVERIFY2(without.err.contains("unknown pass 'relu-after-maxpool'"), qPrintable(without.err));

    const Run bad = workbench({"--load-pass-plugin", noEntryPlugin(), "--project", QString::fromStdString(project.string())});
    QCOMPARE(bad.code, 2);
    QCOMPARE(bad.err, "nestc-workbench: error: pass plugin " + noEntryPlugin() +
                          ": no entry point nest_pass_plugin_api_version (define the plugin's passes with NEST_PASS_PLUGIN, "
                          "passes/pass_plugin_api.h)\n");
  }

  // Tools > Load Pass Plugin… with a bad plugin: an error dialog with the loader's message, the
  // window stays usable and the registry unchanged.
  void badPluginGivesAnErrorDialog() {
    MainWindow window(MainWindow::Options{.persistSettings = false, .errorDialogs = true});
    window.show();
    QSignalSpy errors(&window, &MainWindow::errorOccurred);
    const size_t before = allPasses().size();
    QVERIFY(!window.loadPassPlugin(noEntryPlugin()));
    QCOMPARE(errors.count(), 1);
    const QString message = "pass plugin " + noEntryPlugin() +
                            ": no entry point nest_pass_plugin_api_version (define the plugin's passes with NEST_PASS_PLUGIN, "
                            "passes/pass_plugin_api.h)";
    QCOMPARE(window.lastError(), message);
    QMessageBox* box = window.findChild<QMessageBox*>();
    QVERIFY(box);
    QTRY_VERIFY(box->isVisible());
    QCOMPARE(box->windowTitle(), QString("Cannot load the pass plugin"));
    QCOMPARE(box->text(), message);
    box->close();
    QCOMPARE(allPasses().size(), before);
    QVERIFY(!window.loadPassPlugin("/nonexistent/plugin.so"));
    QCOMPARE(window.lastError(), QString("pass plugin /nonexistent/plugin.so: no such file"));
  }

  // The Tools menu's actions; the plugin's pass listed with its origin; then usable in a project.
  void loadListAndUse() {
    MainWindow window(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    window.resize(1200, 800);
    window.show();
    QAction* load = window.menuBar()->findChild<QAction*>("loadPassPlugin");
    QAction* list = window.menuBar()->findChild<QAction*>("registeredPasses");
    QVERIFY(load && list);
    QCOMPARE(load->text(), QString("Load Pass &Plugin…"));
    QCOMPARE(list->text(), QString("&Registered Passes…"));

    QVERIFY2(window.loadPassPlugin(examplePlugin()), qPrintable(window.lastError()));
    QVERIFY2(window.statusText().contains("Loaded relu_after_maxpool.so: relu-after-maxpool"), qPrintable(window.statusText()));
    list->trigger();
    auto* dialog = window.findChild<QDialog*>("registeredPassesDialog");
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    auto* table = dialog->findChild<QTableWidget*>("registeredPassesTable");
    QVERIFY(table);
    QCOMPARE(table->rowCount(), static_cast<int>(allPasses().size()));
    QCOMPARE(table->rowCount(), 22);  // 21 built-in passes (equalize-cross-layer the optional one) and the plugin's
    const int row = rowOf(table, "relu-after-maxpool");
    QCOMPARE(row, 21);  // after the built-in ones
    QCOMPARE(table->item(row, 1)->text(), examplePlugin());
    QCOMPARE(table->item(row, 2)->text(), QString("MaxPool(Relu(x)) -> Relu(MaxPool(x)): the Relu runs on the pooled tensor"));
    QCOMPARE(table->item(rowOf(table, "fold-batchnorm"), 1)->text(), QString("built-in"));
    QCOMPARE(dialog->findChild<QLabel*>("registeredPassesSummary")->text().left(30), QString("22 passes, 1 from plugins. Plu"));
    dialog->close();

    QTemporaryDir dir;
    QSignalSpy loaded(&window, &MainWindow::modelLoaded);
    window.openFile(QString::fromStdString(writeProject(dir).string()));
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 && !window.isBusy(), kLoadTimeoutMs);
    QVERIFY2(window.lastError().isEmpty(), qPrintable(window.lastError()));
    const int record = window.findPass("relu-after-maxpool");
    QCOMPARE(record, 0);
    QVERIFY(window.passList()->item(0)->text().contains("relu-after-maxpool"));
    QVERIFY(window.selectPass(record));
    QTRY_VERIFY_WITH_TIMEOUT(window.displayedRecord() == record && !window.isBusy(), kLoadTimeoutMs);
    const Graph* shown = window.displayedGraph();
    QVERIFY(shown);
    int reluAfterPool = 0;
    for (const Node& n : shown->nodes)
      if (n.op == "Relu") {
        auto p = shown->producerIndex(n.inputs[0]);
        reluAfterPool += p && shown->nodes[*p].op == "MaxPool";
      }
    QCOMPARE(reluAfterPool, 2);
  }
};

QTEST_MAIN(TestWorkbenchPlugins)
#include "test_workbench_plugins.moc"
