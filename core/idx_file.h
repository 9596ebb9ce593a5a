// MNIST-style idx files (optionally gzip-compressed): idx1 labels, idx3 images.
#pragma once
#include <filesystem>

#include "core/tensor.h"

namespace nest {

// Reads an idx file (.gz or plain) as a tensor of its stored type and shape
// (u8 for MNIST: images NxHxW, labels N).
Tensor readIdxFile(const std::filesystem::path& file);

}  // namespace nest
