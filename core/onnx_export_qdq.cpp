#include "core/onnx_export_qdq.h"

#include <unordered_map>

#include "core/error.h"
#include "core/onnx_export.h"
#include "core/op_table.h"

namespace nest {

namespace {

class QdqBuilder {
 public:
  explicit QdqBuilder(const Graph& src) : src_(src) {
    out_.name = src.name;
    out_.inputs = src.inputs;
    out_.outputs = src.outputs;
    for (const std::string& in : src.inputs) {
      requireExpressible(in, src.typeOf(in));
      out_.setType(in, src.typeOf(in));
    }
  }

  Graph build() {
    for (const Node& n : src_.nodes) {
      for (const std::string& v : n.outputs) requireExpressible(v, src_.typeOf(v));
      if (n.op == "Quantize") {
        quantizeLinear(n.name, operand(n.inputs.at(0), false), n.outputs[0]);
      } else if (n.op == "Dequantize") {
        const std::string& q = operand(n.inputs.at(0), true);
        dequantizeLinear(n.name, q, src_.typeOf(n.inputs[0]), n.outputs[0]);
        floatView_.emplace(n.inputs[0], n.outputs[0]);
      } else {
        floatOp(n);
      }
    }
    return std::move(out_);
  }

 private:
  static void requireExpressible(const std::string& v, const TensorType& t) {
    if (!t.quant) return;
    if (t.elem != ElemType::I8 && t.elem != ElemType::U8 && t.elem != ElemType::I32)
      failUnsupported("QDQ export: value '" + v + "' is " + typeToString(t) + "; ONNX opset " +
                      std::to_string(kExportOpset) + " QuantizeLinear / DequantizeLinear take int8 and uint8 " +
                      "(int32 for biases): quantize with --precision int8");
  }

  std::string fresh(const std::string& base) const {
    std::string name = base;
    for (int i = 1; src_.hasValue(name) || out_.hasValue(name); ++i) name = base + "_" + std::to_string(i);
    return name;
  }

  void emit(Node n) {
    std::vector<const TensorType*> ins;
    for (const std::string& in : n.inputs) ins.push_back(in.empty() ? nullptr : &out_.typeOf(in));
    const std::vector<TensorType> types = inferNodeTypes(*OpTable::instance().find(n.op), n, ins);
    for (size_t k = 0; k < n.outputs.size(); ++k) out_.setType(n.outputs[k], types[k]);
    Node& added = out_.addNode(n.op, n.name, n.inputs, n.outputs, n.attrs);
    added.origin = n.origin;
  }

  // Scale and zero-point initializers of `t`'s parameters: scalars per tensor, 1-D per channel.
  std::pair<std::string, std::string> params(const std::string& v, const TensorType& t) {
    const QuantParams& q = *t.quant;
    const Shape shape = q.perChannel() ? Shape{static_cast<int64_t>(q.scales.size())} : Shape{};
    const std::string scale = fresh(v + "_scale");
    out_.setConstant(scale, Tensor::fromVector<float>(ElemType::F32, shape, q.scales));
    Tensor zp(TensorType(t.elem, shape));
    for (size_t i = 0; i < q.zeroPoints.size(); ++i) {
      const int64_t z = q.zeroPoints[i];
      if (t.elem == ElemType::I8) zp.mutableData<int8_t>()[i] = static_cast<int8_t>(z);
      else if (t.elem == ElemType::U8) zp.mutableData<uint8_t>()[i] = static_cast<uint8_t>(z);
      else zp.mutableData<int32_t>()[i] = static_cast<int32_t>(z);
    }
    const std::string zero = fresh(v + "_zero_point");
    out_.setConstant(zero, zp);
    return {scale, zero};
  }

  void quantizeLinear(const std::string& name, const std::string& x, const std::string& q) {
    const TensorType& t = src_.typeOf(q);
    if (t.quant->perChannel()) failUnsupported("QDQ export: activation '" + q + "' is quantized per channel");
    const auto [scale, zero] = params(q, t);
    emit({0, name.empty() ? "" : name + "_QuantizeLinear", "QuantizeLinear", {}, {x, scale, zero}, {q}, {}});
  }

  void dequantizeLinear(const std::string& name, const std::string& q, const TensorType& t, const std::string& f) {
    const auto [scale, zero] = params(q, t);
    Attributes a;
    if (t.quant->perChannel()) a.set("axis", *t.quant->axis);
    emit({0, name.empty() ? "" : name + "_DequantizeLinear", "DequantizeLinear", a, {q, scale, zero}, {f}, {}});
  }

  // The name under which value `v` of the source graph is available in the QDQ graph: quantized
  // values as their integer tensor (`wantInteger`) or through a DequantizeLinear (made once).
  std::string operand(const std::string& v, bool wantInteger) {
    if (v.empty()) return v;
    const TensorType& t = src_.typeOf(v);
    if (const Tensor* c = src_.constant(v); c && !out_.isConstant(v)) {
      Tensor plain = *c;
      plain.setQuant(std::nullopt);
      out_.setConstant(v, plain);
    }
    if (!t.quant || wantInteger) return v;
    if (auto it = floatView_.find(v); it != floatView_.end()) return it->second;
    const std::string f = fresh(v + "_dql");
    dequantizeLinear("", v, t, f);
    floatView_.emplace(v, f);
    return f;
  }

  // A node computing on float operands; an integer node's result is quantized back under its name.
  void floatOp(const Node& n) {
    Node f = n;
    for (std::string& in : f.inputs) in = operand(in, false);
    const bool integer = !n.outputs.empty() && src_.typeOf(n.outputs[0]).quant.has_value();
    if (!integer) {
      emit(std::move(f));
      return;
    }
    if (n.outputs.size() != 1) failUnsupported("QDQ export: " + n.describe() + " has several integer results");
    f.attrs.erase("out_type");
    f.attrs.erase("out_scale");
    f.attrs.erase("out_zero_point");
    const std::string result = n.outputs[0];
    f.outputs[0] = fresh(result + "_float");
    emit(std::move(f));
    quantizeLinear(n.name, out_.nodes.back().outputs[0], result);
  }

  const Graph& src_;
  Graph out_;
  std::unordered_map<std::string, std::string> floatView_;  // quantized value -> its float view
};

}  // namespace

Graph qdqGraph(const Graph& quantized) { return QdqBuilder(quantized).build(); }

onnx::ModelProto exportQdqModel(const Graph& quantized) { return exportOnnxModel(qdqGraph(quantized)); }

void exportQdqOnnx(const Graph& quantized, const std::filesystem::path& file) { exportOnnx(qdqGraph(quantized), file); }

}  // namespace nest
