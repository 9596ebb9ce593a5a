// Costs per node per device (backends/partition/node_costs.h): NEST-C's shared op-cost tables
// read and re-write byte for byte; our NEST-C keys for ResNet-18's convolutions are the shared
// tables' keys; quantized mnist-8 on a CPU + NPU list: every node measured on the CPU, exactly the
// NPU's 3 nodes costed there, the others with their reason; the CPU cache makes a second run
// compile nothing; a device's nonSupportedNodes refuses the kind.
#include <QRegularExpression>
#include <QTemporaryDir>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "backends/partition/node_costs.h"
#include "backends/partition/op_signature.h"
#include "backends/profiler.h"
#include "core/error.h"
#include "core/idx_file.h"
#include "core/model_loader.h"
#include "core/verifier.h"
#include "passes/pass_manager.h"
#include "passes/quantization/quantize.h"
#include "tests/test_support.h"

using namespace nest;
using namespace nest::partition;

namespace {

std::filesystem::path opCosts() { return testing::testdata() / "nestc-interop" / "op-costs"; }

std::string fileText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Quantized mnist-8 with power-of-two scales (as tests/test_npu_backend.cpp), profiled on 100 images.
Graph quantizedMnist() {
  Tensor images = readIdxFile(testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz");
  Graph g = runPipeline(loadModel(testing::testdata() / "models" / "mnist-8" / "model.onnx"), namedPipeline("O1")).result();
  Profiler profiler(g);
  for (int64_t i = 0; i < 100; ++i) {
    Tensor x(TensorType(ElemType::F32, {1, 1, 28, 28}));
    for (int p = 0; p < 784; ++p) x.mutableData<float>()[p] = images.data<uint8_t>()[i * 784 + p];
    profiler.run({x});
  }
  QuantConfig config;
  config.defaults.schema = QuantSchema::SymmetricPower2;
  Graph q = g;
  quantizeGraph(q, profiler.profile(), config, "test profile");
  verifyGraph(q);
  return q;
}

DeviceConfig device(const std::string& name, const std::string& backendName) {
  DeviceConfig d;
  d.name = name;
  d.backendName = backendName;
  d.dramMemory = int64_t{1} << 30;
  if (backendName == "CPU") d.linkBytesPerSecond = d.linkLatencyUs = 0;
  return d;
}

int finiteCount(const CostModel& costs, int dev) {
  int n = 0;
  for (const auto& row : costs.nodeUs) n += std::isfinite(row[dev]);
  return n;
}

}  // namespace

class TestNodeCosts : public QObject {
  Q_OBJECT

 private slots:
  void sharedTablesReadAndRoundTrip_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("backend");
    QTest::addColumn<int>("entries");
    QTest::addColumn<QString>("firstKey");
    QTest::addColumn<QString>("lastKey");
    QTest::newRow("initial CPU") << "resnet18-initialProfileCPU0.yaml" << "CPU" << 27 << "Sub-1-224-224-3-float" << "Save-1-1000-float";
    QTest::newRow("initial VTA") << "resnet18-initialProfileVTA1.yaml" << "VTA" << 27 << "Sub-1-224-224-3-float" << "Save-1-1000-float";
    QTest::newRow("fused CPU") << "resnet18-fusedProfileCPU0.yaml" << "CPU" << 9
                               << "Convolution-1-224-224-3-float-64-7-2+Relu-1-112-112-64-float"
                               << "AvgPool-1-7-7-512-float+Reshape-1-1-1-512-float+Gemm-1-512-float";
    QTest::newRow("fused VTA") << "resnet18-fusedProfileVTA1.yaml" << "VTA" << 9
                               << "Convolution-1-224-224-3-float-64-7-2+Relu-1-112-112-64-float"
                               << "AvgPool-1-7-7-512-float+Reshape-1-1-1-512-float+Gemm-1-512-float";
  }

