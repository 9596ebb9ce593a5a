#include "backends/npu/node_analysis.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>

#include "backends/npu/npu_lowering.h"
#include "core/error.h"
#include "core/ops/conv_kernels.h"
#include "core/ops/fused_activation.h"
#include "core/quant_math.h"

namespace nest::npu {

namespace {

// Signals a refusal inside the analysis; analyzeNode turns it into NodeSpec::reason.
struct Refusal {
  std::string reason;
};
[[noreturn]] void refuse(const std::string& reason) { throw Refusal{reason}; }

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// An int8 operand with zero points 0 (per tensor unless a channel axis is allowed).
const QuantParams& int8Operand(const Graph& g, const std::string& value, const std::string& what) {
  const TensorType& t = g.typeOf(value);
  if (!t.quant) refuse(what + " is " + typeToString(t) + ": the NPU runs quantized int8 nodes (quantize the model first)");
  if (t.elem != ElemType::I8) refuse(what + " is " + typeToString(t) + ": the NPU takes int8 operands only");
  for (int64_t zp : t.quant->zeroPoints)
    if (zp != 0)
      refuse(what + " has zero point " + std::to_string(zp) + ": the NPU needs zero points 0 (a symmetric schema)");
  return *t.quant;
}

// Result type i8 with zero point 0; the clamp bounds as the integer kernels derive them.
void outputBounds(const Graph& g, const Node& node, float& scale, int64_t& lo, int64_t& hi) {
  const TensorType& t = g.typeOf(node.outputs.at(0));
  if (!t.quant || t.elem != ElemType::I8) refuse("the result is " + typeToString(t) + ": the NPU produces int8 values only");
  if (t.quant->zeroPoints.at(0) != 0)
    refuse("the result has zero point " + std::to_string(t.quant->zeroPoints[0]) + ": the NPU needs zero points 0 (a symmetric schema)");
  scale = t.quant->scales.at(0);
  quantizedRange(t.elem, lo, hi);
  if (auto act = ops::fusedActivationOf(node)) {
    if (act->kind == ops::FusedActivationKind::Relu) {
      lo = std::max<int64_t>(lo, 0);
    } else if (act->kind == ops::FusedActivationKind::Clip) {
      lo = std::max(lo, quantizeValue(act->params.at(0), scale, 0, t.elem));
      hi = std::min(hi, quantizeValue(act->params.at(1), scale, 0, t.elem));
    } else {
      refuse("the fused activation " + node.attrs.getString("activation", "") + " is not supported (only Relu and Clip)");
    }
  }
}

// k with factor == 2^-k, as requantize() sees it (multiplier 2^30).
int powerOfTwoShift(double factor) {
  const Requant r = quantizeMultiplier(factor);
  if (r.multiplier != (1 << 30))
    refuse("requantization factor " + number(factor) + " is not a power of two (quantize with --schema symmetric_power2)");
  return 1 - r.shift;
}

int nonNegativeShift(double factor) {
  const int k = powerOfTwoShift(factor);
  if (k < 0) refuse("requantization factor " + number(factor) + " is greater than 1 (the NPU only shifts right)");
  return k;
}

// The constant operand's int8 values, shared by the weight function.
std::shared_ptr<std::vector<int8_t>> constantInt8(const Graph& g, const std::string& value, const std::string& what) {
  const Tensor* t = g.constant(value);
  if (!t) refuse(what + " must be a constant");
  auto out = std::make_shared<std::vector<int8_t>>(t->data<int8_t>(), t->data<int8_t>() + t->numElements());
  return out;
}

std::vector<int> requantShifts(const QuantParams& x, const QuantParams& w, float outScale) {
  std::vector<int> k;
  for (float sw : w.scales) k.push_back(nonNegativeShift(static_cast<double>(x.scales.at(0)) * sw / outScale));
  return k;
}

std::vector<int32_t> biasOf(const Graph& g, const Node& node, size_t i) {
  if (!node.hasInput(i)) return {};
  const Tensor* t = g.constant(node.inputs[i]);
  if (!t) refuse("the bias must be a constant");
  if (t->elem() != ElemType::I32) refuse("the bias is " + typeToString(t->type()) + ": the NPU takes int32 biases");
  std::vector<int32_t> b;
  for (int64_t v : t->toInts()) b.push_back(static_cast<int32_t>(v));
  return b;
}

MacSpec analyzeConv(const Graph& g, const Node& node) {
  const TensorType& x = g.typeOf(node.inputs.at(0));
  const TensorType& w = g.typeOf(node.inputs.at(1));
  if (x.shape.size() != 4) refuse("only 2-D convolutions run on the NPU, not " + std::to_string(x.shape.size() - 2) + "-D");
  const ops::ConvGeom geom = ops::convGeometry(node, x.shape, w.shape);
  if (geom.group != 1)
    refuse(std::string(geom.group == geom.inChannels ? "depthwise" : "grouped") + " convolution (group " +
           std::to_string(geom.group) + ") is not supported (only group 1)");
  for (int64_t d : geom.dilations)
    if (d != 1) refuse("dilation " + std::to_string(d) + " is not supported (only 1)");
  for (size_t a = 0; a < 2; ++a) {
    for (int64_t p : {geom.padBegin[a], geom.padEnd[a]}) {
      if (p > 15) refuse("padding " + std::to_string(p) + " exceeds the LOAD padding field (15)");
    }
  }
  const QuantParams& qx = int8Operand(g, node.inputs[0], "the input");
  const QuantParams& qw = int8Operand(g, node.inputs[1], "the weights");
  MacSpec s;
  float outScale;
  outputBounds(g, node, outScale, s.lo, s.hi);
  s.shifts = requantShifts(qx, qw, outScale);
  s.bias = biasOf(g, node, 2);
  s.n = geom.batch;
  s.ci = geom.inChannels;
  s.co = geom.outChannels;
  s.h = geom.inSpatial[0];
  s.w = geom.inSpatial[1];
  s.kh = geom.kernel[0];
  s.kw = geom.kernel[1];
  s.strideH = geom.strides[0];
  s.strideW = geom.strides[1];
  s.padTop = geom.padBegin[0];
  s.padLeft = geom.padBegin[1];
  s.oh = geom.outSpatial[0];
  s.ow = geom.outSpatial[1];
  s.macs = geom.macs();
  auto data = constantInt8(g, node.inputs[1], "the weights");
  const int64_t ci = s.ci, kh = s.kh, kw = s.kw;
  s.weight = [data, ci, kh, kw](int64_t o, int64_t i, int64_t y, int64_t xx) {
    return (*data)[static_cast<size_t>(((o * ci + i) * kh + y) * kw + xx)];
  };
  return s;
}

// Gemm (transB selects B's layout) and MatMul: A [M, K] x B [K, N] (or B^T).
MacSpec analyzeMatrix(const Graph& g, const Node& node, bool gemm) {
  const TensorType& a = g.typeOf(node.inputs.at(0));
  const TensorType& b = g.typeOf(node.inputs.at(1));
  if (a.shape.size() != 2 || b.shape.size() != 2)
    refuse("only 2-D operands are supported, got " + typeToString(a) + " and " + typeToString(b));
  if (!g.isConstant(node.inputs[1])) refuse("B must be a constant");
  bool transB = false;
  if (gemm) {
    if (node.attrs.getInt("transA", 0) != 0) refuse("transA is not supported");
    if (node.attrs.getFloat("alpha", 1) != 1 || node.attrs.getFloat("beta", 1) != 1) refuse("alpha and beta must be 1");
    transB = node.attrs.getInt("transB", 0) != 0;
  }
  const QuantParams& qa = int8Operand(g, node.inputs[0], "A");
  const QuantParams& qb = int8Operand(g, node.inputs[1], "B");
  MacSpec s;
  s.matrix = true;
  float outScale;
  outputBounds(g, node, outScale, s.lo, s.hi);
  s.shifts = requantShifts(qa, qb, outScale);
  if (gemm) s.bias = biasOf(g, node, 2);
  s.n = a.shape[0];
  s.ci = a.shape[1];
  s.co = transB ? b.shape[0] : b.shape[1];
  s.macs = s.n * s.ci * s.co;
  auto data = constantInt8(g, node.inputs[1], "B");
  const int64_t k = s.ci, n = s.co;
  if (transB)
    s.weight = [data, k](int64_t o, int64_t i, int64_t, int64_t) { return (*data)[static_cast<size_t>(o * k + i)]; };
  else
    s.weight = [data, n](int64_t o, int64_t i, int64_t, int64_t) { return (*data)[static_cast<size_t>(i * n + o)]; };
  return s;
}

// The int8 Add kernel with power-of-two scales: x = a * 2^(20 - ja), y = b * 2^(20 - jb) exactly,
// result = round_half_away((x + y) / 2^ko); with j = max(ja, jb) the common 2^(20 - j) factors out.
AddSpec analyzeAdd(const Graph& g, const Node& node, const vta::HwConfig& config) {
  if (config.blockIn() != config.blockOut()) refuse("Add needs BLOCK_IN == BLOCK_OUT (an identity weight block)");
  const TensorType& a = g.typeOf(node.inputs.at(0));
  const TensorType& b = g.typeOf(node.inputs.at(1));
  if (a.shape != b.shape) refuse("broadcasting " + shapeToString(a.shape) + " + " + shapeToString(b.shape) + " is not supported");
  if (a.shape.size() != 4 && a.shape.size() != 2) refuse("only 2-D and 4-D values are supported, got " + typeToString(a));
  const QuantParams& qa = int8Operand(g, node.inputs[0], "A");
  const QuantParams& qb = int8Operand(g, node.inputs[1], "B");
  AddSpec s;
  float outScale;
  outputBounds(g, node, outScale, s.lo, s.hi);
  const float sa = qa.scales.at(0), sb = qb.scales.at(0);
  const double twiceMax = 2.0 * std::max(sa, sb);
  const int ja = powerOfTwoShift(sa / twiceMax), jb = powerOfTwoShift(sb / twiceMax);
  if (ja > 20 || jb > 20) refuse("the input scales differ by more than 2^19 (the Add would round its operands)");
  const int ko = powerOfTwoShift(twiceMax / (static_cast<double>(1 << 20) * outScale));
  const int j = std::max(ja, jb);
  s.shiftA = j - ja;
  s.shiftB = j - jb;
  s.k = ko + j - 20;
  if (s.k < 0) {
    // An exact left shift of |a|·2^shiftA + |b|·2^shiftB <= 128·(2^shiftA + 2^shiftB) must fit int32.
    const double bound = 128.0 * (std::ldexp(1.0, s.shiftA) + std::ldexp(1.0, s.shiftB)) * std::ldexp(1.0, -s.k);
    if (bound >= 2147483648.0) refuse("the Add's output scale is too small: the scaled sum would overflow int32");
  }
  const BlockedShape shape = blockedShapeOf(a);
  s.n = shape.n;
  s.c = shape.c;
  s.h = shape.h;
  s.w = shape.w;
  return s;
}

}  // namespace

NodeSpec analyzeNode(const Graph& graph, const Node& node, const vta::HwConfig& config) {
  NodeSpec spec;
  try {
    if (node.op != "Conv" && node.op != "Gemm" && node.op != "MatMul" && node.op != "Add")
      refuse(node.op + " does not run on the NPU (only Conv, Gemm, MatMul and Add)");
    if (node.outputs.size() != 1) refuse("only single-result nodes run on the NPU");
    if (!graph.typeOf(node.outputs[0]).quant)
      refuse("a float " + node.op + " does not run on the NPU (quantize the model first, e.g. --schema symmetric_power2)");
    if (node.op == "Add") {
      spec.add = analyzeAdd(graph, node, config);
      spec.kind = NodeSpec::Kind::Add;
    } else {
      spec.mac = node.op == "Conv" ? analyzeConv(graph, node) : analyzeMatrix(graph, node, node.op == "Gemm");
      spec.kind = NodeSpec::Kind::Mac;
    }
  } catch (const Refusal& r) {
    spec.kind = NodeSpec::Kind::Unsupported;
    spec.reason = r.reason;
  }
  return spec;
}

}  // namespace nest::npu
