// nestc, run as a separate process: exit codes (0 ok, 1 wrong results, 2 bad input), what each
// command prints and writes.
#include "tests/test_support.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <fstream>

#include "core/npy.h"
#include "core/onnx_import.h"
#include "core/onnx_tensor.h"
#include "core/tensor_compare.h"
#include "core/text_ir.h"

namespace fs = std::filesystem;
using namespace nest;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

#define NEST_CONTAINS(text, part) \
  NEST_VERIFY(contains((text), (part)), "output does not mention '" + std::string(part) + "':\n" + (text))

using Result = testing::NestcResult;
Result nestc(const QStringList& args) { return testing::runNestc(args); }

QString q(const fs::path& p) { return QString::fromStdString(p.string()); }

// Checks the exit code, showing what nestc printed when it differs.
#define NEST_EXIT(result, expected)                                                                     \
  NEST_VERIFY((result).code == (expected), "exit code " + std::to_string((result).code) + ", expected " + \
                                                 std::to_string(expected) + "\nstdout:\n" + (result).out +  \
                                                 "\nstderr:\n" + (result).err)

fs::path mnistDir() { return nest::testing::testdata() / "models" / "mnist-8"; }
fs::path mnistModel() { return mnistDir() / "model.onnx"; }
fs::path mnistSet(int k) { return mnistDir() / ("test_data_set_" + std::to_string(k)); }
fs::path nodeTest(const std::string& name) { return nest::testing::testdata() / "onnx-node" / name; }

// A line of `text` matching `pattern` (a whole-line regular expression).
bool hasLine(const std::string& text, const QString& pattern) {
  QRegularExpression re("^" + pattern + "$", QRegularExpression::MultilineOption);
  return re.match(QString::fromStdString(text)).hasMatch();
}

std::string readText(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const Tolerance kMnistTol{1e-3, 1e-3};

}  // namespace

