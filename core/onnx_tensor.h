// Conversion between ONNX TensorProto and Tensor, and .pb tensor files.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "core/tensor.h"

namespace onnx {
class TensorProto;
}

namespace nest {

// ONNX TensorProto.DataType number -> element type (nullopt for string, bfloat16, complex, ...).
std::optional<ElemType> elemTypeFromOnnx(int dataType);
int elemTypeToOnnx(ElemType t);
// Name of an ONNX data type number, for messages ("BFLOAT16", "STRING", ...).
std::string onnxDataTypeName(int dataType);

// `baseDir` resolves external data files; `what` names the tensor in messages.
Tensor tensorFromProto(const onnx::TensorProto& proto, const std::filesystem::path& baseDir, const std::string& what);
void tensorToProto(const Tensor& t, const std::string& name, onnx::TensorProto& proto);

Tensor readTensorPb(const std::filesystem::path& file);
// A serialized TensorProto's bytes; `source` names it; external data resolves against `baseDir`
// (refused when empty).
Tensor parseTensorPb(const std::string& bytes, const std::string& source, const std::filesystem::path& baseDir = {});
void writeTensorPb(const Tensor& t, const std::string& name, const std::filesystem::path& file);

}  // namespace nest
