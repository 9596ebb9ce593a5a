// Writes a compiled model as a self-contained bundle folder (docs/cpu-bundle.md): NAME.h, NAME.c,
// NAME.weights.bin, the runtime sources, main.c (the runner), a Makefile and a CMakeLists.txt.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
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

// The pieces every bundle flavour (CPU, NPU, heterogeneous) shares, so that they keep one API:
// main.c, the runner, from bundle_main.c.in for the entry point `name`;
std::string runnerMainSource(const std::string& name);

// Small pieces every bundle writer (CPU, NPU, hetero) uses: a file written whole (BadInput naming
// it when it cannot be), a file read whole, a name in upper case (for macros), a C string literal.
void writeBundleFile(const std::filesystem::path& file, std::string_view bytes);
std::string readBundleFile(const std::filesystem::path& file);
std::string upperName(const std::string& name);
std::string cStringLiteral(const std::string& s);
// Bundle regions and offsets are 64-byte aligned; offsets are written as unsigned C literals ("4096u").
inline uint64_t bundleAligned(uint64_t n) { return (n + 63) / 64 * 64; }
inline std::string cUnsigned(uint64_t v) { return std::to_string(v) + "u"; }
// one graph input or output in a NAME_inputs / NAME_outputs table (nest_bundle_tensor), `offset`
// bytes into mutable_vars;
std::string bundleTensorEntry(const std::string& name, const TensorType& type, uint64_t offset);
// the nest_bundle_tensor typedef (guarded: several bundle headers may be included together).
std::string bundleTensorTypedef();
// The Makefile of a runner made of main.c, `cFiles` and `cppFiles`, linked with the C++ compiler
// (an NPU part brings the simulator's C++); `what` is its first comment line.
std::string runnerMakefile(const std::string& what, const std::vector<std::string>& cFiles,
                           const std::vector<std::string>& cppFiles, const std::string& ldlibs = "-lm");

}  // namespace nest::cpu
