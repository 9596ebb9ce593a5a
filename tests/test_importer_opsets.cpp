// The importer's old-opset semantics and operand forms (core/onnx_import_forms.cpp): Softmax and
// LogSoftmax before opset 13 (2-D coercion), Resize-10 (asymmetric, floor / ceil nearest),
// BatchNormalization-7 with spatial=0, Clip bounds and a Dropout ratio computed at run time, and
// If with a condition known at import (inlined) or computed at run time (kept, run by the
// interpreter). Every model is built here; numbers are checked against values computed by hand.
#include "tests/test_support.h"

#include <cmath>

#include "tests/onnx_model_builder.h"

using namespace nest;
using namespace nest::testing;

namespace {

std::vector<std::string> opsOf(const Graph& g) {
  std::vector<std::string> ops;
  for (const Node& n : g.nodes) ops.push_back(n.op);
  return ops;
}

bool allNamed(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name != name) return false;
  return true;
}

// exp(v - max) / sum over `v` (or its log).
std::vector<float> softmaxOf(const std::vector<double>& v, bool log) {
  double mx = v[0], sum = 0;
  for (double x : v) mx = std::max(mx, x);
  for (double x : v) sum += std::exp(x - mx);
  std::vector<float> out;
  for (double x : v) out.push_back(static_cast<float>(log ? x - mx - std::log(sum) : std::exp(x - mx) / sum));
  return out;
}

}  // namespace

class TestImporterOpsets : public QObject {
  Q_OBJECT

 private slots:
  // SqueezeNet 1.0 (opset 9): Softmax without axis on [1,4,1,1] normalizes over the 4 classes
  // (opset 13 semantics would normalize each single element to 1.0).
  void softmaxBeforeOpset13() {
    ModelBuilder b(9);
    b.input("x", {1, 4, 1, 1}).output("y");
    b.node("Softmax", "prob", {"x"}, {"y"});
    ImportResult r = importModel(b.model());
    QCOMPARE(opsOf(r.graph), (std::vector<std::string>{"Reshape", "Softmax", "Reshape"}));
    QVERIFY(allNamed(r.graph, "prob"));
    QCOMPARE(r.graph.nodes[0].attrs.getInts("shape"), (Ints{1, 4}));
    QCOMPARE(r.graph.nodes[1].attrs.getInt("axis"), int64_t{1});
    QCOMPARE(typeToString(r.graph.typeOf("y")), std::string("f32[1,4,1,1]"));
    // exp(k) / (1 + e + e^2 + e^3), k = 0..3
    NEST_CLOSE(f32({1, 4, 1, 1}, {0.0320586f, 0.0871443f, 0.2368828f, 0.6439142f}), runGraph(r.graph, {ramp({1, 4, 1, 1})})[0]);

    // Opset 13: the same model normalizes along the last axis alone.
    ModelBuilder b13(13);
    b13.input("x", {1, 4, 1, 1}).output("y");
    b13.node("Softmax", "prob", {"x"}, {"y"});
    ImportResult r13 = importModel(b13.model());
    QCOMPARE(opsOf(r13.graph), std::vector<std::string>{"Softmax"});
    NEST_SAME_TENSORS({f32({1, 4, 1, 1}, {1, 1, 1, 1})}, runGraph(r13.graph, {ramp({1, 4, 1, 1})}));

    // Opset 11, axis -2 of [2,2,3]: each of the 2 rows of 6 values is one distribution.
    ModelBuilder neg(11);
    neg.input("x", {2, 2, 3}).output("y");
    setInt(neg.node("Softmax", "sm", {"x"}, {"y"}), "axis", -2);
    ImportResult rn = importModel(neg.model());
    std::vector<float> row = softmaxOf({0, 1, 2, 3, 4, 5}, false), both = row;
    both.insert(both.end(), row.begin(), row.end());
    NEST_CLOSE(f32({2, 2, 3}, both), runGraph(rn.graph, {ramp({2, 2, 3})})[0]);  // rows 0..5 and 6..11: same shape

    // The last axis: both semantics agree and one node suffices.
    ModelBuilder last(11);
    last.input("x", {2, 3}).output("y");
    last.node("Softmax", "sm", {"x"}, {"y"});
    ImportResult rl = importModel(last.model());
    QCOMPARE(opsOf(rl.graph), std::vector<std::string>{"Softmax"});
    std::vector<float> r3 = softmaxOf({0, 1, 2}, false), two = r3;
    two.insert(two.end(), r3.begin(), r3.end());
    NEST_CLOSE(f32({2, 3}, two), runGraph(rl.graph, {ramp({2, 3})})[0]);

    // Hardmax follows the same rule: opset 11 without axis on [1,2,1,2] picks one of all 4 values
    // (the first largest), opset 13 one per slice along the last axis.
    ModelBuilder hard(11);
    hard.input("x", {1, 2, 1, 2}).output("y");
    hard.node("Hardmax", "hm", {"x"}, {"y"});
    ImportResult rh = importModel(hard.model());
    QCOMPARE(opsOf(rh.graph), (std::vector<std::string>{"Reshape", "Hardmax", "Reshape"}));
    QVERIFY(allNamed(rh.graph, "hm"));
    const Tensor tied = f32({1, 2, 1, 2}, {3, 1, 3, 2});
    NEST_SAME_TENSORS({f32({1, 2, 1, 2}, {1, 0, 0, 0})}, runGraph(rh.graph, {tied}));
    ModelBuilder hard13(13);
    hard13.input("x", {1, 2, 1, 2}).output("y");
    hard13.node("Hardmax", "hm", {"x"}, {"y"});
    NEST_SAME_TENSORS({f32({1, 2, 1, 2}, {1, 0, 1, 0})}, runGraph(importModel(hard13.model()).graph, {tied}));

    // An axis out of range names the node.
    ModelBuilder bad(11);
    bad.input("x", {4}).output("y");
    bad.node("Softmax", "sm1d", {"x"}, {"y"});  // default axis 1 on a 1-D input
    ErrorKind kind{};
    std::string msg = importError(bad.model(), &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "node 'sm1d' (Softmax)");
    NEST_CONTAINS(msg, "axis 1 is out of range");
  }

