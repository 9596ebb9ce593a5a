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
  }
};

QTEST_GUILESS_MAIN(TestQuantReport)
#include "test_quant_report.moc"
