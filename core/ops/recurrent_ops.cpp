// The recurrent ops (issue 17): RNN, GRU and LSTM with ONNX's semantics at every opset form (1, 3,
// 7, 14; the opset-1 `output_sequence` only said whether Y is wanted, which an empty result name
// says too). Operands X, W, R, B, sequence_lens, initial_h (, initial_c, P for LSTM); results Y,
// Y_h (, Y_c for LSTM), each optional. direction forward / reverse / bidirectional; layout 0
// ([seq, batch, ...]) or 1 ([batch, seq, ...], opset 14); per-batch sequence_lens: Y is zero past a
// sequence's length, Y_h / Y_c hold its last valid step (the initial state for length 0); `clip`
// bounds every gate's input; LSTM input_forget couples the forget gate to the input gate (f = 1 -
// i); GRU linear_before_reset applies the reset gate after the recurrence product. The reference
// kernel computes in double (float16 and float results rounded once).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include "core/ops/op_helpers.h"
#include "core/text_format.h"
#include "core/ops/recurrent.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace recurrent {

namespace {

struct ActivationInfo {
  Activation kind;
  const char* name;
  bool takesAlpha, takesBeta;
  double alpha, beta;  // ONNX's defaults
};

constexpr ActivationInfo kActivations[] = {
    {Activation::Sigmoid, "Sigmoid", false, false, 0, 0},
    {Activation::Tanh, "Tanh", false, false, 0, 0},
    {Activation::Relu, "Relu", false, false, 0, 0},
    {Activation::Affine, "Affine", true, true, 1.0, 0.0},
    {Activation::LeakyRelu, "LeakyRelu", true, false, 0.01, 0},
    {Activation::ThresholdedRelu, "ThresholdedRelu", true, false, 1.0, 0},
    {Activation::ScaledTanh, "ScaledTanh", true, true, 1.0, 1.0},
    {Activation::HardSigmoid, "HardSigmoid", true, true, 0.2, 0.5},
    {Activation::Elu, "Elu", true, false, 1.0, 0},
    {Activation::Softsign, "Softsign", false, false, 0, 0},
    {Activation::Softplus, "Softplus", false, false, 0, 0},
};

const ActivationInfo* findActivation(const std::string& name) {
  for (const ActivationInfo& a : kActivations) {
    const std::string n = a.name;
    if (n.size() == name.size() &&
        std::equal(n.begin(), n.end(), name.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); }))
      return &a;
  }
  return nullptr;
}

template <typename T>
const T* attrOf(const Node& node, const std::string& name) {
  const auto& all = node.attrs.all();
  auto it = all.find(name);
  return it == all.end() ? nullptr : std::get_if<T>(&it->second);
}

}  // namespace

double ActivationFn::operator()(double x) const {
  switch (kind) {
    case Activation::Sigmoid: return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
    case Activation::Tanh: return std::tanh(x);
    case Activation::Relu: return x > 0 ? x : 0.0;
    case Activation::Affine: return alpha * x + beta;
    case Activation::LeakyRelu: return x >= 0 ? x : alpha * x;
    case Activation::ThresholdedRelu: return x > alpha ? x : 0.0;
    case Activation::ScaledTanh: return alpha * std::tanh(beta * x);
    case Activation::HardSigmoid: return std::clamp(alpha * x + beta, 0.0, 1.0);
    case Activation::Elu: return x >= 0 ? x : alpha * (std::exp(x) - 1.0);
    case Activation::Softsign: return x / (1.0 + std::fabs(x));
    case Activation::Softplus: return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  }
  return x;
}

const char* activationName(Activation a) {
  for (const ActivationInfo& i : kActivations)
    if (i.kind == a) return i.name;
  return "?";
}

int64_t gateCount(const std::string& op) { return op == "LSTM" ? 4 : op == "GRU" ? 3 : 1; }
int64_t activationCount(const std::string& op) { return op == "LSTM" ? 3 : op == "GRU" ? 2 : 1; }

int64_t numDirections(const Node& node) {
  const std::string d = node.attrs.getString("direction", "forward");
  if (d == "forward" || d == "reverse") return 1;
  if (d == "bidirectional") return 2;
  failBadInput(node.describe() + ": direction must be forward, reverse or bidirectional, got '" + d + "'");
}

