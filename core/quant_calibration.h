// Calibration: the range of a profiled value (min, max and an equal-width histogram over them)
// that the quantizer keeps. Methods: min/max, percentile, KL divergence (entropy calibration),
// MSE-optimal clipping, and `auto`, which picks per value the method whose range quantizes the
// histogram with the least expected squared error. Formulas: docs/quantization.md,
// "Choosing parameters". No Qt.
#pragma once
#include <vector>

#include "core/quant_math.h"

namespace nest {

// The range to quantize for a profiled value:
// * MinMax: [min, max];
// * Percentile: the (100-P)/2 and (100+P)/2 percentiles of the histogram (values uniform in a bin);
// * KL: entropy calibration (TensorRT / Glow): the histogram re-binned onto the schema's range,
//   then the window of bins minimising the KL divergence between the window's histogram (outside
//   mass saturated into the end bins) and its 255-level quantization; the bin holding real 0 is a
//   level of its own (0 is exact in every schema) and levels split the window evenly;
// * MSE: the range [lo*a, hi*b] (a, b in (0, 1]) whose quantization has the least expected
//   squared error over the histogram, clipping error included (histogramQuantMse);
// * Auto: whichever of the above gives the least expected squared error.
// With int16 precision the result is then widened by kInt16RangeHeadroom.
FloatRange calibrateRange(float min, float max, const std::vector<float>& histogram, const Calibration& calibration,
                          QuantSchema schema, QuantPrecision precision);

// int16 ranges are the calibrated range times this: 256 times the levels of int8 leave room for
// values beyond what calibration saw (PaddleOCR's detector: held-out pages exceed the ranges of 30
// or 100 calibration pages by up to 11%, and the clipping, not the rounding, then limits int16)
// for 6 dB of int16's ~96.
constexpr float kInt16RangeHeadroom = 2.0f;

// calibrateRange() with the method actually used (for Auto: the one it picked, never Auto) and the
// expected squared error per element of the histogram's values quantized over that range.
struct CalibratedRange {
  FloatRange range;
  Calibration method;
  double mse = 0;
};
CalibratedRange calibrate(float min, float max, const std::vector<float>& histogram, const Calibration& calibration,
                          QuantSchema schema, QuantPrecision precision);

// Expected squared error per element when the values described by `histogram` (equal-width bins
// over [min, max], values uniform within a bin) are quantized with `q` (rounding to the nearest
// step inside the representable range, saturation outside). Exact for that model of the data.
double histogramQuantMse(float min, float max, const std::vector<float>& histogram, const QuantChoice& q);

}  // namespace nest
