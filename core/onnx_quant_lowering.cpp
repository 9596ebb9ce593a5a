#include "core/onnx_quant_lowering.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "core/op_table.h"

namespace nest {

namespace {

bool isQuantElem(ElemType e) {
  return e == ElemType::U8 || e == ElemType::I8 || e == ElemType::U16 || e == ElemType::I16;
}

struct Lowering {
  Graph& g;
  std::unordered_map<std::string, std::vector<std::string>> readerOps;  // value -> ops of its readers (as imported)

  // A value whose every reader is an ONNX quantization op that takes quantized operands, and
  // which is not a graph output: annotating it with its parameters changes no reader's meaning.
  bool onlyQuantReaders(const std::string& v) const {
    static const std::set<std::string> kReaders = {"DequantizeLinear", "QLinearConv", "QLinearMatMul"};
    for (const std::string& out : g.outputs)
      if (out == v) return false;
    auto it = readerOps.find(v);
    if (it == readerOps.end() || it->second.empty()) return false;
    for (const std::string& op : it->second)
      if (!kReaders.count(op)) return false;
    return true;
  }

  const Tensor* constantOperand(const Node& n, size_t i) const {
    return n.hasInput(i) ? g.constant(n.inputs[i]) : nullptr;
  }
  const Tensor* scalarConstant(const Node& n, size_t i) const {
    const Tensor* t = constantOperand(n, i);
    return t && t->numElements() == 1 ? t : nullptr;
  }

  // Per-tensor parameters from constant scale / zero point operands (zero point may be absent).
  static QuantParams perTensor(const Tensor& scale, const Tensor* zp) {
    return {{static_cast<float>(scale.getDouble(0))}, {zp ? zp->getInt(0) : 0}, std::nullopt};
  }

  // The constant `name` with quantization parameters attached (same bytes, a new value name).
  std::string annotated(const std::string& name, const QuantParams& p) {
    Tensor t = *g.constant(name);
    t.setQuant(p);
    const std::string fresh = g.freshValueName(name + "_quant");
    g.setConstant(fresh, t);
    return fresh;
  }

  static Attributes outQuant(Attributes a, ElemType e, float scale, int64_t zp) {
    a.set("out_type", std::string(elemTypeName(e)));
    a.set("out_scale", scale);
    a.set("out_zero_point", zp);
    return a;
  }

  bool quantizeLinear(Node& n) {
    const Tensor* s = scalarConstant(n, 1);
    const Tensor* zp = scalarConstant(n, 2);
    if (!s || s->elem() != ElemType::F32 || (n.hasInput(2) && !zp)) return false;
    if (g.typeOf(n.inputs[0]).elem != ElemType::F32 || !onlyQuantReaders(n.outputs[0])) return false;
    const ElemType e = zp ? zp->elem() : ElemType::U8;
    const QuantParams p = perTensor(*s, zp);
    if (!isQuantElem(e) || !(p.scales[0] > 0)) return false;
    n.op = "Quantize";
    n.inputs = {n.inputs[0]};
    n.attrs = outQuant({}, e, p.scales[0], p.zeroPoints[0]);
    return true;
  }

  bool dequantizeLinear(Node& n) {
    const Tensor* s = constantOperand(n, 1);
    const Tensor* zp = constantOperand(n, 2);
    if (!s || s->elem() != ElemType::F32 || (n.hasInput(2) && (!zp || zp->numElements() != s->numElements())))
      return false;
    std::string x = n.inputs[0];
    const TensorType& xt = g.typeOf(x);
    if (!isQuantElem(xt.elem)) return false;
    QuantParams p;
    if (s->numElements() == 1) {
      p = perTensor(*s, zp);
    } else {
      // Per axis (weights): a constant operand only, one scale per slice along `axis`.
      const int64_t axis = n.attrs.getInt("axis", 1) < 0 ? n.attrs.getInt("axis", 1) + xt.rank() : n.attrs.getInt("axis", 1);
      if (!g.isConstant(x) || axis < 0 || axis >= xt.rank() || xt.shape[axis] != s->numElements()) return false;
      for (int64_t c = 0; c < s->numElements(); ++c) {
        p.scales.push_back(static_cast<float>(s->getDouble(c)));
        p.zeroPoints.push_back(zp ? zp->getInt(c) : 0);
      }
      p.axis = axis;
    }
    if (g.isConstant(x) && !xt.quant) x = annotated(x, p);
    else if (!(xt.quant && *xt.quant == p)) return false;
    n.op = "Dequantize";
    n.inputs = {x};
    n.attrs = {};
    return true;
  }

  // QLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B.
  bool qlinearConv(Node& n) {
    const Tensor *xs = scalarConstant(n, 1), *xz = scalarConstant(n, 2), *ws = constantOperand(n, 4),
                 *wz = constantOperand(n, 5), *ys = scalarConstant(n, 6), *yz = scalarConstant(n, 7);
    const Tensor* w = constantOperand(n, 3);
    if (!xs || !xz || !ws || !wz || !ys || !yz || !w || (n.hasInput(8) && !constantOperand(n, 8))) return false;
    const TensorType& xt = g.typeOf(n.inputs[0]);
    if (!xt.quant || !(*xt.quant == perTensor(*xs, xz)) || !onlyQuantReaders(n.outputs[0])) return false;
    const int64_t m = w->shape().at(0);
    if (ws->numElements() != 1 && ws->numElements() != m) return false;
    if (wz->numElements() != 1 && wz->numElements() != ws->numElements()) return false;
    QuantParams wp;
    for (int64_t c = 0; c < ws->numElements(); ++c) {
      wp.scales.push_back(static_cast<float>(ws->getDouble(c)));
      wp.zeroPoints.push_back(wz->getInt(wz->numElements() == 1 ? 0 : c));
    }
    if (ws->numElements() > 1) wp.axis = 0;
    std::vector<std::string> inputs = {n.inputs[0], annotated(n.inputs[3], wp)};
    if (n.hasInput(8)) {
      QuantParams bp;
      for (float sw : wp.scales) bp.scales.push_back(xt.quant->scales[0] * sw);
      bp.zeroPoints.assign(bp.scales.size(), 0);
      bp.axis = wp.axis;
      inputs.push_back(annotated(n.inputs[8], bp));
    }
    n.op = "Conv";
    n.inputs = inputs;
    n.attrs = outQuant(n.attrs, yz->elem(), static_cast<float>(ys->getDouble(0)), yz->getInt(0));
    return true;
  }

  // QLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp (all parameters per tensor).
  bool qlinearMatMul(Node& n) {
    const Tensor *as = scalarConstant(n, 1), *az = scalarConstant(n, 2), *bs = scalarConstant(n, 4),
                 *bz = scalarConstant(n, 5), *ys = scalarConstant(n, 6), *yz = scalarConstant(n, 7);
    if (!as || !az || !bs || !bz || !ys || !yz) return false;
    const TensorType& at = g.typeOf(n.inputs[0]);
    if (!at.quant || !(*at.quant == perTensor(*as, az)) || !onlyQuantReaders(n.outputs[0])) return false;
    std::string b = n.inputs[3];
    const TensorType& bt = g.typeOf(b);
    const QuantParams bp = perTensor(*bs, bz);
    if (g.isConstant(b) && !bt.quant) b = annotated(b, bp);
    else if (!(bt.quant && *bt.quant == bp)) return false;
    n.op = "MatMul";
    n.inputs = {n.inputs[0], b};
    n.attrs = outQuant({}, yz->elem(), static_cast<float>(ys->getDouble(0)), yz->getInt(0));
    return true;
  }
};

}  // namespace

int lowerOnnxQuantOps(Graph& g) {
  const bool any = std::any_of(g.nodes.begin(), g.nodes.end(), [](const Node& n) {
    return n.op == "QuantizeLinear" || n.op == "DequantizeLinear" || n.op == "QLinearConv" || n.op == "QLinearMatMul";
  });
  if (!any) return 0;
  Lowering l{g, {}};
  for (const Node& n : g.nodes)
    for (const std::string& in : n.inputs)
      if (!in.empty()) l.readerOps[in].push_back(n.op);
  int mapped = 0;
  const OpTable& table = OpTable::instance();
  for (Node& n : g.nodes) {
    bool done = false;
    if (n.op == "QuantizeLinear") done = l.quantizeLinear(n);
    else if (n.op == "DequantizeLinear") done = l.dequantizeLinear(n);
    else if (n.op == "QLinearConv") done = l.qlinearConv(n);
    else if (n.op == "QLinearMatMul") done = l.qlinearMatMul(n);
    mapped += done;
    // Result types follow the (possibly now quantized) operand types.
    std::vector<const TensorType*> ins;
    for (const std::string& in : n.inputs) ins.push_back(in.empty() ? nullptr : &g.typeOf(in));
    std::vector<TensorType> outs = inferNodeTypes(*table.find(n.op), n, ins);
    for (size_t k = 0; k < n.outputs.size(); ++k)
      if (!n.outputs[k].empty()) g.setType(n.outputs[k], outs[k]);
  }
  return mapped;
}

}  // namespace nest
