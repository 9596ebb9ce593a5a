// `nestc run` binds what it is given exactly as `nestc test-data` does (backends/input_binding):
// on every shared ONNX conformance test both commands pass and fail the same tests, and inputs that
// select the computation or have dynamic dimensions are bound from the input files.
#include <QTemporaryDir>
#include <fstream>
#include <set>

#include "driver/driver.h"
#include "backends/input_binding.h"
#include "core/npy.h"
#include "tests/test_support.h"

using namespace nest;
namespace fs = std::filesystem;

namespace {

QString q(const fs::path& p) { return QString::fromStdString(p.string()); }

#define NEST_EXIT(result, expected)                                                                     \
  NEST_VERIFY((result).code == (expected), "exit code " + std::to_string((result).code) + ", expected " + \
                                                 std::to_string(expected) + "\nstdout:\n" + (result).out +  \
                                                 "\nstderr:\n" + (result).err)

// Conformance figures on the interpreter (tests/conformance_expected_failures.txt lists the failures).
constexpr int kConformanceTests = 415;
constexpr int kConformancePassed = 401;

std::vector<fs::path> sortedSubdirs(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> numberedFiles(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (int k = 0; fs::exists(dir / (prefix + std::to_string(k) + ".pb")); ++k) files.push_back(dir / (prefix + std::to_string(k) + ".pb"));
  return files;
}

// `nestc run` on every data set of one test case; outputs compared as test-data compares them.
// Empty when all agree, else why not.
std::string runCaseThroughCli(const fs::path& dir, const fs::path& scratch) {
  for (const fs::path& set : sortedSubdirs(dir, "test_data_set_")) {
    const fs::path out = scratch / dir.filename() / set.filename();
    QStringList args{"run", q(dir / "model.onnx"), "--output-dir", q(out)};
    for (const fs::path& in : numberedFiles(set, "input_")) args << "--input" << q(in);
    testing::NestcResult r = testing::runNestc(args);
    if (r.code != 0) return set.filename().string() + ": exit " + std::to_string(r.code) + ": " + r.err;
    std::vector<fs::path> expected = numberedFiles(set, "output_");
    for (size_t k = 0; k < expected.size(); ++k) {
      const fs::path got = out / ("output_" + std::to_string(k) + ".pb");
      if (!fs::exists(got)) return set.filename().string() + ": no " + got.filename().string();
      if (auto diff = compareTensors(readTensorFile(expected[k]), readTensorFile(got), Tolerance{}))
        return set.filename().string() + " output " + std::to_string(k) + ": " + *diff;
    }
  }
  return "";
}

void writeText(const fs::path& file, const std::string& text) {
  std::ofstream(file) << text;
}

// An ONNX graph input in protobuf text format: elem type 1 (float) or 7 (int64); a dim < 0 is "N".
std::string onnxInput(const std::string& name, int elemType, const std::vector<int64_t>& dims) {
  std::string s = "  input { name: \"" + name + "\" type { tensor_type { elem_type: " + std::to_string(elemType) + " shape {";
  for (int64_t d : dims) s += d < 0 ? " dim { dim_param: \"N\" }" : " dim { dim_value: " + std::to_string(d) + " }";
  return s + " } } } }\n";
}

// y = Reshape(x, shape), x: f32[N,6] (dynamic), shape: i64[2] (a graph input).
std::string reshapeModel() {
  return "ir_version: 8\ngraph {\n  name: \"dyn_reshape\"\n"
         "  node { input: \"x\" input: \"shape\" output: \"y\" op_type: \"Reshape\" name: \"reshape\" }\n" +
         onnxInput("x", 1, {-1, 6}) + onnxInput("shape", 7, {2}) +
         "  output { name: \"y\" type { tensor_type { elem_type: 1 } } }\n}\nopset_import { version: 17 }\n";
}

// y = Relu(x), x: f32[N,3].
std::string reluModel() {
  return "ir_version: 8\ngraph {\n  name: \"dyn_relu\"\n"
         "  node { input: \"x\" output: \"y\" op_type: \"Relu\" name: \"relu\" }\n" +
         onnxInput("x", 1, {-1, 3}) +
         "  output { name: \"y\" type { tensor_type { elem_type: 1 } } }\n}\nopset_import { version: 17 }\n";
}

Tensor iota(Shape shape, float start) {
  std::vector<float> v(static_cast<size_t>(numElements(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = start + static_cast<float>(i);
  return Tensor::fromVector<float>(ElemType::F32, shape, v);
}

}  // namespace

class TestRunBinding : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY2(fs::exists(testing::binDir() / "nestc"), "nestc is not built"); }

  // The two commands on all 415 shared conformance tests: the same tests pass, the same fail.
  void runAgreesWithTestDataOnEveryConformanceTest() {
    const auto expectedFailures = testing::readTestList(testing::sourceDir() / "tests" / "conformance_expected_failures.txt");
    // test-data as a library (what `nestc test-data` calls) ...
    std::set<std::string> testDataFailed;
    int total = 0;
    for (const TestCaseResult& r : testing::runConformanceSuites(driver::graphRunner("interpreter", "O1"))) {
      ++total;
      if (!r.passed) testDataFailed.insert(r.name);
    }
    QCOMPARE(total, kConformanceTests);
    QCOMPARE(total - static_cast<int>(testDataFailed.size()), kConformancePassed);
    std::set<std::string> listed;
    for (const auto& [name, reason] : expectedFailures) listed.insert(name);
    QVERIFY(testDataFailed == listed);

    // ... and as the command.
    const fs::path data = testing::testdata();
    testing::NestcResult td = testing::runNestc({"test-data", q(data / "onnx-node"), q(data / "onnx-pytorch-converted")});
    QCOMPARE(td.code, 1);
    const std::string summary = std::to_string(kConformancePassed) + " passed, " +
                                std::to_string(kConformanceTests - kConformancePassed) + " failed\n";
    NEST_VERIFY(td.out.size() >= summary.size() && td.out.compare(td.out.size() - summary.size(), summary.size(), summary) == 0,
                "nestc test-data summary: " + td.out.substr(td.out.rfind('\n', td.out.size() - 2) + 1));
    for (const std::string& name : testDataFailed)
      NEST_VERIFY(td.out.find("\nFAIL " + name + ":") != std::string::npos || td.out.rfind("FAIL " + name + ":", 0) == 0,
                  "nestc test-data does not fail " + name);

    // `nestc run` on every data set of every test, one process each.
    QTemporaryDir scratch;
    QVERIFY(scratch.isValid());
    std::set<std::string> runFailed;
    std::string unexpected;
    int runTotal = 0;
    for (const char* suite : {"onnx-node", "onnx-pytorch-converted"})
      for (const fs::path& dir : findTestCases(data / suite)) {
        ++runTotal;
        std::string why = runCaseThroughCli(dir, scratch.path().toStdString());
        const std::string name = dir.filename().string();
        if (!why.empty()) runFailed.insert(name);
        if (!why.empty() && !testDataFailed.count(name)) unexpected += "\n  run fails, test-data passes: " + name + ": " + why;
        if (why.empty() && testDataFailed.count(name)) unexpected += "\n  run passes, test-data fails: " + name;
      }
    qInfo("conformance on the interpreter: nestc run %d of %d pass, nestc test-data %d of %d",
          runTotal - static_cast<int>(runFailed.size()), runTotal, total - static_cast<int>(testDataFailed.size()), total);
    NEST_VERIFY(unexpected.empty(), "nestc run and nestc test-data disagree:" + unexpected);
    QCOMPARE(runTotal, kConformanceTests);
    QCOMPARE(runTotal - static_cast<int>(runFailed.size()), kConformancePassed);
  }

  // A Reshape shape given as a graph input becomes a constant; x's dynamic dim comes from its file.
  void bindsShapeOperandAndDynamicDims() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const fs::path dir = tmp.path().toStdString();
    writeText(dir / "m.onnxtxt", reshapeModel());
    writeNpy(iota({2, 6}, -5), dir / "x.npy");
    writeNpy(Tensor::fromVector<int64_t>(ElemType::I64, {2}, {3, 4}), dir / "shape.npy");

    BoundModel b = bindModelInputs(dir / "m.onnxtxt", {(dir / "x.npy").string(), (dir / "shape.npy").string()});
    QCOMPARE(b.graph.inputs, std::vector<std::string>{"x"});
    QCOMPARE(b.boundInputs, std::vector<std::string>{"shape"});
    QCOMPARE(typeToString(b.graph.typeOf("x")), std::string("f32[2,6]"));
    QCOMPARE(typeToString(b.graph.typeOf("y")), std::string("f32[3,4]"));
    QCOMPARE(b.inputs.size(), size_t(1));
    QVERIFY(b.inputs[0].sameBytes(readNpy(dir / "x.npy")));
    const std::string note = "bound: shape=[3,4] (Reshape shape) as a constant; x: dynamic dims from the input file [2,6]";
    QCOMPARE(b.note, note);

    // The command, with inputs named in the other order.
    testing::NestcResult r = testing::runNestc({"run", q(dir / "m.onnxtxt"), "--input", "shape=" + q(dir / "shape.npy"),
                                                "--input", "x=" + q(dir / "x.npy"), "--output-dir", q(dir / "out"),
                                                "--format", "npy"});
    NEST_EXIT(r, 0);
    NEST_VERIFY(r.out.rfind(note + "\n", 0) == 0, r.out);
    Tensor y = readNpy(dir / "out" / "output_0.npy");
    QCOMPARE(typeToString(y.type()), std::string("f32[3,4]"));
    QCOMPARE(y.toDoubles(), iota({3, 4}, -5).toDoubles());

    // Another shape value gives another graph.
    writeNpy(Tensor::fromVector<int64_t>(ElemType::I64, {2}, {-1, 2}), dir / "shape2.npy");
    b = bindModelInputs(dir / "m.onnxtxt", {(dir / "x.npy").string(), (dir / "shape2.npy").string()});
    QCOMPARE(typeToString(b.graph.typeOf("y")), std::string("f32[6,2]"));
    QCOMPARE(b.note, std::string("bound: shape=[-1,2] (Reshape shape) as a constant; x: dynamic dims from the input file [2,6]"));
  }

  // Dynamic dims: from the file, or from --input-shape (which then allows slices); errors.
  void dynamicDims() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const fs::path dir = tmp.path().toStdString();
    writeText(dir / "relu.onnxtxt", reluModel());
    writeNpy(iota({4, 3}, -6), dir / "x.npy");

    testing::NestcResult r = testing::runNestc({"run", q(dir / "relu.onnxtxt"), "--input", q(dir / "x.npy"), "--output-dir",
                                                q(dir / "o1"), "--format", "npy"});
    NEST_EXIT(r, 0);
    NEST_VERIFY(r.out.rfind("bound: x: dynamic dims from the input file [4,3]\n", 0) == 0, r.out);
    Tensor y = readNpy(dir / "o1" / "output_0.npy");
    QCOMPARE(typeToString(y.type()), std::string("f32[4,3]"));
    QCOMPARE(y.values<float>()[0], 0.0f);
    QCOMPARE(y.values<float>()[11], 5.0f);

    // --input-shape fixes the model at one row: the 4-row file runs in 4 slices, nothing is bound.
    BoundModel b = bindModelInputs(dir / "relu.onnxtxt", {(dir / "x.npy").string()}, [] {
      ImportOptions o;
      o.inputShapes["x"] = {1, 3};
      return o;
    }());
    QCOMPARE(typeToString(b.graph.typeOf("x")), std::string("f32[1,3]"));
    QCOMPARE(b.note, std::string());
    r = testing::runNestc({"run", q(dir / "relu.onnxtxt"), "--input", q(dir / "x.npy"), "--input-shape", "x=1x3",
                           "--output-dir", q(dir / "o2"), "--format", "npy"});
    NEST_EXIT(r, 0);
    NEST_VERIFY(r.out.find("bound:") == std::string::npos, r.out);
    QCOMPARE(readNpy(dir / "o2" / "output_0.npy").toDoubles(), y.toDoubles());

    // No input: the dynamic input cannot be typed.
    r = testing::runNestc({"run", q(dir / "relu.onnxtxt"), "--output-dir", q(dir / "o3")});
    NEST_EXIT(r, 2);
    NEST_VERIFY(r.err.find("no --input for graph input 'x' (shape [?,3] with dynamic dimensions)") != std::string::npos, r.err);
    // A file of another rank.
    writeNpy(iota({12}, 0), dir / "flat.npy");
    std::string err = testing::errorOf([&] { bindModelInputs(dir / "relu.onnxtxt", {(dir / "flat.npy").string()}); });
    NEST_VERIFY(err.find("input 'x'") != std::string::npos && err.find("has shape [12] but the model's input has rank 2 [?,3]") != std::string::npos,
                err);
  }

  // Static inputs keep the model's shape: a batch file is sliced by the runner, nothing is noted.
  void staticInputsKeepTheModelShape() {
    const fs::path mnist = testing::testdata() / "models" / "mnist-8";
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const fs::path dir = tmp.path().toStdString();
    Tensor one = readTensorFile(mnist / "test_data_set_0" / "input_0.pb");
    Tensor batch(TensorType(ElemType::F32, {3, 1, 28, 28}));
    for (int k = 0; k < 3; ++k) std::memcpy(batch.mutableData<float>() + k * 784, one.raw(), one.byteSize());
    writeNpy(batch, dir / "batch.npy");
    BoundModel b = bindModelInputs(mnist / "model.onnx", {(dir / "batch.npy").string()});
    QCOMPARE(typeToString(b.graph.typeOf(b.graph.inputs[0])), std::string("f32[1,1,28,28]"));
    QCOMPARE(typeToString(b.inputs[0].type()), std::string("f32[3,1,28,28]"));
    QVERIFY(b.boundInputs.empty());
    QCOMPARE(b.note, std::string());
  }
};

QTEST_APPLESS_MAIN(TestRunBinding)
#include "test_run_binding.moc"