  void logSoftmaxBeforeOpset13() {
    // axis 0: all four values are one distribution.
    ModelBuilder b(7);
    b.input("x", {2, 2}).output("y");
    setInt(b.node("LogSoftmax", "lsm", {"x"}, {"y"}), "axis", 0);
    ImportResult r = importModel(b.model());
    QCOMPARE(opsOf(r.graph), (std::vector<std::string>{"Reshape", "LogSoftmax", "Reshape"}));
    QVERIFY(allNamed(r.graph, "lsm"));
    // log softmax of 0..3: k - 3 - log(1 + e^-1 + e^-2 + e^-3)
    NEST_CLOSE(f32({2, 2}, {-3.4401897f, -2.4401897f, -1.4401897f, -0.4401897f}), runGraph(r.graph, {ramp({2, 2})})[0]);
  }

  // Resize-10 (X, scales): asymmetric coordinates; nearest rounds down when enlarging and up when
  // shrinking (ONNX's opset-10 test data).
  void resize10() {
    ModelBuilder down(10);
    down.input("x", {1, 1, 2, 4}).output("y");
    down.initializer("scales", f32({4}, {1, 1, 0.6f, 0.6f}));
    setString(down.node("Resize", "rs", {"x", "scales"}, {"y"}), "mode", "nearest");
    ImportResult rd = importModel(down.model());
    QCOMPARE(rd.graph.nodes[0].attrs.getString("coordinate_transformation_mode", ""), std::string("asymmetric"));
    QCOMPARE(rd.graph.nodes[0].attrs.getString("nearest_mode", ""), std::string("ceil"));
    NEST_SAME_TENSORS({f32({1, 1, 1, 2}, {1, 3})}, runGraph(rd.graph, {ramp({1, 1, 2, 4}, 1, 1)}));

    ModelBuilder up(10);
    up.input("x", {1, 1, 2, 2}).output("y");
    up.initializer("scales", f32({4}, {1, 1, 2, 2}));
    setString(up.node("Resize", "rs", {"x", "scales"}, {"y"}), "mode", "linear");
    ImportResult ru = importModel(up.model());
    // Opset 11's default (half_pixel) would give 1, 1.25, 1.75, 2 in the first row.
    NEST_SAME_TENSORS({f32({1, 1, 4, 4}, {1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4})},
                      runGraph(ru.graph, {ramp({1, 1, 2, 2}, 1, 1)}));

    ModelBuilder upNearest(10);
    upNearest.input("x", {1, 1, 2, 2}).output("y");
    upNearest.initializer("scales", f32({4}, {1, 1, 2, 3}));
    upNearest.node("Resize", "rs", {"x", "scales"}, {"y"});
    NEST_SAME_TENSORS({f32({1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4})},
                      runGraph(importModel(upNearest.model()).graph, {ramp({1, 1, 2, 2}, 1, 1)}));

    ModelBuilder mixed(10);
    mixed.input("x", {1, 1, 2, 4}).output("y");
    mixed.initializer("scales", f32({4}, {1, 1, 2, 0.5f}));
    mixed.node("Resize", "mixed_rs", {"x", "scales"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(mixed.model(), &kind);
    QCOMPARE(kind, ErrorKind::Unsupported);
    NEST_CONTAINS(msg, "node 'mixed_rs' (Resize)");
  }

  // BatchNormalization-7 with spatial=0: statistics per element of [C, D1]; x * s + b.
  void batchNormSpatial0() {
    ModelBuilder b(7);
    b.input("x", {2, 2, 1}).output("y");
    b.initializer("scale", f32({2, 1}, {1, 2})).initializer("bias", f32({2, 1}, {0, 1}));
    b.initializer("mean", f32({2, 1}, {1, 0})).initializer("var", f32({2, 1}, {3, 0}));
    auto& bn = b.node("BatchNormalization", "bn", {"x", "scale", "bias", "mean", "var"}, {"y"});
    setInt(bn, "spatial", 0);
    setFloat(bn, "epsilon", 1.0f);
    ImportResult r = importModel(b.model());
    QCOMPARE(opsOf(r.graph), (std::vector<std::string>{"Mul", "Add"}));
    QVERIFY(allNamed(r.graph, "bn"));
    // s = scale / sqrt(var + 1) = {0.5, 2}, b = bias - mean * s = {-0.5, 1}
    NEST_SAME_TENSORS({f32({2, 2, 1}, {-0.5f, 3, 0.5f, 7})}, runGraph(r.graph, {ramp({2, 2, 1})}));

    // spatial=1 is the ordinary op (the attribute is gone).
    ModelBuilder s1(7);
    s1.input("x", {1, 2, 2}).output("y");
    s1.initializer("scale", f32({2}, {1, 2})).initializer("bias", f32({2}, {0, 1}));
    s1.initializer("mean", f32({2}, {1, 0})).initializer("var", f32({2}, {3, 0}));
    setFloat(s1.node("BatchNormalization", "bn", {"x", "scale", "bias", "mean", "var"}, {"y"}), "epsilon", 1.0f);
    ImportResult r1 = importModel(s1.model());
    QCOMPARE(opsOf(r1.graph), std::vector<std::string>{"BatchNormalization"});
    QVERIFY(!r1.graph.nodes[0].attrs.has("spatial"));
    NEST_SAME_TENSORS({f32({1, 2, 2}, {-0.5f, 0, 5, 7})}, runGraph(r1.graph, {ramp({1, 2, 2})}));
  }

  // openWakeWord's melspectrogram: Clip(x, min = ReduceMax(x) - 80), a bound computed at run time.
  void clipRuntimeBounds() {
    ModelBuilder b(13);
    b.input("x", {4}).output("y");
    b.initializer("range", Tensor::scalarF32(80.0f));
    setInt(b.node("ReduceMax", "top", {"x"}, {"top"}), "keepdims", 0);
    b.node("Sub", "floor", {"top", "range"}, {"lo"});
    b.node("Clip", "clip", {"x", "lo"}, {"y"});
    ImportResult r = importModel(b.model());
    QCOMPARE(opsOf(r.graph), (std::vector<std::string>{"ReduceMax", "Sub", "Max"}));
    QCOMPARE(r.graph.nodes[2].name, std::string("clip"));
    QCOMPARE(r.graph.nodes[2].inputs, (std::vector<std::string>{"x", "lo"}));
    NEST_SAME_TENSORS({f32({4}, {-70, -30, 0, 10})}, runGraph(r.graph, {f32({4}, {-100, -30, 0, 10})}));

    // A known min stays a Clip attribute, a run-time max (a graph input of shape [1]) becomes Min.
    ModelBuilder m(13);
    m.input("x", {2, 4}).input("hi", {1}).output("y");
    m.initializer("lo", Tensor::scalarF32(-1.0f));
    m.node("Clip", "clip", {"x", "lo", "hi"}, {"y"});
    ImportResult rm = importModel(m.model());
    QCOMPARE(opsOf(rm.graph), (std::vector<std::string>{"Clip", "Reshape", "Min"}));
    QVERIFY(allNamed(rm.graph, "clip"));
    QVERIFY(rm.graph.nodes[0].attrs.has("min") && !rm.graph.nodes[0].attrs.has("max"));
    NEST_SAME_TENSORS({f32({2, 4}, {-1, -1, -1, -0.5f, 0.5f, 1.5f, 2, 2})},
                      runGraph(rm.graph, {ramp({2, 4}, 1.0f, -3.5f), f32({1}, {2})}));

    // Both computed at run time.
    ModelBuilder both(13);
    both.input("x", {4}).input("lo", {}).input("hi", {}).output("y");
    both.node("Clip", "clip", {"x", "lo", "hi"}, {"y"});
    ImportResult rb = importModel(both.model());
    QCOMPARE(opsOf(rb.graph), (std::vector<std::string>{"Max", "Min"}));
    NEST_SAME_TENSORS({f32({4}, {0, 0.5f, 1, 1})},
                      runGraph(rb.graph, {f32({4}, {-1, 0.5f, 1, 7}), Tensor::scalarF32(0), Tensor::scalarF32(1)}));

    // A bound of more than one element names the node.
    ModelBuilder bad(13);
    bad.input("x", {4}).input("lo", {2}).output("y");
    bad.node("Clip", "clip2", {"x", "lo"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(bad.model(), &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "node 'clip2' (Clip)");
    NEST_CONTAINS(msg, "'min' must be one element");
  }

  // Inference Dropout ignores its ratio, which may therefore be computed at run time.
  void dropoutRuntimeRatio() {
    ModelBuilder b(12);
    b.input("x", {3}).input("ratio", {}).output("y");
    b.node("Dropout", "drop", {"x", "ratio"}, {"y"});
    ImportResult r = importModel(b.model());
    QCOMPARE(opsOf(r.graph), std::vector<std::string>{"Dropout"});
    QCOMPARE(r.graph.nodes[0].inputs, std::vector<std::string>{"x"});
    QCOMPARE(r.graph.inputs, (std::vector<std::string>{"x", "ratio"}));
    NEST_SAME_TENSORS({f32({3}, {1, 2, 3})}, runGraph(r.graph, {f32({3}, {1, 2, 3}), Tensor::scalarF32(0.5f)}));

    // A shape-fixing operand stays compile-time only: Reshape's shape from a graph input.
    ModelBuilder s(13);
    s.input("x", {2, 3}).input("shape", {2}, onnx::TensorProto::INT64).output("y");
    s.node("Reshape", "reshape_node", {"x", "shape"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(s.model(), &kind);
    QCOMPARE(kind, ErrorKind::Unsupported);
    NEST_CONTAINS(msg, "known at compile time");
  }

  // An If on a shape test (PyTorch export of `if x.shape[0] == 2`) is replaced by its taken branch;
  // the branches read `x` and `w` from the outer scope and have initializers of their own.
  void ifWithKnownCondition() {
    for (int64_t batch : {2, 3}) {
      ModelBuilder b(13);
      b.input("x", {batch, 3}).output("y");
      b.initializer("w", f32({3}, {10, 20, 30}));
      b.initializer("zero", i64({1}, {0})).initializer("two", i64({}, {2}));
      b.node("Shape", "shape", {"x"}, {"s"});
      setInt(b.node("Gather", "dim0", {"s", "zero"}, {"d"}), "axis", 0);
      b.node("Squeeze", "sq", {"d"}, {"d0"});
      b.node("Equal", "is2", {"d0", "two"}, {"cond"});
      auto& ifNode = b.node("If", "if_batch", {"cond"}, {"y"});
      OnnxGraphBuilder thenB(addGraphAttr(ifNode, "then_branch"));
      thenB.initializer("one", Tensor::scalarF32(1.0f));
      thenB.node("Add", "then_add", {"x", "w"}, {"t1"});
      thenB.node("Add", "then_add1", {"t1", "one"}, {"t2"});
      thenB.output("t2");
      OnnxGraphBuilder elseB(addGraphAttr(ifNode, "else_branch"));
      elseB.node("Mul", "else_mul", {"x", "w"}, {"e1"});
      elseB.output("e1");
      ImportResult r = importModel(b.model());
      QVERIFY(!findOp(r.graph, "If"));
      const Node* id = findOp(r.graph, "Identity");
      QVERIFY(id && id->name == "if_batch");
      std::vector<float> want;
      for (int64_t i = 0; i < batch * 3; ++i) {
        const float x = static_cast<float>(i), w = 10.0f * static_cast<float>(i % 3 + 1);
        want.push_back(batch == 2 ? x + w + 1 : x * w);
      }
      NEST_SAME_TENSORS({f32({batch, 3}, want)}, runGraph(r.graph, {ramp({batch, 3})}));
      QCOMPARE(countOp(r.graph, "Add"), batch == 2 ? 2 : 0);
      QCOMPARE(countOp(r.graph, "Mul"), batch == 2 ? 0 : 1);
    }
  }

  void ifWithRuntimeCondition() {
    ModelBuilder b(13);
    b.input("x", {3}).output("y");
    b.initializer("zero", Tensor::scalarF32(0.0f));
    setInt(b.node("ReduceSum", "total", {"x"}, {"sum"}), "keepdims", 0);
    b.node("Greater", "positive", {"sum", "zero"}, {"cond"});
    auto& ifNode = b.node("If", "if_positive", {"cond"}, {"y"});
    OnnxGraphBuilder thenB(addGraphAttr(ifNode, "then_branch"));
    thenB.node("Relu", "r", {"x"}, {"t"});
    thenB.output("t");
    OnnxGraphBuilder elseB(addGraphAttr(ifNode, "else_branch"));
    elseB.node("Neg", "n", {"x"}, {"e"});
    elseB.output("e");
    // Kept as an If node holding both branches, run by the interpreter
    // (tests/test_importer_runtime_control_flow.cpp has the details).
    ImportResult r = importModel(b.model());
    const Node* n = findOp(r.graph, "If");
    QVERIFY(n && n->name == "if_positive");
    QCOMPARE(n->inputs, (std::vector<std::string>{"cond", "x"}));
    NEST_SAME_TENSORS({f32({3}, {1, 0, 3})}, runGraph(r.graph, {f32({3}, {1, -2, 3})}));
    NEST_SAME_TENSORS({f32({3}, {1, -2, 3})}, runGraph(r.graph, {f32({3}, {-1, 2, -3})}));
  }
};

QTEST_GUILESS_MAIN(TestImporterOpsets)
#include "test_importer_opsets.moc"
