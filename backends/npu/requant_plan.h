// Integer requantization as VTA ALU steps (MIN, MAX, ADD, SHR on int32 accumulators), bit-exact
// with core/quant_math's requantize() for power-of-two factors:
//   y = clamp(round_half_away((acc + bias) / 2^k), lo, hi), then STORE truncates to int8.
// A negative k is an exact left shift (no rounding). k may differ per output channel.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "backends/npu/vta/isa.h"

namespace nest::npu {

// An int32 vector in the accumulator buffer: one value per output channel (perChannel), or one
// value for every lane (a single entry).
struct AccVector {
  std::vector<int32_t> values;
  bool perChannel = true;
  std::string what;  // "bias", "shift", ...
};

enum class AccRegion : uint8_t { Sum, Sign };  // the accumulator tile, and its temporary twin

struct AluOperand {
  enum class Kind : uint8_t { Imm, Vector, Region } kind = Kind::Imm;
  int32_t imm = 0;
  int vector = -1;                     // index into RequantPlan::vectors
  AccRegion region = AccRegion::Sum;
};

struct AluStep {
  vta::AluOp op;
  AccRegion dst;
  AluOperand src;
  std::string what;  // for listings: "add bias", "shift right", ...
};

struct RequantPlan {
  std::vector<AccVector> vectors;
  std::vector<AluStep> steps;
  bool needsSign = false;  // uses the Sign region (zeroed with the tile's reset)
};

// shifts: k per channel (one value: every channel); bias: per channel or empty; [lo, hi]: the
// clamp bounds (the int8 range narrowed by a fused activation).
RequantPlan planRequantization(const std::vector<int>& shifts, const std::vector<int32_t>& bias, int64_t lo, int64_t hi);

// The reference: what the plan computes for one accumulator value of channel c (tests).
int32_t requantizeReference(int64_t acc, int shift, int64_t lo, int64_t hi);

}  // namespace nest::npu
