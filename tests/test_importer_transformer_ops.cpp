// The ops transformer exports use (issue 17, "Ops"), imported from hand-built ONNX models at every
// opset form up to 17 and run through the interpreter: LayerNormalization (17), Gelu (opset 20 and
// com.microsoft Gelu / FastGelu / BiasGelu), Einsum (12), Where (9, 16), Trilu (14), CumSum (11,
// 14), GatherElements (11, 13), GatherND (11, 12, 13), ScatterND (11, 13, 16, 18), batched and
// broadcast MatMul (9, 13) and Softmax / LogSoftmax on every axis (11, 13). Expected values are
// numpy's (float64, pinned as literals; scripts in the comments) or computed here by plain loops;
// bad operands and attributes fail with messages naming the node.
#include "tests/test_support.h"

#include <cmath>
#include <optional>
#include <tuple>

#include "tests/onnx_model_builder.h"

using namespace nest;
using namespace nest::testing;

namespace {


std::vector<std::string> opsOf(const Graph& g) {
  std::vector<std::string> ops;
  for (const Node& n : g.nodes) ops.push_back(n.op);
  return ops;
}

Tensor i32(const Shape& shape, const std::vector<int32_t>& v) { return Tensor::fromVector<int32_t>(ElemType::I32, shape, v); }
Tensor boolean(const Shape& shape, const std::vector<uint8_t>& v) { return Tensor::fromVector<uint8_t>(ElemType::Bool, shape, v); }
Tensor scalarI64(int64_t v) { return i64({}, {v}); }

// The message of the BadInput error importing `m` gives (another kind of error is marked, so that
// the comparison with the expected message fails showing it).
std::string badInput(const onnx::ModelProto& m) {
  ErrorKind kind{};
  std::string msg = importError(m, &kind);
  return kind == ErrorKind::BadInput ? msg : "(not a BadInput error) " + msg;
}

// The message of the BadInput error running `g` gives (a kernel's).
std::string runError(const Graph& g, const std::vector<Tensor>& inputs) {
  ErrorKind kind{};
  std::string msg = errorOf([&] { runGraph(g, inputs); }, &kind);
  return kind == ErrorKind::BadInput ? msg : "(not a BadInput error) " + msg;
}

// A one-node model: inputs `ins` (name, shape, ONNX type), node `op` named "n" reading `operands`.
struct OneNode {
  ModelBuilder b;
  onnx::NodeProto* node = nullptr;
  OneNode(int64_t opset, const std::string& op, const std::vector<std::tuple<std::string, Shape, int>>& ins,
          const std::vector<std::string>& operands, const std::vector<std::string>& results = {"y"},
          const std::string& domain = "")
      : b(opset, domain) {
    if (!domain.empty()) {  // the default domain too
      auto* o = b.model().add_opset_import();
      o->set_domain("");
      o->set_version(17);
    }
    for (const auto& [name, shape, elem] : ins) b.input(name, shape, elem);
    for (const std::string& r : results)
      if (!r.empty()) b.output(r);
    node = &b.node(op, "n", operands, results, domain);
  }
};

constexpr int kF = onnx::TensorProto::FLOAT;
constexpr int kI64 = onnx::TensorProto::INT64;
constexpr int kI32 = onnx::TensorProto::INT32;
constexpr int kBool = onnx::TensorProto::BOOL;

// exp(v - max) / sum over `v` (or its log), in double.
std::vector<double> softmaxOf(const std::vector<double>& v, bool log) {
  double mx = v[0], sum = 0;
  for (double x : v) mx = std::max(mx, x);
  for (double x : v) sum += std::exp(x - mx);
  std::vector<double> out;
  for (double x : v) out.push_back(log ? x - mx - std::log(sum) : std::exp(x - mx) / sum);
  return out;
}

// Softmax of a row-major tensor of `shape` over groups of `n` elements `inner` apart, `outer`
// groups of n * inner elements each (opset 13: n is the axis; opset 11: inner 1 and n the rest).
Tensor softmaxReference(const Tensor& x, int64_t outer, int64_t n, int64_t inner, bool log) {
  const std::vector<double> v = x.toDoubles();
  std::vector<float> out(v.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      std::vector<double> group;
      for (int64_t k = 0; k < n; ++k) group.push_back(v[static_cast<size_t>((o * n + k) * inner + j)]);
      std::vector<double> s = softmaxOf(group, log);
      for (int64_t k = 0; k < n; ++k) out[static_cast<size_t>((o * n + k) * inner + j)] = static_cast<float>(s[k]);
    }
  return f32(x.shape(), out);
}

// Plain-loop batched matrix product of a [..., m, k] and b [..., k, n] (batch dims broadcast,
// numpy's 1-D promotion), for ramps: exact in float.
Tensor matmulReference(const Tensor& a, const Tensor& b) {
  Shape as = a.shape(), bs = b.shape();
  const bool a1 = as.size() == 1, b1 = bs.size() == 1;
  if (a1) as.insert(as.begin(), 1);
  if (b1) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  const size_t rank = std::max(as.size(), bs.size());
  Shape batch(rank - 2, 1);
  Shape ab(rank - 2, 1), bb(rank - 2, 1);
  for (size_t i = 0; i + 2 < as.size(); ++i) ab[rank - as.size() + i] = as[i];
  for (size_t i = 0; i + 2 < bs.size(); ++i) bb[rank - bs.size() + i] = bs[i];
  for (size_t i = 0; i < batch.size(); ++i) batch[i] = std::max(ab[i], bb[i]);
  const std::vector<double> av = a.toDoubles(), bv = b.toDoubles();
  int64_t batches = 1;
  for (int64_t d : batch) batches *= d;
  std::vector<float> out;
  for (int64_t p = 0; p < batches; ++p) {
    // Batch index digits of p, mapped to each operand (size-1 dims read index 0).
    int64_t rest = p, aOff = 0, bOff = 0, aMul = 1, bMul = 1;
    for (size_t d = batch.size(); d-- > 0;) {
      const int64_t i = rest % batch[d];
      rest /= batch[d];
      aOff += (ab[d] == 1 ? 0 : i) * aMul;
      bOff += (bb[d] == 1 ? 0 : i) * bMul;
      aMul *= ab[d];
      bMul *= bb[d];
    }
    for (int64_t r = 0; r < m; ++r)
      for (int64_t c = 0; c < n; ++c) {
        double s = 0;
        for (int64_t t = 0; t < k; ++t) s += av[static_cast<size_t>(aOff * m * k + r * k + t)] * bv[static_cast<size_t>(bOff * k * n + t * n + c)];
        out.push_back(static_cast<float>(s));
      }
  }
  Shape os = batch;
  if (!a1) os.push_back(m);
  if (!b1) os.push_back(n);
  return f32(os, out);
}

}  // namespace

