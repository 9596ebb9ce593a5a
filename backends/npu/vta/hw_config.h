// The NPU's hardware description: Apache TVM's VTA parameters (log2 sizes, as vta_config.json)
// plus the timing figures the simulator's cycle model needs. Standalone C++20 (no nest headers):
// this folder is compiled into nestc and copied into NPU bundles.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace nest::vta {

// Bad hardware parameters or a program that does not fit them.
struct ConfigError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct HwConfig {
  // log2 of element widths in bits: int8 inputs and weights, int32 accumulators (VTA's only
  // supported combination; validate() refuses others).
  int logInpWidth = 3, logWgtWidth = 3, logAccWidth = 5;
  // log2 of the GEMM core's shape: BATCH x BLOCK_IN x BLOCK_OUT multiply-accumulates per cycle.
  int logBatch = 0, logBlockIn = 4, logBlockOut = 4;
  // log2 of on-chip buffer sizes in bytes: micro-op 32 KiB, input 32 KiB, weight 256 KiB,
  // accumulator 128 KiB.
  int logUopBuffBytes = 15, logInpBuffBytes = 15, logWgtBuffBytes = 18, logAccBuffBytes = 17;
  // Timing: core clock, DRAM bytes moved per cycle after the latency, DRAM latency per transfer.
  double clockMhz = 300;
  int dramBytesPerCycle = 16;
  int dramLatencyCycles = 64;

  int batch() const { return 1 << logBatch; }
  int blockIn() const { return 1 << logBlockIn; }
  int blockOut() const { return 1 << logBlockOut; }
  // Bytes of one buffer entry ("tensor" in VTA's terms).
  int uopBytes() const { return 4; }
  int inpEntryBytes() const { return batch() * blockIn() * (1 << logInpWidth) / 8; }   // BATCH x BLOCK_IN int8
  int wgtEntryBytes() const { return blockOut() * blockIn() * (1 << logWgtWidth) / 8; } // BLOCK_OUT x BLOCK_IN int8
  int accEntryBytes() const { return batch() * blockOut() * (1 << logAccWidth) / 8; }  // BATCH x BLOCK_OUT int32
  int outEntryBytes() const { return batch() * blockOut() * (1 << logInpWidth) / 8; }  // BATCH x BLOCK_OUT int8
  // Buffer depths in entries.
  int64_t uopDepth() const { return (int64_t{1} << logUopBuffBytes) / uopBytes(); }
  int64_t inpDepth() const { return (int64_t{1} << logInpBuffBytes) / inpEntryBytes(); }
  int64_t wgtDepth() const { return (int64_t{1} << logWgtBuffBytes) / wgtEntryBytes(); }
  int64_t accDepth() const { return (int64_t{1} << logAccBuffBytes) / accEntryBytes(); }
  int64_t macsPerCycle() const { return int64_t{batch()} * blockIn() * blockOut(); }

  // Throws ConfigError naming the parameter: sizes out of range, buffers too small for two
  // entries (one per virtual thread), instruction fields that no longer fit 128 bits or a 32-bit
  // micro-op, buffer indices wider than LOAD's 16-bit sram_base.
  void validate() const;
  // "1x16x16 int8*int8->int32, buffers uop 32 KiB, inp 32 KiB, wgt 256 KiB, acc 128 KiB; 300 MHz,
  // DRAM 16 B/cycle after 64 cycles"
  std::string describe() const;

  bool operator==(const HwConfig&) const = default;
};

// Parameters by VTA's names: LOG_INP_WIDTH, LOG_WGT_WIDTH, LOG_ACC_WIDTH, LOG_BATCH, LOG_BLOCK
// (both BLOCK_IN and BLOCK_OUT), LOG_BLOCK_IN, LOG_BLOCK_OUT, LOG_UOP_BUFF_SIZE, LOG_INP_BUFF_SIZE,
// LOG_WGT_BUFF_SIZE, LOG_ACC_BUFF_SIZE, and CLOCK_MHZ, DRAM_BYTES_PER_CYCLE, DRAM_LATENCY_CYCLES.
// Plain forms are accepted too and must be powers of two: BATCH, BLOCK, BLOCK_IN, BLOCK_OUT and
// UOP_BUFF_SIZE, INP_BUFF_SIZE, WGT_BUFF_SIZE, ACC_BUFF_SIZE (bytes). The map's key order applies
// them, so a specific LOG_BLOCK_IN wins over LOG_BLOCK (and BLOCK_IN over BLOCK).
// Missing keys keep VTA's defaults; unknown keys and non-numbers throw ConfigError. The result is
// validated.
HwConfig hwConfigFromParameters(const std::map<std::string, std::string>& parameters);
// The same keys as "KEY=VALUE" separated by ';' or ',' (the bundle's and the C driver's form);
// spaces around keys and values are ignored, a key given twice is an error.
HwConfig hwConfigFromString(const std::string& text);
// The non-default parameters in hwConfigFromString's form ("" for the defaults), ';'-separated,
// such that hwConfigFromString(hwConfigToString(c)) == c.
std::string hwConfigToString(const HwConfig& config);

}  // namespace nest::vta
