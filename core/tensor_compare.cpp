#include "core/tensor_compare.h"

#include <cmath>

#include "core/text_format.h"

namespace nest {

std::optional<std::string> compareTensors(const Tensor& expected, const Tensor& actual, const Tolerance& tol) {
  if (expected.elem() != actual.elem())
    return "element type " + std::string(elemTypeName(actual.elem())) + ", expected " + std::string(elemTypeName(expected.elem()));
  if (expected.shape() != actual.shape())
    return "shape " + shapeToString(actual.shape()) + ", expected " + shapeToString(expected.shape());
  const int64_t n = expected.numElements();
  int64_t bad = 0, worst = -1;
  double worstExcess = 0;
  if (isFloat(expected.elem())) {
    for (int64_t i = 0; i < n; ++i) {
      double e = expected.getDouble(i), a = actual.getDouble(i);
      if (std::isnan(e) && std::isnan(a)) continue;
      if (std::isinf(e) && e == a) continue;
      double excess = std::fabs(a - e) - (tol.atol + tol.rtol * std::fabs(e));
      if (excess > 0 || std::isnan(a) != std::isnan(e)) {
        ++bad;
        if (worst < 0 || excess > worstExcess || std::isnan(excess)) worst = i, worstExcess = excess;
      }
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      bool same = expected.elem() == ElemType::U64 ? expected.data<uint64_t>()[i] == actual.data<uint64_t>()[i]
                                                  : expected.getInt(i) == actual.getInt(i);
      if (!same && ++bad == 1) worst = i;
    }
  }
  if (!bad) return std::nullopt;
  bool f = isFloat(expected.elem());
  auto show = [&](const Tensor& t) {
    return f ? formatFloat(t.getDouble(worst), true) : std::to_string(t.getInt(worst));
  };
  return std::to_string(bad) + " of " + std::to_string(n) + " elements differ; at index " + std::to_string(worst) +
         " got " + show(actual) + ", expected " + show(expected);
}

}  // namespace nest
