// The NPU's hardware description: validation against what the ISA can encode, VTA-style
// parameters in and out, and a one-line summary.
#include "hw_config.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <sstream>
#include <vector>

#include "isa.h"

namespace nest::vta {

namespace {

std::string formatNumber(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);  // shortest form that reads back exactly
  return ec == std::errc() ? std::string(buf, end) : std::to_string(value);
}

std::string formatBytes(int64_t bytes) {
  if (bytes >= (int64_t{1} << 30) && bytes % (int64_t{1} << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
  if (bytes >= (int64_t{1} << 20) && bytes % (int64_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " B";
}

std::string intTypeName(int logWidth) { return "int" + std::to_string(1 << logWidth); }

void checkRange(const char* name, int value, int lo, int hi) {
  if (value < lo || value > hi)
    throw ConfigError(std::string(name) + "=" + std::to_string(value) + " is out of range (" + std::to_string(lo) + ".." +
                      std::to_string(hi) + ")");
}

// One on-chip buffer as validate() reports it.
struct BufferView {
  const char* param;  // LOG_..._BUFF_SIZE
  int logBytes;
  const char* what;   // "weight"
  int64_t entryBytes;
  std::string entryName;  // "16x16 int8 weight tiles"
  int indexBits;
};

}  // namespace

void HwConfig::validate() const {
  if (logInpWidth != 3 || logWgtWidth != 3 || logAccWidth != 5) {
    const char* name = logInpWidth != 3 ? "LOG_INP_WIDTH" : logWgtWidth != 3 ? "LOG_WGT_WIDTH" : "LOG_ACC_WIDTH";
    const int value = logInpWidth != 3 ? logInpWidth : logWgtWidth != 3 ? logWgtWidth : logAccWidth;
    throw ConfigError(std::string(name) + "=" + std::to_string(value) +
                      " is not supported: only int8 inputs and weights with int32 accumulators (LOG_INP_WIDTH=3, "
                      "LOG_WGT_WIDTH=3, LOG_ACC_WIDTH=5) are");
  }
  checkRange("LOG_BATCH", logBatch, 0, 4);
  checkRange("LOG_BLOCK_IN", logBlockIn, 1, 6);
  checkRange("LOG_BLOCK_OUT", logBlockOut, 1, 6);
  checkRange("LOG_UOP_BUFF_SIZE", logUopBuffBytes, 1, 32);
  checkRange("LOG_INP_BUFF_SIZE", logInpBuffBytes, 1, 32);
  checkRange("LOG_WGT_BUFF_SIZE", logWgtBuffBytes, 1, 32);
  checkRange("LOG_ACC_BUFF_SIZE", logAccBuffBytes, 1, 32);

  const std::string b = std::to_string(batch()), bi = std::to_string(blockIn()), bo = std::to_string(blockOut());
  std::vector<BufferView> buffers = {
      {"LOG_UOP_BUFF_SIZE", logUopBuffBytes, "micro-op", uopBytes(), "4-byte micro-ops", 0},
      {"LOG_INP_BUFF_SIZE", logInpBuffBytes, "input", inpEntryBytes(), b + "x" + bi + " " + intTypeName(logInpWidth) + " input tiles", 0},
      {"LOG_WGT_BUFF_SIZE", logWgtBuffBytes, "weight", wgtEntryBytes(), bo + "x" + bi + " " + intTypeName(logWgtWidth) + " weight tiles", 0},
      {"LOG_ACC_BUFF_SIZE", logAccBuffBytes, "accumulator", accEntryBytes(), b + "x" + bo + " " + intTypeName(logAccWidth) + " accumulator tiles", 0},
  };
  // Each buffer holds at least two entries: one per virtual thread (and an index of at least one bit).
  for (const BufferView& buf : buffers) {
    const int64_t bytes = int64_t{1} << buf.logBytes;
    if (bytes < 2 * buf.entryBytes)
      throw ConfigError(std::string(buf.param) + "=" + std::to_string(buf.logBytes) + ": a " + std::to_string(bytes) + "-byte " +
                        buf.what + " buffer is too small for two " + buf.entryName + " (" + std::to_string(2 * buf.entryBytes) +
                        " bytes)");
  }

  const FieldWidths w = fieldWidths(*this);
  buffers[0].indexBits = w.uopIndex;
  buffers[1].indexBits = w.inpIndex;
  buffers[2].indexBits = w.wgtIndex;
  buffers[3].indexBits = w.accIndex;
  auto blame = [](const BufferView& buf, const std::string& consequence) {
    throw ConfigError(std::string(buf.param) + "=" + std::to_string(buf.logBytes) + " makes the " + buf.what + " index " +
                      std::to_string(buf.indexBits) + " bits (" + formatBytes(int64_t{1} << buf.logBytes) + " / " +
                      std::to_string(buf.entryBytes) + "-byte entries): " + consequence);
  };
  // Of the buffers a word indexes, the one whose index grew most over the default configuration's
  // is named as the cause (then the widest).
  const FieldWidths d = fieldWidths(HwConfig{});
  const int defaultBits[] = {d.uopIndex, d.inpIndex, d.wgtIndex, d.accIndex};
  auto widest = [&](std::initializer_list<int> which) -> const BufferView& {
    int best = -1;
    for (int i : which) {
      if (best < 0) {
        best = i;
        continue;
      }
      const int growth = buffers[static_cast<size_t>(i)].indexBits - defaultBits[i];
      const int bestGrowth = buffers[static_cast<size_t>(best)].indexBits - defaultBits[best];
      if (growth > bestGrowth || (growth == bestGrowth && buffers[static_cast<size_t>(i)].indexBits > buffers[static_cast<size_t>(best)].indexBits))
        best = i;
    }
    return buffers[static_cast<size_t>(best)];
  };
  auto needs = [](const char* word, int bits, int of) {
    return std::string(word) + " needs " + std::to_string(bits) + " bits of " + std::to_string(of);
  };
  if (w.gemmLoBits > 64) blame(buffers[0], needs("GEMM's first word", w.gemmLoBits, 64));
  if (w.aluLoBits > 64) blame(buffers[0], needs("ALU's first word", w.aluLoBits, 64));
  if (w.gemmHiBits > 64) blame(widest({3, 1, 2}), needs("GEMM's second word", w.gemmHiBits, 64));
  if (w.aluHiBits > 64) blame(widest({3, 1}), needs("ALU's second word", w.aluHiBits, 64));
  if (w.uopBits > 32) blame(widest({3, 1, 2}), needs("a micro-op", w.uopBits, 32));
  for (const BufferView& buf : buffers)
    if (buf.indexBits > 16) blame(buf, "LOAD and STORE address on-chip entries with 16 bits (sram_base)");

  if (!(clockMhz > 0) || !std::isfinite(clockMhz))
    throw ConfigError("CLOCK_MHZ=" + formatNumber(clockMhz) + " must be a positive number");
  if (dramBytesPerCycle < 1) throw ConfigError("DRAM_BYTES_PER_CYCLE=" + std::to_string(dramBytesPerCycle) + " must be at least 1");
  if (dramLatencyCycles < 0) throw ConfigError("DRAM_LATENCY_CYCLES=" + std::to_string(dramLatencyCycles) + " must not be negative");
}

std::string HwConfig::describe() const {
  std::ostringstream out;
  out << batch() << "x" << blockIn() << "x" << blockOut() << " " << intTypeName(logInpWidth) << "*" << intTypeName(logWgtWidth)
      << "->" << intTypeName(logAccWidth) << ", buffers uop " << formatBytes(int64_t{1} << logUopBuffBytes) << ", inp "
      << formatBytes(int64_t{1} << logInpBuffBytes) << ", wgt " << formatBytes(int64_t{1} << logWgtBuffBytes) << ", acc "
      << formatBytes(int64_t{1} << logAccBuffBytes) << "; " << formatNumber(clockMhz) << " MHz, DRAM " << dramBytesPerCycle
      << " B/cycle after " << dramLatencyCycles << " cycles";
  return out.str();
}

namespace {

int parseInt(const std::string& key, const std::string& value) {
  long long v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && (v < -(1LL << 31) || v >= (1LL << 31))))
    throw ConfigError(key + "=" + value + " is out of range");
  if (ec != std::errc() || end != value.data() + value.size() || value.empty())
    throw ConfigError(key + "='" + value + "' is not a whole number");
  return static_cast<int>(v);
}

double parseDouble(const std::string& key, const std::string& value) {
  double v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty())
    throw ConfigError(key + "='" + value + "' is not a number");
  return v;
}

// log2 of a plain size that must be a power of two.
int parseLog2(const std::string& key, const std::string& value) {
  const int v = parseInt(key, value);
  if (v <= 0 || (v & (v - 1)) != 0) throw ConfigError(key + "=" + value + " is not a power of two");
  int log = 0;
  while ((1 << log) < v) ++log;
  return log;
}

using Setter = std::function<void(HwConfig&, const std::string& key, const std::string& value)>;

// In the order the error message lists them.
const std::vector<std::pair<std::string, Setter>>& setters() {
  static const std::vector<std::pair<std::string, Setter>> table = {
      {"LOG_INP_WIDTH", [](HwConfig& c, auto& k, auto& v) { c.logInpWidth = parseInt(k, v); }},
      {"LOG_WGT_WIDTH", [](HwConfig& c, auto& k, auto& v) { c.logWgtWidth = parseInt(k, v); }},
      {"LOG_ACC_WIDTH", [](HwConfig& c, auto& k, auto& v) { c.logAccWidth = parseInt(k, v); }},
      {"LOG_BATCH", [](HwConfig& c, auto& k, auto& v) { c.logBatch = parseInt(k, v); }},
      {"LOG_BLOCK", [](HwConfig& c, auto& k, auto& v) { c.logBlockIn = c.logBlockOut = parseInt(k, v); }},
      {"LOG_BLOCK_IN", [](HwConfig& c, auto& k, auto& v) { c.logBlockIn = parseInt(k, v); }},
      {"LOG_BLOCK_OUT", [](HwConfig& c, auto& k, auto& v) { c.logBlockOut = parseInt(k, v); }},
      {"LOG_UOP_BUFF_SIZE", [](HwConfig& c, auto& k, auto& v) { c.logUopBuffBytes = parseInt(k, v); }},
      {"LOG_INP_BUFF_SIZE", [](HwConfig& c, auto& k, auto& v) { c.logInpBuffBytes = parseInt(k, v); }},
      {"LOG_WGT_BUFF_SIZE", [](HwConfig& c, auto& k, auto& v) { c.logWgtBuffBytes = parseInt(k, v); }},
      {"LOG_ACC_BUFF_SIZE", [](HwConfig& c, auto& k, auto& v) { c.logAccBuffBytes = parseInt(k, v); }},
      {"BATCH", [](HwConfig& c, auto& k, auto& v) { c.logBatch = parseLog2(k, v); }},
      {"BLOCK", [](HwConfig& c, auto& k, auto& v) { c.logBlockIn = c.logBlockOut = parseLog2(k, v); }},
      {"BLOCK_IN", [](HwConfig& c, auto& k, auto& v) { c.logBlockIn = parseLog2(k, v); }},
      {"BLOCK_OUT", [](HwConfig& c, auto& k, auto& v) { c.logBlockOut = parseLog2(k, v); }},
      {"UOP_BUFF_SIZE", [](HwConfig& c, auto& k, auto& v) { c.logUopBuffBytes = parseLog2(k, v); }},
      {"INP_BUFF_SIZE", [](HwConfig& c, auto& k, auto& v) { c.logInpBuffBytes = parseLog2(k, v); }},
      {"WGT_BUFF_SIZE", [](HwConfig& c, auto& k, auto& v) { c.logWgtBuffBytes = parseLog2(k, v); }},
      {"ACC_BUFF_SIZE", [](HwConfig& c, auto& k, auto& v) { c.logAccBuffBytes = parseLog2(k, v); }},
      {"CLOCK_MHZ", [](HwConfig& c, auto& k, auto& v) { c.clockMhz = parseDouble(k, v); }},
      {"DRAM_BYTES_PER_CYCLE", [](HwConfig& c, auto& k, auto& v) { c.dramBytesPerCycle = parseInt(k, v); }},
      {"DRAM_LATENCY_CYCLES", [](HwConfig& c, auto& k, auto& v) { c.dramLatencyCycles = parseInt(k, v); }},
  };
  return table;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

HwConfig hwConfigFromParameters(const std::map<std::string, std::string>& parameters) {
  HwConfig config;
  for (const auto& [key, value] : parameters) {
    const Setter* setter = nullptr;
    for (const auto& [name, set] : setters())
      if (name == key) setter = &set;
    if (!setter) {
      std::string known;
      for (const auto& entry : setters()) known += (known.empty() ? "" : ", ") + entry.first;
      throw ConfigError("unknown hardware parameter '" + key + "' (known: " + known + ")");
    }
    (*setter)(config, key, value);
  }
  config.validate();
  return config;
}

HwConfig hwConfigFromString(const std::string& text) {
  std::map<std::string, std::string> parameters;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(";,", start);
    if (end == std::string::npos) end = text.size();
    const std::string item = trim(text.substr(start, end - start));
    start = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) throw ConfigError("hardware parameter '" + item + "' is not KEY=VALUE");
    const std::string key = trim(item.substr(0, eq));
    if (!parameters.emplace(key, trim(item.substr(eq + 1))).second) throw ConfigError("hardware parameter " + key + " is given twice");
  }
  return hwConfigFromParameters(parameters);
}

std::string hwConfigToString(const HwConfig& config) {
  const HwConfig d;
  std::string out;
  auto add = [&](const char* key, const std::string& value) { out += (out.empty() ? "" : ";") + std::string(key) + "=" + value; };
  auto addInt = [&](const char* key, int value, int defaultValue) {
    if (value != defaultValue) add(key, std::to_string(value));
  };
  addInt("LOG_INP_WIDTH", config.logInpWidth, d.logInpWidth);
  addInt("LOG_WGT_WIDTH", config.logWgtWidth, d.logWgtWidth);
  addInt("LOG_ACC_WIDTH", config.logAccWidth, d.logAccWidth);
  addInt("LOG_BATCH", config.logBatch, d.logBatch);
  if (config.logBlockIn == config.logBlockOut) {
    addInt("LOG_BLOCK", config.logBlockIn, d.logBlockIn);
  } else {
    addInt("LOG_BLOCK_IN", config.logBlockIn, d.logBlockIn);
    addInt("LOG_BLOCK_OUT", config.logBlockOut, d.logBlockOut);
  }
  addInt("LOG_UOP_BUFF_SIZE", config.logUopBuffBytes, d.logUopBuffBytes);
  addInt("LOG_INP_BUFF_SIZE", config.logInpBuffBytes, d.logInpBuffBytes);
  addInt("LOG_WGT_BUFF_SIZE", config.logWgtBuffBytes, d.logWgtBuffBytes);
  addInt("LOG_ACC_BUFF_SIZE", config.logAccBuffBytes, d.logAccBuffBytes);
  if (config.clockMhz != d.clockMhz) add("CLOCK_MHZ", formatNumber(config.clockMhz));
  addInt("DRAM_BYTES_PER_CYCLE", config.dramBytesPerCycle, d.dramBytesPerCycle);
  addInt("DRAM_LATENCY_CYCLES", config.dramLatencyCycles, d.dramLatencyCycles);
  return out;
}

}  // namespace nest::vta
