// The double-buffered schedule shared by every node kind, with VTA's dependency tokens.
//
// A node is a sequence of GEMM steps; each step needs one input tile and one weight tile (by key)
// and accumulates into one output tile. When a step needs a tile that is not resident, the load
// module loads a "group" (input and/or weights): the k-th input load goes to input half k % 2,
// likewise weights, so a resident tile is reused by the following steps. Output tile j uses
// accumulator half j % 2 (ALU and STORE of one tile overlap the next tile's GEMMs).
// Tokens: group g pushes load->compute on its last instruction and (g >= 2) pops compute->load on
// its first; the first step of group g pops load->compute; the last step before group g+1's first
// step pushes compute->load (when group g+2 exists). Tile j >= 2 pops store->compute before its
// reset; its last ALU op pushes compute->store; its first STORE pops it and its last STORE pushes
// store->compute (when tile j+2 exists, and for the last tile, which FINISH pops).
#pragma once
#include <functional>
#include <vector>

#include "backends/npu/program_builder.h"

namespace nest::npu {

struct PipelineStep {
  int tile = 0;  // steps of one tile are consecutive
  int64_t inputKey = 0, weightKey = 0;
  std::function<void(int half)> loadInput, loadWeights;           // each emits >= 1 LOAD
  std::function<void(int inputHalf, int weightHalf, int accHalf)> compute;  // emits >= 1 GEMM/ALU
};

struct PipelineTile {
  std::function<void(int accHalf)> reset, requantize, store;  // each emits >= 1 instruction
};

// Emits every step and tile in order, then FINISH.
void emitPipeline(ProgramBuilder& b, const std::vector<PipelineStep>& steps, const std::vector<PipelineTile>& tiles);

}  // namespace nest::npu
