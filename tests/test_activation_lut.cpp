// Decomposed activations and their int8 lookup tables (docs/quantization.md, "Lookup-table
// activations"): fuse-hardswish on every form it knows (exact node counts, provenance, results)
// and on look-alikes it must leave; each table op's integer kernel against the interpreter's
// reference chain Dequantize -> float op -> Quantize on every input (256, or 65,536 for 16-bit types), bit for bit; the quantize
// pass splitting a Conv's fused HardSwish into two integer ops (never a Mul/Div/Add chain); the
// QDQ export of table ops re-imported and run with identical outputs.
#include <algorithm>
#include <cmath>

#include "backends/cpu/cpu_runner.h"
#include "backends/interpreter/interpreter.h"
#include "backends/profiler.h"
#include "core/onnx_export_qdq.h"
#include "core/onnx_import.h"
#include "core/quant_lut.h"
#include "core/quant_math.h"
#include "core/text_ir.h"
#include "core/verifier.h"
#include "passes/all_passes.h"
#include "passes/pass_manager.h"
#include "passes/quantization/lut_activations.h"
#include "passes/quantization/quantize.h"
#include "tests/activation_lut_graphs.h"
#include "tests/test_support.h"

using namespace nest;

namespace {

using testing::countOp;

std::string compareFloat(const Graph& a, const Graph& b, double rtol) {
  for (unsigned seed = 1; seed <= 3; ++seed)
    if (std::string d = testing::compareRuns(a, b, testing::randomInputs(a, seed), Tolerance{rtol, 1e-6}); !d.empty())
      return d;
  return "";
}

// The one node of `g` that produces `value`.
const Node& producerOf(const Graph& g, const std::string& value) {
  for (const Node& n : g.nodes)
    for (const std::string& o : n.outputs)
      if (o == value) return n;
  throw std::runtime_error("no producer of " + value);
}

// A one-node quantized graph: x (in) -> OP {attrs, out_*} -> y (out), as text IR.
// One table op on `count` values (the operand type's whole range in the tests).
Graph lutGraph(const std::string& op, const std::string& attrs, const std::string& in, const std::string& out,
               float sy, int64_t zy, int64_t count = 256) {
  const std::string outType = out.substr(0, out.find('<'));
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "graph \"lut\" {\n  input %%x: %s[%lld]\n  %%y: %s[%lld] = %s #1 \"act\"(%%x) {%s%sout_scale=%.9g, "
                "out_type=\"%s\", out_zero_point=%lld}\n  output %%y\n}\n",
                in.c_str(), static_cast<long long>(count), out.c_str(), static_cast<long long>(count), op.c_str(),
                attrs.c_str(), attrs.empty() ? "" : ", ", static_cast<double>(sy), outType.c_str(), static_cast<long long>(zy));
  return parseGraph(buf);
}

// Every value of a quantized type, in order: qmin, qmin + 1, ..., qmax.
Tensor allValues(const TensorType& t) {
  int64_t qmin, qmax;
  quantizedRange(t.elem, qmin, qmax);
  Tensor x(t);
  for (int64_t i = 0; i <= qmax - qmin; ++i) {
    switch (t.elem) {
      case ElemType::I8: x.mutableData<int8_t>()[i] = static_cast<int8_t>(qmin + i); break;
      case ElemType::U8: x.mutableData<uint8_t>()[i] = static_cast<uint8_t>(qmin + i); break;
      case ElemType::I16: x.mutableData<int16_t>()[i] = static_cast<int16_t>(qmin + i); break;
      default: x.mutableData<uint16_t>()[i] = static_cast<uint16_t>(qmin + i); break;
    }
  }
  return x;
}

}  // namespace

class TestActivationLut : public QObject {
  Q_OBJECT

