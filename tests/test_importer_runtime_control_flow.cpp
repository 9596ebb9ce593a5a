// If and Loop decided at run time (core/ops/control_flow_ops.cpp): an If whose condition and a Loop
// whose trip count or condition the importer cannot resolve become nodes holding their bodies,
// with the outer values the bodies read as explicit operands; the interpreter runs them. Two
// torch.jit.script modules (a data-dependent `if`, a `while` loop with a data-dependent condition,
// exported at opset 17 by scripts/make_control_flow_models.py into tests/data/runtime_control_flow)
// against torch's outputs; models built here with every Loop form (M and cond, cond only, M only,
// no iteration), captured values in both If branches, an If inside a Loop's body, with exact values
// worked out by hand; the
// refusals (scan outputs of a runtime Loop, branches of different types, the CPU backend, a
// condition that never turns false); the text IR, graph JSON and ONNX export round trips; nestc.
#include "tests/test_support.h"

#include "backends/backend.h"
#include "backends/backend_registry.h"
#include "core/graph_json.h"
#include "core/npy.h"
#include "core/onnx_export.h"
#include "core/text_ir.h"
#include "driver/driver.h"
#include "tests/onnx_model_builder.h"

using namespace nest;
using namespace nest::testing;

namespace {

fs::path dataDir() { return sourceDir() / "tests" / "data" / "runtime_control_flow"; }

// y, z = If(sum(x) > 0) with then: (Relu(x) + w, x - w), else: (Neg(x) * x + w, x). a = Relu(x) and
// b = Neg(x) are computed outside and read by one branch each; x by both; w is a constant.
void buildIfModel(ModelBuilder& b, bool sameShapes = true) {
  b.input("x", {3}).output("y").output("z");
  b.initializer("w", f32({3}, {10, 20, 30}));
  b.initializer("zero", Tensor::scalarF32(0.0f));
  setInt(b.node("ReduceSum", "total", {"x"}, {"sum"}), "keepdims", 0);
  b.node("Greater", "positive", {"sum", "zero"}, {"cond"});
  b.node("Relu", "relu_a", {"x"}, {"a"});
  b.node("Neg", "neg_b", {"x"}, {"b"});
  auto& ifNode = b.node("If", "if_pos", {"cond"}, {"y", "z"});
  OnnxGraphBuilder thenB(addGraphAttr(ifNode, "then_branch"));
  thenB.graph().set_name("then");
  thenB.node("Add", "t_add", {"a", "w"}, {"t"});
  thenB.node("Sub", "t_sub", {"x", "w"}, {"t2"});
  thenB.output("t").output("t2");
  OnnxGraphBuilder elseB(addGraphAttr(ifNode, "else_branch"));
  elseB.graph().set_name("else");
  elseB.node("Mul", "e_mul", {"b", "x"}, {"e"});
  if (sameShapes) {
    elseB.node("Add", "e_add", {"e", "w"}, {"e2"});
  } else {
    setInt(elseB.node("ReduceSum", "e_sum", {"e"}, {"e2"}), "keepdims", 1);
  }
  elseB.output("e2").output("x");
}

// vf, nf = Loop(M, cond, x, n0): v += offset (offset = 2x, computed outside), n += i, cond = sum(v)
// < limit (limit read from outside). v after k iterations is x * (1 + 2k), n = 0 + 1 + ... + (k-1).
// `scan` adds a scan output (v of every iteration).
void buildLoopModel(ModelBuilder& b, bool withM, bool withCond, bool scan = false) {
  b.input("x", {2}).input("limit", {1});
  if (withM) b.input("m", {}, onnx::TensorProto::INT64);
  b.output("vf").output("nf");
  b.initializer("two", Tensor::scalarF32(2.0f));
  b.initializer("n0", f32({1}, {0}));
  b.node("Mul", "offset_mul", {"x", "two"}, {"offset"});
  setInt(b.node("ReduceSum", "x_sum", {"x"}, {"xs"}), "keepdims", 0);
  b.node("Less", "first_cond", {"xs", "limit"}, {"c0"});
  std::vector<std::string> outs{"vf", "nf"};
  if (scan) outs.push_back("vs");
  auto& loop = b.node("Loop", "loop", {withM ? "m" : "", withCond ? "c0" : "", "x", "n0"}, outs);
  OnnxGraphBuilder body(addGraphAttr(loop, "body"));
  body.graph().set_name("body");
  body.input("i", {}, onnx::TensorProto::INT64).input("c_in", {}, onnx::TensorProto::BOOL).input("v", {2}).input("n", {1});
  body.node("Add", "b_add", {"v", "offset"}, {"v2"});
  setInt(body.node("Cast", "b_cast", {"i"}, {"fi"}), "to", onnx::TensorProto::FLOAT);
  body.node("Add", "b_count", {"n", "fi"}, {"n2"});
  setInt(body.node("ReduceSum", "b_sum", {"v2"}, {"s"}), "keepdims", 0);
  body.node("Less", "b_less", {"s", "limit"}, {"c_out"});
  body.output("c_out").output("v2").output("n2");
  if (scan) body.output("v2");
}

std::vector<Tensor> loopInputs(std::vector<float> x, float limit, std::optional<int64_t> m) {
  std::vector<Tensor> in{f32({2}, x), f32({1}, {limit})};
  if (m) in.push_back(i64({}, {*m}));
  return in;
}

const Node& onlyNode(const Graph& g, const std::string& op) {
  const Node* n = findOp(g, op);
  if (!n) throw std::runtime_error("no " + op + " node");
  return *n;
}

// The model exported to ONNX and imported again.
Graph roundTrip(const Graph& g) {
  std::string bytes;
  if (!exportOnnxModel(g).SerializeToString(&bytes)) throw std::runtime_error("cannot serialize");
  return importOnnxBytes(bytes, OnnxFormat::Binary, "exported").graph;
}

std::vector<Tensor> npyRun(const std::string& model, int run, const char* what, int count) {
  std::vector<Tensor> out;
  for (int i = 0; i < count; ++i)
    out.push_back(readNpy(dataDir() / (model + "_run" + std::to_string(run) + "_" + what + std::to_string(i) + ".npy")));
  return out;
}

}  // namespace

