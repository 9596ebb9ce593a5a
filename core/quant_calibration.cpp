#include "core/quant_calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace nest {

namespace {

// Histogram counts over [oldMin, oldMax] redistributed onto the same number of bins over
// [newMin, newMax], assuming values uniform within each old bin (Glow's rescaleHistogram).
std::vector<float> rebin(const std::vector<float>& hist, double oldMin, double oldMax, double newMin, double newMax) {
  const size_t n = hist.size();
  if (oldMin == newMin && oldMax == newMax) return hist;
  std::vector<float> out(n, 0);
  const double ow = (oldMax - oldMin) / n, nw = (newMax - newMin) / n;
  for (size_t i = 0; i < n; ++i) {
    if (hist[i] == 0) continue;
    const double lo = oldMin + i * ow, hi = lo + ow;
    const double first = std::floor((lo - newMin) / nw), last = std::floor((hi - newMin) / nw);
    for (double j = std::max(0.0, first); j <= std::min<double>(n - 1, last); ++j) {
      const double blo = newMin + j * nw, bhi = blo + nw;
      const double overlap = std::min(hi, bhi) - std::max(lo, blo);
      // Overlaps from rounding alone would give empty bins a trace of mass, which KL counts as
      // values there.
      if (overlap > 1e-9 * ow) out[static_cast<size_t>(j)] += static_cast<float>(hist[i] * overlap / ow);
    }
  }
  return out;
}

// Zero bins get eps, the others give up the same total (Glow's conditionHistogram).
void conditionHistogram(std::vector<float>& h) {
  const float eps = 0.0001f;
  size_t zeros = 0;
  for (float v : h) zeros += v == 0;
  if (zeros == 0 || zeros == h.size()) return;
  const float take = eps * zeros / static_cast<float>(h.size() - zeros);
  if (take >= 1) return;
  for (float& v : h) v = v == 0 ? eps : v - take;
}

double klDivergence(std::vector<float>& p, std::vector<float>& q) {
  const double sp = std::accumulate(p.begin(), p.end(), 0.0), sq = std::accumulate(q.begin(), q.end(), 0.0);
  if (sp == 0 || sq == 0) return 0;
  double d = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double pi = p[i] / sp, qi = q[i] / sq;
    if (pi > 0 && qi > 0) d += pi * std::log(pi / qi);
  }
  return d;
}

// Bins [b, e) of the window merged into one level of q: their mass spread evenly over the bins
// where p is non-zero (the information a level keeps).
void mergeLevel(const std::vector<float>& hist, size_t start, size_t b, size_t e, const std::vector<float>& p,
                std::vector<float>& q) {
  double sum = 0;
  size_t nonZero = 0;
  for (size_t i = b; i < e; ++i) {
    sum += hist[start + i];
    nonZero += hist[start + i] != 0;
  }
  if (nonZero)
    for (size_t i = b; i < e; ++i)
      if (p[i] != 0) q[i] = static_cast<float>(sum / nonZero);
}

