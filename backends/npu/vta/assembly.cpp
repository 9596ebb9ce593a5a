// The VTA assembly: printing and parsing one instruction per line (syntax in assembly.h).
//   LOAD MEM sram=S dram=D y=Y x=X stride=T [pad=Y0,Y1,X0,X1]         MEM: UOP, WGT, INP, ACC
//   STORE sram=S dram=D y=Y x=X stride=T [pad=Y0,Y1,X0,X1]
//   GEMM [reset=0|1] uop=B:E iter=OUT,IN dst=FO,FI src=FO,FI wgt=FO,FI
//   ALU OP [reset=0|1] uop=B:E iter=OUT,IN dst=FO,FI src=FO,FI (imm=V | tensor)   OP: MIN, MAX, ADD, SHR, MUL
//   FINISH
// each optionally followed by deps=F,... (pop_prev, pop_next, push_prev, push_next) and "; comment".
// The printer omits pad when all zero, deps when none and an ALU's reset when 0; GEMM always shows reset.
#include "assembly.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <sstream>

namespace nest::vta {

AssemblyError::AssemblyError(int lineNumber, const std::string& message)
    : std::runtime_error("line " + std::to_string(lineNumber) + ": " + message), line(lineNumber) {}

namespace {

constexpr MemId kLoadMemories[] = {MemId::Uop, MemId::Wgt, MemId::Inp, MemId::Acc};
constexpr AluOp kAluOps[] = {AluOp::Min, AluOp::Max, AluOp::Add, AluOp::Shr, AluOp::Mul};
const char* const kDepNames[] = {"pop_prev", "pop_next", "push_prev", "push_next"};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool* depFlag(Instruction& insn, int i) {
  bool* flags[] = {&insn.popPrev, &insn.popNext, &insn.pushPrev, &insn.pushNext};
  return flags[i];
}

std::string depsText(const Instruction& insn) {
  Instruction copy = insn;
  std::string out;
  for (int i = 0; i < 4; ++i)
    if (*depFlag(copy, i)) out += (out.empty() ? "" : ",") + std::string(kDepNames[i]);
  return out;
}

void formatMemory(std::ostringstream& out, const Instruction& insn) {
  out << " sram=" << insn.sramBase << " dram=" << insn.dramBase << " y=" << insn.ySize << " x=" << insn.xSize
      << " stride=" << insn.xStride;
  if (insn.yPad0 || insn.yPad1 || insn.xPad0 || insn.xPad1)
    out << " pad=" << insn.yPad0 << "," << insn.yPad1 << "," << insn.xPad0 << "," << insn.xPad1;
}

void formatLoops(std::ostringstream& out, const Instruction& insn) {
  out << " uop=" << insn.uopBegin << ":" << insn.uopEnd << " iter=" << insn.iterOut << "," << insn.iterIn
      << " dst=" << insn.dstFactorOut << "," << insn.dstFactorIn << " src=" << insn.srcFactorOut << "," << insn.srcFactorIn;
}

// The fields of one line, consumed by the parser per instruction kind; what is left over is an error.
class LineParser {
 public:
  LineParser(int line, const std::vector<std::string>& tokens, size_t first) : line_(line) {
    for (size_t i = first; i < tokens.size(); ++i) {
      const std::string& token = tokens[i];
      const size_t eq = token.find('=');
      if (eq == std::string::npos) {
        bare_.push_back(token);
        continue;
      }
      const std::string key = token.substr(0, eq);
      if (key.empty()) fail("field without a name in '" + token + "'");
      if (!fields_.emplace(key, token.substr(eq + 1)).second) fail("field '" + key + "=' given twice");
    }
  }

  [[noreturn]] void fail(const std::string& message) const { throw AssemblyError(line_, message); }

  bool has(const std::string& key) const { return fields_.count(key) != 0; }

  // The values of `key` split at `separator`: exactly `count` unsigned numbers.
  std::vector<uint32_t> numbers(const std::string& key, const std::string& what, size_t count, char separator = ',') {
    auto it = fields_.find(key);
    if (it == fields_.end()) fail(what + " needs " + key + "=");
    const std::string text = it->second;
    fields_.erase(it);
    std::vector<uint32_t> values;
    size_t start = 0;
    while (true) {
      const size_t end = std::min(text.find(separator, start), text.size());
      const std::string part = text.substr(start, end - start);
      uint32_t v = 0;
      auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
      if (part.empty() || ec != std::errc() || p != part.data() + part.size())
        fail("bad number '" + part + "' in '" + key + "=" + text + "'");
      values.push_back(v);
      if (end == text.size()) break;
      start = end + 1;
    }
    if (values.size() != count)
      fail("'" + key + "=" + text + "' needs " + std::to_string(count) + " numbers separated by '" + std::string(1, separator) + "'");
    return values;
  }
  uint32_t number(const std::string& key, const std::string& what) { return numbers(key, what, 1)[0]; }

