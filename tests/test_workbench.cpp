// The workbench window (app/gui): loading a model off the UI thread, the pass list, switching
// snapshots, errors, and the --screenshot mode of the nestc-workbench binary.
#include <QListWidget>
#include <QMessageBox>
#include <QProcess>
#include <QToolButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "app/gui/graph_view.h"
#include "app/gui/inspector.h"
#include "app/gui/code_view.h"
#include "app/gui/lir_view.h"
#include "app/gui/main_window.h"
#include "app/gui/overview_picture.h"
#include "core/project_file.h"
#include "test_support.h"

using namespace nest;
using nest::gui::MainWindow;

namespace {

constexpr int kLoadTimeoutMs = 120'000;

QString mnistPath() { return QString::fromStdString((testing::testdata() / "models/mnist-8/model.onnx").string()); }

int opNodes(const Graph& g) { return static_cast<int>(g.nodes.size()); }

// Generates a chain model of `nodes` nodes (scripts/make_big_model.py) at `path`.
bool makeBigModel(const QString& path, int nodes) {
  QProcess make;
  make.start("/usr/bin/python3", {QString::fromStdString((nest::testing::sourceDir() / "scripts/make_big_model.py").string()),
                                  path, "--nodes", QString::number(nodes)});
  return make.waitForFinished(60'000) && make.exitStatus() == QProcess::NormalExit && make.exitCode() == 0;
}

}  // namespace

class TestWorkbench : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // keep QSettings away from the user's config
  }

  void loadsModelAndSwitchesPasses() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = true});
    w.resize(1200, 800);
    w.show();
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.openFile(mnistPath());
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 && !w.isBusy(), kLoadTimeoutMs);
    QVERIFY(w.lastError().isEmpty());

    const auto model = w.model();
    QVERIFY(model);
    const PipelineRun& run = model->run;
    QVERIFY(!run.records.empty());
    QCOMPARE(w.passList()->count(), static_cast<int>(run.records.size()));
    QVERIFY(w.displayedGraph() != nullptr);
    QCOMPARE(w.displayedGraph(), &run.result());
    QCOMPARE(w.graphView()->opItemCount(), opNodes(*w.displayedGraph()));
    QCOMPARE(w.graphView()->edgeItemCount(), 7);
    QVERIFY(w.statusFacts().contains(QStringLiteral("%1 nodes").arg(opNodes(run.result()))));

    // A pass whose snapshot has a different node count than the final graph.
    int record = -1;
    for (size_t i = 0; i < run.records.size(); ++i)
      if (run.records[i].nodesAfter != run.result().nodes.size()) {
        record = static_cast<int>(i);
        break;
      }
    QVERIFY2(record >= 0, "mnist-8 -O1 should change the node count");
    w.passList()->setCurrentRow(record);
    const int expected = static_cast<int>(run.records[record].nodesAfter);
    QTRY_VERIFY_WITH_TIMEOUT(w.displayedRecord() == record && !w.isBusy(), kLoadTimeoutMs);
    QCOMPARE(w.displayedGraph(), run.records[record].after.get());
    QCOMPARE(w.graphView()->opItemCount(), expected);
    QCOMPARE(opNodes(*w.displayedGraph()), expected);

    // Back to the last pass: the layout is cached, so it shows at once.
    QVERIFY(w.selectPass(static_cast<int>(run.records.size()) - 1));
    QCOMPARE(w.graphView()->opItemCount(), opNodes(run.result()));
    QVERIFY(!w.selectPass(static_cast<int>(run.records.size())));

    // Selecting a node fills the inspector.
    const Node& first = run.result().nodes.front();
    w.graphView()->selectNode(first.id);
    QCOMPARE(w.inspector()->property("op"), QString::fromStdString(first.op));
    QCOMPARE(w.inspector()->property("id"), QString::number(first.id));
    QVERIFY(!w.inspector()->property("MACs").isEmpty());
    QCOMPARE(w.inspector()->property("precision"), QString("f32"));
    QVERIFY2(w.inspector()->property("memory").startsWith("results "), qPrintable(w.inspector()->property("memory")));
    w.graphView()->selectNode(0);
    QCOMPARE(w.inspector()->topLevelItemCount(), 0);

    // Zoom actions change the scale; fit brings the whole scene into view.
    const double before = w.graphView()->zoom();
    w.graphView()->zoomIn();
    QVERIFY(w.graphView()->zoom() > before);
    w.graphView()->fitToWindow();
    QVERIFY(w.graphView()->zoom() <= 1.0);
  }

  void garbageFileShowsErrorAndKeepsModel() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = true});
    w.show();
    w.openFile(mnistPath());
    QTRY_VERIFY_WITH_TIMEOUT(w.model() && !w.isBusy(), kLoadTimeoutMs);
    const auto model = w.model();
    const Graph* shown = w.displayedGraph();
    const int items = w.graphView()->opItemCount();

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString garbage = dir.filePath("garbage.onnx");
    {
      QFile f(garbage);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("this is not a protobuf \x01\x02\x03\xff\xfe", 29);
    }
    QSignalSpy errors(&w, &MainWindow::errorOccurred);
    w.openFile(garbage);
    QTRY_VERIFY_WITH_TIMEOUT(errors.count() == 1 && !w.isBusy(), kLoadTimeoutMs);
    QVERIFY(!w.lastError().isEmpty());
    auto* box = w.findChild<QMessageBox*>();
    QVERIFY(box != nullptr);
    QVERIFY(box->isVisible());
    QCOMPARE(box->text(), w.lastError());
    box->close();
    QCOMPARE(w.model(), model);
    QCOMPARE(w.displayedGraph(), shown);
    QCOMPARE(w.graphView()->opItemCount(), items);

    // A missing file too.
    w.openFile(dir.filePath("missing.onnx"));
    QTRY_VERIFY_WITH_TIMEOUT(errors.count() == 2 && !w.isBusy(), kLoadTimeoutMs);
    QCOMPARE(w.model(), model);
  }

  void cancelKeepsPreviousModel() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = true});
    w.show();
    w.openFile(mnistPath());
    QTRY_VERIFY_WITH_TIMEOUT(w.model() && !w.isBusy(), kLoadTimeoutMs);
    QVERIFY(!w.cancelButton()->isVisible());
    const auto model = w.model();
    const Graph* shown = w.displayedGraph();
    const int items = w.graphView()->opItemCount();

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString big = dir.filePath("big.onnx");
    QVERIFY(makeBigModel(big, 3000));

    QSignalSpy errors(&w, &MainWindow::errorOccurred);
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.openFile(big);
    QVERIFY(w.cancelButton()->isVisible());
    w.cancelButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!w.isBusy(), kLoadTimeoutMs);
    QVERIFY(!w.cancelButton()->isVisible());
    QVERIFY(errors.isEmpty());
    QVERIFY(loaded.isEmpty());
    QVERIFY(w.findChild<QMessageBox*>() == nullptr);
    QCOMPARE(w.model(), model);
    QCOMPARE(w.displayedGraph(), shown);
    QCOMPARE(w.graphView()->opItemCount(), items);
    QVERIFY2(w.statusText().contains("cancelled"), qPrintable(w.statusText()));
  }

  // Zoomed far out on a big graph the view draws the overview picture (plain boxes, no items):
  // every box still shows in its colour, and a selected box is drawn over it by its item.
  void bigGraphFarOutDrawsOverview() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString big = dir.filePath("big.onnx");
    QVERIFY(makeBigModel(big, 3000));
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    w.resize(1200, 800);
    w.show();
    w.openFile(big);
    gui::GraphView* view = w.graphView();
    QTRY_VERIFY_WITH_TIMEOUT(w.model() && !w.isBusy() && !view->isDrawing(), kLoadTimeoutMs);
    view->fitToWindow();
    QVERIFY2(view->drawsOverview(), qPrintable(QString::number(view->zoom())));

    auto countColour = [&](const QColor& colour) {
      const QImage image = view->viewport()->grab().toImage();
      int n = 0;
      for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) n += image.pixelColor(x, y) == colour;
      return n;
    };
    const NodeId first = w.displayedGraph()->nodes.front().id;
    gui::NodeItem* item = view->itemForNode(first);
    QVERIFY(item);
    QVERIFY(countColour(gui::boxFill(item->box())) > 100);
    const QColor selection(0xd9, 0x3a, 0x1e);
    QCOMPARE(countColour(selection), 0);
    view->selectNode(first);
    QVERIFY(countColour(selection) > 0);
  }

  // A project whose quantization names a profile opens with the quantize pass at the end of its
  // pipeline; a profile recorded on another graph is refused with the quantizer's message.
  void projectWithProfileShowsQuantizePass() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString images = QString::fromStdString((testing::testdata() / "mnist/t10k-images-idx3-ubyte.gz").string());
    for (const char* level : {"-O1", "-O0"}) {
      const auto r = testing::runNestc({"profile", mnistPath(), "--input", images, "--limit", "20", level, "-o",
                                        dir.filePath(QString(level) + ".yaml")});
      QVERIFY2(r.code == 0, r.err.c_str());
    }
    auto writeProject = [&](const QString& name, const QString& profile) {
      const QString path = dir.filePath(name);
      QFile f(path);
      if (!f.open(QIODevice::WriteOnly)) return QString();
      f.write(QStringLiteral(R"({"format": "nest-project", "version": 1, "model": "%1", "quantization": {"profile": "%2"}})")
                  .arg(mnistPath(), profile).toUtf8());
      return path;
    };
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.openFile(writeProject("q.nestproj", "-O1.yaml"));  // relative to the project's folder
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 && !w.isBusy(), kLoadTimeoutMs);
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    QCOMPARE(w.model()->run.records.back().pass, std::string("quantize"));
    QCOMPARE(testing::countOp(*w.displayedGraph(), "Quantize"), 1);
    QCOMPARE(testing::countOp(*w.displayedGraph(), "Dequantize"), 1);
    for (const Node& n : w.displayedGraph()->nodes)
      if (n.op == "Conv") {
        w.graphView()->selectNode(n.id);
        QCOMPARE(w.inspector()->property("precision"), QString("i8, quantized per tensor"));
        break;
      }

    const auto quantized = w.model();
    QSignalSpy errors(&w, &MainWindow::errorOccurred);
    w.openFile(writeProject("stale.nestproj", "-O0.yaml"));
    QTRY_VERIFY_WITH_TIMEOUT(errors.count() == 1 && !w.isBusy(), kLoadTimeoutMs);
    QVERIFY2(w.lastError().contains("different graph"), qPrintable(w.lastError()));
    QCOMPARE(w.model(), quantized);
  }

  // The Low-level IR tab lowers the final graph off the UI thread: one row per LIR pass (plus the
  // lowered function), the dump of the selected one, the memory plan's figures.
  void lowLevelIrTab() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    w.show();
    w.openFile(mnistPath());
    QTRY_VERIFY_WITH_TIMEOUT(w.model() && !w.isBusy(), kLoadTimeoutMs);
    gui::LirView* lir = w.lirView();
    QSignalSpy lowered(lir, &gui::LirView::lowered);
    w.tabs()->setCurrentWidget(w.codeView());
    w.codeView()->showPage(gui::CodeView::Page::Lir);
    QTRY_VERIFY_WITH_TIMEOUT(lowered.count() == 1 && !lir->isBusy(), kLoadTimeoutMs);
    QVERIFY2(lir->summaryText().contains("planned vs"), qPrintable(lir->summaryText()));
    QVERIFY(lir->passCount() >= 6);
    QVERIFY2(lir->dumpText().contains("conv2d"), qPrintable(lir->dumpText().left(400)));
    lir->selectPass(0);  // right after lowering: no memory plan yet
    QVERIFY(!lir->dumpText().isEmpty());
  }

  void opensAndSavesProjects() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // The model path is relative to the project file; the pipeline comes from the file.
    const QString project = dir.filePath("mnist.nestproj");
    {
      QFile f(project);
      QVERIFY(f.open(QIODevice::WriteOnly));
      const QString rel = QDir(dir.path()).relativeFilePath(mnistPath());
      f.write(QStringLiteral(R"({"format": "nest-project", "version": 1, "model": "%1", "pipeline": ["constant-fold"], "nodes": {}})")
                  .arg(rel).toUtf8());
    }
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.openFile(project);
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 && !w.isBusy(), kLoadTimeoutMs);
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    QCOMPARE(QFileInfo(w.model()->path).canonicalFilePath(), QFileInfo(mnistPath()).canonicalFilePath());
    QVERIFY(!w.model()->run.records.empty());
    for (const PassRecord& r : w.model()->run.records) QCOMPARE(r.pass, std::string("constant-fold"));
    QCOMPARE(w.passList()->count(), static_cast<int>(w.model()->run.records.size()));
    QVERIFY(w.displayedGraph() != nullptr);

    // Save As writes a project that opens to the same model and pipeline.
    QVERIFY(QDir(dir.path()).mkdir("sub"));
    const QString saved = dir.filePath("sub/again.nestproj");
    QVERIFY(w.saveProject(saved));
    const ProjectFile p = readProjectFile(saved.toStdString());
    QVERIFY(p.model.is_relative());
    QCOMPARE(p.passes, std::vector<std::string>{"constant-fold"});
    w.openFile(saved);
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 2 && !w.isBusy(), kLoadTimeoutMs);
    QCOMPARE(QFileInfo(w.model()->path).canonicalFilePath(), QFileInfo(mnistPath()).canonicalFilePath());

    // A project with a bad pipeline or a missing model records an error; the model stays.
    const auto model = w.model();
    QSignalSpy errors(&w, &MainWindow::errorOccurred);
    const QString bad = dir.filePath("bad.nestproj");
    {
      QFile f(bad);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(R"({"format": "nest-project", "version": 1, "model": "missing.onnx", "pipeline": "O1"})");
    }
    w.openFile(bad);
    QTRY_VERIFY_WITH_TIMEOUT(errors.count() == 1 && !w.isBusy(), kLoadTimeoutMs);
    QCOMPARE(w.model(), model);
  }

  void recentFilesAreRemembered() {
    MainWindow w;  // persistent settings (test mode paths, see initTestCase)
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.openFile(mnistPath());
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 && !w.isBusy(), kLoadTimeoutMs);
    QCOMPARE(w.recentFiles().value(0), QFileInfo(mnistPath()).absoluteFilePath());
  }

  void screenshotModeWritesPng() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString out = dir.filePath("mnist.png");
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    p.setProcessEnvironment(env);
    const QString bin = QString::fromStdString((testing::binDir() / "nestc-workbench").string());
    p.start(bin, {mnistPath(), "--pass", "constant-fold", "--screenshot", out});
    QVERIFY2(p.waitForFinished(kLoadTimeoutMs), qPrintable(p.errorString()));
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, p.readAllStandardError().constData());
    QImage image(out);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() > 200 && image.height() > 200);

    // Errors exit with status 2 and a message.
    p.start(bin, {dir.filePath("missing.onnx"), "--screenshot", dir.filePath("x.png")});
    QVERIFY(p.waitForFinished(kLoadTimeoutMs));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(p.readAllStandardError().contains("error"));
    QVERIFY(!QFileInfo::exists(dir.filePath("x.png")));
  }
};

QTEST_MAIN(TestWorkbench)
#include "test_workbench.moc"