 private slots:
  // Seven hard-swish forms on 26 nodes become seven HardSwish nodes and the one Add left (8
  // nodes); each keeps its final node's name and result and lists every matched node as origin.
  void fuseHardSwishForms() {
    const Graph before = parseGraph(lut_graphs::kHardSwishForms);
    QCOMPARE(static_cast<int>(before.nodes.size()), 26);
    Graph after = before;
    QVERIFY(fuseHardSwishPass().run(after, PassOptions{}));
    verifyGraph(after);
    QCOMPARE(static_cast<int>(after.nodes.size()), 8);
    QCOMPARE(countOp(after, "HardSwish"), 7);
    QCOMPARE(countOp(after, "Add"), 1);
    for (const char* op : {"Clip", "Div", "Mul", "HardSigmoid"}) QCOMPARE(countOp(after, op), 0);
    const Node& a = producerOf(after, "ya");
    QCOMPARE(a.op, std::string("HardSwish"));
    QCOMPARE(a.name, std::string("a_div"));
    QCOMPARE(a.inputs, std::vector<std::string>{"a"});
    std::vector<NodeId> origin = a.origin;
    std::sort(origin.begin(), origin.end());
    QCOMPARE(origin, (std::vector<NodeId>{1, 2, 3, 4}));
    QCOMPARE(producerOf(after, "ye").origin.size(), size_t{2});  // Mul + HardSigmoid
    QCOMPARE(producerOf(after, "yf").origin.size(), size_t{3});  // Div + Mul + Add with fused Clip
    QCOMPARE(producerOf(after, "yg").inputs, std::vector<std::string>{"g"});
    // The constants 3, 6 and 1/6 are gone with their readers.
    for (const char* c : {"three", "three4", "six", "sixth"}) QVERIFY(!after.isConstant(c));
    // Same results up to the rounding of x/6 + 0.5 against the chain's.
    const std::string diff = compareFloat(before, after, 1e-6);
    NEST_VERIFY(diff.empty(), diff);
    Graph again = after;
    QVERIFY(!fuseHardSwishPass().run(again, PassOptions{}));
  }

  void fuseHardSwishLookAlikes() {
    const Graph before = parseGraph(lut_graphs::kHardSwishLookAlikes);
    Graph after = before;
    QVERIFY(!fuseHardSwishPass().run(after, PassOptions{}));
    QCOMPARE(printGraph(after), printGraph(before));
    QCOMPARE(static_cast<int>(after.nodes.size()), 17);
  }

  // Three Swish and four GELU forms on 34 nodes become 7 nodes; constants 0.5, 1, 2, 3, sqrt 2,
  // 1/sqrt 2, sqrt(2/pi) and 0.044715 go with them.
  void fuseSwishGeluForms() {
    const Graph before = parseGraph(lut_graphs::kSwishGeluForms);
    QCOMPARE(static_cast<int>(before.nodes.size()), 34);
    Graph after = before;
    QVERIFY(fuseSwishPass().run(after, PassOptions{}));
    QVERIFY(fuseGeluPass().run(after, PassOptions{}));
    verifyGraph(after);
    QCOMPARE(static_cast<int>(after.nodes.size()), 7);
    QCOMPARE(countOp(after, "Swish"), 3);
    QCOMPARE(countOp(after, "Gelu"), 4);
    QCOMPARE(producerOf(after, "ys3").attrs.getFloat("alpha", 1), 2.0f);
    QVERIFY(!producerOf(after, "ys1").attrs.has("alpha"));
    QCOMPARE(producerOf(after, "yg1").attrs.getString("approximate", ""), std::string("none"));
    QCOMPARE(producerOf(after, "yg2").attrs.getString("approximate", ""), std::string("none"));
    QCOMPARE(producerOf(after, "yg3").attrs.getString("approximate", ""), std::string("tanh"));
    QCOMPARE(producerOf(after, "yg4").attrs.getString("approximate", ""), std::string("tanh"));
    QCOMPARE(producerOf(after, "yg1").name, std::string("g1_half"));
    QCOMPARE(producerOf(after, "yg3").origin.size(), size_t{8});
    QCOMPARE(producerOf(after, "yg4").origin.size(), size_t{9});
    QCOMPARE(producerOf(after, "ys3").origin.size(), size_t{3});
    QVERIFY(after.constants().empty());
    const std::string diff = compareFloat(before, after, 1e-5);
    NEST_VERIFY(diff.empty(), diff);
    Graph again = after;
    QVERIFY(!fuseSwishPass().run(again, PassOptions{}) && !fuseGeluPass().run(again, PassOptions{}));
  }

