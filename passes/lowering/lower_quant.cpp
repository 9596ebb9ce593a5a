// Quantized nodes -> integer LIR kernels (lower_quant.h). Every per-node constant of the
// interpreter's integer kernels (core/ops/quantized_ops.cpp, pool_ops.cpp) is computed here with
// the same functions (quantizeMultiplier, quantizeValue), so the runtime only does integer work.
#include "passes/lowering/lower_quant.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/ops/conv_kernels.h"
#include "core/ops/fused_activation.h"
#include "core/ops/op_helpers.h"
#include "core/quant_lut.h"
#include "core/quant_math.h"

namespace nest {

namespace {

const std::set<std::string> kKernelOps = {"Conv", "Gemm", "MatMul", "Add", "Mul", "Relu", "Clip", "MaxPool",
                                          "AveragePool", "GlobalAveragePool", "Concat", "Quantize", "Dequantize",
                                          "HardSwish", "HardSigmoid", "Sigmoid", "Tanh", "Swish", "Gelu"};
const std::set<std::string> kPlainOps = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Transpose"};

bool is8Bit(ElemType e) { return e == ElemType::I8 || e == ElemType::U8; }

const QuantParams& qp(const Graph& g, const std::string& v) { return *g.typeOf(v).quant; }

// Multipliers and shifts of a list of real factors.
void setRequants(Attributes& p, const std::string& prefix, const std::vector<double>& reals) {
  Ints m, s;
  for (double r : reals) {
    const Requant q = quantizeMultiplier(r);
    m.push_back(q.multiplier);
    s.push_back(q.shift);
  }
  p.set(prefix + "mult", m);
  p.set(prefix + "shift", s);
}

// Clamp bounds of a result: the element range, narrowed by a fused Relu / Clip (as outQuantOf).
void setOutBounds(Attributes& p, const Graph& g, const Node& n) {
  const TensorType& t = g.typeOf(n.outputs[0]);
  const float scale = t.quant->scales.at(0);
  const int64_t zp = t.quant->zeroPoints.at(0);
  int64_t lo, hi;
  quantizedRange(t.elem, lo, hi);
  if (auto act = ops::fusedActivationOf(n)) {
    if (act->kind == ops::FusedActivationKind::Relu) {
      lo = std::max(lo, zp);
    } else if (act->kind == ops::FusedActivationKind::Clip) {
      lo = std::max(lo, quantizeValue(act->params.at(0), scale, zp, t.elem));
      hi = std::min(hi, quantizeValue(act->params.at(1), scale, zp, t.elem));
    }
  }
  p.set("lo", lo);
  p.set("hi", hi);
}

// Per-channel factors s_x * s_w[c] / s_y.
std::vector<double> productReals(const QuantParams& x, const QuantParams& w, float outScale) {
  std::vector<double> r;
  for (float sw : w.scales) r.push_back(static_cast<double>(x.scales.at(0)) * sw / outScale);
  return r;
}

// A Clip bound in real units (Clip-6 float attribute or Clip-11+ tensor, maybe quantized).
std::optional<float> realClipBound(const Attributes& attrs, const std::string& name) {
  auto it = attrs.all().find(name);
  if (it == attrs.all().end()) return std::nullopt;
  if (const Tensor* t = std::get_if<Tensor>(&it->second)) {
    if (t->type().quant) return dequantizeValue(t->getInt(0), t->type().quant->scales[0], t->type().quant->zeroPoints[0]);
    return static_cast<float>(t->getDouble(0));
  }
  if (const float* f = std::get_if<float>(&it->second)) return *f;
  return std::nullopt;
}

QuantInstr lowerConv(const Graph& g, const Node& n) {
  QuantInstr q{"qconv2d", {}};
  const ops::ConvGeom geo = ops::convGeometry(n, g.typeOf(n.inputs[0]).shape, g.typeOf(n.inputs[1]).shape);
  q.params.set("group", geo.group);
  q.params.set("kernel", Ints{geo.kernel[0], geo.kernel[1]});
  q.params.set("strides", Ints{geo.strides[0], geo.strides[1]});
  q.params.set("dilations", Ints{geo.dilations[0], geo.dilations[1]});
  q.params.set("pads", Ints{geo.padBegin[0], geo.padBegin[1], geo.padEnd[0], geo.padEnd[1]});
  const QuantParams& w = qp(g, n.inputs[1]);
  Ints wzp(static_cast<size_t>(geo.outChannels), w.zeroPoints.at(0));
  if (w.perChannel()) wzp = w.zeroPoints;
  q.params.set("w_zp", wzp);
  setRequants(q.params, "", productReals(qp(g, n.inputs[0]), w, g.typeOf(n.outputs[0]).quant->scales.at(0)));
  setOutBounds(q.params, g, n);
  return q;
}

QuantInstr lowerGemm(const Graph& g, const Node& n) {
  const bool matmul = n.op == "MatMul";
  QuantInstr q{matmul ? "qmatmul" : "qgemm", {}};
  const bool transB = !matmul && n.attrs.getInt("transB", 0) != 0;
  const Shape& b = g.typeOf(n.inputs[1]).shape;
  const int64_t cols = transB ? b[0] : b[b.size() - 1];
  q.params.set("trans_b", int64_t{transB});
  const QuantParams& w = qp(g, n.inputs[1]);
  Ints bzp(static_cast<size_t>(cols), w.zeroPoints.at(0));
  if (w.perChannel()) bzp = w.zeroPoints;
  q.params.set("b_zp", bzp);
  setRequants(q.params, "", productReals(qp(g, n.inputs[0]), w, g.typeOf(n.outputs[0]).quant->scales.at(0)));
  setOutBounds(q.params, g, n);
  return q;
}

// Add: TFLite's scheme (quantizedBinaryKernel); Mul: one factor.
QuantInstr lowerBinary(const Graph& g, const Node& n) {
  QuantInstr q{n.op == "Add" ? "qadd" : "qmul", {}};
  const float sa = qp(g, n.inputs[0]).scales.at(0), sb = qp(g, n.inputs[1]).scales.at(0);
  const float sy = g.typeOf(n.outputs[0]).quant->scales.at(0);
  if (n.op == "Add") {
    const double twiceMax = 2.0 * std::max(sa, sb);
    setRequants(q.params, "a_", {sa / twiceMax});
    setRequants(q.params, "b_", {sb / twiceMax});
    setRequants(q.params, "", {twiceMax / (static_cast<double>(1LL << 20) * sy)});
  } else {
    setRequants(q.params, "", {static_cast<double>(sa) * sb / sy});
  }
  setOutBounds(q.params, g, n);
  return q;
}

// Relu / Clip keep the parameters: a clamp (quantizedUnaryKernel).
QuantInstr lowerClamp(const Graph& g, const Node& n) {
  QuantInstr q{"qclamp", {}};
  const TensorType& x = g.typeOf(n.inputs[0]);
  const float s = x.quant->scales[0];
  const int64_t zp = x.quant->zeroPoints[0];
  int64_t lo, hi;
  quantizedRange(x.elem, lo, hi);
  if (n.op == "Relu") {
    lo = std::max(lo, zp);
  } else {
    if (auto mn = realClipBound(n.attrs, "min")) lo = std::max(lo, quantizeValue(*mn, s, zp, x.elem));
    if (auto mx = realClipBound(n.attrs, "max")) hi = std::min(hi, quantizeValue(*mx, s, zp, x.elem));
  }
  q.params.set("lo", lo);
  q.params.set("hi", hi);
  return q;
}

// Lookup-table activations: the 256 results, built as the interpreter builds them (core/quant_lut.h).
QuantInstr lowerLut(const Graph& g, const Node& n) {
  QuantInstr q{"qlut", {}};
  q.params.set("lut", activationLut(n, g.typeOf(n.inputs[0]), g.typeOf(n.outputs[0])));
  return q;
}

QuantInstr lowerPool(const Graph& g, const Node& n) {
  QuantInstr q{n.op == "MaxPool" ? "qmaxpool2d" : "qavgpool2d", {}};
  const Shape& x = g.typeOf(n.inputs[0]).shape;
  Ints kernel = n.attrs.getInts("kernel_shape");
  Ints strides = n.attrs.getInts("strides", Ints(2, 1));
  Ints dilations = n.attrs.getInts("dilations", Ints(2, 1));
  q.params.set("kernel", kernel);
  q.params.set("strides", strides);
  q.params.set("dilations", dilations);
  q.params.set("pads", ops::resolvePads(n.attrs, Shape(x.begin() + 2, x.end()), kernel, strides, dilations, n));
  if (n.op == "AveragePool") q.params.set("count_include_pad", n.attrs.getInt("count_include_pad", 0));
  return q;
}

QuantInstr lowerConcat(const Graph& g, const Node& n) {
  QuantInstr q{"qconcat", {}};
  q.params.set("axis", ops::normalizeAxis(n.attrs.getInt("axis", 0), g.typeOf(n.outputs[0]).rank(), n));
  const float sy = g.typeOf(n.outputs[0]).quant->scales.at(0);
  std::vector<double> reals;
  for (const std::string& v : n.inputs) reals.push_back(static_cast<double>(qp(g, v).scales.at(0)) / sy);
  setRequants(q.params, "in_", reals);
  setOutBounds(q.params, g, n);
  return q;
}

}  // namespace

bool hasQuantizedValues(const Graph& g) {
  for (const Node& n : g.nodes)
    for (const std::string& v : n.outputs)
      if (!v.empty() && g.typeOf(v).quant) return true;
  return false;
}

bool quantNodeHasKernel(const Node& node) { return kKernelOps.count(node.op) != 0; }

std::string quantLoweringUnsupportedReason(const Graph& g, const Node& n) {
  const std::string& op = n.op;
  if (!kKernelOps.count(op) && !kPlainOps.count(op))
    return "no integer CPU kernel for quantized " + op + " (the quantize pass keeps it float for the interpreter only)";
  const bool hasBias = op == "Conv" || op == "Gemm";
  for (const auto* list : {&n.inputs, &n.outputs})
    for (size_t k = 0; k < list->size(); ++k) {
      const std::string& v = (*list)[k];
      if (v.empty()) continue;
      const TensorType& t = g.typeOf(v);
      if (list == &n.inputs && hasBias && k == 2) {
        if (t.elem != ElemType::I32) return "a bias of " + std::string(elemTypeName(t.elem)) + " (int16 precision) is not supported";
        continue;
      }
      if (t.quant && !is8Bit(t.elem))
        return "quantized " + std::string(elemTypeName(t.elem)) + " operand '" + v +
               "': the CPU backend runs int8 / uint8 only (not int16 precision)";
    }
  if (op == "Conv" || op == "MaxPool" || op == "AveragePool") {
    if (g.typeOf(n.inputs[0]).rank() != 4) return "only 2-D integer " + op + " is supported";
    if (op == "Conv" && !g.isConstant(n.inputs[1])) return "an integer Conv needs constant weights";
    if (op == "Conv" && numElements(g.typeOf(n.inputs[1]).shape) / g.typeOf(n.inputs[1]).shape[0] >= 65536)
      return "an integer Conv with 2^16 or more taps per output (C/group*KH*KW) could overflow int32";
    if (op == "AveragePool")
      for (int64_t d : n.attrs.getInts("dilations", {}))
        if (d != 1) return "dilated AveragePool is not supported by the CPU runtime";
    if (op == "MaxPool" && n.outputs.size() > 1 && !n.outputs[1].empty()) return "MaxPool's Indices result is not supported";
  }
  if (op == "Dequantize" && g.typeOf(n.inputs[0]).quant->perChannel())
    return "per-channel Dequantize is not supported (only weights are per channel)";
  if (op == "GlobalAveragePool" && g.typeOf(n.inputs[0]).rank() < 3) return "GlobalAveragePool needs a spatial dimension";
  if (op == "MatMul") {
    // Batched: A and the result share their leading dimensions, B has them too or is 2-D.
    const Shape& a = g.typeOf(n.inputs[0]).shape;
    const Shape& b = g.typeOf(n.inputs[1]).shape;
    const Shape& y = g.typeOf(n.outputs[0]).shape;
    const bool sameLead = a.size() >= 2 && a.size() == y.size() && std::equal(a.begin(), a.end() - 2, y.begin()) &&
                          (b.size() == 2 || (b.size() == a.size() && std::equal(b.begin(), b.end() - 2, a.begin())));
    if (!sameLead) return "integer MatMul needs A and the result with the same leading dimensions and B with them too or 2-D";
  }
  if (op == "Add" || op == "Mul") {
    if (g.typeOf(n.outputs[0]).rank() > 8) return "integer " + op + " of rank above 8 is not supported";
    if (!g.typeOf(n.inputs[0]).quant || !g.typeOf(n.inputs[1]).quant) return "integer " + op + " needs two quantized operands";
  }
  return "";
}

QuantInstr lowerQuantNode(const Graph& g, const Node& n) {
  const std::string& op = n.op;
  if (op == "Conv") return lowerConv(g, n);
  if (op == "Gemm" || op == "MatMul") return lowerGemm(g, n);
  if (op == "Add" || op == "Mul") return lowerBinary(g, n);
  if (op == "Relu" || op == "Clip") return lowerClamp(g, n);
  if (op == "MaxPool" || op == "AveragePool") return lowerPool(g, n);
  if (op == "GlobalAveragePool") return {"qglobal_avgpool", {}};
  if (op == "Concat") return lowerConcat(g, n);
  if (isLutActivation(op)) return lowerLut(g, n);
  if (op == "Quantize") return {"quantize", {}};
  if (op == "Dequantize") return {"dequantize", {}};
  failInternal("lowering: no integer kernel for " + n.describe());
}

}  // namespace nest
