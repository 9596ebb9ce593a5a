// Strided copies shared by the data-movement kernels (Slice, Transpose, Pad, Resize, ...).
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor_type.h"

namespace nest::ops {

// Copies the strided view (element strides, possibly negative or zero) of `shape` starting at
// element `srcOffset` of `src` into the contiguous `dst`. Dimensions of size 1 are dropped and
// dimensions that are contiguous in the source merged, so the inner loop is as long as possible.
void copyStrided(ElemType elem, const void* src, int64_t srcOffset, const Shape& shape,
                 const std::vector<int64_t>& strides, void* dst);

}  // namespace nest::ops
