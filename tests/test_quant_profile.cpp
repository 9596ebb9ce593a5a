// Quantization profiling (issue 4, item 1): profile YAML round trip and Glow compatibility, the
// stale-profile refusal, the profiler's ranges and histograms against hand-computed numbers, the
// calibration loaders, and `nestc profile` on mnist-8.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <numeric>

#include "backends/profiler.h"
#include "core/calibration_data.h"
#include "core/idx_file.h"
#include "core/model_loader.h"
#include "core/npy.h"
#include "core/onnx_tensor.h"
#include "core/quant_profile.h"
#include "passes/pass_manager.h"
#include "quant_profile_graphs.h"
#include "test_support.h"

using namespace nest;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
#define NEST_CONTAINS(text, part) NEST_VERIFY(contains((text), (part)), "'" + std::string(part) + "' not in:\n" + (text))

// An uncompressed 24-bit BMP (stb_image reads it like PNG): pixels[y][x] = {r, g, b}.
using Rgb = std::array<unsigned char, 3>;
void writeBmp(const fs::path& file, const std::vector<std::vector<Rgb>>& pixels) {
  const int h = static_cast<int>(pixels.size()), w = static_cast<int>(pixels[0].size());
  const int rowBytes = (w * 3 + 3) / 4 * 4, size = 54 + rowBytes * h;
  std::vector<unsigned char> b(static_cast<size_t>(size), 0);
  auto put32 = [&](int at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
  };
  b[0] = 'B', b[1] = 'M';
  put32(2, size), put32(10, 54), put32(14, 40), put32(18, w), put32(22, h);
  b[26] = 1, b[28] = 24;
  put32(34, rowBytes * h);
  for (int y = 0; y < h; ++y)  // bottom-up rows, BGR
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) b[54 + (h - 1 - y) * rowBytes + x * 3 + c] = pixels[y][x][2 - c];
  std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), size);
}

Graph inputGraph(const std::string& shape) {
  return testing::graphFromText("graph \"g\" {\n  input %x: f32[" + shape + "]\n  %y: f32[" + shape +
                                "] = Relu #1(%x)\n  output %y\n}\n");
}

std::vector<float> floats(const Tensor& t) { return {t.data<float>(), t.data<float>() + t.numElements()}; }

using Result = testing::NestcResult;
Result nestc(const QStringList& args) { return testing::runNestc(args); }

QString q(const fs::path& p) { return QString::fromStdString(p.string()); }
fs::path mnistImages() { return testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz"; }
fs::path mnistModel() { return testing::testdata() / "models" / "mnist-8" / "model.onnx"; }

}  // namespace

class TestQuantProfile : public QObject {
  Q_OBJECT

 private slots:
  void yamlRoundTrip() {
    QuantProfile p;
    p.graphHash = "0123456789abcdef";
    p.values.push_back({"conv1:0", -1.5e-7f, 3.0f, {0, 1, 2, 3, 4}});
    p.values.push_back({"it's 'quoted' # not a comment", 0.1f, 0.30000001f, {}});
    p.values.push_back({"power2", -0.0078125f, 126.99999f, std::vector<float>(2000, 80281600.f)});
    QTemporaryDir dir;
    fs::path file = dir.filePath("p.yaml").toStdString();
    writeProfile(file, p);
    QuantProfile r = readProfile(file);
    QCOMPARE(r.graphHash, p.graphHash);
    QCOMPARE(r.values.size(), p.values.size());
    for (size_t i = 0; i < p.values.size(); ++i) {
      QCOMPARE(r.values[i].name, p.values[i].name);
      QVERIFY(r.values[i].min == p.values[i].min);  // exact: floats are written in round-trip form
      QVERIFY(r.values[i].max == p.values[i].max);
      QCOMPARE(r.values[i].histogram, p.values[i].histogram);
    }
    QVERIFY(r.find("power2") && r.find("power2")->max == 126.99999f);
    QVERIFY(!r.find("absent"));
    // The text is Glow's layout: hash document, then the list.
    std::string text = profileToYaml(p);
    QVERIFY(text.rfind("---\nGraphPreLowerHash: 0x0123456789abcdef\n...\n---\n- NodeOutputName:  'conv1:0'\n", 0) == 0);
  }