class TestImporterTransformerOps : public QObject {
  Q_OBJECT

 private slots:
  // ---------------------------------------------------------------------------------------------
  // LayerNormalization-17. Expected: numpy in float64, mean / biased variance over axes
  // [axis, rank), y = (x - mean) / sqrt(var + epsilon) * scale + bias.

  void layerNormalizationLastAxis() {
    OneNode m(17, "LayerNormalization", {{"x", {2, 3}, kF}}, {"x", "scale", "bias"}, {"y", "mean", "inv"});
    m.b.initializer("scale", f32({3}, {0.5f, 1, 2})).initializer("bias", f32({3}, {0, 1, -1}));
    ImportResult r = importModel(m.b.model());
    QCOMPARE(opsOf(r.graph), std::vector<std::string>{"LayerNormalization"});
    QCOMPARE(typeToString(r.graph.typeOf("mean")), std::string("f32[2,1]"));
    QCOMPARE(typeToString(r.graph.typeOf("inv")), std::string("f32[2,1]"));
    std::vector<Tensor> out = runGraph(r.graph, {f32({2, 3}, {1, 2, 4, -1, 0, 5})});
    NEST_CLOSE(f32({2, 3}, {-0.534520745f, 0.732739627f, 1.67260385f, -0.444500118f, 0.491999865f, 1.79400074f}), out[0]);
    NEST_CLOSE(f32({2, 1}, {2.33333325f, 1.33333337f}), out[1]);
    NEST_CLOSE(f32({2, 1}, {0.801781178f, 0.381000102f}), out[2]);

    // float16: Y in float16, Mean and InvStdDev in the stash type (default float); stash_type 11
    // makes them double.
    for (int64_t stash : {1, 11}) {
      OneNode h(17, "LayerNormalization", {{"x", {2, 3}, onnx::TensorProto::FLOAT16}}, {"x", "scale", "bias"}, {"y", "mean"});
      if (stash != 1) setInt(*h.node, "stash_type", stash);
      h.b.initializer("scale", convertTensor(f32({3}, {0.5f, 1, 2}), ElemType::F16));
      h.b.initializer("bias", convertTensor(f32({3}, {0, 1, -1}), ElemType::F16));
      ImportResult rh = importModel(h.b.model());
      QCOMPARE(typeToString(rh.graph.typeOf("y")), std::string("f16[2,3]"));
      QCOMPARE(typeToString(rh.graph.typeOf("mean")), std::string(stash == 1 ? "f32[2,1]" : "f64[2,1]"));
      std::vector<Tensor> oh = runGraph(rh.graph, {convertTensor(f32({2, 3}, {1, 2, 4, -1, 0, 5}), ElemType::F16)});
      // The float results rounded to float16 (11 significant bits).
      NEST_SAME_TENSORS({convertTensor(f32({2, 3}, {-0.534520745f, 0.732739627f, 1.67260385f, -0.444500118f, 0.491999865f,
                                                    1.79400074f}),
                                       ElemType::F16)},
                        {oh[0]});
      NEST_CLOSE(convertTensor(f32({2, 1}, {2.33333325f, 1.33333337f}), stash == 1 ? ElemType::F32 : ElemType::F64), oh[1]);
    }
  }

  void layerNormalizationInnerAxesWithoutBias() {
    // axis 1 of [2,2,3]: each of the 2 blocks of 6 values; scale [2,3]; epsilon 0.5; Mean skipped.
    OneNode m(17, "LayerNormalization", {{"x", {2, 2, 3}, kF}}, {"x", "scale"}, {"y", "", "inv"});
    setInt(*m.node, "axis", 1);
    setFloat(*m.node, "epsilon", 0.5f);
    m.b.initializer("scale", ramp({2, 3}, 0.1f, 1.0f));
    ImportResult r = importModel(m.b.model());
    QCOMPARE(typeToString(r.graph.typeOf("inv")), std::string("f32[2,1,1]"));
    std::vector<Tensor> out = runGraph(r.graph, {ramp({2, 2, 3})});
    QCOMPARE(out.size(), size_t{2});
    const std::vector<float> block = {-1.35250449f, -0.892652929f, -0.324601054f, 0.351651162f, 1.13610375f, 2.02875662f};
    std::vector<float> both = block;
    both.insert(both.end(), block.begin(), block.end());
    NEST_CLOSE(f32({2, 2, 3}, both), out[0]);
    NEST_CLOSE(f32({2, 1, 1}, {0.541001797f, 0.541001797f}), out[1]);

    // axis 0 (everything, one group), Scale and B of the last axis broadcast over it.
    OneNode all(17, "LayerNormalization", {{"x", {2, 3}, kF}}, {"x", "scale", "bias"}, {"y", "mean", "inv"});
    setInt(*all.node, "axis", -2);
    all.b.initializer("scale", f32({3}, {1, 2, 3})).initializer("bias", f32({3}, {0.5f, 0, -0.5f}));
    std::vector<Tensor> o2 = runGraph(importModel(all.b.model()).graph, {ramp({2, 3}, 1, -2)});
    NEST_CLOSE(f32({2, 3}, {-0.963847578f, -1.75661707f, -1.37830853f, 0.792769492f, 1.75661707f, 3.89154291f}), o2[0]);
    NEST_CLOSE(f32({1, 1}, {0.5f}), o2[1]);
    NEST_CLOSE(f32({1, 1}, {0.585539043f}), o2[2]);
  }

