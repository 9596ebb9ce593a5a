#include "backends/npu/add_codegen.h"

#include <algorithm>

#include "backends/npu/pipeline.h"

namespace nest::npu {

namespace {
int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
constexpr int64_t kMaxIterations = (1 << 14) - 1;  // the ISA's iteration fields
}  // namespace

int64_t addEntries(const AddSpec& s, const vta::HwConfig& c) {
  return ceilDiv(s.n, c.batch()) * ceilDiv(s.c, c.blockIn()) * s.h * s.w;
}

int64_t maxAddTile(const RequantPlan& plan, int64_t accConstEntries, const vta::HwConfig& c) {
  const int64_t accHalf = (c.accDepth() - accConstEntries) / 2 / (plan.needsSign ? 2 : 1);
  return std::min({c.inpDepth() / 2, accHalf, kMaxIterations / (plan.needsSign ? 2 : 1)});
}

void generateAddProgram(ProgramBuilder& b, const AddSpec& s, const RequantPlan& plan, int64_t tileEntries,
                        int64_t accConstEntries, const AddAddresses& at) {
  const vta::HwConfig& c = b.config();
  const int64_t total = addEntries(s, c), tileCount = ceilDiv(total, tileEntries);
  const int64_t inpHalf = c.inpDepth() / 2, accHalf = (c.accDepth() - accConstEntries) / 2;
  auto accBase = [&](int half) { return static_cast<uint32_t>(accConstEntries + half * accHalf); };
  // The operand shifted left goes first; the other accumulates on top of it.
  const bool bFirst = s.shiftB > 0;
  const uint64_t operandAt[2] = {bFirst ? at.b : at.a, bFirst ? at.a : at.b};
  const char* operandName[2] = {bFirst ? "B" : "A", bFirst ? "A" : "B"};
  const int firstShift = bFirst ? s.shiftB : s.shiftA;

  std::vector<PipelineStep> steps;
  std::vector<PipelineTile> tiles;
  for (int64_t t = 0; t < tileCount; ++t) {
    const int64_t e0 = t * tileEntries, count = std::min(tileEntries, total - e0);
    const std::string label = "tile " + std::to_string(t + 1) + "/" + std::to_string(tileCount) + " entries " +
                              std::to_string(e0) + ".." + std::to_string(e0 + count - 1);
    const uint32_t n = static_cast<uint32_t>(count);
    for (int op = 0; op < 2; ++op) {
      PipelineStep step;
      step.tile = static_cast<int>(t);
      step.inputKey = 2 * t + op;
      step.weightKey = 0;
      step.loadInput = [&b, inpHalf, n, e0, label, addr = operandAt[op], name = operandName[op]](int half) {
        b.emit(loadInsn(vta::MemId::Inp, static_cast<uint32_t>(half * inpHalf), addr + static_cast<uint64_t>(e0), 1, n, n),
               label + ": load " + name);
      };
      step.loadWeights = [&b, &at, label](int half) {
        b.emit(loadInsn(vta::MemId::Wgt, static_cast<uint32_t>(half * (b.config().wgtDepth() / 2)), at.identity, 1, 1, 1),
               label + ": load identity weights");
      };
      const int shift = op == 0 ? firstShift : 0;
      step.compute = [&b, inpHalf, accBase, n, label, shift, name = operandName[op]](int ih, int wh, int ah) {
        vta::Instruction g;
        g.opcode = vta::Opcode::Gemm;
        std::tie(g.uopBegin, g.uopEnd) = b.kernel({{accBase(ah), static_cast<uint32_t>(ih * inpHalf),
                                                    static_cast<uint32_t>(wh * (b.config().wgtDepth() / 2))}});
        g.iterOut = 1;
        g.iterIn = n;
        g.dstFactorIn = g.srcFactorIn = 1;
        b.emit(g, label + ": accumulate " + name);
        if (shift > 0) {
          vta::Instruction a;
          a.opcode = vta::Opcode::Alu;
          a.aluOp = vta::AluOp::Shr;
          std::tie(a.uopBegin, a.uopEnd) = b.kernel({{accBase(ah), accBase(ah), 0}});
          a.useImm = true;
          a.imm = -shift;
          a.iterOut = 1;
          a.iterIn = n;
          a.dstFactorIn = a.srcFactorIn = 1;
          b.emit(a, label + ": SHR sum (" + name + " << " + std::to_string(shift) + ")");
        }
      };
      steps.push_back(std::move(step));
    }
    PipelineTile tile;
    tile.reset = [&b, &plan, accBase, n, label](int ah) {
      emitReset(b, accBase(ah), n * (plan.needsSign ? 2 : 1), label + ": reset");
    };
    tile.requantize = [&b, &plan, &at, accBase, n, label](int ah) {
      AccTile a;
      a.sum = accBase(ah);
      a.sign = a.sum + n;
      a.coBlocks = 1;
      a.pixels = n;
      emitRequant(b, plan, at.vectors, a, label);
    };
    tile.store = [&b, &at, accBase, n, e0, label](int ah) {
      b.emit(storeInsn(accBase(ah), at.output + static_cast<uint64_t>(e0), 1, n, n), label + ": store");
    };
    tiles.push_back(std::move(tile));
  }
  emitPipeline(b, steps, tiles);
}

}  // namespace nest::npu
