#include "core/quant_math.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"

namespace nest {

QuantSchema parseQuantSchema(const std::string& text, const std::string& what) {
  if (text == "asymmetric") return QuantSchema::Asymmetric;
  if (text == "symmetric") return QuantSchema::Symmetric;
  if (text == "symmetric_uint8") return QuantSchema::SymmetricUInt8;
  if (text == "symmetric_power2") return QuantSchema::SymmetricPower2;
  failBadInput(what + ": unknown schema '" + text +
               "' (use asymmetric, symmetric, symmetric_uint8 or symmetric_power2)");
}

Calibration parseCalibration(const std::string& text, const std::string& what) {
  Calibration c;
  if (text == "minmax") return c;
  if (text == "kl") {
    c.method = CalibrationMethod::KL;
    return c;
  }
  if (text == "mse") {
    c.method = CalibrationMethod::MSE;
    return c;
  }
  if (text == "auto") {
    c.method = CalibrationMethod::Auto;
    return c;
  }
  if (text == "percentile" || text.rfind("percentile=", 0) == 0) {
    c.method = CalibrationMethod::Percentile;
    if (text.size() > 11) {
      const std::string p = text.substr(11);
      size_t used = 0;
      double v = 0;
      try {
        v = std::stod(p, &used);
      } catch (...) {
        used = 0;
      }
      if (used != p.size() || !(v > 0 && v <= 100))
        failBadInput(what + ": percentile '" + p + "' must be a number in (0, 100]");
      c.percentile = v;
    }
    return c;
  }
  failBadInput(what + ": unknown calibration '" + text + "' (use minmax, kl, percentile[=P], mse or auto)");
}

QuantPrecision parseQuantPrecision(const std::string& text, const std::string& what) {
  if (text == "int8") return QuantPrecision::Int8;
  if (text == "int16") return QuantPrecision::Int16;
  failBadInput(what + ": unknown precision '" + text + "' (use int8 or int16)");
}

std::string quantSchemaName(QuantSchema s) {
  switch (s) {
    case QuantSchema::Asymmetric: return "asymmetric";
    case QuantSchema::Symmetric: return "symmetric";
    case QuantSchema::SymmetricUInt8: return "symmetric_uint8";
    case QuantSchema::SymmetricPower2: return "symmetric_power2";
  }
  return "?";
}

std::string calibrationName(const Calibration& c) {
  switch (c.method) {
    case CalibrationMethod::MinMax: return "minmax";
    case CalibrationMethod::KL: return "kl";
    case CalibrationMethod::MSE: return "mse";
    case CalibrationMethod::Auto: return "auto";
    case CalibrationMethod::Percentile: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "percentile=%g", c.percentile);
      return buf;
    }
  }
  return "?";
}

std::string quantPrecisionName(QuantPrecision p) { return p == QuantPrecision::Int8 ? "int8" : "int16"; }

void quantizedRange(ElemType e, int64_t& qmin, int64_t& qmax) {
  switch (e) {
    case ElemType::I8: qmin = -128; qmax = 127; return;
    case ElemType::U8: qmin = 0; qmax = 255; return;
    case ElemType::I16: qmin = -32768; qmax = 32767; return;
    case ElemType::U16: qmin = 0; qmax = 65535; return;
    case ElemType::I32: qmin = std::numeric_limits<int32_t>::min(); qmax = std::numeric_limits<int32_t>::max(); return;
    case ElemType::I64: qmin = std::numeric_limits<int64_t>::min(); qmax = std::numeric_limits<int64_t>::max(); return;
    default: failInternal("quantizedRange: " + std::string(elemTypeName(e)) + " is not a quantized element type");
  }
}

QuantChoice chooseQuantParams(float minIn, float maxIn, QuantSchema schema, QuantPrecision precision) {
  if (!std::isfinite(minIn) || !std::isfinite(maxIn) || minIn > maxIn)
    failBadInput("cannot quantize the range [" + std::to_string(minIn) + ", " + std::to_string(maxIn) + "]");
  double min = std::min(minIn, 0.0f), max = std::max(maxIn, 0.0f);
  const bool wide = precision == QuantPrecision::Int16;
  QuantChoice c;
  c.elem = wide ? ElemType::I16 : ElemType::I8;
  if (schema == QuantSchema::SymmetricUInt8) {
    if (min >= 0) c.elem = wide ? ElemType::U16 : ElemType::U8;
    else schema = QuantSchema::Symmetric;
  }
  int64_t qmin, qmax;
  quantizedRange(c.elem, qmin, qmax);
  if (max - min == 0) {
    c.scale = 1;
    return c;
  }
  double scale;
  if (schema == QuantSchema::Asymmetric) {
    scale = (max - min) / static_cast<double>(qmax - qmin);
    const double zp = static_cast<double>(qmin) - min / scale;
    c.zeroPoint = std::clamp<int64_t>(static_cast<int64_t>(std::round(zp)), qmin, qmax);
  } else if (qmin == 0) {  // symmetric_uint8 on a non-negative range
    scale = max / static_cast<double>(qmax);
  } else {
    scale = std::max(min / static_cast<double>(qmin), max / static_cast<double>(qmax));
    if (schema == QuantSchema::SymmetricPower2) scale = std::exp2(std::ceil(std::log2(scale)));
  }
  c.scale = static_cast<float>(scale);
  return c;
}