  void layerNormalizationErrors() {
    OneNode axis(17, "LayerNormalization", {{"x", {2, 3}, kF}}, {"x", "scale"});
    setInt(*axis.node, "axis", 2);
    axis.b.initializer("scale", f32({3}, {1, 1, 1}));
    NEST_SAME_TEXT(badInput(axis.b.model()), std::string("node 'n' (LayerNormalization): axis 2 out of range for rank 2"));

    OneNode scale(17, "LayerNormalization", {{"x", {2, 3}, kF}}, {"x", "scale"});
    scale.b.initializer("scale", f32({4}, {1, 1, 1, 1}));
    NEST_SAME_TEXT(badInput(scale.b.model()), std::string("node 'n' (LayerNormalization): Scale 4 does not broadcast to X 2x3"));

    OneNode bias(17, "LayerNormalization", {{"x", {2, 3}, kF}}, {"x", "scale", "bias"});
    bias.b.initializer("scale", f32({3}, {1, 1, 1})).initializer("bias", f32({2, 2, 3}, std::vector<float>(12, 0.0f)));
    NEST_SAME_TEXT(badInput(bias.b.model()), std::string("node 'n' (LayerNormalization): B 2x2x3 does not broadcast to X 2x3"));

    OneNode stash(17, "LayerNormalization", {{"x", {2, 3}, kF}}, {"x", "scale"});
    setInt(*stash.node, "stash_type", 7);
    stash.b.initializer("scale", f32({3}, {1, 1, 1}));
    NEST_SAME_TEXT(badInput(stash.b.model()),
             std::string("node 'n' (LayerNormalization): stash_type must be a float type (1 float, 10 float16 or 11 "
                         "double), got 7"));
  }

  // ---------------------------------------------------------------------------------------------
  // Gelu: ONNX's own from opset 20 (the model's opset is taken as it is), and onnxruntime's
  // com.microsoft contrib ops. Expected: 0.5 x (1 + erf(x / sqrt 2)) and the tanh form, float64.

  void geluOpset20AndMicrosoft() {
    const Tensor x = f32({5}, {-2, -0.5f, 0, 1, 3});
    const Tensor erfForm = f32({5}, {-0.0455002636f, -0.154268771f, 0, 0.841344774f, 2.99595022f});
    const Tensor tanhForm = f32({5}, {-0.0454023071f, -0.154285997f, 0, 0.841192007f, 2.99636269f});
    for (const char* approx : {"", "none", "tanh"}) {
      OneNode m(20, "Gelu", {{"x", {5}, kF}}, {"x"});
      if (*approx) setString(*m.node, "approximate", approx);
      ImportResult r = importModel(m.b.model());
      QCOMPARE(r.opset, int64_t{20});
      QCOMPARE(opsOf(r.graph), std::vector<std::string>{"Gelu"});
      NEST_CLOSE(std::string(approx) == "tanh" ? tanhForm : erfForm, runGraph(r.graph, {x})[0]);
    }
    OneNode bad(20, "Gelu", {{"x", {5}, kF}}, {"x"});
    setString(*bad.node, "approximate", "fast");
    NEST_SAME_TEXT(badInput(bad.b.model()), std::string("node 'n' (Gelu): approximate must be \"none\" or \"tanh\", got \"fast\""));

    // com.microsoft: Gelu (erf), FastGelu (tanh, optional bias), BiasGelu (erf of x + bias).
    OneNode ms(1, "Gelu", {{"x", {5}, kF}}, {"x"}, {"y"}, "com.microsoft");
    ImportResult rm = importModel(ms.b.model());
    QCOMPARE(opsOf(rm.graph), std::vector<std::string>{"Gelu"});
    QCOMPARE(rm.graph.nodes[0].name, std::string("n"));
    NEST_CLOSE(erfForm, runGraph(rm.graph, {x})[0]);
    OneNode fast(1, "FastGelu", {{"x", {5}, kF}}, {"x"}, {"y"}, "com.microsoft");
    NEST_CLOSE(tanhForm, runGraph(importModel(fast.b.model()).graph, {x})[0]);
    const Tensor bias = f32({5}, {1, 1, 1, 1, -1});
    OneNode fastBias(1, "FastGelu", {{"x", {5}, kF}}, {"x", "b"}, {"y"}, "com.microsoft");
    fastBias.b.initializer("b", bias);
    ImportResult rf = importModel(fastBias.b.model());
    QCOMPARE(opsOf(rf.graph), (std::vector<std::string>{"Add", "Gelu"}));
    QCOMPARE(rf.graph.nodes[1].attrs.getString("approximate", ""), std::string("tanh"));
    NEST_CLOSE(f32({5}, {-0.158808008f, 0.345714003f, 0.841192007f, 1.95459771f, 1.95459771f}), runGraph(rf.graph, {x})[0]);
    OneNode biasGelu(1, "BiasGelu", {{"x", {5}, kF}}, {"x", "b"}, {"y"}, "com.microsoft");
    biasGelu.b.initializer("b", bias);
    NEST_CLOSE(f32({5}, {-0.158655256f, 0.345731229f, 0.841344774f, 1.95449972f, 1.95449972f}),
               runGraph(importModel(biasGelu.b.model()).graph, {x})[0]);
    OneNode noBias(1, "BiasGelu", {{"x", {5}, kF}}, {"x"}, {"y"}, "com.microsoft");
    NEST_SAME_TEXT(badInput(noBias.b.model()), std::string("node 'n' (BiasGelu): com.microsoft BiasGelu has 1 operand, it takes 2"));
    // Other com.microsoft ops stay refused, named with their domain.
    OneNode other(1, "Attention", {{"x", {5}, kF}}, {"x"}, {"y"}, "com.microsoft");
    ErrorKind kind{};
    const std::string msg = importError(other.b.model(), &kind);
    QCOMPARE(kind, ErrorKind::Unsupported);
    NEST_CONTAINS(msg, "com.microsoft.Attention (e.g. node 'n')");
  }

  // ---------------------------------------------------------------------------------------------
  // Einsum-12. Operand k is ramp(shape, 1, -(3 + 2k)); expected: numpy.einsum (exact integers).

