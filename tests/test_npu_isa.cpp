// backends/npu/vta: the hardware description (defaults, parameters in and out, every validation
// error), the ISA's bit layout against hand-computed words, encode/decode and format/parse round
// trips of every instruction kind with fields at their widest, and the errors of both.
#include "backends/npu/vta/assembly.h"
#include "tests/test_support.h"

using namespace nest::vta;

namespace {

// The message of the exception of type E that f throws, or "<no error>".
template <typename E, typename F>
std::string messageOf(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no error>";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Instruction finish() { return Instruction{}; }

Instruction memoryOp(Opcode op, MemId memory, uint32_t sram, uint32_t dram, uint32_t y, uint32_t x, uint32_t stride,
                     uint32_t yPad0 = 0, uint32_t yPad1 = 0, uint32_t xPad0 = 0, uint32_t xPad1 = 0) {
  Instruction i;
  i.opcode = op;
  i.memory = memory;
  i.sramBase = sram, i.dramBase = dram, i.ySize = y, i.xSize = x, i.xStride = stride;
  i.yPad0 = yPad0, i.yPad1 = yPad1, i.xPad0 = xPad0, i.xPad1 = xPad1;
  return i;
}

Instruction loops(Opcode op, bool reset, uint32_t bgn, uint32_t end, uint32_t iterOut, uint32_t iterIn, uint32_t dstOut,
                  uint32_t dstIn, uint32_t srcOut, uint32_t srcIn) {
  Instruction i;
  i.opcode = op;
  i.resetReg = reset;
  i.uopBegin = bgn, i.uopEnd = end, i.iterOut = iterOut, i.iterIn = iterIn;
  i.dstFactorOut = dstOut, i.dstFactorIn = dstIn, i.srcFactorOut = srcOut, i.srcFactorIn = srcIn;
  return i;
}

Instruction gemm(bool reset, uint32_t bgn, uint32_t end, uint32_t iterOut, uint32_t iterIn, uint32_t dstOut, uint32_t dstIn,
                 uint32_t srcOut, uint32_t srcIn, uint32_t wgtOut, uint32_t wgtIn) {
  Instruction i = loops(Opcode::Gemm, reset, bgn, end, iterOut, iterIn, dstOut, dstIn, srcOut, srcIn);
  i.wgtFactorOut = wgtOut, i.wgtFactorIn = wgtIn;
  return i;
}

Instruction alu(AluOp op, bool useImm, int32_t imm, uint32_t bgn, uint32_t end, uint32_t iterOut, uint32_t iterIn,
                uint32_t dstOut, uint32_t dstIn, uint32_t srcOut, uint32_t srcIn, bool reset = false) {
  Instruction i = loops(Opcode::Alu, reset, bgn, end, iterOut, iterIn, dstOut, dstIn, srcOut, srcIn);
  i.aluOp = op, i.useImm = useImm, i.imm = imm;
  return i;
}

Instruction withDeps(Instruction i, bool popPrev, bool popNext, bool pushPrev, bool pushNext) {
  i.popPrev = popPrev, i.popNext = popNext, i.pushPrev = pushPrev, i.pushNext = pushNext;
  return i;
}

// Every kind with every field at its widest under `config` (and at small values), each ALU op
// with imm and tensor, each dependency flag alone and all together.
std::vector<Instruction> everyKind(const HwConfig& config) {
  const FieldWidths w = fieldWidths(config);
  const uint32_t uopMax = (1u << w.uopIndex) - 1, uopEndMax = (1u << w.uopEnd) - 1, iterMax = (1u << 14) - 1;
  const uint32_t accMax = (1u << w.accIndex) - 1, inpMax = (1u << w.inpIndex) - 1, wgtMax = (1u << w.wgtIndex) - 1;
  std::vector<Instruction> all;
  for (MemId m : {MemId::Uop, MemId::Wgt, MemId::Inp, MemId::Acc}) {
    all.push_back(memoryOp(Opcode::Load, m, 65535, 0xFFFFFFFFu, 65535, 65535, 65535, 15, 15, 15, 15));
    all.push_back(memoryOp(Opcode::Load, m, 3, 4096, 3, 18, 56, 1, 0, 2, 0));
  }
  all.push_back(memoryOp(Opcode::Store, MemId::Out, 65535, 0xFFFFFFFFu, 65535, 65535, 65535, 15, 15, 15, 15));
  all.push_back(memoryOp(Opcode::Store, MemId::Out, 0, 0, 14, 14, 14));
  for (bool reset : {false, true}) {
    all.push_back(gemm(reset, uopMax, uopEndMax, iterMax, iterMax, accMax, accMax, inpMax, inpMax, wgtMax, wgtMax));
    all.push_back(gemm(reset, 0, 36, 4, 14, 196, 14, 0, 18, 36, 0));
  }
  for (AluOp op : {AluOp::Min, AluOp::Max, AluOp::Add, AluOp::Shr, AluOp::Mul}) {
    all.push_back(alu(op, true, 32767, uopMax, uopEndMax, iterMax, iterMax, accMax, accMax, accMax, accMax));
    all.push_back(alu(op, true, -32768, 36, 37, 4, 14, 196, 14, 0, 0));
    all.push_back(alu(op, false, 0, uopMax, uopEndMax, iterMax, iterMax, accMax, accMax, accMax, accMax));
  }
  all.push_back(alu(AluOp::Max, true, 0, 0, 1, 1, 1, 0, 0, 0, 0, /*reset=*/true));
  all.push_back(alu(AluOp::Add, false, 0, 0, 1, 1, 1, 0, 0, 0, 0, /*reset=*/true));
  all.push_back(finish());
  all.push_back(withDeps(finish(), true, false, false, false));
  all.push_back(withDeps(finish(), false, true, false, false));
  all.push_back(withDeps(finish(), false, false, true, false));
  all.push_back(withDeps(finish(), false, false, false, true));
  all.push_back(withDeps(memoryOp(Opcode::Load, MemId::Inp, 1, 2, 3, 4, 5), true, true, true, true));
  all.push_back(withDeps(gemm(false, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0), true, false, true, false));
  return all;
}

}  // namespace

class NpuIsaTest : public QObject {
  Q_OBJECT

