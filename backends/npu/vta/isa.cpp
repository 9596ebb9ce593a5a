// VTA's 128-bit instruction layout and 32-bit micro-ops (Apache TVM VTA, hw_spec.h), LSB first:
//   word lo: opcode 3 | pop_prev 1 | pop_next 1 | push_prev 1 | push_next 1 | then per kind
//     LOAD/STORE: memory_type 2 | sram_base 16 | dram_base 32
//       word hi: y_size 16 | x_size 16 | x_stride 16 | y_pad_0 4 | y_pad_1 4 | x_pad_0 4 | x_pad_1 4
//     GEMM/ALU: reset_reg 1 | uop_bgn U | uop_end U+1 | iter_out 14 | iter_in 14
//       GEMM hi: dst_factor_out A | dst_factor_in A | src_factor_out I | src_factor_in I |
//                wgt_factor_out W | wgt_factor_in W
//       ALU hi:  dst_factor_out A | dst_factor_in A | src_factor_out A | src_factor_in A |
//                alu_opcode 3 | use_imm 1 | imm 16 (signed)
//   micro-op: dst A | src max(I, A) | wgt W
// with U, I, W, A the log2 of the micro-op, input, weight and accumulator buffer depths.
#include "isa.h"

#include <algorithm>
#include <bit>

namespace nest::vta {

namespace {

constexpr int kOpcodeBits = 3, kMemIdBits = 2, kSramBits = 16, kDramBits = 32, kSizeBits = 16, kStrideBits = 16,
              kPadBits = 4, kIterBits = 14, kAluOpBits = 3, kImmBits = 16;
constexpr int kFlagBits = kOpcodeBits + 4;

int log2Depth(int64_t depth) { return depth > 0 ? std::countr_zero(static_cast<uint64_t>(depth)) : 0; }

// Appends fields to one 64-bit word, LSB first.
class Packer {
 public:
  Packer(const char* insnName, const char* wordName) : insn_(insnName), word_(wordName) {}
  void put(const char* field, uint64_t value, int width) {
    if (width < 64 && value >> width != 0)
      throw ConfigError(std::string(insn_) + " " + field + "=" + std::to_string(value) + " does not fit " + std::to_string(width) + " bits");
    room(width);
    bits_ |= width == 0 ? 0 : value << pos_;
    pos_ += width;
  }
  void putSigned(const char* field, int64_t value, int width) {
    const int64_t lo = -(int64_t{1} << (width - 1)), hi = (int64_t{1} << (width - 1)) - 1;
    if (value < lo || value > hi)
      throw ConfigError(std::string(insn_) + " " + field + "=" + std::to_string(value) + " does not fit " + std::to_string(width) +
                        " bits (signed: " + std::to_string(lo) + ".." + std::to_string(hi) + ")");
    room(width);
    bits_ |= (static_cast<uint64_t>(value) & ((uint64_t{1} << width) - 1)) << pos_;
    pos_ += width;
  }
  uint64_t bits() const { return bits_; }

 private:
  // validate() keeps every word within 64 bits; this only guards against a bug.
  void room(int width) {
    if (pos_ + width > 64) throw ConfigError(std::string(insn_) + "'s " + word_ + " word needs more than 64 bits");
  }
  const char* insn_;
  const char* word_;
  uint64_t bits_ = 0;
  int pos_ = 0;
};

// Reads fields back in the same order.
class Unpacker {
 public:
  explicit Unpacker(uint64_t bits) : bits_(bits) {}
  uint64_t take(int width) {
    const uint64_t value = width == 0 ? 0 : width >= 64 ? bits_ >> pos_ : (bits_ >> pos_) & ((uint64_t{1} << width) - 1);
    pos_ += width;
    return value;
  }
  int64_t takeSigned(int width) {
    const uint64_t raw = take(width);
    const uint64_t sign = uint64_t{1} << (width - 1);
    return static_cast<int64_t>(raw ^ sign) - static_cast<int64_t>(sign);
  }

