// lowerNode / unsupportedReason: the dispatch from a graph node to its code generator, the
// choice among tiling candidates by the simulator's cycle model, and the final constants.
#include "backends/npu/npu_lowering.h"

#include <limits>
#include <optional>

#include "backends/npu/add_codegen.h"
#include "backends/npu/conv_codegen.h"
#include "backends/npu/conv_tiling.h"
#include "backends/npu/node_analysis.h"
#include "backends/npu/program_assembly.h"
#include "core/error.h"

namespace nest::npu {

namespace {

// Candidates whose programs are generated and timed (the quick estimate orders them).
constexpr size_t kTimedCandidates = 6;

uint64_t entryAddress(uint64_t bytes, int entryBytes, const std::string& what, const Node& node) {
  if (bytes % static_cast<uint64_t>(entryBytes) != 0)
    failBadInput(node.describe() + ": the " + what + " address " + std::to_string(bytes) + " is not a multiple of " +
                 std::to_string(entryBytes) + " bytes (one entry)");
  return bytes / static_cast<uint64_t>(entryBytes);
}

uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// Places the constants (allocateConstants once) and returns their aligned byte address.
uint64_t placeConstants(const NodeBuffers& buffers, uint64_t bytes, const vta::HwConfig& config, const Node& node) {
  if (!buffers.allocateConstants) failBadInput(node.describe() + ": NodeBuffers::allocateConstants is not set");
  const uint64_t align = constantAlignment(config);
  return alignUp(buffers.allocateConstants(bytes + align - 1), align);
}

std::string nodeLabel(const Node& node) { return node.name.empty() ? node.outputs.at(0) : node.name; }

NodeProgram lowerMac(const Node& node, const MacSpec& spec, const vta::HwConfig& config, const NodeBuffers& buffers,
                     std::optional<size_t> forced) {
  if (buffers.inputs.size() != 1) failBadInput(node.describe() + ": expected 1 input buffer, got " + std::to_string(buffers.inputs.size()));
  const RequantPlan plan = planRequantization(spec.shifts, spec.bias, spec.lo, spec.hi);
  const MacGeometry g = macGeometry(spec, plan, config);
  NodeConstants constants;
  constants.weights = packWeights(spec.weight, spec.co, spec.ci, spec.kh, spec.kw, config);
  constants.vectors = plan.vectors;
  MacAddresses at;
  at.input = entryAddress(buffers.inputs[0], config.inpEntryBytes(), "input", node);
  at.output = entryAddress(buffers.output, config.outEntryBytes(), "output", node);
  at.vectors = vectorPositions(constants, config);
  const std::string label = nodeLabel(node);

  // Time the most promising candidates; keep the fastest.
  std::optional<MacTiling> best;
  uint64_t bestCycles = std::numeric_limits<uint64_t>::max();
  std::string lastProblem = "no tiling fits the buffers";
  size_t timed = 0;
  std::vector<MacTiling> candidates = macTilingCandidates(spec, g, config);
  if (forced) {
    if (*forced >= candidates.size()) failUnsupported(node.describe() + ": no tiling candidate " + std::to_string(*forced));
    candidates = {candidates[*forced]};
  }
  for (const MacTiling& t : candidates) {
    if (timed == kTimedCandidates) break;
    try {
      ProgramBuilder b(config, label);
      generateMacProgram(b, spec, g, plan, t, at);
      const std::vector<vta::Instruction> program = withPrefix(b, constants, 0);
      checkEncodable(program, config);
      ++timed;
      const uint64_t cycles = vta::estimateTiming(config, program).cycles;
      if (cycles < bestCycles) {
        bestCycles = cycles;
        best = t;
      }
    } catch (const DoesNotFit& e) {
      lastProblem = e.why;
    }
  }
  if (!best) failUnsupported(node.describe() + ": " + lastProblem);

  // Generate the chosen tiling once more against the real constants address.
  ProgramBuilder sizing(config, label);
  generateMacProgram(sizing, spec, g, plan, *best, at);
  const uint64_t base = placeConstants(buffers, constantBytes(constants, sizing.uops().size(), config), config, node);
  at.weights = base / static_cast<uint64_t>(config.wgtEntryBytes());
  ProgramBuilder b(config, label);
  generateMacProgram(b, spec, g, plan, *best, at);
  NodeProgram p = assembleProgram(b, constants, base);
  p.macs = spec.macs;
  p.plan = best->describe(spec);
  return p;
}

// Tile sizes tried for an Add: the largest that fits, then halvings, each evened out over the tiles.
std::vector<int64_t> addTileCandidates(const AddSpec& spec, const RequantPlan& plan, int64_t accConst, const vta::HwConfig& config) {
  const int64_t maxTile = maxAddTile(plan, accConst, config), total = addEntries(spec, config);
  std::vector<int64_t> out;
  for (int64_t tile = std::min(maxTile, total); tile >= 1 && out.size() < 4; tile = (tile + 1) / 2) {
    const int64_t count = (total + tile - 1) / tile;
    out.push_back((total + count - 1) / count);
    if (tile == 1) break;
  }
  return out;
}

int64_t accConstEntries(const RequantPlan& plan, const vta::HwConfig& config) {
  int64_t n = 0;
  for (const AccVector& v : plan.vectors) n += accVectorEntries(v, config);
  return n;
}

NodeProgram lowerAdd(const Node& node, const AddSpec& spec, const vta::HwConfig& config, const NodeBuffers& buffers,
                     std::optional<size_t> forced) {
  if (buffers.inputs.size() != 2) failBadInput(node.describe() + ": expected 2 input buffers, got " + std::to_string(buffers.inputs.size()));
  const RequantPlan plan = planRequantization({spec.k}, {}, spec.lo, spec.hi);
  NodeConstants constants;
  constants.weights = identityWeights(config);
  constants.vectors = plan.vectors;
  const int64_t accConst = accConstEntries(plan, config);
  AddAddresses at;
  at.a = entryAddress(buffers.inputs[0], config.inpEntryBytes(), "first input", node);
  at.b = entryAddress(buffers.inputs[1], config.inpEntryBytes(), "second input", node);
  at.output = entryAddress(buffers.output, config.outEntryBytes(), "output", node);
  at.vectors = vectorPositions(constants, config);
  const std::string label = nodeLabel(node);
  const int64_t total = addEntries(spec, config);
  std::vector<int64_t> tiles = addTileCandidates(spec, plan, accConst, config);
  if (tiles.empty()) failUnsupported(node.describe() + ": the accumulator buffer is too small for an Add tile");
  if (forced) {
    if (*forced >= tiles.size()) failUnsupported(node.describe() + ": no tiling candidate " + std::to_string(*forced));
    tiles = {tiles[*forced]};
  }
  int64_t bestTile = 0;
  uint64_t bestCycles = std::numeric_limits<uint64_t>::max();
  for (int64_t tile : tiles) {
    ProgramBuilder b(config, label);
    generateAddProgram(b, spec, plan, tile, accConst, at);
    const std::vector<vta::Instruction> program = withPrefix(b, constants, 0);
    checkEncodable(program, config);
    const uint64_t cycles = vta::estimateTiming(config, program).cycles;
    if (cycles < bestCycles) {
      bestCycles = cycles;
      bestTile = tile;
    }
  }
  ProgramBuilder sizing(config, label);
  generateAddProgram(sizing, spec, plan, bestTile, accConst, at);
  const uint64_t base = placeConstants(buffers, constantBytes(constants, sizing.uops().size(), config), config, node);
  at.identity = base / static_cast<uint64_t>(config.wgtEntryBytes());
  ProgramBuilder b(config, label);
  generateAddProgram(b, spec, plan, bestTile, accConst, at);
  NodeProgram p = assembleProgram(b, constants, base);
  p.macs = 0;
  p.plan = "tile " + std::to_string(bestTile) + " entries x 2 operands, " +
           std::to_string((total + bestTile - 1) / bestTile) + " tiles, 2 threads";
  return p;
}

NodeProgram lowerNodeWithCandidate(const Graph& graph, const Node& node, const vta::HwConfig& config,
                                   const NodeBuffers& buffers, std::optional<size_t> candidate) {
  const NodeSpec spec = analyzeNode(graph, node, config);
  try {
    switch (spec.kind) {
      case NodeSpec::Kind::Unsupported: failUnsupported(spec.reason);
      case NodeSpec::Kind::Mac: return lowerMac(node, spec.mac, config, buffers, candidate);
      case NodeSpec::Kind::Add: return lowerAdd(node, spec.add, config, buffers, candidate);
    }
  } catch (const DoesNotFit& e) {
    failUnsupported(node.describe() + ": " + e.why);
  }
  failInternal("lowerNode: unknown node kind");
}

}  // namespace

std::string unsupportedReason(const Graph& graph, const Node& node, const vta::HwConfig& config) {
  return analyzeNode(graph, node, config).reason;
}

NodeProgram lowerNode(const Graph& graph, const Node& node, const vta::HwConfig& config, const NodeBuffers& buffers) {
  return lowerNodeWithCandidate(graph, node, config, buffers, std::nullopt);
}

NodeProgram lowerNodeWithCandidate(const Graph& graph, const Node& node, const vta::HwConfig& config,
                                   const NodeBuffers& buffers, size_t candidate) {
  return lowerNodeWithCandidate(graph, node, config, buffers, std::optional<size_t>(candidate));
}

size_t candidateCount(const Graph& graph, const Node& node, const vta::HwConfig& config) {
  const NodeSpec spec = analyzeNode(graph, node, config);
  switch (spec.kind) {
    case NodeSpec::Kind::Unsupported: return 0;
    case NodeSpec::Kind::Mac: {
      const RequantPlan plan = planRequantization(spec.mac.shifts, spec.mac.bias, spec.mac.lo, spec.mac.hi);
      return macTilingCandidates(spec.mac, macGeometry(spec.mac, plan, config), config).size();
    }
    case NodeSpec::Kind::Add: {
      const RequantPlan plan = planRequantization({spec.add.k}, {}, spec.add.lo, spec.add.hi);
      return addTileCandidates(spec.add, plan, accConstEntries(plan, config), config).size();
    }
  }
  return 0;
}

}  // namespace nest::npu