 private slots:
  void defaults() {
    const HwConfig c;
    c.validate();
    QCOMPARE(c.uopDepth(), int64_t{8192});
    QCOMPARE(c.inpDepth(), int64_t{2048});
    QCOMPARE(c.wgtDepth(), int64_t{1024});
    QCOMPARE(c.accDepth(), int64_t{2048});
    QCOMPARE(c.inpEntryBytes(), 16);
    QCOMPARE(c.wgtEntryBytes(), 256);
    QCOMPARE(c.accEntryBytes(), 64);
    QCOMPARE(c.outEntryBytes(), 16);
    QCOMPARE(c.macsPerCycle(), int64_t{256});
    const FieldWidths w = fieldWidths(c);
    QCOMPARE(w.uopIndex, 13);
    QCOMPARE(w.uopEnd, 14);
    QCOMPARE(w.accIndex, 11);
    QCOMPARE(w.inpIndex, 11);
    QCOMPARE(w.wgtIndex, 10);
    QCOMPARE(w.uopSrc, 11);
    QCOMPARE(w.gemmLoBits, 63);  // 7 + 1 + 13 + 14 + 14 + 14
    QCOMPARE(w.gemmHiBits, 64);  // 2 * (11 + 11 + 10)
    QCOMPARE(w.aluHiBits, 64);   // 4 * 11 + 3 + 1 + 16
    QCOMPARE(w.uopBits, 32);     // 11 + 11 + 10
    QCOMPARE(c.describe(), std::string("1x16x16 int8*int8->int32, buffers uop 32 KiB, inp 32 KiB, wgt 256 KiB, acc 128 KiB; "
                                       "300 MHz, DRAM 16 B/cycle after 64 cycles"));
    QCOMPARE(hwConfigToString(c), std::string());
    QVERIFY(hwConfigFromString("") == c);
    QVERIFY(hwConfigFromParameters({}) == c);
  }