  int32_t signedNumber(const std::string& key, const std::string& what) {
    auto it = fields_.find(key);
    if (it == fields_.end()) fail(what + " needs " + key + "=");
    const std::string text = it->second;
    fields_.erase(it);
    int32_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || p != text.data() + text.size()) fail("bad number '" + text + "' in '" + key + "=" + text + "'");
    return v;
  }

  bool flag(const std::string& key) {
    if (!has(key)) return false;
    const uint32_t v = number(key, key);
    if (v > 1) fail("'" + key + "=" + std::to_string(v) + "' must be 0 or 1");
    return v == 1;
  }

  bool takeBare(const std::string& word) {
    auto it = std::find(bare_.begin(), bare_.end(), word);
    if (it == bare_.end()) return false;
    bare_.erase(it);
    return true;
  }

  void deps(Instruction& insn) {
    auto it = fields_.find("deps");
    if (it == fields_.end()) return;
    const std::string text = it->second;
    fields_.erase(it);
    size_t start = 0;
    while (true) {
      const size_t end = std::min(text.find(',', start), text.size());
      const std::string name = text.substr(start, end - start);
      int which = -1;
      for (int i = 0; i < 4; ++i)
        if (name == kDepNames[i]) which = i;
      if (which < 0) fail("unknown dependency flag '" + name + "' (pop_prev, pop_next, push_prev, push_next)");
      if (*depFlag(insn, which)) fail("dependency flag '" + name + "' given twice");
      *depFlag(insn, which) = true;
      if (end == text.size()) break;
      start = end + 1;
    }
  }

  // Anything not consumed is an error naming it.
  void finish(const std::string& what) const {
    if (!bare_.empty()) fail("unexpected '" + bare_.front() + "' in " + what);
    if (!fields_.empty()) fail("unknown field '" + fields_.begin()->first + "=' for " + what);
  }

 private:
  int line_;
  std::map<std::string, std::string> fields_;
  std::vector<std::string> bare_;
};

void parseMemory(LineParser& p, Instruction& insn, const std::string& what) {
  insn.sramBase = p.number("sram", what);
  insn.dramBase = p.number("dram", what);
  insn.ySize = p.number("y", what);
  insn.xSize = p.number("x", what);
  insn.xStride = p.number("stride", what);
  if (p.has("pad")) {
    const auto pad = p.numbers("pad", what, 4);
    insn.yPad0 = pad[0], insn.yPad1 = pad[1], insn.xPad0 = pad[2], insn.xPad1 = pad[3];
  }
}

void parseLoops(LineParser& p, Instruction& insn, const std::string& what) {
  insn.resetReg = p.flag("reset");
  const auto uop = p.numbers("uop", what, 2, ':');
  insn.uopBegin = uop[0], insn.uopEnd = uop[1];
  const auto iter = p.numbers("iter", what, 2);
  insn.iterOut = iter[0], insn.iterIn = iter[1];
  const auto dst = p.numbers("dst", what, 2);
  insn.dstFactorOut = dst[0], insn.dstFactorIn = dst[1];
  const auto src = p.numbers("src", what, 2);
  insn.srcFactorOut = src[0], insn.srcFactorIn = src[1];
}

}  // namespace

std::string formatInstruction(const Instruction& insn) {
  std::ostringstream out;
  out << opcodeName(insn.opcode);
  switch (insn.opcode) {
    case Opcode::Load:
      out << " " << memIdName(insn.memory);
      formatMemory(out, insn);
      break;
    case Opcode::Store: formatMemory(out, insn); break;
    case Opcode::Gemm:
      out << " reset=" << (insn.resetReg ? 1 : 0);
      formatLoops(out, insn);
      out << " wgt=" << insn.wgtFactorOut << "," << insn.wgtFactorIn;
      break;
    case Opcode::Alu:
      out << " " << aluOpName(insn.aluOp);
      if (insn.resetReg) out << " reset=1";
      formatLoops(out, insn);
      if (insn.useImm)
        out << " imm=" << insn.imm;
      else
        out << " tensor";
      break;
    case Opcode::Finish: break;
  }
  const std::string deps = depsText(insn);
  if (!deps.empty()) out << " deps=" << deps;
  return out.str();
}

