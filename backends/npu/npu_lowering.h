// The NPU compiler for one graph node: a quantized Conv, Gemm, MatMul or Add becomes a VTA program
// (backends/npu/vta/isa.h) plus its constants (packed weights, bias and shift vectors, micro-ops).
// Activations live in DRAM in VTA's blocked layout (blockedShapeOf); the host packs and unpacks
// them (npu_driver.h). Tiles are sized to the buffers, double-buffered, and the tiling and loop
// order are chosen by the simulator's cycle model (vta::estimateTiming).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backends/npu/vta/hw_config.h"
#include "backends/npu/vta/isa.h"
#include "backends/npu/vta/simulator.h"
#include "core/graph.h"

namespace nest::npu {

// The NCHW dimensions a value is packed from: 4-D [N, C, H, W] as is, 2-D [M, K] as N = M, C = K,
// H = W = 1. Packed: [ceil(N/BATCH)][ceil(C/BLOCK)][H][W][BATCH][BLOCK] int8, zero-padded.
struct BlockedShape {
  int64_t n = 1, c = 1, h = 1, w = 1;
};
BlockedShape blockedShapeOf(const TensorType& type);
uint64_t blockedBytes(const BlockedShape& shape, const vta::HwConfig& config);

// "" when `node` can run on the NPU; otherwise the reason (op, form, element type, zero point,
// a requantization factor that is not a power of two, ...).
std::string unsupportedReason(const Graph& graph, const Node& node, const vta::HwConfig& config);

// DRAM byte addresses of the node's activations (in blocked layout, operands in input order)
// and a way to place its constants.
struct NodeBuffers {
  std::vector<uint64_t> inputs;  // one per activation operand (Conv/Gemm/MatMul: 1, Add: 2)
  uint64_t output = 0;
  std::function<uint64_t(uint64_t bytes)> allocateConstants;  // returns the byte address
};

struct NodeProgram {
  std::vector<vta::Instruction> instructions;  // ends with FINISH
  std::vector<std::string> comments;           // one per instruction: what it does ("conv1 tile 3/16: input rows 6..13")
  std::vector<uint8_t> constants;              // copied to the address allocateConstants returned
  uint64_t constantsAddress = 0;
  int64_t macs = 0;                            // the node's own MACs (padding excluded)
  std::string plan;                            // the chosen tiling and loop order, one line
  vta::RunStats estimate;                      // the cycle model's figures for this program
};

// Throws Unsupported (unsupportedReason's text) for a node the NPU cannot run.
NodeProgram lowerNode(const Graph& graph, const Node& node, const vta::HwConfig& config, const NodeBuffers& buffers);

// For tests and experiments: lowerNode with the tiling candidate at position `candidate` of the
// cost model's list (candidates that fit, ordered by its quick estimate) instead of the fastest
// timed one; an Add takes its tile halvings likewise. Throws Unsupported when there is no such
// candidate. candidateCount says how many there are.
NodeProgram lowerNodeWithCandidate(const Graph& graph, const Node& node, const vta::HwConfig& config,
                                   const NodeBuffers& buffers, size_t candidate);
size_t candidateCount(const Graph& graph, const Node& node, const vta::HwConfig& config);

}  // namespace nest::npu
