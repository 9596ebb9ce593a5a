// The low-level IR and the CPU backend: lowering, in-place execution, views, memory planning and
// the verifier on hand-written graphs; every ONNX conformance test on the CPU backend (outputs
// match their references, unsupported ones exactly as listed in tests/cpu_backend_unsupported.txt);
// mnist-8 and the seven seed models; every conformance test and seed model also on 2 and 4
// threads, with the 1-thread bytes; a bundle built with its own Makefile and run (on 3 threads
// too); the same bundle cross-compiled for aarch64 and run under qemu-user.
#include <QProcess>
#include <QRegularExpression>
#include <dlfcn.h>
#include <malloc.h>

#include <fstream>
#include <map>

#include "driver/driver.h"
#include "backends/cpu/bundle_writer.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_backend_entry.h"
#include "backends/interpreter/interpreter.h"
#include "backends/onnx_test_case.h"
#include "core/model_loader.h"
#include "core/node_keys.h"
#include "core/npy.h"
#include "core/onnx_tensor.h"
#include "passes/lowering/lir_passes.h"
#include "passes/lowering/lower_to_lir.h"
#include "tests/cpu_backend_graphs.h"
#include "tests/onnx_model_builder.h"
#include "tests/test_support.h"

using namespace nest;
namespace fs = std::filesystem;

namespace {

struct ProcessResult {
  int code = -1;
  std::string out;
};

ProcessResult runProcess(const QString& program, const QStringList& args, int timeoutMs = 300000,
                         const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(program, args);
  ProcessResult r;
  if (!p.waitForStarted(30000)) {
    r.out = program.toStdString() + " did not start: " + p.errorString().toStdString();
    return r;
  }
  if (!p.waitForFinished(timeoutMs)) {
    p.kill();
    p.waitForFinished();
    r.out = program.toStdString() + " did not finish in time";
    return r;
  }
  r.out = p.readAll().toStdString();
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  return r;
}

QString q(const fs::path& p) { return QString::fromStdString(p.string()); }

lir::LirPipelineRun lowerAndPlan(const Graph& g) {
  return lir::runLirPipeline(lowerToLir(g), lir::defaultLirPipeline(cpu::targetPasses()));
}

// A fresh temporary folder for a bundle.
// Threads of this process (entries of /proc/self/task).
int threadCount() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/task")) ++n;
  return n;
}

