// The NPU backend end to end (docs/npu-isa.md): quantized mnist-8 (power-of-two scales, profiled
// on 500 MNIST images), SqueezeNet 1.1 and ResNet-18 run on the simulated NPU with the CPU
// fallback and equal the interpreter's integer graph bit for bit; which nodes run where is
// pinned; nestc run --backend npu --stats prints one line per NPU node and the total line;
// nestc compile --target npu writes a bundle that builds with make and gives the same outputs;
// bad hardware parameters are refused with their reason.
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <filesystem>

#include "backends/interpreter/interpreter.h"
#include "backends/npu/npu_backend.h"
#include "backends/profiler.h"
#include "core/idx_file.h"
#include "core/model_loader.h"
#include "core/verifier.h"
#include "passes/pass_manager.h"
#include "passes/quantization/quantize.h"
#include "tests/test_support.h"

using namespace nest;

namespace {

using testing::quantizedPower2;
using testing::mnistImage;


// "" when every output equals the interpreter's bit for bit, else the first difference.
std::string compareExact(const Graph& q, const std::vector<Tensor>& want, const std::vector<Tensor>& got) {
  if (want.size() != got.size()) return "output count differs";
  for (size_t k = 0; k < want.size(); ++k) {
    if (want[k].type() != got[k].type()) return "output " + std::to_string(k) + ": type " + typeToString(got[k].type());
    for (int64_t e = 0; e < want[k].numElements(); ++e)
      if (want[k].getDouble(e) != got[k].getDouble(e))
        return "output " + q.outputs[k] + " element " + std::to_string(e) + ": interpreter " +
               std::to_string(want[k].getDouble(e)) + ", npu " + std::to_string(got[k].getDouble(e));
  }
  return "";
}

// Nodes per device in the compiled model: {npu, cpu fallback}.
std::pair<int, int> placementCounts(const npu::NpuModel& m) {
  int onNpu = 0, onCpu = 0;
  for (const npu::NpuStep& s : m.steps) {
    if (s.device == "npu") ++onNpu;
    else onCpu += static_cast<int>(s.fallbackReasons.size());
  }
  return {onNpu, onCpu};
}

QString path(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

}  // namespace

class TestNpuBackend : public QObject {
  Q_OBJECT

 private slots:
  void mnistMatchesInterpreter() {
    Tensor images = readIdxFile(testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz");
    Graph g = runPipeline(loadModel(testing::testdata() / "models" / "mnist-8" / "model.onnx"), namedPipeline("O1")).result();
    Profiler profiler(g);
    for (int64_t i = 0; i < 500; ++i) profiler.run({mnistImage(images, i)});
    const Graph q = quantizedPower2(g, profiler.profile());
    const npu::NpuBackend npu;
    auto artifact = npu.compile(q, CompileRequest{});
    QCOMPARE(placementCounts(npu::npuModelOf(*artifact)), std::make_pair(3, 5));  // 2 Conv + Gemm; Quantize, 2 MaxPool, Reshape, Dequantize
    auto runner = npu.load(*artifact);
    Interpreter reference(q);
    for (int64_t i = 500; i < 600; ++i) {
      const std::vector<Tensor> in = {mnistImage(images, i)};
      const std::string diff = compareExact(q, reference.run(in), runner->run(in));
      QVERIFY2(diff.empty(), ("image " + std::to_string(i) + ": " + diff).c_str());
    }
    const std::vector<std::string> stats = runner->statistics();
    QCOMPARE(stats.size(), size_t{5});  // 3 nodes, the simulator line, the total
    QVERIFY2(QRegularExpression("^npu: cycles=\\d+ time_ms=[0-9.]+ macs=\\d+ utilization=[0-9.]+%$")
                 .match(QString::fromStdString(stats.back()))
                 .hasMatch(),
             stats.back().c_str());
    // mnist-8's MACs on the NPU: conv 28x28x8x25, conv 14x14x16x200, Gemm 256x10.
    QVERIFY2(stats.back().find(" macs=" + std::to_string(28 * 28 * 8 * 25 + 14 * 14 * 16 * 200 + 256 * 10) + " ") != std::string::npos,
             stats.back().c_str());
  }

  void seedModelsMatchInterpreter_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("onNpu");
    QTest::addColumn<int>("onCpu");
    QTest::newRow("resnet18") << "resnet18" << 29 << 5;  // 20 Conv, 8 Add, Gemm; Quantize, MaxPool, GAP, Flatten, Dequantize
    QTest::newRow("squeezenet1_1") << "squeezenet1_1" << 26 << 15;
  }