  void parametersRoundTrip() {
    const HwConfig c = hwConfigFromString("LOG_BATCH=1,LOG_BLOCK=5");
    QCOMPARE(c.logBatch, 1);
    QCOMPARE(c.logBlockIn, 5);
    QCOMPARE(c.logBlockOut, 5);
    QCOMPARE(c.inpDepth(), int64_t{512});  // 32 KiB / (2x32 int8)
    QCOMPARE(c.wgtDepth(), int64_t{256});  // 256 KiB / (32x32 int8)
    QCOMPARE(c.accDepth(), int64_t{512});  // 128 KiB / (2x32 int32)
    QCOMPARE(hwConfigToString(c), std::string("LOG_BATCH=1;LOG_BLOCK=5"));
    QVERIFY(hwConfigFromString(hwConfigToString(c)) == c);
    QCOMPARE(c.describe(), std::string("2x32x32 int8*int8->int32, buffers uop 32 KiB, inp 32 KiB, wgt 256 KiB, acc 128 KiB; "
                                       "300 MHz, DRAM 16 B/cycle after 64 cycles"));

    // Spaces, both separators, split blocks and timing figures.
    const HwConfig t = hwConfigFromString(" LOG_BLOCK_OUT = 5 ; CLOCK_MHZ=250.5, DRAM_LATENCY_CYCLES=0;DRAM_BYTES_PER_CYCLE=8;");
    QCOMPARE(t.logBlockIn, 4);
    QCOMPARE(t.logBlockOut, 5);
    QCOMPARE(t.clockMhz, 250.5);
    QCOMPARE(hwConfigToString(t), std::string("LOG_BLOCK_OUT=5;CLOCK_MHZ=250.5;DRAM_BYTES_PER_CYCLE=8;DRAM_LATENCY_CYCLES=0"));
    QVERIFY(hwConfigFromString(hwConfigToString(t)) == t);
    QCOMPARE(t.describe(), std::string("1x16x32 int8*int8->int32, buffers uop 32 KiB, inp 32 KiB, wgt 256 KiB, acc 128 KiB; "
                                       "250.5 MHz, DRAM 8 B/cycle after 0 cycles"));

    // Plain forms equal the log forms; a specific block size wins over LOG_BLOCK.
    QVERIFY(hwConfigFromString("BATCH=2;BLOCK=32") == c);
    QVERIFY(hwConfigFromString("BLOCK_IN=32;ACC_BUFF_SIZE=65536;UOP_BUFF_SIZE=16384") ==
            hwConfigFromString("LOG_BLOCK_IN=5;LOG_ACC_BUFF_SIZE=16;LOG_UOP_BUFF_SIZE=14"));
    const HwConfig s = hwConfigFromParameters({{"LOG_BLOCK", "5"}, {"LOG_BLOCK_IN", "4"}, {"INP_BUFF_SIZE", "65536"}, {"WGT_BUFF_SIZE", "131072"}});
    QCOMPARE(s.logBlockIn, 4);
    QCOMPARE(s.logBlockOut, 5);
    QCOMPARE(s.logInpBuffBytes, 16);
    QCOMPARE(s.logWgtBuffBytes, 17);
    QCOMPARE(hwConfigToString(s), std::string("LOG_BLOCK_OUT=5;LOG_INP_BUFF_SIZE=16;LOG_WGT_BUFF_SIZE=17"));
    QVERIFY(hwConfigFromString(hwConfigToString(s)) == s);
  }