  void fuseSwishGeluLookAlikes() {
    const Graph before = parseGraph(lut_graphs::kSwishGeluLookAlikes);
    Graph after = before;
    QVERIFY(!fuseSwishPass().run(after, PassOptions{}));
    QVERIFY(!fuseGeluPass().run(after, PassOptions{}));
    QCOMPARE(printGraph(after), printGraph(before));
    QCOMPARE(static_cast<int>(after.nodes.size()), 12);
  }

  // Swish and Gelu in float on the CPU backend (lowered as their formulas) against the interpreter.
  void swishGeluOnCpu() {
    Graph g = parseGraph(lut_graphs::kSwishGeluForms);
    QVERIFY(fuseSwishPass().run(g, PassOptions{}) && fuseGeluPass().run(g, PassOptions{}));
    for (unsigned seed = 1; seed <= 2; ++seed) {
      const std::vector<Tensor> in = testing::randomInputs(g, seed);
      const std::vector<Tensor> want = Interpreter(g).run(in), got = cpu::runOnCpu(g, in);
      QCOMPARE(got.size(), want.size());
      for (size_t k = 0; k < want.size(); ++k) {
        auto d = compareTensors(want[k], got[k], Tolerance{1e-5, 1e-6});
        NEST_VERIFY(!d, g.outputs[k] + ": " + d.value_or(""));
      }
    }
  }

  // -O1 and -O2 recompose hard-swish before anything else; fuse-activations then fuses the
  // HardSwish into the Conv that feeds it.
  void pipelineFusesHardSwish() {
    for (const char* level : {"O1", "O2"}) {
      const Pipeline p = namedPipeline(level);
      QVERIFY(!p.empty());
      QCOMPARE(p[1].passes.front(), std::string("fuse-hardswish"));
    }
    const Graph g = parseGraph(lut_graphs::kLutNet);
    const Graph o1 = runPipeline(g, namedPipeline("O1")).result();
    QCOMPARE(countOp(o1, "HardSwish"), 0);
    QCOMPARE(producerOf(o1, "c1").attrs.getString("activation", ""), std::string("HardSwish"));
    QCOMPARE(producerOf(o1, "c1").origin.size(), size_t{5});  // the Conv, HardSwish and its 4 pieces
    for (const char* op : {"Clip", "Div"}) QCOMPARE(countOp(o1, op), 0);
    const std::string diff = compareFloat(g, o1, 1e-5);
    NEST_VERIFY(diff.empty(), diff);
  }

  // Each table op's integer kernel equals Dequantize -> float op -> Quantize (the interpreter's
  // reference, and what a QDQ model computes) on every input: all 256 for i8 and u8, all 65,536 for
  // i16 and u16 (int16 precision), mixed widths included.
  void lutMatchesReferenceChain_data() {
    QTest::addColumn<QString>("op");
    QTest::addColumn<QString>("attrs");
    QTest::newRow("HardSwish") << "HardSwish" << "";
    QTest::newRow("HardSigmoid") << "HardSigmoid" << "alpha=0.2, beta=0.5";
    QTest::newRow("HardSigmoid 1/6") << "HardSigmoid" << "alpha=0.16666667, beta=0.5";
    QTest::newRow("Sigmoid") << "Sigmoid" << "";
    QTest::newRow("Tanh") << "Tanh" << "";
    QTest::newRow("Swish") << "Swish" << "";
    QTest::newRow("Swish alpha") << "Swish" << "alpha=1.702";
    QTest::newRow("Gelu") << "Gelu" << "approximate=\"none\"";
    QTest::newRow("Gelu tanh") << "Gelu" << "approximate=\"tanh\"";
  }

