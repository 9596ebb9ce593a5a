#include "passes/quantization/quantize.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/op_table.h"
#include "core/quant_calibration.h"
#include "passes/quantization/bias_correction.h"
#include "passes/quantization/high_bias_absorption.h"
#include "core/ops/fused_activation.h"
#include "core/ops/quantized_norm.h"
#include "core/quant_lut.h"
#include "passes/quantization/lut_activations.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

// Ops whose integer result gets its own parameters (from the profile) and those that keep their
// operand's parameters.
const std::set<std::string> kRequantizingOps = {"Conv", "Gemm", "MatMul", "Add", "Mul", "Concat"};
const std::set<std::string> kKeepParamsOps = {"Relu",      "Clip",    "MaxPool",  "AveragePool",
                                              "GlobalAveragePool", "Reshape", "Flatten", "Transpose"};

// Integer only at int16 (core/ops/quantized_norm.h): an int8 LayerNorm or Softmax loses too much,
// so at int8 they stay float.
const std::set<std::string> kInt16OnlyOps = {"LayerNormalization", "Softmax"};

// Lookup-table activations (core/quant_lut.h) and the int16-only ops get their own result
// parameters too.
bool requantizes(const std::string& op) {
  return kRequantizingOps.count(op) != 0 || isLutActivation(op) || kInt16OnlyOps.count(op) != 0;
}

bool isF32(const Graph& g, const std::string& v) { return g.typeOf(v).elem == ElemType::F32; }

bool integerActivationOk(const Node& n) {
  auto act = ops::fusedActivationOf(n);
  return !act || act->kind == ops::FusedActivationKind::Relu || act->kind == ops::FusedActivationKind::Clip;
}

// Whether the integer kernel supports this node's form (operands, attributes); the data
// operands must be f32.
bool integerFormSupported(const Graph& g, const Node& n) {
  if (n.outputs.size() != 1 || !isF32(g, n.outputs[0])) return false;
  for (const std::string& in : n.inputs)
    if (!in.empty() && !isF32(g, in)) return false;
  if (n.op == "Conv") {
    if (!g.isConstant(n.inputs.at(1)) || (n.hasInput(2) && !g.isConstant(n.inputs[2]))) return false;
    return integerActivationOk(n);
  }
  if (n.op == "Gemm") {
    if (n.attrs.getInt("transA", 0) != 0 || n.attrs.getFloat("alpha", 1) != 1 || n.attrs.getFloat("beta", 1) != 1)
      return false;
    if (!g.isConstant(n.inputs.at(1))) return false;
    if (n.hasInput(2)) {
      const TensorType& b = g.typeOf(n.inputs[1]);
      const int64_t cols = n.attrs.getInt("transB", 0) ? b.shape[0] : b.shape[1];
      const TensorType& c = g.typeOf(n.inputs[2]);
      if (!g.isConstant(n.inputs[2]) || c.numElements() != cols || (c.rank() == 2 && c.shape[0] != 1)) return false;
    }
    return integerActivationOk(n);
  }
  if (n.op == "Add") return integerActivationOk(n);
  if (n.op == "LayerNormalization")  // constant Scale and B (they become integer constants)
    return g.isConstant(n.inputs.at(1)) && (!n.hasInput(2) || g.isConstant(n.inputs[2]));
  if (n.op == "MaxPool") return n.outputs.size() == 1;
  if (n.op == "Clip") {
    for (const char* b : {"min", "max"}) {
      auto it = n.attrs.all().find(b);
      if (it == n.attrs.all().end()) continue;
      const Tensor* t = std::get_if<Tensor>(&it->second);
      if (t && t->elem() != ElemType::F32) return false;
    }
    return true;
  }
  return true;
}

struct Planner {
  Graph& g;
  const QuantProfile& profile;
  const QuantConfig& config;
  CalibrationRecord* record = nullptr;
  std::unordered_map<std::string, TensorType> valueType;  // quantized type of each activation that gets one
  std::unordered_map<std::string, FloatRange> derived;    // unprofiled values with a known range (split activations)

