// Int8 on the CPU backend (docs/cpu-runtime.md, "Int8"): every integer kernel against the
// interpreter's integer kernel on varied shapes (grouped / depthwise / strided / dilated convs,
// Gemm both ways, MatMul (2-D and batched), the lookup-table activations, Add and Mul with and without broadcasting
// (tables over runs of a broadcast operand included), pools, Concat, Clip,
// Transpose, Flatten) under three quantization settings (i8 asymmetric per channel, u8
// symmetric, i8 symmetric per tensor), bit for bit, with the runtime's SIMD path and its portable
// path (-DNEST_NO_SIMD) and its AVX2 path (-mno-avx512f); quantized mnist-8 (profiled on 500 MNIST images) and the seed models
// ResNet-18, SqueezeNet and MobileNetV2 (per channel) compiled and run with outputs identical to
// the interpreter's, on 1, 2 and 4 threads; nestc compile / run with --profile; unsupported quantized
// forms named before code generation.
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <filesystem>
#include <random>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_runner.h"
#include "backends/interpreter/interpreter.h"
#include "backends/profiler.h"
#include "core/idx_file.h"
#include "core/model_loader.h"
#include "core/verifier.h"
#include "passes/pass_manager.h"
#include "passes/quantization/quantize.h"
#include "passes/rewrite.h"
#include "tests/test_support.h"

using namespace nest;