  void lutMatchesReferenceChain() {
    QFETCH(QString, op);
    QFETCH(QString, attrs);
    struct Case {
      const char *in, *out;
      float sy;
      int64_t zy;
    };
    // 8-bit tables (256 entries) and int16 precision's 16-bit ones (65,536), mixed widths included.
    const Case cases[] = {{"i8<scale=0.047,zp=-20>", "i8<scale=0.031,zp=-70>", 0.031f, -70},
                          {"u8<scale=0.02,zp=128>", "u8<scale=0.0045,zp=3>", 0.0045f, 3},
                          {"i8<scale=0.1,zp=5>", "u8<scale=0.025,zp=0>", 0.025f, 0},
                          {"i16<scale=0.00018,zp=-1200>", "i16<scale=0.00012,zp=-9000>", 0.00012f, -9000},
                          {"u16<scale=0.0001,zp=30000>", "i8<scale=0.03,zp=-100>", 0.03f, -100},
                          {"i8<scale=0.05,zp=-3>", "u16<scale=0.0001,zp=41>", 0.0001f, 41}};
    for (const Case& c : cases) {
      const TensorType tx = parseGraph(std::string("graph \"t\" {\n  input %x: ") + c.in + "[1]\n  output %x\n}\n").typeOf("x");
      int64_t qmin, qmax;
      quantizedRange(tx.elem, qmin, qmax);
      const int64_t count = qmax - qmin + 1;
      const Graph g = lutGraph(op.toStdString(), attrs.toStdString(), c.in, c.out, c.sy, c.zy, count);
      verifyGraph(g);
      const Tensor x = allValues(g.typeOf("x"));
      const Tensor y = Interpreter(g).run({x})[0];
      // The reference chain as a float graph between Dequantize and Quantize.
      char ref[512];
      const std::string outType = std::string(c.out).substr(0, std::string(c.out).find('<'));
      std::snprintf(ref, sizeof ref,
                    "graph \"ref\" {\n  input %%x: %s[%lld]\n  %%f: f32[%lld] = Dequantize #1(%%x)\n"
                    "  %%a: f32[%lld] = %s #2(%%f)%s%s%s\n  %%y: %s[%lld] = Quantize #3(%%a) {out_scale=%.9g, out_type=\"%s\", "
                    "out_zero_point=%lld}\n  output %%y\n}\n",
                    c.in, static_cast<long long>(count), static_cast<long long>(count), static_cast<long long>(count),
                    op.toUtf8().constData(), attrs.isEmpty() ? "" : " {", attrs.toUtf8().constData(), attrs.isEmpty() ? "" : "}",
                    c.out, static_cast<long long>(count), static_cast<double>(c.sy), outType.c_str(), static_cast<long long>(c.zy));
      const Tensor want = Interpreter(parseGraph(ref)).run({x})[0];
      QCOMPARE(y.type(), want.type());
      QVERIFY(y.sameBytes(want));
      // The table the CPU lowering embeds is the same one.
      const std::vector<int64_t> lut = activationLut(g.nodes[0], g.typeOf("x"), g.typeOf("y"));
      QCOMPARE(lut.size(), static_cast<size_t>(count));
      for (int64_t i = 0; i < count; ++i) QCOMPARE(lut[static_cast<size_t>(i)], want.getInt(i));
    }
  }

  void geluRefusesUnknownApproximation() {
    const std::string msg = testing::errorOf([] {
      verifyGraph(parseGraph("graph \"g\" {\n  input %x: f32[4]\n  %y: f32[4] = Gelu #1 \"gelu\"(%x) {approximate=\"erf\"}\n"
                             "  output %y\n}\n"));
    });
    NEST_VERIFY(msg.find("approximate must be \"none\" or \"tanh\", got \"erf\"") != std::string::npos, msg);
    NEST_VERIFY(msg.find("gelu") != std::string::npos, msg);
  }

