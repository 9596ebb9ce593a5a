// Small helpers shared by op definitions: axes, broadcasting, strides, type dispatch.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "core/op_table.h"

namespace nest::ops {

// Normalises a possibly negative axis against `rank` (ONNX convention); throws if out of range.
int64_t normalizeAxis(int64_t axis, int64_t rank, const Node& node);
std::vector<int64_t> normalizeAxes(const std::vector<int64_t>& axes, int64_t rank, const Node& node);

// A shape seen as [outer, n, inner] around one (normalized) axis: element (o, k, j) is at
// (o * n + k) * inner + j. Softmax, Hardmax, ArgMax and friends work along `n`.
struct AxisSplit {
  int64_t outer = 1, n = 1, inner = 1;
};
AxisSplit splitAtAxis(const Shape& shape, int64_t axis);

// Row-major strides of a shape.
std::vector<int64_t> stridesOf(const Shape& shape);

// Numpy (multidirectional) broadcast of shapes; throws naming the node when incompatible.
Shape broadcastShapes(const std::vector<Shape>& shapes, const Node& node);

// For an operand of `inShape` broadcast to `outShape`, its strides in output coordinates
// (0 along broadcast dimensions).
std::vector<int64_t> broadcastStrides(const Shape& inShape, const Shape& outShape);

// Calls f(i, offsets) for every output element index i, where offsets[k] is the element offset
// into operand k (broadcast). Fast paths for same-shape and scalar operands.
template <typename F>
void forEachBroadcast(const Shape& outShape, const std::vector<Shape>& inShapes, F&& f) {
  const size_t nIn = inShapes.size();
  const int64_t rank = static_cast<int64_t>(outShape.size());
  const int64_t total = numElements(outShape);
  std::vector<std::vector<int64_t>> strides(nIn);
  bool allSame = true;
  for (size_t k = 0; k < nIn; ++k) {
    strides[k] = broadcastStrides(inShapes[k], outShape);
    if (numElements(inShapes[k]) != total) allSame = false;
  }
  std::vector<int64_t> off(nIn, 0);
  if (allSame) {
    for (int64_t i = 0; i < total; ++i) {
      for (size_t k = 0; k < nIn; ++k) off[k] = i;
      f(i, off);
    }
    return;
  }
  std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
  for (int64_t i = 0; i < total; ++i) {
    f(i, off);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < outShape[d]) {
        for (size_t k = 0; k < nIn; ++k) off[k] += strides[k][d];
        break;
      }
      for (size_t k = 0; k < nIn; ++k) off[k] -= strides[k][d] * (outShape[d] - 1);
      idx[d] = 0;
    }
  }
}

// Calls f(T{}) with the arithmetic type used to compute on elements of `t`: float for F16
// (converted on load/store with loadAs/storeAs), the storage type otherwise.
template <typename T> inline double loadAsDouble(const void* p, int64_t i, ElemType t) {
  if (t == ElemType::F16) return halfToFloat(static_cast<const uint16_t*>(p)[i]);
  return static_cast<double>(static_cast<const T*>(p)[i]);
}

// Types a numeric kernel instantiates for: every element type; F16 is computed in float.
// f receives a tag of the compute type; use Elem<T>::load/store to access F16 storage.
template <typename T> struct Elem {
  using Storage = T;
  static T load(const void* p, int64_t i) { return static_cast<const T*>(p)[i]; }
  static void store(void* p, int64_t i, T v) { static_cast<T*>(p)[i] = v; }
};
struct Half {};  // tag for F16 computed in float
template <> struct Elem<Half> {
  using Storage = uint16_t;
  static float load(const void* p, int64_t i) { return halfToFloat(static_cast<const uint16_t*>(p)[i]); }
  static void store(void* p, int64_t i, float v) { static_cast<uint16_t*>(p)[i] = floatToHalf(v); }
};
// Compute type: float for Half, T otherwise.
template <typename T> using ComputeT = decltype(Elem<T>::load(nullptr, 0));

template <typename F>
decltype(auto) dispatchNumeric(ElemType t, F&& f) {
  switch (t) {
    case ElemType::F32: return f(float{});
    case ElemType::F16: return f(Half{});
    case ElemType::F64: return f(double{});
    case ElemType::I8: return f(int8_t{});
    case ElemType::U8: return f(uint8_t{});
    case ElemType::I16: return f(int16_t{});
    case ElemType::U16: return f(uint16_t{});
    case ElemType::I32: return f(int32_t{});
    case ElemType::U32: return f(uint32_t{});
    case ElemType::I64: return f(int64_t{});
    case ElemType::U64: return f(uint64_t{});
    case ElemType::Bool: return f(uint8_t{});
  }
  return f(float{});
}

// Checks that operands [first, last) all have the same element type.
void requireSameElem(const InferContext& ctx, size_t first, size_t last);
// Checks that an operand's element type is one of `allowed`.
void requireElem(const InferContext& ctx, size_t operand, std::initializer_list<ElemType> allowed);

// Output spatial size of a sliding window (conv/pool) with explicit pads.
int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t padBegin,
                         int64_t padEnd, bool ceilMode);
// Resolves ONNX auto_pad (NOTSET, VALID, SAME_UPPER, SAME_LOWER) into explicit pads
// [b0, b1, ..., e0, e1, ...] for the spatial dims.
std::vector<int64_t> resolvePads(const Attributes& attrs, const Shape& spatialIn, const std::vector<int64_t>& kernel,
                                 const std::vector<int64_t>& strides, const std::vector<int64_t>& dilations,
                                 const Node& node);

}  // namespace nest::ops