  // The quantized type of a profiled value with `settings`, or nullopt when it was not profiled.
  // `within` bounds the calibrated range (a Softmax's result lies in [0, 1], so int16's headroom
  // beyond 1 would only waste levels).
  std::optional<TensorType> fromProfile(const std::string& v, const QuantSettings& s,
                                        std::optional<FloatRange> within = std::nullopt) const {
    const ValueProfile* p = profile.find(v);
    auto d = derived.find(v);
    if (!p && d == derived.end()) return std::nullopt;
    FloatRange range;
    if (p) {
      Calibration method = s.calibration;
      // A graph output keeps its whole range under KL: its extremes are what is read (the top
      // logit of a classifier), and KL, which scores the bulk of the distribution, clips them
      // (on mnist-8 the logits' [-8513, 8790] to [-7371, 8790], one of the two causes of KL's loss).
      if (method.method == CalibrationMethod::KL && rewrite::isGraphOutput(g, v)) method = Calibration{};
      const CalibratedRange r = calibrate(p->min, p->max, p->histogram, method, s.schema, s.precision);
      if (record) (*record)[v] = r.method;
      range = r.range;
    } else {
      range = d->second;  // a split activation's range, derived from its neighbour's
    }
    if (within) range = {std::clamp(range.min, within->min, within->max), std::clamp(range.max, within->min, within->max)};
    QuantChoice c = chooseQuantParams(range.min, range.max, s.schema, s.precision);
    TensorType t(c.elem, g.typeOf(v).shape);
    t.quant = c.params();
    return t;
  }
};

// Quantized weights of a Conv (axis 0) or Gemm B (the output axis) with output_scale folded.
Tensor quantizedWeights(const Graph& g, const Node& n, const QuantSettings& s, bool perChannel,
                        Tensor* floatWeights = nullptr) {
  Tensor w = *g.constant(n.inputs[1]);
  std::optional<int64_t> axis;
  if (n.op == "Conv") {
    if (n.attrs.has("output_scale")) {
      // y = conv(x, W) * s + b  ==  conv(x, W * s) + b: scale each output channel's weights.
      const Floats scale = n.attrs.getFloats("output_scale");
      Tensor scaled = convertTensor(w, ElemType::F32);
      Tensor copy(scaled.type(), scaled.raw());
      float* p = copy.mutableData<float>();
      const int64_t per = copy.numElements() / static_cast<int64_t>(scale.size());
      for (int64_t i = 0; i < copy.numElements(); ++i) p[i] *= scale[static_cast<size_t>(i / per)];
      w = copy;
    }
    if (perChannel) axis = 0;
  } else if (perChannel) {
    axis = n.attrs.getInt("transB", 0) ? 0 : 1;
  }
  ElemType elem = ElemType::I8;
  QuantParams p = weightParams(w, s.schema, s.precision, axis, elem);
  if (floatWeights) *floatWeights = convertTensor(w, ElemType::F32);
  return quantizeTensor(w, elem, p);
}

// A quantized constant operand of Add / Mul / MatMul / Concat: per tensor, or per channel along
// `axis` (a MatMul's constant B, per output column, with --per-channel).
Tensor quantizedConstant(const Tensor& c, const QuantSettings& s, std::optional<int64_t> axis = std::nullopt) {
  ElemType elem = ElemType::I8;
  QuantParams p = weightParams(c, s.schema, s.precision, axis, elem);
  return quantizeTensor(c, elem, p);
}

// The per-channel axis of a MatMul's constant B (its columns), when --per-channel asks for it.
std::optional<int64_t> matmulWeightAxis(const Graph& g, const Node& n, const std::string& operand, bool perChannel) {
  if (!perChannel || n.op != "MatMul" || n.inputs.size() != 2 || operand != n.inputs[1]) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(g.typeOf(operand).rank());
  if (rank < 2) return std::nullopt;
  return rank - 1;
}

