// The heterogeneous backend (issue 12, "Heterogeneous bundle"): quantized mnist-8 under hand-made
// schedules (all on the CPU, every NPU-supported node on the NPU, CPU and NPU alternating on every
// node) and ResNet-18 with a parallel group (a residual block's downsample conv on the NPU while
// its main branch runs on the CPU) equal the interpreter's integer graph bit for bit; the parallel
// group runs on two threads; statistics give a line per partition and the total; the bundle of
// the alternating schedule builds with make and its runner gives the in-process output byte for
// byte, printing each partition's time and the total; bad schedules are refused with their reason.
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <filesystem>
#include <map>

#include "backends/cpu/cpu_backend_entry.h"
#include "backends/hetero/hetero_backend.h"
#include "backends/interpreter/interpreter.h"
#include "backends/npu/npu_backend.h"
#include "backends/profiler.h"
#include "core/idx_file.h"
#include "core/model_loader.h"
#include "core/npy.h"
#include "core/onnx_tensor.h"
#include "core/verifier.h"
#include "passes/pass_manager.h"
#include "passes/quantization/quantize.h"
#include "tests/test_support.h"

using namespace nest;

namespace {

using testing::quantizedPower2;
using testing::mnistImage;

constexpr int kCpu = 0, kNpu = 1;


const Graph& quantizedMnist() {
  static const Graph q = [] {
    const Tensor images = readIdxFile(testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz");
    Graph g = runPipeline(loadModel(testing::testdata() / "models" / "mnist-8" / "model.onnx"), namedPipeline("O1")).result();
    Profiler profiler(g);
    for (int64_t i = 0; i < 500; ++i) profiler.run({mnistImage(images, i)});
    return quantizedPower2(g, profiler.profile());
  }();
  return q;
}

std::vector<hetero::HeteroDevice> cpuAndNpu() {
  DeviceConfig cpu0, npu0;
  cpu0.name = "cpu0";
  cpu0.backendName = "CPU";
  npu0.name = "npu0";
  npu0.backendName = "VTA";
  return {{cpu0, std::make_shared<cpu::CpuBackend>()}, {npu0, std::make_shared<npu::NpuBackend>()}};
}

// A schedule by hand: partition k holds the nodes labelled k (labels numbered in execution order),
// on the device of its nodes.
partition::Schedule scheduleOf(const std::vector<int>& deviceOfNode, const std::vector<int>& labels,
                               std::vector<std::vector<int>> parallelGroups = {}) {
  partition::Schedule s;
  s.deviceOfNode = deviceOfNode;
  for (size_t n = 0; n < labels.size(); ++n) {
    if (static_cast<size_t>(labels[n]) >= s.partitions.size()) s.partitions.resize(labels[n] + 1);
    s.partitions[labels[n]].device = deviceOfNode[n];
    s.partitions[labels[n]].nodes.push_back(n);
  }
  s.parallelGroups = std::move(parallelGroups);
  return s;
}

// Consecutive nodes on the same device form one partition.
partition::Schedule consecutiveRuns(const std::vector<int>& deviceOfNode) {
  std::vector<int> labels;
  for (size_t n = 0; n < deviceOfNode.size(); ++n)
    labels.push_back(n == 0 ? 0 : labels.back() + (deviceOfNode[n] != deviceOfNode[n - 1]));
  return scheduleOf(deviceOfNode, labels);
}

// "" when every output equals the interpreter's bit for bit, else the first difference.
std::string compareExact(const Graph& q, const std::vector<Tensor>& want, const std::vector<Tensor>& got) {
  if (want.size() != got.size()) return "output count differs";
  for (size_t k = 0; k < want.size(); ++k) {
    if (want[k].type() != got[k].type()) return "output " + std::to_string(k) + ": type " + typeToString(got[k].type());
    for (int64_t e = 0; e < want[k].numElements(); ++e)
      if (want[k].getDouble(e) != got[k].getDouble(e))
        return "output " + q.outputs[k] + " element " + std::to_string(e) + ": interpreter " +
               std::to_string(want[k].getDouble(e)) + ", hetero " + std::to_string(got[k].getDouble(e));
  }
  return "";
}

// Every statistics line but the group lines: "pK DEVICE (KIND): N nodes, T ms measured|simulated".
const QRegularExpression kPartLine("^p(\\d+) (cpu0 \\(cpu\\)|npu0 \\(npu\\)): (\\d+) nodes, ([0-9]+\\.[0-9]{3}) ms (measured|simulated)$");
const QRegularExpression kTotalLine("^hetero: partitions=(\\d+) total_ms=([0-9]+\\.[0-9]{3})$");

// Checks the per-partition lines (count, devices, node counts) and the total line; "" when right.
std::string checkTimeLines(const std::vector<std::string>& lines, const partition::Schedule& s) {
  size_t parts = 0;
  int nodes = 0;
  for (const std::string& line : lines) {
    const auto m = kPartLine.match(QString::fromStdString(line));
    if (!m.hasMatch()) continue;
    const size_t k = m.captured(1).toULong();
    if (k != parts) return "partition line out of order: " + line;
    const bool onNpu = s.partitions[k].device == kNpu;
    if (m.captured(2).startsWith("npu") != onNpu || (m.captured(5) == "simulated") != onNpu) return "wrong device: " + line;
    if (m.captured(3).toULong() != s.partitions[k].nodes.size()) return "wrong node count: " + line;
    nodes += m.captured(3).toInt();
    ++parts;
  }
  if (parts != s.partitions.size()) return std::to_string(parts) + " partition lines for " + std::to_string(s.partitions.size());
  const auto total = kTotalLine.match(QString::fromStdString(lines.empty() ? "" : lines.back()));
  if (!total.hasMatch() || total.captured(1).toULong() != parts) return "bad total line: " + (lines.empty() ? "" : lines.back());
  if (nodes != static_cast<int>(s.deviceOfNode.size())) return "partition lines count " + std::to_string(nodes) + " nodes";
  return "";
}

// Schedules of quantized mnist-8 (8 nodes: Quantize, Conv, MaxPool, Conv, MaxPool, Reshape, Gemm,
// Dequantize).
partition::Schedule mnistSchedule(const std::string& which) {
  const Graph& q = quantizedMnist();
  const npu::NpuBackend npu;
  std::vector<int> device(q.nodes.size(), kCpu);
  for (size_t n = 0; n < q.nodes.size(); ++n) {
    if (which == "npu-supported" && npu.supports(q, q.nodes[n])) device[n] = kNpu;
    if (which == "alternating" && n % 2 == 1) device[n] = kNpu;  // NPU parts of unsupported nodes fall back inside
  }
  return consecutiveRuns(device);
}

QString qpath(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

}  // namespace

class TestHetero : public QObject {
  Q_OBJECT

 private slots:
  void mnistMatchesInterpreter_data() {
    QTest::addColumn<QString>("schedule");
    QTest::addColumn<int>("partitions");
    QTest::addColumn<int>("npuNodes");
    QTest::newRow("all on the CPU") << "cpu" << 1 << 0;
    QTest::newRow("NPU-supported on the NPU") << "npu-supported" << 7 << 3;  // Conv, Conv, Gemm
    QTest::newRow("alternating") << "alternating" << 8 << 4;
  }

  void mnistMatchesInterpreter() {
    QFETCH(QString, schedule);
    QFETCH(int, partitions);
    QFETCH(int, npuNodes);
    const Graph& q = quantizedMnist();
    QCOMPARE(q.nodes.size(), size_t{8});
    const partition::Schedule s = mnistSchedule(schedule.toStdString());
    QCOMPARE(static_cast<int>(s.partitions.size()), partitions);
    QCOMPARE(static_cast<int>(std::count(s.deviceOfNode.begin(), s.deviceOfNode.end(), kNpu)), npuNodes);
    const hetero::HeteroBackend backend(cpuAndNpu(), s);
    auto artifact = backend.compile(q, CompileRequest{"mnist"});
    auto runner = backend.load(*artifact);
    Interpreter reference(q);
    const Tensor images = readIdxFile(testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz");
    for (int64_t i = 500; i < 530; ++i) {
      const std::vector<Tensor> in = {mnistImage(images, i)};
      const std::string diff = compareExact(q, reference.run(in), runner->run(in));
      QVERIFY2(diff.empty(), ("image " + std::to_string(i) + ": " + diff).c_str());
    }
    const std::vector<std::string> stats = runner->statistics();
    QCOMPARE(stats.size(), s.partitions.size() + 1);  // no parallel group
    const std::string bad = checkTimeLines(stats, s);
    QVERIFY2(bad.empty(), bad.c_str());
  }

  // A residual block with a downsample: the 1x1 conv on the NPU in a parallel group with the main
  // branch (two 3x3 convs) on the CPU; everything before and after on the CPU.
  void resnet18ParallelGroup() {
    Graph g = runPipeline(loadModel(testing::seedModels() / "resnet18" / "model.onnx"), namedPipeline("O1")).result();
    Profiler profiler(g);
    for (unsigned i = 0; i < 2; ++i) profiler.run(testing::randomInputs(g, 10 + i));
    const Graph q = quantizedPower2(g, profiler.profile());

    std::map<std::string, size_t> producer;
    for (size_t n = 0; n < q.nodes.size(); ++n)
      for (const std::string& v : q.nodes[n].outputs) producer[v] = n;
    auto isConv = [&](const std::string& v) { return producer.count(v) && q.nodes[producer[v]].op == "Conv"; };
    size_t add = q.nodes.size(), ds = 0;
    for (size_t n = 0; n < q.nodes.size() && add == q.nodes.size(); ++n) {
      const Node& node = q.nodes[n];
      if (node.op != "Add" || !isConv(node.inputs[0]) || !isConv(node.inputs[1])) continue;
      for (const std::string& v : node.inputs) {
        const Node& conv = q.nodes[producer[v]];
        const Shape& w = q.typeOf(conv.inputs[1]).shape;
        if (w.size() == 4 && w[2] == 1 && w[3] == 1) {
          add = n;
          ds = producer[v];
        }
      }
    }
    QVERIFY2(add < q.nodes.size(), "no residual block with a 1x1 downsample conv");
    const size_t blockInput = producer.at(q.nodes[ds].inputs[0]);  // the node both branches read
    std::vector<int> device(q.nodes.size(), kCpu), labels(q.nodes.size());
    int mainBranch = 0;
    for (size_t n = 0; n < q.nodes.size(); ++n) {
      if (n <= blockInput) labels[n] = 0;
      else if (n == ds) labels[n] = 2, device[n] = kNpu;
      else if (n < add) labels[n] = 1, ++mainBranch;
      else labels[n] = 3;
    }
    QCOMPARE(mainBranch, 2);  // conv1 (ReLU fused), conv2
    const partition::Schedule s = scheduleOf(device, labels, {{1, 2}});
    const hetero::HeteroBackend backend(cpuAndNpu(), s);
    auto artifact = backend.compile(q, CompileRequest{"resnet18"});
    auto runner = backend.load(*artifact);
    const std::vector<Tensor> in = testing::randomInputs(g, 99);
    const std::string diff = compareExact(q, Interpreter(q).run(in), runner->run(in));
    QVERIFY2(diff.empty(), diff.c_str());
    const std::vector<std::string> stats = runner->statistics();
    for (const std::string& line : stats) qInfo("%s", line.c_str());
    QCOMPARE(stats.size(), size_t{4 + 1 + 1});
    QCOMPARE(stats[4], std::string("hetero: parallel group p1+p2 ran on 2 threads"));
    const std::string bad = checkTimeLines(stats, s);
    QVERIFY2(bad.empty(), bad.c_str());
  }

  // The alternating mnist-8 schedule as a bundle: make, run, same bytes as in-process.
  void alternatingBundleBuildsAndRuns() {
    const Graph& q = quantizedMnist();
    const partition::Schedule s = mnistSchedule("alternating");
    const hetero::HeteroBackend backend(cpuAndNpu(), s);
    auto artifact = backend.compile(q, CompileRequest{"mnist"});
    const std::filesystem::path input = testing::testdata() / "models" / "mnist-8" / "test_data_set_0" / "input_0.pb";
    const std::vector<Tensor> out = backend.load(*artifact)->run({readTensorPb(input)});
    QCOMPARE(out.size(), size_t{1});
    QTemporaryDir tmp;
    const std::filesystem::path dir = tmp.filePath("bundle").toStdString();
    writeNpy(out[0], std::filesystem::path(tmp.filePath("in_process.npy").toStdString()));
    const std::vector<std::string> files = artifact->write(dir);
    for (const char* f : {"mnist.h", "mnist.c", "mnist.weights.bin", "main.c", "Makefile", "simulator.cpp", "npu_driver.h"})
      QVERIFY2(std::find(files.begin(), files.end(), f) != files.end() && std::filesystem::exists(dir / f), f);
    for (size_t k = 0; k < s.partitions.size(); ++k) {
      const std::string part = "mnist_p" + std::to_string(k);
      QVERIFY2(std::filesystem::exists(dir / (part + ".h")) && std::filesystem::exists(dir / (part + ".c")), part.c_str());
      QVERIFY2(!std::filesystem::exists(dir / (part + ".weights.bin")), part.c_str());  // merged into mnist.weights.bin
    }
    QVERIFY(std::filesystem::exists(dir / "mnist_p1.npu.s"));
    QProcess make;
    make.setWorkingDirectory(qpath(dir));
    make.setProcessChannelMode(QProcess::MergedChannels);
    make.start("make", {"-s"});
    QVERIFY(make.waitForFinished(600000));
    QVERIFY2(make.exitCode() == 0, make.readAll().constData());
    QProcess run;
    run.start(qpath(dir / "run"), {"--input", qpath(input), "--output-dir", tmp.filePath("bundle_out")});
    QVERIFY(run.waitForFinished(120000));
    const QString stdoutText = QString::fromUtf8(run.readAllStandardOutput());
    QVERIFY2(run.exitCode() == 0, qPrintable(stdoutText + run.readAllStandardError()));
    QFile a(tmp.filePath("in_process.npy")), b(tmp.filePath("bundle_out/output_0.npy"));
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QCOMPARE(b.readAll(), a.readAll());
    std::vector<std::string> lines;
    for (const QString& line : stdoutText.split('\n', Qt::SkipEmptyParts))
      if (!line.contains("output_0.npy")) lines.push_back(line.toStdString());
    qInfo("%s", qPrintable(stdoutText));
    QCOMPARE(lines.size(), s.partitions.size() + 1);
    const std::string bad = checkTimeLines(lines, s);
    QVERIFY2(bad.empty(), qPrintable(QString::fromStdString(bad) + "\n" + stdoutText));
  }

  void badSchedulesAreRefused() {
    const Graph& q = quantizedMnist();
    partition::Schedule s = mnistSchedule("npu-supported");
    s.parallelGroups = {{1, 2}};  // p2 (MaxPool) reads p1's Conv
    std::string msg = testing::errorOf([&] { hetero::HeteroBackend(cpuAndNpu(), s).compile(q, CompileRequest{"m"}); });
    QVERIFY2(msg.find("partition 2 reads") != std::string::npos && msg.find("from partition 1, in the same parallel group") != std::string::npos,
             msg.c_str());
    s = mnistSchedule("npu-supported");
    s.partitions[1].nodes.clear();  // the first Conv is in no partition
    msg = testing::errorOf([&] { hetero::HeteroBackend(cpuAndNpu(), s).compile(q, CompileRequest{"m"}); });
    QVERIFY2(msg.find("partition 1 has no nodes") != std::string::npos && msg.find("is in no partition") != std::string::npos, msg.c_str());
    s = mnistSchedule("cpu");
    s.deviceOfNode.pop_back();
    s.partitions[0].device = 5;
    msg = testing::errorOf([&] { hetero::HeteroBackend(cpuAndNpu(), s).compile(q, CompileRequest{"m"}); });
    QVERIFY2(msg.find("deviceOfNode places 7 node(s), the graph has 8") != std::string::npos &&
                 msg.find("partition 0 is on device 5, there are 2 device(s)") != std::string::npos,
             msg.c_str());
  }
};

QTEST_APPLESS_MAIN(TestHetero)
#include "test_hetero.moc"
