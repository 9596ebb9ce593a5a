// The PaddleOCR models (scripts/fetch-ocr-models.sh, run by scripts/setup.sh) end to end on a
// handful of rendered text lines (nest-ocr-lines): fp32 reads the rendered strings; -O1 recomposes
// every decomposed hard-swish (counts pinned); the quantizer makes every activation one table op
// (counts pinned, no float Div left); int8 reads the same strings as fp32 and the classifier
// agrees. The full measurement is scripts/bench-ocr-quant.sh (docs/quantization.md, "PaddleOCR").
#include <QProcess>
#include <QTemporaryDir>
#include <cmath>
#include <fstream>

#include "backends/interpreter/interpreter.h"
#include "backends/profiler.h"
#include "core/model_loader.h"
#include "core/npy.h"
#include "core/verifier.h"
#include "passes/pass_manager.h"
#include "passes/quantization/quantize.h"
#include "tests/test_support.h"

using namespace nest;

namespace {

std::filesystem::path modelsDir() { return testing::binDir().parent_path() / "ocr-models"; }

// Fails the test when the models are missing, naming the script that installs them.
bool haveModels() {
  for (const char* f : {"ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx",
                        "ppocr_keys_v1.txt"})
    if (!std::filesystem::exists(modelsDir() / f)) {
      QTest::qFail(("missing " + (modelsDir() / f).string() +
                    ": run scripts/fetch-ocr-models.sh (scripts/setup.sh does)").c_str(), __FILE__, __LINE__);
      return false;
    }
  return true;
}

Graph load(const char* file, Shape shape) {
  ImportOptions o;
  o.inputShapes["x"] = std::move(shape);
  return runPipeline(loadModel(modelsDir() / file, o), namedPipeline("O1")).result();
}

// Row i of a N x ... tensor as a 1 x ... tensor.
Tensor row(const Tensor& t, int64_t i) {
  Shape s = t.shape();
  s[0] = 1;
  TensorType ty(t.elem(), s);
  return Tensor(ty, static_cast<const char*>(t.raw()) + i * ty.byteSize());
}

// Activations that are fused into their producer count as that activation.
int activations(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op == op || node.attrs.getString("activation", "") == op;
  return n;
}

// CTC greedy decoding of a 1 x T x C probability tensor: argmax per step, repeats merged, blank 0
// dropped; classes 1..C-2 are the dictionary's lines, C-1 the space.
std::string decode(const Tensor& probs, const std::vector<std::string>& keys) {
  const int64_t steps = probs.shape()[1], classes = probs.shape()[2];
  std::string s;
  int64_t last = 0;
  for (int64_t t = 0; t < steps; ++t) {
    int64_t best = 0;
    for (int64_t c = 1; c < classes; ++c)
      if (probs.getDouble(t * classes + c) > probs.getDouble(t * classes + best)) best = c;
    if (best != last && best != 0) s += best == classes - 1 ? " " : keys.at(static_cast<size_t>(best - 1));
    last = best;
  }
  return s;
}

struct Data {
  QTemporaryDir dir;
  Tensor rec, cls, det, clsLabels;
  std::vector<std::string> truth;
};

// 12 lines and 4 pages rendered with seed 1: lines 0-7 and pages 0-1 calibrate, the rest evaluate.
bool render(Data& d) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(QString::fromStdString((testing::binDir() / "nest-ocr-lines").string()),
          {d.dir.path(), "--lines", "12", "--pages", "4", "--seed", "1"});
  if (!p.waitForFinished(120000) || p.exitCode() != 0) {
    QTest::qFail(("nest-ocr-lines failed: " + p.readAll().toStdString()).c_str(), __FILE__, __LINE__);
    return false;
  }
  const std::string base = d.dir.path().toStdString() + "/";
  d.rec = readNpy(base + "rec.npy");
  d.cls = readNpy(base + "cls.npy");
  d.det = readNpy(base + "det.npy");
  d.clsLabels = readNpy(base + "cls_labels.npy");
  std::ifstream f(base + "rec.txt");
  for (std::string line; std::getline(f, line);) d.truth.push_back(line);
  return true;
}

Graph quantized(const Graph& g, const Tensor& calib, int64_t n) {
  Profiler profiler(g);
  for (int64_t i = 0; i < n; ++i) profiler.run({row(calib, i)});
  QuantConfig config;
  config.perChannel = true;
  Graph q = g;
  quantizeGraph(q, profiler.profile(), config, "rendered lines");
  verifyGraph(q);
  return q;
}

// Integer nodes of op `op` and float nodes other than Quantize / Dequantize.
int integerOps(const Graph& q, const std::string& op) {
  int n = 0;
  for (const Node& node : q.nodes) n += node.op == op && q.typeOf(node.outputs[0]).quant.has_value();
  return n;
}
int floatNodes(const Graph& q) {
  int n = 0;
  for (const Node& node : q.nodes)
    n += node.op != "Quantize" && node.op != "Dequantize" && !q.typeOf(node.outputs[0]).quant.has_value();
  return n;
}

// The float nodes by op, "Op count, ..." in op order.
std::string floatOps(const Graph& q) {
  std::map<std::string, int> ops;
  for (const Node& node : q.nodes)
    if (node.op != "Quantize" && node.op != "Dequantize" && !q.typeOf(node.outputs[0]).quant.has_value()) ++ops[node.op];
  std::string s;
  for (const auto& [op, n] : ops) s += (s.empty() ? "" : ", ") + op + " " + std::to_string(n);
  return s;
}

}  // namespace

class TestOcrModels : public QObject {
  Q_OBJECT

