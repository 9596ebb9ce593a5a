// Partitioning end to end through nestc (docs/partitioning.md): ResNet-18 (seed model, int8 with
// power-of-two scales) partitioned over resources/devices/cpu-npu.yaml; the chosen schedule is no
// slower than any baseline; its plan is written, read back by `nestc plan` and run by --backend
// hetero with outputs byte-identical to the interpreter's, as is the greedy placement (CPU and NPU
// alternating on every layer) of ResNet-18 and of MobileNetV2 (whose depthwise convolutions stay
// on the CPU); errors for conflicting pins, a plan naming unknown nodes, a device
// without memory for its nodes, and a bad device file.
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>

#include "tests/test_support.h"

using namespace nest;

namespace {

QString path(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

QByteArray readAll(const QString& file) {
  QFile f(file);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeText(const QString& file, const std::string& text) {
  QFile f(file);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(text.c_str());
}

// The latency of one strategy row of `nestc partition`'s table.
double latencyOf(const std::string& out, const std::string& strategy) {
  QRegularExpression row("\\n" + QRegularExpression::escape(QString::fromStdString(strategy)) + "\\s+([0-9.]+)\\s+(\\d+)");
  QRegularExpressionMatch m = row.match(QString::fromStdString(out));
  return m.hasMatch() ? m.captured(1).toDouble() : -1;
}

}  // namespace

class TestPartitionFlow : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  QString model_, input_, devices_;
  QStringList quant_;

 private slots:
  void initTestCase() {
    model_ = path(testing::seedModels() / "resnet18" / "model.onnx");
    input_ = path(testing::seedModels() / "resnet18" / "test_data_set_0" / "input_0.pb");
    devices_ = path(testing::sourceDir() / "resources" / "devices" / "cpu-npu.yaml");
    const QString profile = tmp_.filePath("r18.yaml");
    testing::NestcResult r = testing::runNestc(
        {"profile", model_, "--input", path(testing::testdata() / "images"), "--preprocess",
         "resize=256x256,crop=224x224,scale=0.00392157,mean=0.485,0.456,0.406,std=0.229,0.224,0.225", "-o", profile});
    QVERIFY2(r.code == 0, r.all().c_str());
    quant_ = {"--profile", profile, "--schema", "symmetric_power2"};
    r = testing::runNestc(QStringList{"run", model_, "--input", input_, "--output-dir", tmp_.filePath("ref"), "--format", "npy"} + quant_);
    QVERIFY2(r.code == 0, r.all().c_str());
  }

  void autoPlanRunsBitExact() {
    const QString plan = tmp_.filePath("auto.plan.yaml");
    testing::NestcResult r = testing::runNestc(QStringList{"partition", model_, "--devices", devices_, "-o", plan} + quant_);
    QVERIFY2(r.code == 0, r.all().c_str());
    const double chosen = latencyOf(r.out, "chosen");
    QVERIFY2(chosen > 0, r.out.c_str());
    for (const char* baseline : {"cpu", "greedy", "nestc-dp"})
      QVERIFY2(chosen <= latencyOf(r.out, baseline) * (1 + 1e-9), (std::string(baseline) + "\n" + r.out).c_str());
    r = testing::runNestc({"plan", plan});
    QVERIFY2(r.code == 0 && r.out.find("funcName: model.onnx") != std::string::npos, r.all().c_str());
    r = testing::runNestc(QStringList{"run", model_, "--backend", "hetero", "--devices", devices_, "--plan", plan, "--input", input_,
                                      "--output-dir", tmp_.filePath("auto"), "--format", "npy", "--stats"} + quant_);
    QVERIFY2(r.code == 0 && r.out.find("hetero: partitions=") != std::string::npos, r.all().c_str());
    QCOMPARE(readAll(tmp_.filePath("auto/output_0.npy")), readAll(tmp_.filePath("ref/output_0.npy")));
  }

  // Greedy puts every Conv and Add on the NPU and the rest on the CPU: the devices alternate.
  void greedyAlternatesAndRunsBitExact_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("partitions");
    QTest::newRow("resnet18") << "resnet18" << 7;         // Quantize, MaxPool, GlobalAveragePool+Flatten, Dequantize on the CPU between NPU parts
    QTest::newRow("mobilenet_v2") << "mobilenet_v2" << 39;  // depthwise Convs stay on the CPU
  }

