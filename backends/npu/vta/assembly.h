// A textual assembly for the VTA ISA that prints and parses and round-trips exactly. One
// instruction per line, fields as key=value, dependency flags as a token list, an optional
// "; comment" (the listing names each instruction's graph node there). Standalone C++20.
//
//   LOAD INP sram=0 dram=4096 y=3 x=18 stride=56 pad=1,1,1,1 deps=pop_next,push_next ; conv1
//   GEMM reset=0 uop=0:36 iter=4,14 dst=196,14 src=0,18 wgt=36,0 deps=pop_prev,push_prev
//   ALU SHR uop=36:37 iter=4,14 dst=196,14 src=0,0 imm=8
//   ALU ADD uop=37:38 iter=4,14 dst=196,14 src=1,0 tensor
//   STORE sram=0 dram=0 y=14 x=14 stride=14 deps=pop_prev,push_prev
//   FINISH
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "isa.h"

namespace nest::vta {

struct AssemblyError : std::runtime_error {
  AssemblyError(int line, const std::string& message);
  int line;  // 1-based
};

std::string formatInstruction(const Instruction& insn);
// Parses one line (a trailing "; comment" is returned in `comment` when given). Throws
// AssemblyError(line) naming the token that is wrong.
Instruction parseInstruction(const std::string& text, int line = 1, std::string* comment = nullptr);

// A whole listing: one instruction per line, comments aligned; `comments` may be empty or give
// one per instruction.
std::string formatProgram(const std::vector<Instruction>& program, const std::vector<std::string>& comments = {});
// Blank lines and lines that are only a comment are skipped.
std::vector<Instruction> parseProgram(const std::string& text, std::vector<std::string>* comments = nullptr);

}  // namespace nest::vta
