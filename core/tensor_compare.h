// Comparing tensors against references (conformance tests, backend checks).
#pragma once
#include <optional>
#include <string>

#include "core/tensor.h"

namespace nest {

struct Tolerance {
  double rtol = 1e-3;  // defaults of the ONNX backend tests
  double atol = 1e-7;
};

// nullopt when equal within tolerance (floats: |a-e| <= atol + rtol*|e|, NaN matches NaN;
// integers and bool exactly); otherwise a one-line description of the first/worst mismatch.
std::optional<std::string> compareTensors(const Tensor& expected, const Tensor& actual, const Tolerance& tol = {});

}  // namespace nest
