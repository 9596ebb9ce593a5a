// Op traits (OpDef::kind, view, layoutSensitive, fusableActivations, AttrSpec::passAdded): the
// exact lists, their consistency, the passes choosing ops by them, and the CPU backend's support
// table (ops, pass-added attributes, element types) with its exact reasons.
#include <QtTest>

#include <cstring>
#include <functional>
#include <optional>
#include <set>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_support_table.h"
#include "backends/interpreter/interpreter.h"
#include "core/op_table.h"
#include "core/ops/fused_activation.h"
#include "core/text_ir.h"
#include "core/verifier.h"
#include "passes/all_passes.h"
#include "tests/test_support.h"

using namespace nest;

namespace {

using Names = std::set<std::string>;

Names opsWhere(const std::function<bool(const OpDef&)>& pred) {
  Names out;
  for (const OpDef& d : OpTable::instance().all())
    if (pred(d)) out.insert(d.name);
  return out;
}

std::string joined(const Names& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// A node `op` on `operands` of `type` with `attrs`, its results typed by inference; nullopt when
// the op's inference refuses that type.
std::optional<Graph> singleOpGraph(const std::string& op, const std::vector<TensorType>& operandTypes, Attributes attrs,
                                   const std::string& inputPrefix = "x") {
  Graph g;
  g.name = "t";
  std::vector<std::string> ins;
  for (size_t i = 0; i < operandTypes.size(); ++i) {
    ins.push_back(inputPrefix + std::to_string(i));
    g.inputs.push_back(ins.back());
    g.setType(ins.back(), operandTypes[i]);
  }
  Node& n = g.addNode(op, "n", ins, {"y"}, std::move(attrs));
  std::vector<const TensorType*> types;
  for (const std::string& v : ins) types.push_back(&g.typeOf(v));
  try {
    std::vector<TensorType> out = inferNodeTypes(*OpTable::instance().find(op), n, types);
    g.setType("y", out.at(0));
  } catch (const Error&) {
    return std::nullopt;
  }
  g.outputs = {"y"};
  return g;
}

Attributes attrsFor(const std::string& op) {
  Attributes a;
  if (op == "Cast") a.set("to", int64_t{1});  // to f32
  return a;
}

// Transpose(perm) -> op on every operand (each through its own Transpose) -> Transpose(inverse):
// text of a graph where sink-transposes should remove every Transpose (unary) or leave one.
// Returns nullopt when the op takes none of f32, bool.
std::optional<Graph> transposedOpGraph(const std::string& op, size_t operands, bool closingTranspose) {
  for (ElemType e : {ElemType::F32, ElemType::Bool}) {
    std::vector<TensorType> in(operands, TensorType(e, {4, 2, 3}));  // transposed [2,3,4] by perm [2,0,1]
    std::optional<Graph> core = singleOpGraph(op, in, attrsFor(op));
    if (!core) continue;
    Graph g;
    g.name = "t";
    std::vector<std::string> ts;
    for (size_t i = 0; i < operands; ++i) {
      const std::string x = "x" + std::to_string(i), t = "t" + std::to_string(i);
      g.inputs.push_back(x);
      g.setType(x, TensorType(e, {2, 3, 4}));
      Attributes p;
      p.set("perm", Ints{2, 0, 1});
      g.addNode("Transpose", "t" + std::to_string(i), {x}, {t}, p);
      g.setType(t, TensorType(e, {4, 2, 3}));
      ts.push_back(t);
    }
    g.addNode(op, "op", ts, {"y"}, attrsFor(op));
    TensorType y = core->typeOf("y");
    g.setType("y", y);
    g.outputs = {"y"};
    if (closingTranspose) {
      Attributes p;
      p.set("perm", Ints{1, 2, 0});
      g.addNode("Transpose", "back", {"y"}, {"z"}, p);
      g.setType("z", TensorType(y.elem, {2, 3, 4}));
      g.outputs = {"z"};
    }
    verifyGraph(g);
    return g;
  }
  return std::nullopt;
}

// Runs sink-transposes; returns the Transposes left, or -1 when a result changed (bit for bit).
int transposesAfterSinking(Graph g) {
  const std::vector<Tensor> inputs = testing::randomInputs(g, 3);
  const std::vector<Tensor> before = Interpreter(g).run(inputs);
  Graph after = g;
  transposeSinkingPass().run(after, PassOptions{});
  verifyGraph(after);
  const std::vector<Tensor> got = Interpreter(after).run(inputs);
  for (size_t i = 0; i < before.size(); ++i)
    if (before[i].type() != got[i].type() || before[i].byteSize() != got[i].byteSize() ||
        std::memcmp(before[i].raw(), got[i].raw(), before[i].byteSize()) != 0)
      return -1;  // the result changed
  return testing::countOp(after, "Transpose");
}

// Supported and unsupported nodes for the CPU support table (cpuRefusesWhatItsTableLacks adds
// attributes behind the verifier's back).
const char* kConvGemmAdd = R"(graph "t" {
  input %x: f32[1,2,3,3]
  input %v: f32[2,4]
  const %w: f32[2,2,1,1] = dense<[1.0, 0.5, -1.0, 2.0]>
  const %g: f32[4,4] = dense<[1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]>
  %c: f32[1,2,3,3] = Conv #1 "conv"(%x, %w) {activation="Relu", kernel_shape=[1, 1], output_scale=[2.0, 1.0]}
  %a: f32[1,2,3,3] = Add #2 "add"(%c, %x) {activation="Clip", activation_params=[0.0, 6.0]}
  %m: f32[2,4] = Gemm #3 "fc"(%v, %g) {activation="LeakyRelu", activation_params=[0.1]}
  %s: f32[2,4] = Sub #4 "sub"(%m, %v)
  %r: u8[1,2,3,3] = Cast #5 "cast"(%a) {to=2}
  %p: u8[1,2,1,1] = MaxPool #6 "pool"(%r) {kernel_shape=[3, 3]}
  %q: i32[2,4] = Cast #7 "cast32"(%s) {to=6}
  %t: i32[2,4] = Relu #8 "relu32"(%q)
  %e: bool[2,4] = Equal #9 "eq"(%s, %v)
  output %a
  output %p
  output %t
  output %e
}
)";

