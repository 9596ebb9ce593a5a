// NumPy .npy files (format versions 1-3, little-endian, C order).
#pragma once
#include <filesystem>
#include <string>

#include "core/tensor.h"

namespace nest {

Tensor readNpy(const std::filesystem::path& file);
// The same from the file's bytes; `source` names it in messages.
Tensor parseNpy(const std::string& bytes, const std::string& source);
void writeNpy(const Tensor& t, const std::filesystem::path& file);

// Reads a tensor file by its extension: .npy or .pb (onnx.TensorProto).
Tensor readTensorFile(const std::filesystem::path& file);

}  // namespace nest
