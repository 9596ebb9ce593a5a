// Files compiled into nestc (backends/cpu/embed_files.cmake): the C runtime sources
// (backends/cpu/runtime/*) and the runner template bundle_main.c.in, written into every bundle.
#pragma once
#include <string_view>
#include <vector>

namespace nest::cpu {

struct EmbeddedFile {
  std::string_view name;  // file name without folder, e.g. "nest_rt_misc.c"
  std::string_view text;
};

const std::vector<EmbeddedFile>& embeddedFiles();

}  // namespace nest::cpu
