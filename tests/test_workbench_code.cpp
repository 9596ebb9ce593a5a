// The workbench's Build menu and Code tab (issue "Workbench: compile and run from the GUI"):
// Build and Run of mnist-8 on cpu and on npu gives byte for byte what `nestc run` writes with the
// same settings; the NPU assembly is cross-linked with the graph; the Code tab names the pass
// state its low-level IR is of; the generated C is highlighted.
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QTextLayout>
#include <QtTest>

#include <random>

#include "app/gui/c_highlighter.h"
#include "app/gui/code_view.h"
#include "app/gui/graph_view.h"
#include "app/gui/lir_view.h"
#include "app/gui/main_window.h"
#include "app/gui/run_results_view.h"
#include "core/npy.h"
#include "test_support.h"

using namespace nest;
using gui::MainWindow;

namespace {

constexpr int kTimeoutMs = 600'000;

QString path(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }
std::filesystem::path mnistDir() { return testing::sourceDir() / "../shared/testdata/models/mnist-8"; }
QString mnistModel() { return path(mnistDir() / "model.onnx"); }
QString mnistInput() { return path(mnistDir() / "test_data_set_0/input_0.pb"); }

QByteArray readAll(const QString& file) {
  QFile f(file);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool openAndWait(MainWindow& w, const QString& file) {
  QSignalSpy loaded(&w, &MainWindow::modelLoaded);
  w.openFile(file);
  return QTest::qWaitFor([&] { return loaded.count() == 1 && !w.isBusy(); }, kTimeoutMs);
}

// Runs Build and Run on `target` and waits for its result (or an error).
bool buildAndRunAndWait(MainWindow& w, const QString& target, const gui::RunInput& input) {
  if (!w.setBuildTarget(target)) return false;
  const auto before = w.lastBuild();
  w.buildAndRun(input);
  return QTest::qWaitFor([&] { return (w.lastBuild() != before || !w.lastError().isEmpty()) && !w.isBusy(); }, kTimeoutMs) &&
         w.lastBuild() != before;
}

NodeId nodeNamed(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return n.id;
  return 0;
}

}  // namespace

class TestWorkbenchCode : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(tmp_.isValid());
    profile_ = tmp_.filePath("mnist.yaml");
    const testing::NestcResult r = testing::runNestc(
        {"profile", mnistModel(), "--input", path(testing::testdata() / "mnist/t10k-images-idx3-ubyte.gz"), "--limit", "200",
         "-o", profile_});
    QVERIFY2(r.code == 0, r.all().c_str());
    project_ = tmp_.filePath("mnist-npu.nestproj");
    QFile f(project_);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QStringLiteral(R"({"format": "nest-project", "version": 1, "model": "%1",
                              "quantization": {"profile": "%2", "schema": "symmetric_power2"}})")
                .arg(mnistModel(), profile_).toUtf8());
  }

  // cpu: Build and Run on input_0.pb writes what `nestc run --backend cpu` writes; the results
  // panel lists the output, its top 5 and the comparison with the float interpreter; the latency
  // overlay shows the CPU's per-node measurement on every node.
  void cpuRunEqualsNestc() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false, .autosaveDir = tmp_.filePath("as1")});
    w.resize(1280, 820);
    QVERIFY(openAndWait(w, mnistModel()));
    QStringList targets;
    for (int i = 0; i < w.findChild<QComboBox*>("targetChooser")->count(); ++i)
      targets << w.findChild<QComboBox*>("targetChooser")->itemText(i);
    QCOMPARE(targets, QStringList({"cpu", "npu"}));  // no deviceConfig: no hetero
    gui::RunInput input{.kind = gui::RunInput::Kind::File, .path = mnistInput()};
    QVERIFY2(buildAndRunAndWait(w, "cpu", input), qPrintable(w.lastError()));
    const gui::BuildOutcome& run = *w.lastBuild();
    QVERIFY(run.ran);
    QCOMPARE(run.outputs.size(), size_t(1));
    const QString mine = tmp_.filePath("cpu_gui.npy");
    writeNpy(run.outputs[0], mine.toStdString());
    const testing::NestcResult r = testing::runNestc({"run", mnistModel(), "--backend", "cpu", "--input", mnistInput(),
                                                      "--output-dir", tmp_.filePath("cpu_cli"), "--format", "npy"});
    QVERIFY2(r.code == 0, r.all().c_str());
    const QByteArray theirs = readAll(tmp_.filePath("cpu_cli/output_0.npy"));
    QVERIFY(!theirs.isEmpty());
    QCOMPARE(readAll(mine), theirs);

    gui::CodeView* code = w.codeView();
    QCOMPARE(w.tabs()->currentWidget(), code);
    QCOMPARE(code->page(), gui::CodeView::Page::Results);
    QCOMPARE(code->results()->outputsTable()->rowCount(), 1);
    QCOMPARE(code->results()->outputsTable()->item(0, 1)->text(), QStringLiteral("f32[1,10]"));
    QCOMPARE(code->results()->topTable()->rowCount(), 5);
    // The float interpreter runs the same -O1 graph: the CPU agrees on the class.
    const gui::RunComparison c = gui::compareWithReference(run.outputs, run.reference);
    QVERIFY(c.valid);
    QCOMPARE(c.top1Agree, 1);
    QCOMPARE(c.top1Rows, 1);
    QVERIFY2(c.maxAbsError < 1e-3, qPrintable(QString::number(c.maxAbsError)));
    QVERIFY2(code->results()->comparisonText().contains("top-1 agreement 1 of 1"), qPrintable(code->results()->comparisonText()));
    // Top 1 is the arg max of the output.
    const std::vector<double> v = run.outputs[0].toDoubles();
    const int best = static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
    QCOMPARE(code->results()->topTable()->item(0, 1)->text(), QString::number(best));

    w.setOverlay(gui::OverlayKind::Latency);
    QCOMPARE(w.overlay().fill.size(), static_cast<qsizetype>(w.displayedGraph()->nodes.size()));
    QVERIFY2(w.overlay().title.contains("CPU measured"), qPrintable(w.overlay().title));

    // The generated C: model.c shown, #include lines in the preprocessor colour, keywords bold.
    code->showPage(gui::CodeView::Page::C);
    QCOMPARE(code->fileChooser()->currentText(), QStringLiteral("model.c"));
    QTextBlock block = code->sourceText()->document()->begin();
    while (block.isValid() && !block.text().startsWith("#include")) block = block.next();
    QVERIFY(block.isValid());
    const auto formats = block.layout()->formats();
    QVERIFY(!formats.isEmpty());
    QCOMPARE(formats.first().start, 0);
    QCOMPARE(formats.first().format.foreground().color(),
             code->highlighter()->formatOf(gui::CHighlighter::Kind::Preprocessor).foreground().color());
    code->grab().save(tmp_.filePath("code-c.png"));
    code->showPage(gui::CodeView::Page::Results);
    w.grab().save(QDir::temp().filePath("nest-code-results.png"));
    code->showPage(gui::CodeView::Page::C);
    w.grab().save(QDir::temp().filePath("nest-code-c.png"));
  }

  // npu: a power-of-two quantized project runs as `nestc run --backend npu --profile P --schema
  // symmetric_power2`; the assembly is cross-linked with the graph; the overlay shows simulated
  // cycles on the 3 NPU nodes.
  void npuRunEqualsNestcAndCrossLinks() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false, .autosaveDir = tmp_.filePath("as2")});
    w.resize(1280, 820);
    w.show();
    QVERIFY(openAndWait(w, project_));
    gui::RunInput input{.kind = gui::RunInput::Kind::File, .path = mnistInput()};
    QVERIFY2(buildAndRunAndWait(w, "npu", input), qPrintable(w.lastError()));
    const gui::BuildOutcome& run = *w.lastBuild();
    const QString mine = tmp_.filePath("npu_gui.npy");
    writeNpy(run.outputs.at(0), mine.toStdString());
    const testing::NestcResult r =
        testing::runNestc({"run", mnistModel(), "--backend", "npu", "--profile", profile_, "--schema", "symmetric_power2",
                           "--input", mnistInput(), "--output-dir", tmp_.filePath("npu_cli"), "--format", "npy"});
    QVERIFY2(r.code == 0, r.all().c_str());
    QCOMPARE(readAll(mine), readAll(tmp_.filePath("npu_cli/output_0.npy")));

    gui::CodeView* code = w.codeView();
    // Every program's head names its node and instruction count; the view counts the same.
    static const QRegularExpression head(QStringLiteral("^; node '(.+)' \\(\\w+\\): (\\d+) instructions"),
                                         QRegularExpression::MultilineOption);
    QMap<QString, int> listed;
    for (auto it = head.globalMatch(run.listing); it.hasNext();) {
      const auto m = it.next();
      listed.insert(m.captured(1), m.captured(2).toInt());
    }
    QCOMPARE(listed.keys(), QStringList({"Convolution110", "Convolution28", "Times212"}));
    QCOMPARE(listed.value("Convolution28"), 228);
    for (auto it = listed.begin(); it != listed.end(); ++it) QCOMPARE(code->instructionCount(it.key()), it.value());

    // Clicking an instruction of Convolution110 selects that node in the graph.
    w.tabs()->setCurrentWidget(code);
    code->showPage(gui::CodeView::Page::Assembly);
    const int line = code->firstInstructionLine("Convolution110");
    QPlainTextEdit* text = code->assemblyText();
    // The line right after the node's header in the listing.
    QVERIFY2(text->document()->findBlockByNumber(line - 1).text().startsWith("; node 'Convolution110'"),
             qPrintable(text->document()->findBlockByNumber(line - 1).text()));
    QTextCursor cursor(text->document()->findBlockByNumber(line));
    text->setTextCursor(cursor);
    text->centerCursor();
    QTest::mouseClick(text->viewport(), Qt::LeftButton, {}, text->cursorRect(cursor).center() + QPoint(20, 0));
    const NodeId conv110 = nodeNamed(*w.displayedGraph(), "Convolution110");
    QVERIFY(conv110 != 0);
    QCOMPARE(w.graphView()->selectedNode(), conv110);
    QCOMPARE(w.graphView()->selectedNodes(), QList<NodeId>({conv110}));

    // Selecting Times212 in the graph highlights exactly its instructions.
    w.graphView()->selectNode(nodeNamed(*w.displayedGraph(), "Times212"));
    QCOMPARE(code->highlightedLineCount(), listed.value("Times212"));
    QCOMPARE(text->extraSelections().size(), listed.value("Times212"));
    QCOMPARE(code->nodeOfLine(text->textCursor().blockNumber()), QStringLiteral("Times212"));
    code->grab().save(QDir::temp().filePath("nest-code-asm.png"));
    if (qEnvironmentVariableIsSet("NEST_TEST_GRABS")) w.grab().save(qEnvironmentVariable("NEST_TEST_GRABS") + "/workbench-code-tab.png");
    w.graphView()->selectNode(0);
    QCOMPARE(code->highlightedLineCount(), 0);

    // The latency overlay: the simulator's cycles on the NPU's three nodes.
    w.setOverlay(gui::OverlayKind::Latency);
    QCOMPARE(w.overlay().fill.size(), 3);
    QVERIFY2(w.overlay().title.contains("NPU simulated"), qPrintable(w.overlay().title));
  }

  // Build and Run on an image with a preprocessing preset: the ten MNIST digits of the shared test
  // images (digit D = t10k image IDX) are each classified as their digit on the CPU bundle, like
  // the float interpreter; and on random data: a seed gives the same values as the same generator
  // here (std::mt19937, uniform in [-1, 1)), run through `nestc run` byte for byte.
  void imageAndRandomInputs() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false, .autosaveDir = tmp_.filePath("as4")});
    w.resize(1280, 820);
    QVERIFY(openAndWait(w, mnistModel()));
    const QDir digits(path(testing::testdata() / "images/mnist-png"));
    const QStringList files = digits.entryList({"*.png"}, QDir::Files, QDir::Name);
    QCOMPARE(files.size(), 10);
    int agreeWithInterpreter = 0;
    for (const QString& file : files) {
      gui::RunInput input{.kind = gui::RunInput::Kind::Image, .path = digits.filePath(file), .preset = "MNIST"};
      QVERIFY2(buildAndRunAndWait(w, "cpu", input), qPrintable(w.lastError()));
      const gui::BuildOutcome& run = *w.lastBuild();
      const std::vector<double> v = run.outputs.at(0).toDoubles();
      const int best = static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
      QCOMPARE(best, file.left(1).toInt());
      QCOMPARE(w.codeView()->results()->topTable()->item(0, 1)->text(), file.left(1));
      agreeWithInterpreter += gui::compareWithReference(run.outputs, run.reference).top1Agree;
    }
    QCOMPARE(agreeWithInterpreter, 10);

    gui::RunInput random{.kind = gui::RunInput::Kind::Random, .seed = 7};
    QVERIFY2(buildAndRunAndWait(w, "cpu", random), qPrintable(w.lastError()));
    const Tensor seven = w.lastBuild()->outputs.at(0);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> values(28 * 28);
    for (float& x : values) x = uniform(rng);
    const QString data = tmp_.filePath("random7.npy");
    writeNpy(Tensor::fromVector(ElemType::F32, {1, 1, 28, 28}, values), data.toStdString());
    const testing::NestcResult r = testing::runNestc({"run", mnistModel(), "--backend", "cpu", "--input", data,
                                                      "--output-dir", tmp_.filePath("random_cli"), "--format", "npy"});
    QVERIFY2(r.code == 0, r.all().c_str());
    writeNpy(seven, tmp_.filePath("random_gui.npy").toStdString());
    QCOMPARE(readAll(tmp_.filePath("random_gui.npy")), readAll(tmp_.filePath("random_cli/output_0.npy")));
    random.seed = 8;
    QVERIFY2(buildAndRunAndWait(w, "cpu", random), qPrintable(w.lastError()));
    QVERIFY(!w.lastBuild()->outputs.at(0).sameBytes(seven));
  }

  // The Code tab's low-level IR names the pass state the graph shows.
  void codeTabNamesPassState() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false, .autosaveDir = tmp_.filePath("as3")});
    QVERIFY(openAndWait(w, mnistModel()));
    const int records = static_cast<int>(w.model()->run.records.size());
    QVERIFY(records > 2);
    QCOMPARE(w.codeView()->stateLabel(),
             QStringLiteral("Low-level IR of the graph after %1 (pass %2 of %2)")
                 .arg(QString::fromStdString(w.model()->run.records.back().pass))
                 .arg(records));
    QVERIFY(w.selectPass(1));
    QTRY_VERIFY_WITH_TIMEOUT(w.displayedRecord() == 1 && !w.isBusy(), kTimeoutMs);
    QCOMPARE(w.codeView()->stateLabel(), QStringLiteral("Low-level IR of the graph after %1 (pass 2 of %2)")
                                             .arg(QString::fromStdString(w.model()->run.records[1].pass))
                                             .arg(records));
    QVERIFY(w.codeView()->isAncestorOf(w.lirView()));  // the LIR view lives in the Code tab
  }

 private:
  QTemporaryDir tmp_;
  QString profile_, project_;
};

QTEST_MAIN(TestWorkbenchCode)
#include "test_workbench_code.moc"
