// Resource limits for everything read from files (issue 15). Readers check declared sizes against
// them before allocating, so a model that declares a 10^12-element tensor is refused with a clear
// error instead of exhausting memory; the Tensor constructor checks again as the last guard.
#pragma once
#include <cstdint>
#include <string>

#include "core/tensor_type.h"

namespace nest {

struct ResourceLimits {
  static constexpr int64_t kMaxTensorElements = int64_t{1} << 32;
  static constexpr int64_t kMaxTensorBytes = int64_t{16} << 30;  // 16 GiB
  static constexpr int64_t kMaxNodes = int64_t{4} << 20;         // 4M nodes in a graph
  static constexpr int kMaxNestingDepth = 16;                    // subgraphs in subgraphs
};

// Throws BadInput naming `what` ("initializer 'w'", ...) when the shape has a negative dimension
// or holds more elements or bytes than the limits; returns the element count. Never overflows.
int64_t checkTensorSize(const Shape& shape, ElemType elem, const std::string& what);
// Throws BadInput naming `what` when `count` nodes exceed the limit.
void checkNodeCount(int64_t count, const std::string& what);
// Throws BadInput naming `what` when `depth` (1 = the top graph's subgraphs) exceeds the limit.
void checkNestingDepth(int depth, const std::string& what);
// Throws BadInput naming `what` when an external data location is absolute or climbs out of the
// model's folder with "..".
void checkExternalDataLocation(const std::string& location, const std::string& what);

}  // namespace nest
