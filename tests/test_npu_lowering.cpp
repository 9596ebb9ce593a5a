// The NPU node compiler (backends/npu/npu_lowering.h): every supported quantized node (Conv,
// Gemm, MatMul, Add under --schema symmetric_power2) lowered to a VTA program, run on the
// simulator (operands packed into the blocked layout) and compared bit for bit with the
// interpreter's value of that node; the requantization plan against requantize() on random
// accumulators; unsupportedReason's texts; the cost model's pinned choice; ResNet-50's 53 convs
// lowered (compile time and modelled utilization are printed).
#include <QElapsedTimer>
#include <QtTest>

#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <random>

#include "backends/interpreter/interpreter.h"
#include "backends/npu/npu_lowering.h"
#include "backends/npu/requant_plan.h"
#include "backends/npu/vta/npu_driver.h"
#include "backends/npu/vta/simulator.h"
#include "backends/profiler.h"
#include "core/quant_math.h"
#include "core/verifier.h"
#include "passes/quantization/quantize.h"
#include "tests/test_support.h"

using namespace nest;

namespace {

using testing::attrs;

Attributes conv(int64_t k, int64_t pad, int64_t stride, const char* act = nullptr, int64_t group = 1) {
  Attributes a = attrs({{"kernel_shape", Ints{k, k}}, {"pads", Ints{pad, pad, pad, pad}}, {"strides", Ints{stride, stride}},
                        {"group", group}});
  if (act) a.set("activation", std::string(act));
  return a;
}

Graph quantized(const Graph& g, QuantSchema schema, bool perChannel) {
  Profiler profiler(g);
  for (unsigned i = 0; i < 2; ++i) profiler.run(testing::randomInputs(g, 10 + i));
  QuantConfig config;
  config.defaults.schema = schema;
  config.perChannel = perChannel;
  Graph q = g;
  quantizeGraph(q, profiler.profile(), config, "test profile");
  verifyGraph(q);
  return q;
}

const Node& nodeNamed(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return n;
  throw std::runtime_error("no node " + name);
}

// Every value of one interpreter run.
std::map<std::string, Tensor> allValues(const Graph& q, const std::vector<Tensor>& inputs) {
  std::map<std::string, Tensor> values;
  Interpreter interpreter(q);
  interpreter.setObserver([&](const Node& node, const std::vector<Tensor>& results) {
    for (size_t i = 0; i < results.size(); ++i) values[node.outputs[i]] = results[i];
  });
  interpreter.run(inputs);
  return values;
}

struct NpuRun {
  std::string diff;  // "" when bit-exact
  npu::NodeProgram program;
  vta::RunStats stats;
};

// Lowers `name`, runs it on the simulator with the interpreter's operand values and compares
// its int8 result with the interpreter's.
NpuRun runNode(const Graph& q, const std::string& name, const vta::HwConfig& config = {},
              std::optional<size_t> candidate = std::nullopt, const std::map<std::string, Tensor>* given = nullptr) {
  const Node& node = nodeNamed(q, name);
  const std::map<std::string, Tensor> values = given ? *given : allValues(q, testing::randomInputs(q, 99));
  vta::Simulator sim(config, uint64_t{8} << 20);
  const size_t operands = node.op == "Add" ? 2 : 1;
  npu::NodeBuffers buffers;
  for (size_t i = 0; i < operands; ++i) {
    const Tensor& t = values.at(node.inputs[i]);
    const npu::BlockedShape s = npu::blockedShapeOf(t.type());
    const uint64_t address = sim.allocate(npu::blockedBytes(s, config));
    nest_npu_pack(t.data<int8_t>(), reinterpret_cast<int8_t*>(sim.dram() + address), s.n, s.c, s.h, s.w, config.batch(),
                  config.blockIn());
    buffers.inputs.push_back(address);
  }
  const TensorType& outType = q.typeOf(node.outputs[0]);
  const npu::BlockedShape os = npu::blockedShapeOf(outType);
  buffers.output = sim.allocate(npu::blockedBytes(os, config));
  int allocations = 0;
  buffers.allocateConstants = [&](uint64_t bytes) {
    ++allocations;
    return sim.allocate(bytes);
  };
  NpuRun r;
  r.program = candidate ? npu::lowerNodeWithCandidate(q, node, config, buffers, *candidate) : npu::lowerNode(q, node, config, buffers);
  if (allocations != 1) r.diff = "allocateConstants called " + std::to_string(allocations) + " times";
  std::memcpy(sim.dram() + r.program.constantsAddress, r.program.constants.data(), r.program.constants.size());
  r.stats = sim.run(r.program.instructions);
  Tensor got(outType);
  nest_npu_unpack(reinterpret_cast<const int8_t*>(sim.dram() + buffers.output), got.mutableData<int8_t>(), os.n, os.c, os.h, os.w,
                  config.batch(), config.blockOut());
  const Tensor& want = values.at(node.outputs[0]);
  for (int64_t i = 0; i < want.numElements() && r.diff.empty(); ++i)
    if (want.data<int8_t>()[i] != got.data<int8_t>()[i])
      r.diff = name + " element " + std::to_string(i) + ": interpreter " + std::to_string(want.data<int8_t>()[i]) + ", npu " +
               std::to_string(got.data<int8_t>()[i]);
  if (r.diff.empty() && r.stats.cycles != r.program.estimate.cycles)
    r.diff = "estimate " + std::to_string(r.program.estimate.cycles) + " cycles, run " + std::to_string(r.stats.cycles);
  if (r.program.comments.size() != r.program.instructions.size()) r.diff = "comment count differs";
  if (r.program.instructions.back().opcode != vta::Opcode::Finish) r.diff = "no FINISH at the end";
  return r;
}

struct ConvCase {
  const char* name;
  Shape input;
  int64_t co, k, pad, stride;
  const char* act;
  bool perChannel, bias;
};

Graph convGraph(const ConvCase& c) {
  testing::GraphBuilder b(c.name, 7);
  std::vector<std::string> in = {b.input("x", c.input), b.weight("w", {c.co, c.input[1], c.k, c.k}, -0.3f, 0.3f)};
  if (c.bias) in.push_back(b.weight("b", {c.co}));
  b.node("Conv", "c", in, conv(c.k, c.pad, c.stride, c.act));
  return b.done({"c"});
}

// A quantized Conv built by hand (no profiling): int8 input scale 2^-4, weights 2^-7, output 2^-3.
Graph handConv(int64_t ci, int64_t co, int64_t size, int64_t k, int64_t stride, unsigned seed) {
  Graph g;
  g.name = "hand";
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> w8(-127, 127), b32(-2000, 2000);
  TensorType x(ElemType::I8, {1, ci, size, size});
  x.quant = QuantParams{{1.0f / 16}, {0}, std::nullopt};
  g.inputs = {"x"};
  g.setType("x", x);
  TensorType wt(ElemType::I8, {co, ci, k, k});
  wt.quant = QuantParams{{1.0f / 128}, {0}, std::nullopt};
  Tensor w(wt);
  for (int64_t i = 0; i < w.numElements(); ++i) w.mutableData<int8_t>()[i] = static_cast<int8_t>(w8(rng));
  g.setConstant("w", w);
  g.setType("w", wt);
  Tensor b(TensorType(ElemType::I32, {co}));
  for (int64_t i = 0; i < co; ++i) b.mutableData<int32_t>()[i] = b32(rng);
  g.setConstant("b", b);
  g.setType("b", b.type());
  Attributes a = conv(k, k / 2, stride, "Relu");
  a.set("out_type", std::string("i8"));
  a.set("out_scale", 1.0f / 8);
  a.set("out_zero_point", int64_t{0});
  g.addNode("Conv", "conv", {"x", "w", "b"}, {"y"}, a);
  const int64_t out = (size + 2 * (k / 2) - k) / stride + 1;
  TensorType y(ElemType::I8, {1, co, out, out});
  y.quant = QuantParams{{1.0f / 8}, {0}, std::nullopt};
  g.setType("y", y);
  g.outputs = {"y"};
  return g;
}

npu::NodeProgram lowerAlone(const Graph& g, const vta::HwConfig& config, std::optional<size_t> candidate = std::nullopt) {
  npu::NodeBuffers buffers;
  const npu::BlockedShape in = npu::blockedShapeOf(g.typeOf(g.nodes[0].inputs[0]));
  buffers.inputs = {0};
  buffers.output = (npu::blockedBytes(in, config) + 255) / 256 * 256;
  buffers.allocateConstants = [&](uint64_t) { return uint64_t{1} << 30; };
  return candidate ? npu::lowerNodeWithCandidate(g, g.nodes[0], config, buffers, *candidate) : npu::lowerNode(g, g.nodes[0], config, buffers);
}

// A scalar model of the plan's ALU steps (the simulator's int32 semantics).
int32_t applyPlan(const npu::RequantPlan& plan, int64_t acc, size_t channel) {
  int32_t sum = static_cast<int32_t>(acc), sign = 0;
  auto value = [&](const npu::AluOperand& o) -> int32_t {
    if (o.kind == npu::AluOperand::Kind::Imm) return o.imm;
    if (o.kind == npu::AluOperand::Kind::Region) return o.region == npu::AccRegion::Sum ? sum : sign;
    const npu::AccVector& v = plan.vectors[static_cast<size_t>(o.vector)];
    return v.perChannel ? v.values.at(channel) : v.values.at(0);
  };
  for (const npu::AluStep& s : plan.steps) {
    int32_t& d = s.dst == npu::AccRegion::Sum ? sum : sign;
    const int32_t v = value(s.src);
    switch (s.op) {
      case vta::AluOp::Min: d = std::min(d, v); break;
      case vta::AluOp::Max: d = std::max(d, v); break;
      case vta::AluOp::Add: d = static_cast<int32_t>(static_cast<uint32_t>(d) + static_cast<uint32_t>(v)); break;
      case vta::AluOp::Shr: d = v >= 0 ? d >> std::min(v, 31) : static_cast<int32_t>(static_cast<uint32_t>(d) << -v); break;
      case vta::AluOp::Mul: d = d * v; break;
    }
  }
  return static_cast<int8_t>(sum);
}

}  // namespace

