// Writes a compiled model as a self-contained bundle folder (docs/cpu-bundle.md): NAME.h, NAME.c,
// NAME.weights.bin, the runtime sources, main.c (the runner), a Makefile and a CMakeLists.txt.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "backends/cpu/cpu_backend.h"

namespace nest::cpu {

// Returns the files written (relative names). Creates `dir` if needed; overwrites bundle files.
std::vector<std::string> writeBundle(const CompiledModel& model, const std::filesystem::path& dir);

// Only the model's own files (NAME.h, NAME.c, NAME.weights.bin) plus the runtime sources; no
// runner, Makefile or CMakeLists.txt (what the in-process runner needs).
std::vector<std::string> writeModelSources(const CompiledModel& model, const std::filesystem::path& dir);

// Names of the runtime C files (nest_rt_*.c) a bundle compiles.
std::vector<std::string> runtimeCFiles();

}  // namespace nest::cpu
