#include "backends/profiler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace nest {

RangeHistogram::RangeHistogram(size_t bins) : counts_(bins, 0) {
  if (bins == 0) failBadInput("a histogram needs at least one bin");
}

size_t RangeHistogram::bin(float v) const {
  const size_t n = counts_.size();
  if (max_ <= min_) return 0;
  double pos = (static_cast<double>(v) - min_) / (static_cast<double>(max_) - min_) * static_cast<double>(n);
  if (pos <= 0) return 0;
  return std::min(static_cast<size_t>(pos), n - 1);  // the maximum falls into the last bin
}

void RangeHistogram::widen(float newMin, float newMax) {
  if (newMin > min_ || newMax < max_) failInternal("RangeHistogram::widen must not narrow the range");
  const size_t n = counts_.size();
  std::vector<uint64_t> old(n, 0);
  old.swap(counts_);
  const double oldWidth = (static_cast<double>(max_) - min_) / static_cast<double>(n);
  const float oldMin = min_;
  min_ = newMin;
  max_ = newMax;
  for (size_t i = 0; i < n; ++i)
    if (old[i]) counts_[bin(static_cast<float>(oldMin + oldWidth * (static_cast<double>(i) + 0.5)))] += old[i];
}

void RangeHistogram::add(const float* values, size_t n) {
  float lo = INFINITY, hi = -INFINITY;
  size_t finite = 0;
  for (size_t i = 0; i < n; ++i) {
    float v = values[i];
    if (!std::isfinite(v)) continue;
    ++finite;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  nonFinite_ += n - finite;
  if (finite == 0) return;
  if (total_ == 0) {
    min_ = lo;
    max_ = hi;
  } else if (lo < min_ || hi > max_) {
    widen(std::min(lo, min_), std::max(hi, max_));
  }
  const size_t bins = counts_.size();
  if (max_ <= min_) {
    counts_[0] += finite;
  } else {
    const double scale = static_cast<double>(bins) / (static_cast<double>(max_) - min_);
    const double base = min_;
    for (size_t i = 0; i < n; ++i) {
      float v = values[i];
      if (!std::isfinite(v)) continue;
      double pos = (static_cast<double>(v) - base) * scale;
      size_t b = pos <= 0 ? 0 : std::min(static_cast<size_t>(pos), bins - 1);
      ++counts_[b];
    }
  }
  total_ += finite;
}

Profiler::Profiler(const Graph& graph, size_t bins) : graph_(graph), interpreter_(graph) {
  auto track = [&](const std::string& value) {
    if (!isFloat(graph_.typeOf(value).elem) || index_.count(value)) return;
    index_[value] = names_.size();
    names_.push_back(value);
    hists_.emplace_back(bins);
  };
  for (const std::string& in : graph_.inputs) track(in);
  for (const Node& n : graph_.nodes)
    for (const std::string& out : n.outputs)
      if (!out.empty()) track(out);
  interpreter_.setObserver([this](const Node& n, const std::vector<Tensor>& results) {
    for (size_t k = 0; k < results.size() && k < n.outputs.size(); ++k) observe(n.outputs[k], results[k]);
  });
}

void Profiler::observe(const std::string& value, const Tensor& t) {
  auto it = index_.find(value);
  if (it == index_.end()) return;
  RangeHistogram& h = hists_[it->second];
  const Tensor f = t.elem() == ElemType::F32 ? t : convertTensor(t, ElemType::F32);
  const float* x = f.data<float>();
  h.add(x, static_cast<size_t>(f.numElements()));
  // Per-channel sums (axis 1) of the finite values, for bias correction.
  if (f.shape().size() >= 2 && f.shape()[1] > 0) {
    if (channelSums_.size() < hists_.size()) {
      channelSums_.resize(hists_.size());
      channelCounts_.resize(hists_.size());
      channelMins_.resize(hists_.size());
      channelMaxs_.resize(hists_.size());
    }
    std::vector<double>& sums = channelSums_[it->second];
    std::vector<float>& mins = channelMins_[it->second];
    std::vector<float>& maxs = channelMaxs_[it->second];
    const int64_t channels = f.shape()[1];
    sums.resize(static_cast<size_t>(channels), 0.0);
    mins.resize(static_cast<size_t>(channels), std::numeric_limits<float>::infinity());
    maxs.resize(static_cast<size_t>(channels), -std::numeric_limits<float>::infinity());
    int64_t inner = 1;
    for (size_t d = 2; d < f.shape().size(); ++d) inner *= f.shape()[d];
    for (int64_t i = 0; i < f.numElements(); ++i) {
      if (!std::isfinite(x[i])) continue;
      const size_t c = static_cast<size_t>((i / inner) % channels);
      sums[c] += x[i];
      mins[c] = std::min(mins[c], x[i]);
      maxs[c] = std::max(maxs[c], x[i]);
    }
    channelCounts_[it->second] += static_cast<uint64_t>(f.numElements() / channels);
  }
}

void Profiler::run(const std::vector<Tensor>& inputs) {
  for (size_t i = 0; i < inputs.size() && i < graph_.inputs.size(); ++i) observe(graph_.inputs[i], inputs[i]);
  interpreter_.run(inputs);
  ++runs_;
}

QuantProfile Profiler::profile() const {
  QuantProfile p;
  p.graphHash = graphHash(graph_);
  for (size_t i = 0; i < names_.size(); ++i) {
    const RangeHistogram& h = hists_[i];
    ValueProfile v;
    v.name = names_[i];
    v.min = h.min();
    v.max = h.max();
    v.histogram.assign(h.counts().begin(), h.counts().end());
    if (channelStats_ && i < channelSums_.size() && channelCounts_[i] > 0)
    {
      for (double sum : channelSums_[i]) v.channelMeans.push_back(sum / static_cast<double>(channelCounts_[i]));
      v.channelMins = channelMins_[i];
      v.channelMaxs = channelMaxs_[i];
    }
    p.values.push_back(std::move(v));
  }
  return p;
}

std::vector<std::string> Profiler::valuesWithNonFinite() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < names_.size(); ++i)
    if (hists_[i].nonFinite()) out.push_back(names_[i]);
  return out;
}

QuantProfile profileGraph(const Graph& graph, const CalibrationSet& data, const ProfileRunOptions& options) {
  Profiler profiler(graph, options.bins);
  profiler.setChannelStats(options.channelStats);
  for (size_t r = 0; r < data.runs(); ++r) {
    profiler.run(data.inputsForRun(r));
    if (options.onProgress) options.onProgress(r + 1, data.runs());
  }
  if (options.nonFiniteValues) *options.nonFiniteValues = profiler.valuesWithNonFinite();
  return profiler.profile();
}

}  // namespace nest
