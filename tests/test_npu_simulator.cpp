// backends/npu/vta simulator and C driver: data movement with padding, GEMM and every ALU op
// against hand-computed int32 values, 2-level loops, the cycle model (a LOAD alone, load/compute
// overlap through tokens) and estimateTiming against run(), each error with its instruction index,
// the C driver's errors and the blocked layout round trip.
#include <climits>
#include <cstring>
#include <functional>
#include <random>

#include "backends/npu/vta/npu_driver.h"
#include "backends/npu/vta/simulator.h"
#include "tests/test_support.h"

using namespace nest::vta;

namespace {

Instruction loadInsn(MemId memory, uint32_t sram, uint32_t dram, uint32_t y, uint32_t x, uint32_t stride) {
  Instruction insn;
  insn.opcode = Opcode::Load;
  insn.memory = memory;
  insn.sramBase = sram;
  insn.dramBase = dram;
  insn.ySize = y;
  insn.xSize = x;
  insn.xStride = stride;
  return insn;
}

Instruction storeInsn(uint32_t sram, uint32_t dram, uint32_t y, uint32_t x, uint32_t stride) {
  Instruction insn = loadInsn(MemId::Out, sram, dram, y, x, stride);
  insn.opcode = Opcode::Store;
  return insn;
}

// A GEMM or ALU over micro-ops [begin, end) with the loop `iterOut` x `iterIn`; factors are set
// by the caller.
Instruction computeInsn(Opcode opcode, uint32_t begin, uint32_t end, uint32_t iterOut, uint32_t iterIn) {
  Instruction insn;
  insn.opcode = opcode;
  insn.uopBegin = begin;
  insn.uopEnd = end;
  insn.iterOut = iterOut;
  insn.iterIn = iterIn;
  return insn;
}

Instruction aluInsn(AluOp op, uint32_t begin, uint32_t iterOut) {
  Instruction insn = computeInsn(Opcode::Alu, begin, begin + 1, iterOut, 1);
  insn.aluOp = op;
  insn.dstFactorOut = 1;
  return insn;
}

Instruction finishInsn() { return Instruction{}; }

// A simulator with the default VTA configuration (1x16x16, 2048 input, 1024 weight, 2048
// accumulator entries) and a program being built.
struct Bench {
  explicit Bench(const HwConfig& c = HwConfig{}) : config(c), sim(config, 1 << 20) {}
  HwConfig config;
  Simulator sim;
  std::vector<Instruction> program;
  uint32_t nextUop = 0;
  uint64_t readBack = 0;  // DRAM of the four byte planes readAccumulators() stores
  uint32_t readFirst = 0, readCount = 0;

  uint64_t put(const void* data, uint64_t bytes) {
    const uint64_t address = sim.allocate(bytes);
    std::memcpy(sim.dram() + address, data, bytes);
    return address;
  }
  // Loads micro-ops into the next free slots of the micro-op buffer; returns the first slot.
  uint32_t loadUops(const std::vector<Uop>& uops) {
    std::vector<uint8_t> bytes;
    for (const Uop& u : uops) {
      const uint32_t word = encodeUop(u, config);
      for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(word >> (8 * i)));
    }
    const uint64_t address = put(bytes.data(), bytes.size());
    const uint32_t first = nextUop;
    program.push_back(loadInsn(MemId::Uop, first, static_cast<uint32_t>(address / 4), 1, static_cast<uint32_t>(uops.size()),
                               static_cast<uint32_t>(uops.size())));
    nextUop += static_cast<uint32_t>(uops.size());
    return first;
  }
  // Loads whole entries of `memory` (contiguous in `data`) to sram `sram`.
  Instruction& load(MemId memory, uint32_t sram, const std::vector<int8_t>& data, int entryBytes) {
    const uint64_t address = put(data.data(), data.size());
    const uint32_t entries = static_cast<uint32_t>(data.size() / entryBytes);
    program.push_back(loadInsn(memory, sram, static_cast<uint32_t>(address / entryBytes), 1, entries, entries));
    return program.back();
  }
  Instruction& loadAcc(uint32_t sram, const std::vector<int32_t>& lanes) {
    std::vector<int8_t> bytes(lanes.size() * 4);
    std::memcpy(bytes.data(), lanes.data(), bytes.size());  // little-endian host
    return load(MemId::Acc, sram, bytes, config.accEntryBytes());
  }
  // Ends the program with an exact int32 read of accumulator entries [first, first + count):
  // STORE keeps the low byte, so four STOREs with an arithmetic SHR by 8 between them give the
  // four bytes. A zero-iteration ALU hands the first token to the store module.
  void readAccumulators(uint32_t first, uint32_t count) {
    readFirst = first;
    readCount = count;
    readBack = sim.allocate(4 * uint64_t{count} * config.outEntryBytes());
    const uint32_t uop = loadUops({{first, 0, 0}});
    Instruction sync = computeInsn(Opcode::Alu, uop, uop, 0, 0);
    sync.pushNext = true;
    program.push_back(sync);
    for (uint32_t k = 0; k < 4; ++k) {
      Instruction store = storeInsn(first, static_cast<uint32_t>(readBack / config.outEntryBytes()) + k * count, 1, count, count);
      store.popPrev = store.pushPrev = true;
      program.push_back(store);
      if (k < 3) {
        Instruction shr = aluInsn(AluOp::Shr, uop, count);
        shr.useImm = true;
        shr.imm = 8;
        shr.popNext = shr.pushNext = true;
        program.push_back(shr);
      }
    }
    Instruction finish = finishInsn();
    finish.popNext = true;
    program.push_back(finish);
  }
  // After run(): lane `lane` of accumulator entry `entry` (an entry readAccumulators read).
  int32_t acc(uint32_t entry, int lane) const {
    const int lanes = config.outEntryBytes();
    uint32_t value = 0;
    for (uint32_t k = 0; k < 4; ++k)
      value |= uint32_t{sim_dram()[readBack + (k * readCount + entry - readFirst) * lanes + lane]} << (8 * k);
    return static_cast<int32_t>(value);
  }
  const uint8_t* sim_dram() const { return const_cast<Simulator&>(sim).dram(); }
};