  void einsumEquations() {
    struct Case {
      const char* equation;
      std::vector<Shape> shapes;
      Shape out;
      std::vector<float> expected;
    };
    const std::vector<Case> cases = {
        {"bhid,bhjd->bhij", {{1, 2, 3, 4}, {1, 2, 2, 4}}, {1, 2, 3, 2}, {26, 2, -30, 10, -86, 18, 194, 362, 266, 498, 338, 634}},
        {"bhij,bhjd->bhid", {{1, 2, 3, 2}, {1, 2, 2, 4}}, {1, 2, 3, 4},
         {17, 12, 7, 2, 5, 4, 3, 2, -7, -4, -1, 2, 37, 44, 51, 58, 57, 68, 79, 90, 77, 92, 107, 122}},
        {"bid,jd->bij", {{2, 2, 3}, {4, 3}}, {2, 2, 4}, {26, 8, -10, -28, -10, -1, 8, 17, -46, -10, 26, 62, -82, -19, 44, 107}},
        {"ij,jk->ik", {{2, 3}, {3, 2}}, {2, 2}, {22, 16, -5, -2}},
        {" ij , jk -> ik ", {{2, 3}, {3, 2}}, {2, 2}, {22, 16, -5, -2}},
        {"bij,bjk->bik", {{2, 2, 3}, {2, 3, 2}}, {2, 2, 2}, {22, 16, -5, -2, 40, 52, 67, 88}},
        {"...ij,...jk->...ik", {{2, 1, 2, 3}, {3, 3, 2}}, {2, 3, 2, 2},
         {22, 16, -5, -2, -14, -20, 13, 16, -50, -56, 31, 34, -32, -20, -59, -38, 40, 52, 67, 88, 112, 124, 193, 214}},
        {"ij->ji", {{2, 3}}, {3, 2}, {-3, 0, -2, 1, -1, 2}},
        {"ij->i", {{2, 3}}, {2}, {-6, 3}},
        {"ij->", {{2, 3}}, {}, {-3}},
        {"ij,jk", {{2, 3}, {3, 2}}, {2, 2}, {22, 16, -5, -2}},
        {"ii", {{3, 3}}, {}, {3}},
        {"ii->i", {{3, 3}}, {3}, {-3, 1, 5}},
        {"bA,ba", {{2, 3}, {2, 2}}, {3, 2}, {15, 12, 7, 6, -1, 0}},  // implicit: 'A' before 'a'
        {"...ii->...i", {{2, 3, 3}}, {2, 3}, {-3, 1, 5, 6, 10, 14}},
        {"ij,jk,kl->il", {{2, 3}, {3, 2}, {2, 2}}, {2, 2}, {-234, -196, 45, 38}},
        {"i,i", {{4}, {4}}, {}, {26}},
    };
    for (int64_t opset : {12, 17})
      for (const Case& c : cases) {
        ModelBuilder b(opset);
        std::vector<std::string> names;
        std::vector<Tensor> inputs;
        for (size_t k = 0; k < c.shapes.size(); ++k) {
          names.push_back("x" + std::to_string(k));
          b.input(names.back(), c.shapes[k]);
          inputs.push_back(ramp(c.shapes[k], 1, -(3.0f + 2.0f * static_cast<float>(k))));
        }
        b.output("y");
        setString(b.node("Einsum", "e", names, {"y"}), "equation", c.equation);
        ImportResult r = importModel(b.model());
        NEST_SAME_TENSORS({f32(c.out, c.expected)}, runGraph(r.graph, inputs));
      }
    // Integers: i64 "ij,jk->ik" and an outer product of i32 vectors.
    ModelBuilder ints(12);
    ints.input("a", {2, 3}, kI64).input("b", {3, 2}, kI64).output("y");
    setString(ints.node("Einsum", "e", {"a", "b"}, {"y"}), "equation", "ij,jk->ik");
    NEST_SAME_TENSORS({i64({2, 2}, {22, 16, -5, -2})},
                      runGraph(importModel(ints.model()).graph, {i64({2, 3}, {-3, -2, -1, 0, 1, 2}), i64({3, 2}, {-5, -4, -3, -2, -1, 0})}));
    ModelBuilder outer(12);
    outer.input("a", {2}, kI32).input("b", {3}, kI32).output("y");
    setString(outer.node("Einsum", "e", {"a", "b"}, {"y"}), "equation", "i,j->ij");
    NEST_SAME_TENSORS({i32({2, 3}, {-1, 0, 1, 2, 0, -2})},
                      runGraph(importModel(outer.model()).graph, {i32({2}, {1, -2}), i32({3}, {-1, 0, 1})}));
    // The MAC estimate: one per result element and summed index.
    ModelBuilder attn(12);
    attn.input("q", {1, 2, 3, 4}).input("k", {1, 2, 2, 4}).output("y");
    setString(attn.node("Einsum", "e", {"q", "k"}, {"y"}), "equation", "bhid,bhjd->bhij");
    ImportResult ra = importModel(attn.model());
    const OpDef* def = OpTable::instance().find("Einsum");
    QCOMPARE(def->macs(ra.graph.nodes[0], {&ra.graph.typeOf("q"), &ra.graph.typeOf("k")}, {&ra.graph.typeOf("y")}), int64_t{48});
  }

  void einsumErrors() {
    struct Case {
      const char* equation;
      std::vector<Shape> shapes;
      const char* message;
    };
    const std::vector<Case> cases = {
        {"ij,jk->ik", {{2, 3}, {3, 2}, {2}}, "equation 'ij,jk->ik': has 2 operand terms but the node has 3 operands"},
        {"ij,jk->ik", {{2, 3}, {4, 2}}, "equation 'ij,jk->ik': label 'j' is 3 long in one place but 4 on axis 0 of operand 1 4x2"},
        {"ij1->i", {{2, 3}}, "equation 'ij1->i': operand term 0 has the character '1' (labels are letters a-z and A-Z)"},
        {"ijk->i", {{2, 3}}, "equation 'ijk->i': operand 0 has rank 2 (shape 2x3) but its term names 3 axes"},
        {"i...jk->i", {{2, 3}}, "equation 'i...jk->i': operand 0 has rank 2 (shape 2x3) but its term names 3 axes besides '...'"},
        {"ij->k", {{2, 3}}, "equation 'ij->k': the result label 'k' is on no operand"},
        {"ij->ii", {{2, 3}}, "equation 'ij->ii': the result label 'i' occurs twice"},
        {"ij->i->j", {{2, 3}}, "equation 'ij->i->j': has more than one '->'"},
        {"..ij->ij", {{2, 3}}, "equation '..ij->ij': operand term 0 has a '.' that is not part of '...'"},
        {"......ij", {{2, 3}}, "equation '......ij': operand term 0 has more than one '...'"},
        {"...ij->ij", {{4, 2, 3}}, "equation '...ij->ij': the operands' '...' stands for 1 axes but the result term has no '...'"},
        {"ij,jk->i-k", {{2, 3}, {3, 2}}, "equation 'ij,jk->i-k': the result term has the character '-' (labels are letters a-z and A-Z)"},
    };
    for (const Case& c : cases) {
      ModelBuilder b(12);
      std::vector<std::string> names;
      for (size_t k = 0; k < c.shapes.size(); ++k) {
        names.push_back("x" + std::to_string(k));
        b.input(names.back(), c.shapes[k]);
      }
      b.output("y");
      setString(b.node("Einsum", "e", names, {"y"}), "equation", c.equation);
      NEST_SAME_TEXT(badInput(b.model()), "node 'e' (Einsum): " + std::string(c.message));
    }
    ModelBuilder mixed(12);
    mixed.input("a", {2, 3}).input("b", {3, 2}, kI64).output("y");
    setString(mixed.node("Einsum", "e", {"a", "b"}, {"y"}), "equation", "ij,jk->ik");
    NEST_SAME_TEXT(badInput(mixed.model()), std::string("node 'e' (Einsum): operand 1 is i64 but operand 0 is f32"));
    ModelBuilder none(12);
    none.input("a", {2, 3}).output("y");
    none.node("Einsum", "e", {"a"}, {"y"});
    NEST_SAME_TEXT(badInput(none.model()), std::string("node 'e' (Einsum): attribute 'equation' is missing or empty"));
  }

