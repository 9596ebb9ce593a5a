#include "backends/partition/op_signature.h"

#include <cstdio>

#include "core/text_ir.h"

namespace nest::partition {

namespace {

std::string typeSignature(const TensorType& type) {
  std::string text = std::string(elemTypeName(type.elem)) + "[" + shapeToString(type.shape) + "]";
  if (type.quant) {
    bool zeroZeroPoints = true;
    for (int64_t zp : type.quant->zeroPoints) zeroZeroPoints &= zp == 0;
    text += type.quant->axis ? "<axis=" + std::to_string(*type.quant->axis) : std::string("<tensor");
    text += zeroZeroPoints ? ",zp0>" : ",zp>";
  }
  return text;
}

}  // namespace

std::string opSignature(const Graph& graph, const Node& node) {
  std::string text = node.op + "(";
  for (const auto& [name, value] : node.attrs.all()) {
    // Float lists and tensors (per-channel output scales of a folded BatchNorm, ...) change
    // values, not work: by length only, so that equal layers share one measurement.
    if (const auto* floats = std::get_if<Floats>(&value)) text += name + "=floats[" + std::to_string(floats->size()) + "];";
    else if (const auto* tensor = std::get_if<Tensor>(&value)) text += name + "=" + typeSignature(tensor->type()) + ";";
    else text += name + "=" + attributeText(value) + ";";
  }
  text += ")";
  for (const std::string& in : node.inputs) {
    if (in.empty()) text += " -";
    else text += (graph.isConstant(in) ? " const:" : " ") + typeSignature(graph.typeOf(in));
  }
  text += " ->";
  for (const std::string& out : node.outputs)
    if (!out.empty()) text += " " + typeSignature(graph.typeOf(out));
  return text;
}

std::string signatureHash(const std::string& signature) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : signature) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(h));
  return buffer;
}

}  // namespace nest::partition