  void readsGlowWrittenYaml() {
    QuantProfile p = parseProfileYaml(kGlowProfileYaml, "glow.yaml");
    QCOMPARE(p.graphHash, std::string("00000000000000ab"));
    QCOMPARE(p.values.size(), size_t{2});
    QCOMPARE(p.values[0].name, std::string("conv1:0"));
    QCOMPARE(p.values[0].min, -1.5f);
    QCOMPARE(p.values[0].max, 2.25f);
    QCOMPARE(p.values[0].histogram, (std::vector<float>{0, 3, 1.5f}));
    QCOMPARE(p.values[1].name, std::string("data"));
    QCOMPARE(p.values[1].histogram, (std::vector<float>{4, 5}));
  }

  void badYamlNamesFileAndLine() {
    std::string broken = testing::errorOf([] { parseProfileYaml(kBrokenYaml, "broken.yaml"); });
    NEST_CONTAINS(broken, "broken.yaml:");
    NEST_CONTAINS(broken, "not valid YAML");
    std::string missing = testing::errorOf([] { parseProfileYaml(kMissingMaxYaml, "missing.yaml"); });
    NEST_CONTAINS(missing, "missing.yaml:9");
    NEST_CONTAINS(missing, "'Max'");
    std::string notNumber = testing::errorOf(
        [] { parseProfileYaml("---\nGraphPreLowerHash: 0x1\n---\n- NodeOutputName: a\n  Min: low\n  Max: 1\n  Histogram: []\n", "n.yaml"); });
    NEST_CONTAINS(notNumber, "n.yaml:5");
    NEST_CONTAINS(notNumber, "'low' is not a number");
    NEST_CONTAINS(testing::errorOf([] { readProfile("/nonexistent/p.yaml"); }), "/nonexistent/p.yaml");
  }

  void graphHashIsStructural() {
    Graph g = testing::graphFromText(kProfiledGraph);
    QCOMPARE(graphHash(g).size(), size_t{16});
    QCOMPARE(graphHash(testing::graphFromText(kProfiledGraphRenamed)), graphHash(g));
    QVERIFY(graphHash(testing::graphFromText(kProfiledGraphOtherConstant)) != graphHash(g));
    Graph typed = g;
    typed.setType("y", TensorType(ElemType::F16, {1, 4}));
    QVERIFY(graphHash(typed) != graphHash(g));
  }

  void staleProfileIsRefused() {
    Graph g = testing::graphFromText(kProfiledGraph);
    Graph other = testing::graphFromText(kProfiledGraphOtherConstant);
    QuantProfile p;
    p.graphHash = graphHash(g);
    requireMatchingProfile(p, g, "p.yaml");  // matches: no throw
    ErrorKind kind = ErrorKind::Internal;
    std::string msg = testing::errorOf([&] { requireMatchingProfile(p, other, "p.yaml"); }, &kind);
    QVERIFY(kind == ErrorKind::BadInput);
    QCOMPARE(msg, "profile p.yaml was recorded for a different graph (hash " + graphHash(g) + ", this graph " +
                      graphHash(other) + "): re-run nestc profile");
  }

  void profilerRangesAndHistograms() {
    Graph g = testing::graphFromText(kProfiledGraph);
    Profiler profiler(g, 4);
    profiler.run({Tensor::fromVector<float>(ElemType::F32, {1, 4}, {-2, -1, 0, 1})});
    profiler.run({Tensor::fromVector<float>(ElemType::F32, {1, 4}, {3, -4, 0.5f, 2})});
    QuantProfile p = profiler.profile();
    QCOMPARE(p.graphHash, graphHash(g));
    QCOMPARE(p.values.size(), size_t{3});  // x, y, n; the i64 Shape result is not profiled
    const ValueProfile* x = p.find("x");
    const ValueProfile* y = p.find("y");
    const ValueProfile* n = p.find("n");
    QVERIFY(x && y && n && !p.find("s"));
    // x: run 1 over [-2, 1] -> [1,1,1,1]; widened to [-4, 3] the old bin centres -1.625, -0.875,
    // -0.125, 0.625 land in bins 1, 1, 2, 2; run 2 adds 3->3, -4->0, 0.5->2, 2->3.
    QCOMPARE(x->min, -4.f);
    QCOMPARE(x->max, 3.f);
    QCOMPARE(x->histogram, (std::vector<float>{1, 2, 3, 2}));
    // y = relu: run 1 [0,0,0,1] over [0,1] -> [3,0,0,1]; widened to [0,3]: centres 0.125 -> 0,
    // 0.875 -> 1; run 2 [3,0,0.5,2] -> bins 3, 0, 0, 2.
    QCOMPARE(y->min, 0.f);
    QCOMPARE(y->max, 3.f);
    QCOMPARE(y->histogram, (std::vector<float>{5, 1, 1, 1}));
    // n = -x: run 1 [2,1,0,-1] over [-1,2] -> [1,1,1,1]; widened to [-3,4] (width 1.75) centres
    // -0.625, 0.125, 0.875, 1.625 -> 1, 1, 2, 2; run 2 [-3,4,-0.5,-2] -> 0, 3, 1, 0.
    QCOMPARE(n->min, -3.f);
    QCOMPARE(n->max, 4.f);
    QCOMPARE(n->histogram, (std::vector<float>{2, 3, 2, 1}));
  }