class TestImporterRuntimeControlFlow : public QObject {
  Q_OBJECT

 private slots:
  // torch.jit.script `if x.sum() > 0: ... else: ...`: If with a runtime condition reading x and the
  // weight; torch's outputs for both branches (exact: the values are dyadic).
  void torchScriptIf() {
    ImportResult r = importOnnxFile(dataDir() / "branchy.onnx");
    const Node& n = onlyNode(r.graph, "If");
    QCOMPARE(n.inputs, (std::vector<std::string>{"/Cast_output_0", "x"}));  // the weight is a body constant
    QCOMPARE(n.attrs.getGraph("then_branch")->inputs, (std::vector<std::string>{"x"}));
    for (int run = 0; run < 2; ++run) {
      const std::vector<Tensor> want = npyRun("branchy", run, "out", 1);
      NEST_SAME_TENSORS(want, runGraph(r.graph, npyRun("branchy", run, "in", 1)));
      NEST_SAME_TENSORS(want, driver::graphRunner("interpreter", "O1")(r.graph, npyRun("branchy", run, "in", 1)));
      NEST_SAME_TENSORS(want, runGraph(roundTrip(r.graph), npyRun("branchy", run, "in", 1)));
    }
    NEST_SAME_TENSORS({f32({2, 2}, {-1.5f, 3.25f, 8.125f, -0.375f})}, npyRun("branchy", 0, "out", 1));
    NEST_SAME_TENSORS({f32({2, 2}, {0.0f, 6.75f, 14.625f, 0.0f})}, npyRun("branchy", 1, "out", 1));
  }