Node& nodeNamed(Graph& g, const std::string& name) {
  for (Node& n : g.nodes)
    if (n.name == name) return n;
  failInternal("no node " + name);
}

}  // namespace

class OpTraitsTest : public QObject {
  Q_OBJECT

 private slots:
  // The exact lists: a change to any trait must be deliberate.
  void traitListsArePinned() {
    auto kindIs = [](OpKind k) { return [k](const OpDef& d) { return d.kind == k; }; };
    QCOMPARE(joined(opsWhere(kindIs(OpKind::UnaryElementwise))),
             std::string("Abs, Cast, Ceil, Clip, Elu, Erf, Exp, Floor, Gelu, HardSigmoid, HardSwish, Identity, LeakyRelu, "
                         "Log, Neg, Not, Reciprocal, Relu, Selu, Sigmoid, Softplus, Sqrt, Swish, Tanh"));
    QCOMPARE(joined(opsWhere(kindIs(OpKind::Elementwise))),
             std::string("Add, And, Div, Equal, Greater, GreaterOrEqual, Less, LessOrEqual, Max, Mean, Min, Mul, Or, "
                         "PRelu, Pow, Sub, Sum, Where, Xor"));
    QCOMPARE(joined(opsWhere(kindIs(OpKind::DataMovement))),
             std::string("Concat, DepthToSpace, Expand, Flatten, Gather, Pad, Reshape, Slice, SpaceToDepth, Split, "
                         "Squeeze, Tile, Transpose, Unsqueeze"));
    QCOMPARE(joined(opsWhere(kindIs(OpKind::Reduction))),
             std::string("ArgMax, ArgMin, GlobalAveragePool, GlobalMaxPool, ReduceL1, ReduceL2, ReduceLogSum, "
                         "ReduceLogSumExp, ReduceMax, ReduceMean, ReduceMin, ReduceProd, ReduceSum, ReduceSumSquare"));
    QCOMPARE(joined(opsWhere([](const OpDef& d) { return d.view; })),
             std::string("Dropout, Flatten, Identity, Reshape, Squeeze, Unsqueeze"));
    QCOMPARE(joined(opsWhere([](const OpDef& d) { return d.layoutSensitive; })),
             std::string("AveragePool, BatchNormalization, Conv, ConvInteger, ConvTranspose, DepthToSpace, "
                         "GlobalAveragePool, GlobalMaxPool, InstanceNormalization, LRN, MaxPool, QLinearConv, Resize, "
                         "SpaceToDepth, Upsample"));
    QCOMPARE(joined(opsWhere([](const OpDef& d) { return !d.fusableActivations.empty(); })), std::string("Add, Conv, Gemm"));
    QCOMPARE(joined(opsWhere([](const OpDef& d) {
               for (const AttrSpec& a : d.attrs)
                 if (a.passAdded) return true;
               return false;
             })),
             std::string("Add, Concat, Conv, Gelu, Gemm, HardSigmoid, HardSwish, LayerNormalization, MatMul, Mul, Quantize, "
                         "Sigmoid, Softmax, Swish, Tanh"));
    QCOMPARE(std::string(opKindName(OpKind::DataMovement)), std::string("data movement"));
  }