  void histogramRebinningKeepsCounts() {
    // Each old bin moves to the new bin holding its centre: [0,4] in 4 bins holds {0,1,2,3,4} as
    // [1,1,1,2]; widening to [0,5] (width 1.25) moves centres 0.5, 1.5, 2.5, 3.5 to bins 0, 1, 2, 2.
    RangeHistogram small(4);
    const float first[] = {0, 1, 2, 3, 4}, second[] = {5};
    small.add(first, 5);
    QCOMPARE(small.counts(), (std::vector<uint64_t>{1, 1, 1, 2}));
    small.add(second, 1);
    QCOMPARE(small.counts(), (std::vector<uint64_t>{1, 1, 3, 1}));
    RangeHistogram h(2000);
    uint64_t total = 0;
    float lo = 0, hi = 0;
    for (int run = 1; run <= 40; ++run) {  // the range grows on both sides on most runs
      std::vector<float> v(1000);
      for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.37f * static_cast<float>(i * run)) * run * (run % 3 ? 1.f : -0.5f);
      v.push_back(NAN);
      h.add(v.data(), v.size());
      for (size_t i = 0; i + 1 < v.size(); ++i) lo = std::min(lo, v[i]), hi = std::max(hi, v[i]);
      total += v.size() - 1;
      QCOMPARE(std::accumulate(h.counts().begin(), h.counts().end(), uint64_t{0}), total);
    }
    QCOMPARE(h.min(), lo);
    QCOMPARE(h.max(), hi);
    QCOMPARE(h.nonFinite(), uint64_t{40});
    // Counts stay exact beyond 2^24 (a float counter would stop at 16777216).
    RangeHistogram zeros(8);
    std::vector<float> block(1 << 20, 0.f);
    for (int i = 0; i < 20; ++i) zeros.add(block.data(), block.size());
    QCOMPARE(zeros.counts()[0], uint64_t{20} << 20);
  }

  void npySlicesAndSkipLimit() {
    QTemporaryDir dir;
    fs::path file = dir.filePath("x.npy").toStdString();
    std::vector<float> v(12);
    std::iota(v.begin(), v.end(), 0.f);
    writeNpy(Tensor::fromVector<float>(ElemType::F32, {6, 2}, v), file);
    Graph g = inputGraph("2,2");
    CalibrationSet all = openCalibrationSet(g, {file.string()}, {});
    QCOMPARE(all.runs(), size_t{3});
    QCOMPARE(floats(all.inputsForRun(1)[0]), (std::vector<float>{4, 5, 6, 7}));
    QCOMPARE(all.inputsForRun(1)[0].shape(), (Shape{2, 2}));
    CalibrationOptions o;
    o.skip = 2;
    o.limit = 2;
    CalibrationSet part = openCalibrationSet(g, {"x=" + file.string()}, o);
    QCOMPARE(part.runs(), size_t{1});
    QCOMPARE(floats(part.inputsForRun(0)[0]), (std::vector<float>{4, 5, 6, 7}));
    o.limit = 3;
    NEST_CONTAINS(testing::errorOf([&] { openCalibrationSet(g, {file.string()}, o); }), "not a multiple of the model's batch 2");
    NEST_CONTAINS(testing::errorOf([&] { openCalibrationSet(inputGraph("2,3"), {file.string()}, {}); }), "does not fit the model input 2x3");
    NEST_CONTAINS(testing::errorOf([&] { openCalibrationSet(g, {"nope=" + file.string()}, {}); }), "no input named 'nope'");
    NEST_CONTAINS(testing::errorOf([&] { openCalibrationSet(g, {(dir.path() + "/missing.npy").toStdString()}, {}); }),
                  "missing.npy: no such file or folder");
  }

  void pbFolderInNameOrder() {
    QTemporaryDir dir;
    fs::path folder = dir.filePath("pb").toStdString();
    fs::create_directories(folder);
    writeTensorPb(Tensor::fromVector<float>(ElemType::F32, {2, 2}, {3, 4, 5, 6}), "x", folder / "b.pb");
    writeTensorPb(Tensor::fromVector<float>(ElemType::F32, {1, 2}, {1, 2}), "x", folder / "a.pb");
    CalibrationSet set = openCalibrationSet(inputGraph("1,2"), {folder.string()}, {});
    QCOMPARE(set.runs(), size_t{3});
    QCOMPARE(floats(set.inputsForRun(0)[0]), (std::vector<float>{1, 2}));
    QCOMPARE(floats(set.inputsForRun(2)[0]), (std::vector<float>{5, 6}));
  }

  void idxImagesWithSkipLimitAndScale() {
    Tensor raw = readIdxFile(mnistImages());  // u8 10000 x 28 x 28
    Graph g = inputGraph("1,1,28,28");
    CalibrationOptions o;
    o.skip = 10;
    o.limit = 5;
    CalibrationSet set = openCalibrationSet(g, {mnistImages().string()}, o);
    QCOMPARE(set.runs(), size_t{5});
    Tensor third = set.inputsForRun(2)[0];  // image 12
    QCOMPARE(third.shape(), (Shape{1, 1, 28, 28}));
    const uint8_t* image12 = raw.data<uint8_t>() + 12 * 784;
    for (int i = 0; i < 784; ++i) QCOMPARE(third.data<float>()[i], static_cast<float>(image12[i]));
    o.preprocess = parsePreprocessSpec("scale=0.5,mean=1,std=2");
    o.preprocessGiven = true;
    Tensor scaled = openCalibrationSet(g, {mnistImages().string()}, o).inputsForRun(2)[0];
    for (int i = 0; i < 784; ++i) QCOMPARE(scaled.data<float>()[i], (image12[i] * 0.5f - 1.f) / 2.f);
    o.preprocess = parsePreprocessSpec("resize=14x14");
    NEST_CONTAINS(testing::errorOf([&] { openCalibrationSet(g, {mnistImages().string()}, o); }), "apply to image folders");
  }

  void imageFolderPreprocessing() {
    QTemporaryDir dir;
    fs::path folder = dir.filePath("img").toStdString();
    fs::create_directories(folder);
    // 4x4 image, pixel (y, x) = (10y + x, 100 + x, 200 - y); the centre 2x2 is rows/cols 1..2.
    std::vector<std::vector<Rgb>> px(4, std::vector<Rgb>(4));
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) px[y][x] = {static_cast<unsigned char>(10 * y + x), static_cast<unsigned char>(100 + x),
                                              static_cast<unsigned char>(200 - y)};
    writeBmp(folder / "b.bmp", px);
    std::vector<std::vector<Rgb>> flat(6, std::vector<Rgb>(8, Rgb{30, 60, 90}));
    writeBmp(folder / "a.bmp", flat);
    std::ofstream(folder / "notes.txt") << "ignored";

    // NCHW, crop the centre 2x2 of the 4x4 image (a.bmp is resized 6x8 -> 4x4 first: constant).
    CalibrationOptions o;
    o.preprocess = parsePreprocessSpec("resize=4x4,crop=2x2,scale=0.5,mean=1,2,3,std=1,2,4");
    o.preprocessGiven = true;
    CalibrationSet set = openCalibrationSet(inputGraph("1,3,2,2"), {folder.string()}, o);
    QCOMPARE(set.runs(), size_t{2});
    Tensor a = set.inputsForRun(0)[0], b = set.inputsForRun(1)[0];
    QCOMPARE(b.shape(), (Shape{1, 3, 2, 2}));
    auto expect = [&](int c, int y, int x) {  // pixel of the 4x4 image at crop position (y, x)
      const float mean[] = {1, 2, 3}, stdv[] = {1, 2, 4};
      return (px[y + 1][x + 1][c] * 0.5f - mean[c]) / stdv[c];
    };
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 2; ++x) QCOMPARE(b.data<float>()[(c * 2 + y) * 2 + x], expect(c, y, x));
    for (int i = 0; i < 4; ++i) QCOMPARE(a.data<float>()[i], (30 * 0.5f - 1) / 1);  // red plane, constant
    for (int i = 8; i < 12; ++i) QCOMPARE(a.data<float>()[i], (90 * 0.5f - 3) / 4);  // blue plane

    // NHWC with bgr order: element (y, x, c) holds channel 2 - c.
    o.preprocess = parsePreprocessSpec("resize=4x4,crop=2x2,layout=NHWC,channels=bgr");
    Tensor nhwc = openCalibrationSet(inputGraph("1,2,2,3"), {folder.string()}, o).inputsForRun(1)[0];
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x)
        for (int c = 0; c < 3; ++c) QCOMPARE(nhwc.data<float>()[(y * 2 + x) * 3 + c], static_cast<float>(px[y + 1][x + 1][2 - c]));

    // A real PNG (224x224 RGBA): shape, and scale/mean/std against the raw pixels.
    fs::path cat = testing::testdata() / "images" / "cat_285.png";
    o.preprocess = parsePreprocessSpec("channels=rgb");
    Tensor raw = openCalibrationSet(inputGraph("1,3,224,224"), {cat.string()}, o).inputsForRun(0)[0];
    o.preprocess = parsePreprocessSpec("scale=0.00392157,mean=0.485,0.456,0.406,std=0.229,0.224,0.225");
    Tensor norm = openCalibrationSet(inputGraph("1,3,224,224"), {cat.string()}, o).inputsForRun(0)[0];
    QCOMPARE(norm.shape(), (Shape{1, 3, 224, 224}));
    const float mean[] = {0.485f, 0.456f, 0.406f}, stdv[] = {0.229f, 0.224f, 0.225f};
    float rawMin = 255, rawMax = 0;
    for (int64_t i = 0; i < raw.numElements(); ++i) {
      float r = raw.data<float>()[i];
      QCOMPARE(r, std::round(r));
      rawMin = std::min(rawMin, r), rawMax = std::max(rawMax, r);
      int c = static_cast<int>(i / (224 * 224));
      QCOMPARE(norm.data<float>()[i], (r * 0.00392157f - mean[c]) / stdv[c]);
    }
    QVERIFY(rawMin >= 0 && rawMax <= 255 && rawMax - rawMin > 100);  // a real photo, not blank
  }

  void preprocessSpecErrors() {
    PreprocessSpec s = parsePreprocessSpec("resize=256x320,crop=224x224,layout=nhwc,channels=BGR,scale=0.5,mean=1,2,3,std=4");
    QCOMPARE(s.resizeH, int64_t{256});
    QCOMPARE(s.resizeW, int64_t{320});
    QCOMPARE(s.cropH, int64_t{224});
    QCOMPARE(s.layout, std::string("NHWC"));
    QCOMPARE(s.channels, std::string("bgr"));
    QCOMPARE(s.mean, (std::vector<float>{1, 2, 3}));
    QCOMPARE(s.std, (std::vector<float>{4}));
    NEST_CONTAINS(testing::errorOf([] { parsePreprocessSpec("size=3x3"); }), "unknown key 'size'");
    NEST_CONTAINS(testing::errorOf([] { parsePreprocessSpec("resize=224"); }), "HEIGHTxWIDTH");
    NEST_CONTAINS(testing::errorOf([] { parsePreprocessSpec("scale=abc"); }), "scale 'abc' is not a number");
    NEST_CONTAINS(testing::errorOf([] { parsePreprocessSpec("scale=1,2"); }), "'2' is not KEY=VALUE");
    NEST_CONTAINS(testing::errorOf([] { parsePreprocessSpec("layout=CHW"); }), "layout must be NCHW or NHWC");
    NEST_CONTAINS(testing::errorOf([] { parsePreprocessSpec("std=0"); }), "must not be 0");
    CalibrationOptions o;
    o.preprocess = parsePreprocessSpec("resize=100x100");
    fs::path cat = testing::testdata() / "images" / "cat_285.png";
    NEST_CONTAINS(testing::errorOf([&] { openCalibrationSet(inputGraph("1,3,224,224"), {cat.string()}, o); }),
                  "images end up 100x100 but the model input takes 224x224");
  }

  void cliProfilesMnistOver500Images() {
    QTemporaryDir dir;
    fs::path out = dir.filePath("mnist.yaml").toStdString();
    Result r = nestc({"profile", q(mnistModel()), "--input", q(mnistImages()), "--limit", "500", "-o", q(out)});
    NEST_VERIFY(r.code == 0, "exit " + std::to_string(r.code) + "\n" + r.out + r.err);
    NEST_CONTAINS(r.err, "profiled 500/500 samples");
    NEST_CONTAINS(r.out, "over 500 runs");
    QuantProfile p = readProfile(out);
    // One entry per float value of the -O1 graph, with its hash.
    Graph g = runPipeline(loadModel(mnistModel()), namedPipeline("O1")).result();
    QCOMPARE(p.graphHash, graphHash(g));
    size_t floatValues = 0;
    for (const std::string& in : g.inputs) floatValues += isFloat(g.typeOf(in).elem);
    for (const Node& n : g.nodes)
      for (const std::string& v : n.outputs) {
        ++floatValues;
        const ValueProfile* vp = p.find(v);
        NEST_VERIFY(vp, "no profile for " + v);
        QCOMPARE(vp->histogram.size(), size_t{2000});
        double sum = std::accumulate(vp->histogram.begin(), vp->histogram.end(), 0.0);
        QCOMPARE(sum, 500.0 * static_cast<double>(g.typeOf(v).numElements()));
        QVERIFY(vp->min <= vp->max);
      }
    QCOMPARE(p.values.size(), floatValues);
    const ValueProfile* input = p.find(g.inputs[0]);
    QVERIFY(input && input->min == 0 && input->max == 255);
  }

  void cliTakesThePipelineFromAProject() {
    QTemporaryDir dir;
    fs::path project = dir.filePath("p.nestproj").toStdString(), out = dir.filePath("p.yaml").toStdString();
    std::ofstream(project) << "{\"format\": \"nest-project\", \"version\": 1, \"model\": \"model.onnx\", \"pipeline\": [\"dce\"]}";
    Result r = nestc({"profile", q(mnistModel()), "--input", q(mnistImages()), "--limit", "3", "--project", q(project), "-o", q(out)});
    NEST_VERIFY(r.code == 0, r.out + r.err);
    NEST_CONTAINS(r.out, "after the project's pass list");
    Graph model = loadModel(mnistModel());
    QCOMPARE(readProfile(out).graphHash, graphHash(runPipeline(model, explicitPipeline({"dce"})).result()));
    QVERIFY(readProfile(out).graphHash != graphHash(runPipeline(model, namedPipeline("O1")).result()));
    // -O2 overrides the project's pipeline.
    r = nestc({"profile", q(mnistModel()), "--input", q(mnistImages()), "--limit", "3", "--project", q(project), "-O2", "-o", q(out)});
    NEST_VERIFY(r.code == 0, r.out + r.err);
    QCOMPARE(readProfile(out).graphHash, graphHash(runPipeline(model, namedPipeline("O2")).result()));
  }

  void cliErrorsExit2() {
    QTemporaryDir dir;
    fs::path out = dir.filePath("p.yaml").toStdString();
    Result missing = nestc({"profile", q(mnistModel()), "--input", "/nonexistent/calib.npy", "-o", q(out)});
    QCOMPARE(missing.code, 2);
    NEST_CONTAINS(missing.err, "/nonexistent/calib.npy: no such file or folder");
    Result spec = nestc({"profile", q(mnistModel()), "--input", q(mnistImages()), "--preprocess", "scale=1,zoom=2", "-o", q(out)});
    QCOMPARE(spec.code, 2);
    NEST_CONTAINS(spec.err, "unknown key 'zoom'");
    Result noOut = nestc({"profile", q(mnistModel()), "--input", q(mnistImages())});
    QCOMPARE(noOut.code, 2);
    NEST_CONTAINS(noOut.err, "-o PROFILE.yaml is required");
    Result bins = nestc({"profile", q(mnistModel()), "--input", q(mnistImages()), "--bins", "0", "-o", q(out)});
    QCOMPARE(bins.code, 2);
    NEST_CONTAINS(bins.err, "--bins must be an integer >= 1");
    QVERIFY(!fs::exists(out));
    Result help = nestc({"profile", "--help"});
    QCOMPARE(help.code, 0);
    NEST_CONTAINS(help.out, "crop=HxW");
  }
};

QTEST_GUILESS_MAIN(TestQuantProfile)
#include "test_quant_profile.moc"