  void seedModelsMatchInterpreter() {
    QFETCH(QString, model);
    QFETCH(int, onNpu);
    QFETCH(int, onCpu);
    Graph g = runPipeline(loadModel(testing::seedModels() / model.toStdString() / "model.onnx"), namedPipeline("O1")).result();
    Profiler profiler(g);
    for (unsigned i = 0; i < 2; ++i) profiler.run(testing::randomInputs(g, 10 + i));
    const Graph q = quantizedPower2(g, profiler.profile());
    const npu::NpuBackend npu;
    auto artifact = npu.compile(q, CompileRequest{});
    QCOMPARE(placementCounts(npu::npuModelOf(*artifact)), std::make_pair(onNpu, onCpu));
    const std::vector<Tensor> in = testing::randomInputs(g, 99);
    const std::string diff = compareExact(q, Interpreter(q).run(in), npu.load(*artifact)->run(in));
    QVERIFY2(diff.empty(), diff.c_str());
  }

  // nestc run --backend npu --stats: where the nodes ran, a line per NPU node, the total; the
  // bundle of nestc compile --target npu builds with make and its runner gives the same output.
  void cliRunsAndBundles() {
    const QString model = path(testing::testdata() / "models" / "mnist-8" / "model.onnx");
    const QString images = path(testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz");
    const QString input = path(testing::testdata() / "models" / "mnist-8" / "test_data_set_0" / "input_0.pb");
    QTemporaryDir tmp;
    const QString profile = tmp.filePath("mnist.yaml");
    testing::NestcResult r = testing::runNestc({"profile", model, "--input", images, "--limit", "500", "-o", profile});
    QVERIFY2(r.code == 0, r.all().c_str());
    const QStringList quant = {"--profile", profile, "--schema", "symmetric_power2"};
    for (const char* backend : {"interpreter", "npu"}) {
      r = testing::runNestc(QStringList{"run", model, "--backend", backend, "--input", input, "--output-dir", tmp.filePath(backend),
                                        "--format", "npy", "--stats"} + quant);
      QVERIFY2(r.code == 0, r.all().c_str());
    }
    QVERIFY2(r.out.find("npu: 3 node(s) on the NPU, 5 on the CPU (fallback)") != std::string::npos, r.all().c_str());
    QVERIFY2(r.out.find("MaxPool is not supported") != std::string::npos || r.out.find("(MaxPool)") != std::string::npos, r.all().c_str());
    QRegularExpression total("\\nnpu: cycles=(\\d+) time_ms=[0-9.]+ macs=(\\d+) utilization=[0-9.]+%\\n");
    QVERIFY2(total.match(QString::fromStdString(r.out)).hasMatch(), r.all().c_str());
    QFile a(tmp.filePath("interpreter/output_0.npy")), b(tmp.filePath("npu/output_0.npy"));
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    const QByteArray expected = a.readAll();
    QCOMPARE(b.readAll(), expected);

    // ONNX test folders run through the NPU backend too (float mnist-8: every node falls back).
    r = testing::runNestc({"test-data", path(testing::testdata() / "models" / "mnist-8"), "--backend", "npu"});
    QVERIFY2(r.code == 0 && r.out.find("1 passed, 0 failed") != std::string::npos, r.all().c_str());

    r = testing::runNestc(QStringList{"compile", model, "--target", "npu", "-o", tmp.filePath("bundle")} + quant);
    QVERIFY2(r.code == 0, r.all().c_str());
    for (const char* f : {"model.h", "model.c", "model.weights.bin", "model.npu.s", "simulator.cpp", "npu_driver.h", "main.c", "Makefile"})
      QVERIFY2(QFile::exists(tmp.filePath(QString("bundle/") + f)), f);
    QFile listing(tmp.filePath("bundle/model.npu.s"));
    QVERIFY(listing.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(listing.readAll());
    QVERIFY2(text.contains("GEMM") && text.contains("FINISH") && text.contains("Convolution28"), qPrintable(text.left(2000)));
    QProcess make;
    make.setWorkingDirectory(tmp.filePath("bundle"));
    make.setProcessChannelMode(QProcess::MergedChannels);
    make.start("make", {"-s"});
    QVERIFY(make.waitForFinished(600000));
    QVERIFY2(make.exitCode() == 0, make.readAll().constData());
    QProcess run;
    run.setProcessChannelMode(QProcess::MergedChannels);
    run.start(tmp.filePath("bundle/run"), {"--input", input, "--output-dir", tmp.filePath("bundle_out")});
    QVERIFY(run.waitForFinished(120000));
    QVERIFY2(run.exitCode() == 0, run.readAll().constData());
    QFile c(tmp.filePath("bundle_out/output_0.npy"));
    QVERIFY(c.open(QIODevice::ReadOnly));
    QCOMPARE(c.readAll(), expected);
  }

  void badHardwareParametersAreRefused_data() {
    QTest::addColumn<QString>("params");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown key") << "LOG_BLOCK=4;FOO=1" << "FOO";
    QTest::newRow("not a power of two") << "BLOCK_IN=12" << "BLOCK_IN=12 is not a power of two";
    QTest::newRow("weight buffer too small") << "LOG_WGT_BUFF_SIZE=8" << "LOG_WGT_BUFF_SIZE=8";
  }

  void badHardwareParametersAreRefused() {
    QFETCH(QString, params);
    QFETCH(QString, message);
    const QString model = path(testing::testdata() / "models" / "mnist-8" / "model.onnx");
    const QString input = path(testing::testdata() / "models" / "mnist-8" / "test_data_set_0" / "input_0.pb");
    QTemporaryDir tmp;
    const testing::NestcResult r =
        testing::runNestc({"run", model, "--backend", "npu", "--hw-params", params, "--input", input, "--output-dir", tmp.path()});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find(message.toStdString()) != std::string::npos, r.all().c_str());
  }

  // A project's NPU device configures the target: its parameters reach the backend (a bad one is
  // refused with its name), and --hw-params wins over them.
  void projectDeviceParametersConfigureTheNpu() {
    const QString model = path(testing::testdata() / "models" / "mnist-8" / "model.onnx");
    const QString input = path(testing::testdata() / "models" / "mnist-8" / "test_data_set_0" / "input_0.pb");
    QTemporaryDir tmp;
    const QString project = tmp.filePath("p.nestproj");
    QFile f(project);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(("{\"format\": \"nest-project\", \"version\": 1, \"model\": \"" + model.toStdString() +
             "\", \"devices\": [{\"name\": \"npu0\", \"backend\": \"npu\", \"parameters\": {\"LOG_WGT_BUFF_SIZE\": \"8\"}}]}")
                .c_str());
    f.close();
    testing::NestcResult r =
        testing::runNestc({"run", model, "--project", project, "--backend", "npu", "--input", input, "--output-dir", tmp.filePath("o")});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("LOG_WGT_BUFF_SIZE=8") != std::string::npos, r.all().c_str());
    r = testing::runNestc({"run", model, "--project", project, "--backend", "npu", "--hw-params", "CLOCK_MHZ=200", "--input", input,
                           "--output-dir", tmp.filePath("o")});
    QVERIFY2(r.code == 0, r.all().c_str());
  }
};

QTEST_APPLESS_MAIN(TestNpuBackend)
#include "test_npu_backend.moc"
