// Quality report and sensitivity analysis: per-value SQNR / max error / top-1 / accuracy against
// hand-computed numbers on a small graph; sensitivity on mnist-8 with one node's profile made
// deliberately bad (it must rank first, be kept float and the target met, by local metrics and
// by isolated runs); nestc quant-report and nestc sensitivity (project file written, updated and
// honoured by nestc quantize --project; exit codes).
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

#include "backends/profiler.h"
#include "backends/quant_report.h"
#include "backends/cpu/cpu_support_table.h"
#include "backends/quant_sensitivity.h"
#include "core/calibration_data.h"
#include "core/model_loader.h"
#include "core/npy.h"
#include "core/project_file.h"
#include "core/text_ir.h"
#include "core/quant_config.h"
#include "core/quant_profile.h"
#include "passes/pass_manager.h"
#include "passes/pass_registry.h"
#include "passes/quantization/bias_correction.h"
#include "passes/quantization/quantize.h"
#include "quant_report_graphs.h"
#include "test_support.h"

using namespace nest;

namespace {

std::filesystem::path mnistModel() { return testing::testdata() / "models" / "mnist-8" / "model.onnx"; }
std::filesystem::path mnistImages() { return testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz"; }
std::filesystem::path mnistLabels() { return testing::testdata() / "mnist" / "t10k-labels-idx1-ubyte.gz"; }

CalibrationSet mnistSet(const Graph& g, int64_t skip, int64_t limit) {
  CalibrationOptions o;
  o.skip = skip;
  o.limit = limit;
  return openCalibrationSet(g, {mnistImages().string()}, o);
}

// The mnist-8 graph after -O1 and its profile over the first 200 test images, with the result
// range of node Convolution28 made 40 times too wide (40 times coarser steps).
struct BadMnist {
  Graph g;
  QuantProfile profile;
};
BadMnist badMnist() {
  BadMnist b{runPipeline(loadModel(mnistModel()), namedPipeline("O1")).result(), {}};
  b.profile = profileGraph(b.g, mnistSet(b.g, 0, 200));
  bool found = false;
  for (ValueProfile& v : b.profile.values)
    if (v.name == "Convolution28_Output_0") {
      v.max *= 40;
      found = true;
    }
  if (!found) qFatal("mnist-8 has no value Convolution28_Output_0");
  return b;
}

QString q(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

}  // namespace

class TestQuantReport : public QObject {
  Q_OBJECT

 private slots:
  void errorStats() {
    ErrorStats e;
    const float f[] = {1, -2, 3}, same[] = {1, -2, 3}, off[] = {1.5, -2, 2};
    e.add(f, same, 3);
    QCOMPARE(e.sqnrDb(), std::numeric_limits<double>::infinity());
    QCOMPARE(e.noiseRatio(), 0.0);
    e.add(f, off, 3);  // signal 2 * 14, noise 0.25 + 1
    QCOMPARE(e.count, int64_t(6));
    QVERIFY(std::abs(e.sqnrDb() - 10 * std::log10(28 / 1.25)) < 1e-12);
    QCOMPARE(e.maxAbs, 1.0);
    QCOMPARE(ErrorStats{}.sqnrDb(), 0.0);
  }

  void reportOnSmallGraph() {
    Graph g = testing::graphFromText(kScaleByOneGraph);
    QuantProfile profile;
    profile.graphHash = graphHash(g);
    profile.values = {{"x", 0.f, 2.55f, std::vector<float>(10, 1.f)}, {"y", 0.f, 2.55f, std::vector<float>(10, 1.f)}};
    Graph qg = g;
    QVERIFY(quantizeGraph(qg, profile, {}, "test"));
    QCOMPARE(testing::countOp(qg, "Mul"), 1);

    QTemporaryDir dir;
    const std::filesystem::path d = dir.path().toStdString();
    // Three runs. Errors (scale 0.01, values clipped to [0, 2.55]): 0.004 -> 0 and 0.016 -> 0.02
    // (0.004 each), 3.0 -> 2.55 (0.45); 0.255 -> 0.25 or 0.26 (0.005); 2.9 -> 2.55 (0.35), 3.0 (0.45).
    const std::vector<float> x = {0.004f, 0.016f, 1.f, 3.f, 0.5f, 0.255f, 2.f, 0.f, 2.9f, 3.f, 0.f, 0.f};
    writeNpy(Tensor::fromVector<float>(ElemType::F32, {3, 4}, x), d / "x.npy");
    writeNpy(Tensor::fromVector<int64_t>(ElemType::I64, {3}, {3, 1, 1}), d / "labels.npy");
    const std::vector<int64_t> labels = readLabels(d / "labels.npy");
    CalibrationSet data = openCalibrationSet(g, {(d / "x.npy").string()}, {});
    QuantReportOptions o;
    o.labels = &labels;
    const QuantReport r = quantReport(g, qg, data, o);

    double signal = 0;
    for (float v : x) signal += double(v) * v;
    const double noise = 2 * 0.004 * 0.004 + 0.45 * 0.45 + 0.005 * 0.005 + 0.35 * 0.35 + 0.45 * 0.45;
    const double expected = 10 * std::log10(signal / noise);  // 17.79 dB
    QCOMPARE(r.runs, int64_t(3));
    QCOMPARE(r.nodes.size(), size_t(2));  // x's Quantize and the Mul
    for (const NodeQuality& n : r.nodes) {
      NEST_VERIFY(std::abs(n.error.sqnrDb() - expected) < 1e-3,
                  n.value + ": SQNR " + std::to_string(n.error.sqnrDb()) + " vs " + std::to_string(expected));
      QVERIFY(std::abs(n.error.maxAbs - 0.45) < 1e-5);
      QCOMPARE(n.error.count, int64_t(12));
      QCOMPARE(n.type, std::string("i8"));
    }
    QCOMPARE(r.nodes[0].op, std::string("Quantize"));
    QCOMPARE(r.nodes[0].reference, std::string("x"));
    QCOMPARE(r.nodes[1].op, std::string("Mul"));
    QCOMPARE(r.nodes[1].reference, std::string("y"));
    QVERIFY(std::abs(r.outputSqnrDb() - expected) < 1e-3);
    // argmax: run 1 both 3; run 2 both 2; run 3 float 1 (3.0 > 2.9), quantized 0 (both 2.55).
    QCOMPARE(r.rows, int64_t(3));
    QCOMPARE(r.top1Agree, int64_t(2));
    QCOMPARE(r.labelled, int64_t(3));
    QCOMPARE(r.floatCorrect, int64_t(2));
    QCOMPARE(r.quantCorrect, int64_t(1));
    const nlohmann::json j = r.toJson();
    QVERIFY(std::abs(j["top1Agreement"].get<double>() - 200.0 / 3) < 1e-9);
    QCOMPARE(j["nodes"].size(), size_t(2));
    QVERIFY(std::abs(j["outputs"][0]["sqnrDb"].get<double>() - expected) < 1e-3);
  }

  void labelsFiles() {
    const std::vector<int64_t> mnist = readLabels(mnistLabels(), 500);
    QCOMPARE(mnist.size(), size_t(9500));
    QTemporaryDir dir;
    const std::filesystem::path d = dir.path().toStdString();
    writeNpy(Tensor::fromVector<float>(ElemType::F32, {2}, {1.5f, 2.f}), d / "bad.npy");
    NEST_VERIFY(testing::errorOf([&] { readLabels(d / "bad.npy"); }).find("label 0") != std::string::npos, "names label");
    NEST_VERIFY(testing::errorOf([&] { readLabels(d / "missing.npy"); }).find("missing.npy") != std::string::npos,
                "names file");
  }

  void sensitivityFindsTheBadNode() {
    BadMnist b = badMnist();
    CalibrationSet val = mnistSet(b.g, 200, 300);
    for (bool isolated : {false, true}) {
      SensitivityOptions o;
      o.value = 0.5;  // top-1-agreement drop, points
      o.isolated = isolated;
      const SensitivityResult r = analyzeSensitivity(b.g, b.profile, {}, val, o);
      NEST_VERIFY(r.fullyQuantized.drop() > 0.5,
                  "the bad range must hurt: drop " + std::to_string(r.fullyQuantized.drop()));
      QVERIFY(!r.ranking.empty());
      NEST_VERIFY(r.ranking[0].node == "Convolution28", "ranked first: " + r.ranking[0].node);
      QCOMPARE(r.keptFloat, std::vector<std::string>{"Convolution28"});
      QVERIFY(r.met);
      QVERIFY(r.chosen.drop() <= 0.5);
      QVERIFY(r.chosen.outputSqnrDb > r.fullyQuantized.outputSqnrDb + 10);
      qInfo("%s: fully quantized drop %.2f points (SQNR %.1f dB); Convolution28 float: drop %.2f (SQNR %.1f dB), %d runs",
            isolated ? "isolated" : "local", r.fullyQuantized.drop(), r.fullyQuantized.outputSqnrDb, r.chosen.drop(),
            r.chosen.outputSqnrDb, r.evaluations);
    }
    // An SQNR target: the verified result reaches it, with the bad node among those kept.
    SensitivityOptions o;
    o.target = SensitivityTarget::MinSqnr;
    o.value = 45;
    const SensitivityResult r = analyzeSensitivity(b.g, b.profile, {}, val, o);
    QVERIFY(r.met && r.chosen.outputSqnrDb >= 45);
    QVERIFY(std::find(r.keptFloat.begin(), r.keptFloat.end(), "Convolution28") != r.keptFloat.end());
  }

  // Issue 18: mixed precision in steps. The badly ranged Convolution28 is moved to int16 first:
  // its result then gets 256 times finer steps, which undoes the 40-times-too-wide range, so int16
  // alone meets the 0.5-point target and nothing goes float. Where the target has no int16 kernel
  // (the CPU backend) it goes straight to float and the report says why.
  void sensitivityMovesToInt16First() {
    BadMnist b = badMnist();
    CalibrationSet val = mnistSet(b.g, 200, 300);
    SensitivityOptions o;
    o.value = 0.5;
    o.int16Step = true;
    SensitivityResult r = analyzeSensitivity(b.g, b.profile, {}, val, o);
    QVERIFY(r.met);
    QCOMPARE(r.keptInt16, std::vector<std::string>{"Convolution28"});
    QVERIFY(r.keptFloat.empty());
    QVERIFY(r.int16Refused.empty());
    QCOMPARE(r.steps.size(), size_t(1));
    const PrecisionStep& st = r.steps[0];
    QCOMPARE(st.precision, std::string("int16"));
    QCOMPARE(st.op, std::string("Conv"));
    // Weights 8x1x5x5 from i8 to i16 (+200 bytes), bias 8 from i32 to i64 (+32).
    QCOMPARE(st.bytesAdded, int64_t(232));
    QCOMPARE(st.macs, int64_t(8 * 28 * 28 * 25));
    qInfo("int16 step: output SQNR %.2f -> %.2f dB, drop %.2f -> %.2f points, %d runs", st.before.outputSqnrDb,
          st.after.outputSqnrDb, st.before.drop(), st.after.drop(), r.evaluations);
    QVERIFY(st.after.outputSqnrDb > st.before.outputSqnrDb + 10);
    QCOMPARE(r.evaluations, 2);
    // The CPU backend has int8 kernels only: int16 is refused with the backend's reason.
    o.int16Unsupported = [](const Graph& q, const Node& n) {
      const std::string why = cpu::tableUnsupportedReason(q, n);
      return why.empty() ? why : "the CPU backend: " + why;
    };
    r = analyzeSensitivity(b.g, b.profile, {}, val, o);
    QVERIFY(r.met && r.keptInt16.empty());
    QCOMPARE(r.keptFloat, std::vector<std::string>{"Convolution28"});
    QVERIFY(!r.int16Refused.empty());
    QCOMPARE(r.int16Refused[0].first, std::string("Convolution28"));
    NEST_VERIFY(r.int16Refused[0].second == "the CPU backend: Conv on quantized i16 (int16 precision) is not supported",
                r.int16Refused[0].second);
    QCOMPARE(r.steps.size(), size_t(1));
    QCOMPARE(r.steps[0].precision, std::string("fp32"));
    QCOMPARE(r.steps[0].bytesAdded, int64_t(800 + 32 - 200 - 32));  // f32 weights and bias instead of i8 / i32
  }

  // Issue 18: bias correction. The arithmetic on a small grouped Conv, the profile's per-channel
  // means (recorded on request, kept through YAML), and the gain on mnist-8 per tensor (profile:
  // 500 images, evaluation: the next 2,000; output SQNR pinned).
  void biasCorrection() {
    Graph g = parseGraph(R"(graph "bc" {
  input %x: f32[1,4,3,3]
  const %w: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  const %b: f32[2] = dense<[0.5, -0.5]>
  %y: f32[1,2,3,3] = Conv #1 "conv"(%x, %w, %b) {group=2, kernel_shape=[1, 1]}
  output %y
}
)");
    const Tensor wf = *g.constant("w");
    // "Quantized" weights off by +0.25, 0, -0.5, +1 (scale 0.25, zero point 0).
    TensorType qt(ElemType::I8, {2, 2, 1, 1});
    qt.quant = QuantParams{{0.25f}, {0}, std::nullopt};
    Tensor wq(qt);
    const int8_t q[4] = {5, 8, 10, 20};
    for (int i = 0; i < 4; ++i) wq.mutableData<int8_t>()[i] = q[i];
    // Output 0 reads input channels 0, 1 (means 1, 2); output 1 channels 2, 3 (means 3, 4):
    // shift 0 = 0.25*1 + 0*2 = 0.25, shift 1 = -0.5*3 + 1*4 = 2.5.
    std::optional<Tensor> b = correctedBias(g, g.nodes[0], wf, wq, {1, 2, 3, 4});
    QVERIFY(b);
    QCOMPARE(b->data<float>()[0], 0.25f);
    QCOMPARE(b->data<float>()[1], -3.0f);
    QVERIFY(!correctedBias(g, g.nodes[0], wf, wq, {1, 2, 3}));  // means of the wrong length: no correction

    Graph m = runPipeline(loadModel(mnistModel()), namedPipeline("O1")).result();
    ProfileRunOptions po;
    po.channelStats = true;
    QuantProfile withMeans = profileGraph(m, mnistSet(m, 0, 500), po);
    const ValueProfile* conv2In = withMeans.find("Pooling66_Output_0");
    QVERIFY(conv2In && conv2In->channelMeans.size() == 8);
    const QuantProfile reread = parseProfileYaml(profileToYaml(withMeans), "yaml");
    QCOMPARE(reread.find("Pooling66_Output_0")->channelMeans.size(), size_t(8));
    QVERIFY(std::fabs(reread.find("Pooling66_Output_0")->channelMeans[3] - conv2In->channelMeans[3]) <=
            1e-6 * std::fabs(conv2In->channelMeans[3]));
    QVERIFY(profileGraph(m, mnistSet(m, 0, 10)).values[0].channelMeans.empty());  // off by default
    CalibrationSet val = mnistSet(m, 500, 2000);
    auto sqnr = [&](bool correct) {
      QuantConfig c;
      c.biasCorrection = correct;
      Graph q = m;
      quantizeGraph(q, withMeans, c, "p");
      QuantReportOptions o;
      o.perNode = false;
      return quantReport(m, q, val, o).outputSqnrDb();
    };
    const double plain = sqnr(false), corrected = sqnr(true);
    qInfo("mnist-8 int8 per tensor: output SQNR %.2f dB, with bias correction %.2f dB", plain, corrected);
    NEST_VERIFY(std::fabs(plain - 37.95) < 0.05 && std::fabs(corrected - 39.26) < 0.05,
                std::to_string(plain) + " " + std::to_string(corrected));
  }

  void cli() {
    QTemporaryDir dir;
    const std::filesystem::path d = dir.path().toStdString();
    BadMnist b = badMnist();
    writeProfile(d / "bad.yaml", b.profile);
    const QString model = q(mnistModel()), images = q(mnistImages()), labels = q(mnistLabels());

    // quant-report: table, summary, JSON.
    testing::NestcResult r = testing::runNestc({"quant-report", model, "--profile", q(d / "bad.yaml"), "--input", images,
                                                "--labels", labels, "--skip", "200", "--limit", "300", "--json",
                                                q(d / "r.json")});
    NEST_VERIFY(r.code == 0, r.all());
    NEST_VERIFY(r.out.find("top-1 agreement with float") != std::string::npos && r.out.find("accuracy: float") != std::string::npos,
                r.out);
    // Worst first: the badly ranged Conv heads the table.
    const size_t header = r.out.find("value (worst first)");
    NEST_VERIFY(r.out.find("Convolution28_Output_0", header) < r.out.find("Convolution110_Output_0", header), r.out);
    std::ifstream jf(d / "r.json");
    const nlohmann::json j = nlohmann::json::parse(jf);
    QCOMPARE(j["runs"].get<int>(), 300);
    QCOMPARE(j["labelled"].get<int>(), 300);
    QCOMPARE(j["nodes"][0]["value"].get<std::string>(), std::string("Convolution28_Output_0"));

    // sensitivity writes a new project; nestc quantize --project honours it.
    const QString proj = q(d / "mixed.nestproj");
    r = testing::runNestc({"sensitivity", model, "--profile", q(d / "bad.yaml"), "--input", images, "--skip", "200",
                           "--limit", "300", "--max-drop", "0.5", "--per-channel", "-o", proj});
    NEST_VERIFY(r.code == 0, r.all());
    NEST_VERIFY(r.out.find("kept float (1): Convolution28") != std::string::npos, r.out);
    NEST_VERIFY(r.err.find("fully quantized") != std::string::npos, r.err);  // progress on stderr
    ProjectFile p = readProjectFile(d / "mixed.nestproj");
    QCOMPARE(p.nodes["Convolution28"]["keepFloat"].get<bool>(), true);
    QCOMPARE(p.quantization["perChannel"].get<bool>(), true);
    QCOMPARE(p.nodes.size(), size_t(1));
    QVERIFY(quantConfigOf(p).nodes.at("Convolution28").keepFloat);
    r = testing::runNestc({"quantize", model, "--profile", q(d / "bad.yaml"), "--project", proj, "-o", q(d / "m.nir")});
    NEST_VERIFY(r.code == 0 && r.out.find("Conv 1,") != std::string::npos, r.all());
    r = testing::runNestc({"quantize", model, "--profile", q(d / "bad.yaml"), "-o", q(d / "m.nir")});
    NEST_VERIFY(r.code == 0 && r.out.find("Conv 2,") != std::string::npos, r.all());
    // The project names the profile it was chosen with: --project alone quantizes the same way.
    QCOMPARE(std::filesystem::path(p.quantization["profile"].get<std::string>()),
             std::filesystem::absolute(d / "bad.yaml").lexically_normal());
    r = testing::runNestc({"quantize", model, "--project", proj, "-o", q(d / "m.nir")});
    NEST_VERIFY(r.code == 0 && r.out.find("Conv 1,") != std::string::npos, r.all());

    // --project: an existing project is updated, its other settings kept. (With labels the
    // accuracy on these 300 images does not drop at all, so the target here is output SQNR.)
    ProjectFile base;
    base.model = mnistModel();
    base.inputShapes["Input3"] = {1, 1, 28, 28};
    base.nodes["Times212"] = {{"device", "cpu"}};
    writeProjectFile(d / "base.nestproj", base);
    r = testing::runNestc({"sensitivity", model, "--profile", q(d / "bad.yaml"), "--input", images, "--labels", labels,
                           "--skip", "200", "--limit", "300", "--min-sqnr", "30", "--project", q(d / "base.nestproj"),
                           "-o", q(d / "updated.nestproj")});
    NEST_VERIFY(r.code == 0, r.all());
    p = readProjectFile(d / "updated.nestproj");
    QCOMPARE(p.nodes["Times212"]["device"].get<std::string>(), std::string("cpu"));
    QCOMPARE(p.nodes["Convolution28"]["keepFloat"].get<bool>(), true);
    QCOMPARE(p.inputShapes.at("Input3"), (Shape{1, 1, 28, 28}));

    // Exit codes and messages.
    r = testing::runNestc({"quant-report", model, "--profile", q(d / "bad.yaml")});
    NEST_VERIFY(r.code == 2 && r.err.find("--input") != std::string::npos, r.all());
    r = testing::runNestc({"quant-report", model, "--profile", q(d / "bad.yaml"), "--input", images, "--labels",
                           q(d / "nope.npy")});
    NEST_VERIFY(r.code == 2 && r.err.find("nope.npy") != std::string::npos, r.all());
    r = testing::runNestc({"quant-report", model, "--profile", q(d / "bad.yaml"), "--input", images, "--limit", "x"});
    NEST_VERIFY(r.code == 2 && r.err.find("--limit") != std::string::npos, r.all());
    r = testing::runNestc({"sensitivity", model, "--profile", q(d / "bad.yaml"), "--input", images, "--max-drop", "1",
                           "--min-sqnr", "30", "-o", proj});
    NEST_VERIFY(r.code == 2 && r.err.find("one target") != std::string::npos, r.all());
    r = testing::runNestc({"sensitivity", model, "--profile", q(d / "bad.yaml"), "--input", images, "--max-drop", "1"});
    NEST_VERIFY(r.code == 2 && r.err.find("-o") != std::string::npos, r.all());
    // The only integer node has no name: its stable key (OP:OUTPUT) still lets the project keep
    // it float, which meets even a 100 dB target.
    const Graph unnamed = testing::graphFromText(kUnnamedMulGraph);
    writeTextIrFile(unnamed, d / "unnamed.nir");
    QuantProfile up;
    up.graphHash = graphHash(unnamed);
    up.values = {{"x", 0.f, 2.55f, std::vector<float>(10, 1.f)}, {"y", 0.f, 2.55f, std::vector<float>(10, 1.f)}};
    writeProfile(d / "unnamed.yaml", up);
    writeNpy(Tensor::fromVector<float>(ElemType::F32, {1, 4}, {0.004f, 1.f, 2.f, 3.f}), d / "x.npy");
    r = testing::runNestc({"sensitivity", q(d / "unnamed.nir"), "--profile", q(d / "unnamed.yaml"), "--input",
                           q(d / "x.npy"), "--min-sqnr", "100", "-o", q(d / "all.nestproj")});
    NEST_VERIFY(r.code == 0 && r.out.find("kept float (1): Mul:y") != std::string::npos, r.all());
    const ProjectFile kept = readProjectFile(d / "all.nestproj");
    NEST_VERIFY(kept.nodes.dump() == R"({"Mul:y":{"glowName":"Mul_y","keepFloat":true}})", kept.nodes.dump());
    QVERIFY(std::filesystem::exists(d / "all.nestproj"));
    r = testing::runNestc({"sensitivity", "--help"});
    NEST_VERIFY(r.code == 0 && r.out.find("--max-drop") != std::string::npos, r.all());

    // Issue 18 on the command line: the calibration each value got (auto resolved), channel
    // statistics in the profile, bias correction, int16 steps and their errors.
    r = testing::runNestc({"profile", model, "--input", images, "--limit", "100", "--channel-stats", "-o", q(d / "cs.yaml")});
    NEST_VERIFY(r.code == 0, r.all());
    QVERIFY(readProfile(d / "cs.yaml").find("Convolution28_Output_0")->channelMins.size() == 8);
    r = testing::runNestc({"quant-report", model, "--profile", q(d / "cs.yaml"), "--calibration", "auto", "--bias-correction",
                           "--input", images, "--skip", "100", "--limit", "100", "--json", q(d / "auto.json")});
    NEST_VERIFY(r.code == 0 && r.out.find("calibration") != std::string::npos, r.all());
    std::ifstream af(d / "auto.json");
    const nlohmann::json aj = nlohmann::json::parse(af);
    int named = 0;
    for (const auto& n : aj["nodes"])
      if (n.contains("calibration")) {
        const std::string c = n["calibration"].get<std::string>();
        NEST_VERIFY(c == "minmax" || c == "mse" || c == "kl" || c.rfind("percentile", 0) == 0, c);
        ++named;
      }
    QCOMPARE(named, 4);  // the input's Quantize, the two Convs and the Gemm got ranges from the profile
    r = testing::runNestc({"quantize", model, "--profile", q(d / "cs.yaml"), "--calibration", "best", "-o", q(d / "x.nir")});
    NEST_VERIFY(r.code == 2 && r.err.find("(use minmax, kl, percentile[=P], mse or auto)") != std::string::npos, r.all());
    r = testing::runNestc({"sensitivity", model, "--profile", q(d / "cs.yaml"), "--input", images, "--skip", "100", "--limit",
                           "100", "--min-sqnr", "40", "--int16", "--target", "npu", "-o", q(d / "i.nestproj")});
    NEST_VERIFY(r.code == 2 && r.err.find("--target: unknown target 'npu' (use interpreter or cpu)") != std::string::npos, r.all());
    r = testing::runNestc({"sensitivity", model, "--profile", q(d / "cs.yaml"), "--input", images, "--skip", "100", "--limit",
                           "100", "--min-sqnr", "40", "--int16", "-o", q(d / "i.nestproj")});
    NEST_VERIFY(r.code == 0 && r.out.find("kept int16 (") != std::string::npos && r.out.find("SQNR before") != std::string::npos,
                r.all());
    ProjectFile ip = readProjectFile(d / "i.nestproj");
    int int16Nodes = 0;
    for (const auto& [key, entry] : ip.nodes.items()) int16Nodes += entry.value("precision", "") == "int16";
    QVERIFY(int16Nodes >= 1);
  }
};

QTEST_GUILESS_MAIN(TestQuantReport)
#include "test_quant_report.moc"