// Bias real b[c] as integers with scale s_in * s_w[c] (zero point 0).
Tensor quantizedBias(const Tensor& bias, const QuantParams& in, const QuantParams& w, QuantPrecision precision) {
  const ElemType elem = precision == QuantPrecision::Int8 ? ElemType::I32 : ElemType::I64;
  int64_t qmin, qmax;
  quantizedRange(elem, qmin, qmax);
  QuantParams p;
  for (float sw : w.scales) p.scales.push_back(in.scales.at(0) * sw);
  p.zeroPoints.assign(p.scales.size(), 0);
  if (w.perChannel()) p.axis = bias.shape().size() == 2 ? 1 : 0;
  TensorType t(elem, bias.shape());
  t.quant = p;
  Tensor q(t);
  const std::vector<double> b = bias.toDoubles();
  for (size_t i = 0; i < b.size(); ++i) {
    const double scale = static_cast<double>(in.scales[0]) * w.scales[w.perChannel() ? i : 0];
    const double v = std::nearbyint(b[i] / scale);
    const int64_t iv = v <= static_cast<double>(qmin) ? qmin : (v >= static_cast<double>(qmax) ? qmax : static_cast<int64_t>(v));
    if (elem == ElemType::I32) q.mutableData<int32_t>()[i] = static_cast<int32_t>(iv);
    else q.mutableData<int64_t>()[i] = iv;
  }
  return q;
}

// LayerNormalization's Scale quantized per tensor with the node's precision, and its B as a bias
// whose "input" is the normalized value of scale 2^-kLayerNormFractionBits: i64 (i32 at int8) with
// scale s_Scale * 2^-24, the integer kernel's accumulator scale (core/ops/quantized_norm.h).
void quantizeLayerNormConstants(Graph& g, Node& n, const QuantSettings& s) {
  const Tensor scale = quantizedConstant(*g.constant(n.inputs[1]), s);
  if (n.hasInput(2)) {
    const QuantParams normalized{{std::ldexp(1.0f, -kLayerNormFractionBits)}, {0}, std::nullopt};
    const Tensor b = quantizedBias(*g.constant(n.inputs[2]), normalized, *scale.type().quant, s.precision);
    n.inputs[2] = rewrite::addConstant(g, n.inputs[2] + "_q", b);
  }
  n.inputs[1] = rewrite::addConstant(g, n.inputs[1] + "_q", scale);
}

Attributes withOutQuant(Attributes a, const TensorType& t) {
  a.set("out_type", std::string(elemTypeName(t.elem)));
  a.set("out_scale", t.quant->scales.at(0));
  a.set("out_zero_point", t.quant->zeroPoints.at(0));
  return a;
}

}  // namespace

