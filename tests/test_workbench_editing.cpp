// The workbench's editing loop end to end (offscreen): assignments by device and precision with
// undo / redo, auto partition keeping the user's pins, the partition schedule, saving and
// reopening, refused assignments with the backend's reason, calibration from the GUI equal to
// `nestc profile`, and recovery of an autosave after a crash.
#include <QDir>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <set>

#include "app/gui/graph_view.h"
#include "app/gui/inspector.h"
#include "app/gui/legend.h"
#include "app/gui/main_window.h"
#include "app/gui/overlay.h"
#include "app/gui/partition_panel.h"
#include "app/gui/project_document.h"
#include "core/node_keys.h"
#include "latency_probe.h"
#include "test_support.h"

using namespace nest;
using nest::gui::MainWindow;

namespace {

constexpr int kTimeoutMs = 600'000;

QString path(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

QString writeProject(const QString& file, const nlohmann::json& j) {
  QFile f(file);
  if (!f.open(QIODevice::WriteOnly)) return {};
  f.write(QByteArray::fromStdString(j.dump(2)));
  return file;
}

// The schedule as comparable text: one line per partition.
QString scheduleText(const gui::PartitionSummary& s) {
  QString text = QStringLiteral("latency %1\n").arg(s.latencyUs, 0, 'f', 3);
  for (const gui::PartitionRow& p : s.partitions) {
    QStringList ids;
    for (NodeId id : p.nodes) ids << QString::number(id);
    text += QStringLiteral("%1 [%2] %3-%4 in %5 out %6\n")
                .arg(s.devices.value(p.device), ids.join(','))
                .arg(p.startUs, 0, 'f', 3)
                .arg(p.endUs, 0, 'f', 3)
                .arg(p.bytesIn)
                .arg(p.bytesOut);
  }
  return text;
}

std::string nodesOf(const MainWindow& w) { return w.document()->project().nodes.dump(); }

// Opens `file` and waits until the window (and its schedule) is idle.
bool openAndWait(MainWindow& w, const QString& file) {
  QSignalSpy loaded(&w, &MainWindow::modelLoaded);
  w.openFile(file);
  return QTest::qWaitFor([&] { return loaded.count() == 1 && !w.isBusy(); }, kTimeoutMs);
}

}  // namespace

class TestWorkbenchEditing : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(tmp_.isValid());
    // ResNet-18 quantized for the NPU: int8, power-of-two scales, profiled on the sample images.
    r18Profile_ = tmp_.filePath("r18.yaml");
    const testing::NestcResult r = testing::runNestc(
        {"profile", path(testing::seedModels() / "resnet18" / "model.onnx"), "--input", path(testing::testdata() / "images"),
         "--preprocess", "resize=256x256,crop=224x224,scale=0.00392157,mean=0.485,0.456,0.406,std=0.229,0.224,0.225",
         "-o", r18Profile_});
    QVERIFY2(r.code == 0, r.err.c_str());
    r18Project_ = writeProject(tmp_.filePath("r18.nestproj"),
                               {{"format", "nest-project"},
                                {"version", 1},
                                {"model", (testing::seedModels() / "resnet18" / "model.onnx").string()},
                                {"deviceConfig", (testing::sourceDir() / "resources/devices/cpu-npu.yaml").string()},
                                {"quantization", {{"profile", r18Profile_.toStdString()}, {"schema", "symmetric_power2"}}}});
  }

  // Assign a name scope to the NPU, auto partition, then undo and redo: each step restores exactly
  // the same assignments and schedule.
  void assignAutoPartitionUndoRedo() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false, .autosaveDir = tmp_.filePath("as1")});
    w.show();
    QVERIFY(openAndWait(w, r18Project_));
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    QCOMPARE(w.deviceNames(), QStringList({"CPU0", "NPU1"}));
    // Unassigned: everything on the CPU, one partition.
    QCOMPARE(w.partitionSummary().partitions.size(), 1);
    QCOMPARE(w.partitionSummary().latencyUs, w.partitionSummary().allCpuUs);
    const QString schedule0 = scheduleText(w.partitionSummary());
    const std::string nodes0 = nodesOf(w);
    QCOMPARE(nodes0, std::string("{}"));

    w.setMode(MainWindow::Mode::Device);
    QCOMPARE(w.overlay().keys.size(), 2);
    QCOMPARE(w.overlay().keys[0].label, QString("CPU0"));
    QCOMPARE(w.overlay().keys[0].count, static_cast<int>(w.displayedGraph()->nodes.size()));

    QSignalSpy applied(&w, &MainWindow::editApplied);
    w.selectScope("/layer3/");
    const QList<NodeId> scope = w.graphView()->selectedNodes();
    QCOMPARE(scope.size(), kLayer3Nodes);
    QVERIFY(w.assignDevice("NPU1"));
    QVERIFY(QTest::qWaitFor([&] { return applied.count() == 1 && !w.isBusy(); }, kTimeoutMs));
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    const std::string nodes1 = nodesOf(w);
    const QString schedule1 = scheduleText(w.partitionSummary());
    const double latency1 = w.partitionSummary().latencyUs;
    QCOMPARE(w.document()->project().nodes.size(), size_t(kLayer3Keys));
    // layer3 on the NPU: CPU, NPU, CPU.
    QCOMPARE(w.partitionSummary().partitions.size(), 3);
    QCOMPARE(w.partitionSummary().devices.value(w.partitionSummary().partitions[1].device), QString("NPU1"));
    QCOMPARE(w.overlay().keys[1].label, QString("NPU1"));
    QCOMPARE(w.overlay().keys[1].count, w.partitionSummary().partitions[1].nodes.size());

    w.autoPartition();
    QVERIFY(QTest::qWaitFor([&] { return applied.count() == 2 && !w.isBusy(); }, kTimeoutMs));
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    const std::string nodes2 = nodesOf(w);
    const QString schedule2 = scheduleText(w.partitionSummary());
    QVERIFY(nodes2 != nodes1);
    // The partitioner places the rest around the pins: no worse than the pins alone.
    QVERIFY(w.partitionSummary().latencyUs <= latency1);
    // The pins held: every layer3 key is still on NPU1 and not placed by the partitioner.
    const nlohmann::json pins = nlohmann::json::parse(nodes1);
    const nlohmann::json& now = w.document()->project().nodes;
    for (auto it = pins.begin(); it != pins.end(); ++it) {
      QVERIFY2(now.contains(it.key()), it.key().c_str());
      QCOMPARE(now.at(it.key()).value("device", std::string()), std::string("NPU1"));
      QVERIFY(!now.at(it.key()).value("autoPlaced", false));
    }
    QCOMPARE(w.document()->undoStack()->count(), 2);
    QCOMPARE(w.document()->undoStack()->text(1), QString("Auto partition (%1 partitions)").arg(w.partitionSummary().partitions.size()));

    auto step = [&](bool undo, const std::string& nodes, const QString& schedule) {
      const int before = applied.count();
      undo ? w.document()->undoStack()->undo() : w.document()->undoStack()->redo();
      QVERIFY(QTest::qWaitFor([&] { return applied.count() == before + 1 && !w.isBusy(); }, kTimeoutMs));
      QCOMPARE(nodesOf(w), nodes);
      QCOMPARE(scheduleText(w.partitionSummary()), schedule);
    };
    step(true, nodes1, schedule1);
    step(true, nodes0, schedule0);
    step(false, nodes1, schedule1);
    step(false, nodes2, schedule2);
    QVERIFY(w.isWindowModified());

    // Save and reopen: the same assignments; saving marks the document clean.
    const QString saved = tmp_.filePath("r18-saved.nestproj");
    QVERIFY(w.saveProject(saved));
    QVERIFY(!w.document()->isModified());
    QVERIFY(!w.isWindowModified());
    MainWindow reopened(MainWindow::Options{.persistSettings = false, .errorDialogs = false, .autosaveDir = tmp_.filePath("as1")});
    QVERIFY(openAndWait(reopened, saved));
    QCOMPARE(nodesOf(reopened), nodes2);
    QCOMPARE(scheduleText(reopened.partitionSummary()), schedule2);
    // The saved file names the model and the device configuration relative to its folder... or
    // absolutely when they are elsewhere; either way it reads back.
    QCOMPARE(reopened.document()->projectPath(), QFileInfo(saved).absoluteFilePath());
  }

  // A device that cannot run a node is refused with the backend's reason; nothing is pushed.
  void unsupportedAssignmentIsRefused() {
    const QString project = writeProject(
        tmp_.filePath("mnist-float.nestproj"),
        {{"format", "nest-project"},
         {"version", 1},
         {"model", (testing::testdata() / "models" / "mnist-8" / "model.onnx").string()},
         {"deviceConfig", (testing::sourceDir() / "resources/devices/cpu-npu.yaml").string()}});
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false, .autosaveDir = tmp_.filePath("as2")});
    w.show();
    QVERIFY(openAndWait(w, project));
    const Graph& g = *w.displayedGraph();
    NodeId conv = 0;
    for (const Node& n : g.nodes)
      if (n.op == "Conv") conv = n.id;
    QVERIFY(conv);
    QVERIFY(!w.assignDevice("NPU1"));  // nothing selected
    QVERIFY2(w.lastError().startsWith("select the nodes"), qPrintable(w.lastError()));
    w.graphView()->selectNode(conv);
    QVERIFY(!w.assignDevice("NPU1"));
    QVERIFY2(w.lastError().startsWith("Refused: ") && w.lastError().contains("NPU1"), qPrintable(w.lastError()));
    QVERIFY2(w.lastError().contains(kFloatOnNpuReason), qPrintable(w.lastError()));
    QCOMPARE(w.document()->undoStack()->count(), 0);
    QVERIFY(!w.assignDevice("GPU7"));
    QCOMPARE(w.lastError(), QString("no device 'GPU7' in the project (devices: CPU0, NPU1)"));
    QVERIFY(!w.assignPrecision("int4"));
    QCOMPARE(w.lastError(), QString("unknown precision 'int4' (fp32, int8, int16)"));
    // The CPU runs it: accepted, one edit; the inspector shows the pin.
    QSignalSpy applied(&w, &MainWindow::editApplied);
    QVERIFY(w.assignDevice("CPU0"));
    QCOMPARE(w.document()->undoStack()->count(), 1);
    QCOMPARE(w.document()->undoStack()->text(0), QString("Assign Convolution110 to CPU0"));
    QVERIFY(QTest::qWaitFor([&] { return applied.count() == 1 && !w.isBusy(); }, kTimeoutMs));
    QCOMPARE(w.graphView()->selectedNodes(), QList<NodeId>{conv});
    QCOMPARE(w.inspector()->property("key"), QString("Convolution110"));
    QCOMPARE(w.inspector()->property("device"), QString("CPU0  (pinned)"));
    QCOMPARE(w.inspector()->property("assigned precision"), QString("(project default)"));

    // Numeric overlays: every op node coloured, a three-row scale in the legend.
    w.setOverlay(gui::OverlayKind::Macs);
    QVERIFY(w.overlay().numeric);
    QCOMPARE(w.overlay().fill.size(), static_cast<int>(w.displayedGraph()->nodes.size()));
    QCOMPARE(w.overlay().keys.size(), 3);
    QCOMPARE(w.legend()->item(0)->text(), QString("MACs  (scale)"));
    w.setOverlay(gui::OverlayKind::None);
    QVERIFY(!w.graphView()->hasOverlay());
  }

  // Calibration from the GUI writes the profile `nestc profile` writes, and the document then
  // quantizes with it (one undoable edit).
  void calibrationEqualsNestcProfile() {
    const QString model = path(testing::testdata() / "models" / "mnist-8" / "model.onnx");
    const QString images = path(testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz");
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false, .autosaveDir = tmp_.filePath("as3")});
    w.show();
    QVERIFY(openAndWait(w, model));
    const QString gui = tmp_.filePath("gui-profile.yaml");
    QSignalSpy applied(&w, &MainWindow::editApplied);
    w.calibrate(gui::CalibrationInputs{{images}, QString(), 200}, gui);
    QVERIFY(QTest::qWaitFor([&] { return applied.count() == 1 && !w.isBusy(); }, kTimeoutMs));
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    const QString cli = tmp_.filePath("cli-profile.yaml");
    const testing::NestcResult r = testing::runNestc({"profile", model, "--input", images, "--limit", "200", "-o", cli});
    QVERIFY2(r.code == 0, r.err.c_str());
    QFile a(gui), b(cli);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QCOMPARE(a.readAll(), b.readAll());
    QCOMPARE(w.model()->run.records.back().pass, std::string("quantize"));
    QCOMPARE(w.document()->undoStack()->count(), 1);
    // Precision mode shows what the nodes compute in: the quantized convolutions in int8.
    w.setMode(MainWindow::Mode::Precision);
    int int8 = -1;
    for (const gui::OverlayKey& k : w.overlay().keys)
      if (k.label == "int8") int8 = k.count;
    QCOMPARE(int8, kMnistInt8Nodes);
    // Keep the first convolution in float: one edit, and it computes in fp32 again.
    NodeId conv = 0;
    for (const Node& n : w.displayedGraph()->nodes)
      if (n.op == "Conv") {
        conv = n.id;
        break;
      }
    w.graphView()->selectNode(conv);
    QVERIFY(w.assignPrecision("fp32"));
    QVERIFY(QTest::qWaitFor([&] { return applied.count() == 2 && !w.isBusy(); }, kTimeoutMs));
    QCOMPARE(w.overlay().fill.value(conv), gui::precisionColor("fp32"));
  }

  // Autosave, then a "crash" (the window is destroyed without closing): the next window offers the
  // autosave, and recovering restores the edits as unsaved changes of the original project.
  void crashRecoveryRestoresEdits() {
    const QString dir = tmp_.filePath("as4");
    const QString project = writeProject(tmp_.filePath("mnist-recover.nestproj"),
                                         {{"format", "nest-project"},
                                          {"version", 1},
                                          {"model", (testing::testdata() / "models" / "mnist-8" / "model.onnx").string()}});
    std::string edited;
    {
      auto w = std::make_unique<MainWindow>(MainWindow::Options{.persistSettings = false, .errorDialogs = false, .autosaveDir = dir});
      w->show();
      QVERIFY(openAndWait(*w, project));
      QVERIFY(w->pendingRecoveries().isEmpty());
      QList<NodeId> ids;
      for (const Node& n : w->displayedGraph()->nodes)
        if (n.op == "Conv" || n.op == "MaxPool") ids.append(n.id);
      w->graphView()->selectNodes(ids);
      QVERIFY(w->assignDevice("interpreter"));
      QVERIFY(QTest::qWaitFor([&] { return !w->isBusy(); }, kTimeoutMs));
      edited = nodesOf(*w);
      QVERIFY(edited != "{}");
      QVERIFY(w->autosaveNow());
      // The crash: no close event, nothing saved.
    }
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false, .autosaveDir = dir});
    w.show();
    const QStringList pending = w.pendingRecoveries();
    QCOMPARE(pending.size(), 1);
    QCOMPARE(gui::ProjectDocument::recoveryOrigin(pending[0]), QFileInfo(project).absoluteFilePath());
    QSignalSpy loaded(&w, &MainWindow::modelLoaded);
    w.recover(pending[0]);
    QVERIFY(QTest::qWaitFor([&] { return loaded.count() == 1 && !w.isBusy(); }, kTimeoutMs));
    QCOMPARE(nodesOf(w), edited);
    QVERIFY(w.document()->isModified());
    QCOMPARE(w.document()->projectPath(), QFileInfo(project).absoluteFilePath());
    QVERIFY(w.pendingRecoveries().isEmpty());  // taken over by the open document
    // Saving writes the recovered edits to the original project.
    QVERIFY(w.save());
    QCOMPARE(assignmentsOf(readProjectFile(project.toStdString())).byKey.size(), nlohmann::json::parse(edited).size());
  }

  // Auto partition runs in the background: while it runs on ResNet-50 (costs, partitioner, the
  // edit's graph passes, layout and schedule), the UI thread never stalls over 100 ms.
  void autoPartitionResNet50StaysResponsive() {
    const QString profile = tmp_.filePath("r50.yaml");
    const testing::NestcResult r = testing::runNestc(
        {"profile", path(testing::seedModels() / "resnet50" / "model.onnx"), "--input", path(testing::testdata() / "images"),
         "--preprocess", "resize=256x256,crop=224x224,scale=0.00392157,mean=0.485,0.456,0.406,std=0.229,0.224,0.225",
         "-o", profile});
    QVERIFY2(r.code == 0, r.err.c_str());
    const QString project = writeProject(
        tmp_.filePath("r50.nestproj"),
        {{"format", "nest-project"},
         {"version", 1},
         {"model", (testing::seedModels() / "resnet50" / "model.onnx").string()},
         {"deviceConfig", (testing::sourceDir() / "resources/devices/cpu-npu.yaml").string()},
         {"quantization", {{"profile", profile.toStdString()}, {"schema", "symmetric_power2"}}}});
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false, .autosaveDir = tmp_.filePath("as5")});
    w.show();
    QVERIFY(openAndWait(w, project));
    w.setMode(MainWindow::Mode::Device);
    w.selectScope("/layer4/");
    QVERIFY(w.assignDevice("NPU1"));
    QVERIFY(QTest::qWaitFor([&] { return !w.isBusy(); }, kTimeoutMs));
    QSignalSpy applied(&w, &MainWindow::editApplied);
    testing::LatencyProbe probe;
    probe.reset();
    w.autoPartition();
    QVERIFY(QTest::qWaitFor([&] { return applied.count() == 1 && !w.isBusy(); }, kTimeoutMs));
    const double stall = probe.maxGapMs();
    qInfo("ResNet-50 auto partition: %.0f ms to the updated view, worst UI stall %.1f ms",
          applied.last().at(0).toDouble(), stall);
    QVERIFY2(stall <= 100, qPrintable(QString::number(stall)));
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
  }

  // Headless parity: `nestc-workbench --project P --overlay device --screenshot OUT.png` renders
  // device mode (the NPU's colour on the graph and the timeline); a bad kind exits 2.
  void headlessOverlayScreenshot() {
    QFile original(r18Project_);
    QVERIFY(original.open(QIODevice::ReadOnly));
    nlohmann::json project = nlohmann::json::parse(original.readAll().toStdString());
    project["nodes"] = {{"/layer3/layer3.0/conv1/Conv", {{"device", "NPU1"}}}};
    const QString pinned = writeProject(tmp_.filePath("r18-pinned.nestproj"), project);
    const QString png = tmp_.filePath("device.png");
    QProcess run;
    run.setProcessEnvironment([] {
      QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
      env.insert("QT_QPA_PLATFORM", "offscreen");
      return env;
    }());
    const QString exe = path(testing::binDir() / "nestc-workbench");
    run.start(exe, {"--project", pinned, "--overlay", "device", "--screenshot", png});
    QVERIFY(run.waitForFinished(kTimeoutMs));
    QCOMPARE(run.exitCode(), 0);
    const QImage image(png);
    QVERIFY(!image.isNull());
    // The pinned Conv is drawn in the NPU's colour, and so is its bar in the timeline (the lower
    // part of the window); nothing else is NPU-coloured in a float-free, single-pin schedule.
    const QRgb npu = gui::deviceColor(1).rgb();
    int upper = 0, lower = 0;
    for (int y = 0; y < image.height(); ++y)
      for (int x = 0; x < image.width(); ++x)
        if (image.pixel(x, y) == npu) ++(y < image.height() * 6 / 10 ? upper : lower);
    QVERIFY2(upper > 100 && lower > 100, qPrintable(QString("%1 %2").arg(upper).arg(lower)));

    run.start(exe, {"--project", pinned, "--overlay", "colour", "--screenshot", png});
    QVERIFY(run.waitForFinished(kTimeoutMs));
    QCOMPARE(run.exitCode(), 2);
    QCOMPARE(QString::fromUtf8(run.readAllStandardError()).trimmed().split('\n').last(),
             QString("nestc-workbench: error: --overlay: unknown kind 'colour' (device, precision, error, macs, memory, latency)"));
  }

 private:
  // Nodes of the final quantized ResNet-18 under "/layer3/" (BatchNorms folded, Relus fused:
  // two blocks of conv1, conv2, Add, the first with a downsample Conv), each with its own key.
  static constexpr int kLayer3Nodes = 7;
  static constexpr int kLayer3Keys = 7;
  // mnist-8 quantized: Quantize, 2 Conv, 2 MaxPool, Reshape, Gemm compute in int8; the output's
  // Dequantize in fp32.
  static constexpr int kMnistInt8Nodes = 7;
  static constexpr const char* kFloatOnNpuReason =
      "nodes.Convolution110: device 'NPU1' (npu) does not support node 'Convolution110' (Conv): a float Conv does "
      "not run on the NPU (quantize the model first, e.g. --schema symmetric_power2)";
  QTemporaryDir tmp_;
  QString r18Profile_, r18Project_;
};

QTEST_MAIN(TestWorkbenchEditing)
#include "test_workbench_editing.moc"
