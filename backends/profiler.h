// The calibration run behind `nestc profile`: runs a float graph in the reference interpreter over
// calibration inputs and records, for every float graph input and node result, its range and a
// histogram (core/quant_profile.h). One pass over the data suffices: when a later run widens a
// value's range, its histogram is re-binned onto the wider range (as Glow's profiling does).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/interpreter/interpreter.h"
#include "core/calibration_data.h"
#include "core/quant_profile.h"

namespace nest {

// Range and equal-width histogram of a stream of floats. Counts are kept as integers (a float
// count stops growing at 2^24, which one ResNet layer reaches in a few dozen images).
class RangeHistogram {
 public:
  explicit RangeHistogram(size_t bins = 2000);
  // Adds values; NaN and infinities are left out (counted in nonFinite()).
  void add(const float* values, size_t n);
  bool empty() const { return total_ == 0; }
  float min() const { return min_; }
  float max() const { return max_; }
  const std::vector<uint64_t>& counts() const { return counts_; }
  uint64_t total() const { return total_; }
  uint64_t nonFinite() const { return nonFinite_; }
  // Moves the counts onto the wider range [newMin, newMax] (which must contain the current one):
  // each old bin's count goes to the new bin holding the old bin's centre, so totals are kept.
  void widen(float newMin, float newMax);

 private:
  size_t bin(float v) const;
  std::vector<uint64_t> counts_;
  float min_ = 0, max_ = 0;
  uint64_t total_ = 0, nonFinite_ = 0;
};

class Profiler {
 public:
  // `graph` must outlive the profiler.
  explicit Profiler(const Graph& graph, size_t bins = 2000);
  // One calibration run (inputs in graph-input order).
  void run(const std::vector<Tensor>& inputs);
  size_t runs() const { return runs_; }
  // Whether profile() includes each value's per-channel means, minima and maxima (off by default:
  // Glow's format has no such keys).
  void setChannelStats(bool on) { channelStats_ = on; }
  // The profile so far: graph inputs, then node results in graph order; hash of `graph`.
  QuantProfile profile() const;
  // Values that held NaN or infinity in some run (those elements are not profiled).
  std::vector<std::string> valuesWithNonFinite() const;

 private:
  void observe(const std::string& value, const Tensor& t);
  const Graph& graph_;
  Interpreter interpreter_;
  std::vector<std::string> names_;                 // profiled values, in profile order
  std::unordered_map<std::string, size_t> index_;  // value -> position in names_/hists_
  std::vector<RangeHistogram> hists_;
  std::vector<std::vector<double>> channelSums_;  // per value: sum of each channel (axis 1)
  std::vector<uint64_t> channelCounts_;           // per value: elements summed per channel
  std::vector<std::vector<float>> channelMins_, channelMaxs_;
  size_t runs_ = 0;
  bool channelStats_ = false;
};

struct ProfileRunOptions {
  size_t bins = 2000;
  // After every run; may throw to stop profiling (the exception propagates out of profileGraph).
  std::function<void(size_t done, size_t total)> onProgress;
  std::vector<std::string>* nonFiniteValues = nullptr;  // when set: filled with valuesWithNonFinite()
  bool channelStats = false;  // keep each value's per-channel means, minima, maxima (ValueProfile::channel*)
};

// Profiles `graph` over every run of `data`: what `nestc profile` and the workbench's calibration
// both run.
QuantProfile profileGraph(const Graph& graph, const CalibrationSet& data, const ProfileRunOptions& options = {});

}  // namespace nest