class TestCli : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QVERIFY2(fs::exists(nest::testing::binDir() / "nestc"), "nestc is not built");
    QVERIFY(fs::exists(mnistModel()));
  }

  // ----------------------------------------------------------------------------------------------
  // Usage and arguments.

  void noArguments() {
    Result r = nestc({});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.out, "usage: nestc COMMAND");
    for (const char* cmd : {"info", "run", "test-data", "print", "dot"})
      NEST_VERIFY(hasLine(r.out, QString("  %1 +\\S.*").arg(cmd)), std::string("command list lacks ") + cmd + ":\n" + r.out);
  }

  void help() {
    for (const char* flag : {"--help", "-h", "help"}) {
      Result r = nestc({flag});
      NEST_EXIT(r, 0);
      NEST_CONTAINS(r.out, "usage: nestc COMMAND");
      NEST_CONTAINS(r.out, "test-data");
    }
  }

  // `nestc --version`: exactly the project version and the 12-digit git revision of the build
  // ("unknown" when built outside git), nothing else.
  void version() {
    Result r = nestc({"--version"});
    NEST_EXIT(r, 0);
    const QRegularExpression re(QStringLiteral("\\Anestc %1\ngit revision ([0-9a-f]{12}|unknown)\n\\z")
                                    .arg(QRegularExpression::escape(QStringLiteral(NEST_PROJECT_VERSION))));
    NEST_VERIFY(re.match(QString::fromStdString(r.out)).hasMatch(), "unexpected `nestc --version` output:\n" + r.out);
    NEST_VERIFY(r.err.empty(), "stderr:\n" + r.err);
  }

  void commandHelp_data() {
    QTest::addColumn<QString>("command");
    QTest::addColumn<QStringList>("options");
    QTest::newRow("info") << "info" << QStringList{"--input-shape NAME=DIMS"};
    QTest::newRow("run") << "run" << QStringList{"--input FILE", "--output-dir DIR", "--format pb|npy", "--backend NAME",
                                                 "--input-shape NAME=DIMS"};
    QTest::newRow("test-data") << "test-data" << QStringList{"--backend NAME", "--rtol R", "--atol A"};
    QTest::newRow("print") << "print" << QStringList{"-o FILE", "--input-shape NAME=DIMS"};
    QTest::newRow("dot") << "dot" << QStringList{"-o FILE", "--constants", "--input-shape NAME=DIMS"};
  }
  void commandHelp() {
    QFETCH(QString, command);
    QFETCH(QStringList, options);
    for (const char* flag : {"--help", "-h"}) {
      Result r = nestc({command, flag});
      NEST_EXIT(r, 0);
      NEST_CONTAINS(r.out, "usage: nestc " + command.toStdString() + " ");
      NEST_CONTAINS(r.out, "options:");
      for (const QString& opt : options) NEST_CONTAINS(r.out, "  " + opt.toStdString());
      NEST_CONTAINS(r.out, "--help");
    }
  }

  void unknownCommand() {
    Result r = nestc({"frobnicate", "model.onnx"});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "unknown command 'frobnicate'");
    NEST_CONTAINS(r.out, "commands:");
  }

  void unknownOption() {
    Result r = nestc({"info", q(mnistModel()), "--bogus"});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "nestc info: error: unknown option '--bogus'");
    NEST_CONTAINS(r.err, "(see nestc info --help)");
    QVERIFY(r.err.find("nestc info:") == r.err.rfind("nestc info:"));  // the prefix once
    r = nestc({"run", q(mnistModel()), "--output-dir=/tmp/x", "--frob=1"});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "unknown option '--frob'");
  }

  void missingArguments() {
    Result r = nestc({"info"});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "nestc info: error: expected MODEL");
    r = nestc({"info", q(mnistModel()), q(mnistModel())});
    NEST_EXIT(r, 2);
    r = nestc({"info", q(mnistModel()), "--input-shape"});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "--input-shape needs a value NAME=DIMS");
    r = nestc({"info", q(mnistModel()), "--input-shape", "Input3=1xx28"});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "Input3=1xx28");
  }

  // ----------------------------------------------------------------------------------------------
  // info

  void infoMnist() {
    Result r = nestc({"info", q(mnistModel())});
    NEST_EXIT(r, 0);
    QVERIFY(r.err.empty());
    NEST_VERIFY(hasLine(r.out, "  Input3: f32\\[1,1,28,28\\]"), r.out);
    NEST_VERIFY(hasLine(r.out, "  Plus214_Output_0: f32\\[1,10\\]"), r.out);
    // The op histogram.
    NEST_VERIFY(hasLine(r.out, "  Conv +2"), r.out);
    NEST_VERIFY(hasLine(r.out, "  Add +3"), r.out);
    NEST_VERIFY(hasLine(r.out, "  Relu +2"), r.out);
    NEST_VERIFY(hasLine(r.out, "  MaxPool +2"), r.out);
    NEST_VERIFY(hasLine(r.out, "  Reshape +2"), r.out);
    NEST_VERIFY(hasLine(r.out, "  MatMul +1"), r.out);
    NEST_VERIFY(hasLine(r.out, "nodes +12"), r.out);
    // 8x1x5x5 + 8 + 16x8x5x5 + 16 + 16x4x4x10 + 10 weights (the two Reshape shapes became attributes).
    NEST_VERIFY(hasLine(r.out, "parameters +5994 \\(6\\.0 k, 24\\.0 kB\\)"), r.out);
    // Conv 8x28x28 outputs x 25 + Conv 16x14x14 x 200 + MatMul 256x10.
    NEST_VERIFY(hasLine(r.out, "MACs +786560 \\(786\\.6 k\\)"), r.out);
  }

  void infoNeedsInputShapeForDynamicModels() {
    // A batch dimension left open: info fails naming the input and the fix, and works with --input-shape.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path model = fs::path(dir.path().toStdString()) / "dyn.onnxtxt";
    std::ofstream(model) << "ir_version: 7\nopset_import { version: 13 }\ngraph {\n  name: \"dyn\"\n"
                            "  node { op_type: \"Relu\" input: \"data\" output: \"y\" name: \"relu\" }\n"
                            "  input { name: \"data\" type { tensor_type { elem_type: 1 shape {\n"
                            "    dim { dim_param: \"batch\" } dim { dim_value: 4 } } } } }\n"
                            "  output { name: \"y\" }\n}\n";
    Result r = nestc({"info", q(model)});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "'data'");
    NEST_CONTAINS(r.err, "--input-shape data=");
    r = nestc({"info", q(model), "--input-shape", "data=3x4"});
    NEST_EXIT(r, 0);
    NEST_VERIFY(hasLine(r.out, "  data: f32\\[3,4\\]"), r.out);
    NEST_VERIFY(hasLine(r.out, "  y: f32\\[3,4\\]"), r.out);
    r = nestc({"info", q(model), "--input-shape=data=3x4x5"});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "rank 3");
  }

  // ----------------------------------------------------------------------------------------------
  // run

  void runMnistPb() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path out = fs::path(dir.path().toStdString()) / "out";
    Result r = nestc({"run", q(mnistModel()), "--input", q(mnistSet(0) / "input_0.pb"), "--output-dir", q(out)});
    NEST_EXIT(r, 0);
    NEST_CONTAINS(r.out, "Plus214_Output_0: f32[1,10]");
    NEST_CONTAINS(r.out, "ran in ");
    QVERIFY(fs::exists(out / "output_0.pb"));
    auto diff = compareTensors(readTensorFile(mnistSet(0) / "output_0.pb"), readTensorFile(out / "output_0.pb"), kMnistTol);
    NEST_VERIFY(!diff, diff.value_or(""));
  }

  void runMnistNpyAndNamedInput() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path out = fs::path(dir.path().toStdString());
    for (int k = 0; k < 3; ++k) {
      const fs::path sub = out / ("set" + std::to_string(k));
      Result r = nestc({"run", q(mnistModel()), "--input", "Input3=" + q(mnistSet(k) / "input_0.pb"), "--output-dir",
                        q(sub), "--format", "npy"});
      NEST_EXIT(r, 0);
      QVERIFY(fs::exists(sub / "output_0.npy"));
      QVERIFY(!fs::exists(sub / "output_0.pb"));
      Tensor got = readNpy(sub / "output_0.npy");
      QCOMPARE(typeToString(got.type()), std::string("f32[1,10]"));
      auto diff = compareTensors(readTensorFile(mnistSet(k) / "output_0.pb"), got, kMnistTol);
      NEST_VERIFY(!diff, diff.value_or(""));
    }
    // An .npy input works as well as a .pb one.
    writeNpy(readTensorFile(mnistSet(1) / "input_0.pb"), out / "in1.npy");
    Result r = nestc({"run", q(mnistModel()), "--input=" + q(out / "in1.npy"), "--output-dir=" + q(out / "npyin")});
    NEST_EXIT(r, 0);
    auto diff = compareTensors(readTensorFile(mnistSet(1) / "output_0.pb"), readTensorFile(out / "npyin" / "output_0.pb"),
                               kMnistTol);
    NEST_VERIFY(!diff, diff.value_or(""));
    r = nestc({"run", q(mnistModel()), "--input", q(out / "in1.npy"), "--output-dir", q(out / "bad"), "--format", "csv"});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "--format must be pb or npy");
  }

  void runBatchedNpy() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path base = fs::path(dir.path().toStdString());
    Tensor batch(TensorType(ElemType::F32, {3, 1, 28, 28}));
    std::vector<Tensor> refs;
    for (int k = 0; k < 3; ++k) {
      Tensor in = readTensorFile(mnistSet(k) / "input_0.pb");
      QCOMPARE(typeToString(in.type()), std::string("f32[1,1,28,28]"));
      std::memcpy(batch.mutableData<float>() + k * 784, in.raw(), in.byteSize());
      refs.push_back(readTensorFile(mnistSet(k) / "output_0.pb"));
    }
    writeNpy(batch, base / "batch.npy");
    Result r = nestc({"run", q(mnistModel()), "--input", q(base / "batch.npy"), "--output-dir", q(base / "out"),
                      "--format", "npy"});
    NEST_EXIT(r, 0);
    NEST_CONTAINS(r.out, "Plus214_Output_0: f32[3,10]");
    Tensor got = readNpy(base / "out" / "output_0.npy");
    QCOMPARE(typeToString(got.type()), std::string("f32[3,10]"));
    for (int k = 0; k < 3; ++k) {
      Tensor row = Tensor::fromVector<float>(
          ElemType::F32, {1, 10}, std::vector<float>(got.data<float>() + k * 10, got.data<float>() + (k + 1) * 10));
      auto diff = compareTensors(refs[k], row, kMnistTol);
      NEST_VERIFY(!diff, "row " + std::to_string(k) + ": " + diff.value_or(""));
    }
  }

  void runErrors() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path base = fs::path(dir.path().toStdString());
    // No --input.
    Result r = nestc({"run", q(mnistModel()), "--output-dir", q(base / "o1")});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "no --input for graph input 'Input3' (f32[1,1,28,28])");
    // No --output-dir.
    r = nestc({"run", q(mnistModel()), "--input", q(mnistSet(0) / "input_0.pb")});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "--output-dir");
    // A wrong input shape: the message names the input and both shapes.
    writeNpy(Tensor(TensorType(ElemType::F32, {1, 1, 14, 14})), base / "small.npy");
    r = nestc({"run", q(mnistModel()), "--input", q(base / "small.npy"), "--output-dir", q(base / "o2")});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "'Input3'");
    NEST_CONTAINS(r.err, "f32[1,1,28,28]");
    NEST_CONTAINS(r.err, "f32[1,1,14,14]");
    QVERIFY(!fs::exists(base / "o2" / "output_0.pb"));
    // A batch that does not divide evenly is a wrong shape too.
    writeNpy(Tensor(TensorType(ElemType::F32, {2, 1, 28, 14})), base / "odd.npy");
    r = nestc({"run", q(mnistModel()), "--input", q(base / "odd.npy"), "--output-dir", q(base / "o3")});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "'Input3'");
    // A wrong element type.
    writeNpy(Tensor(TensorType(ElemType::F64, {1, 1, 28, 28})), base / "f64.npy");
    r = nestc({"run", q(mnistModel()), "--input", q(base / "f64.npy"), "--output-dir", q(base / "o4")});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "'Input3'");
    NEST_CONTAINS(r.err, "f64[1,1,28,28]");
    // A name the model does not have; a missing input file; too many inputs.
    r = nestc({"run", q(mnistModel()), "--input", "Nope=" + q(mnistSet(0) / "input_0.pb"), "--output-dir", q(base / "o5")});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "no input named 'Nope'");
    r = nestc({"run", q(mnistModel()), "--input", q(base / "absent.npy"), "--output-dir", q(base / "o6")});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "absent.npy");
    r = nestc({"run", q(mnistModel()), "--input", q(mnistSet(0) / "input_0.pb"), q(mnistSet(1) / "input_0.pb"),
               "--output-dir", q(base / "o7")});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "too many --input files");
    // A model that does not exist.
    r = nestc({"run", q(base / "nothere.onnx"), "--input", q(mnistSet(0) / "input_0.pb"), "--output-dir", q(base / "o8")});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "nothere.onnx");
    NEST_CONTAINS(r.err, "does not exist");
    // An unknown backend.
    r = nestc({"run", q(mnistModel()), "--input", q(mnistSet(0) / "input_0.pb"), "--output-dir", q(base / "o9"),
               "--backend", "warp-drive"});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "warp-drive");
    NEST_CONTAINS(r.err, "interpreter");
  }

  // ----------------------------------------------------------------------------------------------
  // test-data

  void testDataPasses() {
    Result r = nestc({"test-data", q(nodeTest("test_add")), q(nodeTest("test_relu"))});
    NEST_EXIT(r, 0);
    NEST_VERIFY(hasLine(r.out, "PASS test_add"), r.out);
    NEST_VERIFY(hasLine(r.out, "PASS test_relu"), r.out);
    NEST_VERIFY(hasLine(r.out, "2 passed, 0 failed"), r.out);
    QVERIFY(!contains(r.out, "FAIL"));
  }

  void testDataFailsOnWrongReference() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path src = nodeTest("test_relu");
    const fs::path dst = fs::path(dir.path().toStdString()) / "test_relu_corrupted";
    fs::create_directories(dst / "test_data_set_0");
    fs::copy_file(src / "model.onnx", dst / "model.onnx");
    fs::copy_file(src / "test_data_set_0" / "input_0.pb", dst / "test_data_set_0" / "input_0.pb");
    Tensor ref = readTensorPb(src / "test_data_set_0" / "output_0.pb");
    QCOMPARE(ref.elem(), ElemType::F32);
    Tensor wrong(ref.type());
    for (int64_t i = 0; i < ref.numElements(); ++i) wrong.mutableData<float>()[i] = ref.data<float>()[i] + 1.0f;
    writeTensorPb(wrong, "y", dst / "test_data_set_0" / "output_0.pb");

    Result r = nestc({"test-data", q(dst)});
    NEST_EXIT(r, 1);
    NEST_VERIFY(hasLine(r.out, "FAIL test_relu_corrupted: .+"), r.out);
    NEST_VERIFY(hasLine(r.out, "0 passed, 1 failed"), r.out);
    // Mixed with a passing case: still exit 1, both counted.
    r = nestc({"test-data", q(nodeTest("test_relu")), q(dst)});
    NEST_EXIT(r, 1);
    NEST_VERIFY(hasLine(r.out, "PASS test_relu"), r.out);
    NEST_VERIFY(hasLine(r.out, "1 passed, 1 failed"), r.out);
    // A loose tolerance accepts the corrupted reference (every value is off by exactly 1).
    r = nestc({"test-data", q(dst), "--atol", "1.5"});
    NEST_EXIT(r, 0);
    NEST_VERIFY(hasLine(r.out, "1 passed, 0 failed"), r.out);
    // Tolerances that are not numbers.
    for (const char* bad : {"abc", "1e-3x", "-1", ""}) {
      r = nestc({"test-data", q(dst), "--rtol", bad});
      NEST_EXIT(r, 2);
      NEST_CONTAINS(r.err, "nestc test-data: error: --rtol expects a number >= 0, got '" + std::string(bad) + "'");
    }
  }

  // ----------------------------------------------------------------------------------------------
  // print and dot

  void printParsesBack() {
    Result r = nestc({"print", q(mnistModel())});
    NEST_EXIT(r, 0);
    NEST_CONTAINS(r.out, "input %Input3: f32[1,1,28,28]");
    NEST_CONTAINS(r.out, "output %Plus214_Output_0");
    const Graph imported = importOnnxFile(mnistModel()).graph;
    Graph parsed = parseGraph(r.out, blobsOf(imported));
    QCOMPARE(printGraph(parsed), r.out);
    QCOMPARE(printGraph(imported), r.out);
    QCOMPARE(parsed.inputs, std::vector<std::string>{"Input3"});
    QCOMPARE(parsed.nodes.size(), size_t(12));
  }

  void printToNirFile() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path nir = fs::path(dir.path().toStdString()) / "x.nir";
    Result r = nestc({"print", q(mnistModel()), "-o", q(nir)});
    NEST_EXIT(r, 0);
    QVERIFY(r.out.empty());
    QVERIFY(fs::exists(nir));
    QVERIFY(fs::exists(fs::path(nir.string() + ".weights")));
    QCOMPARE(readText(nir), printGraph(importOnnxFile(mnistModel()).graph));

    r = nestc({"info", q(nir)});
    NEST_EXIT(r, 0);
    NEST_VERIFY(hasLine(r.out, "  Input3: f32\\[1,1,28,28\\]"), r.out);
    NEST_VERIFY(hasLine(r.out, "parameters +5994 .*"), r.out);
    NEST_VERIFY(hasLine(r.out, "  Conv +2"), r.out);

    // The text IR runs like the model it came from.
    const fs::path out = fs::path(dir.path().toStdString()) / "out";
    r = nestc({"run", q(nir), "--input", q(mnistSet(2) / "input_0.pb"), "--output-dir", q(out)});
    NEST_EXIT(r, 0);
    auto diff = compareTensors(readTensorFile(mnistSet(2) / "output_0.pb"), readTensorFile(out / "output_0.pb"), kMnistTol);
    NEST_VERIFY(!diff, diff.value_or(""));

    // -o with another extension writes the text as is.
    const fs::path txt = fs::path(dir.path().toStdString()) / "x.txt";
    r = nestc({"print", q(mnistModel()), "-o", q(txt)});
    NEST_EXIT(r, 0);
    QCOMPARE(readText(txt), printGraph(importOnnxFile(mnistModel()).graph));
  }

  void dot() {
    Result r = nestc({"dot", q(mnistModel())});
    NEST_EXIT(r, 0);
    QVERIFY(r.out.rfind("digraph", 0) == 0);
    for (const char* node : {"Convolution28", "Convolution110", "Plus30", "ReLU32", "Pooling66", "Times212",
                             "Times212_reshape0", "Plus214"})
      NEST_CONTAINS(r.out, node);
    NEST_CONTAINS(r.out, "Input3");
    QVERIFY(r.out.find_last_of('}') != std::string::npos);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path file = fs::path(dir.path().toStdString()) / "m.dot";
    r = nestc({"dot", q(mnistModel()), "--constants", "-o", q(file)});
    NEST_EXIT(r, 0);
    std::string text = readText(file);
    QVERIFY(text.rfind("digraph", 0) == 0);
    NEST_CONTAINS(text, "Parameter5");  // constants drawn as nodes
  }

  // ----------------------------------------------------------------------------------------------
  // Models nestc does not take.

  void unsupportedGlowModel() {
    // Caffe2's BatchBoxCox, which Glow's importer knows but ONNX does not.
    const fs::path model = nest::testing::testdata() / "glow-onnx" / "batchBoxCox.onnxtxt";
    for (const char* cmd : {"info", "print", "dot"}) {
      Result r = nestc({cmd, q(model)});
      NEST_EXIT(r, 2);
      NEST_CONTAINS(r.err, "unsupported op type");
      NEST_CONTAINS(r.err, "BatchBoxCox");
    }
  }

  void notAModel() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path file = fs::path(dir.path().toStdString()) / "notes.onnx";
    std::ofstream(file) << "this is not a protobuf \xff\xfe\x01";
    Result r = nestc({"info", q(file)});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "notes.onnx");
    r = nestc({"info", dir.path()});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "is a directory");
    r = nestc({"info", q(fs::path(dir.path().toStdString()) / "nothere.nir")});
    NEST_EXIT(r, 2);
    NEST_CONTAINS(r.err, "nothere.nir");
  }
  // The transformer ops have reference kernels (nestc run) but no CPU kernels yet: `nestc compile
  // --target cpu` lists every such node with its op before generating anything (exit 2).
  void compileRefusesOpsWithoutCpuKernels() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path model = fs::path(dir.path().toStdString()) / "transformer.nir";
    std::ofstream(model) <<
    "graph \"transformer\" {\n"
    "  input %x: f32[2,3,4]\n"
    "  const %scale: f32[4] = dense<[1.0, 0.5, -1.0, 2.0]>\n"
    "  const %gi: i64[2,3,1] = dense<[0, 3, 1, 2, 2, 0]>\n"
    "  const %ni: i64[2,1] = dense<[1, 0]>\n"
    "  const %si: i64[1,2] = dense<[1, 2]>\n"
    "  const %su: f32[1,4] = dense<[1.0, 2.0, 3.0, 4.0]>\n"
    "  %ln: f32[2,3,4] = LayerNormalization #1 \"ln\"(%x, %scale)\n"
    "  %att: f32[2,3,3] = Einsum #2 \"att\"(%ln, %x) {equation=\"bid,bjd->bij\"}\n"
    "  %mask: f32[2,3,3] = Trilu #3 \"mask\"(%att) {upper=0}\n"
    "  %cs: f32[2,3,3] = CumSum #4 \"cs\"(%mask) {axis=-1}\n"
    "  %ge: f32[2,3,1] = GatherElements #5 \"ge\"(%x, %gi) {axis=2}\n"
    "  %nd: f32[2,3,4] = GatherND #6 \"nd\"(%x, %ni)\n"
    "  %sc: f32[2,3,4] = ScatterND #7 \"sc\"(%x, %si, %su)\n"
    "  %g: f32[2,3,4] = Gelu #8 \"gelu\"(%sc) {approximate=\"tanh\"}\n"
    "  output %cs\n"
    "  output %ge\n"
    "  output %nd\n"
    "  output %g\n"
    "}\n";
    Result r = nestc({"compile", q(model), "--target", "cpu", "-o", q(fs::path(dir.path().toStdString()) / "bundle")});
    NEST_EXIT(r, 2);
    // LayerNormalization has a CPU kernel (test_cpu_backend); the others do not, yet.
    QCOMPARE(r.err, std::string("nestc compile: error: the CPU backend does not support 6 node(s):\n"
                                "  node 'att' (Einsum): no CPU kernel for Einsum\n"
                                "  node 'mask' (Trilu): no CPU kernel for Trilu\n"
                                "  node 'cs' (CumSum): no CPU kernel for CumSum\n"
                                "  node 'ge' (GatherElements): no CPU kernel for GatherElements\n"
                                "  node 'nd' (GatherND): no CPU kernel for GatherND\n"
                                "  node 'sc' (ScatterND): no CPU kernel for ScatterND\n"));
    QVERIFY(!fs::exists(fs::path(dir.path().toStdString()) / "bundle"));
  }
};

QTEST_APPLESS_MAIN(TestCli)
#include "test_cli.moc"