namespace {

using testing::attrs;
using testing::mnistImage;

Attributes conv(Ints kernel, Ints pads = {0, 0, 0, 0}, Ints strides = {1, 1}, int64_t group = 1, Ints dil = {1, 1},
                const char* act = nullptr) {
  Attributes a = attrs({{"kernel_shape", kernel}, {"pads", pads}, {"strides", strides}, {"group", group}, {"dilations", dil}});
  if (act) a.set("activation", std::string(act));
  return a;
}

std::vector<Graph> kernelGraphs() {
  std::vector<Graph> out;
  {  // odd channel counts (C=3 -> one partial group of four, M=5 < one 8-channel tile), fused Relu
    testing::GraphBuilder b("conv_small", 5);
    b.node("Conv", "c", {b.input("x", {1, 3, 9, 11}), b.weight("w", {5, 3, 3, 3}), b.weight("b", {5})},
           conv({3, 3}, {1, 1, 1, 1}, {1, 1}, 1, {1, 1}, "Relu"));
    out.push_back(b.done({"c"}));
  }
  {  // strided with asymmetric pads, no bias, 20 channels (two tiles + 4), pixels not a multiple of 16
    testing::GraphBuilder b("conv_strided", 5);
    b.node("Conv", "c", {b.input("x", {1, 16, 13, 10}), b.weight("w", {20, 16, 3, 3}, -0.3f, 0.3f)},
           conv({3, 3}, {1, 0, 2, 1}, {2, 2}));
    out.push_back(b.done({"c"}));
  }
  {  // grouped and dilated
    testing::GraphBuilder b("conv_grouped", 5);
    b.node("Conv", "c", {b.input("x", {1, 8, 12, 12}), b.weight("w", {12, 4, 3, 3}), b.weight("b", {12})},
           conv({3, 3}, {2, 2, 2, 2}, {1, 1}, 2, {2, 2}));
    out.push_back(b.done({"c"}));
  }
  {  // depthwise, then pointwise on a batch of two
    testing::GraphBuilder b("conv_depthwise", 5);
    b.node("Conv", "dw", {b.input("x", {2, 16, 10, 10}), b.weight("w", {16, 1, 3, 3}), b.weight("b", {16})},
           conv({3, 3}, {1, 1, 1, 1}, {1, 1}, 16, {1, 1}, "Relu"));
    b.node("Conv", "pw", {"dw", b.weight("w2", {40, 16, 1, 1}, -0.4f, 0.4f), b.weight("b2", {40})}, conv({1, 1}));
    out.push_back(b.done({"pw"}));
  }
  {  // rows over 64 pixels (several vector chunks): depthwise 3x3 stride 2 with pads and 5x5 stride 1
     // (MobileNet / EfficientNet), MaxPool 3x3 stride 1 pad 1 (GoogLeNet's branch) and 3x3 stride 2 ceil mode
    testing::GraphBuilder b("wide_rows", 5);
    b.node("Conv", "dw2", {b.input("x", {1, 6, 9, 150}), b.weight("w", {6, 1, 3, 3}), b.weight("b", {6})},
           conv({3, 3}, {1, 1, 0, 1}, {2, 2}, 6, {1, 1}, "Relu"));
    b.node("Conv", "dw5", {"dw2", b.weight("w5", {6, 1, 5, 5}), b.weight("b5", {6})}, conv({5, 5}, {2, 2, 2, 2}, {1, 1}, 6));
    b.node("MaxPool", "mp1", {"dw5"}, attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{1, 1}}, {"pads", Ints{1, 1, 1, 1}}}));
    b.node("MaxPool", "mp2", {"mp1"}, attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t(1)}}));
    out.push_back(b.done({"mp2"}));
  }
  {  // a ResNet stem: 7x7 stride 2, then MaxPool 3x3 stride 2 pad 1
    testing::GraphBuilder b("stem", 5);
    b.node("Conv", "c", {b.input("x", {1, 3, 32, 30}), b.weight("w", {16, 3, 7, 7}, -0.2f, 0.2f), b.weight("b", {16})},
           conv({7, 7}, {3, 3, 3, 3}, {2, 2}, 1, {1, 1}, "Relu"));
    b.node("MaxPool", "p", {"c"}, attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}));
    out.push_back(b.done({"p"}));
  }
  {  // Gemm transB and not, MatMul
    testing::GraphBuilder b("gemm", 5);
    b.node("Gemm", "g1", {b.input("x", {3, 50}), b.weight("w", {20, 50}, -0.3f, 0.3f), b.weight("b", {20})},
           attrs({{"transB", int64_t(1)}}));
    b.node("Gemm", "g2", {"g1", b.weight("w2", {20, 7}), b.weight("b2", {7})});
    b.node("MatMul", "mm", {"g2", b.weight("w3", {7, 5})});
    out.push_back(b.done({"mm"}));
  }
  {  // Add / Mul, same shape and broadcast; Relu, Clip
    testing::GraphBuilder b("binary", 5);
    const std::string x = b.input("x", {1, 4, 5, 6}), y = b.input("y", {1, 4, 5, 6}), z = b.input("z", {1, 4, 1, 1});
    b.node("Add", "s", {x, y});
    b.node("Add", "t", {"s", z});
    b.node("Mul", "m", {"t", y});
    b.node("Mul", "n", {"m", z});
    b.node("Relu", "r", {"n"});
    b.node("Clip", "cl", {"t"}, attrs({{"min", -0.5f}, {"max", 0.75f}}));
    out.push_back(b.done({"r", "cl"}));
  }
  {  // Add / Mul with an operand that stays the same over runs of 1,280 elements (a table per run):
     // scalar constants on either side (PP-OCR's learnable affine x * s + b) and a per-channel gate
    testing::GraphBuilder b("binary_runs", 5);
    const std::string x = b.input("x", {1, 3, 16, 80}), gate = b.input("g", {1, 3, 1, 1});
    b.node("Mul", "s", {x, b.weight("k", {1}, 0.5f, 1.5f)});
    b.node("Add", "t", {b.weight("c", {1}, -0.8f, 0.8f), "s"});
    b.node("Mul", "u", {gate, "t"});
    b.node("Add", "v", {"u", gate});
    b.node("Add", "w", {"v", b.input("row", {80})});  // a row repeated along the leading dimensions (a bias)
    // a per-channel gate over planes of 40 (vector runs, too short for a table)
    b.node("Mul", "sg", {b.input("small", {1, 3, 5, 8}), gate});
    out.push_back(b.done({"w", "sg"}));
  }
  {  // pools, Concat, Transpose, Flatten, Gemm
    testing::GraphBuilder b("pools", 5);
    const std::string x = b.input("x", {1, 4, 11, 9});
    b.node("Conv", "c", {x, b.weight("w", {6, 4, 1, 1}), b.weight("b", {6})}, conv({1, 1}));
    b.node("MaxPool", "mp", {"c"}, attrs({{"kernel_shape", Ints{2, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{0, 1, 1, 1}}}));
    b.node("AveragePool", "ap0", {"c"}, attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}));
    b.node("AveragePool", "ap1", {"c"},
           attrs({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}, {"count_include_pad", int64_t(1)}}));
    b.node("Concat", "cat", {"mp", "ap0", "ap1"}, attrs({{"axis", int64_t(1)}}));
    b.node("GlobalAveragePool", "gap", {"cat"});
    b.node("Transpose", "tr", {"cat"}, attrs({{"perm", Ints{0, 2, 3, 1}}}));
    b.node("Flatten", "fl", {"tr"}, attrs({{"axis", int64_t(1)}}));
    b.node("Gemm", "fc", {"fl", b.weight("wf", {3, 540}, -0.1f, 0.1f)}, attrs({{"transB", int64_t(1)}}));
    out.push_back(b.done({"fc", "gap"}));
  }
  {  // lookup-table activations: a Conv's fused HardSwish (split by the quantizer), HardSigmoid,
     // Sigmoid, Tanh, HardSwish, Swish, Gelu (qlut)
    testing::GraphBuilder b("lut", 5);
    b.node("Conv", "c", {b.input("x", {1, 4, 6, 7}), b.weight("w", {6, 4, 3, 3}, -0.4f, 0.4f), b.weight("b", {6})},
           conv({3, 3}, {1, 1, 1, 1}, {1, 1}, 1, {1, 1}, "HardSwish"));
    b.node("HardSigmoid", "hg", {"c"}, attrs({{"alpha", 0.2f}, {"beta", 0.5f}}));
    b.node("Sigmoid", "sg", {"c"});
    b.node("Tanh", "th", {"c"});
    b.node("HardSwish", "hs", {"th"});
    b.node("Mul", "gate", {"c", "hg"});
    b.node("Swish", "sw", {"sg"}, attrs({{"alpha", 1.5f}}));
    b.node("Gelu", "ge", {"th"}, attrs({{"approximate", std::string("tanh")}}));
    out.push_back(b.done({"gate", "sg", "hs", "sw", "ge"}));
  }
  {  // the packed gemm (nest_rt_q8_gemm.c): a transformer's linear layer (MatMul of [2, 13, 70] by a
     // constant B, bias Add) and a Gemm; full 6-row tiles and leftover rows, K not a multiple of 4,
     // column groups of 64 with a partial last one
    testing::GraphBuilder b("linear_packed", 5);
    b.node("MatMul", "mm", {b.input("x", {2, 13, 70}), b.weight("w", {70, 150}, -0.3f, 0.3f)});
    b.node("Add", "bias", {"mm", b.weight("b", {150})});
    b.node("Gemm", "fc", {b.input("y", {9, 130}), b.weight("w2", {70, 130}, -0.2f, 0.2f), b.weight("b2", {70})},
           attrs({{"transB", int64_t(1)}}));
    out.push_back(b.done({"bias", "fc"}));
  }
  {  // batched MatMul: both operands batched (attention scores), and a shared 2-D B
    testing::GraphBuilder b("matmul_batched", 5);
    b.node("MatMul", "qk", {b.input("q", {1, 2, 5, 6}), b.input("k", {1, 2, 6, 3})});
    b.node("MatMul", "fc", {b.input("t", {2, 5, 6}), b.weight("w", {6, 4})});
    out.push_back(b.done({"qk", "fc"}));
  }
  return out;
}