std::vector<std::vector<ActivationFn>> activations(const Node& node) {
  const int64_t k = activationCount(node.op), dirs = numDirections(node);
  Strings names;
  if (const Strings* s = attrOf<Strings>(node, "activations")) names = *s;
  if (names.empty()) {
    if (node.op == "LSTM") names = {"Sigmoid", "Tanh", "Tanh"};
    else if (node.op == "GRU") names = {"Sigmoid", "Tanh"};
    else names = {"Tanh"};
  }
  const int64_t given = static_cast<int64_t>(names.size());
  if (given != k * dirs && !(dirs == 2 && given == k))
    failBadInput(node.describe() + ": activations lists " + std::to_string(given) + " function" +
                 (given == 1 ? "" : "s") + ", " + node.op + " takes " + std::to_string(k) + " per direction (" +
                 std::to_string(k * dirs) + " for " + std::to_string(dirs) + " direction" + (dirs == 1 ? "" : "s") + ")");
  const Floats alphas = node.attrs.getFloats("activation_alpha"), betas = node.attrs.getFloats("activation_beta");
  size_t nextAlpha = 0, nextBeta = 0;
  std::vector<ActivationFn> fns;
  for (const std::string& name : names) {
    const ActivationInfo* info = findActivation(name);
    if (!info)
      failBadInput(node.describe() + ": unknown activation '" + name +
                   "' (Sigmoid, Tanh, Relu, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, "
                   "Softsign or Softplus)");
    ActivationFn f{info->kind, info->alpha, info->beta};
    if (info->takesAlpha && nextAlpha < alphas.size()) f.alpha = alphas[nextAlpha++];
    if (info->takesBeta && nextBeta < betas.size()) f.beta = betas[nextBeta++];
    fns.push_back(f);
  }
  if (nextAlpha != alphas.size() || nextBeta != betas.size())
    failBadInput(node.describe() + ": activation_alpha / activation_beta have " + std::to_string(alphas.size()) +
                 " / " + std::to_string(betas.size()) + " values, the activations take " + std::to_string(nextAlpha) +
                 " / " + std::to_string(nextBeta));
  std::vector<std::vector<ActivationFn>> out;
  for (int64_t d = 0; d < dirs; ++d) {
    const int64_t first = given == k ? 0 : d * k;
    out.emplace_back(fns.begin() + first, fns.begin() + first + k);
  }
  return out;
}

}  // namespace recurrent

