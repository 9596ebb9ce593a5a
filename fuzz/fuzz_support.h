// What every fuzz target does with one input: run the reader on it and let through only the
// project's own error (nest::Error; for the standalone NPU module, its ConfigError and
// AssemblyError). Anything else escaping (std::out_of_range, a YAML exception, ...) aborts, and
// libFuzzer records the input as a crash.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"

namespace nest::fuzz {

inline std::string text(const uint8_t* data, size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

template <typename F>
int runReader(F&& read) {
  try {
    read();
  } catch (const nest::Error&) {
  }
  return 0;
}

}  // namespace nest::fuzz