  // ---------------------------------------------------------------------------------------------
  // Where-9 and Where-16 (which adds bfloat16 only): three operands broadcast together.

  void whereBroadcasts() {
    for (int64_t opset : {9, 16}) {
      ModelBuilder b(opset);
      b.input("c", {2, 1}, kBool).input("x", {1, 3}).input("s", {}).output("y");
      b.node("Where", "w", {"c", "x", "s"}, {"y"});
      ImportResult r = importModel(b.model());
      QCOMPARE(typeToString(r.graph.typeOf("y")), std::string("f32[2,3]"));
      NEST_SAME_TENSORS({f32({2, 3}, {0, 1, 2, -1, -1, -1})},
                        runGraph(r.graph, {boolean({2, 1}, {1, 0}), ramp({1, 3}), f32({}, {-1})}));
      // Integers, the condition broadcast along the other axis.
      ModelBuilder ib(opset);
      ib.input("c", {3}, kBool).input("x", {2, 3}, kI64).input("z", {2, 1}, kI64).output("y");
      ib.node("Where", "w", {"c", "x", "z"}, {"y"});
      NEST_SAME_TENSORS({i64({2, 3}, {1, 7, 3, 4, 8, 6})},
                        runGraph(importModel(ib.model()).graph,
                                 {boolean({3}, {1, 0, 1}), i64({2, 3}, {1, 2, 3, 4, 5, 6}), i64({2, 1}, {7, 8})}));
    }
    ModelBuilder bad(16);
    bad.input("c", {2}, kBool).input("x", {3}).input("z", {3}).output("y");
    bad.node("Where", "w", {"c", "x", "z"}, {"y"});
    NEST_SAME_TEXT(badInput(bad.model()), std::string("node 'w' (Where): shapes cannot be broadcast together: 2 3 3"));
    ModelBuilder notBool(16);
    notBool.input("c", {3}).input("x", {3}).input("z", {3}).output("y");
    notBool.node("Where", "w", {"c", "x", "z"}, {"y"});
    NEST_SAME_TEXT(badInput(notBool.model()), std::string("node 'w' (Where): condition must be bool, got f32"));
  }

  // ---------------------------------------------------------------------------------------------
  // Trilu-14 (k an operand, known at import). Expected: numpy.triu / numpy.tril.