class NpuLoweringTest : public QObject {
  Q_OBJECT

 private slots:
  void requantPlanMatchesRequantize() {
    std::mt19937 rng(5);
    std::uniform_int_distribution<int64_t> acc(-3000000, 3000000), small(-40, 40);
    const std::vector<int> shifts = {0, 1, 3, 8, 12, 0, 17, 5};
    std::vector<int32_t> bias = {7, -8, 100, -1000, 3, 0, 65536, -5};
    for (auto [lo, hi] : std::vector<std::pair<int64_t, int64_t>>{{-128, 127}, {0, 127}, {-20, 90}, {3, 60}}) {
      const npu::RequantPlan plan = npu::planRequantization(shifts, bias, lo, hi);
      for (int i = 0; i < 40000; ++i) {
        const size_t c = static_cast<size_t>(i) % shifts.size();
        // Exact ties matter: draw small multiples of 2^(k-1) as well.
        const int64_t a = i % 2 ? acc(rng) : small(rng) * (int64_t{1} << std::max(0, shifts[c] - 1));
        const int64_t want = std::clamp<int64_t>(requantize(a + bias[c], quantizeMultiplier(std::ldexp(1.0, -shifts[c]))), lo, hi);
        QCOMPARE(applyPlan(plan, a, c), static_cast<int32_t>(want));
      }
    }
    // The shapes of the two forms: lo >= 0 folds the rounding into the bias.
    QCOMPARE(npu::planRequantization({4}, {1, 2}, 0, 127).steps.size(), size_t{4});
    QCOMPARE(npu::planRequantization({4}, {1, 2}, -128, 127).steps.size(), size_t{8});
    QVERIFY(npu::planRequantization({4}, {1, 2}, -128, 127).needsSign);
  }

