#include "core/tensor.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>

#include "core/error.h"
#include "core/resource_limits.h"

namespace nest {

Tensor::Storage::Storage(size_t n) : size(n) {
  size_t rounded = (n + 63) / 64 * 64;
  bytes = static_cast<std::byte*>(std::aligned_alloc(64, rounded ? rounded : 64));
  if (!bytes) throw std::bad_alloc();
  std::memset(bytes, 0, rounded ? rounded : 64);
}

Tensor::Storage::~Storage() { std::free(bytes); }

Tensor::Tensor(TensorType type) : type_(std::move(type)) {
  // The last guard before allocating (readers check first, naming the tensor).
  checkTensorSize(type_.shape, type_.elem, "tensor");
  storage_ = std::make_shared<Storage>(type_.byteSize());
}

Tensor::Tensor(TensorType type, const void* bytes) : Tensor(std::move(type)) {
  if (byteSize()) std::memcpy(storage_->data(), bytes, byteSize());
}

Tensor Tensor::reshaped(Shape shape) const {
  if (nest::numElements(shape) != numElements())
    failInternal("reshape of " + shapeToString(type_.shape) + " to " + shapeToString(shape));
  Tensor t = *this;
  t.type_.shape = std::move(shape);
  return t;
}

double Tensor::getDouble(int64_t i) const {
  if (elem() == ElemType::F16) return halfToFloat(data<uint16_t>()[i]);
  return dispatchStorageType(elem(), [&](auto tag) -> double {
    using T = decltype(tag);
    return static_cast<double>(data<T>()[i]);
  });
}

int64_t Tensor::getInt(int64_t i) const {
  if (isFloat(elem())) return static_cast<int64_t>(getDouble(i));
  return dispatchStorageType(elem(), [&](auto tag) -> int64_t {
    using T = decltype(tag);
    return static_cast<int64_t>(data<T>()[i]);
  });
}

std::vector<int64_t> Tensor::toInts() const {
  std::vector<int64_t> v(static_cast<size_t>(numElements()));
  if (isFloat(elem())) {
    for (int64_t i = 0; i < numElements(); ++i) v[i] = getInt(i);
    return v;
  }
  dispatchStorageType(elem(), [&](auto tag) {
    using T = decltype(tag);
    const T* d = data<T>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(d[i]);
  });
  return v;
}

std::vector<double> Tensor::toDoubles() const {
  std::vector<double> v(static_cast<size_t>(numElements()));
  if (elem() == ElemType::F16) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = halfToFloat(data<uint16_t>()[i]);
    return v;
  }
  dispatchStorageType(elem(), [&](auto tag) {
    using T = decltype(tag);
    const T* d = data<T>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(d[i]);
  });
  return v;
}

bool Tensor::sameBytes(const Tensor& other) const {
  if (byteSize() != other.byteSize()) return false;
  if (storage_ == other.storage_) return true;
  return byteSize() == 0 || std::memcmp(raw(), other.raw(), byteSize()) == 0;
}

uint64_t Tensor::contentHash() const {
  // FNV-1a over 64-bit words (then the tail bytes): fast enough to hash a whole model's weights.
  uint64_t h = 1469598103934665603ull;
  auto* p = static_cast<const unsigned char*>(raw());
  const size_t n = byteSize(), words = n / 8;
  for (size_t i = 0; i < words; ++i) {
    uint64_t w;
    std::memcpy(&w, p + 8 * i, 8);
    h = (h ^ w) * 1099511628211ull;
  }
  for (size_t i = 8 * words; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

namespace {
template <typename To>
To castValue(double v) {
  if constexpr (std::is_floating_point_v<To>) {
    return static_cast<To>(v);
  } else {
    if (std::isnan(v)) return To{};
    // Saturate like the common implementations do for out-of-range float->int.
    if (v <= static_cast<double>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (v >= static_cast<double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  }
}
}  // namespace

Tensor convertTensor(const Tensor& src, ElemType to) {
  Tensor dst(TensorType(to, src.shape()));
  const int64_t n = src.numElements();
  if (to == ElemType::Bool) {
    auto* o = dst.mutableData<uint8_t>();
    for (int64_t i = 0; i < n; ++i) o[i] = src.getDouble(i) != 0.0;
    return dst;
  }
  if (to == ElemType::F16) {
    auto* o = dst.mutableData<uint16_t>();
    for (int64_t i = 0; i < n; ++i) o[i] = floatToHalf(static_cast<float>(src.getDouble(i)));
    return dst;
  }
  const bool srcIsWideInt = src.elem() == ElemType::I64 || src.elem() == ElemType::U64;
  dispatchStorageType(to, [&](auto tag) {
    using T = decltype(tag);
    T* o = dst.mutableData<T>();
    if (srcIsWideInt && !std::is_floating_point_v<T>) {
      // integer -> integer keeps all 64 bits (wraps like C, as ONNX Cast does)
      for (int64_t i = 0; i < n; ++i)
        o[i] = src.elem() == ElemType::U64 ? static_cast<T>(src.data<uint64_t>()[i]) : static_cast<T>(src.getInt(i));
    } else if (isInteger(src.elem()) && !std::is_floating_point_v<T>) {
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(src.getInt(i));
    } else if (src.elem() == ElemType::U64) {
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(src.data<uint64_t>()[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i] = castValue<T>(src.getDouble(i));
    }
  });
  return dst;
}

}  // namespace nest