bool quantizeGraph(Graph& g, const QuantProfile& recorded, const QuantConfig& config, const std::string& profileSource,
                   CalibrationRecord* record) {
  requireMatchingProfile(recorded, g, profileSource);
  // High-bias absorption rewrites float biases first and moves the affected ranges with them.
  QuantProfile adjusted;
  const bool absorbed = config.absorbHighBias && [&] {
    adjusted = recorded;
    return absorbHighBiases(g, adjusted) > 0;
  }();
  const QuantProfile& profile = absorbed ? adjusted : recorded;
  Planner plan{g, profile, config, record, {}, splitLutActivations(g, profile, config)};

  // 1. Decide which nodes become integer nodes and the quantized type of every value involved.
  std::unordered_set<NodeId> integerNodes;
  std::unordered_set<std::string> integerResults;                        // values produced by integer nodes
  std::unordered_map<std::string, TensorType> quantizeAt;                // float value -> type of its Quantize
  std::unordered_map<NodeId, std::unordered_map<std::string, TensorType>> operandTypes;  // per node: float operand -> type
  for (const Node& n : g.nodes) {
    const bool requantizing = requantizes(n.op);
    if (!requantizing && !kKeepParamsOps.count(n.op)) continue;
    if (config.keepsFloat(n) || !integerFormSupported(g, n)) continue;
    const QuantSettings s = config.settingsFor(n);
    if (!hasIntegerForm(n.op, s.precision)) continue;
    if (!requantizing) {
      if (!integerResults.count(n.inputs.at(0))) continue;  // only continues an integer region
      integerNodes.insert(n.id);
      integerResults.insert(n.outputs[0]);
      if (auto t = plan.valueType.find(n.inputs[0]); t != plan.valueType.end()) plan.valueType[n.outputs[0]] = t->second;
      continue;
    }
    // Activation operands: integer already, or quantizable from the profile.
    std::unordered_map<std::string, TensorType> needed;
    bool ok = true;
    const size_t activationOperands = (n.op == "Conv" || n.op == "Gemm") ? 1 : n.inputs.size();
    for (size_t k = 0; k < activationOperands && ok; ++k) {
      const std::string& v = n.inputs[k];
      if (v.empty() || g.isConstant(v) || integerResults.count(v)) continue;
      if (auto it = quantizeAt.find(v); it != quantizeAt.end()) {
        needed[v] = it->second;
        continue;
      }
      auto t = plan.fromProfile(v, s);
      if (t) needed[v] = *t;
      else ok = false;
    }
    const std::optional<FloatRange> within = n.op == "Softmax" ? std::optional<FloatRange>(FloatRange{0, 1}) : std::nullopt;
    auto out = ok ? plan.fromProfile(n.outputs[0], s, within) : std::nullopt;
    if (!out) continue;
    for (auto& [v, t] : needed) quantizeAt.emplace(v, t);
    operandTypes[n.id] = std::move(needed);
    plan.valueType[n.outputs[0]] = *out;
    integerNodes.insert(n.id);
    integerResults.insert(n.outputs[0]);
  }
  if (integerNodes.empty()) return false;

  // 2. Which integer results a float node or a graph output reads (they need a Dequantize).
  std::unordered_set<std::string> readAsFloat;
  for (const Node& n : g.nodes)
    if (!integerNodes.count(n.id))
      for (const std::string& in : n.inputs)
        if (integerResults.count(in)) readAsFloat.insert(in);
  for (const std::string& out : g.outputs)
    if (integerResults.count(out)) readAsFloat.insert(out);

  // 3. Rewrite in order.
  const OpTable& table = OpTable::instance();
  std::vector<Node> old = std::move(g.nodes);
  g.nodes.clear();
  std::unordered_map<std::string, std::string> quantizedName;  // float value -> its Quantize result
  std::unordered_map<std::string, std::string> floatName;      // integer value -> its Dequantize result
  std::unordered_map<std::string, std::string> renamed;        // integer graph-output results renamed
  auto emit = [&](Node n) {
    std::vector<const TensorType*> ins;
    for (const std::string& in : n.inputs) ins.push_back(in.empty() ? nullptr : &g.typeOf(in));
    std::vector<TensorType> outs = inferNodeTypes(*table.find(n.op), n, ins);
    for (size_t k = 0; k < n.outputs.size(); ++k) g.setType(n.outputs[k], outs[k]);
    g.nodes.push_back(std::move(n));
  };
  auto newNode = [&](const std::string& op, const std::string& name, std::vector<std::string> ins,
                     std::vector<std::string> outs, Attributes attrs, NodeId from) {
    Node n;
    n.id = g.nextId();
    g.reserveId(n.id);
    n.op = op;
    n.name = name;
    n.inputs = std::move(ins);
    n.outputs = std::move(outs);
    n.attrs = std::move(attrs);
    n.origin = {from};
    return n;
  };

  for (Node& n : old) {
    if (!integerNodes.count(n.id)) {
      for (std::string& in : n.inputs)
        if (auto it = floatName.find(in); it != floatName.end()) in = it->second;
      emit(std::move(n));
      continue;
    }
    const QuantSettings s = config.settingsFor(n);
    const std::string floatInput = n.inputs.empty() ? std::string() : n.inputs[0];
    // Activation operands.
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      std::string& v = n.inputs[k];
      if (v.empty() || g.isConstant(v)) continue;
      if (auto r = renamed.find(v); r != renamed.end()) {
        v = r->second;
        continue;
      }
      if (integerResults.count(v)) continue;
      auto q = quantizedName.find(v);
      if (q == quantizedName.end()) {
        const TensorType& t = quantizeAt.at(v);
        const std::string qv = g.freshValueName(v + "_q");
        g.setType(qv, t);  // reserves the name
        Attributes a = withOutQuant({}, t);
        emit(newNode("Quantize", n.name.empty() ? "" : n.name + "_quantize_" + std::to_string(k), {v}, {qv}, a, n.id));
        q = quantizedName.emplace(v, qv).first;
      }
      v = q->second;
    }
    // Constant operands.
    if (n.op == "Conv" || n.op == "Gemm") {
      Tensor wFloat;
      Tensor w = quantizedWeights(g, n, s, config.perChannel, &wFloat);
      const std::string wName = rewrite::addConstant(g, n.inputs[1] + "_q", w);
      std::optional<Tensor> corrected;
      if (config.biasCorrection)
        if (const ValueProfile* in = profile.find(floatInput); in && !in->channelMeans.empty())
          corrected = correctedBias(g, n, wFloat, w, in->channelMeans);
      if (corrected) {
        const std::string base = n.hasInput(2) ? n.inputs[2] : n.inputs[1] + "_bias";
        Tensor b = quantizedBias(*corrected, *g.typeOf(n.inputs[0]).quant, *w.type().quant, s.precision);
        n.inputs.resize(3);
        n.inputs[2] = rewrite::addConstant(g, base + "_corrected_q", b);
      } else if (n.hasInput(2)) {
        Tensor b = quantizedBias(*g.constant(n.inputs[2]), *g.typeOf(n.inputs[0]).quant, *w.type().quant, s.precision);
        n.inputs[2] = rewrite::addConstant(g, n.inputs[2] + "_q", b);
      }
      n.inputs[1] = wName;
      n.attrs.erase("output_scale");
    } else if (n.op == "LayerNormalization") {
      quantizeLayerNormConstants(g, n, s);
    } else if (requantizes(n.op)) {
      for (std::string& v : n.inputs)
        if (!v.empty() && g.isConstant(v) && isF32(g, v))
          v = rewrite::addConstant(g, v + "_q",
                                   quantizedConstant(*g.constant(v), s, matmulWeightAxis(g, n, v, config.perChannel)));
    }
    if (requantizes(n.op)) n.attrs = withOutQuant(n.attrs, plan.valueType.at(n.outputs[0]));
    // Result: an integer graph output is renamed, its Dequantize keeps the output's name.
    const std::string result = n.outputs[0];
    const bool isOutput = rewrite::isGraphOutput(g, result);
    if (isOutput) {
      n.outputs[0] = g.freshValueName(result + "_q");
      g.setType(n.outputs[0], g.typeOf(result));
      renamed[result] = n.outputs[0];
    }
    const NodeId id = n.id;
    const std::string name = n.name, produced = n.outputs[0];
    emit(std::move(n));
    if (readAsFloat.count(result)) {
      const std::string fv = isOutput ? result : g.freshValueName(result + "_dq");
      g.setType(fv, TensorType(ElemType::F32, g.typeOf(produced).shape));
      emit(newNode("Dequantize", name.empty() ? "" : name + "_dequantize", {produced}, {fv}, {}, id));
      if (!isOutput) floatName[result] = fv;
    }
  }
  rewrite::removeUnusedConstants(g);
  return true;
}

bool hasIntegerForm(const std::string& op) { return requantizes(op) || kKeepParamsOps.count(op) != 0; }

bool hasIntegerForm(const std::string& op, QuantPrecision precision) {
  return hasIntegerForm(op) && (precision == QuantPrecision::Int16 || kInt16OnlyOps.count(op) == 0);
}

PassInfo quantizePass(std::shared_ptr<const QuantProfile> profile, QuantConfig config, std::string profileSource) {
  PassInfo p;
  p.name = "quantize";
  p.summary = "quantize weights and activations from a calibration profile (integer kernels, Q/DQ at precision changes)";
  p.run = [profile = std::move(profile), config = std::move(config), source = std::move(profileSource)](
              Graph& g, const PassOptions&) { return quantizeGraph(g, *profile, config, source); };
  return p;
}

Pipeline quantizationPipeline(const std::string& level, const std::vector<std::string>& passes,
                              std::shared_ptr<const QuantProfile> profile, QuantConfig config,
                              std::string profileSource) {
  Pipeline p = passes.empty() ? namedPipeline(level) : explicitPipeline(passes);
  p.push_back(boundPassStage(quantizePass(std::move(profile), std::move(config), std::move(profileSource))));
  return p;
}

}  // namespace nest