namespace {

using namespace recurrent;

// Operand and result positions.
enum Operand { kX = 0, kW, kR, kB, kSeqLens, kInitH, kInitC, kP };
enum Result { kY = 0, kYh, kYc };

// The sizes of one node: seq_length S, batch N, input_size I, hidden_size H, directions D, gates G.
struct Dims {
  int64_t S = 0, N = 0, I = 0, H = 0, D = 1, G = 1;
  bool batchFirst = false;  // layout 1
  // Element offsets in X, Y and the states (initial_h, initial_c, Y_h, Y_c) for either layout.
  int64_t x(int64_t t, int64_t b) const { return (batchFirst ? b * S + t : t * N + b) * I; }
  int64_t y(int64_t t, int64_t d, int64_t b) const { return (batchFirst ? (b * S + t) * D + d : (t * D + d) * N + b) * H; }
  int64_t state(int64_t d, int64_t b) const { return (batchFirst ? b * D + d : d * N + b) * H; }
  Shape yShape() const { return batchFirst ? Shape{N, S, D, H} : Shape{S, D, N, H}; }
  Shape stateShape() const { return batchFirst ? Shape{N, D, H} : Shape{D, N, H}; }
};

// The sizes from X [S, N, I] (layout 1: [N, S, I]) and R [D, G*H, H], both of rank 3.
Dims dimsOf(const Node& node, const Shape& x, const Shape& r) {
  Dims d;
  d.batchFirst = node.attrs.getInt("layout", 0) == 1;
  d.D = numDirections(node);
  d.G = gateCount(node.op);
  d.S = x[d.batchFirst ? 1 : 0];
  d.N = x[d.batchFirst ? 0 : 1];
  d.I = x[2];
  d.H = r[2];
  return d;
}

const char* operandName(size_t i) {
  static const char* names[] = {"X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"};
  return names[i];
}

void inferRecurrent(InferContext& ctx) {
  const std::string& op = ctx.node().op;
  const TensorType& x = ctx.input(kX);
  ops::requireElem(ctx, kX, {ElemType::F32, ElemType::F16, ElemType::F64});
  const int64_t layout = ctx.attrs().getInt("layout", 0);
  if (layout != 0 && layout != 1) ctx.fail("layout must be 0 or 1, got " + std::to_string(layout));
  if (x.rank() != 3)
    ctx.fail(std::string("X must have rank 3 (") + (layout == 1 ? "[batch_size, seq_length, input_size]" : "[seq_length, batch_size, input_size]") +
             "), got " + shapeToString(x.shape));
  const TensorType& r = ctx.input(kR);
  if (r.rank() != 3)
    ctx.fail("R must have rank 3 ([num_directions, " + std::to_string(gateCount(op)) + "*hidden_size, hidden_size]), got " +
             shapeToString(r.shape));
  const Dims d = dimsOf(ctx.node(), x.shape, r.shape);
  if (ctx.attrs().has("hidden_size") && ctx.attrs().getInt("hidden_size") != d.H)
    ctx.fail("hidden_size is " + std::to_string(ctx.attrs().getInt("hidden_size")) + " but R " + shapeToString(r.shape) +
             " has hidden size " + std::to_string(d.H));
  for (size_t i = 1; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i) || i == kSeqLens) continue;
    if (ctx.input(i).elem != x.elem)
      ctx.fail(std::string(operandName(i)) + " is " + std::string(elemTypeName(ctx.input(i).elem)) + ", X is " + std::string(elemTypeName(x.elem)));
  }
  const std::string gh = (d.G == 1 ? "" : std::to_string(d.G) + "*") + "hidden_size";
  auto expect = [&](size_t i, const Shape& want, const std::string& spelled) {
    if (!ctx.hasInput(i)) return;
    if (ctx.input(i).shape != want)
      ctx.fail(std::string(operandName(i)) + " must be " + spelled + " = " + shapeToString(want) + ", got " +
               shapeToString(ctx.input(i).shape));
  };
  expect(kW, {d.D, d.G * d.H, d.I}, "[num_directions, " + gh + ", input_size]");
  expect(kR, {d.D, d.G * d.H, d.H}, "[num_directions, " + gh + ", hidden_size]");
  expect(kB, {d.D, 2 * d.G * d.H}, "[num_directions, " + std::to_string(2 * d.G) + "*hidden_size]");
  expect(kSeqLens, {d.N}, "[batch_size]");
  const std::string stateSpelled = d.batchFirst ? "[batch_size, num_directions, hidden_size]" : "[num_directions, batch_size, hidden_size]";
  expect(kInitH, d.stateShape(), stateSpelled);
  expect(kInitC, d.stateShape(), stateSpelled);
  expect(kP, {d.D, 3 * d.H}, "[num_directions, 3*hidden_size]");
  if (ctx.hasInput(kSeqLens) && ctx.input(kSeqLens).elem != ElemType::I32)
    ctx.fail("sequence_lens must be i32, got " + std::string(elemTypeName(ctx.input(kSeqLens).elem)));
  if (ctx.attrs().has("clip") && !(ctx.attrs().getFloat("clip", 0) > 0))
    ctx.fail("clip must be positive, got " + formatFloat(ctx.attrs().getFloat("clip", 0)));
  for (const char* flag : {"input_forget", "linear_before_reset"}) {
    const int64_t v = ctx.attrs().getInt(flag, 0);
    if (v != 0 && v != 1) ctx.fail(std::string(flag) + " must be 0 or 1, got " + std::to_string(v));
  }
  activations(ctx.node());  // checks names and counts
  ctx.setOutput(kY, TensorType(x.elem, d.yShape()));
  for (size_t i = 1; i < ctx.numOutputs(); ++i) ctx.setOutput(i, TensorType(x.elem, d.stateShape()));
}