  void convMatchesInterpreter_data() {
    QTest::addColumn<int>("index");
    for (int i = 0; i < static_cast<int>(convCases().size()); ++i) QTest::newRow(convCases()[static_cast<size_t>(i)].name) << i;
  }

  void convMatchesInterpreter() {
    QFETCH(int, index);
    const ConvCase& c = convCases()[static_cast<size_t>(index)];
    const Graph q = quantized(convGraph(c), QuantSchema::SymmetricPower2, c.perChannel);
    QVERIFY(npu::unsupportedReason(q, nodeNamed(q, "c"), vta::HwConfig{}).empty());
    const NpuRun r = runNode(q, "c");
    QVERIFY2(r.diff.empty(), r.diff.c_str());
    QCOMPARE(r.stats.macs >= static_cast<uint64_t>(r.program.macs), true);
    qInfo("%s: %s, %llu cycles, utilization %.1f%%", c.name, r.program.plan.c_str(),
          static_cast<unsigned long long>(r.stats.cycles), 100 * r.stats.utilization(vta::HwConfig{}));
  }

  void matrixMatchesInterpreter_data() {
    QTest::addColumn<int>("m");
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("n");
    QTest::addColumn<bool>("transB");
    QTest::addColumn<bool>("bias");
    QTest::addColumn<QString>("act");
    QTest::addColumn<bool>("perChannel");
    QTest::newRow("gemm_m1_transB_bias") << 1 << 40 << 30 << true << true << "" << false;
    QTest::newRow("gemm_m3_noTransB_relu") << 3 << 20 << 10 << false << true << "Relu" << false;
    QTest::newRow("gemm_m3_noBias_perChannel") << 3 << 50 << 35 << true << false << "" << true;
    QTest::newRow("gemm_m1_large") << 1 << 600 << 300 << true << true << "Relu" << true;
    QTest::newRow("matmul_m3") << 3 << 40 << 24 << false << false << "matmul" << false;
    QTest::newRow("matmul_m40") << 40 << 64 << 50 << false << false << "matmul" << false;
  }

