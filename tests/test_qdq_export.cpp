// QDQ ONNX export of quantized graphs: mnist-8 (per tensor, per channel, mixed precision) passes
// onnx's checker (python3-onnx), has int8 weight / int32 bias initializers read through
// DequantizeLinear (with `axis` when per channel), and, re-imported by our importer, gives the
// same top-1 as the integer graph (>= 99.5% of 1,000 MNIST test images, the target) with
// outputs within a few output quantization steps; int16 is refused; nestc quantize -o OUT.onnx.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "backends/interpreter/interpreter.h"
#include "backends/profiler.h"
#include "backends/quant_report.h"
#include "core/calibration_data.h"
#include "core/model_loader.h"
#include "core/onnx_export_qdq.h"
#include "core/quant_config.h"
#include "passes/pass_manager.h"
#include "passes/pass_registry.h"
#include "passes/quantization/quantize.h"
#include "test_support.h"

using namespace nest;

namespace {

std::filesystem::path mnistModel() { return testing::testdata() / "models" / "mnist-8" / "model.onnx"; }
std::filesystem::path mnistImages() { return testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz"; }

CalibrationSet mnistSet(const Graph& g, int64_t skip, int64_t limit) {
  CalibrationOptions o;
  o.skip = skip;
  o.limit = limit;
  return openCalibrationSet(g, {mnistImages().string()}, o);
}

int countNodes(const onnx::ModelProto& m, const std::string& op) {
  int n = 0;
  for (const auto& node : m.graph().node()) n += node.op_type() == op;
  return n;
}

const onnx::TensorProto* initializer(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer())
    if (t.name() == name) return &t;
  return nullptr;
}

}  // namespace

class TestQdqExport : public QObject {
  Q_OBJECT

 private slots:
  void mnistQdqAgreesWithIntegerGraph() {
    const Graph g = runPipeline(loadModel(mnistModel()), namedPipeline("O1")).result();
    const QuantProfile profile = profileGraph(g, mnistSet(g, 0, 100));
    QuantConfig perTensor, perChannel, mixed;
    perChannel.perChannel = true;
    perChannel.defaults.schema = QuantSchema::Symmetric;
    mixed.nodes["Convolution110"].keepFloat = true;
    const std::pair<const char*, QuantConfig> cases[] = {
        {"per-tensor", perTensor}, {"per-channel", perChannel}, {"mixed", mixed}};
    QTemporaryDir dir;
    const std::filesystem::path d = dir.path().toStdString();
    const CalibrationSet val = mnistSet(g, 100, 1000);
    for (const auto& [name, config] : cases) {
      Graph qg = g;
      QVERIFY(quantizeGraph(qg, profile, config, "test"));
      const std::filesystem::path file = d / (std::string(name) + ".onnx");
      exportQdqOnnx(qg, file);
      const std::string checker = testing::onnxChecker(file);
      NEST_VERIFY(checker.empty(), std::string(name) + ": onnx checker: " + checker);

      // Structure: opset >= 13; weights int8 behind DequantizeLinear; int32 biases; Q/DQ pairs.
      const onnx::ModelProto m = exportQdqModel(qg);
      QVERIFY(m.opset_import(0).version() >= 13);
      int int8Weights = 0, int32Biases = 0, perAxis = 0;
      for (const auto& node : m.graph().node()) {
        if (node.op_type() != "DequantizeLinear") continue;
        const onnx::TensorProto* t = initializer(m, node.input(0));
        if (!t) continue;
        int8Weights += t->data_type() == onnx::TensorProto::INT8 && t->dims_size() >= 2;
        int32Biases += t->data_type() == onnx::TensorProto::INT32;
        for (const auto& a : node.attribute()) perAxis += a.name() == "axis";
      }
      const int integerConvs = std::string(name) == "mixed" ? 1 : 2;
      NEST_VERIFY(int8Weights == integerConvs + 1, std::string(name) + ": int8 weights " + std::to_string(int8Weights));
      QCOMPARE(int32Biases, integerConvs + 1);  // Conv and Gemm biases
      QCOMPARE(perAxis, std::string(name) == "per-channel" ? 2 * 3 : 0);  // weights and biases of 2 Conv + Gemm
      QCOMPARE(countNodes(m, "Conv"), 2);
      QVERIFY(countNodes(m, "QuantizeLinear") >= 4);

      // Re-imported, it computes what the integer graph computes (float ops between Q/DQ).
      const Graph back = loadModel(file);
      Interpreter a(qg), b(back);
      int64_t agree = 0, rows = 0;
      double maxSteps = 0, sumSteps = 0;
      float step = 0;
      for (const Node& n : qg.nodes)
        if (n.op == "Dequantize" && n.outputs[0] == qg.outputs[0]) step = qg.typeOf(n.inputs[0]).quant->scales[0];
      // The output's quantization step: from the profile, by schema (symmetric widens the range).
      QCOMPARE(step, std::string(name) == "per-channel" ? 67.6682892f : 59.9307404f);
      for (size_t r = 0; r < val.runs(); ++r) {
        const std::vector<Tensor> in = val.inputsForRun(r);
        const Tensor x = a.run(in).at(0), y = b.run(in).at(0);
        agree += argmaxRows(x) == argmaxRows(y);
        ++rows;
        for (int64_t i = 0; i < x.numElements(); ++i) {
          const double s = std::abs(x.data<float>()[i] - y.data<float>()[i]) / step;
          maxSteps = std::max(maxSteps, s);
          sumSteps += s;
        }
      }
      const double agreement = 100.0 * agree / rows, meanSteps = sumSteps / (rows * 10);
      qInfo("%s: re-imported QDQ vs integer graph: top-1 agreement %.2f%% on %lld images, output difference mean %.3f, "
            "max %.0f steps",
            name, agreement, static_cast<long long>(rows), meanSteps, maxSteps);
      NEST_VERIFY(agreement >= 99.5, std::string(name) + ": agreement " + std::to_string(agreement));
      NEST_VERIFY(meanSteps < 0.5 && maxSteps <= 8, std::string(name) + ": output steps mean " +
                                                        std::to_string(meanSteps) + " max " + std::to_string(maxSteps));
    }
  }

