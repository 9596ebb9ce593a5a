// Quantization arithmetic shared by the quantize pass, the integer kernels and (later) code
// generation: choosing scale / zero point from a range (schemas), narrowing a profiled range
// (calibration: min/max, KL divergence, percentile), and requantization with an integer
// multiplier and shift. The exact formulas are documented in docs/quantization.md
// ("Quantization"); a C backend must reproduce requantize() bit for bit. No Qt.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace nest {

enum class QuantSchema { Asymmetric, Symmetric, SymmetricUInt8, SymmetricPower2 };
enum class CalibrationMethod { MinMax, KL, Percentile, MSE, Auto };
enum class QuantPrecision { Int8, Int16 };

struct Calibration {
  CalibrationMethod method = CalibrationMethod::MinMax;
  double percentile = 99.99;  // for Percentile: keep this share (in %) of the values inside the range
  bool operator==(const Calibration&) const = default;
};

// Spellings used by the CLI and the project file: "asymmetric", "symmetric", "symmetric_uint8",
// "symmetric_power2"; "minmax", "kl", "percentile" / "percentile=P", "mse", "auto"; "int8", "int16".
// Parsers throw BadInput naming `what` (e.g. "--schema") and the accepted values.
QuantSchema parseQuantSchema(const std::string& text, const std::string& what);
Calibration parseCalibration(const std::string& text, const std::string& what);
QuantPrecision parseQuantPrecision(const std::string& text, const std::string& what);
std::string quantSchemaName(QuantSchema s);
std::string calibrationName(const Calibration& c);
std::string quantPrecisionName(QuantPrecision p);

// Integer range of a quantized element type (I8, U8, I16, U16, I32, I64).
void quantizedRange(ElemType e, int64_t& qmin, int64_t& qmax);

// Scale / zero point / element type for values in [min, max] (widened to include 0):
//   asymmetric:       I8 (I16) with a zero point, scale = (max - min) / (qmax - qmin)
//   symmetric:        zero point 0, scale = max(-min / -qmin, max / qmax)
//   symmetric_uint8:  U8 (U16 for int16) with zero point 0 when min >= 0, otherwise symmetric
//   symmetric_power2: symmetric with the scale rounded up to a power of two
// An empty range (min == max == 0) gets scale 1.
struct QuantChoice {
  ElemType elem = ElemType::I8;
  float scale = 1;
  int64_t zeroPoint = 0;
  QuantParams params() const { return {{scale}, {zeroPoint}, std::nullopt}; }
};
QuantChoice chooseQuantParams(float min, float max, QuantSchema schema, QuantPrecision precision);

struct FloatRange {
  float min = 0, max = 0;
};
// calibrateRange() (the range a calibration method keeps of a profiled value) lives in
// core/quant_calibration.h.

// Real multiplier as multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) (0 for real == 0).
struct Requant {
  int32_t multiplier = 0;
  int32_t shift = 0;
};
// Real must be >= 0 and finite; throws BadInput otherwise.
Requant quantizeMultiplier(double real);
// Integer-only: round(acc * multiplier / 2^(31 - shift)) with ties away from zero, saturated to
// int64 (one rounding, 128-bit intermediate product).
int64_t requantize(int64_t acc, Requant r);

// Float boundary conversions (used by Quantize / Dequantize and for constants):
// q = clamp(nearbyint(x / scale) + zp) (float division, ties to even), x = (q - zp) * scale.
int64_t quantizeValue(float x, float scale, int64_t zeroPoint, ElemType elem);
float dequantizeValue(int64_t q, float scale, int64_t zeroPoint);

// A float tensor quantized with `params` (per tensor, or per channel along params.axis) into `elem`.
Tensor quantizeTensor(const Tensor& x, ElemType elem, const QuantParams& params);
// A quantized tensor (with quant params in its type) back to F32.
Tensor dequantizeTensor(const Tensor& q);

// Weight quantization from the tensor's own min/max: per tensor, or per channel along `axis`.
QuantParams weightParams(const Tensor& w, QuantSchema schema, QuantPrecision precision, std::optional<int64_t> axis,
                         ElemType& elem);

}  // namespace nest
