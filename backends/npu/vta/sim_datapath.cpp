// Functional execution of the VTA instructions (semantics: Apache TVM VTA's sim_driver).
#include "sim_datapath.h"

#include "sim_gemm_kernel.h"

#include <algorithm>
#include <limits>
#include <string>

namespace nest::vta {

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
// Extents are computed saturating: a field combination that overflows is simply out of range.
uint64_t satAdd(uint64_t a, uint64_t b) { return a > kMax - b ? kMax : a + b; }
uint64_t satMul(uint64_t a, uint64_t b) { return a != 0 && b > kMax / a ? kMax : a * b; }

std::string range(uint64_t lo, uint64_t hi) { return "[" + std::to_string(lo) + ", " + std::to_string(hi) + ")"; }

const char* bufferName(MemId memory) {
  switch (memory) {
    case MemId::Uop: return "micro-op";
    case MemId::Wgt: return "weight";
    case MemId::Inp: return "input";
    case MemId::Acc:
    case MemId::Out: return "accumulator";
  }
  return "?";
}

// Entries [lo, hi) of a buffer of `depth` entries, or an error naming both.
void checkSram(int64_t index, const Instruction& insn, MemId memory, uint64_t lo, uint64_t hi, int64_t depth) {
  if (hi > static_cast<uint64_t>(depth))
    failAt(index, insn, "sram entries " + range(lo, hi) + " exceed the " + bufferName(memory) + " buffer (" + std::to_string(depth) + " entries)");
}

// The entries one operand of a GEMM / ALU touches: [min, max] over the micro-ops u of
// u.idx + (iterOut-1)*factorOut + (iterIn-1)*factorIn (hi exclusive).
struct Span {
  uint64_t lo = kMax, hi = 0;
  void add(uint32_t base, uint64_t offset) {
    lo = std::min<uint64_t>(lo, base);
    hi = std::max(hi, satAdd(satAdd(base, offset), 1));
  }
};

// The iteration space of a GEMM: for i0 < iterOut, i1 < iterIn, u in [uopBegin, uopEnd): body(dst, src, wgt).
template <class Body>
inline void forEachMicroOp(const Instruction& insn, const std::vector<Uop>& uops, Body&& body) {
  for (uint32_t i0 = 0; i0 < insn.iterOut; ++i0) {
    for (uint32_t i1 = 0; i1 < insn.iterIn; ++i1) {
      const uint64_t dstOffset = uint64_t{i0} * insn.dstFactorOut + uint64_t{i1} * insn.dstFactorIn;
      const uint64_t srcOffset = uint64_t{i0} * insn.srcFactorOut + uint64_t{i1} * insn.srcFactorIn;
      const uint64_t wgtOffset = uint64_t{i0} * insn.wgtFactorOut + uint64_t{i1} * insn.wgtFactorIn;
      for (uint32_t u = insn.uopBegin; u < insn.uopEnd; ++u) {
        const Uop& op = uops[u];
        body(op.dst + dstOffset, op.src + srcOffset, op.wgt + wgtOffset);
      }
    }
  }
}

// Every GEMM iteration through the kernel for BLOCK_IN = kBlockIn (0: any).
template <int kBlockIn>
void gemmLoop(const Instruction& insn, const std::vector<Uop>& uops, int32_t* acc, const int16_t* inp, const int16_t* wgt, int batch,
              int blockIn, int blockOut) {
  const uint64_t accStride = uint64_t(batch) * blockOut, inpStride = uint64_t(batch) * blockIn, wgtStride = uint64_t(blockOut) * blockIn;
  forEachMicroOp(insn, uops, [&](uint64_t d, uint64_t s, uint64_t w) {
    kernel::gemmEntry<kBlockIn>(acc + d * accStride, inp + s * inpStride, wgt + w * wgtStride, batch, blockIn, blockOut);
  });
}

int32_t aluApply(AluOp op, int32_t a, int32_t b) {
  switch (op) {
    case AluOp::Min: return std::min(a, b);
    case AluOp::Max: return std::max(a, b);
    case AluOp::Add: return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
    case AluOp::Shr:
      // Arithmetic shift right by b, left by -b. Amounts of 32 or more saturate: right shifts
      // act as >> 31 (the sign), left shifts give 0.
      if (b >= 0) return a >> std::min(b, 31);
      if (b <= -32) return 0;
      return static_cast<int32_t>(static_cast<uint32_t>(a) << -b);
    case AluOp::Mul: return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));  // low 32 bits
  }
  return a;
}

int32_t readInt32LE(const uint8_t* p) {
  return static_cast<int32_t>(uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24);
}

}  // namespace

Datapath::Datapath(const HwConfig& config, std::vector<uint8_t>& dram)
    : config_(config),
      dram_(dram),
      batch_(config.batch()),
      blockIn_(config.blockIn()),
      blockOut_(config.blockOut()),
      uop_(static_cast<size_t>(config.uopDepth())),
      inp_(static_cast<size_t>(config.inpDepth()) * batch_ * blockIn_),
      wgt_(static_cast<size_t>(config.wgtDepth()) * blockOut_ * blockIn_),
      acc_(static_cast<size_t>(config.accDepth()) * batch_ * blockOut_) {}