void kernelRecurrent(KernelContext& ctx) {
  const std::string& op = ctx.node().op;
  const Tensor& xt = ctx.input(kX);
  const Dims d = dimsOf(ctx.node(), xt.shape(), ctx.input(kR).shape());
  const int64_t S = d.S, N = d.N, I = d.I, H = d.H, G = d.G;
  const std::vector<std::vector<ActivationFn>> acts = activations(ctx.node());
  const bool reverseOnly = ctx.attrs().getString("direction", "forward") == "reverse";
  const bool hasClip = ctx.attrs().has("clip");
  const double clip = ctx.attrs().getFloat("clip", 0);
  const bool inputForget = ctx.attrs().getInt("input_forget", 0) != 0;
  const bool linearBeforeReset = ctx.attrs().getInt("linear_before_reset", 0) != 0;
  auto values = [&](size_t i) { return ctx.hasInput(i) ? ctx.input(i).toDoubles() : std::vector<double>{}; };
  const std::vector<double> x = xt.toDoubles(), w = values(kW), r = values(kR), b = values(kB), h0 = values(kInitH),
                            c0 = op == "LSTM" ? values(kInitC) : std::vector<double>{}, p = op == "LSTM" ? values(kP) : std::vector<double>{};
  std::vector<int64_t> lens(static_cast<size_t>(N), S);
  if (ctx.hasInput(kSeqLens)) {
    const Tensor& sl = ctx.input(kSeqLens);
    for (int64_t n = 0; n < N; ++n) {
      lens[n] = sl.getInt(n);
      if (lens[n] < 0 || lens[n] > S)
        ctx.fail("sequence_lens[" + std::to_string(n) + "] is " + std::to_string(lens[n]) + ", outside [0, " +
                 std::to_string(S) + "] (seq_length " + std::to_string(S) + ")");
    }
  }
  std::vector<double> y(static_cast<size_t>(S * d.D * N * H), 0.0), yh(static_cast<size_t>(d.D * N * H), 0.0),
      yc(yh.size(), 0.0);
  auto gate = [&](const ActivationFn& f, double v) { return f(hasClip ? std::clamp(v, -clip, clip) : v); };
  std::vector<double> xg(static_cast<size_t>(G * H)), hg(static_cast<size_t>(G * H)), h(static_cast<size_t>(H)),
      c(static_cast<size_t>(H)), hn(static_cast<size_t>(H)), z(static_cast<size_t>(H)), rs(static_cast<size_t>(H));
  for (int64_t dir = 0; dir < d.D; ++dir) {
    const bool reverse = reverseOnly || dir == 1;
    const std::vector<ActivationFn>& f = acts[dir];
    const double* W = w.data() + dir * G * H * I;
    const double* R = r.data() + dir * G * H * H;
    const double* Wb = b.empty() ? nullptr : b.data() + dir * 2 * G * H;
    const double* Rb = Wb ? Wb + G * H : nullptr;
    const double* P = p.empty() ? nullptr : p.data() + dir * 3 * H;
    for (int64_t n = 0; n < N; ++n) {
      const int64_t at = d.state(dir, n);
      for (int64_t j = 0; j < H; ++j) {
        h[j] = h0.empty() ? 0.0 : h0[at + j];
        c[j] = c0.empty() ? 0.0 : c0[at + j];
      }
      for (int64_t step = 0; step < lens[n]; ++step) {
        const int64_t t = reverse ? lens[n] - 1 - step : step;
        const double* xs = x.data() + d.x(t, n);
        // xg = W x + Wb, hg = R h + Rb, per gate row.
        for (int64_t g = 0; g < G * H; ++g) {
          double sx = Wb ? Wb[g] : 0.0, sh = Rb ? Rb[g] : 0.0;
          for (int64_t i = 0; i < I; ++i) sx += W[g * I + i] * xs[i];
          for (int64_t k = 0; k < H; ++k) sh += R[g * H + k] * h[k];
          xg[g] = sx;
          hg[g] = sh;
        }
        if (op == "RNN") {
          for (int64_t j = 0; j < H; ++j) hn[j] = gate(f[0], xg[j] + hg[j]);
        } else if (op == "GRU") {  // gates z, r, h
          for (int64_t j = 0; j < H; ++j) {
            z[j] = gate(f[0], xg[j] + hg[j]);
            rs[j] = gate(f[0], xg[H + j] + hg[H + j]);
          }
          for (int64_t j = 0; j < H; ++j) {
            double pre;
            if (linearBeforeReset) {
              pre = xg[2 * H + j] + rs[j] * hg[2 * H + j];
            } else {  // (r * h) R_h^T + Rb_h: the reset applies to the state before the product
              double s = Rb ? Rb[2 * H + j] : 0.0;
              for (int64_t k = 0; k < H; ++k) s += R[(2 * H + j) * H + k] * (rs[k] * h[k]);
              pre = xg[2 * H + j] + s;
            }
            hn[j] = (1.0 - z[j]) * gate(f[1], pre) + z[j] * h[j];
          }
        } else {  // LSTM: gates i, o, f, c; peepholes P = [Pi, Po, Pf]
          for (int64_t j = 0; j < H; ++j) {
            const double ig = gate(f[0], xg[j] + hg[j] + (P ? P[j] * c[j] : 0.0));
            const double fg = inputForget ? 1.0 - ig : gate(f[0], xg[2 * H + j] + hg[2 * H + j] + (P ? P[2 * H + j] * c[j] : 0.0));
            const double cand = gate(f[1], xg[3 * H + j] + hg[3 * H + j]);
            const double cn = fg * c[j] + ig * cand;
            const double og = gate(f[0], xg[H + j] + hg[H + j] + (P ? P[H + j] * cn : 0.0));
            hn[j] = og * f[2](cn);
            c[j] = cn;  // c[j] is not read again for other j
          }
        }
        h = hn;
        std::copy(h.begin(), h.end(), y.begin() + d.y(t, dir, n));
      }
      std::copy(h.begin(), h.end(), yh.begin() + at);
      std::copy(c.begin(), c.end(), yc.begin() + at);
    }
  }
  const ElemType e = xt.elem();
  const std::vector<double>* results[] = {&y, &yh, &yc};
  for (size_t i = 0; i < ctx.numOutputs(); ++i)
    ctx.setOutput(i, convertTensor(Tensor::fromVector<double>(ElemType::F64, ctx.outputType(i).shape, *results[i]), e));
}

