// Unit tests of the core IR: element types, tensors, graphs, the op table, the verifier and the
// text IR (hand-written graphs, exact round trips).
#include <cstring>
#include <limits>

#include "backends/interpreter/interpreter.h"
#include "core/op_table.h"
#include "core/text_ir.h"
#include "core/verifier.h"
#include "tests/ir_test_graphs.h"
#include "tests/test_support.h"

using namespace nest;

namespace {

uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Equal values, floats compared bit for bit (-0.0 is not 0.0), tensors by type and bytes.
bool sameBits(const Attribute& a, const Attribute& b) {
  if (a.index() != b.index()) return false;
  if (auto* fa = std::get_if<float>(&a)) return floatBits(*fa) == floatBits(std::get<float>(b));
  if (auto* la = std::get_if<Floats>(&a)) {
    const Floats& lb = std::get<Floats>(b);
    if (la->size() != lb.size()) return false;
    for (size_t i = 0; i < la->size(); ++i)
      if (floatBits((*la)[i]) != floatBits(lb[i])) return false;
    return true;
  }
  return attributeEquals(a, b);
}

// Ops the foundation issue lists; each must be in the op table with inference and a kernel.
const char* kRequiredOps[] = {
    "Conv", "ConvTranspose", "Gemm", "MatMul", "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Sigmoid", "Tanh",
    "HardSigmoid", "HardSwish", "Softplus", "Softmax", "LogSoftmax", "MaxPool", "AveragePool", "GlobalAveragePool",
    "GlobalMaxPool", "BatchNormalization", "InstanceNormalization", "LRN", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt",
    "Exp", "Log", "Neg", "Abs", "Reciprocal", "Floor", "Ceil", "Erf", "Sum", "Max", "Min", "Mean", "Equal", "Less",
    "Greater", "Where", "Not", "And", "Or", "Concat", "Split", "Slice", "Gather", "Reshape", "Flatten", "Transpose",
    "Squeeze", "Unsqueeze", "Expand", "Tile", "Pad", "Clip", "Dropout", "Identity", "ReduceMean", "ReduceSum",
    "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "ArgMax", "ArgMin", "Resize", "Upsample", "DepthToSpace",
    "SpaceToDepth", "Cast", "Shape", "Size", "Range", "ConstantOfShape", "QuantizeLinear", "DequantizeLinear",
    "QLinearConv", "QLinearMatMul", "MatMulInteger", "ConvInteger", "LayerNormalization", "Gelu", "Einsum", "Trilu",
    "CumSum", "GatherElements", "GatherND", "ScatterND"};

}  // namespace

class IrTest : public QObject {
  Q_OBJECT