  void traitsAreConsistent() {
    std::string bad;
    const Names fusable(ops::fusableActivationNames().begin(), ops::fusableActivationNames().end());
    QCOMPARE(joined(fusable), std::string("Clip, HardSwish, LeakyRelu, Relu, Sigmoid"));
    for (const OpDef& d : OpTable::instance().all()) {
      const std::string op = d.name + ": ";
      if (d.kind == OpKind::UnaryElementwise && (d.minInputs != 1 || d.maxInputs != 1 || d.minOutputs != 1 || d.maxOutputs != 1))
        bad += "\n  " + op + "unary elementwise with other than 1 operand / 1 result";
      if (d.kind == OpKind::Elementwise && (d.maxOutputs != 1 || (d.maxInputs != -1 && d.maxInputs < 2)))
        bad += "\n  " + op + "elementwise with one operand or several results";
      if ((d.kind == OpKind::UnaryElementwise || d.kind == OpKind::Elementwise) && d.layoutSensitive)
        bad += "\n  " + op + "elementwise and layout sensitive";
      if (d.view && (d.minInputs < 1 || d.kind == OpKind::Elementwise || d.kind == OpKind::Reduction))
        bad += "\n  " + op + "a view must read operand 0 and move no element";
      // Fusion: the attributes are declared (pass-added) exactly when activations may fuse, and
      // each one is a unary elementwise op the fused kernels implement.
      const AttrSpec* act = d.findAttr("activation");
      const AttrSpec* params = d.findAttr("activation_params");
      if (!d.fusableActivations.empty() != (act && params)) bad += "\n  " + op + "fusable activations without the attributes";
      if ((act && !act->passAdded) || (params && !params->passAdded)) bad += "\n  " + op + "fused activation not pass-added";
      for (const std::string& a : d.fusableActivations) {
        const OpDef* ad = OpTable::instance().find(a);
        if (!ad || ad->kind != OpKind::UnaryElementwise || !fusable.count(a)) bad += "\n  " + op + "cannot fuse " + a;
      }
    }
    NEST_VERIFY(bad.empty(), "inconsistent traits:" + bad);
  }

  // sink-transposes chooses ops by OpDef::kind: every unary elementwise op of the table (on f32
  // or bool) lets both Transposes cancel, every two-operand elementwise op merges two Transposes
  // into one — including Pow, Max, Equal, PRelu, And, ..., which the pass's old name list did
  // not have: a newly traited op is handled without touching the pass. Results are bit-identical.
  void transposeSinkingFollowsKind() {
    int unary = 0, binary = 0;
    std::string bad;
    for (const OpDef& d : OpTable::instance().all()) {
      if (d.kind == OpKind::UnaryElementwise) {
        std::optional<Graph> g = transposedOpGraph(d.name, 1, true);
        if (!g) {
          bad += "\n  no f32/bool graph for " + d.name;
          continue;
        }
        ++unary;
        if (int left = transposesAfterSinking(*g); left != 0) bad += "\n  " + d.name + ": " + std::to_string(left) + " left";
      } else if (d.kind == OpKind::Elementwise && (d.minInputs <= 2 && (d.maxInputs == -1 || d.maxInputs >= 2))) {
        std::optional<Graph> g = transposedOpGraph(d.name, 2, false);
        if (!g) {
          bad += "\n  no f32/bool graph for " + d.name;
          continue;
        }
        ++binary;
        if (int left = transposesAfterSinking(*g); left != 1) bad += "\n  " + d.name + ": " + std::to_string(left) + " left";
      }
    }
    NEST_VERIFY(bad.empty(), "sink-transposes:" + bad);
    QCOMPARE(unary, 24);
    QCOMPARE(binary, 18);  // every elementwise op but three-operand Where
    // Not elementwise: Softmax and a reduction keep their Transposes.
    for (const char* op : {"Softmax", "ReduceSum"}) {
      std::optional<Graph> g = transposedOpGraph(op, 1, false);
      QVERIFY(g.has_value());
      QCOMPARE(transposesAfterSinking(*g), 1);
    }
  }