Requant quantizeMultiplier(double real) {
  if (!(real >= 0) || !std::isfinite(real)) failBadInput("requantization multiplier " + std::to_string(real) + " is not a non-negative number");
  Requant r;
  if (real == 0) return r;
  int exp = 0;
  const double frac = std::frexp(real, &exp);  // real = frac * 2^exp, frac in [0.5, 1)
  int64_t m = static_cast<int64_t>(std::llround(frac * (1LL << 31)));
  if (m == (1LL << 31)) {
    m /= 2;
    ++exp;
  }
  r.multiplier = static_cast<int32_t>(m);
  r.shift = exp;
  return r;
}

int64_t requantize(int64_t acc, Requant r) {
  const __int128 p = static_cast<__int128>(acc) * r.multiplier;
  const int right = 31 - r.shift;
  __int128 y;
  if (right <= 0) {
    y = right < -62 ? (p == 0 ? 0 : (p > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min()))
                    : p * (static_cast<__int128>(1) << -right);
  } else if (right >= 126) {
    y = 0;
  } else {
    const __int128 half = static_cast<__int128>(1) << (right - 1);
    y = p >= 0 ? (p + half) >> right : -((-p + half) >> right);
  }
  const __int128 hi = std::numeric_limits<int64_t>::max(), lo = std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(y > hi ? hi : (y < lo ? lo : y));
}

int64_t quantizeValue(float x, float scale, int64_t zeroPoint, ElemType elem) {
  int64_t qmin, qmax;
  quantizedRange(elem, qmin, qmax);
  if (std::isnan(x)) return zeroPoint;
  // x / scale in single precision, as ONNX QuantizeLinear: the internal Quantize and an imported
  // QuantizeLinear give the same integers.
  const double v = std::nearbyint(static_cast<double>(x / scale)) + static_cast<double>(zeroPoint);
  if (v <= static_cast<double>(qmin)) return qmin;
  if (v >= static_cast<double>(qmax)) return qmax;
  return static_cast<int64_t>(v);
}

float dequantizeValue(int64_t q, float scale, int64_t zeroPoint) {
  return static_cast<float>(q - zeroPoint) * scale;
}

namespace {

// For element i of a tensor with `shape`, the channel along `axis` (0 when per tensor).
struct ChannelOf {
  int64_t dim = 1, inner = 1;
  ChannelOf(const Shape& shape, std::optional<int64_t> axis) {
    if (!axis) return;
    dim = shape.at(static_cast<size_t>(*axis));
    for (size_t d = static_cast<size_t>(*axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  }
  size_t operator()(int64_t i) const { return dim == 1 ? 0 : static_cast<size_t>((i / inner) % dim); }
};

}  // namespace

Tensor quantizeTensor(const Tensor& x, ElemType elem, const QuantParams& params) {
  const Tensor xf = x.elem() == ElemType::F32 ? x : convertTensor(x, ElemType::F32);
  TensorType t(elem, x.shape());
  t.quant = params;
  Tensor q(t);
  ChannelOf channel(x.shape(), params.axis);
  const float* xs = xf.data<float>();
  dispatchStorageType(elem, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) {
      T* out = q.mutableData<T>();
      for (int64_t i = 0; i < x.numElements(); ++i) {
        const size_t c = channel(i);
        out[i] = static_cast<T>(quantizeValue(xs[i], params.scales.at(c), params.zeroPoints.at(c), elem));
      }
    }
  });
  return q;
}

Tensor dequantizeTensor(const Tensor& q) {
  if (!q.type().quant) failBadInput("dequantizeTensor: " + typeToString(q.type()) + " has no quantization parameters");
  const QuantParams& p = *q.type().quant;
  Tensor out(TensorType(ElemType::F32, q.shape()));
  ChannelOf channel(q.shape(), p.axis);
  float* o = out.mutableData<float>();
  for (int64_t i = 0; i < q.numElements(); ++i) {
    const size_t c = channel(i);
    o[i] = dequantizeValue(q.getInt(i), p.scales.at(c), p.zeroPoints.at(c));
  }
  return out;
}

QuantParams weightParams(const Tensor& w, QuantSchema schema, QuantPrecision precision, std::optional<int64_t> axis,
                         ElemType& elem) {
  // Weights are signed: symmetric_uint8 falls back to symmetric for them (one element type for
  // every channel).
  if (schema == QuantSchema::SymmetricUInt8) schema = QuantSchema::Symmetric;
  const std::vector<double> v = w.toDoubles();
  ChannelOf channel(w.shape(), axis);
  std::vector<float> lo(static_cast<size_t>(channel.dim), std::numeric_limits<float>::infinity());
  std::vector<float> hi(static_cast<size_t>(channel.dim), -std::numeric_limits<float>::infinity());
  for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i) {
    const size_t c = channel(i);
    lo[c] = std::min(lo[c], static_cast<float>(v[static_cast<size_t>(i)]));
    hi[c] = std::max(hi[c], static_cast<float>(v[static_cast<size_t>(i)]));
  }
  QuantParams p;
  p.axis = axis;
  for (size_t c = 0; c < lo.size(); ++c) {
    if (lo[c] > hi[c]) lo[c] = hi[c] = 0;  // empty channel
    QuantChoice q = chooseQuantParams(lo[c], hi[c], schema, precision);
    elem = q.elem;
    p.scales.push_back(q.scale);
    p.zeroPoints.push_back(q.zeroPoint);
  }
  return p;
}

}  // namespace nest