  void greedyAlternatesAndRunsBitExact() {
    QFETCH(QString, model);
    QFETCH(int, partitions);
    const QString onnx = path(testing::seedModels() / model.toStdString() / "model.onnx");
    const QString input = path(testing::seedModels() / model.toStdString() / "test_data_set_0" / "input_0.pb");
    QStringList quant = quant_;
    if (model != "resnet18") {  // profiled on its own test input
      const QString profile = tmp_.filePath(model + ".yaml");
      testing::NestcResult r = testing::runNestc({"profile", onnx, "--input", input, "-o", profile});
      QVERIFY2(r.code == 0, r.all().c_str());
      quant = {"--profile", profile, "--schema", "symmetric_power2"};
    }
    testing::NestcResult r =
        testing::runNestc(QStringList{"run", onnx, "--input", input, "--output-dir", tmp_.filePath(model + "_ref"), "--format", "npy"} + quant);
    QVERIFY2(r.code == 0, r.all().c_str());
    r = testing::runNestc(QStringList{"run", onnx, "--backend", "hetero", "--devices", devices_, "--strategy", "greedy", "--input", input,
                                      "--output-dir", tmp_.filePath(model + "_greedy"), "--format", "npy", "--stats"} + quant);
    QVERIFY2(r.code == 0, r.all().c_str());
    QRegularExpressionMatch m = QRegularExpression("hetero: partitions=(\\d+)").match(QString::fromStdString(r.out));
    QVERIFY2(m.hasMatch(), r.out.c_str());
    QCOMPARE(m.captured(1).toInt(), partitions);
    QVERIFY2(r.out.find("(npu)") != std::string::npos && r.out.find("(cpu)") != std::string::npos, r.out.c_str());
    QCOMPARE(readAll(tmp_.filePath(model + "_greedy/output_0.npy")), readAll(tmp_.filePath(model + "_ref/output_0.npy")));
  }

  void errorsNameTheProblem() {
    // A plan naming nodes the model lacks.
    const QString bad = tmp_.filePath("bad.plan.yaml");
    writeText(bad, "---\nfuncName: model.onnx\nnumOfPartitions: 2\nbackendNames: CPU:VTA\npartitionNames: p0:p1\n"
                   "nodeToPartition: ghost_conv-1\n  :another_ghost-1\nlogicalIDs: 0:1\n...\n");
    testing::NestcResult r = testing::runNestc(QStringList{"compile", model_, "--target", "hetero", "--devices", devices_, "--plan", bad,
                                                           "-o", tmp_.filePath("b1")} + quant_);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("ghost_conv") != std::string::npos && r.err.find("another_ghost") != std::string::npos, r.all().c_str());

    // A pin that conflicts with the plan: the first Conv pinned to the NPU, the plan all on the CPU.
    const QString cpuPlan = tmp_.filePath("cpu.plan.yaml");
    r = testing::runNestc(QStringList{"partition", model_, "--devices", devices_, "--strategy", "cpu", "-o", cpuPlan} + quant_);
    QVERIFY2(r.code == 0, r.all().c_str());
    const QString project = tmp_.filePath("pins.nestproj");
    writeText(project, "{\"format\": \"nest-project\", \"version\": 1, \"model\": \"" + model_.toStdString() +
                           "\", \"nodes\": {\"/conv1/Conv\": {\"device\": \"NPU1\"}}}");
    r = testing::runNestc(QStringList{"compile", model_, "--project", project, "--target", "hetero", "--devices", devices_, "--plan",
                                      cpuPlan, "-o", tmp_.filePath("b2")} + quant_);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("conflict") != std::string::npos && r.err.find("/conv1/Conv") != std::string::npos, r.all().c_str());

    // The pin alone holds: the first Conv runs on the NPU under every strategy.
    r = testing::runNestc(QStringList{"partition", model_, "--project", project, "--devices", devices_, "--strategy", "cpu"} + quant_);
    QVERIFY2(r.code == 0 && r.out.find("NPU1") != std::string::npos, r.all().c_str());

    // An NPU without memory for what greedy places on it.
    std::string small = readAll(devices_).toStdString();
    small.replace(small.find("dramMemory: 268435456"), std::string("dramMemory: 268435456").size(), "dramMemory: 1000");
    const QString smallDevices = tmp_.filePath("small.yaml");
    writeText(smallDevices, small);
    r = testing::runNestc(QStringList{"partition", model_, "--devices", smallDevices, "--strategy", "greedy"} + quant_);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("NPU1") != std::string::npos && r.err.find("1000") != std::string::npos, r.all().c_str());

    // A device file that is not one.
    const QString broken = tmp_.filePath("broken.yaml");
    writeText(broken, "---\n- name: CPU0\n  parameters: |\n    \"deviceID\" : \"0\"\n...\n");
    r = testing::runNestc(QStringList{"partition", model_, "--devices", broken} + quant_);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("broken.yaml") != std::string::npos && r.err.find("backendName") != std::string::npos, r.all().c_str());
  }
};

QTEST_APPLESS_MAIN(TestPartitionFlow)
#include "test_partition_flow.moc"