// The bin window [start, stop] (inclusive) of `hist` over [lo, hi] whose saturated histogram is
// best approximated by its quantization into `levels` levels (minimum KL divergence).
//
// Two differences from Glow / TensorRT, both found on mnist-8 (docs/quantization.md, "KL"):
// * the bin holding real 0 is a level of its own. Zero is exact in every schema, and ReLU outputs
//   put most of their mass there (80% of mnist-8's Conv outputs). Merged with its neighbours, that
//   spike is smeared over the level and charges about p0 * log(bins per level) to every window
//   wider than one bin per level, which narrow windows escape: KL clipped the Convs to a quarter
//   of their range (the first Conv's [0, 966] to [0, 245]) and cost 2.5 points;
// * levels split the window evenly (boundaries at l * size / levels) instead of `size / levels`
//   bins each with the remainder (up to 254 bins) all in the last level, which is not how a
//   quantizer with equal steps treats the window's top.
FloatRange optimizeKL(const std::vector<float>& hist, double lo, double hi, size_t levels, bool symmetric) {
  const size_t n = hist.size();
  if (n < levels || hi <= lo) return {static_cast<float>(lo), static_cast<float>(hi)};
  const double width = (hi - lo) / n;
  // The bin holding real 0 (the range always contains 0; on an edge, the bin right of it, where
  // the profiler's [0, w) bin went).
  const size_t zeroBin = std::min(n - 1, static_cast<size_t>(std::max(0.0, std::floor(-lo / width + 1e-6))));
  double best = std::numeric_limits<double>::infinity();
  double bestLo = lo, bestHi = hi;
  size_t start = 0, stop = n - 1;
  while (stop - start + 1 >= levels) {
    const size_t size = stop - start + 1;
    std::vector<float> p(size, 0);
    for (size_t i = 0; i <= start; ++i) p.front() += hist[i];
    for (size_t i = start + 1; i < stop; ++i) p[i - start] = hist[i];
    for (size_t i = stop; i < n; ++i) p.back() += hist[i];
    std::vector<float> q(size, 0);
    const bool zeroInside = zeroBin >= start && zeroBin <= stop;
    const size_t z = zeroBin - start;
    for (size_t l = 0; l < levels; ++l) {
      const size_t b = l * size / levels, e = (l + 1) * size / levels;
      if (zeroInside && z >= b && z < e) {
        // The zero bin as its own level; the rest of this level on either side of it.
        q[z] = p[z] != 0 ? hist[zeroBin] : 0;
        mergeLevel(hist, start, b, z, p, q);
        mergeLevel(hist, start, z + 1, e, p, q);
      } else {
        mergeLevel(hist, start, b, e, p, q);
      }
    }
    conditionHistogram(p);
    conditionHistogram(q);
    const double d = klDivergence(p, q);
    if (d < best) {
      best = d;
      bestLo = lo + start * width;
      bestHi = lo + (stop + 1) * width;
    }
    // Never shrink past the zero bin (the range keeps 0).
    if (symmetric) {
      if (start + 1 > zeroBin || stop < zeroBin + 1) break;
      ++start;
      --stop;
    } else {
      const double both = hist[start] + hist[stop], left = hist[start] + hist[start + 1],
                   right = hist[stop] + hist[stop - 1];
      const bool canLeft = start + 2 <= zeroBin, canRight = stop >= zeroBin + 2;
      if (canLeft && canRight && both <= left && both <= right) {
        ++start;
        --stop;
      } else if (canLeft && (!canRight || left <= right)) {
        start += 2;
      } else if (canRight) {
        stop -= 2;
      } else {
        break;
      }
    }
  }
  if (symmetric && lo < 0 && hi > 0 && bestLo < 0 && bestHi > 0) {
    // Keep the ratio of the input range so that real 0 still maps to quantized 0.
    const double rMin = bestLo / lo, rMax = bestHi / hi;
    if (rMin > rMax) bestHi = rMin * hi;
    else bestLo = rMax * lo;
  }
  return {static_cast<float>(bestLo), static_cast<float>(bestHi)};
}

FloatRange klRange(float min, float max, const std::vector<float>& histogram, QuantSchema schema,
                   QuantPrecision precision) {
  // The range the schema would quantize (with 0 inside, symmetric extended), the histogram
  // re-binned onto it, then optimizeKL with 255 levels.
  double lo = std::min(min, 0.0f), hi = std::max(max, 0.0f);
  bool symmetric = schema != QuantSchema::Asymmetric;
  if (schema == QuantSchema::SymmetricUInt8 && lo >= 0) symmetric = false;  // one-sided: nothing to balance
  // int16 has 65535 levels, more than any histogram's bins: the range is kept (below).
  const size_t levels = precision == QuantPrecision::Int8 ? 255 : 65535;
  if (symmetric && (lo == 0 || hi == 0)) {
    // One-sided values under a symmetric schema: TensorRT's form, the histogram of |x| over
    // [0, max |x|] against one side's 128 levels. Extended to the empty side first, half the
    // bins would hold nothing and the search would clip the ReLU outputs of mnist-8 to half
    // their range (6.7 dB).
    std::vector<float> h = histogram;
    if (hi == 0) std::reverse(h.begin(), h.end());
    const FloatRange r = optimizeKL(h, 0, std::max(-lo, hi), levels / 2 + 1, false);
    return hi == 0 ? FloatRange{-r.max, 0} : FloatRange{0, r.max};
  }
  if (symmetric) {
    int64_t qmin, qmax;
    quantizedRange(precision == QuantPrecision::Int8 ? ElemType::I8 : ElemType::I16, qmin, qmax);
    const double rMin = lo / qmin, rMax = hi / qmax;
    if (rMin > rMax) hi = rMin * qmax;
    else lo = rMax * qmin;
  }
  std::vector<float> h = rebin(histogram, min, max, lo, hi);
  return optimizeKL(h, lo, hi, levels, symmetric);
}