Instruction parseInstruction(const std::string& text, int line, std::string* comment) {
  const size_t semicolon = text.find(';');
  if (comment) *comment = semicolon == std::string::npos ? "" : trim(text.substr(semicolon + 1));
  std::istringstream words(text.substr(0, semicolon));
  std::vector<std::string> tokens;
  for (std::string w; words >> w;) tokens.push_back(w);
  if (tokens.empty()) throw AssemblyError(line, "no instruction");

  Instruction insn;
  const std::string& mnemonic = tokens[0];
  size_t first = 1;
  if (mnemonic == "LOAD") {
    insn.opcode = Opcode::Load;
    if (tokens.size() < 2) throw AssemblyError(line, "LOAD needs a memory (UOP, WGT, INP, ACC)");
    bool found = false;
    for (MemId id : kLoadMemories)
      if (tokens[1] == memIdName(id)) insn.memory = id, found = true;
    if (!found) throw AssemblyError(line, "unknown memory '" + tokens[1] + "' (UOP, WGT, INP, ACC)");
    first = 2;
  } else if (mnemonic == "STORE") {
    insn.opcode = Opcode::Store;
    insn.memory = MemId::Out;
  } else if (mnemonic == "GEMM") {
    insn.opcode = Opcode::Gemm;
  } else if (mnemonic == "ALU") {
    insn.opcode = Opcode::Alu;
    if (tokens.size() < 2) throw AssemblyError(line, "ALU needs an operation (MIN, MAX, ADD, SHR, MUL)");
    bool found = false;
    for (AluOp op : kAluOps)
      if (tokens[1] == aluOpName(op)) insn.aluOp = op, found = true;
    if (!found) throw AssemblyError(line, "unknown ALU operation '" + tokens[1] + "' (MIN, MAX, ADD, SHR, MUL)");
    first = 2;
  } else if (mnemonic == "FINISH") {
    insn.opcode = Opcode::Finish;
  } else {
    throw AssemblyError(line, "unknown instruction '" + mnemonic + "' (LOAD, STORE, GEMM, ALU, FINISH)");
  }

  LineParser p(line, tokens, first);
  const std::string what = first == 2 ? mnemonic + " " + tokens[1] : mnemonic;
  p.deps(insn);
  switch (insn.opcode) {
    case Opcode::Load:
    case Opcode::Store: parseMemory(p, insn, what); break;
    case Opcode::Gemm: {
      parseLoops(p, insn, what);
      const auto wgt = p.numbers("wgt", what, 2);
      insn.wgtFactorOut = wgt[0], insn.wgtFactorIn = wgt[1];
      break;
    }
    case Opcode::Alu: {
      parseLoops(p, insn, what);
      const bool tensor = p.takeBare("tensor");
      if (tensor && p.has("imm")) p.fail(what + " takes either imm= or tensor, not both");
      if (!tensor && !p.has("imm")) p.fail(what + " needs imm= or tensor");
      if (!tensor) {
        insn.useImm = true;
        insn.imm = p.signedNumber("imm", what);
      }
      break;
    }
    case Opcode::Finish: break;
  }
  p.finish(what);
  return insn;
}

std::string formatProgram(const std::vector<Instruction>& program, const std::vector<std::string>& comments) {
  if (!comments.empty() && comments.size() != program.size())
    throw std::invalid_argument("formatProgram: " + std::to_string(comments.size()) + " comments for " +
                                std::to_string(program.size()) + " instructions");
  std::vector<std::string> lines;
  size_t width = 0;
  for (size_t i = 0; i < program.size(); ++i) {
    lines.push_back(formatInstruction(program[i]));
    if (!comments.empty() && !comments[i].empty()) width = std::max(width, lines.back().size());
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    if (!comments.empty() && !comments[i].empty()) {
      std::string comment = comments[i];
      std::replace(comment.begin(), comment.end(), '\n', ' ');  // one line per instruction
      out += std::string(width - lines[i].size(), ' ') + " ; " + comment;
    }
    out += "\n";
  }
  return out;
}

std::vector<Instruction> parseProgram(const std::string& text, std::vector<std::string>* comments) {
  std::vector<Instruction> program;
  if (comments) comments->clear();
  std::istringstream lines(text);
  int lineNumber = 0;
  for (std::string line; std::getline(lines, line);) {
    ++lineNumber;
    if (trim(line.substr(0, line.find(';'))).empty()) continue;
    std::string comment;
    program.push_back(parseInstruction(line, lineNumber, &comment));
    if (comments) comments->push_back(comment);
  }
  return program;
}

}  // namespace nest::vta