  // torch.jit.script `while bool(acc.abs().sum() < limit.sum()): ...`: Loop with M = INT64_MAX and a
  // runtime condition; the body reads `scale` (a constant) and limit's sum (captured). Run 1 runs no
  // iteration.
  void torchScriptWhile() {
    ImportResult r = importOnnxFile(dataDir() / "whiling.onnx");
    const Node& n = onlyNode(r.graph, "Loop");
    QCOMPARE(n.inputs.size(), size_t{5});  // M, cond, acc, steps, the captured sum of limit
    QCOMPARE(n.inputs[4], std::string("/ReduceSum_1_output_0"));
    for (int run = 0; run < 2; ++run) {
      const std::vector<Tensor> want = npyRun("whiling", run, "out", 2);
      NEST_SAME_TENSORS(want, runGraph(r.graph, npyRun("whiling", run, "in", 2)));
      NEST_SAME_TENSORS(want, driver::graphRunner("interpreter", "O1")(r.graph, npyRun("whiling", run, "in", 2)));
      NEST_SAME_TENSORS(want, runGraph(roundTrip(r.graph), npyRun("whiling", run, "in", 2)));
    }
    NEST_SAME_TENSORS((std::vector<Tensor>{f32({3}, {10.390625f, 24.4765625f, -5.59375f}), f32({1}, {5.0f})}),
                      npyRun("whiling", 0, "out", 2));
  }

  // Both branches read outer values (a, b computed outside, x, the constant w): a, b and x become
  // operands in name order and inputs of both branches; w a constant of each branch.
  void ifCapturesOuterValues() {
    ModelBuilder b(13);
    buildIfModel(b);
    ImportResult r = importModel(b.model());
    const Node& n = onlyNode(r.graph, "If");
    QCOMPARE(n.inputs, (std::vector<std::string>{"cond", "a", "b", "x"}));
    const Graph& thenG = *n.attrs.getGraph("then_branch");
    const Graph& elseG = *n.attrs.getGraph("else_branch");
    QCOMPARE(thenG.inputs, (std::vector<std::string>{"a", "b", "x"}));
    QCOMPARE(elseG.inputs, (std::vector<std::string>{"a", "b", "x"}));
    QVERIFY(thenG.isConstant("w") && elseG.isConstant("w"));
    QCOMPARE(typeToString(r.graph.typeOf("y")), std::string("f32[3]"));
    // sum = 2 > 0: then.
    NEST_SAME_TENSORS((std::vector<Tensor>{f32({3}, {11, 20, 33}), f32({3}, {-9, -22, -27})}),
                      runGraph(r.graph, {f32({3}, {1, -2, 3})}));
    // sum = -2: else (its second result is the captured x itself).
    NEST_SAME_TENSORS((std::vector<Tensor>{f32({3}, {9, 16, 21}), f32({3}, {-1, 2, -3})}),
                      runGraph(r.graph, {f32({3}, {-1, 2, -3})}));
    // Through the -O1 passes, the ONNX export and the text IR.
    const Graph back = roundTrip(r.graph);
    QCOMPARE(countOp(back, "If"), 1);
    const Graph parsed = parseGraph(printGraph(r.graph));
    QCOMPARE(printGraph(parsed), printGraph(r.graph));
    QVERIFY(graphsEqual(parsed, r.graph));
    for (const std::vector<float>& x : {std::vector<float>{1, -2, 3}, std::vector<float>{-1, 2, -3}}) {
      const std::vector<Tensor> want = runGraph(r.graph, {f32({3}, x)});
      NEST_SAME_TENSORS(want, driver::graphRunner("interpreter", "O1")(r.graph, {f32({3}, x)}));
      NEST_SAME_TENSORS(want, runGraph(back, {f32({3}, x)}));
      NEST_SAME_TENSORS(want, runGraph(parsed, {f32({3}, x)}));
    }
    // JSON: the bodies as graphs.
    const nlohmann::json j = graphToJson(r.graph);
    for (const auto& node : j["nodes"])
      if (node["op"] == "If") QCOMPARE(node["attributes"]["then_branch"]["graph"]["name"].get<std::string>(), std::string("if_pos/then_branch"));
  }

