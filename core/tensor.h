// A tensor value: a static type plus bytes in shared storage. Copying a Tensor shares the
// bytes (graph snapshots rely on this); constants in a graph are never written after import.
#pragma once
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/tensor_type.h"

namespace nest {

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled tensor of the given type.
  explicit Tensor(TensorType type);
  Tensor(TensorType type, const void* bytes);  // copies type.byteSize() bytes

  template <typename T>
  static Tensor fromVector(ElemType elem, Shape shape, const std::vector<T>& values) {
    Tensor t(TensorType(elem, std::move(shape)));
    if (t.byteSize()) std::memcpy(t.rawMutable(), values.data(), t.byteSize());  // data() may be null when empty
    return t;
  }
  static Tensor scalarF32(float v) { return fromVector<float>(ElemType::F32, {}, {v}); }

  const TensorType& type() const { return type_; }
  ElemType elem() const { return type_.elem; }
  const Shape& shape() const { return type_.shape; }
  int64_t numElements() const { return type_.numElements(); }
  size_t byteSize() const { return type_.byteSize(); }
  bool valid() const { return static_cast<bool>(storage_); }

  const void* raw() const { return storage_ ? storage_->data() : nullptr; }
  void* rawMutable() { return storage_ ? storage_->data() : nullptr; }
  template <typename T> const T* data() const { return static_cast<const T*>(raw()); }
  template <typename T> T* mutableData() { return static_cast<T*>(rawMutable()); }
  template <typename T> std::span<const T> values() const {
    return {data<T>(), static_cast<size_t>(numElements())};
  }

  // Same bytes, another shape with the same element count (Reshape, Flatten, ...).
  Tensor reshaped(Shape shape) const;
  // Element i converted to double / int64 whatever the element type (for attributes, stats).
  double getDouble(int64_t i) const;
  int64_t getInt(int64_t i) const;
  std::vector<int64_t> toInts() const;
  std::vector<double> toDoubles() const;
  // Changes the quantization annotation without touching the bytes.
  void setQuant(std::optional<QuantParams> q) { type_.quant = std::move(q); }
  bool sameBytes(const Tensor& other) const;
  uint64_t contentHash() const;  // FNV-1a of the bytes

 private:
  struct Storage {
    explicit Storage(size_t n);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    std::byte* data() { return bytes; }
    std::byte* bytes;
    size_t size;
  };
  TensorType type_;
  std::shared_ptr<Storage> storage_;
};

// Converts a tensor to another element type (numeric conversion as ONNX Cast).
Tensor convertTensor(const Tensor& src, ElemType to);

}  // namespace nest