  void matrixMatchesInterpreter() {
    QFETCH(int, m);
    QFETCH(int, k);
    QFETCH(int, n);
    QFETCH(bool, transB);
    QFETCH(bool, bias);
    QFETCH(QString, act);
    QFETCH(bool, perChannel);
    testing::GraphBuilder b("matrix", 3);
    const std::string x = b.input("x", {m, k});
    if (act == "matmul") {
      b.node("MatMul", "g", {x, b.weight("w", {k, n}, -0.5f, 0.5f)});
    } else {
      std::vector<std::string> in = {x, b.weight("w", transB ? Shape{n, k} : Shape{k, n}, -0.5f, 0.5f)};
      if (bias) in.push_back(b.weight("b", {n}));
      Attributes a = attrs({{"transB", int64_t{transB ? 1 : 0}}});
      if (act == "Relu") a.set("activation", std::string("Relu"));
      b.node("Gemm", "g", in, a);
    }
    const Graph q = quantized(b.done({"g"}), QuantSchema::SymmetricPower2, perChannel);
    const NpuRun r = runNode(q, "g");
    QVERIFY2(r.diff.empty(), r.diff.c_str());
    QCOMPARE(r.program.macs, int64_t{m} * k * n);
    qInfo("%s", r.program.plan.c_str());
  }

  void addMatchesInterpreter_data() {
    QTest::addColumn<bool>("relu");
    QTest::addColumn<float>("range2");
    QTest::newRow("add") << false << 0.05f;
    QTest::newRow("add_relu") << true << 0.05f;
    QTest::newRow("add_same_scales") << false << 1.0f;
  }

  void addMatchesInterpreter() {
    QFETCH(bool, relu);
    QFETCH(float, range2);
    testing::GraphBuilder b("add", 4);
    const std::string x = b.input("x", {2, 20, 9, 9});
    b.node("Conv", "c1", {x, b.weight("w1", {24, 20, 1, 1}, -1, 1)}, conv(1, 0, 1));
    b.node("Conv", "c2", {x, b.weight("w2", {24, 20, 1, 1}, -range2, range2)}, conv(1, 0, 1));
    b.node("Add", "s", {"c1", "c2"}, relu ? attrs({{"activation", std::string("Relu")}}) : Attributes{});
    const Graph q = quantized(b.done({"s"}), QuantSchema::SymmetricPower2, false);
    const Node& add = nodeNamed(q, "s");
    const float sa = q.typeOf(add.inputs[0]).quant->scales[0], sb = q.typeOf(add.inputs[1]).quant->scales[0];
    QCOMPARE(sa != sb, range2 != 1.0f);
    const NpuRun r = runNode(q, "s");
    QVERIFY2(r.diff.empty(), r.diff.c_str());
    qInfo("add scales %g %g: %s", sa, sb, r.program.plan.c_str());
  }