  // The text IR spells a body as a nested graph, indented under its node.
  void textIrSpelling() {
    ModelBuilder b(13);
    b.input("x", {2}).output("y");
    b.initializer("zero", Tensor::scalarF32(0.0f));
    setInt(b.node("ReduceSum", "total", {"x"}, {"sum"}), "keepdims", 0);
    b.node("Greater", "positive", {"sum", "zero"}, {"cond"});
    auto& ifNode = b.node("If", "if1", {"cond"}, {"y"});
    OnnxGraphBuilder thenB(addGraphAttr(ifNode, "then_branch"));
    thenB.node("Neg", "neg", {"x"}, {"t"});
    thenB.output("t");
    OnnxGraphBuilder elseB(addGraphAttr(ifNode, "else_branch"));
    elseB.node("Add", "add", {"x", "zero"}, {"e"});
    elseB.output("e");
    const Graph g = importModel(b.model()).graph;
    const std::string text = printGraph(g);
    NEST_SAME_TEXT(text,
                   "graph \"g\" {\n"
                   "  input %x: f32[2]\n"
                   "  const %zero: f32[] = dense<[0.0]>\n"
                   "  %sum: f32[] = ReduceSum #1 \"total\"(%x) {keepdims=0}\n"
                   "  %cond: bool[] = Greater #2 \"positive\"(%sum, %zero)\n"
                   "  %y: f32[2] = If #3 \"if1\"(%cond, %x) {else_branch=graph \"if1/else_branch\" {\n"
                   "      input %x: f32[2]\n"
                   "      const %zero: f32[] = dense<[0.0]>\n"
                   "      %e: f32[2] = Add #1 \"add\"(%x, %zero)\n"
                   "      output %e\n"
                   "    }, then_branch=graph \"if1/then_branch\" {\n"
                   "      input %x: f32[2]\n"
                   "      %t: f32[2] = Neg #1 \"neg\"(%x)\n"
                   "      output %t\n"
                   "    }}\n"
                   "  output %y\n"
                   "}\n");
    QCOMPARE(printGraph(parseGraph(text)), text);
    // The verifier checks the bodies (naming the node and the body) and their inputs against the
    // operands.
    std::string bad = text;
    bad.replace(bad.find("      input %x: f32[2]"), 22, "      input %x: f32[3]");
    NEST_SAME_TEXT(errorOf([&] { parseGraph(bad); }),
                   "node 'if1' (If), else_branch: node 'add' (Add): result 'e' is recorded as f32[2] but the op gives f32[3]");
    bad = text;
    bad.replace(bad.find("(%cond, %x)"), 11, "(%cond, %sum)");
    NEST_SAME_TEXT(errorOf([&] { parseGraph(bad); }), "node 'if1' (If): then_branch input 'x' is f32[2] but operand 1 is f32[]");
  }

