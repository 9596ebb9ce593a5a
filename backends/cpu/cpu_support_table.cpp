#include "backends/cpu/cpu_support_table.h"

#include <algorithm>

#include "core/op_table.h"
#include "core/ops/elem_classes.h"

namespace nest::cpu {

namespace {

using ops::bit;

constexpr uint32_t kF32 = bit(ElemType::F32);
constexpr uint32_t kAny = ops::kAll;                                       // views and copies move bytes
constexpr uint32_t kArith = ops::kNumeric & ~bit(ElemType::F16);          // typed binary kernels
constexpr uint32_t kIntsF32 = kF32 | ops::kSignedInts | ops::kUnsignedInts;  // Clip: float or integer bounds
constexpr uint32_t kQ8 = bit(ElemType::I8) | bit(ElemType::U8);            // int8 precision
constexpr uint32_t kQ8Bias = kQ8 | bit(ElemType::I32);                     // ... with an int32 bias

const std::vector<std::string> kOutQuant = {"out_type", "out_scale", "out_zero_point"};
const std::vector<std::string> kFused = {"activation", "activation_params"};

std::vector<std::string> join(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<OpSupport> buildTable() {
  // The fused activations the runtime applies (nest_act kinds, kernel_descs.cpp).
  const std::vector<std::string> acts = {"Relu", "Clip", "LeakyRelu", "Sigmoid", "HardSwish"};
  std::vector<OpSupport> t = {
      // Views and data movement (any element type; the int8 path keeps views and Transpose).
      {"Reshape", kAny, kQ8, {}, {}},
      {"Flatten", kAny, kQ8, {}, {}},
      {"Squeeze", kAny, kQ8, {}, {}},
      {"Unsqueeze", kAny, kQ8, {}, {}},
      {"Identity", kAny, kQ8, {}, {}},
      {"Dropout", kAny, 0, {}, {}},
      {"Transpose", kAny, kQ8, {}, {}},
      {"Slice", kAny, 0, {}, {}},
      {"Split", kAny, 0, {}, {}},
      {"Expand", kAny, 0, {}, {}},
      {"Tile", kAny, 0, {}, {}},
      {"DepthToSpace", kAny, 0, {}, {}},
      {"SpaceToDepth", kAny, 0, {}, {}},
      {"Gather", kAny, 0, {}, {}},
      {"Pad", kAny, 0, {}, {}},
      {"Concat", kAny, kQ8, kOutQuant, {}},
      {"Cast", kAny, 0, {}, {}},
      {"Resize", kAny, 0, {}, {}},
      {"Upsample", kAny, 0, {}, {}},
      {"ConstantOfShape", kAny, 0, {}, {}},  // fill (weights of models whose initializers were stripped)
      // Elementwise arithmetic.
      {"Add", kArith, kQ8, join(kFused, kOutQuant), acts},
      {"Sub", kArith, 0, {}, {}},
      {"Mul", kArith, kQ8, kOutQuant, {}},
      {"Div", kArith, 0, {}, {}},
      {"Max", kArith, 0, {}, {}},
      {"Min", kArith, 0, {}, {}},
      {"Pow", ops::kNumeric, 0, {}, {}},
      {"Sum", kF32, 0, {}, {}},
      {"Mean", kF32, 0, {}, {}},
      {"PRelu", kF32, 0, {}, {}},
      // Comparisons to bool and selection (attention masks).
      {"Equal", kAny, 0, {}, {}},
      {"Less", kAny, 0, {}, {}},
      {"Greater", kAny, 0, {}, {}},
      {"LessOrEqual", kAny, 0, {}, {}},
      {"GreaterOrEqual", kAny, 0, {}, {}},
      {"Where", kAny, 0, {}, {}},
      // Unary.
      {"Relu", kF32, kQ8, {}, {}},
      {"Clip", kIntsF32, kQ8, {}, {}},
      {"LeakyRelu", kF32, 0, {}, {}},
      {"Elu", kF32, 0, {}, {}},
      {"Selu", kF32, 0, {}, {}},
      {"Sigmoid", kF32, kQ8, kOutQuant, {}},  // int8: a lookup table (nest_rt_q8_lut.c)
      {"Tanh", kF32, kQ8, kOutQuant, {}},
      {"HardSigmoid", kF32, kQ8, kOutQuant, {}},
      {"HardSwish", kF32, kQ8, kOutQuant, {}},
      {"Swish", kF32, kQ8, kOutQuant, {}},  // f32: lowered as Sigmoid and Mul
      {"Gelu", kF32, kQ8, kOutQuant, {}},   // f32: erf form one vector kernel (nest_gelu_f32), tanh form its formula
      {"Softplus", kF32, 0, {}, {}},
      {"Abs", kF32, 0, {}, {}},
      {"Neg", kF32, 0, {}, {}},
      {"Exp", kF32, 0, {}, {}},
      {"Log", kF32, 0, {}, {}},
      {"Sqrt", kF32, 0, {}, {}},
      {"Reciprocal", kF32, 0, {}, {}},
      {"Ceil", kF32, 0, {}, {}},
      {"Floor", kF32, 0, {}, {}},
      {"Erf", kF32, 0, {}, {}},
      // Integer forms (int16, the interpreter's; the out_* attributes come with them) are refused by
      // element type: "Softmax on quantized i16 (int16 precision) is not supported".
      {"Softmax", kF32, 0, kOutQuant, {}},
      {"LayerNormalization", kF32, 0, kOutQuant, {}},
      {"LogSoftmax", kF32, 0, {}, {}},
      // Linear algebra, convolution, pooling, normalization.
      {"MatMul", kF32, kQ8, kOutQuant, {}},
      {"Attention", kF32, 0, {}, {}},  // made by fuse-attention; never stores the score matrix
      {"Gemm", kF32, kQ8Bias, join(kFused, kOutQuant), acts},
      {"Conv", kF32, kQ8Bias, join(join({"output_scale"}, kFused), kOutQuant), acts},
      {"ConvTranspose", kF32, 0, {}, {}},
      {"MaxPool", kF32, kQ8, {}, {}},
      {"AveragePool", kF32, kQ8, {}, {}},
      {"GlobalAveragePool", kF32, kQ8, {}, {}},
      {"GlobalMaxPool", kF32, 0, {}, {}},
      {"BatchNormalization", kF32, 0, {}, {}},
      {"LRN", kF32, 0, {}, {}},
      // Recurrent layers: float32 data, int32 sequence_lens (every ONNX activation).
      {"RNN", kF32 | bit(ElemType::I32), 0, {}, {}},
      {"GRU", kF32 | bit(ElemType::I32), 0, {}, {}},
      {"LSTM", kF32 | bit(ElemType::I32), 0, {}, {}},
      // Reductions (the runtime's reduce kinds).
      {"ReduceSum", kF32, 0, {}, {}},
      {"ReduceMean", kF32, 0, {}, {}},
      {"ReduceMax", kF32, 0, {}, {}},
      {"ReduceMin", kF32, 0, {}, {}},
      {"ReduceProd", kF32, 0, {}, {}},
      {"ReduceSumSquare", kF32, 0, {}, {}},
      {"ReduceLogSum", kF32, 0, {}, {}},
      {"ReduceLogSumExp", kF32, 0, {}, {}},
      // The quantize pass's boundary ops.
      {"Quantize", kF32, kQ8, kOutQuant, {}},
      {"Dequantize", kF32, kQ8, {}, {}},
  };
  std::sort(t.begin(), t.end(), [](const OpSupport& a, const OpSupport& b) { return a.op < b.op; });
  return t;
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// "int16" for I16, "uint8" for U8, ...: the precision a quantized type stands for.
std::string precisionName(ElemType e) {
  const std::string_view n = elemTypeName(e);  // "i16", "u8"
  return (n[0] == 'u' ? "uint" : "int") + std::string(n.substr(1));
}

// The first operand or result whose element type the entry does not take.
std::string typeReason(const Graph& g, const Node& n, const OpSupport& s) {
  // An op with an integer form elsewhere (the interpreter's, OpDef::quantInfer) is refused by
  // precision; one with none at all by "no integer CPU kernel".
  const OpDef* def = OpTable::instance().find(n.op);
  const bool integerForm = def && def->quantInfer;
  for (const auto* list : {&n.inputs, &n.outputs}) {
    const bool result = list == &n.outputs;
    for (const std::string& v : *list) {
      if (v.empty() || !g.hasValue(v)) continue;
      const TensorType& t = g.typeOf(v);
      const std::string name(elemTypeName(t.elem));
      if (t.quant) {
        if (s.quantTypes == 0 && !integerForm) return "no integer CPU kernel for quantized " + n.op;
        if (s.quantTypes & bit(t.elem)) continue;
        const std::string precision = " (" + precisionName(t.elem) + " precision)";
        return result ? n.op + " with a quantized " + name + " result" + precision + " is not supported"
                      : n.op + " on quantized " + name + precision + " is not supported";
      }
      if (s.types & bit(t.elem)) continue;
      return result ? n.op + " with a" + (t.elem == ElemType::Bool ? " " : "n ") + name + " result is not supported"
                    : n.op + " on " + name + " is not supported";
    }
  }
  return "";
}

}  // namespace

const std::vector<OpSupport>& supportTable() {
  static const std::vector<OpSupport> table = buildTable();
  return table;
}

const OpSupport* findSupport(const std::string& op) {
  const std::vector<OpSupport>& t = supportTable();
  auto it = std::lower_bound(t.begin(), t.end(), op, [](const OpSupport& s, const std::string& o) { return s.op < o; });
  return it != t.end() && it->op == op ? &*it : nullptr;
}

std::string tableUnsupportedReason(const Graph& g, const Node& n) {
  const OpSupport* s = findSupport(n.op);
  const OpDef* def = OpTable::instance().find(n.op);
  if (!s || !def) return "no CPU kernel for " + n.op;
  // ONNX attributes (declared ones and parameter inputs turned into attributes) are the op's own,
  // their values lowering's business; anything else must be in the backend's list.
  auto isOnnx = [&](const std::string& name) {
    if (const AttrSpec* spec = def->findAttr(name)) return !spec->passAdded;
    return std::any_of(def->params.begin(), def->params.end(), [&](const ParamInput& p) { return p.attr == name; });
  };
  for (const auto& [name, value] : n.attrs.all()) {
    if (!isOnnx(name) && !contains(s->passAttrs, name))
      return "the CPU backend does not implement attribute '" + name + "' on " + n.op;
  }
  if (n.attrs.has("activation")) {
    const std::string act = n.attrs.getString("activation", "");
    if (!contains(s->activations, act))
      return "the CPU backend does not implement the fused activation '" + act + "' on " + n.op;
  }
  return typeReason(g, n, *s);
}

}  // namespace nest::cpu
