#include "backends/npu/program_builder.h"

#include <tuple>

namespace nest::npu {

using vta::AluOp;
using vta::Instruction;
using vta::Opcode;
using vta::Uop;

size_t ProgramBuilder::emit(const Instruction& insn, const std::string& what) {
  instructions_.push_back(insn);
  comments_.push_back(node_ + " " + what);
  return instructions_.size() - 1;
}

std::pair<uint32_t, uint32_t> ProgramBuilder::kernel(const std::vector<Uop>& uops) {
  std::vector<uint32_t> key;
  key.reserve(uops.size() * 3);
  for (const Uop& u : uops) key.insert(key.end(), {u.dst, u.src, u.wgt});
  auto [it, fresh] = kernels_.emplace(std::move(key), static_cast<uint32_t>(uops_.size()));
  if (fresh) {
    if (static_cast<int64_t>(uops_.size() + uops.size()) > config_.uopDepth())
      throw DoesNotFit{"the micro-op kernels need more than " + std::to_string(config_.uopDepth()) + " micro-ops"};
    uops_.insert(uops_.end(), uops.begin(), uops.end());
  }
  return {it->second, it->second + static_cast<uint32_t>(uops.size())};
}

namespace {

Instruction alu(ProgramBuilder& b, AluOp op, const Uop& uop) {
  Instruction i;
  i.opcode = Opcode::Alu;
  i.aluOp = op;
  std::tie(i.uopBegin, i.uopEnd) = b.kernel({uop});
  return i;
}

const char* regionName(AccRegion r) { return r == AccRegion::Sum ? "sum" : "sign"; }

}  // namespace

void emitRequant(ProgramBuilder& b, const RequantPlan& plan, const std::vector<uint32_t>& vectorBase, const AccTile& tile,
                 const std::string& what) {
  const uint32_t entries = tile.coBlocks * tile.pixels;
  for (const AluStep& s : plan.steps) {
    const uint32_t dst = s.dst == AccRegion::Sum ? tile.sum : tile.sign;
    Instruction i;
    switch (s.src.kind) {
      case AluOperand::Kind::Imm:
        i = alu(b, s.op, {dst, dst, 0});
        i.useImm = true;
        i.imm = s.src.imm;
        i.iterOut = 1;
        i.iterIn = entries;
        i.dstFactorIn = i.srcFactorIn = 1;
        break;
      case AluOperand::Kind::Region:
        i = alu(b, s.op, {dst, s.src.region == AccRegion::Sum ? tile.sum : tile.sign, 0});
        i.iterOut = 1;
        i.iterIn = entries;
        i.dstFactorIn = i.srcFactorIn = 1;
        break;
      case AluOperand::Kind::Vector: {
        const AccVector& v = plan.vectors.at(static_cast<size_t>(s.src.vector));
        const uint32_t src = vectorBase.at(static_cast<size_t>(s.src.vector)) + (v.perChannel ? tile.firstBlock : 0);
        i = alu(b, s.op, {dst, src, 0});
        i.iterOut = tile.coBlocks;
        i.dstFactorOut = tile.coStride;
        i.srcFactorOut = v.perChannel ? 1 : 0;
        i.iterIn = tile.pixels;
        i.dstFactorIn = tile.pixelStride;
        i.srcFactorIn = 0;
        break;
      }
    }
    b.emit(i, what + ": " + aluOpName(s.op) + " " + regionName(s.dst) + " (" + s.what + ")");
  }
}

void emitReset(ProgramBuilder& b, uint32_t base, uint32_t entries, const std::string& what) {
  Instruction i;
  i.opcode = Opcode::Gemm;
  i.resetReg = true;
  std::tie(i.uopBegin, i.uopEnd) = b.kernel({{base, 0, 0}});
  i.iterOut = 1;
  i.iterIn = entries;
  i.dstFactorIn = 1;
  b.emit(i, what);
}

Instruction loadInsn(vta::MemId memory, uint32_t sram, uint64_t dram, uint32_t ySize, uint32_t xSize, uint32_t xStride) {
  Instruction i;
  i.opcode = Opcode::Load;
  i.memory = memory;
  i.sramBase = sram;
  i.dramBase = static_cast<uint32_t>(dram);
  i.ySize = ySize;
  i.xSize = xSize;
  i.xStride = xStride;
  return i;
}

Instruction storeInsn(uint32_t sram, uint64_t dram, uint32_t ySize, uint32_t xSize, uint32_t xStride) {
  Instruction i = loadInsn(vta::MemId::Out, sram, dram, ySize, xSize, xStride);
  i.opcode = Opcode::Store;
  return i;
}

}  // namespace nest::npu