struct Setting {
  const char* name;
  QuantConfig config;
};

std::vector<Setting> settings() {
  std::vector<Setting> s(3);
  s[0].name = "i8 asymmetric per channel";
  s[0].config.perChannel = true;
  s[1].name = "u8 symmetric_uint8";
  s[1].config.defaults.schema = QuantSchema::SymmetricUInt8;
  s[2].name = "i8 symmetric per tensor";
  s[2].config.defaults.schema = QuantSchema::Symmetric;
  return s;
}

Graph quantized(const Graph& g, const QuantProfile& profile, const QuantConfig& config) {
  Graph q = g;
  quantizeGraph(q, profile, config, "test profile");
  verifyGraph(q);
  return q;
}

int integerNodes(const Graph& g) {
  int n = 0;
  for (const Node& node : g.nodes)
    if (node.op != "Quantize" && node.op != "Dequantize" && g.typeOf(node.outputs[0]).quant) ++n;
  return n;
}

// "" when every output of the CPU run equals the interpreter's bit for bit, on 1 thread and on 2
// and 4, else the first difference.
std::string compareExact(const Graph& q, const std::vector<Tensor>& inputs) {
  std::vector<Tensor> want = Interpreter(q).run(inputs);
  std::vector<Tensor> got = cpu::runOnCpu(q, inputs);
  if (want.size() != got.size()) return "output count differs";
  for (int threads : {2, 4}) {
    std::vector<Tensor> other = cpu::runOnCpu(q, inputs, threads);
    for (size_t k = 0; k < got.size(); ++k)
      if (!other.at(k).sameBytes(got[k])) return "output " + std::to_string(k) + " on " + std::to_string(threads) + " threads differs";
  }
  for (size_t k = 0; k < want.size(); ++k) {
    if (want[k].type() != got[k].type()) return "output " + std::to_string(k) + ": type " + typeToString(got[k].type());
    if (want[k].byteSize() != got[k].byteSize()) return "output size differs";
    const auto* a = static_cast<const uint8_t*>(want[k].raw());
    const auto* b = static_cast<const uint8_t*>(got[k].raw());
    for (size_t i = 0; i < want[k].byteSize(); ++i)
      if (a[i] != b[i]) {
        const int64_t e = static_cast<int64_t>(i / elemSize(want[k].elem()));
        return "output " + q.outputs[k] + " element " + std::to_string(e) + ": interpreter " +
               std::to_string(want[k].getDouble(e)) + ", cpu " + std::to_string(got[k].getDouble(e));
      }
  }
  return "";
}

