// The recurrent ops (issue 17, "recurrent"): ONNX RNN, GRU and LSTM imported from hand-built models
// at opset 1, 7 and 14 and run through the interpreter: each direction, sequence_lens, initial
// states, peepholes, clip, input_forget, linear_before_reset 0 / 1, layout 1, every activation
// function with activation_alpha / activation_beta, omitted results, and the messages for bad
// operands and attributes. Expected values are tests/recurrent_reference.py's (numpy in float64 on
// the float32 operands, pinned as literals); torchLstm / torchGru pin torch.nn.LSTM / GRU's results
// with the weights reordered to ONNX's gate order.
#include "tests/test_support.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <tuple>

#include "core/onnx_export.h"
#include "core/text_ir.h"

#include "tests/onnx_model_builder.h"

using namespace nest;
using namespace nest::testing;

namespace {


constexpr int kF = onnx::TensorProto::FLOAT;

// Element k is ((37 k + 11 seed) mod 19 - 9) / 10 in float (recurrent_reference.py's pattern()).
Tensor pattern(const Shape& shape, int seed) {
  std::vector<float> v(static_cast<size_t>(numElements(shape)));
  for (size_t k = 0; k < v.size(); ++k)
    v[k] = static_cast<float>(static_cast<double>(static_cast<int64_t>((k * 37 + seed * 11) % 19) - 9) / 10.0);
  return f32(shape, v);
}

Tensor i32(const Shape& shape, const std::vector<int32_t>& v) { return Tensor::fromVector<int32_t>(ElemType::I32, shape, v); }

// A one-node RNN / GRU / LSTM model: X an input [S, N, I] (layout 1: [N, S, I]), W, R (and B,
// initial_h, initial_c, P when asked for) pattern() initializers of seeds 2, 3, 4, 5, 6, 7,
// sequence_lens an initializer when given; results y, yh (, yc) unless `results` says otherwise.
struct Spec {
  std::string op;
  int64_t S = 3, N = 2, I = 3, H = 2;
  std::string direction = "forward";
  bool bias = true, init = false, peep = false;
  int64_t layout = 0, opset = 14;
  std::vector<int32_t> seqLens = {};
  std::vector<std::string> results = {};
};

struct RecurrentModel {
  ModelBuilder b;
  onnx::NodeProto* node = nullptr;
  Spec s;
  explicit RecurrentModel(Spec spec) : b(spec.opset), s(std::move(spec)) {
    const int64_t D = s.direction == "bidirectional" ? 2 : 1, G = s.op == "LSTM" ? 4 : s.op == "GRU" ? 3 : 1;
    const bool lstm = s.op == "LSTM";
    b.input("x", xShape(), kF);
    b.initializer("w", pattern({D, G * s.H, s.I}, 2)).initializer("r", pattern({D, G * s.H, s.H}, 3));
    std::vector<std::string> operands = {"x", "w", "r", "", "", "", "", ""};
    if (s.bias) {
      b.initializer("b", pattern({D, 2 * G * s.H}, 4));
      operands[3] = "b";
    }
    if (!s.seqLens.empty()) {
      b.initializer("seq", i32({s.N}, s.seqLens));
      operands[4] = "seq";
    }
    const Shape state = s.layout ? Shape{s.N, D, s.H} : Shape{D, s.N, s.H};
    if (s.init) {
      b.initializer("h0", pattern(state, 5));
      operands[5] = "h0";
      if (lstm) {
        b.initializer("c0", pattern(state, 6));
        operands[6] = "c0";
      }
    }
    if (s.peep) {
      b.initializer("p", pattern({D, 3 * s.H}, 7));
      operands[7] = "p";
    }
    operands.resize(lstm ? 8 : 6);
    while (!operands.empty() && operands.back().empty()) operands.pop_back();
    if (s.results.empty()) s.results = lstm ? std::vector<std::string>{"y", "yh", "yc"} : std::vector<std::string>{"y", "yh"};
    for (const std::string& r : s.results)
      if (!r.empty()) b.output(r);
    node = &b.node(s.op, "n", operands, s.results);
    if (s.direction != "forward") setString(*node, "direction", s.direction);
    setInt(*node, "hidden_size", s.H);
    if (s.layout) setInt(*node, "layout", s.layout);
  }
  Shape xShape() const { return s.layout ? Shape{s.N, s.S, s.I} : Shape{s.S, s.N, s.I}; }
  Tensor x() const { return pattern(xShape(), 1); }
  std::vector<Tensor> run() { return runGraph(importModel(b.model()).graph, {x()}); }
};

void setStrings(onnx::NodeProto& n, const std::string& name, const std::vector<std::string>& v) {
  auto* a = addAttr(n, name, onnx::AttributeProto::STRINGS);
  for (const std::string& s : v) a->add_strings(s);
}

// The message of the BadInput error importing `m` gives.
std::string badInput(const onnx::ModelProto& m) {
  ErrorKind kind{};
  std::string msg = importError(m, &kind);
  return kind == ErrorKind::BadInput ? msg : "(not a BadInput error) " + msg;
}

}  // namespace

