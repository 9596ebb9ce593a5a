// Opens any model file the tools accept: ONNX (.onnx, .onnxtxt) or text IR (.nir).
#pragma once
#include <filesystem>

#include "core/onnx_import.h"

namespace nest {

Graph loadModel(const std::filesystem::path& file, const ImportOptions& options = {});

}  // namespace nest
