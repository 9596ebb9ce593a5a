// Regression tests for the defects a new user found (issue 14, section 4) and for the Help
// additions (section 5): welcome page, keyboard shortcuts, pass documentation.
#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFontMetrics>
#include <QHeaderView>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProcess>
#include <QScrollBar>
#include <QSet>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

#include "app/gui/graph_view.h"
#include "app/gui/help.h"
#include "app/gui/inspector.h"
#include "app/gui/ir_diff_view.h"
#include "app/gui/lir_view.h"
#include "app/gui/pass_explorer.h"
#include "app/gui/main_window.h"
#include "app/render/graph_layout.h"
#include "core/dot_export.h"
#include "core/model_loader.h"
#include "core/op_table.h"
#include "core/project_file.h"
#include "passes/pass_manager.h"
#include "test_support.h"

using namespace nest;
using nest::gui::MainWindow;

namespace {

QString lenet() { return QString::fromStdString((testing::sourceDir() / "resources/samples/lenet5.onnx").string()); }

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

// CIELAB of "#rrggbb" (sRGB, D65).
std::array<double, 3> lab(const std::string& hex) {
  auto channel = [&](int i) {
    const double c = std::stoi(hex.substr(1 + 2 * i, 2), nullptr, 16) / 255.0;
    return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  };
  const double r = channel(0), g = channel(1), b = channel(2);
  const double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, y = 0.2126 * r + 0.7152 * g + 0.0722 * b,
               z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  auto f = [](double t) { return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116.0; };
  return {116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))};
}

bool loadInto(MainWindow& w, const QString& path) {
  QSignalSpy loaded(&w, &MainWindow::modelLoaded);
  w.openFile(path);
  return QTest::qWaitFor([&] { return loaded.count() > 0 && !w.isBusy(); }, 60'000);
}

}  // namespace

