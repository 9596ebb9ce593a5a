// The C driver API over the simulator (npu_driver.h). No exception crosses the C boundary: each
// one becomes a status and an error text.
#include "npu_driver.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "hw_config.h"
#include "isa.h"
#include "simulator.h"

using nest::vta::HwConfig;
using nest::vta::RunStats;
using nest::vta::Simulator;

struct nest_npu_device {
  std::unique_ptr<Simulator> simulator;
  int status = -1;  // of the last run; -1 before any
  std::string error = "no program has run";
  RunStats stats;
};

namespace {

void writeError(char* error, size_t size, const std::string& message) {
  if (error && size > 0) std::snprintf(error, size, "%s", message.c_str());
}

// [address, address + bytes) inside DRAM, without overflow.
bool inDram(const nest_npu_device* dev, uint64_t address, uint64_t bytes) {
  const uint64_t size = dev->simulator->dramSize();
  return address <= size && bytes <= size - address;
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

bool validShape(int64_t n, int64_t c, int64_t h, int64_t w, int batch, int block) {
  return n >= 0 && c >= 0 && h >= 0 && w >= 0 && batch > 0 && block > 0;
}

// Offset of NCHW element (ni, ci, hi, wi) in the blocked [N/B][C/BLOCK][H][W][B][BLOCK] layout.
int64_t blockedOffset(int64_t ni, int64_t ci, int64_t hi, int64_t wi, int64_t cBlocks, int64_t h, int64_t w, int batch, int block) {
  const int64_t outer = ((ni / batch) * cBlocks + ci / block) * h * w + hi * w + wi;
  return (outer * batch + ni % batch) * block + ci % block;
}

}  // namespace

extern "C" {

nest_npu_device* nest_npu_open(const char* parameters, uint64_t dram_bytes, char* error, size_t error_size) {
  try {
    const HwConfig config = nest::vta::hwConfigFromString(parameters ? parameters : "");
    auto dev = std::make_unique<nest_npu_device>();
    dev->simulator = std::make_unique<Simulator>(config, dram_bytes);
    writeError(error, error_size, "");
    return dev.release();
  } catch (const std::exception& e) {
    writeError(error, error_size, e.what());
  } catch (...) {
    writeError(error, error_size, "nest_npu_open: unknown error");
  }
  return nullptr;
}

void nest_npu_close(nest_npu_device* dev) { delete dev; }

uint64_t nest_npu_alloc(nest_npu_device* dev, uint64_t bytes) {
  if (!dev) return UINT64_MAX;
  try {
    return dev->simulator->allocate(bytes);
  } catch (const std::exception& e) {
    dev->error = e.what();
    return UINT64_MAX;
  }
}

int nest_npu_copy_to(nest_npu_device* dev, uint64_t address, const void* src, uint64_t bytes) {
  if (!dev || (!src && bytes) || !inDram(dev, address, bytes)) return -1;
  if (bytes) std::memcpy(dev->simulator->dram() + address, src, bytes);
  return 0;
}

int nest_npu_copy_from(nest_npu_device* dev, void* dst, uint64_t address, uint64_t bytes) {
  if (!dev || (!dst && bytes) || !inDram(dev, address, bytes)) return -1;
  if (bytes) std::memcpy(dst, dev->simulator->dram() + address, bytes);
  return 0;
}

int nest_npu_run(nest_npu_device* dev, const uint8_t* program, uint64_t count) {
  if (!dev) return -1;
  dev->stats = RunStats{};
  try {
    if (!program && count) throw std::invalid_argument("nest_npu_run: no program");
    if (count > SIZE_MAX / 16) throw std::invalid_argument("nest_npu_run: program too large");
    const auto instructions = nest::vta::decodeProgram(program, static_cast<size_t>(count * 16), dev->simulator->config());
    dev->stats = dev->simulator->run(instructions);
    dev->status = 0;
    dev->error.clear();
  } catch (const std::exception& e) {
    dev->status = -1;
    dev->error = e.what();
  } catch (...) {
    dev->status = -1;
    dev->error = "nest_npu_run: unknown error";
  }
  return dev->status;
}

int nest_npu_wait(nest_npu_device* dev, nest_npu_stats* stats) {
  if (!dev) return -1;
  if (stats) {
    const RunStats& s = dev->stats;
    const HwConfig& config = dev->simulator->config();
    *stats = nest_npu_stats{s.cycles,    s.load.busyCycles, s.compute.busyCycles, s.store.busyCycles,   s.gemmOps,
                            s.aluOps,    s.macs,            s.dramBytesRead,      s.dramBytesWritten,   s.utilization(config),
                            s.milliseconds(config)};
  }
  return dev->status;
}

const char* nest_npu_error(const nest_npu_device* dev) { return dev ? dev->error.c_str() : "no device"; }

uint64_t nest_npu_blocked_size(int64_t n, int64_t c, int64_t h, int64_t w, int batch, int block) {
  if (!validShape(n, c, h, w, batch, block)) return 0;
  return static_cast<uint64_t>(ceilDiv(n, batch) * batch * ceilDiv(c, block) * block * h * w);
}

void nest_npu_pack(const int8_t* nchw, int8_t* blocked, int64_t n, int64_t c, int64_t h, int64_t w, int batch, int block) {
  if (!nchw || !blocked || !validShape(n, c, h, w, batch, block)) return;
  std::memset(blocked, 0, nest_npu_blocked_size(n, c, h, w, batch, block));  // the padding of N and C
  const int64_t cBlocks = ceilDiv(c, block);
  for (int64_t ni = 0; ni < n; ++ni)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t hi = 0; hi < h; ++hi)
        for (int64_t wi = 0; wi < w; ++wi)
          blocked[blockedOffset(ni, ci, hi, wi, cBlocks, h, w, batch, block)] = nchw[((ni * c + ci) * h + hi) * w + wi];
}

void nest_npu_unpack(const int8_t* blocked, int8_t* nchw, int64_t n, int64_t c, int64_t h, int64_t w, int batch, int block) {
  if (!nchw || !blocked || !validShape(n, c, h, w, batch, block)) return;
  const int64_t cBlocks = ceilDiv(c, block);
  for (int64_t ni = 0; ni < n; ++ni)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t hi = 0; hi < h; ++hi)
        for (int64_t wi = 0; wi < w; ++wi)
          nchw[((ni * c + ci) * h + hi) * w + wi] = blocked[blockedOffset(ni, ci, hi, wi, cBlocks, h, w, batch, block)];
}

}  // extern "C"