void checkKernels() {
  int cases = 0;
  for (const Graph& g0 : kernelGraphs()) {
    Profiler profiler(g0);
    for (unsigned i = 0; i < 3; ++i) profiler.run(testing::randomInputs(g0, 40 + i));
    const QuantProfile profile = profiler.profile();
    for (const Setting& s : settings()) {
      Graph q = quantized(g0, profile, s.config);
      QVERIFY2(integerNodes(q) >= 1, g0.name.c_str());
      for (unsigned seed = 0; seed < 2; ++seed) {
        const std::string diff = compareExact(q, testing::randomInputs(g0, 70 + seed));
        QVERIFY2(diff.empty(), (g0.name + ", " + s.name + ": " + diff).c_str());
      }
      ++cases;
    }
  }
  QCOMPARE(cases, 39);
}


}  // namespace

class TestCpuInt8 : public QObject {
  Q_OBJECT

 private slots:
  void kernelsMatchInterpreter() { checkKernels(); }

  // The same checks in a child process whose bundles are compiled for another runtime path (the
  // runner builds its runtime objects once per process, so the compiler must be set at start):
  // portable C (-DNEST_NO_SIMD) and AVX2 without AVX-512 (-mno-avx512f overrides -march=native).
  void otherPathsMatchInterpreter_data() {
    QTest::addColumn<QString>("flag");
    QTest::newRow("portable") << "-DNEST_NO_SIMD";
    QTest::newRow("avx2") << "-mno-avx512f";
  }

  void otherPathsMatchInterpreter() {
    QFETCH(QString, flag);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("CC", env.value("CC", "cc") + " " + flag);
    QProcess p;
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    // The child runs only these two functions, never this one, so it cannot recurse.
    p.start(QString::fromStdString(std::filesystem::read_symlink("/proc/self/exe").string()),
            {"kernelsMatchInterpreter", "mnistMatchesInterpreter"});
    QVERIFY(p.waitForFinished(600000));
    const QString out = QString::fromUtf8(p.readAll());
    QVERIFY2(p.exitCode() == 0, qPrintable(out));
    QVERIFY2(out.contains("PASS   : TestCpuInt8::kernelsMatchInterpreter()"), qPrintable(out));
    QVERIFY2(out.contains("PASS   : TestCpuInt8::mnistMatchesInterpreter()"), qPrintable(out));
  }