class TestWorkbenchDefects : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  // Defect 6: what was found instead of an ONNX protobuf.
  void onnxErrorsSayWhatWasFound() {
    QTemporaryDir dir;
    QFile full(lenet());
    QVERIFY(full.open(QIODevice::ReadOnly));
    const QByteArray bytes = full.readAll();
    QCOMPARE(bytes.size(), 250420);
    const std::string cut = (dir.filePath("cut.onnx")).toStdString();
    std::ofstream(cut, std::ios::binary).write(bytes.constData(), 100'000);
    const std::string truncated = errorOf([&] { loadModel(cut); });
    QVERIFY2(truncated.find("is not a valid ONNX model: truncated: field 7 starting at byte ") != std::string::npos, truncated.c_str());
    QVERIFY2(truncated.find("needs 250,") != std::string::npos, truncated.c_str());
    QVERIFY2(truncated.find("but the file has 100,000 bytes") != std::string::npos, truncated.c_str());

    const std::string text = dir.filePath("notes.onnx").toStdString();
    std::ofstream(text) << "hello, this is not a model\n";
    const std::string found = errorOf([&] { loadModel(text); });
    QVERIFY2(found.find("not an ONNX protobuf (text found: \"hello, this is not a model \")") != std::string::npos, found.c_str());
    QVERIFY(found.find("protobuf parse failed") == std::string::npos);
    std::ofstream(text, std::ios::binary) << "this is not a protobuf \x01\x02";  // text with a few control bytes
    const std::string mixed = errorOf([&] { loadModel(text); });
    QVERIFY2(mixed.find("not an ONNX protobuf (text found: \"this is not a protobuf ??\")") != std::string::npos, mixed.c_str());
    std::ofstream(text, std::ios::binary | std::ios::trunc).write("\x0f\x01\x02", 3);  // wire type 7 does not exist
    const std::string wire = errorOf([&] { loadModel(text); });
    QVERIFY2(wire.find("not an ONNX protobuf (invalid wire data at byte 0 of 3 bytes)") != std::string::npos, wire.c_str());
  }

  // Defect 7: file, line, column and key of a broken project.
  void projectErrorsNameFileLineAndKey() {
    const std::string badJson = "{\n  \"format\": \"nest-project\",\n  \"version\": 1\n  \"model\": \"m.onnx\"\n}\n";
    const std::string syntax = errorOf([&] { parseProjectFile(badJson, "p.nestproj"); });
    // The parser stops at the end of the token it did not expect (line 3 lacks its comma).
    QCOMPARE(QString::fromStdString(syntax),
             QStringLiteral("p.nestproj:4:9: not valid JSON: syntax error while parsing object - unexpected string literal; expected '}'"));
    QVERIFY2(syntax.find("[json.exception") == std::string::npos, syntax.c_str());

    const std::string badValue = "{\n  \"format\": \"nest-project\",\n  \"version\": 1,\n  \"model\": \"m.onnx\",\n  \"pipeline\": \"O3\"\n}\n";
    const std::string value = errorOf([&] { parseProjectFile(badValue, "p.nestproj"); });
    QCOMPARE(QString::fromStdString(value),
             QStringLiteral("p.nestproj:5:3: unknown pipeline 'O3' (use \"O0\", \"O1\", \"O2\" or a list of passes)"));
  }

  // Defect 8: --help and argument errors without a display.
  void helpWorksWithoutADisplay() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) env.remove(name);
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(NEST_BIN_DIR "/nestc-workbench"), {"--help"});
    QVERIFY(p.waitForFinished(30'000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QVERIFY2(out.contains("Usage: ") && out.contains("--project <P>") && out.contains("--calibration-input <PATH>") &&
                 out.contains("--screenshot <OUT.png>"),
             qPrintable(out));
    p.start(QStringLiteral(NEST_BIN_DIR "/nestc-workbench"), {"--overlay", "colours", "m.onnx"});
    QVERIFY(p.waitForFinished(30'000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains("--overlay: unknown kind 'colours'"));
  }

  // Defect 9: the --pass lookup and the pass list name the project's pipeline, not -O1.
  void passLookupNamesTheProjectPipeline() {
    QTemporaryDir dir;
    const QString project = dir.filePath("p.nestproj");
    {
      QFile f(project);
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(QStringLiteral(R"({"format": "nest-project", "version": 1, "model": "%1", "pipeline": "O2"})").arg(lenet()).toUtf8());
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(NEST_BIN_DIR "/nestc-workbench"),
            {"--project", project, "--pass", "no-such-pass", "--screenshot", dir.filePath("x.png")});
    QVERIFY(p.waitForFinished(120'000));
    QCOMPARE(p.exitCode(), 2);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.contains("error: no pass 'no-such-pass' in the -O2 pipeline (its passes: eliminate-noops, fold-shape-computations, constant-fold, dce, "), qPrintable(err));

    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    QVERIFY(loadInto(w, project));
    QCOMPARE(w.passList()->toolTip().left(18), QStringLiteral("Pipeline -O2: pass"));
  }

  // Defect 12: every pair of category colours clearly apart (CIELAB ΔE76 >= 20).
  void categoryColoursAreDistinct() {
    const std::vector<std::string> categories = {"conv", "linear", "activation", "pool", "norm", "elementwise",
                                                 "reduce", "tensor", "shape", "quant", "resize", "control"};
    double closest = 1e9;
    std::string pair;
    for (size_t i = 0; i < categories.size(); ++i) {
      QVERIFY(categoryColor(categories[i]) != "#ffffff");
      for (size_t j = i + 1; j < categories.size(); ++j) {
        const auto a = lab(categoryColor(categories[i])), b = lab(categoryColor(categories[j]));
        const double d = std::hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
        if (d < closest) closest = d, pair = categories[i] + "/" + categories[j];
      }
    }
    QVERIFY2(closest >= 20.0, pair.c_str());
    QCOMPARE(QString::fromStdString(pair), QStringLiteral("conv/norm"));
    QCOMPARE(std::round(closest * 10) / 10, 21.3);
  }

  // Defect 10: a quantized type in a node's subtitle has no numbers to elide inside.
  void subtitleDropsQuantizationNumbers() {
    testing::GraphBuilder b;
    const std::string x = b.input("x", {1, 4});
    const std::string y = b.node("Relu", "relu1", {x});
    Graph g = b.done({y});
    TensorType t = g.typeOf(y);
    t.elem = ElemType::I8;
    t.quant = QuantParams{.scales = {0.0123456f}, .zeroPoints = {3}};
    g.setType(y, t);
    const render::GraphLayout layout = render::layoutGraph(g);
    const int index = layout.indexOf(g.nodes.front().id);
    QVERIFY(index >= 0);
    QCOMPARE(QString::fromStdString(layout.nodes[static_cast<size_t>(index)].subtitle), QStringLiteral("relu1  i8<q>[1,4]"));
  }

  // Defect 2: provenance as of the selected pass (a Conv lists the Relu only once it is fused).
  void provenanceIsThatOfTheSelectedPass() {
    testing::GraphBuilder b;
    const std::string x = b.input("x", {1, 3, 8, 8});
    const std::string w = b.weight("w", {4, 3, 3, 3});
    const std::string conv = b.node("Conv", "conv", {x, w}, testing::attrs({{"pads", Ints{1, 1, 1, 1}}}));
    const std::string s = b.weight("s", {4}, 0.5f, 1.5f), bias = b.weight("b", {4}), m = b.weight("m", {4});
    const std::string v = b.weight("v", {4}, 0.5f, 1.5f);
    const std::string bn = b.node("BatchNormalization", "bn", {conv, s, bias, m, v});
    const std::string relu = b.node("Relu", "relu", {bn});
    const Graph g = b.done({relu});
    const PipelineRun run = runPipeline(g, namedPipeline("O1"));
    int foldBn = -1;
    for (size_t i = 0; i < run.records.size(); ++i)
      if (run.records[i].pass == "fold-batchnorm" && run.records[i].changed) foldBn = static_cast<int>(i);
    QVERIFY(foldBn >= 0);
    const Graph& atFold = *run.records[static_cast<size_t>(foldBn)].after;
    const Node* convNode = nullptr;
    for (const Node& n : atFold.nodes)
      if (n.op == "Conv") convNode = &n;
    QVERIFY(convNode);
    QCOMPARE(static_cast<int>(run.traceBackAt(convNode->id, foldBn).size()), 2);  // Conv, BatchNormalization
    QCOMPARE(static_cast<int>(run.traceBack(convNode->id).size()), 3);           // + the Relu fused later
    QCOMPARE(run.recordOf(&atFold), foldBn);
    gui::Inspector inspector;
    inspector.setPipeline(&run);
    inspector.showNode(&atFold, convNode->id);
    QCOMPARE(inspector.property("provenance"), QStringLiteral("2"));
    inspector.showNode(&run.result(), convNode->id);
    QCOMPARE(inspector.property("provenance"), QStringLiteral("3"));
  }

  // Defects 4 and 5 and the welcome page: the state of a window with no model, then with one.
  void emptyWindowThenSample() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    for (const char* name : {"saveProject", "saveProjectAs", "exportSvg", "exportPng"}) {
      QAction* action = w.findChild<QAction*>(name);
      QVERIFY2(action && !action->isEnabled(), name);
    }
    for (const QString& text : {QStringLiteral("&Auto Partition"), QStringLiteral("&Calibrate…"), QStringLiteral("&Select")}) {
      QAction* action = nullptr;
      for (QAction* a : w.findChildren<QAction*>())
        if (a->text() == text) action = a;
      QVERIFY2(action && !action->isEnabled(), qPrintable(text));
    }
    QVERIFY(w.findChild<QAction*>("undo"));
    QCOMPARE(w.lirView()->summaryText(), QStringLiteral("Open a model to see its low-level IR."));
    gui::WelcomePage* welcome = w.welcomePage();
    QVERIFY(welcome->isVisible());
    QCOMPARE(welcome->geometry(), w.graphView()->rect());
    QListWidget* samples = welcome->samplesList();
    QCOMPARE(samples->count(), 1);
    QCOMPARE(samples->item(0)->text(), QStringLiteral("lenet5.onnx"));
    w.grab().save("/tmp/defects-welcome.png");

    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    QTest::mouseClick(samples->viewport(), Qt::LeftButton, {}, samples->visualItemRect(samples->item(0)).center());
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 && !w.isBusy(), 60'000);
    QCOMPARE(QFileInfo(w.model()->path).fileName(), QStringLiteral("lenet5.onnx"));
    QVERIFY(!welcome->isVisible());
    for (const char* name : {"saveProject", "saveProjectAs", "exportSvg", "exportPng"})
      QVERIFY2(w.findChild<QAction*>(name)->isEnabled(), name);
    QCOMPARE(w.passList()->toolTip().left(18), QStringLiteral("Pipeline -O1: pass"));
    QCOMPARE(w.selectedPassName(), QString::fromStdString(w.model()->run.records.back().pass));
  }

  // Defects 1 and 11: at the default window size nothing is clipped sideways.
  void defaultSizeFitsInspectorAndPassList() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(loadInto(w, lenet()));
    QTest::qWait(50);
    QListWidget* passes = w.passList();
    QCOMPARE(passes->horizontalScrollBar()->maximum(), 0);
    for (int i = 0; i < passes->count(); ++i) {
      QVERIFY2(passes->visualItemRect(passes->item(i)).right() <= passes->viewport()->width(), qPrintable(passes->item(i)->text()));
      QVERIFY(passes->item(i)->toolTip().startsWith(passes->item(i)->text()));
    }
    const Graph* graph = w.displayedGraph();
    NodeId conv = 0;
    for (const Node& n : graph->nodes)
      if (n.op == "Conv" && !conv) conv = n.id;
    w.graphView()->selectNode(conv);
    gui::Inspector* inspector = w.inspector();
    QTRY_COMPARE(inspector->property("op"), QStringLiteral("Conv"));
    const int valueWidth = inspector->header()->sectionSize(1);
    QVERIFY2(inspector->width() >= 380, qPrintable(QString::number(inspector->width())));
    const QFontMetrics metrics(inspector->font());
    for (const QString& text : {QStringLiteral("f32[1,3,224,224]"), QStringLiteral("f32[1,64,112,112]"),
                                QStringLiteral("BatchNormalization")})
      QVERIFY2(metrics.horizontalAdvance(text) + 12 <= valueWidth, qPrintable(QStringLiteral("%1 in %2 px").arg(text).arg(valueWidth)));
    w.grab().save("/tmp/defects-default.png");
  }

  // Defect 3: Page Down in the text diff scrolls it; elsewhere it still steps to the next pass.
  void pageDownScrollsTheTextDiff() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    w.resize(900, 420);
    w.show();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    QVERIFY(loadInto(w, lenet()));
    w.selectPass(0);
    QTRY_VERIFY(!w.isBusy() && w.displayedRecord() == 0);
    w.tabs()->setCurrentWidget(w.irDiffView());
    QPlainTextEdit* after = w.irDiffView()->afterText();
    QTRY_VERIFY(after->verticalScrollBar()->maximum() > 0);
    after->setFocus();
    QCOMPARE(after->verticalScrollBar()->value(), 0);
    QTest::keyClick(after, Qt::Key_PageDown);
    // The diff is shorter than two pages: one Page Down reaches its end.
    QVERIFY(after->verticalScrollBar()->maximum() < after->verticalScrollBar()->pageStep());
    QCOMPARE(after->verticalScrollBar()->value(), after->verticalScrollBar()->maximum());
    QCOMPARE(w.displayedRecord(), 0);
    QTest::keyClick(after, Qt::Key_PageUp);
    QCOMPARE(after->verticalScrollBar()->value(), 0);
    // Outside the diff, Page Down is still Next Pass.
    w.passList()->setFocus();
    w.tabs()->setCurrentWidget(w.graphView());
    w.graphView()->setFocus();
    QTest::keyClick(w.graphView(), Qt::Key_PageDown);
    QTRY_COMPARE(w.passList()->currentRow(), 1);
  }

  // Help: the shortcut list comes from the actions; a pass's documentation from docs/passes.md.
  void helpShortcutsAndPassDocs() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    const QList<gui::ShortcutRow> rows = gui::shortcutRows(&w);
    int withShortcut = 0;
    QSet<QString> names;
    for (const QAction* a : w.findChildren<QAction*>())
      if (!a->shortcuts().isEmpty() && !a->text().isEmpty()) ++withShortcut, names.insert(a->text());
    QVERIFY(withShortcut >= 10);
    QCOMPARE(static_cast<int>(rows.size()), static_cast<int>(names.size()));
    auto keysOf = [&](const QString& action) {
      for (const gui::ShortcutRow& r : rows)
        if (r.action == action) return r.keys;
      return QStringLiteral("(absent)");
    };
    QCOMPARE(keysOf("Next Pass"), QKeySequence(Qt::Key_PageDown).toString(QKeySequence::NativeText));
    QCOMPARE(keysOf("Open"), QKeySequence(QKeySequence::Open).toString(QKeySequence::NativeText));
    QDialog* dialog = gui::makeShortcutsDialog(&w);
    auto* table = dialog->findChild<QTableWidget*>("shortcutsTable");
    QVERIFY(table);
    QCOMPARE(table->rowCount(), static_cast<int>(rows.size()));
    dialog->show();
    dialog->grab().save("/tmp/defects-shortcuts.png");
    delete dialog;

    const QString doc = gui::passesDocument();
    QVERIFY(doc.startsWith("# Graph passes"));
    const QString section = gui::passSection(doc, "fold-batchnorm");
    QVERIFY(section.startsWith("## fold-batchnorm\n"));
    QVERIFY(!section.contains("\n## "));
    QVERIFY(gui::passSection(doc, "no-such-pass").isEmpty());
    QDialog* passDoc = gui::makePassDocDialog(&w, "fold-batchnorm");
    passDoc->show();
    passDoc->grab().save("/tmp/defects-passdoc.png");
    delete passDoc;
  }
};

QTEST_MAIN(TestWorkbenchDefects)
#include "test_workbench_defects.moc"