 private slots:
  // Every decomposed hard-swish becomes one HardSwish (fused into its Conv where it follows one),
  // every x * sigmoid(x) one Swish.
  void hardSwishRecomposed() {
    if (!haveModels()) return;
    struct M {
      const char* file;
      Shape shape;
      int hardSwish, hardSigmoid, swish;
    };
    for (const M& m : {M{"ch_PP-OCRv4_det_infer.onnx", {1, 3, 128, 480}, 24, 10, 0},
                       M{"ch_PP-OCRv4_rec_infer.onnx", {1, 3, 48, 320}, 28, 2, 7},
                       M{"ch_ppocr_mobile_v2.0_cls_infer.onnx", {1, 3, 48, 192}, 18, 9, 0}}) {
      const Graph g = load(m.file, m.shape);
      QCOMPARE(activations(g, "HardSwish"), m.hardSwish);
      QCOMPARE(activations(g, "HardSigmoid"), m.hardSigmoid);
      QCOMPARE(activations(g, "Swish"), m.swish);
      QCOMPARE(testing::countOp(g, "Clip"), 0);  // every Clip was part of a hard-swish
    }
  }

  void recognizerInt8() {
    if (!haveModels()) return;
    Data d;
    if (!render(d)) return;
    std::vector<std::string> keys;
    std::ifstream kf(modelsDir() / "ppocr_keys_v1.txt");
    for (std::string line; std::getline(kf, line);) keys.push_back(line);
    QCOMPARE(keys.size(), size_t{6623});
    const Graph g = load("ch_PP-OCRv4_rec_infer.onnx", {1, 3, 48, 320});
    const Graph q = quantized(g, d.rec, 8);
    QCOMPARE(integerOps(q, "HardSwish"), 28);
    QCOMPARE(integerOps(q, "HardSigmoid"), 2);
    QCOMPARE(integerOps(q, "Swish"), 7);  // Paddle's swish: x * sigmoid(1.0 * x)
    QCOMPARE(integerOps(q, "Sigmoid"), 0);
    QCOMPARE(integerOps(q, "Div"), 0);
    // No integer form at int8: 5 LayerNormalization and 2 Attention (fuse-layernorm, fuse-attention),
    // the head's Softmax (LayerNorm and Softmax have one at int16 only), and 23 data movements between float nodes (6 Slice, 7 Squeeze, 2 Transpose, 8
    // Reshape; fold-attention-transposes made each attention's K and result Transposes its kt_perm
    // and y_perm; 5 of the Reshapes stack the [1, 40, 120] rows of a float result, a LayerNorm's or an
    // attention's, for the linear layer after it, a Gemm since matmul-add-to-gemm takes sequences).
    QCOMPARE(QString::fromStdString(floatOps(q)),
             QString("Attention 2, LayerNormalization 5, Reshape 8, Slice 6, Softmax 1, Squeeze 7, Transpose 2"));
    QCOMPARE(floatNodes(q), 31);
    for (int64_t i = 8; i < 12; ++i) {
      const std::string f = decode(Interpreter(g).run({row(d.rec, i)})[0], keys);
      const std::string r = decode(Interpreter(q).run({row(d.rec, i)})[0], keys);
      NEST_VERIFY(f == d.truth[static_cast<size_t>(i)], "fp32 read '" + f + "' for '" + d.truth[static_cast<size_t>(i)] + "'");
      NEST_VERIFY(r == f, "int8 read '" + r + "' where fp32 read '" + f + "'");
    }
  }

  void classifierInt8() {
    if (!haveModels()) return;
    Data d;
    if (!render(d)) return;
    const Graph g = load("ch_ppocr_mobile_v2.0_cls_infer.onnx", {1, 3, 48, 192});
    const Graph q = quantized(g, d.cls, 8);
    QCOMPARE(integerOps(q, "HardSwish"), 18);
    QCOMPARE(integerOps(q, "HardSigmoid"), 9);
    QCOMPARE(floatNodes(q), 1);  // Softmax
    for (int64_t i = 8; i < 12; ++i) {
      const Tensor f = Interpreter(g).run({row(d.cls, i)})[0], r = Interpreter(q).run({row(d.cls, i)})[0];
      const int64_t fa = f.getDouble(1) > f.getDouble(0), ra = r.getDouble(1) > r.getDouble(0);
      QCOMPARE(fa, d.clsLabels.getInt(i));
      QCOMPARE(ra, fa);
    }
  }

  void detectorInt8() {
    if (!haveModels()) return;
    Data d;
    if (!render(d)) return;
    const Graph g = load("ch_PP-OCRv4_det_infer.onnx", {1, 3, 128, 480});
    const Graph q = quantized(g, d.det, 2);
    QCOMPARE(integerOps(q, "HardSwish"), 24);
    QCOMPARE(integerOps(q, "HardSigmoid"), 10);
    QCOMPARE(integerOps(q, "Sigmoid"), 1);
    QCOMPARE(integerOps(q, "Div"), 0);
    QCOMPARE(floatNodes(q), 10);  // ConvTranspose, Resize, BatchNormalization pieces
    double sig = 0, noise = 0;
    for (int64_t i = 2; i < 4; ++i) {
      const Tensor f = Interpreter(g).run({row(d.det, i)})[0], r = Interpreter(q).run({row(d.det, i)})[0];
      for (int64_t k = 0; k < f.numElements(); ++k) {
        sig += f.getDouble(k) * f.getDouble(k);
        noise += (f.getDouble(k) - r.getDouble(k)) * (f.getDouble(k) - r.getDouble(k));
      }
    }
    const double sqnr = 10 * std::log10(sig / noise);
    qInfo("detector output SQNR on 2 rendered pages: %.2f dB", sqnr);
    QVERIFY2(sqnr >= 5, std::to_string(sqnr).c_str());
  }
};

QTEST_GUILESS_MAIN(TestOcrModels)
#include "test_ocr_models.moc"