  void unsupportedReasons() {
    const vta::HwConfig config;
    testing::GraphBuilder b("mixed", 5);
    const std::string x = b.input("x", {1, 16, 8, 8});
    b.node("Conv", "dw", {x, b.weight("w1", {16, 1, 3, 3})}, conv(3, 1, 1, nullptr, 16));
    b.node("Conv", "grouped", {"dw", b.weight("w2", {16, 8, 3, 3})}, conv(3, 1, 1, nullptr, 2));
    b.node("MaxPool", "pool", {"grouped"}, attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
    b.node("Flatten", "flat", {"pool"});
    b.node("Gemm", "fc", {"flat", b.weight("w3", {10, 256}), b.weight("b3", {10})}, attrs({{"transB", int64_t{1}}}));
    b.node("Softmax", "prob", {"fc"});
    const Graph g = b.done({"prob"});
    const Graph p2 = quantized(g, QuantSchema::SymmetricPower2, false);
    QCOMPARE(npu::unsupportedReason(p2, nodeNamed(p2, "dw"), config),
             std::string("depthwise convolution (group 16) is not supported (only group 1)"));
    QCOMPARE(npu::unsupportedReason(p2, nodeNamed(p2, "grouped"), config),
             std::string("grouped convolution (group 2) is not supported (only group 1)"));
    QCOMPARE(npu::unsupportedReason(p2, nodeNamed(p2, "pool"), config),
             std::string("MaxPool does not run on the NPU (only Conv, Gemm, MatMul and Add)"));
    QCOMPARE(npu::unsupportedReason(p2, nodeNamed(p2, "prob"), config),
             std::string("Softmax does not run on the NPU (only Conv, Gemm, MatMul and Add)"));
    QCOMPARE(npu::unsupportedReason(p2, nodeNamed(p2, "fc"), config), std::string());
    QCOMPARE(npu::unsupportedReason(g, nodeNamed(g, "fc"), config),
             std::string("a float Gemm does not run on the NPU (quantize the model first, e.g. --schema symmetric_power2)"));

    const Graph sym = quantized(g, QuantSchema::Symmetric, false);
    const std::string factor = npu::unsupportedReason(sym, nodeNamed(sym, "fc"), config);
    QVERIFY2(factor.rfind("requantization factor 0.", 0) == 0, factor.c_str());
    QVERIFY2(factor.find(" is not a power of two (quantize with --schema symmetric_power2)") != std::string::npos, factor.c_str());

    const Graph asym = quantized(g, QuantSchema::Asymmetric, false);
    const std::string zp = npu::unsupportedReason(asym, nodeNamed(asym, "fc"), config);
    QVERIFY2(zp.rfind("A has zero point ", 0) == 0, zp.c_str());
    QVERIFY2(zp.find(": the NPU needs zero points 0 (a symmetric schema)") != std::string::npos, zp.c_str());
    bool threw = false;
    try {
      npu::NodeBuffers buffers;
      buffers.inputs = {0};
      npu::lowerNode(asym, nodeNamed(asym, "fc"), config, buffers);
    } catch (const Error& e) {
      threw = e.kind() == ErrorKind::Unsupported && std::string(e.what()) == zp;
    }
    QVERIFY(threw);
  }

  // Every tiling candidate (sizes, edges, ci splits, both loop orders) is bit-exact, on the
  // default configuration and on small buffers / BATCH 2 / BLOCK 8 ones.
  void everyCandidateMatches_data() {
    QTest::addColumn<QString>("config");
    QTest::addColumn<QString>("node");
    for (const char* config : {"", "LOG_INP_BUFF_SIZE=11;LOG_WGT_BUFF_SIZE=13;LOG_ACC_BUFF_SIZE=12", "LOG_BATCH=1", "LOG_BLOCK=3;LOG_INP_BUFF_SIZE=14;LOG_WGT_BUFF_SIZE=16;LOG_ACC_BUFF_SIZE=15"})
      for (const char* node : {"conv", "gemm", "add"})
        QTest::newRow((std::string(node) + " " + (*config ? config : "default")).c_str()) << QString(config) << QString(node);
  }

  void everyCandidateMatches() {
    QFETCH(QString, config);
    QFETCH(QString, node);
    const vta::HwConfig hw = vta::hwConfigFromString(config.toStdString());
    testing::GraphBuilder b("candidates", 9);
    const std::string x = b.input("x", {3, 40, 11, 9});
    b.node("Conv", "conv", {x, b.weight("w", {36, 40, 3, 3}, -0.2f, 0.2f), b.weight("b", {36})}, conv(3, 1, 1));
    b.node("Conv", "conv2", {x, b.weight("w2", {36, 40, 3, 3}, -0.02f, 0.02f)}, conv(3, 1, 1, "Relu"));
    b.node("Add", "add", {"conv", "conv2"});
    b.node("Flatten", "flat", {"add"});
    b.node("Gemm", "gemm", {"flat", b.weight("w3", {37, 3564}, -0.05f, 0.05f), b.weight("b3", {37})}, attrs({{"transB", int64_t{1}}}));
    const Graph q = quantized(b.done({"gemm"}), QuantSchema::SymmetricPower2, true);
    const std::map<std::string, Tensor> values = allValues(q, testing::randomInputs(q, 99));
    const std::string name = node.toStdString();
    const size_t count = npu::candidateCount(q, nodeNamed(q, name), hw);
    QVERIFY(count >= (name == "add" ? 3u : 10u));
    // A spread of the candidates (about 24 on the default configuration, 10 elsewhere: test time).
    const size_t step = std::max<size_t>(1, count / (config.isEmpty() ? 24 : 10));
    std::set<std::string> plans;
    QElapsedTimer timer;
    timer.start();
    for (size_t c = 0; c < count; c += step) {
      const NpuRun r = runNode(q, name, hw, c, &values);
      QVERIFY2(r.diff.empty(), (r.program.plan + ": " + r.diff).c_str());
      plans.insert(r.program.plan);
    }
    qInfo("%zu candidates, %zu distinct plans run in %lld ms", count, plans.size(), static_cast<long long>(timer.elapsed()));
  }

  // The cost model's choice for a fixed small conv, pinned (plan and cycles).
  void costModelChoicePinned() {
    const vta::HwConfig config;
    const npu::NodeProgram p = lowerAlone(handConv(32, 48, 20, 3, 1, 1), config);
    QCOMPARE(QString::fromStdString(p.plan), QString("tile 20x2 out x 1 co-blocks x 1 ci-blocks, weights-outer, 2 threads"));
    QCOMPARE(p.estimate.cycles, uint64_t{27997});
    QCOMPARE(p.macs, int64_t{32} * 48 * 20 * 20 * 9);
  }

  // The 53 convolutions of ResNet-50 (224x224) lowered: compile time and the modelled figures.
  void resnet50ConvsLower() {
    const vta::HwConfig config;
    struct Layer {
      int64_t ci, co, size, k, stride;
    };
    std::vector<Layer> layers = {{3, 64, 224, 7, 2}};
    int64_t in = 64, size = 56;
    for (auto [blocks, mid, out, stride] : std::vector<std::array<int64_t, 4>>{{3, 64, 256, 1}, {4, 128, 512, 2}, {6, 256, 1024, 2}, {3, 512, 2048, 2}}) {
      for (int64_t blk = 0; blk < blocks; ++blk) {
        const int64_t s = blk == 0 ? stride : 1;
        layers.push_back({in, mid, size, 1, 1});
        layers.push_back({mid, mid, size, 3, s});
        const int64_t outSize = (size + 2 - 3) / s + 1;
        layers.push_back({mid, out, outSize, 1, 1});
        if (blk == 0) layers.push_back({in, out, size, 1, s});
        in = out;
        size = outSize;
      }
    }
    QCOMPARE(layers.size(), size_t{53});
    QElapsedTimer timer;
    timer.start();
    vta::RunStats total;
    int64_t macs = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
      const Layer& l = layers[i];
      const npu::NodeProgram p = lowerAlone(handConv(l.ci, l.co, l.size, l.k, l.stride, static_cast<unsigned>(i)), config);
      total += p.estimate;
      macs += p.macs;
    }
    qInfo("ResNet-50 convs: compiled in %lld ms, %llu cycles (%.2f ms at %g MHz), utilization %.1f%%",
          static_cast<long long>(timer.elapsed()), static_cast<unsigned long long>(total.cycles), total.milliseconds(config),
          config.clockMhz, 100.0 * static_cast<double>(macs) / static_cast<double>(total.cycles * config.macsPerCycle()));
    QCOMPARE(macs, int64_t{4087136256});  // 4.09 GMACs without the classifier
  }

