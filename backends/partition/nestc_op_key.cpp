// NEST-C's op-cost keys (node_costs.h): Kind-<dims>-<dtype>, with a convolution's output
// channels, kernel and stride appended. NEST-C works in Glow's NHWC layout, so 4-D dims are
// written NHWC whatever our graph's layout.
#include <string>

#include "backends/partition/node_costs.h"

namespace nest::partition {

namespace {

// The node kinds as NEST-C's tables spell them (resnet18-initialProfile*.yaml).
std::string keyKind(const Node& node) {
  if (node.op == "Conv") return "Convolution";
  if (node.op == "AveragePool" || node.op == "GlobalAveragePool") return "AvgPool";
  if (node.op == "GlobalMaxPool") return "MaxPool";
  if (node.op == "Flatten") return "Reshape";
  return node.op;
}

std::string glowTypeName(const TensorType& type) {
  switch (type.elem) {
    case ElemType::F32: return "float";
    case ElemType::F16: return "float16";
    case ElemType::F64: return "float64";
    case ElemType::I8: return "i8";
    case ElemType::U8: return "ui8";
    case ElemType::I16: return "i16";
    case ElemType::U16: return "ui16";
    case ElemType::I32: return type.quant ? "i32" : "index32";
    case ElemType::U32: return "ui32";
    case ElemType::I64: return "index64";
    case ElemType::U64: return "ui64";
    case ElemType::Bool: return "bool";
  }
  return "unknown";
}

std::string dimsOf(const TensorType& type) {
  Shape dims = type.shape;
  if (dims.size() == 4) dims = {dims[0], dims[2], dims[3], dims[1]};  // NCHW -> NHWC
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? "-" : "") + std::to_string(dims[i]);
  return text;
}

}  // namespace

std::string nestcOpKey(const Graph& graph, const Node& node) {
  // The first operand that has a type (a node without one: its first result).
  const TensorType* type = nullptr;
  for (const std::string& in : node.inputs)
    if (!in.empty() && (type = graph.findType(in))) break;
  if (!type)
    for (const std::string& out : node.outputs)
      if (!out.empty() && (type = graph.findType(out))) break;
  std::string key = keyKind(node);
  if (type) {
    const std::string dims = dimsOf(*type);
    key += (dims.empty() ? "" : "-" + dims) + "-" + glowTypeName(*type);
  }
  if (node.op == "Conv" && node.inputs.size() > 1) {
    if (const TensorType* w = graph.findType(node.inputs[1]); w && w->shape.size() == 4) {
      const Ints strides = node.attrs.getInts("strides", {1, 1});
      key += "-" + std::to_string(w->shape[0]) + "-" + std::to_string(w->shape[2]) + "-" +
             std::to_string(strides.empty() ? 1 : strides[0]);
    }
  }
  return key;
}

}  // namespace nest::partition