// The value below which `share` (0..1) of the histogram's mass lies.
double histogramQuantile(const std::vector<float>& hist, double lo, double hi, double share) {
  const double total = std::accumulate(hist.begin(), hist.end(), 0.0);
  if (total <= 0) return share < 0.5 ? lo : hi;
  const double width = (hi - lo) / hist.size(), target = share * total;
  double acc = 0;
  for (size_t i = 0; i < hist.size(); ++i) {
    if (acc + hist[i] >= target && hist[i] > 0) return lo + width * (i + (target - acc) / hist[i]);
    acc += hist[i];
  }
  return hi;
}

FloatRange percentileRange(float min, float max, const std::vector<float>& histogram, double percentile) {
  const double tail = (100.0 - percentile) / 200.0;
  const double lo = histogramQuantile(histogram, min, max, tail);
  const double hi = histogramQuantile(histogram, min, max, 1.0 - tail);
  return {static_cast<float>(std::min(lo, hi)), static_cast<float>(std::max(lo, hi))};
}

// ∫ e(t)^2 dt from -s/2 to x for the rounding error e(t) = t - s * round(t / s): whole periods
// of s^3 / 12 plus the part of the last one.
double sawtoothIntegral(double x, double s) {
  const double u = x + s / 2, periods = std::floor(u / s), f = u - periods * s, h = s / 2;
  return periods * s * s * s / 12 + ((f - h) * (f - h) * (f - h) + h * h * h) / 3;
}

// ∫ (t - c)^2 dt over [l, r].
double squareIntegral(double l, double r, double c) {
  return ((r - c) * (r - c) * (r - c) - (l - c) * (l - c) * (l - c)) / 3;
}

// The expected squared error of the MSE search's candidate [lo * a, hi * b].
double candidateMse(float min, float max, const std::vector<float>& h, double lo, double hi, double a, double b,
                    QuantSchema schema, QuantPrecision precision) {
  return histogramQuantMse(min, max, h, chooseQuantParams(static_cast<float>(lo * a), static_cast<float>(hi * b), schema, precision));
}

// The factor t in (0, 1] minimising f(t): 100 even steps, then 50 steps around the best.
template <class F>
double searchFactor(F f) {
  double bestT = 1, best = f(1.0);
  for (int k = 1; k < 100; ++k) {
    const double t = k / 100.0, v = f(t);
    if (v < best) best = v, bestT = t;
  }
  const double from = std::max(1e-4, bestT - 0.01);
  for (int k = 0; k <= 50; ++k) {
    const double t = std::min(1.0, from + k * 0.0004), v = f(t);
    if (v < best) best = v, bestT = t;
  }
  return bestT;
}

FloatRange mseRange(float min, float max, const std::vector<float>& h, QuantSchema schema, QuantPrecision precision) {
  const double lo = std::min(min, 0.0f), hi = std::max(max, 0.0f);
  // Both ends scaled together; for an asymmetric range crossing 0 then each end alone (one scale
  // and zero point per pair of ends: the symmetric schemas depend on the larger end only).
  double a = searchFactor([&](double t) { return candidateMse(min, max, h, lo, hi, t, t, schema, precision); });
  double b = a;
  if (schema == QuantSchema::Asymmetric && lo < 0 && hi > 0) {
    for (int round = 0; round < 2; ++round) {
      a = searchFactor([&](double t) { return candidateMse(min, max, h, lo, hi, t, b, schema, precision); });
      b = searchFactor([&](double t) { return candidateMse(min, max, h, lo, hi, a, t, schema, precision); });
    }
  }
  return {static_cast<float>(lo * a), static_cast<float>(hi * b)};
}

}  // namespace

