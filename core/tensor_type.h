// Static tensor types: element type, shape and optional quantization.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/element_type.h"

namespace nest {

using Shape = std::vector<int64_t>;

int64_t numElements(const Shape& shape);
std::string shapeToString(const Shape& shape);  // "1x3x224x224", "scalar" for rank 0

// Affine quantization: real = scale * (q - zeroPoint). Per tensor when `axis` is empty
// (one scale, one zero point), per channel along `axis` otherwise.
struct QuantParams {
  std::vector<float> scales;
  std::vector<int64_t> zeroPoints;
  std::optional<int64_t> axis;

  bool perChannel() const { return axis.has_value(); }
  bool operator==(const QuantParams&) const = default;
};

struct TensorType {
  ElemType elem = ElemType::F32;
  Shape shape;
  std::optional<QuantParams> quant;

  TensorType() = default;
  TensorType(ElemType e, Shape s) : elem(e), shape(std::move(s)) {}

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t numElements() const { return nest::numElements(shape); }
  size_t byteSize() const { return static_cast<size_t>(numElements()) * elemSize(elem); }
  bool operator==(const TensorType&) const = default;
};

// Text IR spelling: f32[1,3,224,224], i8<scale=0.5,zp=3>[4], i8<axis=0,scales=[..],zps=[..]>[4,3]
std::string typeToString(const TensorType& type);

}  // namespace nest