// The SimError `f` throws ("<no error>" when none), with its index.
std::string simErrorOf(const std::function<void()>& f, int64_t* index) {
  try {
    f();
  } catch (const SimError& e) {
    *index = e.index;
    return e.what();
  }
  return "<no error>";
}

std::string lanesText(const Bench& b, uint32_t entry, int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += std::to_string(b.acc(entry, i)) + " ";
  return text;
}

// The ALU operands of aluOps(): acc[0] = a, acc[1] = b, lanes 8..15 zero.
const std::vector<int32_t> kA = {7, -7, 100, -100, INT_MAX, INT_MIN, 1000000, -1, 0, 0, 0, 0, 0, 0, 0, 0};
const std::vector<int32_t> kB = {3, 2, -3, 5, 1, -1, 70000, 40, 0, 0, 0, 0, 0, 0, 0, 0};

// Runs acc[0] = op(acc[0], imm or acc[1]) and returns acc[0]'s first nine lanes.
std::vector<int32_t> runAlu(AluOp op, bool useImm, int32_t imm) {
  Bench b;
  b.loadAcc(0, kA);
  b.loadAcc(1, kB);
  const uint32_t uop = b.loadUops({{0, 1, 0}});
  Instruction alu = aluInsn(op, uop, 1);
  alu.useImm = useImm;
  alu.imm = imm;
  b.program.push_back(alu);
  b.readAccumulators(0, 1);
  b.sim.run(b.program);
  std::vector<int32_t> lanes;
  for (int i = 0; i < 9; ++i) lanes.push_back(b.acc(0, i));
  return lanes;
}

std::string text(const std::vector<int32_t>& v) {
  std::string s;
  for (int32_t x : v) s += std::to_string(x) + " ";
  return s;
}

}  // namespace

class NpuSimulatorTest : public QObject {
  Q_OBJECT

 private slots:
  void paddedLoadThroughIdentityGemm() {
    Bench b;
    // Input: 2 rows of 3 entries, row stride 4 entries (the 4th entry of a row is not loaded).
    std::vector<int8_t> input(2 * 4 * 16, 0x7f);
    auto value = [](int y, int x, int i) { return static_cast<int8_t>((y * 3 + x) * 37 + i * 5 - 90); };
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x)
        for (int i = 0; i < 16; ++i) input[(y * 4 + x) * 16 + i] = value(y, x, i);
    const uint64_t inputAt = b.put(input.data(), input.size());
    std::vector<int8_t> identity(256, 0);
    for (int o = 0; o < 16; ++o) identity[o * 16 + o] = 1;
    const uint32_t uop = b.loadUops({{0, 0, 0}});
    // Padding: one row above, none below, one entry left and right: a 3 x 5 block at sram 0.
    Instruction load = loadInsn(MemId::Inp, 0, static_cast<uint32_t>(inputAt / 16), 2, 3, 4);
    load.yPad0 = 1;
    load.xPad0 = load.xPad1 = 1;
    b.program.push_back(load);
    b.load(MemId::Wgt, 0, identity, 256).pushNext = true;
    Instruction gemm = computeInsn(Opcode::Gemm, uop, uop + 1, 15, 1);
    gemm.dstFactorOut = gemm.srcFactorOut = 1;
    gemm.popPrev = gemm.pushNext = true;
    b.program.push_back(gemm);
    const uint64_t outAt = b.sim.allocate(15 * 16);
    Instruction store = storeInsn(0, static_cast<uint32_t>(outAt / 16), 3, 5, 5);
    store.popPrev = store.pushPrev = true;
    b.program.push_back(store);
    Instruction finish = finishInsn();
    finish.popNext = true;
    b.program.push_back(finish);
    const RunStats stats = b.sim.run(b.program);