 private:
  uint64_t bits_;
  int pos_ = 0;
};

void putFlags(Packer& p, const Instruction& insn) {
  p.put("opcode", static_cast<uint64_t>(insn.opcode), kOpcodeBits);
  p.put("pop_prev", insn.popPrev, 1);
  p.put("pop_next", insn.popNext, 1);
  p.put("push_prev", insn.pushPrev, 1);
  p.put("push_next", insn.pushNext, 1);
}

}  // namespace

FieldWidths fieldWidths(const HwConfig& config) {
  FieldWidths w;
  w.uopIndex = log2Depth(config.uopDepth());
  w.uopEnd = w.uopIndex + 1;
  w.accIndex = log2Depth(config.accDepth());
  w.inpIndex = log2Depth(config.inpDepth());
  w.wgtIndex = log2Depth(config.wgtDepth());
  w.uopSrc = std::max(w.inpIndex, w.accIndex);
  w.gemmLoBits = kFlagBits + 1 + w.uopIndex + w.uopEnd + 2 * kIterBits;
  w.aluLoBits = w.gemmLoBits;
  w.gemmHiBits = 2 * w.accIndex + 2 * w.inpIndex + 2 * w.wgtIndex;
  // ALU sources are accumulators, so their factors get the accumulator's width (VTA sizes them by
  // the input depth; the two are equal with the default configuration).
  w.aluHiBits = 4 * w.accIndex + kAluOpBits + 1 + kImmBits;
  w.uopBits = w.accIndex + w.uopSrc + w.wgtIndex;
  return w;
}

Module moduleOf(const Instruction& insn) {
  switch (insn.opcode) {
    case Opcode::Load: return insn.memory == MemId::Inp || insn.memory == MemId::Wgt ? Module::Load : Module::Compute;
    case Opcode::Store: return Module::Store;
    default: return Module::Compute;
  }
}

const char* opcodeName(Opcode op) {
  switch (op) {
    case Opcode::Load: return "LOAD";
    case Opcode::Store: return "STORE";
    case Opcode::Gemm: return "GEMM";
    case Opcode::Finish: return "FINISH";
    case Opcode::Alu: return "ALU";
  }
  return "?";
}

const char* memIdName(MemId id) {
  switch (id) {
    case MemId::Uop: return "UOP";
    case MemId::Wgt: return "WGT";
    case MemId::Inp: return "INP";
    case MemId::Acc: return "ACC";
    case MemId::Out: return "OUT";
  }
  return "?";
}

const char* aluOpName(AluOp op) {
  switch (op) {
    case AluOp::Min: return "MIN";
    case AluOp::Max: return "MAX";
    case AluOp::Add: return "ADD";
    case AluOp::Shr: return "SHR";
    case AluOp::Mul: return "MUL";
  }
  return "?";
}

const char* moduleName(Module m) {
  switch (m) {
    case Module::Load: return "load";
    case Module::Compute: return "compute";
    case Module::Store: return "store";
  }
  return "?";
}

namespace {

// encode/decode under an already validated configuration's widths.
Encoded encodeWith(const Instruction& insn, const FieldWidths& w) {
  const char* name = opcodeName(insn.opcode);
  Packer lo(name, "first"), hi(name, "second");
  putFlags(lo, insn);
  switch (insn.opcode) {
    case Opcode::Load:
    case Opcode::Store:
      if (insn.opcode == Opcode::Load) {
        if (insn.memory == MemId::Out) throw ConfigError("LOAD memory_type OUT: only STORE reads the output view");
        lo.put("memory_type", static_cast<uint64_t>(insn.memory), kMemIdBits);
      } else {
        lo.put("memory_type", 0, kMemIdBits);  // unused: a STORE always reads OUT
      }
      lo.put("sram_base", insn.sramBase, kSramBits);
      lo.put("dram_base", insn.dramBase, kDramBits);
      hi.put("y_size", insn.ySize, kSizeBits);
      hi.put("x_size", insn.xSize, kSizeBits);
      hi.put("x_stride", insn.xStride, kStrideBits);
      hi.put("y_pad_0", insn.yPad0, kPadBits);
      hi.put("y_pad_1", insn.yPad1, kPadBits);
      hi.put("x_pad_0", insn.xPad0, kPadBits);
      hi.put("x_pad_1", insn.xPad1, kPadBits);
      break;
    case Opcode::Gemm:
    case Opcode::Alu: {
      const bool gemm = insn.opcode == Opcode::Gemm;
      lo.put("reset_reg", insn.resetReg, 1);
      lo.put("uop_bgn", insn.uopBegin, w.uopIndex);
      lo.put("uop_end", insn.uopEnd, w.uopEnd);
      lo.put("iter_out", insn.iterOut, kIterBits);
      lo.put("iter_in", insn.iterIn, kIterBits);
      hi.put("dst_factor_out", insn.dstFactorOut, w.accIndex);
      hi.put("dst_factor_in", insn.dstFactorIn, w.accIndex);
      const int srcBits = gemm ? w.inpIndex : w.accIndex;
      hi.put("src_factor_out", insn.srcFactorOut, srcBits);
      hi.put("src_factor_in", insn.srcFactorIn, srcBits);
      if (gemm) {
        hi.put("wgt_factor_out", insn.wgtFactorOut, w.wgtIndex);
        hi.put("wgt_factor_in", insn.wgtFactorIn, w.wgtIndex);
      } else {
        hi.put("alu_opcode", static_cast<uint64_t>(insn.aluOp), kAluOpBits);
        hi.put("use_imm", insn.useImm, 1);
        hi.putSigned("imm", insn.useImm ? insn.imm : 0, kImmBits);
      }
      break;
    }
    case Opcode::Finish: break;
    default: throw ConfigError("unknown opcode " + std::to_string(static_cast<int>(insn.opcode)));
  }
  return {lo.bits(), hi.bits()};
}

Instruction decodeWith(const Encoded& bits, const FieldWidths& w) {
  Unpacker lo(bits.lo), hi(bits.hi);
  Instruction insn;
  const uint64_t opcode = lo.take(kOpcodeBits);
  if (opcode > static_cast<uint64_t>(Opcode::Alu)) throw ConfigError("unknown opcode " + std::to_string(opcode));
  insn.opcode = static_cast<Opcode>(opcode);
  insn.popPrev = lo.take(1);
  insn.popNext = lo.take(1);
  insn.pushPrev = lo.take(1);
  insn.pushNext = lo.take(1);
  switch (insn.opcode) {
    case Opcode::Load:
    case Opcode::Store: {
      const uint64_t memory = lo.take(kMemIdBits);
      insn.memory = insn.opcode == Opcode::Load ? static_cast<MemId>(memory) : MemId::Out;
      insn.sramBase = static_cast<uint32_t>(lo.take(kSramBits));
      insn.dramBase = static_cast<uint32_t>(lo.take(kDramBits));
      insn.ySize = static_cast<uint32_t>(hi.take(kSizeBits));
      insn.xSize = static_cast<uint32_t>(hi.take(kSizeBits));
      insn.xStride = static_cast<uint32_t>(hi.take(kStrideBits));
      insn.yPad0 = static_cast<uint32_t>(hi.take(kPadBits));
      insn.yPad1 = static_cast<uint32_t>(hi.take(kPadBits));
      insn.xPad0 = static_cast<uint32_t>(hi.take(kPadBits));
      insn.xPad1 = static_cast<uint32_t>(hi.take(kPadBits));
      break;
    }
    case Opcode::Gemm:
    case Opcode::Alu: {
      const bool gemm = insn.opcode == Opcode::Gemm;
      insn.resetReg = lo.take(1);
      insn.uopBegin = static_cast<uint32_t>(lo.take(w.uopIndex));
      insn.uopEnd = static_cast<uint32_t>(lo.take(w.uopEnd));
      insn.iterOut = static_cast<uint32_t>(lo.take(kIterBits));
      insn.iterIn = static_cast<uint32_t>(lo.take(kIterBits));
      insn.dstFactorOut = static_cast<uint32_t>(hi.take(w.accIndex));
      insn.dstFactorIn = static_cast<uint32_t>(hi.take(w.accIndex));
      const int srcBits = gemm ? w.inpIndex : w.accIndex;
      insn.srcFactorOut = static_cast<uint32_t>(hi.take(srcBits));
      insn.srcFactorIn = static_cast<uint32_t>(hi.take(srcBits));
      if (gemm) {
        insn.wgtFactorOut = static_cast<uint32_t>(hi.take(w.wgtIndex));
        insn.wgtFactorIn = static_cast<uint32_t>(hi.take(w.wgtIndex));
      } else {
        const uint64_t op = hi.take(kAluOpBits);
        if (op > static_cast<uint64_t>(AluOp::Mul)) throw ConfigError("unknown ALU op " + std::to_string(op));
        insn.aluOp = static_cast<AluOp>(op);
        insn.useImm = hi.take(1);
        const int64_t imm = hi.takeSigned(kImmBits);
        insn.imm = insn.useImm ? static_cast<int32_t>(imm) : 0;
      }
      break;
    }
    default: break;  // FINISH: flags only
  }
  return insn;
}

uint32_t encodeUopWith(const Uop& uop, const FieldWidths& w) {
  Packer p("uop", "only");
  p.put("dst", uop.dst, w.accIndex);
  p.put("src", uop.src, w.uopSrc);
  p.put("wgt", uop.wgt, w.wgtIndex);
  return static_cast<uint32_t>(p.bits());
}

Uop decodeUopWith(uint32_t bits, const FieldWidths& w) {
  Unpacker u(bits);
  Uop uop;
  uop.dst = static_cast<uint32_t>(u.take(w.accIndex));
  uop.src = static_cast<uint32_t>(u.take(w.uopSrc));
  uop.wgt = static_cast<uint32_t>(u.take(w.wgtIndex));
  return uop;
}

FieldWidths validatedWidths(const HwConfig& config) {
  config.validate();
  return fieldWidths(config);
}


void appendLittleEndian(std::vector<uint8_t>& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

uint64_t readLittleEndian(const uint8_t* bytes, int count) {
  uint64_t value = 0;
  for (int i = 0; i < count; ++i) value |= uint64_t{bytes[i]} << (8 * i);
  return value;
}

}  // namespace

Encoded encode(const Instruction& insn, const HwConfig& config) { return encodeWith(insn, validatedWidths(config)); }
Instruction decode(const Encoded& bits, const HwConfig& config) { return decodeWith(bits, validatedWidths(config)); }
uint32_t encodeUop(const Uop& uop, const HwConfig& config) { return encodeUopWith(uop, validatedWidths(config)); }
Uop decodeUop(uint32_t bits, const HwConfig& config) { return decodeUopWith(bits, validatedWidths(config)); }

std::vector<uint8_t> encodeProgram(const std::vector<Instruction>& program, const HwConfig& config) {
  const FieldWidths w = validatedWidths(config);
  std::vector<uint8_t> out;
  out.reserve(program.size() * 16);
  for (size_t i = 0; i < program.size(); ++i) {
    Encoded e;
    try {
      e = encodeWith(program[i], w);
    } catch (const ConfigError& err) {
      throw ConfigError("instruction " + std::to_string(i) + ": " + err.what());
    }
    appendLittleEndian(out, e.lo, 8);
    appendLittleEndian(out, e.hi, 8);
  }
  return out;
}

std::vector<Instruction> decodeProgram(const uint8_t* bytes, size_t size, const HwConfig& config) {
  if (size % 16 != 0)
    throw ConfigError("an instruction stream of " + std::to_string(size) + " bytes is not a multiple of 16 bytes");
  const FieldWidths w = validatedWidths(config);
  std::vector<Instruction> program;
  program.reserve(size / 16);
  for (size_t i = 0; i < size / 16; ++i) {
    const Encoded e{readLittleEndian(bytes + 16 * i, 8), readLittleEndian(bytes + 16 * i + 8, 8)};
    try {
      program.push_back(decodeWith(e, w));
    } catch (const ConfigError& err) {
      throw ConfigError("instruction " + std::to_string(i) + ": " + err.what());
    }
  }
  return program;
}

std::vector<uint8_t> encodeUops(const std::vector<Uop>& uops, const HwConfig& config) {
  const FieldWidths w = validatedWidths(config);
  std::vector<uint8_t> out;
  out.reserve(uops.size() * 4);
  for (size_t i = 0; i < uops.size(); ++i) {
    try {
      appendLittleEndian(out, encodeUopWith(uops[i], w), 4);
    } catch (const ConfigError& err) {
      throw ConfigError("micro-op " + std::to_string(i) + ": " + err.what());
    }
  }
  return out;
}

std::vector<Uop> decodeUops(const uint8_t* bytes, size_t size, const HwConfig& config) {
  if (size % 4 != 0) throw ConfigError("a micro-op stream of " + std::to_string(size) + " bytes is not a multiple of 4 bytes");
  const FieldWidths w = validatedWidths(config);
  std::vector<Uop> uops;
  uops.reserve(size / 4);
  for (size_t i = 0; i < size / 4; ++i) uops.push_back(decodeUopWith(static_cast<uint32_t>(readLittleEndian(bytes + 4 * i, 4)), w));
  return uops;
}

}  // namespace nest::vta