void Datapath::execute(int64_t index, const Instruction& insn) {
  switch (insn.opcode) {
    case Opcode::Load: load(index, insn); break;
    case Opcode::Store: store(index, insn); break;
    case Opcode::Gemm: gemm(index, insn); break;
    case Opcode::Alu: alu(index, insn); break;
    case Opcode::Finish: break;
  }
}

void Datapath::checkDram(int64_t index, const Instruction& insn, uint64_t entryBytes) const {
  if (insn.ySize == 0 || insn.xSize == 0) return;
  const uint64_t lastRow = satMul(insn.ySize - 1, insn.xStride);
  const uint64_t lo = satMul(insn.dramBase, entryBytes);
  const uint64_t hi = satMul(satAdd(satAdd(insn.dramBase, lastRow), insn.xSize), entryBytes);
  if (hi > dram_.size())
    failAt(index, insn, "DRAM bytes " + range(lo, hi) + " exceed the DRAM (" + std::to_string(dram_.size()) + " bytes)");
}

void Datapath::checkUopRange(int64_t index, const Instruction& insn) const {
  if (insn.uopBegin > insn.uopEnd)
    failAt(index, insn, "micro-op range " + std::to_string(insn.uopBegin) + ":" + std::to_string(insn.uopEnd) + " ends before it begins");
  checkSram(index, insn, MemId::Uop, insn.uopBegin, insn.uopEnd, config_.uopDepth());
}

void Datapath::load(int64_t index, const Instruction& insn) {
  const MemId memory = insn.memory;
  const bool padded = insn.yPad0 || insn.yPad1 || insn.xPad0 || insn.xPad1;
  if (memory == MemId::Uop && padded) failAt(index, insn, "a micro-op LOAD cannot be padded");
  const uint64_t entryBytes = memory == MemId::Uop   ? config_.uopBytes()
                              : memory == MemId::Wgt ? config_.wgtEntryBytes()
                              : memory == MemId::Inp ? config_.inpEntryBytes()
                                                     : config_.accEntryBytes();
  const int64_t depth = memory == MemId::Uop   ? config_.uopDepth()
                        : memory == MemId::Wgt ? config_.wgtDepth()
                        : memory == MemId::Inp ? config_.inpDepth()
                                               : config_.accDepth();
  const uint64_t width = satAdd(satAdd(insn.xPad0, insn.xSize), insn.xPad1);
  const uint64_t rows = satAdd(satAdd(insn.yPad0, insn.ySize), insn.yPad1);
  checkSram(index, insn, memory, insn.sramBase, satAdd(insn.sramBase, satMul(rows, width)), depth);
  checkDram(index, insn, entryBytes);

  // Element view of one entry: int8 lanes for INP/WGT, int32 lanes for ACC, one word for UOP.
  const size_t lanes = memory == MemId::Acc ? static_cast<size_t>(batch_) * blockOut_ : entryBytes;
  for (uint64_t r = 0; r < rows; ++r) {
    const bool dataRow = r >= insn.yPad0 && r < uint64_t{insn.yPad0} + insn.ySize;
    for (uint64_t c = 0; c < width; ++c) {
      const uint64_t entry = insn.sramBase + r * width + c;
      const bool data = dataRow && c >= insn.xPad0 && c < uint64_t{insn.xPad0} + insn.xSize;
      const uint8_t* src = nullptr;
      if (data) {
        const uint64_t y = r - insn.yPad0, x = c - insn.xPad0;
        src = dram_.data() + (insn.dramBase + y * insn.xStride + x) * entryBytes;
      }
      switch (memory) {
        case MemId::Uop: uop_[entry] = decodeUop(static_cast<uint32_t>(readInt32LE(src)), config_); break;
        case MemId::Inp:
        case MemId::Wgt: {
          int16_t* dst = (memory == MemId::Inp ? inp_.data() : wgt_.data()) + entry * lanes;
          if (src)
            for (size_t i = 0; i < lanes; ++i) dst[i] = static_cast<int8_t>(src[i]);
          else
            std::fill(dst, dst + lanes, int16_t{0});
          break;
        }
        case MemId::Acc:
        case MemId::Out: {
          int32_t* dst = acc_.data() + entry * lanes;
          for (size_t i = 0; i < lanes; ++i) dst[i] = src ? readInt32LE(src + 4 * i) : 0;
          break;
        }
      }
    }
  }
}

