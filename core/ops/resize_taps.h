// The per-axis interpolation taps of Resize and Upsample: exactly those the reference kernel
// (resize_ops.cpp) uses, so a code generator can emit the same resampling without a second copy
// of the ONNX coordinate formulas.
#pragma once
#include <cstdint>
#include <vector>

#include "core/graph.h"

namespace nest::ops {

struct ResizeAxisTaps {
  int k = 1;                  // taps per output index (nearest 1, linear 2, cubic 4)
  std::vector<int64_t> idx;   // outLen * k input indices (clamped)
  std::vector<double> w;      // outLen * k weights
  bool identity = true;       // every result is the input element at the same index
  bool anyExtrap = false;     // some results are extrapolation_value (tf_crop_and_resize)
};

// One entry per axis of the input shape `in`. Throws like the op's inference on bad attributes.
std::vector<ResizeAxisTaps> resizeAxisTaps(const Node& node, const Shape& in);

}  // namespace nest::ops
