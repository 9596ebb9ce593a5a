// The ALU sequence for requantization. With a non-negative lower bound the rounding offset
// h = 2^(k-1) folds into the bias (negative sums clamp to lo either way); otherwise ties of negative
// values need the sign: floor((a + h - [a < 0]) / 2^k) == round_half_away(a / 2^k).
#include "backends/npu/requant_plan.h"

#include <algorithm>
#include <limits>

namespace nest::npu {

namespace {

bool fitsImm(int64_t v) { return v >= std::numeric_limits<int16_t>::min() && v <= std::numeric_limits<int16_t>::max(); }

bool allEqual(const std::vector<int64_t>& v) {
  return std::all_of(v.begin(), v.end(), [&](int64_t x) { return x == v.front(); });
}

struct Builder {
  RequantPlan plan;

  // A per-channel operand: an immediate when every channel agrees and it fits 16 bits.
  AluOperand operand(const std::vector<int64_t>& perChannel, const std::string& what) {
    if (allEqual(perChannel) && fitsImm(perChannel.front())) return {AluOperand::Kind::Imm, static_cast<int32_t>(perChannel.front())};
    AccVector v;
    v.what = what;
    v.perChannel = !allEqual(perChannel);
    for (size_t i = 0; i < (v.perChannel ? perChannel.size() : 1); ++i) v.values.push_back(static_cast<int32_t>(perChannel[i]));
    plan.vectors.push_back(std::move(v));
    AluOperand o{AluOperand::Kind::Vector};
    o.vector = static_cast<int>(plan.vectors.size()) - 1;
    return o;
  }
  void step(vta::AluOp op, AccRegion dst, AluOperand src, std::string what) {
    plan.steps.push_back({op, dst, src, std::move(what)});
  }
  // dst op= the per-channel values, skipped when it changes nothing (adding 0, shifting by 0).
  void perChannel(vta::AluOp op, AccRegion dst, const std::vector<int64_t>& values, const std::string& what) {
    if (allEqual(values) && values.front() == 0) return;
    step(op, dst, operand(values, what), what);
  }
};

}  // namespace

RequantPlan planRequantization(const std::vector<int>& shifts, const std::vector<int32_t>& bias, int64_t lo, int64_t hi) {
  const size_t channels = std::max(shifts.size(), bias.size());
  std::vector<int64_t> k(channels), h(channels), b(channels, 0);
  bool anyRounding = false, anyExact = false;
  for (size_t c = 0; c < channels; ++c) {
    k[c] = shifts.size() == 1 ? shifts[0] : shifts.at(c);
    h[c] = k[c] > 0 ? int64_t{1} << (k[c] - 1) : 0;
    if (!bias.empty()) b[c] = bias.at(c);
    (k[c] > 0 ? anyRounding : anyExact) = true;
  }
  using vta::AluOp;
  Builder out;
  if (lo >= 0 || !anyRounding) {
    std::vector<int64_t> biasH(channels);
    for (size_t c = 0; c < channels; ++c) biasH[c] = b[c] + h[c];
    out.perChannel(AluOp::Add, AccRegion::Sum, biasH, anyRounding ? "add bias and rounding" : "add bias");
  } else {
    out.perChannel(AluOp::Add, AccRegion::Sum, b, "add bias");
    out.plan.needsSign = true;
    out.step(AluOp::Add, AccRegion::Sign, {AluOperand::Kind::Region, 0, -1, AccRegion::Sum}, "copy for the sign");
    out.step(AluOp::Shr, AccRegion::Sign, {AluOperand::Kind::Imm, 31}, "sign (-1 or 0)");
    if (anyExact) {
      // Channels without rounding must add nothing: max(sign + h, floor) with floor = h - 1 or 0.
      std::vector<int64_t> floor(channels);
      for (size_t c = 0; c < channels; ++c) floor[c] = k[c] > 0 ? h[c] - 1 : 0;
      out.perChannel(AluOp::Add, AccRegion::Sign, h, "rounding");
      out.step(AluOp::Max, AccRegion::Sign, out.operand(floor, "rounding floor"), "no rounding where k = 0");
    } else {
      out.perChannel(AluOp::Add, AccRegion::Sign, h, "rounding");
    }
    out.step(AluOp::Add, AccRegion::Sum, {AluOperand::Kind::Region, 0, -1, AccRegion::Sign}, "add rounding");
  }
  out.perChannel(AluOp::Shr, AccRegion::Sum, k, "shift");
  out.step(AluOp::Min, AccRegion::Sum, {AluOperand::Kind::Imm, static_cast<int32_t>(hi)}, "clamp high");
  out.step(AluOp::Max, AccRegion::Sum, {AluOperand::Kind::Imm, static_cast<int32_t>(lo)}, "clamp low");
  return out.plan;
}

int32_t requantizeReference(int64_t acc, int shift, int64_t lo, int64_t hi) {
  int64_t y;
  if (shift <= 0) {
    y = acc * (int64_t{1} << -shift);
  } else {
    const int64_t h = int64_t{1} << (shift - 1);
    y = acc >= 0 ? (acc + h) >> shift : -((-acc + h) >> shift);
  }
  return static_cast<int32_t>(std::clamp(y, lo, hi));
}

}  // namespace nest::npu