  // Loop forms: M and cond, cond only, M only; the carried values v, n; the body reads offset and
  // limit from outside (captured) and the iteration number.
  void loopForms() {
    {  // cond only: sums 3, 9, 15, 21: three iterations.
      ModelBuilder b(13);
      buildLoopModel(b, false, true);
      ImportResult r = importModel(b.model());
      const Node& n = onlyNode(r.graph, "Loop");
      QCOMPARE(n.inputs, (std::vector<std::string>{"", "c0", "x", "n0", "limit", "offset"}));
      QCOMPARE(n.attrs.getGraph("body")->inputs, (std::vector<std::string>{"i", "c_in", "v", "n", "limit", "offset"}));
      NEST_SAME_TENSORS((std::vector<Tensor>{f32({2}, {7, 14}), f32({1}, {3})}), runGraph(r.graph, loopInputs({1, 2}, 20, {})));
      // The first condition false: no iteration, the initial values.
      NEST_SAME_TENSORS((std::vector<Tensor>{f32({2}, {1, 2}), f32({1}, {0})}), runGraph(r.graph, loopInputs({1, 2}, 3, {})));
      const Graph back = roundTrip(r.graph);
      NEST_SAME_TENSORS((std::vector<Tensor>{f32({2}, {7, 14}), f32({1}, {3})}), runGraph(back, loopInputs({1, 2}, 20, {})));
      const Graph parsed = parseGraph(printGraph(r.graph));
      QCOMPARE(printGraph(parsed), printGraph(r.graph));
      NEST_SAME_TENSORS((std::vector<Tensor>{f32({2}, {7, 14}), f32({1}, {3})}), runGraph(parsed, loopInputs({1, 2}, 20, {})));
    }
    {  // M only: the body's condition is ignored (ONNX); 5 iterations.
      ModelBuilder b(13);
      buildLoopModel(b, true, false);
      ImportResult r = importModel(b.model());
      NEST_SAME_TENSORS((std::vector<Tensor>{f32({2}, {11, 22}), f32({1}, {10})}), runGraph(r.graph, loopInputs({1, 2}, 20, 5)));
      NEST_SAME_TENSORS((std::vector<Tensor>{f32({2}, {1, 2}), f32({1}, {0})}), runGraph(r.graph, loopInputs({1, 2}, 20, 0)));
      NEST_SAME_TENSORS((std::vector<Tensor>{f32({2}, {11, 22}), f32({1}, {10})}),
                        runGraph(roundTrip(r.graph), loopInputs({1, 2}, 20, 5)));
    }
    {  // M and cond: whichever stops first.
      ModelBuilder b(13);
      buildLoopModel(b, true, true);
      ImportResult r = importModel(b.model());
      NEST_SAME_TENSORS((std::vector<Tensor>{f32({2}, {5, 10}), f32({1}, {1})}), runGraph(r.graph, loopInputs({1, 2}, 20, 2)));
      NEST_SAME_TENSORS((std::vector<Tensor>{f32({2}, {7, 14}), f32({1}, {3})}), runGraph(r.graph, loopInputs({1, 2}, 20, 10)));
      NEST_SAME_TENSORS((std::vector<Tensor>{f32({2}, {7, 14}), f32({1}, {3})}),
                        driver::graphRunner("interpreter", "O1")(r.graph, loopInputs({1, 2}, 20, 10)));
      NEST_SAME_TENSORS((std::vector<Tensor>{f32({2}, {5, 10}), f32({1}, {1})}),
                        runGraph(roundTrip(r.graph), loopInputs({1, 2}, 20, 2)));
    }
  }

