// Writes a compiled NPU model as a bundle folder (docs/npu-isa.md, "Bundles"): host C code with
// the CPU bundle's API (NAME.h, NAME.c) that runs the NPU programs through the driver API
// (npu_driver.h) and the fallback parts as CPU bundle code (NAME_cpuK.c), the weights file
// (CPU weights, packed NPU weights, NPU programs), the NPU listing (NAME.npu.s), the simulator
// sources as the driver, the CPU runtime, main.c and a Makefile: `make && ./run` as for CPU bundles.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "backends/npu/npu_backend.h"

namespace nest::npu {

// The model's own part of a bundle: NAME.h, NAME.c, NAME.weights.bin, NAME.npu.s, the fallback
// parts' C code, the CPU runtime (when there is a fallback part) and the simulator sources; no
// main.c or Makefile (a heterogeneous bundle writes several such parts side by side).
struct NpuBundleSources {
  std::vector<std::string> written;         // every file written (relative names)
  std::vector<std::string> cFiles, cppFiles;  // what the runner compiles, NAME.c first
  uint64_t weightBytes = 0, mutableBytes = 0, activationBytes = 0;  // NAME.h's sizes
};
NpuBundleSources writeNpuModelSources(const NpuModel& model, const Graph& graph, const std::string& name,
                                      const std::filesystem::path& dir);

// The whole bundle: the model's sources, main.c and the Makefile. Returns the files written
// (relative names). Creates `dir` if needed.
std::vector<std::string> writeNpuBundle(const NpuModel& model, const Graph& graph, const std::string& name,
                                        const std::filesystem::path& dir);

// The listing: every NPU program in order, each instruction with the graph node it comes from.
std::string npuListing(const NpuModel& model);

}  // namespace nest::npu