class TestImporterRecurrentOps : public QObject {
  Q_OBJECT

 private slots:
  // ---------------------------------------------------------------------------------------------
  // LSTM

  void lstmForward() {
    RecurrentModel m({.op = "LSTM", .init = true});
    ImportResult r = importModel(m.b.model());
    QCOMPARE(r.graph.nodes.size(), size_t{1});
    QCOMPARE(typeToString(r.graph.typeOf("y")), std::string("f32[3,1,2,2]"));
    QCOMPARE(typeToString(r.graph.typeOf("yh")), std::string("f32[1,2,2]"));
    QCOMPARE(typeToString(r.graph.typeOf("yc")), std::string("f32[1,2,2]"));
    std::vector<Tensor> out = runGraph(r.graph, {m.x()});
    NEST_CLOSE(f32({3, 1, 2, 2}, {-0.359599531f, 0.151448876f, -0.282611638f, 0.121278234f, -0.011448238f, 0.1910761f, 0.0604184642f, 0.149773896f, -0.21148175f, 0.226964548f, -0.17629452f, 0.239800796f}), out[0]);
    NEST_CLOSE(f32({1, 2, 2}, {-0.21148175f, 0.226964548f, -0.17629452f, 0.239800796f}), out[1]);
    NEST_CLOSE(f32({1, 2, 2}, {-0.261793852f, 0.366767377f, -0.244225055f, 0.437428296f}), out[2]);
  }

  // Opset 1 (output_sequence, no layout) and opset 7 import the same op.
  void lstmOlderOpsets() {
    for (int64_t opset : {1, 7}) {
      RecurrentModel m({.op = "LSTM", .init = true, .opset = opset});
      if (opset == 1) setInt(*m.node, "output_sequence", 1);
      std::vector<Tensor> out = m.run();
      NEST_CLOSE(f32({3, 1, 2, 2}, {-0.359599531f, 0.151448876f, -0.282611638f, 0.121278234f, -0.011448238f, 0.1910761f, 0.0604184642f, 0.149773896f, -0.21148175f, 0.226964548f, -0.17629452f, 0.239800796f}), out[0]);
      NEST_CLOSE(f32({1, 2, 2}, {-0.261793852f, 0.366767377f, -0.244225055f, 0.437428296f}), out[2]);
    }
  }

  void lstmReverseWithoutBiasOrStates() {
    RecurrentModel m({.op = "LSTM", .direction = "reverse", .bias = false});
    std::vector<Tensor> out = m.run();
    NEST_CLOSE(f32({3, 1, 2, 2}, {0.098686263f, -0.165858492f, 0.20327425f, -0.0477296449f, 0.13883841f, -0.0970635563f, 0.11314778f, -0.029156765f, -0.114567995f, -0.2641747f, -0.131379813f, -0.172024295f}), out[0]);
    NEST_CLOSE(f32({1, 2, 2}, {0.098686263f, -0.165858492f, 0.20327425f, -0.0477296449f}), out[1]);
    NEST_CLOSE(f32({1, 2, 2}, {0.180298313f, -0.324556351f, 0.530352831f, -0.104426824f}), out[2]);
  }