void Datapath::store(int64_t index, const Instruction& insn) {
  if (insn.yPad0 || insn.yPad1 || insn.xPad0 || insn.xPad1) failAt(index, insn, "a STORE cannot be padded");
  const uint64_t entryBytes = static_cast<uint64_t>(config_.outEntryBytes());
  checkSram(index, insn, MemId::Out, insn.sramBase, satAdd(insn.sramBase, satMul(insn.ySize, insn.xSize)), config_.accDepth());
  checkDram(index, insn, entryBytes);
  const size_t lanes = static_cast<size_t>(batch_) * blockOut_;
  for (uint64_t y = 0; y < insn.ySize; ++y) {
    for (uint64_t x = 0; x < insn.xSize; ++x) {
      const int32_t* src = acc_.data() + (insn.sramBase + y * insn.xSize + x) * lanes;
      uint8_t* dst = dram_.data() + (insn.dramBase + y * insn.xStride + x) * entryBytes;
      for (size_t i = 0; i < lanes; ++i) dst[i] = static_cast<uint8_t>(src[i]);  // the low 8 bits, as VTA
    }
  }
}

void Datapath::gemm(int64_t index, const Instruction& insn) {
  checkUopRange(index, insn);
  if (insn.iterOut == 0 || insn.iterIn == 0 || insn.uopBegin == insn.uopEnd) return;
  const uint64_t outs = insn.iterOut - 1, ins = insn.iterIn - 1;
  Span dst, src, wgt;
  for (uint32_t u = insn.uopBegin; u < insn.uopEnd; ++u) {
    dst.add(uop_[u].dst, satAdd(satMul(outs, insn.dstFactorOut), satMul(ins, insn.dstFactorIn)));
    src.add(uop_[u].src, satAdd(satMul(outs, insn.srcFactorOut), satMul(ins, insn.srcFactorIn)));
    wgt.add(uop_[u].wgt, satAdd(satMul(outs, insn.wgtFactorOut), satMul(ins, insn.wgtFactorIn)));
  }
  checkSram(index, insn, MemId::Acc, dst.lo, dst.hi, config_.accDepth());
  const size_t accLanes = static_cast<size_t>(batch_) * blockOut_;
  if (insn.resetReg) {
    forEachMicroOp(insn, uop_, [&](uint64_t d, uint64_t, uint64_t) {
      std::fill_n(acc_.data() + d * accLanes, accLanes, 0);
    });
    return;
  }
  checkSram(index, insn, MemId::Inp, src.lo, src.hi, config_.inpDepth());
  checkSram(index, insn, MemId::Wgt, wgt.lo, wgt.hi, config_.wgtDepth());
  int32_t* acc = acc_.data();
  const int16_t* inp = inp_.data();
  const int16_t* w = wgt_.data();
  // A fixed BLOCK_IN lets the kernel unroll and vectorize.
  switch (blockIn_) {
    case 8: gemmLoop<8>(insn, uop_, acc, inp, w, batch_, blockIn_, blockOut_); return;
    case 16: gemmLoop<16>(insn, uop_, acc, inp, w, batch_, blockIn_, blockOut_); return;
    case 32: gemmLoop<32>(insn, uop_, acc, inp, w, batch_, blockIn_, blockOut_); return;
    case 64: gemmLoop<64>(insn, uop_, acc, inp, w, batch_, blockIn_, blockOut_); return;
    default: gemmLoop<0>(insn, uop_, acc, inp, w, batch_, blockIn_, blockOut_); return;
  }
}

void Datapath::alu(int64_t index, const Instruction& insn) {
  checkUopRange(index, insn);
  if (insn.iterOut == 0 || insn.iterIn == 0 || insn.uopBegin == insn.uopEnd) return;
  const uint64_t outs = insn.iterOut - 1, ins = insn.iterIn - 1;
  Span dst, src;
  for (uint32_t u = insn.uopBegin; u < insn.uopEnd; ++u) {
    dst.add(uop_[u].dst, satAdd(satMul(outs, insn.dstFactorOut), satMul(ins, insn.dstFactorIn)));
    src.add(uop_[u].src, satAdd(satMul(outs, insn.srcFactorOut), satMul(ins, insn.srcFactorIn)));
  }
  checkSram(index, insn, MemId::Acc, dst.lo, dst.hi, config_.accDepth());
  const bool readsSrc = !insn.resetReg && !insn.useImm;
  if (readsSrc) checkSram(index, insn, MemId::Acc, src.lo, src.hi, config_.accDepth());
  const size_t lanes = static_cast<size_t>(batch_) * blockOut_;
  int32_t* acc = acc_.data();
  const AluOp op = insn.aluOp;
  forEachMicroOp(insn, uop_, [&](uint64_t d, uint64_t s, uint64_t) {
    int32_t* a = acc + d * lanes;
    if (insn.resetReg) {
      std::fill_n(a, lanes, 0);
    } else if (insn.useImm) {
      for (size_t i = 0; i < lanes; ++i) a[i] = aluApply(op, a[i], insn.imm);
    } else {
      const int32_t* b = acc + s * lanes;
      for (size_t i = 0; i < lanes; ++i) a[i] = aluApply(op, a[i], b[i]);
    }
  });
}

}  // namespace nest::vta