  void lutRefusesOtherOperands() {
    const std::string msg = testing::errorOf([] {
      verifyGraph(lutGraph("Sigmoid", "", "i32<scale=0.001,zp=0>", "i8<scale=0.004,zp=-128>", 0.004f, -128));
    });
    NEST_VERIFY(msg.find("X must be i8, u8, i16 or u16, got i32") != std::string::npos, msg);
  }

  // Pre-images of result ranges: HardSwish keeps [-3, hswish^-1(max)], Sigmoid the logits.
  void preactivationRanges() {
    FloatRange r = preactivationRange("HardSwish", {-0.375f, 9.5f});
    QCOMPARE(r.min, -3.0f);
    QCOMPARE(r.max, 9.5f);
    r = preactivationRange("HardSwish", {-0.2f, 2.0f});  // x (x + 3) / 6 = 2 at x = (-3 + sqrt(57)) / 2
    QVERIFY(std::fabs(r.max - (-3 + std::sqrt(57.0)) / 2) < 1e-6);
    r = preactivationRange("Sigmoid", {0.25f, 0.75f});
    QVERIFY(std::fabs(r.min + std::log(3.0)) < 1e-6 && std::fabs(r.max - std::log(3.0)) < 1e-6);
  }

  // The quantize pass on the -O1 graph: the Conv's fused HardSwish becomes Conv + HardSwish, both
  // integer; Sigmoid, HardSigmoid and Tanh are table ops; no float node is left between Quantize
  // and the outputs' Dequantize, and no Mul / Div / Add stands for an activation.
  // int8 (256-entry tables) and int16 precision (65,536-entry tables): the same integer graph
  // shape, the table ops at the precision's width, and the quality that width buys.
  void quantizeUsesTables_data() {
    QTest::addColumn<int>("precision");
    QTest::addColumn<double>("minSqnr");
    QTest::newRow("int8") << static_cast<int>(QuantPrecision::Int8) << 30.0;
    QTest::newRow("int16") << static_cast<int>(QuantPrecision::Int16) << 33.0;
  }