  // Batch entry 1 has length 1: its Y is zero from step 1 on, and Y_h / Y_c are its step-0 state
  // in both directions (the reverse direction starts at the entry's last valid step).
  void lstmBidirectionalWithSequenceLengths() {
    RecurrentModel m({.op = "LSTM", .direction = "bidirectional", .init = true, .seqLens = {3, 1}});
    std::vector<Tensor> out = m.run();
    NEST_CLOSE(f32({3, 2, 2, 2}, {-0.359599531f, 0.151448876f, -0.282611638f, 0.121278234f, 0.131895393f, -0.0547039434f, -0.343721092f, -0.361591071f, -0.011448238f, 0.1910761f, 0, 0, 0.188864365f, -0.028092077f, 0, 0, -0.21148175f, 0.226964548f, 0, 0, 0.424438328f, 0.105032943f, 0, 0}), out[0]);
    NEST_CLOSE(f32({2, 2, 2}, {-0.21148175f, 0.226964548f, -0.282611638f, 0.121278234f, 0.131895393f, -0.0547039434f, -0.343721092f, -0.361591071f}), out[1]);
    NEST_CLOSE(f32({2, 2, 2}, {-0.261793852f, 0.366767377f, -0.726564765f, 0.315970659f, 0.192496881f, -0.0882797018f, -0.553138077f, -0.608338535f}), out[2]);
    const std::vector<double> y = out[0].toDoubles();
    for (int64_t t = 1; t < 3; ++t)
      for (int64_t d = 0; d < 2; ++d)
        for (int64_t h = 0; h < 2; ++h) QCOMPARE(y[static_cast<size_t>(((t * 2 + d) * 2 + 1) * 2 + h)], 0.0);
  }

  // Peepholes P, clip 0.5 on every gate's input, input_forget (the forget gate is 1 - the input
  // gate, as onnxruntime computes it).
  void lstmPeepholesClipAndInputForget() {
    RecurrentModel m({.op = "LSTM", .init = true, .peep = true});
    setFloat(*m.node, "clip", 0.5f);
    setInt(*m.node, "input_forget", 1);
    std::vector<Tensor> out = m.run();
    NEST_CLOSE(f32({3, 1, 2, 2}, {-0.148451656f, 0.121792831f, -0.131381139f, 0.0742929652f, 0.0113283293f, 0.137466833f, 0.0564104132f, 0.104086034f, -0.0961930081f, 0.185837507f, -0.0501617007f, 0.222525254f}), out[0]);
    NEST_CLOSE(f32({1, 2, 2}, {-0.0961930081f, 0.185837507f, -0.0501617007f, 0.222525254f}), out[1]);
    NEST_CLOSE(f32({1, 2, 2}, {-0.155785158f, 0.307930976f, -0.0807614401f, 0.374009341f}), out[2]);
  }

  // layout 1: X [N, S, I], states [N, D, H], Y [N, S, D, H]; Y omitted (an empty name).
  void lstmLayoutOneWithoutY() {
    RecurrentModel m({.op = "LSTM", .direction = "bidirectional", .init = true, .layout = 1, .seqLens = {2, 3},
                      .results = {"", "yh", "yc"}});
    ImportResult r = importModel(m.b.model());
    QCOMPARE(typeToString(r.graph.typeOf("yh")), std::string("f32[2,2,2]"));
    std::vector<Tensor> out = runGraph(r.graph, {m.x()});
    QCOMPARE(out.size(), size_t{2});
    NEST_CLOSE(f32({2, 2, 2}, {-0.178556338f, 0.228702694f, -0.0863504708f, -0.105915047f, -0.290296078f, 0.23397918f, 0.312922299f, 0.10279198f}), out[0]);
    NEST_CLOSE(f32({2, 2, 2}, {-0.440256447f, 0.58133769f, -0.137864664f, -0.181243852f, -0.419795781f, 0.419489682f, 0.503789067f, 0.137465388f}), out[1]);
    // And Y itself, the only result.
    RecurrentModel y({.op = "LSTM", .direction = "bidirectional", .init = true, .layout = 1, .seqLens = {2, 3},
                      .results = {"y"}});
    std::vector<Tensor> yo = y.run();
    QCOMPARE(yo.size(), size_t{1});
    NEST_CLOSE(f32({2, 3, 2, 2}, {-0.359599531f, 0.151448876f, -0.0863504708f, -0.105915047f, -0.178556338f, 0.228702694f, -0.310796291f, -0.307179481f, 0, 0, 0, 0, 0.0149477767f, 0.0390478857f, 0.312922299f, 0.10279198f, -0.168894768f, 0.112330779f, 0.472677678f, 0.17296195f, -0.290296078f, 0.23397918f, 0.16874446f, -0.0261611976f}), yo[0]);
  }