  void mnistMatchesInterpreter() {
    Tensor images = readIdxFile(testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz");
    Graph g = runPipeline(loadModel(testing::testdata() / "models" / "mnist-8" / "model.onnx"), namedPipeline("O1")).result();
    Profiler profiler(g);
    for (int64_t i = 0; i < 500; ++i) profiler.run({mnistImage(images, i)});
    QuantConfig config;
    config.perChannel = true;
    const Graph q = quantized(g, profiler.profile(), config);
    QCOMPARE(integerNodes(q), 6);  // 2 Conv (Relu fused), 2 MaxPool, Reshape, Gemm
    for (int64_t i = 500; i < 600; ++i) {
      const std::string diff = compareExact(q, {mnistImage(images, i)});
      QVERIFY2(diff.empty(), ("image " + std::to_string(i) + ": " + diff).c_str());
    }
  }

  void seedModelsMatchInterpreter_data() {
    QTest::addColumn<QString>("model");
    QTest::newRow("resnet18") << "resnet18";
    QTest::newRow("squeezenet1_1") << "squeezenet1_1";
    QTest::newRow("mobilenet_v2") << "mobilenet_v2";
  }

  void seedModelsMatchInterpreter() {
    QFETCH(QString, model);
    Graph g = runPipeline(loadModel(testing::seedModels() / model.toStdString() / "model.onnx"), namedPipeline("O1")).result();
    Profiler profiler(g);
    for (unsigned i = 0; i < 2; ++i) profiler.run(testing::randomInputs(g, 10 + i));
    QuantConfig config;
    config.perChannel = true;
    const Graph q = quantized(g, profiler.profile(), config);
    QVERIFY(integerNodes(q) > 20);
    const std::string diff = compareExact(q, testing::randomInputs(g, 99));
    QVERIFY2(diff.empty(), diff.c_str());
  }

  // nestc compile --profile writes an int8 bundle; nestc run --backend cpu --profile gives the
  // interpreter's numbers; a missing profile is bad input (exit 2).
  void cliCompilesAndRunsInt8() {
    const QString model = QString::fromStdString((testing::testdata() / "models" / "mnist-8" / "model.onnx").string());
    const QString images = QString::fromStdString((testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz").string());
    QTemporaryDir tmp;
    const QString profile = tmp.filePath("mnist.yaml");
    testing::NestcResult r = testing::runNestc({"profile", model, "--input", images, "--limit", "500", "-o", profile});
    QVERIFY2(r.code == 0, r.all().c_str());
    r = testing::runNestc({"compile", model, "--target", "cpu", "--profile", profile, "--per-channel", "-o", tmp.filePath("bundle")});
    QVERIFY2(r.code == 0, r.all().c_str());
    QVERIFY(QFile::exists(tmp.filePath("bundle/nest_rt_q8_conv.c")));
    QFile source(tmp.filePath("bundle/model.c"));
    QVERIFY(source.open(QIODevice::ReadOnly));
    const QString code = QString::fromUtf8(source.readAll());
    QCOMPARE(code.count("nest_q8_conv2d("), 2);
    QCOMPARE(code.count("nest_q8_gemm_packed("), 1);  // the classifier, its weights packed at compile time
    const QString input =
        QString::fromStdString((testing::testdata() / "models" / "mnist-8" / "test_data_set_0" / "input_0.pb").string());
    for (const char* backend : {"interpreter", "cpu"}) {
      r = testing::runNestc({"run", model, "--backend", backend, "--profile", profile, "--per-channel", "--input", input,
                             "--output-dir", tmp.filePath(backend), "--format", "npy"});
      QVERIFY2(r.code == 0, r.all().c_str());
    }
    QFile a(tmp.filePath("interpreter/output_0.npy")), b(tmp.filePath("cpu/output_0.npy"));
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QCOMPARE(a.readAll(), b.readAll());
    r = testing::runNestc({"compile", model, "--target", "cpu", "--profile", tmp.filePath("missing.yaml"), "-o", tmp.filePath("x")});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.find("missing.yaml") != std::string::npos, r.all().c_str());
  }

  void int16IsReportedUnsupported() {
    Graph g0 = kernelGraphs().at(0);
    Profiler profiler(g0);
    profiler.run(testing::randomInputs(g0, 1));
    QuantConfig config;
    config.defaults.precision = QuantPrecision::Int16;
    const Graph q = quantized(g0, profiler.profile(), config);
    std::vector<UnsupportedNode> bad = cpu::unsupportedNodes(q);
    QCOMPARE(bad.size(), size_t{3});  // Quantize, Conv, Dequantize
    for (const UnsupportedNode& u : bad) QVERIFY2(u.reason.find("int16") != std::string::npos, u.reason.c_str());
    const std::string err = testing::errorOf([&] { cpu::compile(q, cpu::CompileOptions{}); });
    QVERIFY2(err.find("does not support 3 node(s)") != std::string::npos, err.c_str());
  }
};

QTEST_APPLESS_MAIN(TestCpuInt8)
#include "test_cpu_int8.moc"