  // fuse-activations fuses into exactly the producers whose OpDef lists the activation.
  void fusionFollowsDeclaredActivations() {
    for (const char* producer : {"Add", "Sub", "Mul", "Max"}) {
      for (const std::string& act : {std::string("Relu"), std::string("Sigmoid"), std::string("Tanh")}) {
        Graph g;
        g.name = "t";
        g.inputs = {"a", "b"};
        g.setType("a", TensorType(ElemType::F32, {2, 3}));
        g.setType("b", TensorType(ElemType::F32, {2, 3}));
        g.addNode(producer, "p", {"a", "b"}, {"s"});
        g.setType("s", TensorType(ElemType::F32, {2, 3}));
        g.addNode(act, "act", {"s"}, {"y"});
        g.setType("y", TensorType(ElemType::F32, {2, 3}));
        g.outputs = {"y"};
        verifyGraph(g);
        const bool fused = fuseActivationsPass().run(g, PassOptions{});
        const bool declared = OpTable::instance().find(producer)->fuses(act);
        NEST_VERIFY(fused == declared, std::string(producer) + " + " + act);
        if (fused) {
          QCOMPARE(g.nodes.size(), size_t{1});
          QCOMPARE(g.nodes[0].attrs.getString("activation", ""), act);
        }
      }
    }
  }

  // The CPU table names only ops of the op table and pass-added attributes those ops declare, its
  // activations are the op's fusable ones, and it implements every pass-added attribute of each op it lists.
  void cpuSupportTableIsConsistent() {
    std::string bad;
    for (const cpu::OpSupport& s : cpu::supportTable()) {
      const OpDef* d = OpTable::instance().find(s.op);
      if (!d) {
        bad += "\n  unknown op " + s.op;
        continue;
      }
      for (const std::string& a : s.passAttrs)
        if (!d->findAttr(a) || !d->findAttr(a)->passAdded) bad += "\n  " + s.op + ": " + a + " is not a pass-added attribute";
      for (const AttrSpec& a : d->attrs)
        if (a.passAdded && std::find(s.passAttrs.begin(), s.passAttrs.end(), a.name) == s.passAttrs.end())
          bad += "\n  " + s.op + ": pass-added " + a.name + " is not implemented";
      for (const std::string& a : s.activations)
        if (!d->fuses(a)) bad += "\n  " + s.op + ": activation " + a + " does not fuse";
      if (s.types == 0) bad += "\n  " + s.op + ": no element type";
    }
    NEST_VERIFY(bad.empty(), "CPU support table:" + bad);
    QCOMPARE(cpu::supportTable().size(), size_t{84});  // RNN, GRU and LSTM made it 84
    QVERIFY(cpu::findSupport("Conv") != nullptr);
    QVERIFY(cpu::findSupport("Equal") != nullptr);
    QVERIFY(cpu::findSupport("Hardmax") == nullptr);
  }