  // f HardSigmoid (alpha 0.3, beta 0.6), g Softsign, h ScaledTanh (alpha 0.8, beta 1.5): the
  // values are consumed in order by the functions that take them.
  void lstmActivations() {
    RecurrentModel m({.op = "LSTM", .init = true});
    setStrings(*m.node, "activations", {"HardSigmoid", "Softsign", "ScaledTanh"});
    setFloats(*m.node, "activation_alpha", {0.3f, 0.8f});
    setFloats(*m.node, "activation_beta", {0.6f, 1.5f});
    std::vector<Tensor> out = m.run();
    NEST_CLOSE(f32({3, 1, 2, 2}, {-0.407470584f, 0.176254034f, -0.317002833f, 0.121159531f, -0.0211022943f, 0.223107874f, 0.0332163647f, 0.165017456f, -0.250640333f, 0.296765178f, -0.23522158f, 0.298927784f}), out[0]);
    NEST_CLOSE(f32({1, 2, 2}, {-0.216133907f, 0.345238596f, -0.224204719f, 0.396889776f}), out[2]);
  }

  // ---------------------------------------------------------------------------------------------
  // GRU

  void gruForwardLinearBeforeResetZeroAndOne() {
    for (int64_t lbr : {0, 1}) {
      RecurrentModel m({.op = "GRU", .init = true});
      setInt(*m.node, "linear_before_reset", lbr);
      std::vector<Tensor> out = m.run();
      QCOMPARE(out.size(), size_t{2});
      if (lbr == 0) {
        NEST_CLOSE(f32({3, 1, 2, 2}, {0.0245139487f, 0.268160641f, 0.117663287f, 0.162385643f, -0.0508287176f, 0.183775917f, 0.0379933827f, 0.280360699f, -0.113539539f, -0.0780079067f, -0.136200428f, -0.0212988555f}), out[0]);
        NEST_CLOSE(f32({1, 2, 2}, {-0.113539539f, -0.0780079067f, -0.136200428f, -0.0212988555f}), out[1]);
      } else {
        NEST_CLOSE(f32({3, 1, 2, 2}, {-0.109845974f, 0.239992201f, -0.029315915f, 0.0841740966f, -0.289111257f, 0.0342838578f, -0.201972276f, 0.0947869793f, -0.116487674f, -0.204532817f, -0.199087679f, -0.173515871f}), out[0]);
        NEST_CLOSE(f32({1, 2, 2}, {-0.116487674f, -0.204532817f, -0.199087679f, -0.173515871f}), out[1]);
      }
    }
  }

  // GRU-3 (opset 3 added linear_before_reset) and GRU-1 without it.
  void gruOlderOpsets() {
    RecurrentModel m3({.op = "GRU", .init = true, .opset = 3});
    setInt(*m3.node, "linear_before_reset", 1);
    NEST_CLOSE(f32({1, 2, 2}, {-0.116487674f, -0.204532817f, -0.199087679f, -0.173515871f}), m3.run()[1]);
    RecurrentModel m1({.op = "GRU", .init = true, .opset = 1});
    setInt(*m1.node, "output_sequence", 1);
    NEST_CLOSE(f32({3, 1, 2, 2}, {0.0245139487f, 0.268160641f, 0.117663287f, 0.162385643f, -0.0508287176f, 0.183775917f, 0.0379933827f, 0.280360699f, -0.113539539f, -0.0780079067f, -0.136200428f, -0.0212988555f}), m1.run()[0]);
  }

  void gruBidirectionalWithSequenceLengths() {
    RecurrentModel m({.op = "GRU", .direction = "bidirectional", .init = true, .seqLens = {2, 3}});
    setInt(*m.node, "linear_before_reset", 1);
    std::vector<Tensor> out = m.run();
    NEST_CLOSE(f32({3, 2, 2, 2}, {-0.109845974f, 0.239992201f, -0.029315915f, 0.0841740966f, -0.0449490212f, -0.167140052f, -0.151925012f, -0.144718617f, -0.289111257f, 0.0342838578f, -0.201972276f, 0.0947869793f, 0.172765985f, 0.164940536f, -0.104778253f, -0.0944228545f, 0, 0, -0.199087679f, -0.173515871f, 0, 0, -0.0808919892f, -0.391493291f}), out[0]);
    NEST_CLOSE(f32({2, 2, 2}, {-0.289111257f, 0.0342838578f, -0.199087679f, -0.173515871f, -0.0449490212f, -0.167140052f, -0.151925012f, -0.144718617f}), out[1]);
  }

  // Reverse, f HardSigmoid (0.3, 0.4), g LeakyRelu (0.2), clip 0.7; only Y_h wanted.
  void gruReverseActivationsClipOnlyYh() {
    RecurrentModel m({.op = "GRU", .direction = "reverse", .results = {"", "yh"}});
    setStrings(*m.node, "activations", {"HardSigmoid", "LeakyRelu"});
    setFloats(*m.node, "activation_alpha", {0.3f, 0.2f});
    setFloats(*m.node, "activation_beta", {0.4f});
    setFloat(*m.node, "clip", 0.7f);
    std::vector<Tensor> out = m.run();
    QCOMPARE(out.size(), size_t{1});
    NEST_CLOSE(f32({1, 2, 2}, {-0.0179984346f, 0.0120264385f, -0.0221679118f, 0.121273853f}), out[0]);
  }