  void quantizeUsesTables() {
    QFETCH(int, precision);
    QFETCH(double, minSqnr);
    const Graph g = runPipeline(parseGraph(lut_graphs::kLutNet), namedPipeline("O1")).result();
    Profiler profiler(g);
    for (unsigned i = 0; i < 8; ++i) profiler.run(testing::randomInputs(g, 10 + i));
    const QuantProfile profile = profiler.profile();
    QuantConfig config;
    config.perChannel = true;
    config.defaults.precision = static_cast<QuantPrecision>(precision);
    const ElemType elem = config.defaults.precision == QuantPrecision::Int8 ? ElemType::I8 : ElemType::I16;
    Graph q = g;
    QVERIFY(quantizeGraph(q, profile, config, "test profile"));
    verifyGraph(q);
    // Conv x2, HardSwish, Sigmoid, HardSigmoid, Tanh, Mul, Add: all integer; one Quantize, two Dequantize.
    QCOMPARE(static_cast<int>(q.nodes.size()), 11);
    for (const Node& n : q.nodes) {
      if (n.op == "Quantize" || n.op == "Dequantize") continue;
      NEST_VERIFY(q.typeOf(n.outputs[0]).quant.has_value(), n.describe() + " stayed float");
    }
    QCOMPARE(countOp(q, "Quantize"), 1);
    QCOMPARE(countOp(q, "Dequantize"), 2);
    QCOMPARE(countOp(q, "Mul"), 1);  // the gate (HardSigmoid * HardSwish), not an activation
    const Node& act = producerOf(q, "c1");
    QCOMPARE(act.op, std::string("HardSwish"));
    QCOMPARE(act.name, std::string("conv1_act"));
    const Node& conv = producerOf(q, act.inputs[0]);
    QCOMPARE(conv.op, std::string("Conv"));
    QVERIFY(!conv.attrs.has("activation"));
    QCOMPARE(act.origin, std::vector<NodeId>{conv.id});
    QCOMPARE(q.typeOf(act.inputs[0]).elem, elem);
    QCOMPARE(q.typeOf(act.outputs[0]).elem, elem);
    // The split value's range is [-3, max]: its lowest level is -3 within one step.
    const QuantParams& pre = *q.typeOf(act.inputs[0]).quant;
    int64_t qmin, qmax;
    quantizedRange(elem, qmin, qmax);
    const double lowest = static_cast<double>(qmin - pre.zeroPoints[0]) * static_cast<double>(pre.scales[0]);
    QVERIFY2(std::fabs(lowest + 3) <= pre.scales[0], std::to_string(lowest).c_str());
    // Quality against float over 4 other inputs: output SQNR of both outputs.
    double sig[2] = {0, 0}, noise[2] = {0, 0};
    for (unsigned s = 0; s < 4; ++s) {
      const std::vector<Tensor> in = testing::randomInputs(g, 50 + s);
      const std::vector<Tensor> f = Interpreter(g).run(in), r = Interpreter(q).run(in);
      for (size_t k = 0; k < 2; ++k)
        for (int64_t i = 0; i < f[k].numElements(); ++i) {
          const double a = f[k].getDouble(i), b = r[k].getDouble(i);
          sig[k] += a * a;
          noise[k] += (a - b) * (a - b);
        }
    }
    for (size_t k = 0; k < 2; ++k) {
      const double sqnr = 10 * std::log10(sig[k] / noise[k]);
      qInfo("%s: %.2f dB", q.outputs[k].c_str(), sqnr);
      QVERIFY2(sqnr >= minSqnr, (q.outputs[k] + ": " + std::to_string(sqnr) + " dB").c_str());
    }
  }

  // QDQ export: each table op is written as DequantizeLinear -> op -> QuantizeLinear, which is
  // exactly the table's definition, so the re-imported model gives the integer graph's outputs.
  void qdqExportRoundTrip() {
    const Graph g = runPipeline(parseGraph(lut_graphs::kLutNet), namedPipeline("O1")).result();
    Profiler profiler(g);
    for (unsigned i = 0; i < 8; ++i) profiler.run(testing::randomInputs(g, 10 + i));
    QuantConfig config;
    Graph q = g;
    QVERIFY(quantizeGraph(q, profiler.profile(), config, "test profile"));
    const onnx::ModelProto m = exportQdqModel(q);
    int hswish = 0, sigm = 0, tanh = 0, hsig = 0;
    for (const auto& n : m.graph().node()) {
      hswish += n.op_type() == "HardSwish";
      sigm += n.op_type() == "Sigmoid";
      tanh += n.op_type() == "Tanh";
      hsig += n.op_type() == "HardSigmoid";
    }
    QCOMPARE(hswish, 1);
    QCOMPARE(sigm, 1);
    QCOMPARE(tanh, 1);
    QCOMPARE(hsig, 1);
    const Graph back = importOnnxBytes(m.SerializeAsString(), OnnxFormat::Binary, "lut_net.qdq.onnx").graph;
    for (unsigned s = 0; s < 3; ++s) {
      const std::vector<Tensor> in = testing::randomInputs(g, 80 + s);
      const std::vector<Tensor> a = Interpreter(q).run(in), b = Interpreter(back).run(in);
      QCOMPARE(a.size(), b.size());
      for (size_t k = 0; k < a.size(); ++k) QVERIFY2(a[k].sameBytes(b[k]), q.outputs[k].c_str());
    }
  }
};

QTEST_APPLESS_MAIN(TestActivationLut)
#include "test_activation_lut.moc"