  // Benchmark figure (printed, not asserted): one 3x3 64->64 conv on 56x56, run on the simulator.
  void utilizationOf64x64Conv() {
    const ConvCase c{"bench", {1, 64, 56, 56}, 64, 3, 1, 1, "Relu", false, true};
    const Graph q = quantized(convGraph(c), QuantSchema::SymmetricPower2, false);
    const NpuRun r = runNode(q, "c");
    QVERIFY2(r.diff.empty(), r.diff.c_str());
    qInfo("3x3 64->64 56x56: %s: %llu cycles, utilization %.1f%% (true MACs %.1f%%)", r.program.plan.c_str(),
          static_cast<unsigned long long>(r.stats.cycles), 100 * r.stats.utilization(vta::HwConfig{}),
          100.0 * static_cast<double>(r.program.macs) / static_cast<double>(r.stats.cycles * 256));
    // How far the timed top candidates are from the best of all candidates (printed).
    const Graph hand = handConv(64, 64, 56, 3, 1, 3);
    const vta::HwConfig config;
    const size_t count = npu::candidateCount(hand, hand.nodes[0], config);
    uint64_t best = UINT64_MAX;
    std::string bestPlan;
    for (size_t c = 0; c < count; ++c) {
      const npu::NodeProgram p = lowerAlone(hand, config, c);
      if (p.estimate.cycles < best) {
        best = p.estimate.cycles;
        bestPlan = p.plan;
      }
    }
    const npu::NodeProgram chosen = lowerAlone(hand, config);
    qInfo("cost model: chose %llu cycles (%s); best of all %zu candidates %llu cycles (%s)",
          static_cast<unsigned long long>(chosen.estimate.cycles), chosen.plan.c_str(), count, static_cast<unsigned long long>(best),
          bestPlan.c_str());
  }