  // An If decided at run time inside a Loop's body: the If's branches read the body's carried value,
  // a value of the top graph (offset, captured by the Loop, then by the If) and a constant (two).
  // Iterations 0 and 1 take then (v + offset), later ones else (v * 2), while sum(v) < limit.
  void nestedControlFlow() {
    ModelBuilder b(13);
    b.input("x", {2}).input("limit", {1}).output("vf");
    b.initializer("two", Tensor::scalarF32(2.0f));
    b.initializer("bound", Tensor::scalarF32(1.5f));
    b.node("Mul", "offset_mul", {"x", "two"}, {"offset"});
    setInt(b.node("ReduceSum", "x_sum", {"x"}, {"xs"}), "keepdims", 0);
    b.node("Less", "first_cond", {"xs", "limit"}, {"c0"});
    auto& loop = b.node("Loop", "loop", {"", "c0", "x"}, {"vf"});
    OnnxGraphBuilder body(addGraphAttr(loop, "body"));
    body.input("i", {}, onnx::TensorProto::INT64).input("c_in", {1}, onnx::TensorProto::BOOL).input("v", {2});
    setInt(body.node("Cast", "b_cast", {"i"}, {"fi"}), "to", onnx::TensorProto::FLOAT);
    body.node("Less", "early", {"fi", "bound"}, {"is_early"});
    auto& ifNode = body.node("If", "pick", {"is_early"}, {"v2"});
    OnnxGraphBuilder thenB(addGraphAttr(ifNode, "then_branch"));
    thenB.node("Add", "t_add", {"v", "offset"}, {"t"});
    thenB.output("t");
    OnnxGraphBuilder elseB(addGraphAttr(ifNode, "else_branch"));
    elseB.node("Mul", "e_mul", {"v", "two"}, {"e"});
    elseB.output("e");
    setInt(body.node("ReduceSum", "b_sum", {"v2"}, {"s"}), "keepdims", 0);
    body.node("Less", "b_less", {"s", "limit"}, {"c_out"});
    body.output("c_out").output("v2");
    ImportResult r = importModel(b.model());
    const Node& n = onlyNode(r.graph, "Loop");
    QCOMPARE(n.inputs, (std::vector<std::string>{"", "c0", "x", "limit", "offset"}));
    const Graph& bodyG = *n.attrs.getGraph("body");
    // Known values become constants where they are read: two only in the else branch.
    QVERIFY(bodyG.isConstant("bound") && !bodyG.isConstant("two"));
    const Node& pick = onlyNode(bodyG, "If");
    QCOMPARE(pick.inputs, (std::vector<std::string>{"is_early", "offset", "v"}));
    QVERIFY(pick.attrs.getGraph("else_branch")->isConstant("two"));
    // limit 30: then, then, else -> [10, 20]; limit 100: two more else -> [40, 80].
    const Graph back = roundTrip(r.graph);
    const Graph parsed = parseGraph(printGraph(r.graph));
    for (const Graph* g : std::vector<const Graph*>{&r.graph, &back, &parsed}) {
      NEST_SAME_TENSORS({f32({2}, {10, 20})}, runGraph(*g, {f32({2}, {1, 2}), f32({1}, {30})}));
      NEST_SAME_TENSORS({f32({2}, {40, 80})}, runGraph(*g, {f32({2}, {1, 2}), f32({1}, {100})}));
    }
    NEST_SAME_TENSORS({f32({2}, {40, 80})}, driver::graphRunner("interpreter", "O1")(r.graph, {f32({2}, {1, 2}), f32({1}, {100})}));
  }

  // A Loop whose trip count and conditions are known is still unrolled (no Loop node).
  void staticLoopStillUnrolled() {
    ModelBuilder b(13);
    b.input("x", {2}).input("limit", {1}).output("vf").output("nf");
    b.initializer("two", Tensor::scalarF32(2.0f));
    b.initializer("n0", f32({1}, {0}));
    b.initializer("m", i64({}, {3}));
    b.node("Mul", "offset_mul", {"x", "two"}, {"offset"});
    auto& loop = b.node("Loop", "loop", {"m", "", "x", "n0"}, {"vf", "nf"});
    OnnxGraphBuilder body(addGraphAttr(loop, "body"));
    body.input("i", {}, onnx::TensorProto::INT64).input("c_in", {}, onnx::TensorProto::BOOL).input("v", {2}).input("n", {1});
    body.node("Add", "b_add", {"v", "offset"}, {"v2"});
    setInt(body.node("Cast", "b_cast", {"i"}, {"fi"}), "to", onnx::TensorProto::FLOAT);
    body.node("Add", "b_count", {"n", "fi"}, {"n2"});
    body.node("Identity", "b_cond", {"c_in"}, {"c_out"});
    body.output("c_out").output("v2").output("n2");
    ImportResult r = importModel(b.model());
    QCOMPARE(countOp(r.graph, "Loop"), 0);
    NEST_SAME_TENSORS((std::vector<Tensor>{f32({2}, {7, 14}), f32({1}, {3})}), runGraph(r.graph, loopInputs({1, 2}, 0, {})));
  }