 private slots:
  void elementTypes() {
    QCOMPARE(elemSize(ElemType::F16), size_t(2));
    QCOMPARE(elemSize(ElemType::U64), size_t(8));
    QCOMPARE(elemSize(ElemType::Bool), size_t(1));
    for (ElemType t : kAllElemTypes) QCOMPARE(parseElemType(elemTypeName(t)).value(), t);
    QVERIFY(!parseElemType("bf16"));
    QVERIFY(isFloat(ElemType::F16) && !isFloat(ElemType::I8) && isSignedInt(ElemType::I64) && !isInteger(ElemType::Bool));
    // Half precision: exact values, rounding to nearest even, subnormals, infinity.
    for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 0.000061035156f, 5.9604645e-08f}) QCOMPARE(halfToFloat(floatToHalf(f)), f);
    QCOMPARE(floatToHalf(1.0f + 1.0f / 4096), floatToHalf(1.0f));  // below half an ulp rounds down
    QVERIFY(std::isinf(halfToFloat(floatToHalf(1e6f))));
  }

  void quantizedTypes() {
    TensorType t(ElemType::I8, {4, 3});
    t.quant = QuantParams{{0.5f}, {3}, std::nullopt};
    QCOMPARE(typeToString(t), std::string("i8<scale=0.5,zp=3>[4,3]"));
    t.quant = QuantParams{{0.5f, 0.25f, 1.0f, 2.0f}, {0, 0, 1, 2}, 0};
    QCOMPARE(typeToString(t), std::string("i8<axis=0,scales=[0.5,0.25,1.0,2.0],zps=[0,0,1,2]>[4,3]"));
  }

  void tensorsShareStorage() {
    Tensor a = Tensor::fromVector<float>(ElemType::F32, {2, 2}, {1, 2, 3, 4});
    Tensor b = a;
    QCOMPARE(a.raw(), b.raw());  // copies share bytes (snapshots rely on it)
    Tensor r = a.reshaped({4});
    QCOMPARE(r.raw(), a.raw());
    QCOMPARE(r.shape(), (Shape{4}));
    QVERIFY(a.sameBytes(b));
    QCOMPARE(a.contentHash(), b.contentHash());
    Tensor c = convertTensor(a, ElemType::I32);
    QCOMPARE(c.toInts(), (std::vector<int64_t>{1, 2, 3, 4}));
    QCOMPARE(reinterpret_cast<uintptr_t>(a.raw()) % 64, uintptr_t(0));
  }

  // A graph copy (a pipeline snapshot) shares the constant and type tables and the node attributes
  // until one side writes; a write never shows through to the other copy.
  void graphCopiesShareTablesUntilWritten() {
    Graph a;
    a.setConstant("w", Tensor::fromVector<float>(ElemType::F32, {2}, {1, 2}));
    a.setType("x", TensorType(ElemType::F32, {2}));
    Node& n = a.addNode("Relu", "r", {"x"}, {"y"});
    n.attrs.set("k", int64_t{1});
    a.setType("y", TensorType(ElemType::F32, {2}));

    Graph b = a;
    QVERIFY(b.sharesConstantsWith(a) && b.sharesTypesWith(a));
    b.setType("y", TensorType(ElemType::F32, {2}));  // the same type: still shared
    b.removeConstant("absent");
    b.eraseType("absent");
    QVERIFY(b.sharesConstantsWith(a) && b.sharesTypesWith(a));

    b.setType("y", TensorType(ElemType::F16, {2}));
    QVERIFY(!b.sharesTypesWith(a) && b.sharesConstantsWith(a));
    QCOMPARE(a.typeOf("y").elem, ElemType::F32);
    QCOMPARE(b.typeOf("y").elem, ElemType::F16);

    b.removeConstant("w");
    QVERIFY(!b.sharesConstantsWith(a));
    QVERIFY(a.isConstant("w") && a.hasValue("w"));
    QVERIFY(!b.isConstant("w") && !b.hasValue("w"));
    QCOMPARE(a.constants().size(), size_t(1));
    QCOMPARE(b.constants().size(), size_t(0));

    b.nodes[0].attrs.set("k", int64_t{2});
    b.nodes[0].attrs.erase("absent");
    QCOMPARE(a.nodes[0].attrs.getInt("k"), int64_t{1});
    QCOMPARE(b.nodes[0].attrs.getInt("k"), int64_t{2});
    QVERIFY(!(a.nodes[0].attrs == b.nodes[0].attrs));

    Graph moved = std::move(b);  // a moved-from graph is empty and usable
    QCOMPARE(b.constants().size(), size_t(0));
    QVERIFY(!b.hasValue("y") && !b.constant("w"));
    b.setConstant("v", Tensor::scalarF32(3));
    QVERIFY(b.isConstant("v"));
    QCOMPARE(moved.typeOf("y").elem, ElemType::F16);
  }

  void opTableDeclaresEveryRequiredOp() {
    const OpTable& table = OpTable::instance();
    for (const char* op : kRequiredOps) {
      const OpDef* def = table.find(op);
      NEST_VERIFY(def, std::string("op missing from the table: ") + op);
      NEST_VERIFY(def->infer && def->kernel, std::string("op without inference or kernel: ") + op);
      NEST_VERIFY(!def->category.empty(), std::string("op without a category: ") + op);
    }
    for (const OpDef& def : table.all()) {
      NEST_VERIFY(def.maxInputs < 0 || def.minInputs <= def.maxInputs, def.name + ": operand counts");
      for (const ParamInput& p : def.params) NEST_VERIFY(!p.attr.empty(), def.name + ": unnamed parameter");
    }
    QVERIFY(table.find("Conv")->macs && table.find("Gemm")->macs && table.find("MatMul")->macs);
    QVERIFY(!table.find("NoSuchOp"));
  }

  void handWrittenGraphRunsAndRoundTrips() {
    Graph g = testing::graphFromText(kSmallGraph);
    QCOMPARE(g.nodes.size(), size_t(3));
    QCOMPARE(g.nodes[2].origin, (std::vector<NodeId>{1, 2}));
    QCOMPARE(g.nextId(), NodeId(4));
    QCOMPARE(printGraph(g), std::string(kSmallGraph));
    Tensor x = Tensor::fromVector<float>(ElemType::F32, {1, 4}, {1, 2, 3, 4});
    Tensor y = Interpreter(g).run({x})[0];
    // [1,2,3,4] x w = [1+0+3-4, 0+2+3+2] = [0, 7]; + b = [0.5, -3]; relu = [0.5, 0]
    QCOMPARE(y.values<float>()[0], 0.5f);
    QCOMPARE(y.values<float>()[1], 0.0f);
  }

  void textIrCoversEveryAttributeKind() {
    const char* text = kAttributeGraph;
    // The verifier refuses undeclared attributes, so parse without verifying via a round trip of
    // the attributes through a Concat that declares only `axis`:
    ErrorKind kind;
    std::string err = testing::errorOf([&] { parseGraph(text); }, &kind);
    QVERIFY2(err.find("attribute 'empty' is not declared") != std::string::npos, err.c_str());
    QCOMPARE(kind, ErrorKind::BadInput);
    std::string declared = std::string(text);
    declared.replace(declared.find(" {axis=0,"), declared.find("}\n  output") - declared.find(" {axis=0,") + 1, " {axis=0}");
    Graph g = parseGraph(declared);
    QCOMPARE(printGraph(g), declared);
    QCOMPARE(g.inputs[0], std::string("a b"));
    QCOMPARE(g.name, std::string("attrs \"quoted\""));
    QCOMPARE(g.constant("q")->type().quant->zeroPoints[0], int64_t(-3));
    QVERIFY(std::isinf(halfToFloat(g.constant("f16")->data<uint16_t>()[1])));
  }

  // A graph of real ops carrying every declared attribute kind round-trips exactly, values included.
  void textIrRoundTripsEveryAttributeKindInAGraph() {
    Graph g = parseGraph(kEveryKindGraph);
    QCOMPARE(printGraph(g), std::string(kEveryKindGraph));
    QCOMPARE(printGraph(parseGraph(printGraph(g))), printGraph(g));
    auto attrs = [&](const char* name) -> const Attributes& {
      for (const Node& n : g.nodes)
        if (n.name == name) return n.attrs;
      qFatal("no node %s", name);
    };
    QCOMPARE(attrs("cat").getInt("axis"), int64_t(-1));
    QCOMPARE(floatBits(attrs("leaky").getFloat("alpha", 0)), floatBits(0.123456789f));
    QCOMPARE(attrs("pad").getString("mode", ""), std::string("constant"));
    QCOMPARE(attrs("pad").getInts("pads"), (Ints{0, 0, 0, 0, 0, 0, -1, 1}));
    const Tensor* padValue = attrs("pad").getTensor("constant_value");
    QVERIFY(padValue && padValue->elem() == ElemType::F32 && padValue->shape().empty());
    QCOMPARE(padValue->data<float>()[0], -1.5f);
    QVERIFY(std::holds_alternative<Floats>(attrs("up").all().at("roi")));
    QVERIFY(attrs("up").getFloats("roi").empty());
    QCOMPARE(attrs("up").getFloats("scales"), (Floats{1, 1, 2, 2}));
    QCOMPARE(floatBits(attrs("clip").getTensor("min")->data<float>()[0]), floatBits(-0.0f));
    QCOMPARE(attrs("clip").getTensor("max")->data<float>()[0], std::numeric_limits<float>::max());
    QCOMPARE(attrs("fill").getInts("shape"), (Ints{2, 3}));
    QCOMPARE(attrs("fill").getTensor("value")->data<int64_t>()[0], std::numeric_limits<int64_t>::min());
    QVERIFY(std::holds_alternative<Ints>(attrs("one").all().at("shape")));
    QVERIFY(attrs("one").getInts("shape", {9}).empty());
    QCOMPARE(attrs("one").getTensor("value")->data<float>()[0], std::numeric_limits<float>::denorm_min());
    // The values mean what they say: the padded column holds -1.5, which the clip raises to -0.0.
    std::vector<Tensor> out = Interpreter(g).run({Tensor::fromVector<float>(ElemType::F32, {1, 2, 3, 4}, std::vector<float>(24, 2.0f))});
    QCOMPARE(typeToString(out[0].type()), std::string("f32[1,2,4,18]"));
    QCOMPARE(out[0].data<float>()[0], 2.0f);
    QCOMPARE(floatBits(out[0].data<float>()[17]), floatBits(-0.0f));
    QCOMPARE(out[1].toInts(), std::vector<int64_t>(6, std::numeric_limits<int64_t>::min()));
  }

  // Every attribute kind, including the one no op declares (strings), through the attribute
  // printer and parser: the text and the value survive exactly.
  void textIrAttributeValuesRoundTrip() {
    const float inf = std::numeric_limits<float>::infinity();
    const float fmax = std::numeric_limits<float>::max(), tiny = std::numeric_limits<float>::denorm_min();
    TensorType q8(ElemType::I8, {2});
    q8.quant = QuantParams{{0.125f}, {-3}, std::nullopt};
    Tensor quantized = Tensor::fromVector<int8_t>(ElemType::I8, {2}, {1, -128});
    quantized.setQuant(q8.quant);
    const std::vector<Attribute> values = {
        int64_t(0), int64_t(-1), std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
        0.1f, -0.0f, tiny, fmax, -std::numeric_limits<float>::min(), 16777216.0f, 1.0f / 3, inf, -inf,
        std::string(), std::string("plain"), std::string("say \"hi\" \\ back"), std::string("line\nbreak\ttab\x01\x7f"),
        std::string("\xc3\xbcnicode, ] }"),
        Ints{}, Ints{-3, 0, std::numeric_limits<int64_t>::max()},
        Floats{}, Floats{-0.0f, 0.1f, tiny, inf, -inf, 2.0f}, Floats{1.0f, 2.0f},
        Strings{}, Strings{""}, Strings{"a\"b", "x, y", "]", "\\"},
        Tensor::fromVector<float>(ElemType::F32, {2, 2}, {-0.0f, 0.1f, tiny, fmax}),
        Tensor::fromVector<int64_t>(ElemType::I64, {}, {std::numeric_limits<int64_t>::min()}),
        Tensor::fromVector<uint64_t>(ElemType::U64, {1}, {std::numeric_limits<uint64_t>::max()}),
        Tensor::fromVector<double>(ElemType::F64, {2}, {0.1, 1.0 / 3}),
        Tensor::fromVector<uint8_t>(ElemType::Bool, {3}, {1, 0, 1}),
        Tensor::fromVector<uint16_t>(ElemType::F16, {2}, {floatToHalf(0.5f), floatToHalf(-inf)}),
        Tensor(TensorType(ElemType::F32, {0, 3})),
        quantized,
    };
    for (const Attribute& a : values) {
      const std::string text = attributeText(a);
      Attribute back;
      std::string err = testing::errorOf([&] { back = parseAttributeText(text); });
      NEST_VERIFY(err == "<no error>", text + ": " + err);
      QCOMPARE(attributeText(back), text);
      NEST_VERIFY(a.index() == back.index(), text + ": parsed as another kind");
      NEST_VERIFY(sameBits(a, back), text + ": the value changed");
    }
    // NaN prints as nan and parses back to a NaN.
    Attribute nan = parseAttributeText(attributeText(std::numeric_limits<float>::quiet_NaN()));
    QVERIFY(std::isnan(std::get<float>(nan)));
    QCOMPARE(attributeText(parseAttributeText("[1.0, nan]")), std::string("[1.0, nan]"));
    // Trailing text is an error.
    QVERIFY(testing::errorOf([] { parseAttributeText("[1, 2] x"); }).find("after the attribute") != std::string::npos);
  }

  void largeConstantsPrintByReference() {
    Graph g;
    g.name = "big";
    std::vector<float> values(100);
    for (int i = 0; i < 100; ++i) values[i] = i * 0.1f;
    g.setConstant("w", Tensor::fromVector(ElemType::F32, {100}, values));
    g.inputs.push_back("x");
    g.setType("x", TensorType(ElemType::F32, {100}));
    Node& n = g.addNode("Add", "add", {"x", "w"}, {"y"});
    (void)n;
    g.setType("y", TensorType(ElemType::F32, {100}));
    g.outputs.push_back("y");
    verifyGraph(g);
    std::string text = printGraph(g);
    QVERIFY(text.find("blob<fnv1a:") != std::string::npos);
    QVERIFY(text.find("9.9") == std::string::npos);  // values not inlined
    Graph back = parseGraph(text, blobsOf(g));
    QCOMPARE(printGraph(back), text);
    QVERIFY(back.constant("w")->sameBytes(*g.constant("w")));
    std::string err = testing::errorOf([&] { parseGraph(text); });
    QVERIFY2(err.find("not available") != std::string::npos, err.c_str());
  }

  void parserErrorsNameTheLine() {
    std::string err = testing::errorOf([] { parseGraph("graph \"g\" {\n  input %x: f32[2]\n  %y: f32[2] = Bogus #1(%x)\n}\n"); });
    QVERIFY2(err.find("line 3") != std::string::npos && err.find("Bogus") != std::string::npos, err.c_str());
    err = testing::errorOf([] { parseGraph("graph \"g\" {\n  input %x: q32[2]\n}\n"); });
    QVERIFY2(err.find("line 2") != std::string::npos && err.find("q32") != std::string::npos, err.c_str());
    err = testing::errorOf([] { parseGraph("graph \"g\" {\n  input %x: f32[2]\n"); });
    QVERIFY2(err.find("missing '}'") != std::string::npos, err.c_str());
  }

  void verifierRejectsMalformedGraphs() {
    auto withLine = [](const std::string& line) {
      return "graph \"g\" {\n  input %x: f32[2,3]\n" + line + "\n  output %y\n}\n";
    };
    struct Case {
      std::string line, expect;
    } cases[] = {
        {"  %y: f32[2,3] = Relu #1(%nope)", "used before it is defined"},
        {"  %y: f32[3,2] = Relu #1(%x)", "recorded as f32[3,2] but the op gives f32[2,3]"},
        {"  %y: f32[2,3] = Relu #1(%x, %x)", "operands"},
        {"  %y: f32[2,3] = Relu #1(%x) {alpha=1.0}", "attribute 'alpha' is not declared"},
        {"  %y: f32[2,3] = Relu #1(%x)\n  %y: f32[2,3] = Relu #2(%x)", "defined twice"},
        {"  %z: f32[2,3] = Relu #1(%x)\n  %y: f32[2,3] = Relu #1(%z)", "id #1 is used twice"},
        {"  %y: f32[2,3] = Add #1(%x, %c)\n  const %c: f32[4] = dense<[1.0, 2.0, 3.0, 4.0]>", "broadcast"},
    };
    for (const Case& c : cases) {
      std::string err = testing::errorOf([&] { parseGraph(withLine(c.line)); });
      NEST_VERIFY(err.find(c.expect) != std::string::npos, "for `" + c.line + "` expected '" + c.expect + "', got: " + err);
    }
  }

  void interpreterChecksInputs() {
    Graph g = testing::graphFromText(kSmallGraph);
    Interpreter interp(g);
    std::string err = testing::errorOf([&] { interp.run({Tensor(TensorType(ElemType::F32, {1, 5}))}); });
    QVERIFY2(err.find("input 'x' must be f32[1,4], got f32[1,5]") != std::string::npos, err.c_str());
    err = testing::errorOf([&] { interp.run({}); });
    QVERIFY2(err.find("takes 1 inputs, 0 given") != std::string::npos, err.c_str());
  }
};

QTEST_APPLESS_MAIN(IrTest)
#include "test_ir.moc"
