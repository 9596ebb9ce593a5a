// VTA's blocked activation layout: which NCHW dimensions a value is packed from, and its size.
#include "core/error.h"
#include "backends/npu/npu_lowering.h"

namespace nest::npu {

BlockedShape blockedShapeOf(const TensorType& type) {
  const Shape& s = type.shape;
  if (s.size() == 4) return {s[0], s[1], s[2], s[3]};
  if (s.size() == 2) return {s[0], s[1], 1, 1};
  failUnsupported("the NPU's blocked layout takes 2-D or 4-D values, not " + typeToString(type));
}

uint64_t blockedBytes(const BlockedShape& shape, const vta::HwConfig& config) {
  const int64_t b = config.batch(), block = config.blockIn();
  const int64_t nBlocks = (shape.n + b - 1) / b, cBlocks = (shape.c + block - 1) / block;
  return static_cast<uint64_t>(nBlocks * cBlocks * shape.h * shape.w * b * block);
}

}  // namespace nest::npu