  void sharedTablesReadAndRoundTrip() {
    QFETCH(QString, file);
    QFETCH(QString, backend);
    QFETCH(int, entries);
    QFETCH(QString, firstKey);
    QFETCH(QString, lastKey);
    const std::filesystem::path path = opCosts() / file.toStdString();
    const OpCostTable t = readOpCostTable(path);
    QCOMPARE(QString::fromStdString(t.backendName), backend);
    QCOMPARE(t.type, std::string("ExeTime"));
    QVERIFY(t.commCost.has_value());
    QCOMPARE(*t.commCost, 0.0);
    QCOMPARE(static_cast<int>(t.entries.size()), entries);
    QCOMPARE(QString::fromStdString(t.entries.front().first), firstKey);
    QCOMPARE(QString::fromStdString(t.entries.back().first), lastKey);
    for (const auto& [key, cost] : t.entries) QCOMPARE(cost, 1.0);
    QCOMPARE(writeOpCostTable(t), fileText(path));
  }

  void tableSpellings() {
    OpCostTable t = parseOpCostTable("backendName: VTA\nType: ExeTime\ncommCost: 2.5\nAdd-1-8-float : INFINITY\nRelu-1-8-float : 0.25\n", "t");
    QVERIFY(t.typeLine && t.spaceBeforeColon);
    QCOMPARE(*t.commCost, 2.5);
    QVERIFY(std::isinf(t.entries[0].second));
    QCOMPARE(t.entries[1].second, 0.25);
    QCOMPARE(writeOpCostTable(t),
             std::string("---\nbackendName: VTA\nType: ExeTime\ncommCost: 2.5\nAdd-1-8-float : INFINITY\nRelu-1-8-float : 0.25\n...\n"));
  }