  // ---------------------------------------------------------------------------------------------
  // RNN

  void rnnForward() {
    RecurrentModel m({.op = "RNN", .init = true});
    std::vector<Tensor> out = m.run();
    NEST_CLOSE(f32({3, 1, 2, 2}, {-0.300437123f, -0.610676825f, 0.13909246f, -0.78180635f, -0.123850144f, -0.944938421f, 0.576245666f, -0.958297372f, -0.99396199f, -0.63879931f, -0.958343327f, -0.657720625f}), out[0]);
    NEST_CLOSE(f32({1, 2, 2}, {-0.99396199f, -0.63879931f, -0.958343327f, -0.657720625f}), out[1]);
  }

  // One function per direction: Elu (alpha 0.5) forward, Affine (1.5, -0.25) reverse.
  void rnnBidirectionalActivationsPerDirection() {
    RecurrentModel m({.op = "RNN", .direction = "bidirectional", .seqLens = {1, 3}});
    setStrings(*m.node, "activations", {"Elu", "Affine"});
    setFloats(*m.node, "activation_alpha", {0.5f, 1.5f});
    setFloats(*m.node, "activation_beta", {-0.25f});
    std::vector<Tensor> out = m.run();
    NEST_CLOSE(f32({3, 2, 2, 2}, {-0.314211667f, -0.331891745f, -0.151161835f, -0.367761374f, -2.3499999f, 0.0649999529f, -3.90557504f, 0.747874975f, 0, 0, 0.67731452f, -0.427346081f, 0, 0, -4.97049999f, -1.14100003f, 0, 0, -0.405147135f, -0.23957023f, 0, 0, -1.26999986f, 0.604999959f}), out[0]);
    NEST_CLOSE(f32({2, 2, 2}, {-0.314211667f, -0.331891745f, -0.405147135f, -0.23957023f, -2.3499999f, 0.0649999529f, -3.90557504f, 0.747874975f}), out[1]);
  }