double histogramQuantMse(float min, float max, const std::vector<float>& histogram, const QuantChoice& q) {
  const double total = std::accumulate(histogram.begin(), histogram.end(), 0.0);
  if (total <= 0 || histogram.empty()) return 0;
  int64_t qmin, qmax;
  quantizedRange(q.elem, qmin, qmax);
  const double s = q.scale;
  const double gLo = static_cast<double>(qmin - q.zeroPoint) * s, gHi = static_cast<double>(qmax - q.zeroPoint) * s;
  const double roundLo = gLo - s / 2, roundHi = gHi + s / 2;  // saturation outside
  const double width = (static_cast<double>(max) - min) / histogram.size();
  double err = 0;
  for (size_t i = 0; i < histogram.size(); ++i) {
    if (histogram[i] == 0) continue;
    if (width == 0) {
      // All values at `min`: a point mass.
      const double x = min, e = x - std::clamp(s * std::nearbyint(x / s), gLo, gHi);
      err += histogram[i] * e * e;
      continue;
    }
    const double l = min + i * width, r = l + width;
    double e = 0;
    if (l < roundLo) e += squareIntegral(l, std::min(r, roundLo), gLo);
    if (r > roundHi) e += squareIntegral(std::max(l, roundHi), r, gHi);
    const double ml = std::max(l, roundLo), mr = std::min(r, roundHi);
    if (mr > ml) e += sawtoothIntegral(mr, s) - sawtoothIntegral(ml, s);
    err += histogram[i] * e / width;
  }
  return err / total;
}

namespace {

// The expected squared error of the histogram's values quantized over range r (0 without one).
double rangeMse(float min, float max, const std::vector<float>& histogram, FloatRange r, QuantSchema schema,
                QuantPrecision precision) {
  return histogram.empty() ? 0 : histogramQuantMse(min, max, histogram, chooseQuantParams(r.min, r.max, schema, precision));
}

CalibratedRange calibrateWithin(float min, float max, const std::vector<float>& histogram, const Calibration& calibration,
                                QuantSchema schema, QuantPrecision precision) {
  auto scored = [&](FloatRange r, Calibration method) {
    return CalibratedRange{r, method, rangeMse(min, max, histogram, r, schema, precision)};
  };
  if (calibration.method == CalibrationMethod::MinMax || histogram.empty() || !(max > min))
    return scored({min, max}, calibration.method == CalibrationMethod::Auto ? Calibration{} : calibration);
  switch (calibration.method) {
    case CalibrationMethod::Percentile: return scored(percentileRange(min, max, histogram, calibration.percentile), calibration);
    case CalibrationMethod::KL: return scored(klRange(min, max, histogram, schema, precision), calibration);
    case CalibrationMethod::MSE: return scored(mseRange(min, max, histogram, schema, precision), calibration);
    default: break;
  }
  // Auto: the least expected squared error; ties go to the simpler method (listed first).
  CalibratedRange best = scored({min, max}, Calibration{});
  for (CalibrationMethod m : {CalibrationMethod::Percentile, CalibrationMethod::KL, CalibrationMethod::MSE}) {
    Calibration c;
    c.method = m;
    CalibratedRange r = calibrateWithin(min, max, histogram, c, schema, precision);
    if (r.mse < best.mse) best = r;
  }
  return best;
}

}  // namespace

CalibratedRange calibrate(float min, float max, const std::vector<float>& histogram, const Calibration& calibration,
                          QuantSchema schema, QuantPrecision precision) {
  CalibratedRange r = calibrateWithin(min, max, histogram, calibration, schema, precision);
  if (precision == QuantPrecision::Int16) {
    r.range = {r.range.min * kInt16RangeHeadroom, r.range.max * kInt16RangeHeadroom};
    if (max > min) r.mse = rangeMse(min, max, histogram, r.range, schema, precision);
  }
  return r;
}

FloatRange calibrateRange(float min, float max, const std::vector<float>& histogram, const Calibration& calibration,
                          QuantSchema schema, QuantPrecision precision) {
  return calibrate(min, max, histogram, calibration, schema, precision).range;
}

}  // namespace nest
