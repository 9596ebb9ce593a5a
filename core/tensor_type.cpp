#include "core/tensor_type.h"

#include "core/error.h"
#include "core/text_format.h"

namespace nest {

int64_t numElements(const Shape& shape) {
  // A zero anywhere makes the product 0 even when the other dimensions would overflow it.
  for (int64_t d : shape)
    if (d == 0) return 0;
  int64_t n = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n))
      failBadInput("shape " + shapeToString(shape) + " has more elements than a 64-bit count holds");
  return n;
}

std::string shapeToString(const Shape& shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(shape[i]);
  }
  return s;
}

std::string typeToString(const TensorType& type) {
  std::string s(elemTypeName(type.elem));
  if (type.quant) {
    const QuantParams& q = *type.quant;
    if (q.axis) {
      s += "<axis=" + std::to_string(*q.axis) + ",scales=[";
      for (size_t i = 0; i < q.scales.size(); ++i) s += (i ? "," : "") + formatFloat(q.scales[i]);
      s += "],zps=[";
      for (size_t i = 0; i < q.zeroPoints.size(); ++i) s += (i ? "," : "") + std::to_string(q.zeroPoints[i]);
      s += "]>";
    } else {
      s += "<scale=" + formatFloat(q.scales.at(0)) + ",zp=" + std::to_string(q.zeroPoints.at(0)) + ">";
    }
  }
  s += '[';
  for (size_t i = 0; i < type.shape.size(); ++i) s += (i ? "," : "") + std::to_string(type.shape[i]);
  s += ']';
  return s;
}

}  // namespace nest