  void badTablesAreRefused_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    QTest::newRow("no backendName") << "---\nRelu-1-8-float: 1\n...\n" << "bad.yaml: no backendName";
    QTest::newRow("bad cost") << "backendName: CPU\nRelu-1-8-float: fast\n" << "bad.yaml:2 (Relu-1-8-float): 'fast' is not a cost";
    QTest::newRow("negative cost") << "backendName: CPU\nRelu-1-8-float: -1\n" << "'-1' is not a cost";
    QTest::newRow("no colon") << "backendName: CPU\nRelu-1-8-float 1\n" << "bad.yaml:2: expected 'KEY : COST'";
  }

  void badTablesAreRefused() {
    QFETCH(QString, text);
    QFETCH(QString, message);
    try {
      parseOpCostTable(text.toStdString(), "bad.yaml");
      QFAIL("no error");
    } catch (const Error& e) {
      QCOMPARE(e.kind(), ErrorKind::BadInput);
      QVERIFY2(std::string(e.what()).find(message.toStdString()) != std::string::npos, e.what());
    }
    bool refused = false;
    try {
      readOpCostTable(opCosts() / "no-such-table.yaml");
    } catch (const Error& e) {
      refused = std::string(e.what()).find("no-such-table.yaml") != std::string::npos;
    }
    QVERIFY(refused);
  }

  // Our keys for ResNet-18's convolutions (float, after -O1) against NEST-C's ResNet-18 table.
  void resnet18ConvKeysAreNestcKeys() {
    const Graph g = runPipeline(loadModel(testing::seedModels() / "resnet18" / "model.onnx"), namedPipeline("O1")).result();
    std::set<std::string> table;
    for (const auto& [key, cost] : readOpCostTable(opCosts() / "resnet18-initialProfileCPU0.yaml").entries) table.insert(key);
    std::set<std::string> convKeys;
    int convs = 0, found = 0;
    for (const Node& n : g.nodes) {
      if (n.op != "Conv") continue;
      ++convs;
      const std::string key = nestcOpKey(g, n);
      convKeys.insert(key);
      found += table.count(key);
    }
    QCOMPARE(convs, 20);
    QCOMPARE(static_cast<int>(convKeys.size()), 11);
    QCOMPARE(found, 20);  // every convolution's key is in NEST-C's table
    QVERIFY(convKeys.count("Convolution-1-56-56-64-float-64-3-1"));
    QVERIFY(convKeys.count("Convolution-1-56-56-64-float-128-1-2"));
    for (const Node& n : g.nodes)
      if (n.op == "MaxPool") QCOMPARE(nestcOpKey(g, n), std::string("MaxPool-1-112-112-64-float"));
    // The CPU measures one node per op signature: ResNet-18's layers repeat.
    std::set<std::string> signatures;
    for (const Node& n : g.nodes) signatures.insert(opSignature(g, n));
    QCOMPARE(g.nodes.size(), size_t{32});
    QCOMPARE(static_cast<int>(signatures.size()), 23);
  }

  // nestc costs: the table, the costs file and NEST-C's tables; a second run measures nothing.
  void cliWritesCostsAndTables() {
    QTemporaryDir tmp;
    const QString model = QString::fromStdString((testing::testdata() / "models" / "mnist-8" / "model.onnx").string());
    const QString images = QString::fromStdString((testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz").string());
    const QString devices = QString::fromStdString((testing::sourceDir() / "resources" / "devices" / "cpu-npu.yaml").string());
    testing::NestcResult r = testing::runNestc({"profile", model, "--input", images, "--limit", "100", "-o", tmp.filePath("p.yaml")});
    QVERIFY2(r.code == 0, r.all().c_str());
    const QStringList args = {"costs", model, "--devices", devices, "--profile", tmp.filePath("p.yaml"), "--schema", "symmetric_power2",
                              "--cache", tmp.filePath("cache.json"), "--repeats", "2", "-o", tmp.filePath("costs.yaml"),
                              "--nestc-tables", tmp.filePath("tables")};
    r = testing::runNestc(args);
    QVERIFY2(r.code == 0, r.all().c_str());
    QVERIFY2(r.out.find("cpu: 8 node(s), 8 op signature(s): 8 compiled and timed in ") != std::string::npos, r.out.c_str());
    QVERIFY2(QRegularExpression("\\nConvolution28 +Conv +[0-9.]+ +[0-9.]+\\n").match(QString::fromStdString(r.out)).hasMatch(), r.out.c_str());
    QVERIFY2(QRegularExpression("\\nPooling66 +MaxPool +[0-9.]+ +-\\n").match(QString::fromStdString(r.out)).hasMatch(), r.out.c_str());
    const OpCostTable npu = readOpCostTable(tmp.filePath("tables/initialProfileNPU1.yaml").toStdString());
    QCOMPARE(npu.backendName, std::string("VTA"));
    QCOMPARE(*npu.commCost, 10.0);
    QCOMPARE(npu.entries.size(), size_t{8});
    QCOMPARE(npu.entries[6].first, std::string("Gemm-1-256-i8"));
    QVERIFY(std::isfinite(npu.entries[6].second));
    QVERIFY(std::isinf(npu.entries[2].second));  // MaxPool
    QVERIFY(fileText(tmp.filePath("costs.yaml").toStdString()).find("reason: \"NPU1: the device's node lists exclude MaxPool\"") != std::string::npos);
    r = testing::runNestc(args);
    QVERIFY2(r.code == 0 && r.out.find("8 op signature(s): 0 compiled and timed in 0.0 s (+0.00 s running), 8 from the cache") != std::string::npos,
             r.all().c_str());
    // A device list whose first device is not a CPU.
    std::ofstream(tmp.filePath("npu-first.yaml").toStdString()) << "---\n- name: NPU1\n  backendName: VTA\n  dramMemory: 1000\n...\n";
    r = testing::runNestc({"costs", model, "--devices", tmp.filePath("npu-first.yaml"), "-o", tmp.filePath("x.yaml")});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("the first device must be the host CPU") != std::string::npos, r.all().c_str());
  }

  void mnistOnCpuAndNpu() {
    const Graph q = quantizedMnist();
    QCOMPARE(static_cast<int>(q.nodes.size()), 8);
    const std::vector<DeviceConfig> devices = {device("CPU0", "CPU"), device("NPU1", "VTA")};
    QTemporaryDir tmp;
    CostOptions options;
    options.repeats = 3;
    options.cacheFile = tmp.filePath("cpu-costs.json").toStdString();
    CostStats first;
    options.stats = &first;
    const CostModel costs = measureCosts(q, devices, options);
    QCOMPARE(costs.devices.size(), size_t{2});
    QCOMPARE(costs.devices[1].backend, std::string("npu"));
    QCOMPARE(costs.devices[1].memoryBytes, int64_t{1} << 30);
    QCOMPARE(finiteCount(costs, 0), 8);
    QCOMPARE(finiteCount(costs, 1), 3);
    std::vector<std::string> onNpu;
    for (size_t i = 0; i < q.nodes.size(); ++i) {
      QVERIFY2(costs.nodeUs[i][0] > 0, q.nodes[i].describe().c_str());
      if (std::isfinite(costs.nodeUs[i][1])) {
        onNpu.push_back(q.nodes[i].op);
        QVERIFY(costs.nodeUs[i][1] > 0);
        QVERIFY(costs.reasons[i].empty());
      } else {
        QVERIFY2(costs.reasons[i].rfind("NPU1: npu: ", 0) == 0, costs.reasons[i].c_str());
      }
    }
    QCOMPARE(onNpu, (std::vector<std::string>{"Conv", "Conv", "Gemm"}));
    // Memory: the first Conv keeps its int8 8x1x5x5 weights, int32 bias and its 1x8x28x28 int8 result.
    QCOMPARE(costs.nodeBytes[1][1], int64_t{8 * 25 + 8 * 4 + 8 * 28 * 28});
    QCOMPARE(first.cpuNodes, 8);
    QCOMPARE(first.signatures, 8);  // mnist-8 has no two equal nodes (2 MaxPools differ in shape)
    QCOMPARE(first.compiles, 8);
    QCOMPARE(first.cacheHits, 0);
    // Building 8 one-node libraries with the C compiler takes far longer than 5 timed runs of each.
    QVERIFY(first.compileSeconds > first.measureSeconds);

    // The cache file: a second measurement compiles nothing and gives the same CPU costs.
    CostStats second;
    options.stats = &second;
    const CostModel again = measureCosts(q, devices, options);
    QCOMPARE(second.compiles, 0);
    QCOMPARE(second.cacheHits, 8);
    for (size_t i = 0; i < q.nodes.size(); ++i) QCOMPARE(again.nodeUs[i][0], costs.nodeUs[i][0]);

    // Our costs file and NEST-C's table of each device.
    const std::string yaml = writeCosts(q, costs);
    QVERIFY2(yaml.find("devices:\n  - name: \"CPU0\"\n    backend: cpu\n") != std::string::npos, yaml.c_str());
    QVERIFY2(yaml.find("\"NPU1\": INFINITY}") != std::string::npos, yaml.c_str());
    QVERIFY2(yaml.find("    reason: \"NPU1: npu: ") != std::string::npos, yaml.c_str());
    const OpCostTable npuTable = opCostTableOf(q, costs, 1);
    QCOMPARE(npuTable.backendName, std::string("VTA"));
    QCOMPARE(npuTable.entries.size(), size_t{8});
    QCOMPARE(npuTable.entries[1].first, std::string("Convolution-1-28-28-1-i8-8-5-1"));
    QCOMPARE(npuTable.entries[1].second, std::round(costs.nodeUs[1][1] * 1000) / 1000);
    QVERIFY(std::isinf(npuTable.entries[0].second));
    const OpCostTable back = parseOpCostTable(writeOpCostTable(npuTable), "npu table");
    QCOMPARE(back.entries.size(), npuTable.entries.size());
    for (size_t i = 0; i < back.entries.size(); ++i) {
      QCOMPARE(back.entries[i].first, npuTable.entries[i].first);
      QCOMPARE(back.entries[i].second, npuTable.entries[i].second);
    }
  }

  void deviceNodeListsRefuse() {
    const Graph q = quantizedMnist();
    DeviceConfig npu = device("NPU1", "VTA");
    npu.nonSupportedNodes = {"Convolution"};
    const CostModel costs = measureCosts(q, {device("CPU0", "CPU"), npu}, CostOptions{1, {}, nullptr});
    QCOMPARE(finiteCount(costs, 0), 8);
    QCOMPARE(finiteCount(costs, 1), 1);  // the Gemm
    for (size_t i = 0; i < q.nodes.size(); ++i)
      if (q.nodes[i].op == "Conv")
        QVERIFY2(costs.reasons[i] == "NPU1: the device's node lists exclude Convolution", costs.reasons[i].c_str());
  }

  void firstDeviceMustBeTheCpu() {
    const Graph q = quantizedMnist();
    try {
      measureCosts(q, {device("NPU1", "VTA"), device("CPU0", "CPU")});
      QFAIL("no error");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("device 'NPU1' (backend VTA) is first") != std::string::npos, e.what());
    }
  }
};

QTEST_APPLESS_MAIN(TestNodeCosts)
#include "test_node_costs.moc"