fs::path tempDir(const std::string& stem) {
  fs::path d = fs::temp_directory_path() / ("nest-test-cpu-" + stem + "-" + std::to_string(QCoreApplication::applicationPid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Compiles mnist-8 into `dir` with the CPU backend and writes the bundle.
void writeMnistBundle(const fs::path& dir) {
  Graph g = loadModel(testing::testdata() / "models" / "mnist-8" / "model.onnx");
  cpu::CompileOptions opts;
  opts.name = "mnist";
  cpu::writeBundle(cpu::compile(runPipeline(g, namedPipeline("O1")).result(), opts), dir);
}

// The CPU backend after the -O1 pipeline, like driver::graphRunner("cpu", "O1"), that also runs
// every graph on 2 and 4 threads and throws unless their outputs are the 1-thread bytes.
GraphRunner cpuRunnerSameOnAnyThreads() {
  return [](const Graph& g, const std::vector<Tensor>& inputs) {
    Graph keyed = g;
    assignStableKeys(keyed);
    const driver::Compiled c = driver::compileGraph(runPipeline(keyed, namedPipeline("O1")).result(), "cpu", CompileRequest{});
    std::vector<Tensor> one = driver::run(c, inputs, nullptr, 1);
    for (int threads : {2, 4}) {
      std::vector<Tensor> other = driver::run(c, inputs, nullptr, threads);
      for (size_t k = 0; k < one.size(); ++k)
        if (!other.at(k).sameBytes(one[k]))
          failInternal("output " + std::to_string(k) + " on " + std::to_string(threads) + " threads differs from 1 thread");
    }
    return one;
  };
}

// Runs DIR/run (through `launcher` when given) on mnist-8's first data set and checks the output
// against the reference and the --repeat line.
void checkMnistRun(const fs::path& dir, const QStringList& launcher) {
  const fs::path data = testing::testdata() / "models" / "mnist-8" / "test_data_set_0";
  // The input by name, as .npy (the other form, positional .pb, is covered by --input order below).
  const fs::path npyInput = dir / "input.npy";
  writeNpy(readTensorPb(data / "input_0.pb"), npyInput);
  const fs::path out = dir / "out";
  QStringList args = launcher;
  args << q(dir / "run") << "--input" << q(fs::path("Input3=" + npyInput.string())) << "--output-dir" << q(out)
       << "--repeat" << "3";
  const QString program = args.takeFirst();
  ProcessResult r = runProcess(program, args);
  NEST_VERIFY(r.code == 0, "run failed: " + r.out);
  QString text = QString::fromStdString(r.out).trimmed();
  QString last = text.section('\n', -1);
  NEST_VERIFY(QRegularExpression("^latency_ms median=[0-9.]+ min=[0-9.]+ runs=3$").match(last).hasMatch(),
              "last line: " + last.toStdString());
  Tensor expected = readTensorPb(data / "output_0.pb");
  Tensor got = readNpy(out / "output_0.npy");
  std::optional<std::string> diff = compareTensors(expected, got);
  NEST_VERIFY(!diff, "bundle output differs from the reference: " + diff.value_or(""));
  // Positional .pb input gives the same bytes, on 3 threads too.
  QStringList args2 = launcher;
  args2 << q(dir / "run") << "--input" << q(data / "input_0.pb") << "--output-dir" << q(dir / "out2") << "--threads" << "3";
  const QString program2 = args2.takeFirst();
  ProcessResult r2 = runProcess(program2, args2);
  NEST_VERIFY(r2.code == 0, "run with a .pb input failed: " + r2.out);
  QVERIFY(readNpy(dir / "out2" / "output_0.npy").sameBytes(got));
  // A wrong input shape is refused with exit code 2 and a message naming the input.
  Tensor wrong(TensorType(ElemType::F32, {1, 28, 28}));
  writeNpy(wrong, dir / "wrong.npy");
  QStringList args3 = launcher;
  args3 << q(dir / "run") << "--input" << q(dir / "wrong.npy");
  const QString program3 = args3.takeFirst();
  ProcessResult r3 = runProcess(program3, args3);
  QCOMPARE(r3.code, 2);
  NEST_VERIFY(r3.out.find("Input3") != std::string::npos, r3.out);
}

}  // namespace

class CpuBackendTest : public QObject {
  Q_OBJECT

 private slots:
  // fuse-residual folds both forms of a shortcut Add into the conv before it: the Add in place into
  // the conv's result (ResNet's blocks, here with the Add's Relu) and in place into the shortcut
  // (MobileNetV2's), and the bundle's results equal the interpreter's.
  void fusesResidualAddsIntoConvs() {
    testing::GraphBuilder b("residual", 9);
    const std::string x = b.input("x", {1, 8, 10, 10});
    Attributes pad1 = testing::attrs({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}});
    // weights of the scale a trained conv has (|w| <= 0.3): float sums stay within the tolerance
    b.node("Conv", "a", {x, b.weight("w1", {8, 8, 3, 3}, -0.3f, 0.3f), b.weight("b1", {8})}, pad1);
    b.node("Conv", "c", {"a", b.weight("w2", {8, 8, 3, 3}, -0.3f, 0.3f), b.weight("b2", {8})}, pad1);
    Attributes relu = testing::attrs({{"activation", std::string("Relu")}});
    b.node("Add", "s", {"c", "a"}, relu);  // in place into c
    b.node("Conv", "d", {"s", b.weight("w3", {8, 8, 1, 1}, -0.3f, 0.3f)}, testing::attrs({{"kernel_shape", Ints{1, 1}}}));
    b.node("Add", "t", {"s", "d"});  // in place into s, the shortcut
    b.node("Tanh", "u", {"t"});
    Graph g = b.done({"u"});
    lir::LirPipelineRun run = lowerAndPlan(g);
    std::vector<std::string> kernels;
    int fused = 0;
    for (const lir::Instr& in : run.result.instrs) {
      if (in.isMemoryOp()) continue;
      kernels.push_back(in.kernel);
      if (in.params.getInt("residual", 0)) {
        ++fused;
        QCOMPARE(in.inputs.size(), size_t{4});
      }
    }
    QCOMPARE(kernels, (std::vector<std::string>{"conv2d", "conv2d", "conv2d", "unary"}));
    QCOMPARE(fused, 2);
    const std::string dump = printFunction(run.result);
    NEST_VERIFY(dump.find("activation=\"Relu\"") != std::string::npos && dump.find("residual=1") != std::string::npos, dump);
    std::vector<Tensor> inputs = testing::randomInputs(g, 3);
    std::vector<Tensor> want = Interpreter(g).run(inputs);
    std::vector<Tensor> got = driver::graphRunner("cpu", "O0")(g, inputs);
    std::optional<std::string> diff = compareTensors(want[0], got[0], Tolerance{1e-5, 1e-6});
    NEST_VERIFY(!diff, diff.value_or(""));
  }

  // Relu and Sigmoid overwrite their dying inputs; Flatten is an alias without an instruction.
  void lowersWithViewsAndInPlace() {
    Graph g = testing::graphFromText(kInplaceGraph);
    lir::LirPipelineRun run = lowerAndPlan(g);
    const lir::Function& f = run.result;
    std::vector<std::string> kernels;
    for (const lir::Instr& in : f.instrs)
      if (!in.isMemoryOp()) kernels.push_back(in.kernel);
    QCOMPARE(kernels, (std::vector<std::string>{"conv2d", "unary", "unary", "unary"}));
    auto bufferNamed = [&](const std::string& name) {
      for (const lir::Buffer& b : f.buffers)
        if (b.name == name) return b.id;
      return lir::BufferId{-1};
    };
    const lir::BufferId c = bufferNamed("c"), r = bufferNamed("r"), s = bufferNamed("s"), fl = bufferNamed("f");
    QVERIFY(c >= 0 && r >= 0 && s >= 0 && fl >= 0);
    QVERIFY(!f.buffer(c).isAlias());
    QCOMPARE(f.root(r), c);   // in place
    QCOMPARE(f.root(s), c);   // in place
    QCOMPARE(f.root(fl), c);  // view
    QCOMPARE(f.buffer(f.outputs[0]).kind, lir::BufferKind::Output);
    // The dump shows aliases, placement and per-pass records.
    const std::string dump = printFunction(f);
    NEST_VERIFY(dump.find("\"f\" alias %") != std::string::npos, dump);
    NEST_VERIFY(dump.find("= conv2d(") != std::string::npos && dump.find("alloc %") != std::string::npos, dump);
    std::vector<std::string> passes;
    for (const auto& rec : run.records) {
      passes.push_back(rec.pass);
      QVERIFY(!rec.dump.empty());
      QVERIFY(rec.milliseconds >= 0);
    }
    QCOMPARE(passes, (std::vector<std::string>{"inplace", "copy-elimination", "concat-elimination", "fuse-residual", "pack-weights", "scratch",
                                               "alloc-dealloc", "plan-memory"}));
    QVERIFY(run.records[0].changed);  // inplace changed something
    // Same results as the interpreter.
    std::vector<Tensor> inputs = testing::randomInputs(g, 7);
    std::vector<Tensor> want = Interpreter(g).run(inputs);
    std::vector<Tensor> got = driver::graphRunner("cpu", "O1")(g, inputs);
    std::optional<std::string> diff = compareTensors(want[0], got[0], Tolerance{1e-5, 1e-6});
    NEST_VERIFY(!diff, diff.value_or(""));
  }

  // Liveness-based planning reuses the first transpose's memory for the third.
  void plansMemoryWithReuse() {
    Graph g = testing::graphFromText(kChainGraph);
    const lir::Function f = lowerAndPlan(g).result;
    QCOMPARE(f.naiveActivationBytes(), size_t{3 * 2048});
    QCOMPARE(f.activationBytes, size_t{2 * 2048});
    for (const lir::Buffer& b : f.buffers)
      if (b.offset >= 0) QCOMPARE(b.offset % 64, int64_t{0});
    std::vector<Tensor> inputs = testing::randomInputs(g, 3);
    QVERIFY(Interpreter(g).run(inputs)[0].sameBytes(driver::graphRunner("cpu", "O1")(g, inputs)[0]));
  }

  // LayerNormalization: the runtime computes as the interpreter does (double mean and variance,
  // one rounding to float), so the bundle's results are the same bytes; Mean / InvStdDev results
  // are refused by name.
  void layerNormMatchesInterpreter() {
    Graph g = testing::graphFromText(kLayerNormGraph);
    for (unsigned seed : {3u, 4u}) {
      std::vector<Tensor> inputs = testing::randomInputs(g, seed);
      const std::vector<Tensor> want = Interpreter(g).run(inputs), got = driver::graphRunner("cpu", "O0")(g, inputs);
      QCOMPARE(got.size(), size_t{2});
      for (size_t k = 0; k < 2; ++k) QVERIFY(want[k].sameBytes(got[k]));
    }
    Graph stats = testing::graphFromText(
        "graph \"stats\" {\n  input %x: f32[2,8]\n  const %s: f32[8] = dense<[1, 1, 1, 1, 1, 1, 1, 1]>\n"
        "  %y: f32[2,8], %m: f32[2,1] = LayerNormalization #1 \"ln\"(%x, %s)\n  output %y\n  output %m\n}\n");
    const std::string msg = testing::errorOf([&] { cpu::compile(stats, {}); });
    NEST_VERIFY(msg.find("node 'ln' (LayerNormalization): LayerNormalization's Mean and InvStdDev results are not supported") !=
                    std::string::npos,
                msg);
  }

  // RNN / GRU / LSTM: the runtime's float GEMMs (input projection, packed R per step) and gates
  // in double agree with the interpreter within 1e-5 (relative and absolute), at -O0 and -O1;
  // float16 is refused by the support table with the reason.
  void recurrentMatchesInterpreter() {
    Graph g = testing::graphFromText(kRecurrentGraph);
    for (const char* level : {"O0", "O1"})
      for (unsigned seed : {5u, 6u}) {
        std::vector<Tensor> inputs = testing::randomInputs(g, seed);
        const std::vector<Tensor> want = Interpreter(g).run(inputs), got = driver::graphRunner("cpu", level)(g, inputs);
        QCOMPARE(got.size(), size_t{6});
        for (size_t k = 0; k < want.size(); ++k) {
          std::optional<std::string> d = compareTensors(want[k], got[k], Tolerance{1e-5, 1e-5});
          NEST_VERIFY(!d, std::string(level) + " output " + g.outputs[k] + ": " + d.value_or(""));
        }
        // Sequence length 0 (entry 2): Y zero, the final states the initial ones.
        const std::vector<double> y = got[0].toDoubles(), yh = got[1].toDoubles(), h0 = inputs[4].toDoubles();
        for (int64_t t = 0; t < 5; ++t)
          for (int64_t j = 0; j < 12; ++j) QCOMPARE(y[static_cast<size_t>((t * 2 + j / 6) * 18 + 12 + j % 6)], 0.0);
        for (int64_t j = 0; j < 6; ++j) QCOMPARE(yh[static_cast<size_t>(12 + j)], static_cast<double>(static_cast<float>(h0[12 + j])));
      }
    Graph half = testing::graphFromText(
        "graph \"half\" {\n  input %x: f16[2,1,3]\n  input %w: f16[1,4,3]\n  input %r: f16[1,4,1]\n"
        "  %y: f16[2,1,1,1] = LSTM #1 \"l\"(%x, %w, %r)\n  output %y\n}\n");
    const std::string msg = testing::errorOf([&] { cpu::compile(half, {}); });
    NEST_VERIFY(msg.find("node 'l' (LSTM): LSTM on f16 is not supported") != std::string::npos, msg);
  }

  // Concat operands that die at the concat are written by their producers into their slices.
  void concatOperandsWrittenInPlace() {
    Graph g = testing::graphFromText(kConcatGraph);
    const lir::Function f = lowerAndPlan(g).result;
    auto named = [&](const std::string& name) -> const lir::Buffer& {
      for (const lir::Buffer& b : f.buffers)
        if (b.name == name) return b;
      throw std::runtime_error("no buffer " + name);
    };
    const lir::Buffer& c = named("c");
    QCOMPARE(f.root(named("a").id), f.root(c.id));
    QCOMPARE(f.root(named("b").id), f.root(c.id));
    QCOMPARE(f.offsetInRoot(named("a").id), f.offsetInRoot(c.id));
    QCOMPARE(f.offsetInRoot(named("b").id), f.offsetInRoot(c.id) + int64_t{3 * 16 * 4});
    QVERIFY(named("x").kind == lir::BufferKind::Input && !named("x").isAlias());
    // Only the graph input is copied into the result.
    cpu::CompiledModel m = cpu::compile(g, {});  // as it is: the CPU backend runs no graph passes
    size_t copies = 0;
    for (size_t pos = 0; (pos = m.source.find("nest_copy_rows(", pos)) != std::string::npos; ++pos) ++copies;
    QCOMPARE(copies, size_t{1});
    std::vector<Tensor> inputs = testing::randomInputs(g, 5);
    std::optional<std::string> diff =
        compareTensors(Interpreter(g).run(inputs)[0], driver::graphRunner("cpu", "O1")(g, inputs)[0], Tolerance{1e-5, 1e-6});
    NEST_VERIFY(!diff, diff.value_or(""));
  }

  // The verifier catches two live buffers placed on the same bytes and a use before alloc.
  void verifierCatchesBrokenPlans() {
    Graph g = testing::graphFromText(kChainGraph);
    lir::Function f = lowerAndPlan(g).result;
    lir::Function overlap = f;
    for (lir::Buffer& b : overlap.buffers)
      if (b.kind == lir::BufferKind::Activation && !b.isAlias()) b.offset = 0;
    ErrorKind kind{};
    std::string msg = testing::errorOf([&] { lir::verifyFunction(overlap); }, &kind);
    QCOMPARE(kind, ErrorKind::Internal);
    NEST_VERIFY(msg.find("overlap while both are live") != std::string::npos, msg);
    lir::Function early = f;
    early.instrs.erase(early.instrs.begin());  // drop the first alloc
    msg = testing::errorOf([&] { lir::verifyFunction(early); });
    NEST_VERIFY(msg.find("not allocated") != std::string::npos, msg);
  }

  // Every unsupported node is reported, with its reason, before any code is generated.
  void reportsAllUnsupportedNodes() {
    Graph g = testing::graphFromText(kUnsupportedGraph);
    std::vector<UnsupportedNode> bad = cpu::unsupportedNodes(g);
    QCOMPARE(bad.size(), size_t{2});
    QCOMPARE(bad[0].node, std::string("node 'argmax' (ArgMax)"));
    QCOMPARE(bad[1].node, std::string("node 'hardmax' (Hardmax)"));
    ErrorKind kind{};
    std::string msg = testing::errorOf([&] { cpu::compile(g, {}); }, &kind);
    QCOMPARE(kind, ErrorKind::Unsupported);
    NEST_VERIFY(msg.find("2 node(s)") != std::string::npos && msg.find("'argmax'") != std::string::npos &&
                    msg.find("'hardmax'") != std::string::npos,
                msg);
    // nestc compile: exit 2, every node named, no bundle written.
    fs::path dir = tempDir("unsupported");
    fs::remove_all(dir);
    ProcessResult r = runProcess(q(testing::binDir() / "nestc"),
                                 {"compile", q(testing::testdata() / "onnx-node" / "test_convtranspose_3d" / "model.onnx"), "-o", q(dir)});
    QCOMPARE(r.code, 2);
    NEST_VERIFY(r.out.find("(ConvTranspose): only 1-D and 2-D ConvTranspose are supported (got 3-D)") != std::string::npos, r.out);
    QVERIFY(!fs::exists(dir / "model.c"));
  }

  // Weights from ConstantOfShape (models whose initializers were stripped) lower to a fill, also
  // above the folding size cap; a node the CPU kernels cannot run (Range) whose operands are all
  // constants is computed at compile time, whatever its size.
  void compileTimeComputableNodesCompile() {
    testing::GraphBuilder b("computable");
    const int64_t rows = 600, cols = 1000, count = 300000;  // 2.4 MB and 1.2 MB: above the 1 MB fold cap
    b.input("x", {rows, cols});
    b.input("x2", {count});
    Attributes cos;
    cos.set("shape", Ints{rows, cols});
    cos.set("value", Tensor::fromVector<float>(ElemType::F32, {1}, {0.25f}));
    b.node("Add", "y", {"x", b.node("ConstantOfShape", "w", {}, cos)});
    Attributes range;
    range.set("start", Tensor::scalarF32(0.0f));
    range.set("limit", Tensor::scalarF32(static_cast<float>(count)));
    range.set("delta", Tensor::scalarF32(1.0f));
    b.node("Add", "y2", {"x2", b.node("Range", "ramp", {}, range)});
    Graph g = b.done({"y", "y2"});
    // The driver folds what the backend cannot run but the compiler can compute.
    const driver::Compiled compiled = driver::compileGraph(g, "cpu", CompileRequest{});
    const cpu::CompiledModel& m = cpu::compiledModelOf(*compiled.artifact);
    QCOMPARE(testing::countOp(m.graph, "ConstantOfShape"), 1);
    QCOMPARE(testing::countOp(m.graph, "Range"), 0);
    QVERIFY(m.graph.isConstant("ramp"));
    size_t fills = 0;
    for (const lir::Instr& in : m.lir.result.instrs) fills += in.kernel == "fill";
    QCOMPARE(fills, size_t{1});
    std::vector<Tensor> inputs = testing::randomInputs(g, 5);
    std::vector<Tensor> got = driver::graphRunner("cpu", "O1")(g, inputs);
    std::vector<float> y(static_cast<size_t>(rows * cols)), y2(static_cast<size_t>(count));
    for (size_t i = 0; i < y.size(); ++i) y[i] = inputs[0].data<float>()[i] + 0.25f;
    for (size_t i = 0; i < y2.size(); ++i) y2[i] = inputs[1].data<float>()[i] + static_cast<float>(i);
    QVERIFY(got.at(0).sameBytes(Tensor::fromVector<float>(ElemType::F32, {rows, cols}, y)));
    QVERIFY(got.at(1).sameBytes(Tensor::fromVector<float>(ElemType::F32, {count}, y2)));
  }

  // Clip bounds computed at run time (openWakeWord's melspectrogram: min = max(x) - 80) import as
  // Max / Min, which the CPU backend runs.
  void runtimeClipBounds() {
    testing::ModelBuilder b(13);
    b.input("x", {2, 3}).input("hi", {}).output("y");
    b.initializer("range", Tensor::scalarF32(80.0f));
    testing::setInt(b.node("ReduceMax", "top", {"x"}, {"top"}), "keepdims", 0);
    b.node("Sub", "floor", {"top", "range"}, {"lo"});
    b.node("Clip", "clip", {"x", "lo", "hi"}, {"y"});
    Graph g = testing::importModel(b.model()).graph;
    std::vector<Tensor> inputs = {testing::f32({2, 3}, {-200, -75, -5, 0, 3, 20}), Tensor::scalarF32(2.0f)};
    std::vector<Tensor> got = driver::graphRunner("cpu", "O1")(g, inputs);
    QVERIFY(got.at(0).sameBytes(testing::f32({2, 3}, {-60, -60, -5, 0, 2, 2})));
  }

  void allConformanceTests() {
    auto interpreterFailures = testing::readTestList(testing::sourceDir() / "tests" / "conformance_expected_failures.txt");
    auto unsupported = testing::readTestList(testing::sourceDir() / "tests" / "cpu_backend_unsupported.txt");
    QVERIFY(!unsupported.empty());
    int total = 0, passed = 0;
    std::string unexpected;
    for (const TestCaseResult& r : testing::runConformanceSuites(cpuRunnerSameOnAnyThreads())) {
      ++total;
      if (r.passed) ++passed;
      const bool failsInInterpreter = interpreterFailures.count(r.name) != 0;
      const bool listed = unsupported.count(r.name) != 0;
      if (r.passed && (listed || failsInInterpreter))
        unexpected += "\n  now passes, remove it from the list: " + r.name;
      else if (!r.passed && listed && !r.unsupported)
        unexpected += "\n  listed as unsupported but fails otherwise: " + r.name + ": " + r.message;
      else if (!r.passed && !listed && !failsInInterpreter)
        unexpected += "\n  " + std::string(r.unsupported ? "UNSUPPORTED " : "FAIL ") + r.name + ": " + r.message;
    }
    qInfo("CPU backend conformance: %d of %d tests pass (%d unsupported by the CPU backend)", passed, total,
          static_cast<int>(unsupported.size()));
    NEST_VERIFY(unexpected.empty(), "CPU conformance results differ from the expected lists:" + unexpected);
    QCOMPARE(total, 415);
    QCOMPARE(passed, total - static_cast<int>(unsupported.size() + interpreterFailures.size()));
  }

  // The glow-onnx models against the interpreter: test_glow_models (with the checked-in list).

  void mnistMatchesInterpreter() {
    const fs::path model = testing::testdata() / "models" / "mnist-8";
    TestCaseResult r = runOnnxTestCase(model, driver::graphRunner("cpu", "O1"));
    NEST_VERIFY(r.passed, r.message);
    QCOMPARE(r.dataSets, 3);
    Graph g = loadModel(model / "model.onnx");
    std::vector<Tensor> inputs = {readTensorPb(model / "test_data_set_1" / "input_0.pb")};
    std::optional<std::string> diff =
        compareTensors(Interpreter(g).run(inputs)[0], driver::graphRunner("cpu", "O1")(g, inputs)[0], Tolerance{1e-4, 1e-4});
    NEST_VERIFY(!diff, diff.value_or(""));
  }

  void seedModelsMatchTorch_data() {
    QTest::addColumn<QString>("model");
    for (const char* m : {"lenet5", "squeezenet1_1", "resnet18", "resnet50", "googlenet", "resnext50_32x4d", "mobilenet_v2"})
      QTest::newRow(m) << QString(m);
  }

  // The same check and tolerance as the interpreter's (test_seed_models): torch's outputs.
  void seedModelsMatchTorch() {
    QFETCH(QString, model);
    TestCaseResult r = runOnnxTestCase(testing::seedModels() / model.toStdString(), cpuRunnerSameOnAnyThreads());
    NEST_VERIFY(r.passed, r.message);
  }

  void sequenceModelsMatchTorch_data() {
    QTest::addColumn<QString>("model");
    for (const char* m : {"vit_b_16", "bert_encoder", "bert_encoder_opset13", "lstm_lm", "gru"}) QTest::newRow(m) << QString(m);
  }

  // The interpreter's check and tolerance (test_seed_models sequenceModelsMatchTorch), at -O1 (fused
  // GELU, attention and MatMul + bias) on 1, 2 and 4 threads.
  void sequenceModelsMatchTorch() {
    QFETCH(QString, model);
    TestCaseResult r = runOnnxTestCase(testing::sequenceModels() / model.toStdString(), cpuRunnerSameOnAnyThreads(),
                                       Tolerance{1e-3, 1e-5});
    NEST_VERIFY(r.passed, r.message);
  }

  // A bundle built as a shared library and loaded, run on 4 threads and unloaded 40 times: its
  // workers start with <name>_set_threads and are gone after each dlclose, its scratch is freed
  // (the heap does not grow from one cycle to the next), and every run gives the same bytes.
  void threadPoolStopsWhenUnloaded() {
    fs::path dir = tempDir("bundle-so");
    Graph g = loadModel(testing::testdata() / "models" / "mnist-8" / "model.onnx");
    cpu::CompileOptions opts;
    opts.name = "mnist";
    const cpu::CompiledModel m = cpu::compile(runPipeline(g, namedPipeline("O1")).result(), opts);
    cpu::writeBundle(m, dir);
    QStringList args = {"-O2", "-fPIC", "-shared", "-o", q(dir / "libmnist.so"), q(dir / "mnist.c")};
    for (const std::string& c : cpu::runtimeCFiles()) args << q(dir / c);
    args << "-lm" << "-pthread";
    ProcessResult cc = runProcess("cc", args);
    NEST_VERIFY(cc.code == 0, "cc failed: " + cc.out);
    const lir::Function& f = m.lir.result;
    // the bundle API wants 64-byte aligned buffers
    auto aligned = [](size_t n) { return std::unique_ptr<uint8_t, decltype(&std::free)>(
                                      static_cast<uint8_t*>(std::aligned_alloc(64, (n + 64) / 64 * 64)), &std::free); };
    auto weights = aligned(f.weightBytes), act = aligned(f.activationBytes), mut = aligned(f.mutableBytes);
    cpu::fillWeights(m, weights.get());
    size_t workerScratch = 64;  // what <name>_THREAD_SCRATCH_SIZE says, at least the 64 bytes a worker gets
    for (const lir::Instr& i : f.instrs)
      if (i.scratch >= 0) workerScratch = std::max(workerScratch, f.buffer(i.scratch).bytes());
    const Tensor input = readTensorPb(testing::testdata() / "models" / "mnist-8" / "test_data_set_0" / "input_0.pb");
    const lir::Buffer& in = f.buffer(f.inputs.at(0)), &out = f.buffer(f.outputs.at(0));
    const size_t outOffset = f.buffer(f.root(f.outputs[0])).offset + f.offsetInRoot(f.outputs[0]);
    const int baseThreads = threadCount();
    std::vector<uint8_t> first;
    size_t heapAfterFirst = 0;
    for (int cycle = 0; cycle < 40; ++cycle) {
      void* lib = dlopen((dir / "libmnist.so").c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!lib) QFAIL((std::string("dlopen: ") + dlerror()).c_str());
      auto setThreads = reinterpret_cast<int (*)(int)>(dlsym(lib, "mnist_set_threads"));
      auto entry = reinterpret_cast<int (*)(const uint8_t*, uint8_t*, uint8_t*)>(dlsym(lib, "mnist"));
      QVERIFY(setThreads && entry);
      QCOMPARE(setThreads(4), 0);
      QCOMPARE(threadCount(), baseThreads + 3);
      std::memcpy(mut.get() + in.offset, input.raw(), in.bytes());
      QCOMPARE(entry(weights.get(), mut.get(), act.get()), 0);
      std::vector<uint8_t> result(mut.get() + outOffset, mut.get() + outOffset + out.bytes());
      if (cycle == 0) first = result;
      QVERIFY(result == first);
      QCOMPARE(dlclose(lib), 0);
      QCOMPARE(threadCount(), baseThreads);
      if (cycle == 0) heapAfterFirst = mallinfo2().uordblks;
    }
    // leaking the 3 workers' scratch would add 3 x workerScratch bytes per cycle, 39 times
    NEST_VERIFY(mallinfo2().uordblks < heapAfterFirst + 3 * workerScratch,
                "the heap grew by " + std::to_string(mallinfo2().uordblks - heapAfterFirst) + " bytes over 39 cycles");
    Tensor reference = readTensorPb(testing::testdata() / "models" / "mnist-8" / "test_data_set_0" / "output_0.pb");
    NEST_VERIFY(!compareTensors(reference, Tensor(out.type, first.data())), "the shared library's output differs");
    fs::remove_all(dir);
  }

  // run --profile-layers names each float conv's runtime path in its kernel column: Winograd for a
  // 3x3 stride-1 conv with 32 channels over 8x8 tiles, the direct depthwise kernel, the implicit
  // GEMM for a 1x1 conv, the channel-vectorized kernel for a 3x3 stride-2 conv onto an 8x8 plane
  // the subsampled input for a 1x1 stride-2 conv (4x4 output) and im2col for a 2x2 stride-2 conv
  // on 8 channels; and the bundle's output equals the interpreter's. On 2 threads the table adds
  // each layer's idle share of its thread time.
  void profileNamesEachConvPath() {
    testing::GraphBuilder b("paths", 5);
    const std::string x = b.input("x", {1, 32, 16, 16});
    Attributes pad1 = testing::attrs({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}});
    Attributes dw = testing::attrs({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}, {"group", int64_t{32}}});
    b.node("Conv", "wino", {x, b.weight("w1", {32, 32, 3, 3}, -0.2f, 0.2f), b.weight("b1", {32})}, pad1);
    b.node("Conv", "dw", {"wino", b.weight("w2", {32, 1, 3, 3}, -0.3f, 0.3f)}, dw);
    b.node("Conv", "pw", {"dw", b.weight("w3", {16, 32, 1, 1}, -0.3f, 0.3f)}, testing::attrs({{"kernel_shape", Ints{1, 1}}}));
    b.node("Conv", "sm", {"pw", b.weight("w5", {64, 16, 3, 3}, -0.2f, 0.2f)},
           testing::attrs({{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}, {"strides", Ints{2, 2}}}));
    b.node("Conv", "s2", {"sm", b.weight("w4", {8, 64, 1, 1}, -0.3f, 0.3f)},
           testing::attrs({{"kernel_shape", Ints{1, 1}}, {"strides", Ints{2, 2}}}));
    b.node("Conv", "col", {"s2", b.weight("w6", {8, 8, 2, 2}, -0.3f, 0.3f)},
           testing::attrs({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
    Graph g = b.done({"col"});
    const fs::path dir = tempDir("paths");
    cpu::CompileOptions opts;
    opts.name = "paths";
    cpu::writeBundle(cpu::compile(runPipeline(g, namedPipeline("O0")).result(), opts), dir);
    ProcessResult make = runProcess("make", {"-s", "-C", q(dir)});
    NEST_VERIFY(make.code == 0, "make failed: " + make.out);
    std::vector<Tensor> inputs = testing::randomInputs(g, 11);
    writeNpy(inputs[0], dir / "x.npy");
    ProcessResult r = runProcess(q(dir / "run"), {"--input", q(dir / "x.npy"), "--output-dir", q(dir / "out"), "--repeat",
                                                  "2", "--profile-layers"});
    NEST_VERIFY(r.code == 0, "run failed: " + r.out);
    std::map<std::string, std::string> kernelOf;
    for (const QString& line : QString::fromStdString(r.out).split('\n')) {
      const QStringList cols = line.simplified().split(' ');
      if (cols.size() >= 2) kernelOf[cols[0].toStdString()] = cols[1].toStdString();
    }
    QCOMPARE(kernelOf["wino"], std::string("conv2d/winograd"));
    QCOMPARE(kernelOf["dw"], std::string("conv2d/depthwise"));
    QCOMPARE(kernelOf["pw"], std::string("conv2d/implicit"));
    QCOMPARE(kernelOf["sm"], std::string("conv2d/small"));
    QCOMPARE(kernelOf["s2"], std::string("conv2d/subsample"));
    QCOMPARE(kernelOf["col"], std::string("conv2d/im2col"));
    // On one thread the table has no idle column; on 2 threads each layer's row ends with the
    // share of its thread time spent idle, and a total follows the layers' line.
    const QStringList tableKeys = {"layer", "wino", "dw", "pw", "sm", "s2", "col"};  // the header, the six convs
    auto tableRows = [&](const std::string& text) {
      std::map<std::string, QStringList> rows;
      for (const QString& line : QString::fromStdString(text).split('\n')) {
        const QStringList cols = line.simplified().split(' ');
        if (tableKeys.contains(cols[0])) rows[cols[0].toStdString()] = cols;
      }
      return rows;
    };
    for (const auto& [name, cols] : tableRows(r.out))
      QVERIFY2(cols.size() == 7 && !cols.contains("idle"), (name + ": " + cols.join(' ').toStdString()).c_str());
    QVERIFY(r.out.find("threads_idle_ms") == std::string::npos);
    ProcessResult r2 = runProcess(q(dir / "run"), {"--input", q(dir / "x.npy"), "--repeat", "2", "--threads", "2",
                                                   "--profile-layers"});
    NEST_VERIFY(r2.code == 0, "run --threads 2 failed: " + r2.out);
    const std::map<std::string, QStringList> rows2 = tableRows(r2.out);
    QCOMPARE(rows2.size(), size_t(tableKeys.size()));
    QCOMPARE(rows2.at("layer").last(), QString("idle"));
    for (const auto& [name, cols] : rows2) {
      if (name == "layer") continue;
      QString idle = cols.last();
      QVERIFY2(cols.size() == 8 && idle.endsWith('%'), (name + ": " + cols.join(' ').toStdString()).c_str());
      idle.chop(1);
      bool ok = false;
      const double share = idle.toDouble(&ok);
      QVERIFY2(ok && share >= 0 && share <= 100.0, (name + ": idle " + idle.toStdString()).c_str());
    }
    QVERIFY2(r2.out.find("threads_idle_ms total=") != std::string::npos, r2.out.c_str());
    // Six convs deep, some outputs come near zero by cancellation: every element must be within
    // 1e-5 of the output's largest magnitude (the float rounding of these sums is about 1e-6 of it).
    std::vector<Tensor> want = Interpreter(g).run(inputs);
    double scale = 0;
    for (float v : want[0].values<float>()) scale = std::max(scale, double(std::fabs(v)));
    std::optional<std::string> diff =
        compareTensors(want[0], readNpy(dir / "out" / "output_0.npy"), Tolerance{1e-5, 1e-5 * scale});
    NEST_VERIFY(!diff, diff.value_or(""));
    fs::remove_all(dir);
  }

  // nestc's bundle, built by its own Makefile, run by its own runner.
  void bundleBuildsWithMakeAndRuns() {
    fs::path dir = tempDir("bundle");
    writeMnistBundle(dir);
    for (const char* f : {"mnist.h", "mnist.c", "mnist.weights.bin", "main.c", "Makefile", "CMakeLists.txt",
                          "nest_runtime.h", "nest_rt_misc.c"})
      NEST_VERIFY(fs::exists(dir / f), std::string("missing ") + f);
    ProcessResult make = runProcess("make", {"-s", "-C", q(dir)});
    NEST_VERIFY(make.code == 0, "make failed: " + make.out);
    checkMnistRun(dir, {});
    fs::remove_all(dir);
  }

  // The same bundle cross-compiled for aarch64 (Debian gcc-aarch64-linux-gnu, scripts/setup.sh)
  // runs under qemu-user with the same results; so does SqueezeNet 1.1.
  void bundleCrossCompilesForAarch64() {
    fs::path dir = tempDir("aarch64");
    writeMnistBundle(dir);
    ProcessResult make = runProcess("make", {"-s", "-C", q(dir), "CC=aarch64-linux-gnu-gcc", "CFLAGS=-O2"});
    NEST_VERIFY(make.code == 0, "cross build failed (scripts/setup.sh installs gcc-aarch64-linux-gnu): " + make.out);
    ProcessResult file = runProcess("file", {q(dir / "run")});
    if (file.code == 0) NEST_VERIFY(file.out.find("aarch64") != std::string::npos, file.out);
    checkMnistRun(dir, {"qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"});
    fs::remove_all(dir);
    // SqueezeNet 1.1 (NEON conv and pooling paths, concats written in place) against torch.
    const fs::path model = testing::seedModels() / "squeezenet1_1";
    fs::path sq = tempDir("aarch64-squeezenet");
    cpu::CompileOptions opts;
    opts.name = "squeezenet";
    cpu::writeBundle(cpu::compile(runPipeline(loadModel(model / "model.onnx"), namedPipeline("O1")).result(), opts), sq);
    make = runProcess("make", {"-s", "-C", q(sq), "CC=aarch64-linux-gnu-gcc", "CFLAGS=-O2"});
    NEST_VERIFY(make.code == 0, "cross build failed: " + make.out);
    ProcessResult run = runProcess("qemu-aarch64", {"-L", "/usr/aarch64-linux-gnu", q(sq / "run"), "--input",
                                                    q(model / "test_data_set_0" / "input_0.pb"), "--output-dir", q(sq / "out")});
    NEST_VERIFY(run.code == 0, "run under qemu failed: " + run.out);
    std::optional<std::string> diff =
        compareTensors(readTensorPb(model / "test_data_set_0" / "output_0.pb"), readNpy(sq / "out" / "output_0.npy"));
    NEST_VERIFY(!diff, "aarch64 SqueezeNet differs from torch: " + diff.value_or(""));
    fs::remove_all(sq);
  }
};

QTEST_APPLESS_MAIN(CpuBackendTest)
#include "test_cpu_backend.moc"