int64_t recurrentMacs(const Node& node, const std::vector<const TensorType*>& in, const std::vector<const TensorType*>&) {
  if (in.size() < 3 || !in[kX] || !in[kR] || in[kX]->rank() != 3 || in[kR]->rank() != 3) return 0;
  const Shape& x = in[kX]->shape;
  const Shape& r = in[kR]->shape;
  // Every step of every direction: the gate rows times (input_size + hidden_size).
  return x[0] * x[1] * r[0] * r[1] * (x[2] + r[2]);
}

}  // namespace

void registerRecurrentOps(OpTable& t) {
  using K = AttrKind;
  const std::vector<AttrSpec> common = {{"activation_alpha", K::Floats}, {"activation_beta", K::Floats},
                                        {"activations", K::Strings},     {"clip", K::Float},
                                        {"direction", K::String},        {"hidden_size", K::Int},
                                        {"layout", K::Int}};
  for (const char* op : {"RNN", "GRU", "LSTM"}) {
    const std::string name = op;
    OpDef d;
    d.name = name;
    d.category = "linear";
    d.minInputs = 3;                                 // X, W, R
    d.maxInputs = name == "LSTM" ? 8 : 6;            // B, sequence_lens, initial_h (, initial_c, P)
    d.minOutputs = 1;
    d.maxOutputs = name == "LSTM" ? 3 : 2;           // Y, Y_h (, Y_c)
    d.attrs = common;
    if (name == "LSTM") d.attrs.push_back({"input_forget", K::Int});
    if (name == "GRU") d.attrs.push_back({"linear_before_reset", K::Int});
    d.infer = inferRecurrent;
    d.kernel = kernelRecurrent;
    d.macs = recurrentMacs;
    t.add(std::move(d));
  }
}

}  // namespace nest