  void parameterErrors() {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"LOG_INP_WIDTH=4", "LOG_INP_WIDTH=4 is not supported: only int8 inputs and weights with int32 accumulators"},
        {"LOG_WGT_WIDTH=2", "LOG_WGT_WIDTH=2 is not supported"},
        {"LOG_ACC_WIDTH=4", "LOG_ACC_WIDTH=4 is not supported"},
        {"LOG_BATCH=5", "LOG_BATCH=5 is out of range (0..4)"},
        {"LOG_BATCH=-1", "LOG_BATCH=-1 is out of range (0..4)"},
        {"LOG_BLOCK_IN=0", "LOG_BLOCK_IN=0 is out of range (1..6)"},
        {"LOG_BLOCK_OUT=7", "LOG_BLOCK_OUT=7 is out of range (1..6)"},
        {"LOG_ACC_BUFF_SIZE=40", "LOG_ACC_BUFF_SIZE=40 is out of range (1..32)"},
        {"LOG_WGT_BUFF_SIZE=8", "LOG_WGT_BUFF_SIZE=8: a 256-byte weight buffer is too small for two 16x16 int8 weight tiles (512 bytes)"},
        {"LOG_UOP_BUFF_SIZE=2", "LOG_UOP_BUFF_SIZE=2: a 4-byte micro-op buffer is too small for two 4-byte micro-ops (8 bytes)"},
        {"LOG_INP_BUFF_SIZE=4", "LOG_INP_BUFF_SIZE=4: a 16-byte input buffer is too small for two 1x16 int8 input tiles (32 bytes)"},
        {"LOG_ACC_BUFF_SIZE=6", "LOG_ACC_BUFF_SIZE=6: a 64-byte accumulator buffer is too small for two 1x16 int32 accumulator tiles (128 bytes)"},
        // 18 + 18 + 11 + 11 + 10 + 10 = 78
        {"LOG_ACC_BUFF_SIZE=24", "LOG_ACC_BUFF_SIZE=24 makes the accumulator index 18 bits (16 MiB / 64-byte entries): "
                                 "GEMM's second word needs 78 bits of 64"},
        // 7 + 1 + 14 + 15 + 14 + 14 = 65
        {"LOG_UOP_BUFF_SIZE=16", "LOG_UOP_BUFF_SIZE=16 makes the micro-op index 14 bits (64 KiB / 4-byte entries): "
                                 "GEMM's first word needs 65 bits of 64"},
        // GEMM: 12 + 12 + 11 + 11 + 9 + 9 = 64 fits; ALU: 4 * 12 + 20 = 68 does not.
        {"LOG_ACC_BUFF_SIZE=18;LOG_WGT_BUFF_SIZE=17", "LOG_ACC_BUFF_SIZE=18 makes the accumulator index 12 bits (256 KiB / 64-byte entries): "
                                                      "ALU's second word needs 68 bits of 64"},
        // GEMM: 2 * (11 + 10 + 11) = 64 and ALU 64 fit; the micro-op 11 + 11 + 11 = 33 does not.
        {"LOG_WGT_BUFF_SIZE=19;LOG_INP_BUFF_SIZE=14", "LOG_WGT_BUFF_SIZE=19 makes the weight index 11 bits (512 KiB / 256-byte entries): "
                                                      "a micro-op needs 33 bits of 32"},
        // Smaller blocks deepen every buffer: weights 256 KiB / 4 bytes = 2^16 entries.
        {"LOG_BLOCK=1", "LOG_WGT_BUFF_SIZE=18 makes the weight index 16 bits (256 KiB / 4-byte entries): GEMM's second word needs 88 bits of 64"},
        // Every word fits (GEMM hi 1+1+17+17+1+1 = 38) but LOAD's sram_base cannot address 2^17 inputs.
        {"LOG_BLOCK=1;LOG_INP_BUFF_SIZE=18;LOG_ACC_BUFF_SIZE=4;LOG_WGT_BUFF_SIZE=3",
         "LOG_INP_BUFF_SIZE=18 makes the input index 17 bits (256 KiB / 2-byte entries): LOAD and STORE address on-chip entries with 16 bits"},
        {"BLOCK_IN=12", "BLOCK_IN=12 is not a power of two"},
        {"WGT_BUFF_SIZE=1000", "WGT_BUFF_SIZE=1000 is not a power of two"},
        {"BATCH=0", "BATCH=0 is not a power of two"},
        {"FOO=1", "unknown hardware parameter 'FOO' (known: LOG_INP_WIDTH, "},
        {"LOG_BATCH=one", "LOG_BATCH='one' is not a whole number"},
        {"LOG_BATCH=1.5", "LOG_BATCH='1.5' is not a whole number"},
        {"DRAM_LATENCY_CYCLES=99999999999", "DRAM_LATENCY_CYCLES=99999999999 is out of range"},
        {"CLOCK_MHZ=fast", "CLOCK_MHZ='fast' is not a number"},
        {"CLOCK_MHZ=0", "CLOCK_MHZ=0 must be a positive number"},
        {"CLOCK_MHZ=-5", "CLOCK_MHZ=-5 must be a positive number"},
        {"DRAM_BYTES_PER_CYCLE=0", "DRAM_BYTES_PER_CYCLE=0 must be at least 1"},
        {"DRAM_LATENCY_CYCLES=-1", "DRAM_LATENCY_CYCLES=-1 must not be negative"},
        {"LOG_BATCH", "hardware parameter 'LOG_BATCH' is not KEY=VALUE"},
        {"LOG_BATCH=1;LOG_BATCH=2", "hardware parameter LOG_BATCH is given twice"},
    };
    for (const auto& testCase : cases) {  // no structured binding: clang 14 cannot capture one
      const std::string& text = testCase.first;
      const std::string& want = testCase.second;
      const std::string got = messageOf<ConfigError>([&] { hwConfigFromString(text); });
      NEST_VERIFY(contains(got, want), text + ": got '" + got + "', want '" + want + "'");
    }
    QCOMPARE(cases.size(), size_t{32});
    const std::string unknown = messageOf<ConfigError>([] { hwConfigFromParameters({{"LOG_BLOK", "5"}}); });
    NEST_VERIFY(contains(unknown, "LOG_BLOCK_IN") && contains(unknown, "DRAM_LATENCY_CYCLES)"), unknown);
    // A config changed by hand is checked when used.
    HwConfig bad;
    bad.logBatch = 9;
    QCOMPARE(messageOf<ConfigError>([&] { encode(finish(), bad); }), std::string("LOG_BATCH=9 is out of range (0..4)"));
  }

  void handComputedEncodings() {
    const HwConfig c;
    // FINISH: opcode 3, push_prev at bit 5.
    QCOMPARE(encode(withDeps(finish(), false, false, true, false), c), (Encoded{3 | 1 << 5, 0}));
    QCOMPARE(encode(withDeps(finish(), true, true, true, true), c), (Encoded{123, 0}));  // 3 | 0xF << 3
    // LOAD INP (memory 2 at bit 7) sram 5 at bit 9, dram 7 at bit 25, pop_next at bit 4:
    //   lo = 1<<4 | 2<<7 | 5<<9 | 7<<25 = 234883856
    //   hi = 2 | 3<<16 | 4<<32 | 1<<48 | 2<<52 | 3<<56 | 4<<60 = 4837147491952689154
    const Instruction load = withDeps(memoryOp(Opcode::Load, MemId::Inp, 5, 7, 2, 3, 4, 1, 2, 3, 4), false, true, false, false);
    QCOMPARE(encode(load, c), (Encoded{234883856ull, 4837147491952689154ull}));
    // STORE: opcode 1, memory_type left 0: lo = 1 | 9<<9 | 1<<25, hi = 1 | 1<<16 | 1<<32.
    QCOMPARE(encode(memoryOp(Opcode::Store, MemId::Out, 9, 1, 1, 1, 1), c), (Encoded{1 | 9 << 9 | 1 << 25, 1ull | 1ull << 16 | 1ull << 32}));
    // GEMM reset uop=1:2 iter=3,4 dst=5,6 src=7,8 wgt=9,10 push_next:
    //   lo = 2 | 1<<6 | 1<<7 | 1<<8 | 2<<21 | 3<<35 | 4<<49 = 2251902897095106
    //   hi = 5 | 6<<11 | 7<<22 | 8<<33 | 9<<44 | 10<<54 = 180302383518068741
    const Instruction g = withDeps(gemm(true, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), false, false, false, true);
    QCOMPARE(encode(g, c), (Encoded{2251902897095106ull, 180302383518068741ull}));
    // ALU MUL imm=-2 uop=0:1 iter=1,1 dst=1,2 src=3,4:
    //   lo = 4 | 1<<21 | 1<<35 | 1<<49
    //   hi = 1 | 2<<11 | 3<<22 | 4<<33 | 4<<44 (MUL) | 1<<47 (use_imm) | 0xFFFE<<48
    const Instruction a = alu(AluOp::Mul, true, -2, 0, 1, 1, 1, 1, 2, 3, 4);
    QCOMPARE(encode(a, c), (Encoded{4ull | 1ull << 21 | 1ull << 35 | 1ull << 49,
                                    1ull | 2ull << 11 | 3ull << 22 | 4ull << 33 | 4ull << 44 | 1ull << 47 | 0xFFFEull << 48}));
    // Tensor ALU: use_imm 0, imm 0.
    QCOMPARE(encode(alu(AluOp::Shr, false, 0, 0, 0, 0, 0, 0, 0, 0, 1), c).hi, 1ull << 33 | 3ull << 44);
    // Micro-op: dst | src<<11 | wgt<<22.
    QCOMPARE(encodeUop(Uop{1, 2, 3}, c), uint32_t{1 | 2 << 11 | 3 << 22});
    QCOMPARE(encodeUop(Uop{2047, 2047, 1023}, c), uint32_t{0xFFFFFFFFu});
    QCOMPARE(decodeUop(12587009u, c), (Uop{1, 2, 3}));
    // Under LOG_BATCH=1, LOG_BLOCK=5 the accumulator index is 9 bits: src starts at bit 9.
    QCOMPARE(encodeUop(Uop{1, 2, 3}, hwConfigFromString("LOG_BATCH=1;LOG_BLOCK=5")), uint32_t{1 | 2 << 9 | 3 << 18});

    // Program bytes: lo then hi, little-endian.
    const std::vector<uint8_t> bytes = encodeProgram({withDeps(finish(), false, false, true, false), load}, c);
    QCOMPARE(bytes.size(), size_t{32});
    QCOMPARE(int(bytes[0]), 35);
    for (int i = 1; i < 16; ++i) QCOMPARE(int(bytes[static_cast<size_t>(i)]), 0);
    QCOMPARE(int(bytes[16]), 234883856 & 0xFF);  // 0x10
    QCOMPARE(int(bytes[19]), 234883856 >> 24);    // 0x0E
    QCOMPARE(int(bytes[24]), 2);                  // y_size low byte
    QCOMPARE(int(bytes[31]), 0x43);               // x_pad_1 4, x_pad_0 3
    const std::vector<uint8_t> uopBytes = encodeUops({Uop{1, 2, 3}, Uop{0, 0, 1}}, c);
    QCOMPARE(uopBytes, (std::vector<uint8_t>{0x01, 0x10, 0xC0, 0x00, 0x00, 0x00, 0x40, 0x00}));
    QCOMPARE(decodeUops(uopBytes.data(), uopBytes.size(), c), (std::vector<Uop>{Uop{1, 2, 3}, Uop{0, 0, 1}}));
  }

  void roundTrips() {
    int checked = 0;
    for (const std::string& params : {std::string(), std::string("LOG_BATCH=1;LOG_BLOCK=5"), std::string("LOG_BLOCK_IN=3;LOG_WGT_BUFF_SIZE=16")}) {
      const HwConfig c = hwConfigFromString(params);
      const std::vector<Instruction> all = everyKind(c);
      QCOMPARE(all.size(), size_t{38});
      for (const Instruction& insn : all) {
        const std::string text = formatInstruction(insn);
        const Instruction decoded = decode(encode(insn, c), c);
        NEST_VERIFY(decoded == insn, params + ": encode/decode changed " + text + " into " + formatInstruction(decoded));
        const Instruction parsed = parseInstruction(text);
        NEST_VERIFY(parsed == insn, params + ": format/parse changed " + text + " into " + formatInstruction(parsed));
        ++checked;
      }
      const std::vector<uint8_t> bytes = encodeProgram(all, c);
      QCOMPARE(bytes.size(), size_t{38 * 16});
      QVERIFY(decodeProgram(bytes.data(), bytes.size(), c) == all);
      std::vector<std::string> comments(all.size());
      for (size_t i = 0; i < comments.size(); i += 3) comments[i] = "node " + std::to_string(i);
      std::vector<std::string> back;
      QVERIFY(parseProgram(formatProgram(all, comments), &back) == all);
      QVERIFY(back == comments);
      QVERIFY(parseProgram(formatProgram(all)) == all);
    }
    QCOMPARE(checked, 114);

    // Micro-ops at their widest.
    const HwConfig c;
    for (const Uop& u : {Uop{2047, 2047, 1023}, Uop{0, 0, 0}, Uop{2047, 0, 0}, Uop{0, 2047, 0}, Uop{0, 0, 1023}})
      QVERIFY(decodeUop(encodeUop(u, c), c) == u);
  }

  void textForms() {
    QCOMPARE(formatInstruction(withDeps(memoryOp(Opcode::Load, MemId::Inp, 0, 4096, 3, 18, 56, 1, 1, 1, 1), false, true, false, true)),
             std::string("LOAD INP sram=0 dram=4096 y=3 x=18 stride=56 pad=1,1,1,1 deps=pop_next,push_next"));
    QCOMPARE(formatInstruction(withDeps(gemm(false, 0, 36, 4, 14, 196, 14, 0, 18, 36, 0), true, false, true, false)),
             std::string("GEMM reset=0 uop=0:36 iter=4,14 dst=196,14 src=0,18 wgt=36,0 deps=pop_prev,push_prev"));
    QCOMPARE(formatInstruction(alu(AluOp::Shr, true, 8, 36, 37, 4, 14, 196, 14, 0, 0)),
             std::string("ALU SHR uop=36:37 iter=4,14 dst=196,14 src=0,0 imm=8"));
    QCOMPARE(formatInstruction(alu(AluOp::Add, false, 0, 37, 38, 4, 14, 196, 14, 1, 0, true)),
             std::string("ALU ADD reset=1 uop=37:38 iter=4,14 dst=196,14 src=1,0 tensor"));
    QCOMPARE(formatInstruction(memoryOp(Opcode::Store, MemId::Out, 0, 0, 14, 14, 14)), std::string("STORE sram=0 dram=0 y=14 x=14 stride=14"));
    QCOMPARE(formatInstruction(finish()), std::string("FINISH"));

    // Comments are aligned one column after the longest commented instruction.
    const std::vector<Instruction> program = {memoryOp(Opcode::Load, MemId::Uop, 0, 0, 1, 2, 2), finish(), finish()};
    QCOMPARE(formatProgram(program, {"uops", "", "end"}),
             "LOAD UOP sram=0 dram=0 y=1 x=2 stride=2 ; uops\nFINISH\nFINISH" + std::string(39 - 6, ' ') + " ; end\n");
    // Blank and comment-only lines are skipped; line numbers still count them.
    std::vector<std::string> comments;
    const auto parsed = parseProgram("; header\n\nFINISH deps=push_next   ;  the end  \n", &comments);
    QCOMPARE(parsed.size(), size_t{1});
    QVERIFY(parsed[0] == withDeps(finish(), false, false, false, true));
    QCOMPARE(comments, (std::vector<std::string>{"the end"}));
    QCOMPARE(messageOf<std::invalid_argument>([&] { formatProgram(program, {"one"}); }), std::string("formatProgram: 1 comments for 3 instructions"));

    QCOMPARE(moduleOf(memoryOp(Opcode::Load, MemId::Inp, 0, 0, 0, 0, 0)), Module::Load);
    QCOMPARE(moduleOf(memoryOp(Opcode::Load, MemId::Wgt, 0, 0, 0, 0, 0)), Module::Load);
    QCOMPARE(moduleOf(memoryOp(Opcode::Load, MemId::Uop, 0, 0, 0, 0, 0)), Module::Compute);
    QCOMPARE(moduleOf(memoryOp(Opcode::Load, MemId::Acc, 0, 0, 0, 0, 0)), Module::Compute);
    QCOMPARE(moduleOf(memoryOp(Opcode::Store, MemId::Out, 0, 0, 0, 0, 0)), Module::Store);
    QCOMPARE(moduleOf(gemm(false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), Module::Compute);
    QCOMPARE(moduleOf(finish()), Module::Compute);
    QCOMPARE(std::string(moduleName(Module::Store)), std::string("store"));
    QCOMPARE(std::string(memIdName(MemId::Out)), std::string("OUT"));
  }

  void encodeErrors() {
    const HwConfig c;
    const std::vector<std::pair<Instruction, std::string>> cases = {
        {gemm(false, 0, 20000, 1, 1, 0, 0, 0, 0, 0, 0), "GEMM uop_end=20000 does not fit 14 bits"},
        {gemm(false, 8192, 8192, 1, 1, 0, 0, 0, 0, 0, 0), "GEMM uop_bgn=8192 does not fit 13 bits"},
        {gemm(false, 0, 1, 16384, 1, 0, 0, 0, 0, 0, 0), "GEMM iter_out=16384 does not fit 14 bits"},
        {gemm(false, 0, 1, 1, 1, 0, 2048, 0, 0, 0, 0), "GEMM dst_factor_in=2048 does not fit 11 bits"},
        {gemm(false, 0, 1, 1, 1, 0, 0, 2048, 0, 0, 0), "GEMM src_factor_out=2048 does not fit 11 bits"},
        {gemm(false, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1024), "GEMM wgt_factor_in=1024 does not fit 10 bits"},
        {alu(AluOp::Add, true, 32768, 0, 1, 1, 1, 0, 0, 0, 0), "ALU imm=32768 does not fit 16 bits (signed: -32768..32767)"},
        {alu(AluOp::Add, true, -32769, 0, 1, 1, 1, 0, 0, 0, 0), "ALU imm=-32769 does not fit 16 bits (signed: -32768..32767)"},
        {alu(AluOp::Add, true, 0, 0, 1, 1, 1, 0, 0, 0, 2048), "ALU src_factor_in=2048 does not fit 11 bits"},
        {memoryOp(Opcode::Load, MemId::Inp, 65536, 0, 1, 1, 1), "LOAD sram_base=65536 does not fit 16 bits"},
        {memoryOp(Opcode::Load, MemId::Inp, 0, 0, 70000, 1, 1), "LOAD y_size=70000 does not fit 16 bits"},
        {memoryOp(Opcode::Store, MemId::Out, 0, 0, 1, 1, 65536), "STORE x_stride=65536 does not fit 16 bits"},
        {memoryOp(Opcode::Load, MemId::Wgt, 0, 0, 1, 1, 1, 16), "LOAD y_pad_0=16 does not fit 4 bits"},
        {memoryOp(Opcode::Load, MemId::Acc, 0, 0, 1, 1, 1, 0, 0, 0, 20), "LOAD x_pad_1=20 does not fit 4 bits"},
        {memoryOp(Opcode::Load, MemId::Out, 0, 0, 1, 1, 1), "LOAD memory_type OUT: only STORE reads the output view"},
    };
    for (const auto& testCase : cases) {  // no structured binding: clang 14 cannot capture one
      const Instruction& insn = testCase.first;
      const std::string& want = testCase.second;
      const std::string got = messageOf<ConfigError>([&] { encode(insn, c); });
      NEST_VERIFY(got == want, formatInstruction(insn) + ": got '" + got + "', want '" + want + "'");
    }
    QCOMPARE(messageOf<ConfigError>([&] { encodeUop(Uop{2048, 0, 0}, c); }), std::string("uop dst=2048 does not fit 11 bits"));
    QCOMPARE(messageOf<ConfigError>([&] { encodeUop(Uop{0, 0, 1024}, c); }), std::string("uop wgt=1024 does not fit 10 bits"));
    // A wider GEMM field under a deeper configuration fits there.
    // (accumulator and input indices 10 bits, weights 11): wgt_factor_in sits at bit 10+10+10+10+11 = 51.
    const HwConfig deep = hwConfigFromString("LOG_WGT_BUFF_SIZE=19;LOG_INP_BUFF_SIZE=14;LOG_ACC_BUFF_SIZE=16");
    QCOMPARE(encode(gemm(false, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1024), deep).hi, uint64_t{1024} << 51);
    QCOMPARE(messageOf<ConfigError>([&] { encodeProgram({finish(), gemm(false, 0, 20000, 1, 1, 0, 0, 0, 0, 0, 0)}, c); }),
             std::string("instruction 1: GEMM uop_end=20000 does not fit 14 bits"));

    const std::vector<uint8_t> bytes(17, 0);
    QCOMPARE(messageOf<ConfigError>([&] { decodeProgram(bytes.data(), bytes.size(), c); }),
             std::string("an instruction stream of 17 bytes is not a multiple of 16 bytes"));
    QCOMPARE(messageOf<ConfigError>([&] { decodeUops(bytes.data(), 6, c); }), std::string("a micro-op stream of 6 bytes is not a multiple of 4 bytes"));
    QCOMPARE(messageOf<ConfigError>([&] { decode(Encoded{5, 0}, c); }), std::string("unknown opcode 5"));
    QCOMPARE(messageOf<ConfigError>([&] { decode(Encoded{7, 0}, c); }), std::string("unknown opcode 7"));
    QCOMPARE(messageOf<ConfigError>([&] { decode(Encoded{4, 5ull << 44}, c); }), std::string("unknown ALU op 5"));
    std::vector<uint8_t> program = encodeProgram({finish(), finish()}, c);
    program[16] = 6;
    QCOMPARE(messageOf<ConfigError>([&] { decodeProgram(program.data(), program.size(), c); }), std::string("instruction 1: unknown opcode 6"));
    // A STORE's memory bits are ignored and decode as OUT.
    QVERIFY(decode(Encoded{1 | 3 << 7, 0}, c).memory == MemId::Out);
  }

  void assemblyErrors() {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"LOAD IMP sram=0 dram=0 y=1 x=1 stride=1", "unknown memory 'IMP' (UOP, WGT, INP, ACC)"},
        {"LOAD OUT sram=0 dram=0 y=1 x=1 stride=1", "unknown memory 'OUT' (UOP, WGT, INP, ACC)"},
        {"LOAD", "LOAD needs a memory (UOP, WGT, INP, ACC)"},
        {"MOVE x=1", "unknown instruction 'MOVE' (LOAD, STORE, GEMM, ALU, FINISH)"},
        {"ALU DIV uop=0:1 iter=1,1 dst=0,0 src=0,0 imm=1", "unknown ALU operation 'DIV' (MIN, MAX, ADD, SHR, MUL)"},
        {"LOAD INP sram=0 dram=0 y=1 x=1", "LOAD INP needs stride="},
        {"STORE sram=0 dram=x y=1 x=1 stride=1", "bad number 'x' in 'dram=x'"},
        {"STORE sram=0 dram=-1 y=1 x=1 stride=1", "bad number '-1' in 'dram=-1'"},
        {"STORE sram=0 dram=4294967296 y=1 x=1 stride=1", "bad number '4294967296' in 'dram=4294967296'"},
        {"STORE sram=0 dram=0 y=1 x=1 stride=1 pad=1,2,3", "'pad=1,2,3' needs 4 numbers separated by ','"},
        {"STORE sram=0 dram=0 y=1 x=1 stride=1 sram=2", "field 'sram=' given twice"},
        {"GEMM uop=0:1 iter=1,1 dst=0,0 src=0,0", "GEMM needs wgt="},
        {"GEMM uop=0,1 iter=1,1 dst=0,0 src=0,0 wgt=0,0", "bad number '0,1' in 'uop=0,1'"},
        {"GEMM reset=2 uop=0:1 iter=1,1 dst=0,0 src=0,0 wgt=0,0", "'reset=2' must be 0 or 1"},
        {"GEMM uop=0:1 iter=1,1 dst=0,0 src=0,0 wgt=0,0 imm=3", "unknown field 'imm=' for GEMM"},
        {"ALU ADD uop=0:1 iter=1,1 dst=0,0 src=0,0", "ALU ADD needs imm= or tensor"},
        {"ALU ADD uop=0:1 iter=1,1 dst=0,0 src=0,0 imm=1 tensor", "ALU ADD takes either imm= or tensor, not both"},
        {"ALU ADD uop=0:1 iter=1,1 dst=0,0 src=0,0 imm=1x", "bad number '1x' in 'imm=1x'"},
        {"ALU MIN uop=0:1 iter=1,1 dst=0,0 src=0,0 imm=3000000000", "bad number '3000000000' in 'imm=3000000000'"},
        {"FINISH deps=pop_prev,pop", "unknown dependency flag 'pop' (pop_prev, pop_next, push_prev, push_next)"},
        {"FINISH deps=push_next,push_next", "dependency flag 'push_next' given twice"},
        {"FINISH now", "unexpected 'now' in FINISH"},
        {"FINISH =1", "field without a name in '=1'"},
        {"   ; only a comment", "no instruction"},
    };
    for (const auto& testCase : cases) {  // no structured binding: clang 14 cannot capture one
      const std::string& text = testCase.first;
      const std::string& want = testCase.second;
      int line = 0;
      std::string got = "<no error>";
      try {
        parseInstruction(text, 3);
      } catch (const AssemblyError& e) {
        got = e.what();
        line = e.line;
      }
      NEST_VERIFY(got == "line 3: " + want, text + ": got '" + got + "'");
      QCOMPARE(line, 3);
    }
    QCOMPARE(cases.size(), size_t{24});
    // parseProgram counts blank and comment lines.
    int line = 0;
    try {
      parseProgram("FINISH\n; note\n\nLOAD IMP sram=0 dram=0 y=1 x=1 stride=1\n");
    } catch (const AssemblyError& e) {
      line = e.line;
      QCOMPARE(std::string(e.what()), std::string("line 4: unknown memory 'IMP' (UOP, WGT, INP, ACC)"));
    }
    QCOMPARE(line, 4);
  }
};

QTEST_APPLESS_MAIN(NpuIsaTest)
#include "test_npu_isa.moc"