  void trilu() {
    const Tensor x = ramp({2, 3, 4}, 1, 1);  // 1..24
    struct Case {
      int64_t upper;  // -1: attribute absent (upper)
      std::optional<int64_t> k;
      std::vector<float> expected;
    };
    const std::vector<Case> cases = {
        {-1, std::nullopt, {1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12, 13, 14, 15, 16, 0, 18, 19, 20, 0, 0, 23, 24}},
        {1, 1, {0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12, 0, 14, 15, 16, 0, 0, 19, 20, 0, 0, 0, 24}},
        {0, -1, {0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 21, 22, 0, 0}},
        {1, 9, std::vector<float>(24, 0.0f)},
        {0, 9, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}},
    };
    for (const Case& c : cases) {
      ModelBuilder b(14);
      b.input("x", {2, 3, 4}).output("y");
      std::vector<std::string> ins = {"x"};
      if (c.k) {
        b.initializer("k", scalarI64(*c.k));
        ins.push_back("k");
      }
      auto& n = b.node("Trilu", "t", ins, {"y"});
      if (c.upper >= 0) setInt(n, "upper", c.upper);
      ImportResult r = importModel(b.model());
      QCOMPARE(opsOf(r.graph), std::vector<std::string>{"Trilu"});
      NEST_SAME_TENSORS({f32({2, 3, 4}, c.expected)}, runGraph(r.graph, {x}));
    }
    // A tall matrix, and bool.
    ModelBuilder tall(14);
    tall.input("x", {3, 2}).output("y").initializer("k", scalarI64(-1));
    tall.node("Trilu", "t", {"x", "k"}, {"y"});
    NEST_SAME_TENSORS({f32({3, 2}, {1, 2, 3, 4, 0, 6})}, runGraph(importModel(tall.model()).graph, {ramp({3, 2}, 1, 1)}));
    ModelBuilder mask(14);
    mask.input("x", {3, 3}, kBool).output("y");
    setInt(mask.node("Trilu", "t", {"x"}, {"y"}), "upper", 0);
    NEST_SAME_TENSORS({boolean({3, 3}, {1, 0, 0, 1, 1, 0, 0, 1, 1})},
                      runGraph(importModel(mask.model()).graph, {boolean({3, 3}, {1, 1, 0, 1, 1, 1, 0, 1, 1})}));
    // Errors: a vector; k computed at run time.
    ModelBuilder vec(14);
    vec.input("x", {4}).output("y");
    vec.node("Trilu", "t", {"x"}, {"y"});
    NEST_SAME_TEXT(badInput(vec.model()), std::string("node 't' (Trilu): the input must have rank >= 2, got 4"));
    ModelBuilder runtimeK(14);
    runtimeK.input("x", {2, 2}).input("k", {}, kI64).output("y");
    runtimeK.node("Trilu", "t", {"x", "k"}, {"y"});
    ErrorKind kind{};
    NEST_SAME_TEXT(importError(runtimeK.model(), &kind),
             std::string("node 't' (Trilu): operand 1 ('k', value 'k') must be known at compile time, but it is computed "
                         "at run time; only static shapes are supported"));
    QCOMPARE(kind, ErrorKind::Unsupported);
  }

  // ---------------------------------------------------------------------------------------------
  // CumSum-11 and CumSum-14 (axis an operand: 0-D or one element, i32 or i64). Expected: numpy.

  void cumSum() {
    struct Case {
      Tensor axis;
      int64_t exclusive, reverse;
      std::vector<float> expected;
    };
    const std::vector<Case> cases = {
        {i32({}, {0}), 0, 0, {1, 2, 3, 5, 7, 9}},
        {i64({1}, {1}), 0, 0, {1, 3, 6, 4, 9, 15}},
        {i64({}, {-1}), 1, 0, {0, 1, 3, 0, 4, 9}},
        {i32({1}, {1}), 0, 1, {6, 5, 3, 15, 11, 6}},
        {i64({}, {-2}), 1, 1, {4, 5, 6, 0, 0, 0}},
    };
    for (int64_t opset : {11, 14})
      for (const Case& c : cases) {
        ModelBuilder b(opset);
        b.input("x", {2, 3}).output("y").initializer("axis", c.axis);
        auto& n = b.node("CumSum", "cs", {"x", "axis"}, {"y"});
        if (c.exclusive) setInt(n, "exclusive", 1);
        if (c.reverse) setInt(n, "reverse", 1);
        ImportResult r = importModel(b.model());
        QCOMPARE(r.graph.nodes.at(0).attrs.getInt("axis"), c.axis.getInt(0));
        NEST_SAME_TENSORS({f32({2, 3}, c.expected)}, runGraph(r.graph, {ramp({2, 3}, 1, 1)}));
      }
    ModelBuilder ints(14);
    ints.input("x", {4}, kI32).output("y").initializer("axis", i64({}, {0}));
    ints.node("CumSum", "cs", {"x", "axis"}, {"y"});
    NEST_SAME_TENSORS({i32({4}, {5, 3, 10, 9})}, runGraph(importModel(ints.model()).graph, {i32({4}, {5, -2, 7, -1})}));

    ModelBuilder bad(14);
    bad.input("x", {2, 3}).output("y").initializer("axis", i64({}, {2}));
    bad.node("CumSum", "cs", {"x", "axis"}, {"y"});
    NEST_SAME_TEXT(badInput(bad.model()), std::string("node 'cs' (CumSum): axis 2 out of range for rank 2"));
    ModelBuilder boolX(14);
    boolX.input("x", {2}, kBool).output("y").initializer("axis", i64({}, {0}));
    boolX.node("CumSum", "cs", {"x", "axis"}, {"y"});
    NEST_SAME_TEXT(badInput(boolX.model()), std::string("node 'cs' (CumSum): element type bool of operand 0 is not accepted by CumSum"));
  }

  // ---------------------------------------------------------------------------------------------
  // GatherElements-11 / -13 (the examples of the ONNX operator documentation).

  void gatherElements() {
    struct Case {
      Shape data;
      int64_t axis;
      Tensor indices;
      std::vector<float> expected;
    };
    const std::vector<Case> cases = {
        {{2, 2}, 1, i64({2, 2}, {0, 0, 1, 0}), {1, 1, 4, 3}},
        {{3, 3}, 0, i64({2, 3}, {1, 2, 0, 2, 0, 0}), {4, 8, 3, 7, 2, 3}},
        {{3, 3}, 0, i32({2, 3}, {-1, -2, 0, -2, 0, 0}), {7, 5, 3, 4, 2, 3}},
        {{2, 3}, -1, i64({1, 2}, {2, 0}), {3, 1}},  // indices smaller than data on the other axis
    };
    for (int64_t opset : {11, 13})
      for (const Case& c : cases) {
        ModelBuilder b(opset);
        b.input("data", c.data).output("y").initializer("idx", c.indices);
        setInt(b.node("GatherElements", "ge", {"data", "idx"}, {"y"}), "axis", c.axis);
        ImportResult r = importModel(b.model());
        NEST_SAME_TENSORS({f32(c.indices.shape(), c.expected)}, runGraph(r.graph, {ramp(c.data, 1, 1)}));
      }
    // Indices computed at run time; one out of range fails the run naming the node.
    ModelBuilder rt(13);
    rt.input("data", {3, 3}).input("idx", {1, 3}, kI64).output("y");
    rt.node("GatherElements", "ge", {"data", "idx"}, {"y"});
    ImportResult r = importModel(rt.model());
    NEST_SAME_TENSORS({f32({1, 3}, {7, 2, 6})}, runGraph(r.graph, {ramp({3, 3}, 1, 1), i64({1, 3}, {2, 0, 1})}));
    NEST_SAME_TEXT(runError(r.graph, {ramp({3, 3}, 1, 1), i64({1, 3}, {2, 3, 1})}),
             std::string("node 'ge' (GatherElements): index 3 is out of range for axis 0 of size 3"));
    ModelBuilder rank(13);
    rank.input("data", {3, 3}).input("idx", {3}, kI64).output("y");
    rank.node("GatherElements", "ge", {"data", "idx"}, {"y"});
    NEST_SAME_TEXT(badInput(rank.model()), std::string("node 'ge' (GatherElements): indices 3 must have the rank of data 3x3"));
    ModelBuilder big(13);
    big.input("data", {3, 3}).input("idx", {2, 4}, kI64).output("y");
    big.node("GatherElements", "ge", {"data", "idx"}, {"y"});
    NEST_SAME_TEXT(badInput(big.model()),
             std::string("node 'ge' (GatherElements): indices 2x4 exceed data 3x3 on axis 1 (only axis 0 is indexed)"));
    ModelBuilder floatIdx(13);
    floatIdx.input("data", {3, 3}).input("idx", {3, 3}).output("y");
    floatIdx.node("GatherElements", "ge", {"data", "idx"}, {"y"});
    NEST_SAME_TEXT(badInput(floatIdx.model()), std::string("node 'ge' (GatherElements): indices must be i32 or i64, not f32"));
  }

  // ---------------------------------------------------------------------------------------------
  // GatherND-11, -12 (batch_dims) and -13 (the examples of the ONNX operator documentation).

  void gatherND() {
    struct Case {
      int64_t minOpset, batchDims;
      Shape data;
      Tensor indices;
      Shape out;
      std::vector<int32_t> expected;
    };
    const std::vector<Case> cases = {
        {11, 0, {2, 2}, i64({2, 2}, {0, 0, 1, 1}), {2}, {0, 3}},
        {11, 0, {2, 2}, i64({2, 1}, {1, 0}), {2, 2}, {2, 3, 0, 1}},
        {11, 0, {2, 2, 2}, i64({2, 2}, {0, 1, 1, 0}), {2, 2}, {2, 3, 4, 5}},
        {11, 0, {2, 2, 2}, i64({2, 1, 2}, {0, 1, 1, 0}), {2, 1, 2}, {2, 3, 4, 5}},
        {11, 0, {2, 2, 2}, i64({1, 3}, {-1, 0, -1}), {1}, {5}},
        {12, 1, {2, 2, 2}, i64({2, 1}, {1, 0}), {2, 2}, {2, 3, 4, 5}},
        {12, 1, {2, 3, 2}, i64({2, 2, 2}, {0, 1, 2, 0, 1, 1, 0, 0}), {2, 2}, {1, 4, 9, 6}},
    };
    for (int64_t opset : {11, 12, 13})
      for (const Case& c : cases) {
        if (opset < c.minOpset) continue;
        ModelBuilder b(opset);
        b.input("data", c.data, kI32).output("y").initializer("idx", c.indices);
        auto& n = b.node("GatherND", "gnd", {"data", "idx"}, {"y"});
        if (c.batchDims) setInt(n, "batch_dims", c.batchDims);
        ImportResult r = importModel(b.model());
        std::vector<int32_t> data(static_cast<size_t>(numElements(c.data)));
        for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<int32_t>(i);
        NEST_SAME_TENSORS({i32(c.out, c.expected)}, runGraph(r.graph, {i32(c.data, data)}));
      }
    struct Bad {
      int64_t batchDims;
      Shape data, indices;
      const char* message;
    };
    const std::vector<Bad> bad = {
        {1, {2, 2, 2}, {3, 1}, "the first 1 dimensions of data 2x2x2 and indices 3x1 must be equal (batch_dims)"},
        {0, {2, 2}, {2, 3}, "the last dimension of indices 2x3 must be in [1, 2] for data 2x2 with batch_dims 0"},
        {2, {2, 2}, {2, 1}, "batch_dims 2 must be in [0, 1] for data 2x2 and indices 2x1"},
    };
    for (const Bad& c : bad) {
      ModelBuilder b(13);
      b.input("data", c.data).input("idx", c.indices, kI64).output("y");
      setInt(b.node("GatherND", "gnd", {"data", "idx"}, {"y"}), "batch_dims", c.batchDims);
      NEST_SAME_TEXT(badInput(b.model()), "node 'gnd' (GatherND): " + std::string(c.message));
    }
    ModelBuilder range(13);
    range.input("data", {2, 2}).input("idx", {1, 2}, kI64).output("y");
    range.node("GatherND", "gnd", {"data", "idx"}, {"y"});
    NEST_SAME_TEXT(runError(importModel(range.model()).graph, {ramp({2, 2}), i64({1, 2}, {0, -3})}),
             std::string("node 'gnd' (GatherND): index -3 is out of range for axis 1 of size 2"));
  }

  // ---------------------------------------------------------------------------------------------
  // ScatterND-11, -13, -16 (reduction add / mul) and -18 (max / min).

  void scatterND() {
    // The first example of the ONNX operator documentation, at every opset.
    for (int64_t opset : {11, 13, 16, 18}) {
      ModelBuilder b(opset);
      b.input("data", {8}).output("y").initializer("idx", i64({4, 1}, {4, 3, 1, 7})).initializer("upd", f32({4}, {9, 10, 11, 12}));
      b.node("ScatterND", "sc", {"data", "idx", "upd"}, {"y"});
      NEST_SAME_TENSORS({f32({8}, {1, 11, 3, 10, 9, 6, 7, 12})}, runGraph(importModel(b.model()).graph, {ramp({8}, 1, 1)}));
    }
    // Slices: indices [1, 1] of [2,2,2] replace data[1] (a [2] row) ... and a negative index.
    ModelBuilder rows(13);
    rows.input("data", {2, 2, 2}, kI64).output("y").initializer("idx", i64({2, 2}, {1, 0, -2, 1})).initializer("upd", i64({2, 2}, {-1, -2, -3, -4}));
    rows.node("ScatterND", "sc", {"data", "idx", "upd"}, {"y"});
    NEST_SAME_TENSORS({i64({2, 2, 2}, {0, 1, -3, -4, -1, -2, 6, 7})},
                      runGraph(importModel(rows.model()).graph, {i64({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7})}));
    // Reductions combine duplicates: data 1..8, updates 5 and 6 both at index 0, and 2 at index 3.
    struct Red {
      int64_t opset;
      const char* reduction;
      std::vector<float> expected;
    };
    const std::vector<Red> reds = {
        {16, "add", {12, 2, 3, 6, 5, 6, 7, 8}},
        {16, "mul", {30, 2, 3, 8, 5, 6, 7, 8}},
        {18, "max", {6, 2, 3, 4, 5, 6, 7, 8}},
        {18, "min", {1, 2, 3, 2, 5, 6, 7, 8}},
        {16, "none", {6, 2, 3, 2, 5, 6, 7, 8}},  // in order: the last write wins
    };
    for (const Red& c : reds) {
      ModelBuilder b(c.opset);
      b.input("data", {8}).output("y").initializer("idx", i64({3, 1}, {0, 0, 3})).initializer("upd", f32({3}, {5, 6, 2}));
      setString(b.node("ScatterND", "sc", {"data", "idx", "upd"}, {"y"}), "reduction", c.reduction);
      NEST_SAME_TENSORS({f32({8}, c.expected)}, runGraph(importModel(b.model()).graph, {ramp({8}, 1, 1)}));
    }
    struct Bad {
      Shape data, indices, updates;
      const char* reduction;
      const char* message;
    };
    const std::vector<Bad> bad = {
        {{4, 4}, {2, 1}, {2, 3}, "none", "updates 2x3 must have shape 2x4 (indices.shape[:-1] + data.shape[1:])"},
        {{4, 4}, {2, 3}, {2}, "none", "the last dimension of indices 2x3 must be in [1, 2] for data 4x4"},
        {{4}, {1, 1}, {1}, "sub", "reduction must be \"none\", \"add\", \"mul\", \"max\" or \"min\", got \"sub\""},
    };
    for (const Bad& c : bad) {
      ModelBuilder b(16);
      b.input("data", c.data).input("idx", c.indices, kI64).input("upd", c.updates).output("y");
      setString(b.node("ScatterND", "sc", {"data", "idx", "upd"}, {"y"}), "reduction", c.reduction);
      NEST_SAME_TEXT(badInput(b.model()), "node 'sc' (ScatterND): " + std::string(c.message));
    }
    ModelBuilder mixed(16);
    mixed.input("data", {4}).input("idx", {1, 1}, kI64).input("upd", {1}, kI64).output("y");
    mixed.node("ScatterND", "sc", {"data", "idx", "upd"}, {"y"});
    NEST_SAME_TEXT(badInput(mixed.model()), std::string("node 'sc' (ScatterND): updates are i64[1] but data is f32[4]"));
    ModelBuilder range(16);
    range.input("data", {4}).input("idx", {1, 1}, kI64).input("upd", {1}).output("y");
    range.node("ScatterND", "sc", {"data", "idx", "upd"}, {"y"});
    NEST_SAME_TEXT(runError(importModel(range.model()).graph, {ramp({4}), i64({1, 1}, {4}), f32({1}, {1})}),
             std::string("node 'sc' (ScatterND): index 4 is out of range for axis 0 of size 4"));
  }

  // ---------------------------------------------------------------------------------------------
  // MatMul-9 / -13: batched with broadcast batch dimensions, and numpy's 1-D promotion.

  void matmulBatchedAndBroadcast() {
    const std::vector<std::pair<Shape, Shape>> cases = {
        {{2, 3, 4, 5}, {5, 6}}, {{4, 5}, {2, 5, 6}}, {{3, 1, 2, 4}, {2, 4, 3}}, {{2, 1, 3, 4}, {1, 5, 4, 2}},
        {{5}, {5, 6}},          {{2, 5}, {5}},       {{5}, {5}},             {{5}, {2, 5, 3}},
        {{2, 3, 5}, {5}},
    };
    for (int64_t opset : {9, 13})
      for (const auto& [as, bs] : cases) {
        ModelBuilder b(opset);
        b.input("a", as).input("b", bs).output("y");
        b.node("MatMul", "mm", {"a", "b"}, {"y"});
        ImportResult r = importModel(b.model());
        const Tensor a = ramp(as, 1, -7), bt = ramp(bs, 1, -3);
        const Tensor want = matmulReference(a, bt);
        QCOMPARE(typeToString(r.graph.typeOf("y")), typeToString(want.type()));
        NEST_SAME_TENSORS({want}, runGraph(r.graph, {a, bt}));
      }
    // Shapes pinned for the two the issue names.
    ModelBuilder b(13);
    b.input("a", {4, 5}).input("b", {2, 5, 6}).output("y");
    b.node("MatMul", "mm", {"a", "b"}, {"y"});
    QCOMPARE(typeToString(importModel(b.model()).graph.typeOf("y")), std::string("f32[2,4,6]"));
    ModelBuilder inner(13);
    inner.input("a", {2, 3}).input("b", {4, 5}).output("y");
    inner.node("MatMul", "mm", {"a", "b"}, {"y"});
    NEST_SAME_TEXT(badInput(inner.model()), std::string("node 'mm' (MatMul): cannot multiply 2x3 by 4x5 (inner dimensions differ)"));
    ModelBuilder batch(13);
    batch.input("a", {2, 3, 4}).input("b", {3, 4, 5}).output("y");
    batch.node("MatMul", "mm", {"a", "b"}, {"y"});
    NEST_SAME_TEXT(badInput(batch.model()), std::string("node 'mm' (MatMul): shapes cannot be broadcast together: 2 3"));
  }

  // ---------------------------------------------------------------------------------------------
  // Softmax / LogSoftmax on every axis of [2,3,4], negative ones too: opset 13 along the axis,
  // opset 11 over the input coerced to 2-D at the axis.

  void softmaxEveryAxis() {
    const Shape shape = {2, 3, 4};
    const Tensor x = ramp(shape, 0.25f, -1.0f);
    for (const char* op : {"Softmax", "LogSoftmax"})
      for (int64_t opset : {11, 13})
        for (int64_t axis = -3; axis <= 2; ++axis) {
          ModelBuilder b(opset);
          b.input("x", shape).output("y");
          setInt(b.node(op, "sm", {"x"}, {"y"}), "axis", axis);
          ImportResult r = importModel(b.model());
          const int64_t a = axis < 0 ? axis + 3 : axis;
          int64_t outer = 1, n = 1, inner = 1;
          for (int64_t d = 0; d < 3; ++d) (d < a ? outer : d == a ? n : inner) *= shape[d];
          const bool log = std::string(op) == "LogSoftmax";
          const Tensor want = opset >= 13 ? softmaxReference(x, outer, n, inner, log)
                                          : softmaxReference(x, outer, n * inner, 1, log);
          NEST_CLOSE(want, runGraph(r.graph, {x})[0]);
        }
    for (int64_t opset : {11, 13}) {
      ModelBuilder b(opset);
      b.input("x", shape).output("y");
      setInt(b.node("Softmax", "sm", {"x"}, {"y"}), "axis", -4);
      const std::string msg = badInput(b.model());
      NEST_CONTAINS(msg, "node 'sm' (Softmax)");
      NEST_CONTAINS(msg, "axis -4");
    }
  }
};

QTEST_APPLESS_MAIN(TestImporterTransformerOps)
#include "test_importer_transformer_ops.moc"