  // A node using anything outside the table is refused with a reason naming the op, attribute or
  // type; the table comes before lowering's own checks.
  void cpuRefusesWhatItsTableLacks() {
    Graph g = testing::graphFromText(kConvGemmAdd);
    auto reason = [&](const std::string& node) { return cpu::unsupportedReason(g, nodeNamed(g, node)); };
    QCOMPARE(reason("conv"), std::string());  // output_scale and a fused Relu: implemented
    QCOMPARE(reason("add"), std::string());
    QCOMPARE(reason("fc"), std::string());
    QCOMPARE(reason("sub"), std::string());
    QCOMPARE(reason("pool"), std::string("MaxPool on u8 is not supported"));
    QCOMPARE(reason("relu32"), std::string("Relu on i32 is not supported"));
    QCOMPARE(reason("eq"), std::string());  // the compare kernel
    Graph hardmax = *singleOpGraph("Hardmax", {TensorType(ElemType::F32, {2, 3})}, {});
    QCOMPARE(cpu::unsupportedReason(hardmax, hardmax.nodes[0]), std::string("no CPU kernel for Hardmax"));
    // Pass-added attributes the kernels do not implement (set behind the verifier's back, as a
    // pass that knows no better would).
    nodeNamed(g, "fc").attrs.set("output_scale", Floats{2.0f, 1.0f, 1.0f, 1.0f});
    QCOMPARE(reason("fc"), std::string("the CPU backend does not implement attribute 'output_scale' on Gemm"));
    nodeNamed(g, "sub").attrs.set("activation", std::string("Relu"));
    QCOMPARE(reason("sub"), std::string("the CPU backend does not implement attribute 'activation' on Sub"));
    nodeNamed(g, "conv").attrs.set("activation", std::string("Tanh"));
    QCOMPARE(reason("conv"), std::string("the CPU backend does not implement the fused activation 'Tanh' on Conv"));
    // A parameter input turned into an attribute is ONNX's own (Dropout's training_mode).
    Graph drop = *singleOpGraph("Dropout", {TensorType(ElemType::F32, {2})}, {});
    drop.nodes[0].attrs.set("training_mode", int64_t{0});
    QCOMPARE(cpu::unsupportedReason(drop, drop.nodes[0]), std::string());
    // Element types of results, and of quantized values.
    Graph f16 = *singleOpGraph("Add", {TensorType(ElemType::F16, {2}), TensorType(ElemType::F16, {2})}, {});
    QCOMPARE(cpu::unsupportedReason(f16, f16.nodes[0]), std::string("Add on f16 is not supported"));
    Attributes window;
    window.set("kernel_shape", Ints{2, 2});
    Graph arg = *singleOpGraph("MaxPool", {TensorType(ElemType::F32, {1, 1, 2, 2})}, window);
    arg.nodes[0].outputs.push_back("idx");
    arg.setType("idx", TensorType(ElemType::I64, {1, 1, 1, 1}));
    QCOMPARE(cpu::unsupportedReason(arg, arg.nodes[0]), std::string("MaxPool with an i64 result is not supported"));
    Graph q = *singleOpGraph("Relu", {TensorType(ElemType::I16, {2})}, {});
    TensorType qt(ElemType::I16, {2});
    qt.quant = QuantParams{{0.5f}, {0}, std::nullopt};
    q.setType("x0", qt);
    q.setType("y", qt);
    QCOMPARE(cpu::unsupportedReason(q, q.nodes[0]), std::string("Relu on quantized i16 (int16 precision) is not supported"));
    q.nodes[0].op = "Sigmoid";  // a table op: 8-bit only
    QCOMPARE(cpu::unsupportedReason(q, q.nodes[0]), std::string("Sigmoid on quantized i16 (int16 precision) is not supported"));
    q.nodes[0].op = "Softmax";  // integer at int16, in the interpreter only
    QCOMPARE(cpu::unsupportedReason(q, q.nodes[0]), std::string("Softmax on quantized i16 (int16 precision) is not supported"));
    q.nodes[0].op = "Softplus";
    QCOMPARE(cpu::unsupportedReason(q, q.nodes[0]), std::string("no integer CPU kernel for quantized Softplus"));
    // unsupportedNodes is built on unsupportedReason: every refused node, in graph order.
    std::vector<UnsupportedNode> all = cpu::unsupportedNodes(g);
    QCOMPARE(all.size(), size_t{7});
    std::string listed;
    for (const UnsupportedNode& u : all) listed += u.node + ": " + u.reason + "\n";
    QCOMPARE(listed, std::string("node 'conv' (Conv): the CPU backend does not implement the fused activation 'Tanh' on Conv\n"
                                 "node 'fc' (Gemm): the CPU backend does not implement attribute 'output_scale' on Gemm\n"
                                 "node 'sub' (Sub): the CPU backend does not implement attribute 'activation' on Sub\n"
                                 "node 'cast' (Cast): Cast from f32 to u8 is not supported (only between f32, f64 and f16)\n"
                                 "node 'pool' (MaxPool): MaxPool on u8 is not supported\n"
                                 "node 'cast32' (Cast): Cast from f32 to i32 is not supported (only between f32, f64 and f16)\n"
                                 "node 'relu32' (Relu): Relu on i32 is not supported\n"));
  }
};

QTEST_APPLESS_MAIN(OpTraitsTest)
#include "test_op_traits.moc"
