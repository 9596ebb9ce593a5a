// VTA's instruction set (Apache TVM VTA, hw_spec.h): LOAD, STORE, GEMM, ALU and FINISH, each 128
// bits, with the four dependency-token flags on every instruction, and 32-bit micro-ops. Field
// widths follow the hardware configuration as VTA's do (buffer depths set the index widths).
// Standalone C++20.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hw_config.h"

namespace nest::vta {

enum class Opcode : uint8_t { Load = 0, Store = 1, Gemm = 2, Finish = 3, Alu = 4 };
// On-chip memories. A STORE always reads the output view of the accumulators (Out); its 2-bit
// memory field is not encoded.
enum class MemId : uint8_t { Uop = 0, Wgt = 1, Inp = 2, Acc = 3, Out = 4 };
// dst = op(dst, src or imm) on int32 accumulator lanes. SHR by a negative amount shifts left.
enum class AluOp : uint8_t { Min = 0, Max = 1, Add = 2, Shr = 3, Mul = 4 };
// The module that executes an instruction: LOAD of INP/WGT -> load; LOAD of UOP/ACC, GEMM, ALU,
// FINISH -> compute; STORE -> store.
enum class Module : uint8_t { Load = 0, Compute = 1, Store = 2 };

// One decoded instruction; the fields an opcode does not use stay zero. encode() ignores them
// (a STORE's memory, a tensor ALU's imm, ...), so only such canonical instructions round-trip.
// Tokens: for the load module "prev" does not exist and "next" is compute; for compute "prev" is
// load and "next" is store; for store "prev" is compute.
struct Instruction {
  Opcode opcode = Opcode::Finish;
  bool popPrev = false, popNext = false, pushPrev = false, pushNext = false;

  // LOAD / STORE: a 2-D strided DMA of ySize rows of xSize entries. DRAM addresses and the stride
  // count entries of the memory's entry size (dramBase * entryBytes is the byte address). A LOAD
  // writes (yPad0 + ySize + yPad1) rows of (xPad0 + xSize + xPad1) entries from sramBase on,
  // the padding as zeros.
  MemId memory = MemId::Inp;
  uint32_t sramBase = 0, dramBase = 0;
  uint32_t ySize = 0, xSize = 0, xStride = 0;
  uint32_t yPad0 = 0, yPad1 = 0, xPad0 = 0, xPad1 = 0;

  // GEMM / ALU: for i0 < iterOut, i1 < iterIn, u in [uopBegin, uopEnd):
  //   dst = uop.dst + i0*dstFactorOut + i1*dstFactorIn (accumulator)
  //   src = uop.src + i0*srcFactorOut + i1*srcFactorIn (input for GEMM, accumulator for ALU)
  //   wgt = uop.wgt + i0*wgtFactorOut + i1*wgtFactorIn (GEMM only)
  // GEMM: acc[dst] += inp[src] x wgt[wgt]^T, or acc[dst] = 0 with resetReg.
  bool resetReg = false;
  uint32_t uopBegin = 0, uopEnd = 0, iterOut = 0, iterIn = 0;
  uint32_t dstFactorOut = 0, dstFactorIn = 0, srcFactorOut = 0, srcFactorIn = 0, wgtFactorOut = 0, wgtFactorIn = 0;
  AluOp aluOp = AluOp::Min;
  bool useImm = false;
  int32_t imm = 0;  // 16-bit signed in the encoding

  bool operator==(const Instruction&) const = default;
};

struct Uop {
  uint32_t dst = 0, src = 0, wgt = 0;
  bool operator==(const Uop&) const = default;
};

struct Encoded {
  uint64_t lo = 0, hi = 0;
  bool operator==(const Encoded&) const = default;
};

// The bit widths of the configuration-dependent fields (log2 of the buffer depths) and the bits
// each encoded word needs; validate() checks them against 64 (instruction words) and 32 (micro-op).
struct FieldWidths {
  int uopIndex = 0;   // uop_bgn: log2(uopDepth)
  int uopEnd = 0;     // uop_end: one more, to hold uopDepth itself
  int accIndex = 0, inpIndex = 0, wgtIndex = 0;
  int uopSrc = 0;     // a micro-op's src: an input (GEMM) or accumulator (ALU) index
  int gemmLoBits = 0, gemmHiBits = 0, aluLoBits = 0, aluHiBits = 0, uopBits = 0;
};
// Assumes the ranges validate() checks first (widths, shapes, buffer sizes).
FieldWidths fieldWidths(const HwConfig& config);

Module moduleOf(const Instruction& insn);
const char* opcodeName(Opcode op);    // "LOAD", ...
const char* memIdName(MemId id);      // "UOP", "WGT", "INP", "ACC", "OUT"
const char* aluOpName(AluOp op);      // "MIN", "MAX", "ADD", "SHR", "MUL"
const char* moduleName(Module m);     // "load", "compute", "store"

// Encodes into VTA's 128-bit layout. Throws ConfigError naming the field when a value does not fit
// its width under `config` (or a LOAD names OUT). encode, decode and the micro-op functions
// validate `config` first.
Encoded encode(const Instruction& insn, const HwConfig& config);
// Throws ConfigError for an unknown opcode, memory or ALU op.
Instruction decode(const Encoded& bits, const HwConfig& config);
uint32_t encodeUop(const Uop& uop, const HwConfig& config);
Uop decodeUop(uint32_t bits, const HwConfig& config);

// Programs as bytes: 16 bytes per instruction (lo then hi, little-endian), 4 per micro-op.
std::vector<uint8_t> encodeProgram(const std::vector<Instruction>& program, const HwConfig& config);
// Throws ConfigError when size is not a multiple of 16.
std::vector<Instruction> decodeProgram(const uint8_t* bytes, size_t size, const HwConfig& config);
std::vector<uint8_t> encodeUops(const std::vector<Uop>& uops, const HwConfig& config);
// Throws ConfigError when size is not a multiple of 4.
std::vector<Uop> decodeUops(const uint8_t* bytes, size_t size, const HwConfig& config);

}  // namespace nest::vta
