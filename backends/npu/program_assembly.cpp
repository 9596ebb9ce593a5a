#include "backends/npu/program_assembly.h"

#include <algorithm>

#include "backends/npu/weight_packing.h"

namespace nest::npu {

namespace {
uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

uint64_t vectorEntries(const NodeConstants& c, const vta::HwConfig& config) {
  uint64_t n = 0;
  for (const AccVector& v : c.vectors) n += static_cast<uint64_t>(accVectorEntries(v, config));
  return n;
}

uint64_t uopsOffset(const NodeConstants& c, const vta::HwConfig& config) {
  return alignUp(vectorsOffset(c, config) + vectorEntries(c, config) * static_cast<uint64_t>(config.accEntryBytes()),
                 static_cast<uint64_t>(config.uopBytes()));
}
}  // namespace

uint64_t constantAlignment(const vta::HwConfig& config) {
  return static_cast<uint64_t>(std::max({256, config.wgtEntryBytes(), config.accEntryBytes(), config.inpEntryBytes()}));
}

uint64_t vectorsOffset(const NodeConstants& c, const vta::HwConfig& config) {
  return alignUp(c.weights.size(), static_cast<uint64_t>(config.accEntryBytes()));
}

std::vector<uint32_t> vectorPositions(const NodeConstants& c, const vta::HwConfig& config) {
  std::vector<uint32_t> at;
  uint32_t next = 0;
  for (const AccVector& v : c.vectors) {
    at.push_back(next);
    next += static_cast<uint32_t>(accVectorEntries(v, config));
  }
  return at;
}

uint64_t constantBytes(const NodeConstants& c, size_t uops, const vta::HwConfig& config) {
  return uopsOffset(c, config) + uops * static_cast<uint64_t>(config.uopBytes());
}

std::vector<vta::Instruction> withPrefix(ProgramBuilder& b, const NodeConstants& c, uint64_t base) {
  const vta::HwConfig& config = b.config();
  std::vector<vta::Instruction> out;
  const uint32_t uops = static_cast<uint32_t>(b.uops().size());
  if (uops > 0)
    out.push_back(loadInsn(vta::MemId::Uop, 0, (base + uopsOffset(c, config)) / static_cast<uint64_t>(config.uopBytes()), 1, uops, uops));
  const uint32_t vectors = static_cast<uint32_t>(vectorEntries(c, config));
  if (vectors > 0)
    out.push_back(loadInsn(vta::MemId::Acc, 0, (base + vectorsOffset(c, config)) / static_cast<uint64_t>(config.accEntryBytes()), 1,
                           vectors, vectors));
  out.insert(out.end(), b.instructions().begin(), b.instructions().end());
  return out;
}

NodeProgram assembleProgram(ProgramBuilder& b, const NodeConstants& c, uint64_t base) {
  const vta::HwConfig& config = b.config();
  NodeProgram p;
  p.instructions = withPrefix(b, c, base);
  const size_t prefix = p.instructions.size() - b.instructions().size();
  if (!b.uops().empty()) p.comments.push_back(b.node() + " load " + std::to_string(b.uops().size()) + " micro-ops");
  if (prefix > p.comments.size()) p.comments.push_back(b.node() + " load requantization vectors");
  p.comments.insert(p.comments.end(), b.comments().begin(), b.comments().end());
  p.constantsAddress = base;
  p.constants = c.weights;
  p.constants.resize(vectorsOffset(c, config), 0);
  for (const AccVector& v : c.vectors) appendAccVector(v, config, p.constants);
  p.constants.resize(uopsOffset(c, config), 0);
  const std::vector<uint8_t> uops = packUops(b.uops(), config);
  p.constants.insert(p.constants.end(), uops.begin(), uops.end());
  p.estimate = vta::estimateTiming(config, p.instructions);
  return p;
}

void checkEncodable(const std::vector<vta::Instruction>& program, const vta::HwConfig& config) {
  for (size_t i = 0; i < program.size(); ++i) {
    try {
      vta::encode(program[i], config);
    } catch (const vta::ConfigError& e) {
      throw DoesNotFit{"instruction " + std::to_string(i) + ": " + e.what()};
    }
  }
}

}  // namespace nest::npu