  void refusals() {
    {  // A runtime Loop with a scan output: its length is known only at run time.
      ModelBuilder b(13);
      buildLoopModel(b, false, true, true);
      ErrorKind kind{};
      const std::string msg = importError(b.model(), &kind);
      QCOMPARE(kind, ErrorKind::Unsupported);
      NEST_SAME_TEXT(msg, "node 'loop' (Loop): runs in the interpreter (its trip count or condition is computed at run "
                          "time, it runs more than 4096 iterations or its body holds control flow), so its scan output "
                          "'vs' would have a length known only at run time; only static shapes are supported");
    }
    {  // Branches giving different shapes.
      ModelBuilder b(13);
      buildIfModel(b, false);
      ErrorKind kind{};
      const std::string msg = importError(b.model(), &kind);
      QCOMPARE(kind, ErrorKind::Unsupported);
      NEST_SAME_TEXT(msg, "node 'if_pos' (If): the condition 'cond' is computed at run time and the branches give result "
                          "'y' different types (then_branch f32[3], else_branch f32[1]); only static shapes are supported");
    }
    {  // Compiled backends refuse the node; the interpreter runs it.
      ModelBuilder b(13);
      buildIfModel(b);
      ImportResult r = importModel(b.model());
      const Node& n = onlyNode(r.graph, "If");
      NEST_SAME_TEXT(findBackend("cpu").unsupportedReason(r.graph, n),
                     "If: control flow decided at run time runs in the interpreter (subgraphs are not compiled)");
      NEST_SAME_TEXT(findBackend("npu").unsupportedReason(r.graph, n),
                     "If: control flow decided at run time runs in the interpreter (subgraphs are not compiled)");
      NEST_SAME_TEXT(findBackend("interpreter").unsupportedReason(r.graph, n), "");
      const std::string msg = errorOf([&] { driver::graphRunner("cpu", "O1")(r.graph, {f32({3}, {1, 2, 3})}); });
      NEST_CONTAINS(msg, "node 'if_pos' (If): If: control flow decided at run time runs in the interpreter (subgraphs "
                         "are not compiled)");
    }
  }

  // A condition that never turns false stops at the interpreter's limit, naming the node.
  void loopIterationLimit() {
    ModelBuilder b(13);
    b.input("x", {1}).output("vf");
    b.initializer("yes", Tensor::fromVector<uint8_t>(ElemType::Bool, {}, {1}));
    b.node("Identity", "go", {"yes"}, {"c0"});
    b.node("Greater", "positive", {"x", "x"}, {"never"});  // runtime, so the loop is not unrolled
    b.node("Not", "always", {"never"}, {"c1"});
    auto& loop = b.node("Loop", "forever", {"", "c1", "x"}, {"vf"});
    OnnxGraphBuilder body(addGraphAttr(loop, "body"));
    body.input("i", {}, onnx::TensorProto::INT64).input("c_in", {1}, onnx::TensorProto::BOOL).input("v", {1});
    body.node("Identity", "keep", {"c_in"}, {"c_out"});
    body.node("Identity", "same", {"v"}, {"v2"});
    body.output("c_out").output("v2");
    ImportResult r = importModel(b.model());
    QCOMPARE(countOp(r.graph, "Loop"), 1);
    ErrorKind kind{};
    const std::string msg = errorOf([&] { runGraph(r.graph, {f32({1}, {1})}); }, &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_SAME_TEXT(msg, "node 'forever' (Loop): ran 1000000 iterations without its condition turning false (the "
                        "interpreter's limit)");
  }

  // nestc run: the interpreter runs the model; the CPU backend refuses it (exit 2) with the reason.
  void nestcRun() {
    QTemporaryDir dir;
    const fs::path out = fs::path(dir.path().toStdString());
    const QString model = QString::fromStdString((dataDir() / "branchy.onnx").string());
    const QString input = QString::fromStdString((dataDir() / "branchy_run0_in0.npy").string());
    NestcResult r = runNestc({"run", model, "--input", "x=" + input, "--output-dir", QString::fromStdString(out.string()),
                              "--format", "npy"});
    NEST_VERIFY(r.code == 0, r.all());
    NEST_SAME_TENSORS(npyRun("branchy", 0, "out", 1), {readNpy(out / "output_0.npy")});
    r = runNestc({"run", model, "--input", "x=" + input, "--output-dir", QString::fromStdString(out.string()), "--backend", "cpu"});
    QCOMPARE(r.code, 2);
    NEST_CONTAINS(r.all(), "If: control flow decided at run time runs in the interpreter (subgraphs are not compiled)");
  }
};

QTEST_GUILESS_MAIN(TestImporterRuntimeControlFlow)
#include "test_importer_runtime_control_flow.moc"