    int mismatches = 0;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 5; ++c)
        for (int i = 0; i < 16; ++i) {
          const bool data = r >= 1 && c >= 1 && c <= 3;
          const int8_t expected = data ? value(r - 1, c - 1, i) : 0;
          mismatches += static_cast<int8_t>(b.sim.dram()[outAt + (r * 5 + c) * 16 + i]) != expected;
        }
    QCOMPARE(mismatches, 0);
    QCOMPARE(static_cast<int8_t>(b.sim.dram()[outAt + 16 * 6 + 2]), static_cast<int8_t>(-80));  // row 0 entry 0 lane 2: -90 + 10
    QCOMPARE(stats.gemmOps, uint64_t{15});
    QCOMPARE(stats.macs, uint64_t{15 * 256});
    // Read: 4 uop bytes + 6 input entries (padding is free) + one weight entry; written: 15 entries.
    QCOMPARE(stats.dramBytesRead, uint64_t{4 + 6 * 16 + 256});
    QCOMPARE(stats.dramBytesWritten, uint64_t{15 * 16});
  }

  void gemmSmallVectorsAndReset() {
    Bench b;
    // inp[i] = i - 8; weight rows: o0 all 1, o1 = i, o2 all -128, o3 = 100 at i = 5, others 0.
    std::vector<int8_t> inp(16), wgt(256, 0);
    for (int i = 0; i < 16; ++i) {
      inp[i] = static_cast<int8_t>(i - 8);
      wgt[0 * 16 + i] = 1;
      wgt[1 * 16 + i] = static_cast<int8_t>(i);
      wgt[2 * 16 + i] = -128;
    }
    wgt[3 * 16 + 5] = 100;
    const uint32_t uop = b.loadUops({{0, 0, 0}, {1, 0, 0}});
    b.load(MemId::Inp, 0, inp, 16);
    b.load(MemId::Wgt, 0, wgt, 256).pushNext = true;
    // Two iterations into acc[0] and acc[1] (dst factor 0 inside, both uops): each gets 2x.
    Instruction gemm = computeInsn(Opcode::Gemm, uop, uop + 2, 1, 2);
    gemm.popPrev = true;
    b.program.push_back(gemm);
    Instruction reset = computeInsn(Opcode::Gemm, uop + 1, uop + 2, 1, 1);
    reset.resetReg = true;
    b.program.push_back(reset);
    b.readAccumulators(0, 2);
    const RunStats stats = b.sim.run(b.program);
    // o0: sum(i - 8) = 120 - 128 = -8; o1: sum(i^2) - 8 sum(i) = 1240 - 960 = 280;
    // o2: -128 * -8 = 1024; o3: 100 * (5 - 8) = -300. Twice: -16, 560, 2048, -600.
    QCOMPARE(lanesText(b, 0, 5), std::string("-16 560 2048 -600 0 "));
    QCOMPARE(lanesText(b, 1, 4), std::string("0 0 0 0 "));  // reset
    QCOMPARE(stats.gemmOps, uint64_t{4});                   // the reset does not count
    QCOMPARE(stats.aluOps, uint64_t{3 * 2});                // the three SHRs of the read-back
  }

  void aluOpsWithTensorOperand() {
    QCOMPARE(text(runAlu(AluOp::Min, false, 0)), text({3, -7, -3, -100, 1, INT_MIN, 70000, -1, 0}));
    QCOMPARE(text(runAlu(AluOp::Max, false, 0)), text({7, 2, 100, 5, INT_MAX, -1, 1000000, 40, 0}));
    // INT_MAX + 1 and INT_MIN - 1 wrap.
    QCOMPARE(text(runAlu(AluOp::Add, false, 0)), text({10, -5, 97, -95, INT_MIN, INT_MAX, 1070000, 39, 0}));
    // 7>>3 = 0, -7>>2 = -2, 100>>-3 = 800, -100>>5 = -4, INT_MAX>>1, INT_MIN<<1 = 0 (wraps),
    // 1000000>>70000 = >>31 = 0, -1>>40 = -1.
    QCOMPARE(text(runAlu(AluOp::Shr, false, 0)), text({0, -2, 800, -4, 1073741823, 0, 0, -1, 0}));
    // INT_MIN * -1 wraps to INT_MIN; 1000000 * 70000 = 7e10 = 16 * 2^32 + 1280523264.
    QCOMPARE(text(runAlu(AluOp::Mul, false, 0)), text({21, -14, -300, -500, INT_MAX, INT_MIN, 1280523264, -40, 0}));
  }

  void aluOpsWithImmediate() {
    QCOMPARE(text(runAlu(AluOp::Min, true, -5)), text({-5, -7, -5, -100, -5, INT_MIN, -5, -5, -5}));
    QCOMPARE(text(runAlu(AluOp::Max, true, -5)), text({7, -5, 100, -5, INT_MAX, -5, 1000000, -1, 0}));
    QCOMPARE(text(runAlu(AluOp::Add, true, 1)), text({8, -6, 101, -99, INT_MIN, INT_MIN + 1, 1000001, 0, 1}));
    QCOMPARE(text(runAlu(AluOp::Shr, true, 2)), text({1, -2, 25, -25, 536870911, -536870912, 250000, -1, 0}));
    // Negative: left by 4; 0x7fffffff << 4 = 0xfffffff0 = -16, INT_MIN << 4 = 0.
    QCOMPARE(text(runAlu(AluOp::Shr, true, -4)), text({112, -112, 1600, -1600, -16, 0, 16000000, -16, 0}));
    // INT_MAX * 3 = 6442450941 - 2^32 = 2147483645; INT_MIN * 3 wraps to INT_MIN.
    QCOMPARE(text(runAlu(AluOp::Mul, true, 3)), text({21, -21, 300, -300, 2147483645, INT_MIN, 3000000, -3, 0}));
  }

  void twoLevelLoops() {
    // ALU ADD 1, uops dst 0 and 1, iter 3 x 2 with dst factors 3 (outer) and 1 (inner): entries
    // i0*3 + i1 + u = {0,1,1,2}, {3,4,4,5}, {6,7,7,8}.
    Bench b;
    const uint32_t uop = b.loadUops({{0, 0, 0}, {1, 0, 0}});
    Instruction add = computeInsn(Opcode::Alu, uop, uop + 2, 3, 2);
    add.aluOp = AluOp::Add;
    add.useImm = true;
    add.imm = 1;
    add.dstFactorOut = 3;
    add.dstFactorIn = 1;
    b.program.push_back(add);
    b.readAccumulators(0, 10);
    const RunStats stats = b.sim.run(b.program);
    std::string counts;
    for (uint32_t e = 0; e < 10; ++e) counts += std::to_string(b.acc(e, 0)) + std::to_string(b.acc(e, 15)) + " ";
    QCOMPARE(counts, std::string("11 22 11 11 22 11 11 22 11 00 "));
    QCOMPARE(stats.aluOps, uint64_t{12 + 3 * 10});

    // GEMM, one uop, iter 2 x 2: dst = i0, src = 2*i0 + i1, wgt = i1. inp[e] lanes = e + 1;
    // wgt[w] row 0 = w + 1, other rows 0. acc[i0][0] = sum_i1 16 (2 i0 + i1 + 1)(i1 + 1):
    // i0 = 0: 16 (1 + 4) = 80; i0 = 1: 16 (3 + 8) = 176.
    Bench g;
    std::vector<int8_t> inp(4 * 16), wgt(2 * 256, 0);
    for (int e = 0; e < 4; ++e)
      for (int i = 0; i < 16; ++i) inp[e * 16 + i] = static_cast<int8_t>(e + 1);
    for (int w = 0; w < 2; ++w)
      for (int i = 0; i < 16; ++i) wgt[w * 256 + i] = static_cast<int8_t>(w + 1);
    const uint32_t gu = g.loadUops({{0, 0, 0}});
    g.load(MemId::Inp, 0, inp, 16);
    g.load(MemId::Wgt, 0, wgt, 256).pushNext = true;
    Instruction gemm = computeInsn(Opcode::Gemm, gu, gu + 1, 2, 2);
    gemm.dstFactorOut = 1;
    gemm.srcFactorOut = 2;
    gemm.srcFactorIn = 1;
    gemm.wgtFactorIn = 1;
    gemm.popPrev = true;
    g.program.push_back(gemm);
    g.readAccumulators(0, 2);
    g.sim.run(g.program);
    QCOMPARE(lanesText(g, 0, 3) + lanesText(g, 1, 3), std::string("80 0 0 176 0 0 "));
  }

  // The vectorized kernel (BLOCK_IN a multiple of 8, BLOCK_OUT of 4) and the plain one against a
  // direct evaluation of the GEMM loop, on random int8 data and accumulators near the int32 limits
  // (the additions wrap), for several core shapes.
  void gemmMatchesDirectEvaluation() {
    // (Smaller weight / accumulator buffers keep the instruction fields within 128 bits.)
    for (const char* shape : {"", "LOG_BATCH=1;LOG_BLOCK=3;LOG_WGT_BUFF_SIZE=15", "LOG_BLOCK_IN=5",
                              "LOG_BLOCK_OUT=1;LOG_ACC_BUFF_SIZE=13;LOG_WGT_BUFF_SIZE=15", "LOG_BLOCK_IN=2;LOG_BATCH=2;LOG_WGT_BUFF_SIZE=15"}) {
      Bench b(hwConfigFromString(shape));
      const int batch = b.config.batch(), blockIn = b.config.blockIn(), blockOut = b.config.blockOut();
      std::mt19937 random(42);
      std::vector<int8_t> inp(8 * batch * blockIn), wgt(4 * blockOut * blockIn);
      for (auto& v : inp) v = static_cast<int8_t>(random());
      for (auto& v : wgt) v = static_cast<int8_t>(random());
      std::vector<int32_t> acc(7 * batch * blockOut);  // dst reaches 2 + 3 + 1 = 6
      for (auto& v : acc) v = static_cast<int32_t>(random() % 2 ? INT_MAX - random() % 100000 : INT_MIN + random() % 100000);
      const std::vector<Uop> uops = {{0, 0, 0}, {1, 3, 2}, {2, 1, 1}};
      const uint32_t first = b.loadUops(uops);
      b.loadAcc(0, acc);
      b.load(MemId::Inp, 0, inp, b.config.inpEntryBytes());
      b.load(MemId::Wgt, 0, wgt, b.config.wgtEntryBytes()).pushNext = true;
      Instruction gemm = computeInsn(Opcode::Gemm, first, first + 3, 2, 2);
      gemm.dstFactorOut = 3;
      gemm.dstFactorIn = 1;
      gemm.srcFactorOut = 2;
      gemm.srcFactorIn = 1;
      gemm.wgtFactorIn = 1;
      gemm.popPrev = true;
      b.program.push_back(gemm);
      b.readAccumulators(0, 7);
      b.sim.run(b.program);

      std::vector<int32_t> expected = acc;
      for (uint32_t i0 = 0; i0 < 2; ++i0)
        for (uint32_t i1 = 0; i1 < 2; ++i1)
          for (const Uop& u : uops) {
            const uint32_t d = u.dst + 3 * i0 + i1, src = u.src + 2 * i0 + i1, w = u.wgt + i1;
            for (int bi = 0; bi < batch; ++bi)
              for (int o = 0; o < blockOut; ++o) {
                int64_t sum = 0;
                for (int i = 0; i < blockIn; ++i)
                  sum += int64_t{inp[(src * batch + bi) * blockIn + i]} * wgt[(w * blockOut + o) * blockIn + i];
                int32_t& out = expected[(d * batch + bi) * blockOut + o];
                out = static_cast<int32_t>(static_cast<uint32_t>(out) + static_cast<uint32_t>(sum));
              }
          }
      int mismatches = 0;
      for (uint32_t e = 0; e < 7; ++e)
        for (int lane = 0; lane < batch * blockOut; ++lane) mismatches += b.acc(e, lane) != expected[e * batch * blockOut + lane];
      NEST_VERIFY(mismatches == 0, std::string(shape) + ": " + std::to_string(mismatches) + " mismatching lanes");
    }
  }

  void loadCycles() {
    // 3 x 5 input entries (padding free) of 16 bytes = 240 bytes at 32 bytes per cycle:
    // 64 + ceil(7.5) = 72 cycles; FINISH runs meanwhile on the compute module.
    HwConfig config;
    config.dramBytesPerCycle = 32;
    Simulator sim(config, 1 << 16);
    Instruction load = loadInsn(MemId::Inp, 0, 0, 3, 5, 5);
    load.yPad0 = load.xPad1 = 2;
    const std::vector<Instruction> program = {load, finishInsn()};
    const RunStats stats = sim.run(program);
    QCOMPARE(stats.cycles, uint64_t{72});
    QCOMPARE(stats.load.busyCycles, uint64_t{72});
    QCOMPARE(stats.compute.busyCycles, uint64_t{1});
    QCOMPARE(stats.dramBytesRead, uint64_t{240});
    QCOMPARE(estimateTiming(config, program).cycles, uint64_t{72});
    // One weight entry: 256 bytes = 64 + 8.
    QCOMPARE(estimateTiming(config, {loadInsn(MemId::Wgt, 0, 0, 1, 1, 1), finishInsn()}).cycles, uint64_t{72});
    QCOMPARE(estimateTiming(config, {loadInsn(MemId::Wgt, 0, 0, 1, 3, 3), finishInsn()}).cycles, uint64_t{64 + 24});
  }

  void overlapThroughTokens() {
    // Default 16 bytes per cycle, latency 64.
    //   0 LOAD UOP x2 (8 B)       compute [0, 65)
    //   1 LOAD INP x4 (64 B)      load    [0, 68)    push load->compute @68
    //   2 LOAD INP x8 (128 B)     load    [68, 140)  push @140
    //   3 GEMM 2 uops x 10 x 5    compute [max(65, 68) = 68, 168)
    //   4 GEMM 1 uop x 20 x 1     compute [max(168, 140), 188)  push compute->store @188
    //   5 STORE x4 (64 B)         store   [188, 256)  push store->compute @256
    //   6 FINISH                  compute [256, 257)
    Bench b;
    std::vector<Instruction>& p = b.program;
    p.push_back(loadInsn(MemId::Uop, 0, 0, 1, 2, 2));
    p.push_back(loadInsn(MemId::Inp, 0, 0, 1, 4, 4));
    p.back().pushNext = true;
    p.push_back(loadInsn(MemId::Inp, 4, 0, 1, 8, 8));
    p.back().pushNext = true;
    p.push_back(computeInsn(Opcode::Gemm, 0, 2, 10, 5));
    p.back().popPrev = true;
    p.push_back(computeInsn(Opcode::Gemm, 0, 1, 20, 1));
    p.back().popPrev = p.back().pushNext = true;
    p.push_back(storeInsn(0, 64, 1, 4, 4));
    p.back().popPrev = p.back().pushPrev = true;
    p.push_back(finishInsn());
    p.back().popNext = true;
    const RunStats stats = b.sim.run(p);
    QCOMPARE(stats.cycles, uint64_t{257});
    QCOMPARE(stats.load.busyCycles, uint64_t{140});
    QCOMPARE(stats.compute.busyCycles, uint64_t{65 + 100 + 20 + 1});
    QCOMPARE(stats.store.busyCycles, uint64_t{68});
    QCOMPARE(stats.load.instructions + 10 * stats.compute.instructions + 100 * stats.store.instructions, uint64_t{2 + 40 + 100});
    QCOMPARE(stats.gemmOps, uint64_t{120});
    QCOMPARE(stats.macs, uint64_t{120 * 256});
    QCOMPARE(stats.dramBytesRead, uint64_t{8 + 64 + 128});
    QCOMPARE(stats.dramBytesWritten, uint64_t{64});
    QCOMPARE(stats.utilization(b.config), 120.0 / 257);
    QCOMPARE(stats.milliseconds(b.config), 257 / 300e3);
    const RunStats estimate = estimateTiming(b.config, p);
    QCOMPARE(estimate.cycles, stats.cycles);
    QCOMPARE(estimate.compute.busyCycles, stats.compute.busyCycles);
    QCOMPARE(estimate.macs, stats.macs);
    // Without the token the store waits for, compute's FINISH would end at 189; the STORE still
    // runs to 256, the latest end.
    p.back().popNext = false;
    p[5].pushPrev = false;
    QCOMPARE(b.sim.run(p).cycles, uint64_t{256});
    QCOMPARE(estimateTiming(b.config, p).cycles, uint64_t{256});

    RunStats sum = stats;
    sum += stats;
    QCOMPARE(sum.cycles, uint64_t{514});
    QCOMPARE(sum.store.busyCycles, uint64_t{136});
    QCOMPARE(sum.dramBytesWritten, uint64_t{128});
  }

  void programErrors() {
    HwConfig config;
    Simulator sim(config, 1 << 20);
    int64_t index = -2;
    auto run = [&](std::vector<Instruction> program) { return simErrorOf([&] { sim.run(program); }, &index); };

    QCOMPARE(run({loadInsn(MemId::Inp, 2040, 0, 1, 18, 18), finishInsn()}),
             std::string("instruction 0 (LOAD INP): sram entries [2040, 2058) exceed the input buffer (2048 entries)"));
    QCOMPARE(index, int64_t{0});
    // Weight entry 4095 is bytes [1048320, 1048576): two entries run past the 1 MiB DRAM.
    QCOMPARE(run({loadInsn(MemId::Inp, 0, 0, 1, 1, 1), loadInsn(MemId::Wgt, 0, 4095, 1, 2, 2), finishInsn()}),
             std::string("instruction 1 (LOAD WGT): DRAM bytes [1048320, 1048832) exceed the DRAM (1048576 bytes)"));
    QCOMPARE(index, int64_t{1});
    // The row stride counts too: rows at entries 0 and 70000 x 16 bytes.
    QCOMPARE(run({storeInsn(0, 0, 2, 1, 70000), finishInsn()}),
             std::string("instruction 0 (STORE): DRAM bytes [0, 1120016) exceed the DRAM (1048576 bytes)"));
    // The micro-op at dst 2047 iterated twice with dst factor 1 reaches entry 2048.
    {
      const uint32_t word = encodeUop({2047, 0, 0}, config);
      std::memcpy(sim.dram(), &word, 4);
      Instruction alu = aluInsn(AluOp::Add, 0, 2);
      alu.useImm = true;
      QCOMPARE(run({loadInsn(MemId::Uop, 0, 0, 1, 1, 1), alu, finishInsn()}),
               std::string("instruction 1 (ALU ADD): sram entries [2047, 2049) exceed the accumulator buffer (2048 entries)"));
      QCOMPARE(index, int64_t{1});
      std::memset(sim.dram(), 0, 4);
    }
    QCOMPARE(run({computeInsn(Opcode::Gemm, 8190, 8193, 1, 1), finishInsn()}),
             std::string("instruction 0 (GEMM): sram entries [8190, 8193) exceed the micro-op buffer (8192 entries)"));
    Instruction padded = loadInsn(MemId::Uop, 0, 0, 1, 1, 1);
    padded.xPad0 = 1;
    QCOMPARE(run({finishInsn(), padded, finishInsn()}),
             std::string("instruction 0 (FINISH): FINISH before the end of the program (only the last instruction may be FINISH)"));
    QCOMPARE(run({padded, finishInsn()}), std::string("instruction 0 (LOAD UOP): a micro-op LOAD cannot be padded"));

    Instruction gemm = computeInsn(Opcode::Gemm, 0, 1, 1, 1);
    gemm.popPrev = true;
    QCOMPARE(run({loadInsn(MemId::Inp, 0, 0, 1, 1, 1), gemm, finishInsn()}),
             std::string("token deadlock: compute waits at instruction 1 (GEMM) for a load->compute token that nobody pushes "
                         "(the load module has no instructions left)"));
    QCOMPARE(index, int64_t{1});
    QCOMPARE(run({loadInsn(MemId::Inp, 0, 0, 1, 1, 1)}),
             std::string("missing FINISH: the last instruction (0, LOAD INP) is not FINISH"));
    QCOMPARE(index, int64_t{-1});
    Instruction store = storeInsn(0, 0, 1, 1, 1);
    store.popPrev = true;
    QCOMPARE(run({store, finishInsn()}),
             std::string("token deadlock: store waits at instruction 0 (STORE) for a compute->store token that nobody pushes "
                         "(the compute module has no instructions left)"));
    QCOMPARE(index, int64_t{0});
    // Both wait: load for compute and compute for load.
    Instruction loadWaiting = loadInsn(MemId::Inp, 0, 0, 1, 1, 1);
    loadWaiting.popNext = loadWaiting.pushNext = true;
    Instruction gemmWaiting = gemm;
    gemmWaiting.pushPrev = true;
    QCOMPARE(run({loadWaiting, gemmWaiting, finishInsn()}),
             std::string("token deadlock: load waits at instruction 0 (LOAD INP) for a compute->load token; "
                         "compute waits at instruction 1 (GEMM) for a load->compute token"));
    QCOMPARE(index, int64_t{0});
    Instruction loadPrev = loadInsn(MemId::Wgt, 0, 0, 1, 1, 1);
    loadPrev.popPrev = true;
    QCOMPARE(run({loadPrev, finishInsn()}),
             std::string("instruction 0 (LOAD WGT): the load module has no previous module (pop_prev)"));
    // estimateTiming shares the structural checks.
    QCOMPARE(simErrorOf([&] { estimateTiming(config, {store, finishInsn()}); }, &index).substr(0, 39),
             std::string("token deadlock: store waits at instruct"));
    // Nothing was written: DRAM is still zero after the failed runs.
    int nonzero = 0;
    for (uint64_t i = 0; i < sim.dramSize(); ++i) nonzero += sim.dram()[i] != 0;
    QCOMPARE(nonzero, 0);
  }

  void allocation() {
    Simulator sim(HwConfig{}, 1000);
    QCOMPARE(sim.allocate(10), uint64_t{0});
    QCOMPARE(sim.allocate(300), uint64_t{256});
    QCOMPARE(sim.allocate(1), uint64_t{768});
    int64_t index = 0;
    QCOMPARE(simErrorOf([&] { sim.allocate(1); }, &index), std::string("DRAM full: cannot allocate 1 bytes (1000 of 1000 bytes in use)"));
    QCOMPARE(index, int64_t{-1});
    sim.freeAll();
    QCOMPARE(sim.allocate(1000), uint64_t{0});
  }

  void cDriver() {
    char error[256] = "unset";
    QVERIFY(nest_npu_open("LOG_BLOCK=5;FOO=1", 1 << 20, error, sizeof error) == nullptr);
    NEST_VERIFY(std::string(error).find("FOO") != std::string::npos, error);

    nest_npu_device* dev = nest_npu_open(nullptr, 1 << 16, error, sizeof error);
    QVERIFY(dev != nullptr);
    QCOMPARE(nest_npu_wait(dev, nullptr), -1);
    QCOMPARE(std::string(nest_npu_error(dev)), std::string("no program has run"));
    HwConfig config;
    QCOMPARE(nest_npu_alloc(dev, 10), uint64_t{0});
    QCOMPARE(nest_npu_alloc(dev, 16), uint64_t{256});
    QCOMPARE(nest_npu_alloc(dev, 1 << 16), UINT64_MAX);
    int8_t data[16] = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -16};
    QCOMPARE(nest_npu_copy_to(dev, 256, data, 16), 0);
    QCOMPARE(nest_npu_copy_to(dev, (1 << 16) - 8, data, 16), -1);
    QCOMPARE(nest_npu_copy_from(dev, data, UINT64_MAX - 4, 16), -1);

    // A good program: LOAD the input entry at byte 256 (entry 16): 64 + 16 / 16 = 65 cycles.
    const std::vector<uint8_t> good = encodeProgram({loadInsn(MemId::Inp, 0, 16, 1, 1, 1), finishInsn()}, config);
    QCOMPARE(nest_npu_run(dev, good.data(), 2), 0);
    nest_npu_stats stats{};
    QCOMPARE(nest_npu_wait(dev, &stats), 0);
    QCOMPARE(stats.cycles, uint64_t{65});
    QCOMPARE(stats.load_busy, uint64_t{65});
    QCOMPARE(stats.dram_read, uint64_t{16});
    QCOMPARE(std::string(nest_npu_error(dev)), std::string());

    const std::vector<uint8_t> bad = encodeProgram({loadInsn(MemId::Inp, 2040, 0, 1, 18, 18), finishInsn()}, config);
    QCOMPARE(nest_npu_run(dev, bad.data(), 2), -1);
    QCOMPARE(nest_npu_wait(dev, &stats), -1);
    QCOMPARE(std::string(nest_npu_error(dev)),
             std::string("instruction 0 (LOAD INP): sram entries [2040, 2058) exceed the input buffer (2048 entries)"));
    QCOMPARE(stats.cycles, uint64_t{0});
    nest_npu_close(dev);
  }

  void blockedLayoutRoundTrip() {
    // N = 2, C = 20, H = 2, W = 3 in blocks of batch 2 and 16 channels: [1][2][2][3][2][16].
    const int64_t n = 2, c = 20, h = 2, w = 3;
    QCOMPARE(nest_npu_blocked_size(n, c, h, w, 2, 16), uint64_t{1 * 2 * 2 * 3 * 2 * 16});
    QCOMPARE(nest_npu_blocked_size(3, c, h, w, 2, 16), uint64_t{2 * 2 * 2 * 3 * 2 * 16});
    std::vector<int8_t> nchw(n * c * h * w), blocked(nest_npu_blocked_size(n, c, h, w, 2, 16), 99), back(nchw.size());
    for (size_t i = 0; i < nchw.size(); ++i) nchw[i] = static_cast<int8_t>(i * 7 - 100);
    nest_npu_pack(nchw.data(), blocked.data(), n, c, h, w, 2, 16);
    // (n 1, c 17, h 1, w 2): channel block 1, position 1*3 + 2 = 5: ((1*2*3 + 5) * 2 + 1) * 16 + 1 = 369.
    QCOMPARE(blocked[369], nchw[((1 * c + 17) * h + 1) * w + 2]);
    // (n 0, c 0, h 0, w 1): ((0 + 1) * 2 + 0) * 16 = 32.
    QCOMPARE(blocked[32], nchw[1]);
    // Channels 20..31 are padding: (n 0, c 25, h 0, w 0) at ((6 + 0) * 2 + 0) * 16 + 9 = 201.
    int padding = 0;
    for (int64_t pos = 0; pos < h * w; ++pos)
      for (int lane = 0; lane < 2; ++lane)
        for (int ci = 4; ci < 16; ++ci) padding += blocked[((6 + pos) * 2 + lane) * 16 + ci] != 0;
    QCOMPARE(padding, 0);
    QCOMPARE(blocked[201], int8_t{0});
    nest_npu_unpack(blocked.data(), back.data(), n, c, h, w, 2, 16);
    QVERIFY(back == nchw);
  }
};

QTEST_APPLESS_MAIN(NpuSimulatorTest)
#include "test_npu_simulator.moc"