 private:
  static const std::vector<ConvCase>& convCases() {
    static const std::vector<ConvCase> cases = {
        {"k3_s1_p1_c20_relu", {1, 20, 9, 11}, 40, 3, 1, 1, "Relu", false, true},
        {"k3_s2_p1_c16_to_20", {1, 16, 13, 10}, 20, 3, 1, 2, nullptr, false, true},
        {"k1_p0_c3", {1, 3, 8, 8}, 16, 1, 0, 1, "Relu", false, true},
        {"k5_p2_nobias", {1, 8, 12, 12}, 24, 5, 2, 1, nullptr, false, false},
        {"k7_s2_p3_stem", {1, 3, 32, 30}, 16, 7, 3, 2, "Relu", false, true},
        {"k3_p3_padding_only_borders", {1, 8, 6, 6}, 16, 3, 3, 1, nullptr, false, true},
        {"batch2_per_channel", {2, 20, 7, 7}, 40, 3, 1, 1, "Relu", true, true},
        {"per_channel_no_relu", {1, 40, 10, 10}, 36, 3, 1, 1, nullptr, true, true},
        {"k1_s2_p0", {1, 32, 14, 14}, 48, 1, 0, 2, nullptr, false, true},
        {"c64_to_96_56x56", {1, 64, 56, 56}, 96, 3, 1, 1, "Relu", false, true},
        {"c256_to_256_weights_split", {1, 256, 14, 14}, 256, 3, 1, 1, nullptr, true, true},
    };
    return cases;
  }
};

QTEST_GUILESS_MAIN(NpuLoweringTest)
#include "test_npu_lowering.moc"
