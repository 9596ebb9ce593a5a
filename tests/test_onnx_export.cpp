// ONNX export: hand-written graphs (parameter attributes back to operands, old-opset forms,
// Upsample, fused activations, the transformer ops, quantized refusal), mnist-8, the ONNX
// conformance models and the seed models exported, validated with onnx::checker and strict shape
// inference, re-imported and run in the interpreter with the same results.
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <QTemporaryDir>
#include <random>

#include "driver/driver.h"
#include "backends/interpreter/interpreter.h"
#include "backends/onnx_test_case.h"
#include "core/onnx_export.h"
#include "core/onnx_import.h"
#include "core/onnx_tensor.h"
#include "core/tensor_compare.h"
#include "core/text_ir.h"
#include "tests/test_support.h"

using namespace nest;
namespace fs = std::filesystem;

namespace {

using nest::testing::randomInputs;

// Hand-written graphs as plain string literals (moc does not parse raw strings).
const char* kExportParamsGraph =
    "graph \"params\" {\n"
    "  input %x: f32[1,2,4,4]\n"
    "  %r: f32[1,8,4] = Reshape #1 \"reshape\"(%x) {shape=[1, 8, -1]}\n"
    "  %s: f32[1,4,4] = Slice #2 \"slice\"(%r) {axes=[1], ends=[6], starts=[2]}\n"
    "  %p: f32[1,6,4] = Pad #3 \"pad\"(%s) {pads=[0, 1, 0, 0, 1, 0], value=0.5}\n"
    "  %c: f32[1,6,4] = Clip #4 \"clip\"(%p) {max=0.75, min=-0.5}\n"
    "  %u: f32[1,1,6,4] = Unsqueeze #5 \"unsqueeze\"(%c) {axes=[1]}\n"
    "  %up: f32[1,1,12,8] = Upsample #6 \"up\"(%u) {mode=\"nearest\", scales=[1.0, 1.0, 2.0, 2.0]}\n"
    "  %a: f32[1,1,5,8], %b: f32[1,1,7,8] = Split #7 \"split\"(%up) {axis=2, split=[5, 7]}\n"
    "  %sq: f32[5,8] = Squeeze #8 \"squeeze\"(%a) {axes=[0, 1]}\n"
    "  %rs: f32[1,1,1,8] = ReduceSum #9 \"rsum\"(%b) {axes=[2], keepdims=1}\n"
    "  %rm: f32[1,1,7,1] = ReduceMean #10(%b) {axes=[3]}\n"
    "  output %sq\n"
    "  output %rs\n"
    "  output %rm\n"
    "}\n";

const char* kExportFusedGraph =
    "graph \"fused\" {\n"
    "  input %x: f32[1,2,5,5]\n"
    "  const %w: f32[2,2,1,1] = dense<[1.0, -0.5, 0.25, 2.0]>\n"
    "  const %gw: f32[5,2] = dense<[0.5, -1.0, 1.5, 0.25, -2.0, 1.0, 0.75, -0.5, 1.0, 2.0]>\n"
    "  %c: f32[1,2,5,5] = Conv #1 \"conv\"(%x, %w) {activation=\"Relu\"}\n"
    "  %a: f32[1,2,5,5] = Add #2 \"add\"(%c, %x) {activation=\"Clip\", activation_params=[0.0, 6.0]}\n"
    "  %f: f32[10,5] = Flatten #3 \"flat\"(%a) {axis=3}\n"
    "  %g: f32[10,2] = Gemm #4 \"fc\"(%f, %gw) {activation=\"LeakyRelu\", activation_params=[0.1]}\n"
    "  output %g\n"
    "}\n";

const char* kExportUnfusedGraph =
    "graph \"unfused\" {\n"
    "  input %x: f32[1,2,5,5]\n"
    "  const %w: f32[2,2,1,1] = dense<[1.0, -0.5, 0.25, 2.0]>\n"
    "  const %gw: f32[5,2] = dense<[0.5, -1.0, 1.5, 0.25, -2.0, 1.0, 0.75, -0.5, 1.0, 2.0]>\n"
    "  %c0: f32[1,2,5,5] = Conv #1 \"conv\"(%x, %w)\n"
    "  %c: f32[1,2,5,5] = Relu #2(%c0)\n"
    "  %a0: f32[1,2,5,5] = Add #3 \"add\"(%c, %x)\n"
    "  %a: f32[1,2,5,5] = Clip #4(%a0) {max=dense<f32[]: [6.0]>, min=dense<f32[]: [0.0]>}\n"
    "  %f: f32[10,5] = Flatten #5 \"flat\"(%a) {axis=3}\n"
    "  %g0: f32[10,2] = Gemm #6 \"fc\"(%f, %gw)\n"
    "  %g: f32[10,2] = LeakyRelu #7(%g0) {alpha=0.1}\n"
    "  output %g\n"
    "}\n";

// The transformer ops (issue 17): LayerNormalization, Einsum, Trilu (k) and CumSum (axis) whose
// attributes are ONNX operands, GatherElements, GatherND and ScatterND with a reduction.
const char* kExportTransformerGraph =
    "graph \"transformer\" {\n"
    "  input %x: f32[2,3,4]\n"
    "  input %q: f32[2,3,4]\n"
    "  const %scale: f32[4] = dense<[1.0, 0.5, -1.0, 2.0]>\n"
    "  const %bias: f32[4] = dense<[0.0, 0.25, 0.5, -0.5]>\n"
    "  const %gi: i64[2,3,1] = dense<[0, 3, 1, 2, 2, 0]>\n"
    "  const %ni: i64[2,1] = dense<[1, 0]>\n"
    "  const %si: i64[1,2] = dense<[1, 2]>\n"
    "  const %su: f32[1,4] = dense<[1.0, 2.0, 3.0, 4.0]>\n"
    "  %ln: f32[2,3,4], %mean: f32[2,3,1] = LayerNormalization #1 \"ln\"(%x, %scale, %bias) {epsilon=0.001}\n"
    "  %att: f32[2,3,3] = Einsum #2 \"att\"(%ln, %q) {equation=\"bid,bjd->bij\"}\n"
    "  %mask: f32[2,3,3] = Trilu #3 \"mask\"(%att) {k=-1, upper=0}\n"
    "  %cs: f32[2,3,3] = CumSum #4 \"cs\"(%mask) {axis=-1, exclusive=1}\n"
    "  %ge: f32[2,3,1] = GatherElements #5 \"ge\"(%x, %gi) {axis=2}\n"
    "  %nd: f32[2,3,4] = GatherND #6 \"nd\"(%x, %ni)\n"
    "  %sc: f32[2,3,4] = ScatterND #7 \"sc\"(%x, %si, %su) {reduction=\"add\"}\n"
    "  output %cs\n"
    "  output %mean\n"
    "  output %ge\n"
    "  output %nd\n"
    "  output %sc\n"
    "}\n";

// check_model plus strict shape inference (operand types, ranks, our value_info against ONNX's).
void validate(const onnx::ModelProto& model) {
  try {
    onnx::checker::check_model(model);
    onnx::ModelProto copy = model;
    onnx::ShapeInferenceOptions options{true, 1, false};
    onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    failInternal(std::string("exported model is not valid ONNX: ") + e.what());
  }
}

// Export (validated) to `file` and import again.
Graph roundTrip(const Graph& g, const fs::path& file) {
  validate(exportOnnxModel(g));
  exportOnnx(g, file);
  return importOnnxFile(file).graph;
}


// Both graphs on the same inputs; empty when every output matches exactly.
std::string compareRuns(const Graph& a, const Graph& b, const std::vector<Tensor>& inputs) {
  return testing::compareRuns(a, b, inputs, Tolerance{0.0, 0.0});
}

const onnx::NodeProto* findNode(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& n : g.node())
    if (n.name() == name) return &n;
  return nullptr;
}
const onnx::TensorProto* findInitializer(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& t : g.initializer())
    if (t.name() == name) return &t;
  return nullptr;
}
bool hasAttribute(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return true;
  return false;
}
Tensor initializerValue(const onnx::GraphProto& g, const std::string& name) {
  const onnx::TensorProto* t = findInitializer(g, name);
  if (!t) failInternal("no initializer '" + name + "'");
  return tensorFromProto(*t, ".", name);
}

}  // namespace

class OnnxExportTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir tmp_;
  fs::path tmpFile(const std::string& name) { return fs::path(tmp_.path().toStdString()) / name; }

 private slots:
  void parametersBecomeOperands() {
    Graph g = parseGraph(kExportParamsGraph);
    onnx::ModelProto m = exportOnnxModel(g);
    validate(m);
    QCOMPARE(m.ir_version(), int64_t(8));
    QCOMPARE(m.opset_import(0).version(), int64_t(17));
    const onnx::GraphProto& gp = m.graph();
    QCOMPARE(gp.input_size(), 1);
    QCOMPARE(gp.output_size(), 3);
    QCOMPARE(gp.node_size(), 10);
    QCOMPARE(gp.input(0).type().tensor_type().shape().dim_size(), 4);

    const onnx::NodeProto* reshape = findNode(gp, "reshape");
    QVERIFY(reshape && reshape->input_size() == 2 && !hasAttribute(*reshape, "shape"));
    Tensor shape = initializerValue(gp, reshape->input(1));
    QCOMPARE(shape.elem(), ElemType::I64);
    QCOMPARE(shape.toInts(), (std::vector<int64_t>{1, 8, -1}));

    const onnx::NodeProto* slice = findNode(gp, "slice");
    QVERIFY(slice && slice->input_size() == 4 && slice->attribute_size() == 0);  // steps absent: trimmed
    QCOMPARE(initializerValue(gp, slice->input(3)).toInts(), (std::vector<int64_t>{1}));

    const onnx::NodeProto* pad = findNode(gp, "pad");  // Pad-2 value -> constant_value operand
    QVERIFY(pad && pad->input_size() == 3 && pad->attribute_size() == 0);
    Tensor cv = initializerValue(gp, pad->input(2));
    QCOMPARE(cv.elem(), ElemType::F32);
    QCOMPARE(cv.getDouble(0), 0.5);

    const onnx::NodeProto* clip = findNode(gp, "clip");  // Clip-6 attributes -> operands
    QVERIFY(clip && clip->input_size() == 3 && clip->attribute_size() == 0);
    QCOMPARE(initializerValue(gp, clip->input(1)).getDouble(0), -0.5);
    QCOMPARE(initializerValue(gp, clip->input(2)).getDouble(0), 0.75);

    const onnx::NodeProto* up = findNode(gp, "up");  // Upsample -> Resize(X, "", scales)
    QVERIFY(up && up->op_type() == "Resize" && up->input_size() == 3 && up->input(1).empty());
    QCOMPARE(initializerValue(gp, up->input(2)).elem(), ElemType::F32);
    QVERIFY(hasAttribute(*up, "coordinate_transformation_mode") && hasAttribute(*up, "nearest_mode"));

    const onnx::NodeProto* split = findNode(gp, "split");
    QVERIFY(split && split->input_size() == 2 && split->output_size() == 2);
    QCOMPARE(initializerValue(gp, split->input(1)).toInts(), (std::vector<int64_t>{5, 7}));

    const onnx::NodeProto* rsum = findNode(gp, "rsum");  // ReduceSum-13: axes operand
    QVERIFY(rsum && rsum->input_size() == 2 && !hasAttribute(*rsum, "axes"));
    const onnx::NodeProto* rmean = findNode(gp, "node_10");  // unnamed; ReduceMean-13: axes attribute
    QVERIFY(rmean && rmean->input_size() == 1 && hasAttribute(*rmean, "axes"));

    Graph back = roundTrip(g, tmpFile("params.onnx"));
    std::string diff = compareRuns(g, back, randomInputs(g, 1));
    NEST_VERIFY(diff.empty(), diff);
  }

  void fusedActivationsBecomeNodes() {
    Graph g = parseGraph(kExportFusedGraph);
    onnx::ModelProto m = exportOnnxModel(g);
    validate(m);
    std::vector<std::string> ops;
    for (const auto& n : m.graph().node()) {
      ops.push_back(n.op_type());
      QVERIFY(!hasAttribute(n, "activation") && !hasAttribute(n, "activation_params"));
    }
    QCOMPARE(ops, (std::vector<std::string>{"Conv", "Relu", "Add", "Clip", "Flatten", "Gemm", "LeakyRelu"}));
    const onnx::NodeProto& clip = m.graph().node(3);
    QCOMPARE(clip.input_size(), 3);
    QCOMPARE(initializerValue(m.graph(), clip.input(2)).getDouble(0), 6.0);
    QCOMPARE(clip.output(0), std::string("a"));  // the activation writes the original result
    QCOMPARE(m.graph().node(6).attribute(0).f(), 0.1f);

    Graph back = roundTrip(g, tmpFile("fused.onnx"));
    Graph reference = parseGraph(kExportUnfusedGraph);
    std::string diff = compareRuns(reference, back, randomInputs(g, 2));
    NEST_VERIFY(diff.empty(), diff);
  }

  // The transformer ops export as their opset-17 nodes (Trilu's k and CumSum's axis as operands),
  // pass the checker and strict shape inference, and run the same after re-import. ScatterND's
  // max / min reductions (opset 18) are refused naming the node.
  void transformerOps() {
    Graph g = parseGraph(kExportTransformerGraph);
    onnx::ModelProto m = exportOnnxModel(g);
    validate(m);
    const onnx::GraphProto& gp = m.graph();
    const onnx::NodeProto* trilu = findNode(gp, "mask");
    QVERIFY(trilu && trilu->input_size() == 2 && !hasAttribute(*trilu, "k") && hasAttribute(*trilu, "upper"));
    QCOMPARE(initializerValue(gp, trilu->input(1)).toInts(), std::vector<int64_t>{-1});
    const onnx::NodeProto* cs = findNode(gp, "cs");
    QVERIFY(cs && cs->input_size() == 2 && !hasAttribute(*cs, "axis"));
    QCOMPARE(initializerValue(gp, cs->input(1)).toInts(), std::vector<int64_t>{-1});
    Graph back = roundTrip(g, tmpFile("transformer.onnx"));
    QCOMPARE(printGraph(back), printGraph(g));
    std::string diff = compareRuns(g, back, randomInputs(g, 4));
    NEST_VERIFY(diff.empty(), diff);

    g.nodes.back().attrs.set("reduction", std::string("max"));
    ErrorKind kind = ErrorKind::Internal;
    const std::string msg = testing::errorOf([&] { exportOnnxModel(g); }, &kind);
    QCOMPARE(kind, ErrorKind::Unsupported);
    QCOMPARE(msg, std::string("ONNX export: node 'sc' (ScatterND): reduction 'max' (opset 18) cannot be expressed in opset 17"));
  }

  // Attention (made by fuse-attention) is written as the ops it was fused from: MatMul, Mul by the
  // scale, Add of the mask, Softmax on the last axis, MatMul; checked, and equal after re-import
  // to the fused graph within float rounding (the interpreter's Attention sums in double).
  void attentionAsItsFormula() {
    Graph g = parseGraph(R"(graph "attention" {
  input %q: f32[2,5,8]
  input %kt: f32[2,8,6]
  input %v: f32[2,6,4]
  input %mask: f32[2,1,6]
  %y: f32[2,5,4] = Attention #1 "attention"(%q, %kt, %v, %mask) {scale=0.35355338}
  output %y
}
)");
    onnx::ModelProto m = exportOnnxModel(g);
    validate(m);
    std::string ops;
    for (const onnx::NodeProto& n : m.graph().node()) ops += n.op_type() + " ";
    QCOMPARE(ops, std::string("MatMul Mul Add Softmax MatMul "));
    Graph back = roundTrip(g, tmpFile("attention.onnx"));
    std::string diff = testing::compareRuns(g, back, randomInputs(g, 4), Tolerance{1e-5, 1e-6});
    NEST_VERIFY(diff.empty(), diff);
  }

  // With layout attributes (fold-attention-transposes): a Transpose before each operand whose perm
  // is not the identity and after the result (the inverse of y_perm); equal after re-import.
  void attentionWithLayouts() {
    Graph g = parseGraph(R"(graph "attention_layouts" {
  input %q: f32[5,2,8]
  input %kt: f32[6,2,8]
  input %v: f32[2,6,4]
  input %mask: f32[2,1,6]
  %y: f32[5,2,4] = Attention #1 "attention"(%q, %kt, %v, %mask) {kt_perm=[1, 2, 0], q_perm=[1, 0, 2], scale=0.35355338, v_perm=[0, 1, 2], y_perm=[1, 0, 2]}
  output %y
}
)");
    onnx::ModelProto m = exportOnnxModel(g);
    validate(m);
    std::string ops, perms;
    for (const onnx::NodeProto& n : m.graph().node()) {
      ops += n.op_type() + " ";
      for (const onnx::AttributeProto& a : n.attribute())
        if (a.name() == "perm") {
          for (int64_t p : a.ints()) perms += std::to_string(p);
          perms += " ";
        }
    }
    QCOMPARE(ops, std::string("Transpose Transpose MatMul Mul Add Softmax MatMul Transpose "));
    QCOMPARE(perms, std::string("102 120 102 "));
    Graph back = roundTrip(g, tmpFile("attention_layouts.onnx"));
    std::string diff = testing::compareRuns(g, back, randomInputs(g, 4), Tolerance{1e-5, 1e-6});
    NEST_VERIFY(diff.empty(), diff);
  }

  void refusesQuantizedTypes() {
    Graph g;
    g.name = "quant";
    TensorType t(ElemType::I8, {4});
    t.quant = QuantParams{{0.5f}, {3}, std::nullopt};
    g.inputs = {"q"};
    g.outputs = {"q"};
    g.setType("q", t);
    ErrorKind kind = ErrorKind::Internal;
    std::string msg = testing::errorOf([&] { exportOnnxModel(g); }, &kind);
    QCOMPARE(kind, ErrorKind::Unsupported);
    NEST_VERIFY(msg.find("'q'") != std::string::npos && msg.find("quantized") != std::string::npos, msg);
  }

  void mnist() {
    Graph g = importOnnxFile(testing::testdata() / "models" / "mnist-8" / "model.onnx").graph;
    Graph back = roundTrip(g, tmpFile("mnist.onnx"));
    QCOMPARE(back.nodes.size(), g.nodes.size());
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      QCOMPARE(back.nodes[i].name, g.nodes[i].name);
      QCOMPARE(back.nodes[i].op, g.nodes[i].op);
    }
    QCOMPARE(back.inputs, g.inputs);
    QCOMPARE(back.outputs, g.outputs);
    std::string diff = compareRuns(g, back, randomInputs(g, 3));
    NEST_VERIFY(diff.empty(), diff);
  }

  // Every conformance test that passes in the interpreter also passes when its model goes
  // through export and re-import first (same reference outputs, same tolerance).
  void conformanceModelsRoundTrip() {
    GraphRunner direct = driver::graphRunner("interpreter", "O0");
    int index = 0;
    GraphRunner viaExport = [&](const Graph& g, const std::vector<Tensor>& inputs) {
      Graph back = roundTrip(g, tmpFile("case" + std::to_string(index++) + ".onnx"));
      return Interpreter(back).run(inputs);
    };
    int checked = 0;
    std::string failures;
    for (const char* suite : {"onnx-node", "onnx-pytorch-converted"}) {
      for (const fs::path& dir : findTestCases(testing::testdata() / suite)) {
        if (!runOnnxTestCase(dir, direct).passed) continue;
        TestCaseResult r = runOnnxTestCase(dir, viaExport);
        ++checked;
        if (!r.passed) failures += "\n  " + r.name + ": " + r.message;
      }
    }
    qInfo("ONNX export round trip: %d conformance models checked", checked);
    QVERIFY(checked > 300);
    NEST_VERIFY(failures.empty(), "export round trip fails:" + failures);
  }

  void seedModels() {
    fs::path dir = testing::seedModels();
    int n = 0;
    if (fs::exists(dir)) {
      for (const auto& entry : fs::directory_iterator(dir)) {
        fs::path model = entry.path() / "model.onnx";
        if (!fs::exists(model)) continue;
        Graph g = importOnnxFile(model).graph;
        Graph back = roundTrip(g, tmpFile(entry.path().filename().string() + ".onnx"));
        std::string diff = compareRuns(g, back, randomInputs(g, 4));
        NEST_VERIFY(diff.empty(), entry.path().filename().string() + ": " + diff);
        ++n;
      }
    }
    QVERIFY2(n == 7, "the seed models must be generated first (ctest fixture seed_models)");
    qInfo("seed models exported: %d", n);
  }
};

QTEST_APPLESS_MAIN(OnnxExportTest)
#include "test_onnx_export.moc"