  // Every activation function with its default alpha / beta (names ignore case).
  void rnnEveryActivation() {
    const std::vector<std::pair<std::string, std::vector<float>>> cases = {
        {"Sigmoid", {0.270912081f, 0.222700134f, 0.376257479f, 0.313418329f}},
        {"tanh", {-0.757362306f, -0.848283648f, -0.89529562f, -0.863480151f}},
        {"Relu", {0, 0, 0, 0}},
        {"Affine", {-0.99000001f, -1.25f, -1.72500002f, -1.45700002f}},
        {"LeakyRelu", {-0.00989999995f, -0.0125000002f, -0.00739950035f, -0.00915470067f}},
        {"ThresholdedRelu", {0, 0, 0, 0}},
        {"ScaledTanh", {-0.757362306f, -0.848283648f, -0.89529562f, -0.863480151f}},
        {"HARDSIGMOID", {0.301999986f, 0.25f, 0.404199988f, 0.34612f}},
        {"Elu", {-0.628423333f, -0.713495195f, -0.735419512f, -0.710970402f}},
        {"Softsign", {-0.497487456f, -0.555555582f, -0.545654058f, -0.53924638f}},
        {"Softplus", {0.315960944f, 0.251929075f, 0.485029429f, 0.382138431f}},
    };
    for (const auto& [name, want] : cases) {
      RecurrentModel m({.op = "RNN", .S = 2, .N = 1, .I = 2, .H = 2});
      setStrings(*m.node, "activations", {name});
      std::vector<Tensor> out = m.run();
      std::optional<std::string> d = compareTensors(f32({2, 1, 1, 2}, want), out[0], Tolerance{1e-6, 1e-6});
      NEST_VERIFY(!d, name + ": " + d.value_or(""));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Against torch.nn (weights reordered from ONNX's gate order): a bidirectional LSTM with initial
  // states and a GRU with linear_before_reset 1 (torch's GRU).

  void torchLstm() {
    RecurrentModel m({.op = "LSTM", .S = 4, .N = 2, .I = 3, .H = 3, .direction = "bidirectional", .init = true});
    std::vector<Tensor> out = m.run();
    NEST_CLOSE(f32({4, 2, 2, 3}, {-0.057599768f, -0.0419936962f, -0.0440974087f, -0.098748669f, -0.086133875f, -0.118324958f, 0.186071843f, 0.113423496f, 0.197519034f, 0.0779085085f, 0.14148812f, 0.176466614f, -0.104978062f, -0.12794584f, 0.000254293409f, -0.160909399f, -0.157781556f, -0.0054579787f, 0.0513371825f, 0.0708062947f, 0.161528438f, -0.0416802727f, 0.0552812591f, 0.0975336954f, 0.064887464f, 0.0254162438f, -0.0604613088f, 0.0586917438f, -0.00708797295f, -0.049812831f, 0.0834608227f, 0.0220031571f, 0.255739838f, 0.101526856f, 0.11164429f, 0.221534565f, 0.0869795084f, 0.0242264811f, -0.123978436f, 0.0350044705f, -0.00388948061f, -0.0783941448f, -0.018196322f, -0.0522901118f, 0.0246228762f, -0.089033328f, 0.331727177f, 0.319496989f}), out[0]);
    NEST_CLOSE(f32({2, 2, 3}, {0.0869795084f, 0.0242264811f, -0.123978436f, 0.0350044705f, -0.00388948061f, -0.0783941448f, 0.186071843f, 0.113423496f, 0.197519034f, 0.0779085085f, 0.14148812f, 0.176466614f}), out[1]);
    NEST_CLOSE(f32({2, 2, 3}, {0.207601994f, 0.0727198273f, -0.508828282f, 0.0965878367f, -0.0114953835f, -0.254366457f, 0.311627418f, 0.219644129f, 0.410726488f, 0.151499823f, 0.287962198f, 0.340747654f}), out[2]);
  }

  void torchGru() {
    RecurrentModel m({.op = "GRU", .S = 4, .N = 2, .I = 3, .H = 3, .init = true});
    setInt(*m.node, "linear_before_reset", 1);
    std::vector<Tensor> out = m.run();
    NEST_CLOSE(f32({4, 1, 2, 3}, {0.430128396f, 0.660401225f, 0.640164256f, 0.33244136f, 0.567869306f, 0.277906448f, 0.404640138f, 0.752412856f, -0.189778745f, 0.351129591f, 0.767249346f, -0.600695789f, -0.542685986f, 0.569684565f, 0.0567454696f, -0.383175135f, 0.62672478f, -0.155697286f, -0.690266669f, 0.538802326f, 0.384916127f, -0.448037803f, 0.648276269f, 0.208674014f}), out[0]);
    NEST_CLOSE(f32({1, 2, 3}, {-0.690266669f, 0.538802326f, 0.384916127f, -0.448037803f, 0.648276269f, 0.208674014f}), out[1]);
  }

  // float16 and float64 operands: the same arithmetic (in double), the results rounded once.
  void otherFloatTypes() {
    for (ElemType e : {ElemType::F16, ElemType::F64}) {
      ModelBuilder b(14);
      const int onnxType = e == ElemType::F16 ? onnx::TensorProto::FLOAT16 : onnx::TensorProto::DOUBLE;
      b.input("x", {3, 2, 3}, onnxType);
      b.initializer("w", convertTensor(pattern({1, 4, 3}, 2), e)).initializer("r", convertTensor(pattern({1, 4, 1}, 3), e));
      b.output("y");
      b.node("LSTM", "n", {"x", "w", "r"}, {"y"});
      ImportResult r = importModel(b.model());
      QCOMPARE(typeToString(r.graph.typeOf("y")), std::string(e == ElemType::F16 ? "f16[3,1,2,1]" : "f64[3,1,2,1]"));
      std::vector<Tensor> out = runGraph(r.graph, {convertTensor(pattern({3, 2, 3}, 1), e)});
      QCOMPARE(out[0].elem(), e);
      // The same model in float32, its result converted.
      ModelBuilder fb(14);
      fb.input("x", {3, 2, 3}, kF);
      fb.initializer("w", pattern({1, 4, 3}, 2)).initializer("r", pattern({1, 4, 1}, 3));
      fb.output("y");
      fb.node("LSTM", "n", {"x", "w", "r"}, {"y"});
      Tensor want = runGraph(importModel(fb.model()).graph, {pattern({3, 2, 3}, 1)})[0];
      std::optional<std::string> d = compareTensors(convertTensor(want, ElemType::F64), convertTensor(out[0], ElemType::F64),
                                                    e == ElemType::F16 ? Tolerance{1e-3, 1e-3} : Tolerance{1e-6, 1e-6});
      NEST_VERIFY(!d, d.value_or(""));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Errors, named by node.

  void badShapesAndAttributes() {
    auto withW = [](const Shape& w) {
      auto m = std::make_unique<RecurrentModel>(Spec{.op = "LSTM"});
      m->b.model().mutable_graph()->mutable_initializer(0)->Clear();
      tensorToProto(pattern(w, 2), "w", *m->b.model().mutable_graph()->mutable_initializer(0));
      return m;
    };
    NEST_SAME_TEXT(badInput(withW({1, 8, 2})->b.model()), "node 'n' (LSTM): W must be [num_directions, 4*hidden_size, input_size] = 1x8x3, got 1x8x2");
    {
      RecurrentModel m({.op = "GRU", .init = true, .layout = 1});
      m.b.model().mutable_graph()->mutable_initializer(3)->Clear();  // h0, given as [D, N, H]
      tensorToProto(pattern({1, 2, 2}, 5), "h0", *m.b.model().mutable_graph()->mutable_initializer(3));
      NEST_SAME_TEXT(badInput(m.b.model()), "node 'n' (GRU): initial_h must be [batch_size, num_directions, hidden_size] = 2x1x2, got 1x2x2");
    }
    {
      RecurrentModel m({.op = "RNN"});
      m.b.model().mutable_graph()->mutable_initializer(2)->Clear();  // b [1, 3]
      tensorToProto(pattern({1, 3}, 4), "b", *m.b.model().mutable_graph()->mutable_initializer(2));
      NEST_SAME_TEXT(badInput(m.b.model()), "node 'n' (RNN): B must be [num_directions, 2*hidden_size] = 1x4, got 1x3");
    }
    {
      ModelBuilder b(14);
      b.input("x", {3, 2}, kF).initializer("w", pattern({1, 4, 2}, 2)).initializer("r", pattern({1, 4, 1}, 3)).output("y");
      b.node("LSTM", "n", {"x", "w", "r"}, {"y"});
      NEST_SAME_TEXT(badInput(b.model()), "node 'n' (LSTM): X must have rank 3 ([seq_length, batch_size, input_size]), got 3x2");
    }
    {
      RecurrentModel m({.op = "LSTM"});
      m.node->mutable_attribute(0)->set_i(3);  // hidden_size
      NEST_SAME_TEXT(badInput(m.b.model()), "node 'n' (LSTM): hidden_size is 3 but R 1x8x2 has hidden size 2");
    }
    {
      RecurrentModel m({.op = "GRU"});
      setString(*m.node, "direction", "both");
      NEST_SAME_TEXT(badInput(m.b.model()), "node 'n' (GRU): direction must be forward, reverse or bidirectional, got 'both'");
    }
    {
      RecurrentModel m({.op = "GRU"});
      setStrings(*m.node, "activations", {"Sigmoid", "Swish"});
      NEST_SAME_TEXT(badInput(m.b.model()), "node 'n' (GRU): unknown activation 'Swish' (Sigmoid, Tanh, Relu, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign or Softplus)");
    }
    {
      RecurrentModel m({.op = "LSTM", .direction = "bidirectional"});
      setStrings(*m.node, "activations", {"Sigmoid", "Tanh", "Tanh", "Sigmoid"});
      NEST_SAME_TEXT(badInput(m.b.model()), "node 'n' (LSTM): activations lists 4 functions, LSTM takes 3 per direction (6 for 2 directions)");
    }
    {
      RecurrentModel m({.op = "RNN"});
      setStrings(*m.node, "activations", {"LeakyRelu"});
      setFloats(*m.node, "activation_alpha", {0.1f, 0.2f});
      NEST_SAME_TEXT(badInput(m.b.model()), "node 'n' (RNN): activation_alpha / activation_beta have 2 / 0 values, the activations take 1 / 0");
    }
    {
      RecurrentModel m({.op = "RNN"});
      setInt(*m.node, "layout", 2);
      NEST_SAME_TEXT(badInput(m.b.model()), "node 'n' (RNN): layout must be 0 or 1, got 2");
    }
    {
      RecurrentModel m({.op = "GRU"});
      setFloat(*m.node, "clip", -1.0f);
      NEST_SAME_TEXT(badInput(m.b.model()), "node 'n' (GRU): clip must be positive, got -1.0");
    }
    {
      RecurrentModel m({.op = "GRU"});
      setInt(*m.node, "linear_before_reset", 2);
      NEST_SAME_TEXT(badInput(m.b.model()), "node 'n' (GRU): linear_before_reset must be 0 or 1, got 2");
    }
    {
      RecurrentModel m({.op = "RNN", .seqLens = {3, 1}});
      m.b.model().mutable_graph()->mutable_initializer(3)->Clear();  // seq as i64
      tensorToProto(i64({2}, {3, 1}), "seq", *m.b.model().mutable_graph()->mutable_initializer(3));
      NEST_SAME_TEXT(badInput(m.b.model()), "node 'n' (RNN): sequence_lens must be i32, got i64");
    }
    {
      ModelBuilder b(14);
      b.input("x", {3, 2, 3}, kF).initializer("w", pattern({1, 4, 3}, 2)).initializer("r", pattern({1, 4, 2}, 3));
      b.initializer("b", convertTensor(pattern({1, 16}, 4), ElemType::F64)).output("y");
      b.node("LSTM", "n", {"x", "w", "r", "b"}, {"y"});
      NEST_SAME_TEXT(badInput(b.model()), "node 'n' (LSTM): B is f64, X is f32");
    }
  }

  // sequence_lens computed at run time: a length outside [0, seq_length] fails when the node runs.
  void sequenceLengthOutOfRange() {
    ModelBuilder b(14);
    b.input("x", {3, 2, 3}, kF).input("seq", {2}, onnx::TensorProto::INT32);
    b.initializer("w", pattern({1, 2, 3}, 2)).initializer("r", pattern({1, 2, 2}, 3)).output("y");
    b.node("RNN", "n", {"x", "w", "r", "", "seq"}, {"y"});
    ImportResult r = importModel(b.model());
    ErrorKind kind{};
    const std::string msg = errorOf([&] { runGraph(r.graph, {pattern({3, 2, 3}, 1), i32({2}, {3, 4})}); }, &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_SAME_TEXT(msg, "node 'n' (RNN): sequence_lens[1] is 4, outside [0, 3] (seq_length 3)");
    // Length 0: Y is zero and Y_h the initial state (zero here).
    std::vector<Tensor> out = runGraph(r.graph, {pattern({3, 2, 3}, 1), i32({2}, {0, 0})});
    QCOMPARE(out[0].toDoubles(), std::vector<double>(12, 0.0));
  }

  // Export writes the nodes back as themselves (omitted operands as empty names), which pass
  // ONNX's checker and strict shape inference and import again to the same results; the text IR
  // round trip (the activations as a string list) gives the same text.
  void exportAndTextRoundTrips() {
    RecurrentModel lstm({.op = "LSTM", .direction = "bidirectional", .init = true, .peep = true, .layout = 1,
                         .seqLens = {2, 3}, .results = {"", "yh", "yc"}});
    setStrings(*lstm.node, "activations", {"HardSigmoid", "Tanh", "Softsign"});
    setFloats(*lstm.node, "activation_alpha", {0.3f});
    setFloat(*lstm.node, "clip", 2.0f);
    RecurrentModel gru({.op = "GRU", .bias = false, .seqLens = {1, 3}});
    setInt(*gru.node, "linear_before_reset", 1);
    for (RecurrentModel* m : {&lstm, &gru}) {
      Graph g = importModel(m->b.model()).graph;
      onnx::ModelProto out = exportOnnxModel(g);
      onnx::checker::check_model(out);
      onnx::ModelProto inferred = out;
      onnx::ShapeInferenceOptions options{true, 1, false};
      onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(), options);
      Graph back = importModel(out).graph;
      NEST_SAME_TENSORS(runGraph(g, {m->x()}), runGraph(back, {m->x()}));
      const std::string text = printGraph(g);
      QCOMPARE(printGraph(parseGraph(text, blobsOf(g))), text);
    }
  }

  // The op table: MAC estimate (every step of every direction: gate rows x (input + hidden)).
  void macEstimate() {
    RecurrentModel m({.op = "LSTM", .direction = "bidirectional"});
    ImportResult r = importModel(m.b.model());
    const Node& n = r.graph.nodes[0];
    const OpDef* d = OpTable::instance().find("LSTM");
    std::vector<const TensorType*> in, out;
    for (const std::string& v : n.inputs) in.push_back(v.empty() ? nullptr : &r.graph.typeOf(v));
    QCOMPARE(d->macs(n, in, out), int64_t{3 * 2 * 2 * 8 * (3 + 2)});
  }
};

QTEST_APPLESS_MAIN(TestImporterRecurrentOps)
#include "test_importer_recurrent_ops.moc"