  void int16IsRefused() {
    const Graph g = runPipeline(loadModel(mnistModel()), namedPipeline("O1")).result();
    const QuantProfile profile = profileGraph(g, mnistSet(g, 0, 10));
    QuantConfig c;
    c.defaults.precision = QuantPrecision::Int16;
    Graph qg = g;
    quantizeGraph(qg, profile, c, "test");
    ErrorKind kind = ErrorKind::Internal;
    const std::string e = testing::errorOf([&] { exportQdqModel(qg); }, &kind);
    NEST_VERIFY(kind == ErrorKind::Unsupported && e.find("--precision int8") != std::string::npos, e);
  }

  void cli() {
    QTemporaryDir dir;
    const std::filesystem::path d = dir.path().toStdString();
    const QString model = QString::fromStdString(mnistModel().string());
    const QString profile = QString::fromStdString((d / "p.yaml").string());
    testing::NestcResult r = testing::runNestc(
        {"profile", model, "--input", QString::fromStdString(mnistImages().string()), "--limit", "50", "-o", profile});
    NEST_VERIFY(r.code == 0, r.all());
    const std::filesystem::path out = d / "q.onnx";
    r = testing::runNestc({"quantize", model, "--profile", profile, "--per-channel", "-o", QString::fromStdString(out.string())});
    NEST_VERIFY(r.code == 0 && r.out.find("wrote") != std::string::npos, r.all());
    QVERIFY(testing::onnxChecker(out).empty());
    QCOMPARE(testing::countOp(loadModel(out), "Conv"), 2);
    r = testing::runNestc({"quantize", model, "--profile", profile, "--precision", "int16", "-o",
                           QString::fromStdString((d / "q16.onnx").string())});
    NEST_VERIFY(r.code == 2 && r.err.find("int8") != std::string::npos, r.all());
    r = testing::runNestc({"quantize", model, "--profile", profile, "-o", QString::fromStdString((d / "q.txt").string())});
    NEST_VERIFY(r.code == 2 && r.err.find(".onnx") != std::string::npos, r.all());
  }
};

QTEST_GUILESS_MAIN(TestQdqExport)
#include "test_qdq_export.moc"
