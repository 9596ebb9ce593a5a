// Tiling of a Conv / Gemm / MatMul for VTA: output tiles (rows x cols of one image, or row blocks
// of a matrix), output-channel blocks per tile, input-channel blocks per reduction step, and the
// loop order. The buffers hold two tiles of each kind (double buffering). lowerNode
// (npu_lowering.cpp) generates the program of the first few candidates and keeps the one
// vta::estimateTiming finds fastest.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "backends/npu/node_analysis.h"
#include "backends/npu/requant_plan.h"
#include "backends/npu/vta/hw_config.h"

namespace nest::npu {

// Block counts and buffer capacities shared by tiling and code generation.
struct MacGeometry {
  int64_t batchBlocks = 1, ciBlocks = 1, coBlocks = 1;
  int64_t inH = 1, inW = 1, outH = 1, outW = 1;  // matrix: outH = inH = row blocks
  int64_t kernelEntries = 1;                     // KH * KW
  int64_t accConstEntries = 0;                   // requantization vectors at the accumulator's start
  int64_t inpHalf = 0, wgtHalf = 0, accHalf = 0;  // entries per buffer half
  int accPerEntry = 1;                           // 2 when the plan needs the Sign region
};
MacGeometry macGeometry(const MacSpec& spec, const RequantPlan& plan, const vta::HwConfig& config);

struct MacTiling {
  int64_t tileH = 1, tileW = 1;  // output rows / cols per tile (matrix: row blocks, 1)
  int64_t coBlocks = 1, ciBlocks = 1;
  bool weightsOuter = true;      // weights-stationary: for co tiles { for spatial tiles { ... } }
  std::string describe(const MacSpec& spec) const;
};

int64_t inputTileEntries(const MacSpec& spec, const MacGeometry& g, int64_t tileH, int64_t tileW, int64_t ciBlocks);
bool fits(const MacSpec& spec, const MacGeometry& g, const MacTiling& t);

// Candidates that fit, best first by a quick analytical estimate.
std::vector<MacTiling> macTilingCandidates(const MacSpec& spec, const MacGeometry& g, const vta::HwConfig& config);

}  // namespace nest::npu
