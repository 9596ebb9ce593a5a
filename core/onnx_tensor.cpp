#include "core/onnx_tensor.h"

#include <onnx/onnx_pb.h>

#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/resource_limits.h"

namespace nest {

namespace fs = std::filesystem;

std::optional<ElemType> elemTypeFromOnnx(int dataType) {
  switch (dataType) {
    case onnx::TensorProto::FLOAT: return ElemType::F32;
    case onnx::TensorProto::UINT8: return ElemType::U8;
    case onnx::TensorProto::INT8: return ElemType::I8;
    case onnx::TensorProto::UINT16: return ElemType::U16;
    case onnx::TensorProto::INT16: return ElemType::I16;
    case onnx::TensorProto::INT32: return ElemType::I32;
    case onnx::TensorProto::INT64: return ElemType::I64;
    case onnx::TensorProto::BOOL: return ElemType::Bool;
    case onnx::TensorProto::FLOAT16: return ElemType::F16;
    case onnx::TensorProto::DOUBLE: return ElemType::F64;
    case onnx::TensorProto::UINT32: return ElemType::U32;
    case onnx::TensorProto::UINT64: return ElemType::U64;
    default: return std::nullopt;
  }
}

int elemTypeToOnnx(ElemType t) {
  switch (t) {
    case ElemType::F32: return onnx::TensorProto::FLOAT;
    case ElemType::U8: return onnx::TensorProto::UINT8;
    case ElemType::I8: return onnx::TensorProto::INT8;
    case ElemType::U16: return onnx::TensorProto::UINT16;
    case ElemType::I16: return onnx::TensorProto::INT16;
    case ElemType::I32: return onnx::TensorProto::INT32;
    case ElemType::I64: return onnx::TensorProto::INT64;
    case ElemType::Bool: return onnx::TensorProto::BOOL;
    case ElemType::F16: return onnx::TensorProto::FLOAT16;
    case ElemType::F64: return onnx::TensorProto::DOUBLE;
    case ElemType::U32: return onnx::TensorProto::UINT32;
    case ElemType::U64: return onnx::TensorProto::UINT64;
  }
  return onnx::TensorProto::UNDEFINED;
}

std::string onnxDataTypeName(int dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(dataType));
  return "data type " + std::to_string(dataType);
}

namespace {

std::string readExternal(const onnx::TensorProto& proto, const fs::path& baseDir, const std::string& what) {
  std::string location;
  int64_t offset = 0, length = -1;
  auto number = [&](const std::string& key, const std::string& text) -> int64_t {
    size_t used = 0;
    int64_t v = -1;
    try {
      v = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (text.empty() || used != text.size() || v < 0)
      failBadInput("tensor '" + what + "': external data " + key + " '" + text + "' is not a byte count");
    return v;
  };
  for (const auto& kv : proto.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset = number("offset", kv.value());
    else if (kv.key() == "length") length = number("length", kv.value());
  }
  if (location.empty()) failBadInput("tensor '" + what + "': external data without a location");
  checkExternalDataLocation(location, what);
  if (baseDir.empty())
    failBadInput("tensor '" + what + "': external data '" + location + "' needs the model's folder (read from bytes)");
  fs::path file = baseDir / location;
  std::ifstream in(file, std::ios::binary);
  if (!in) failBadInput("tensor '" + what + "': cannot open external data file " + file.string());
  in.seekg(0, std::ios::end);
  int64_t size = in.tellg();
  if (length < 0) length = size - offset;
  if (offset > size || length > size - offset)  // (no offset + length: it may overflow)
    failBadInput("tensor '" + what + "': external data range [" + std::to_string(offset) + ", +" +
                 std::to_string(length) + ") exceeds " + file.string() + " (" + std::to_string(size) + " bytes)");
  std::string bytes(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(bytes.data(), length);
  return bytes;
}

}  // namespace

Tensor tensorFromProto(const onnx::TensorProto& proto, const fs::path& baseDir, const std::string& what) {
  auto elem = elemTypeFromOnnx(proto.data_type());
  if (!elem)
    failUnsupported("tensor '" + what + "' has element type " + onnxDataTypeName(proto.data_type()) +
                    ", which is not supported");
  Shape shape(proto.dims().begin(), proto.dims().end());
  // The declared size is checked, then the data against it, and only then is the tensor allocated:
  // a few bytes declaring 2^32 floats must not cost 16 GiB.
  const int64_t n = checkTensorSize(shape, *elem, what);
  const size_t byteSize = static_cast<size_t>(n) * elemSize(*elem);
  auto expectCount = [&](int64_t have, const char* field) {
    if (have != n)
      failBadInput("tensor '" + what + "': " + field + " holds " + std::to_string(have) + " values, shape " +
                   shapeToString(shape) + " needs " + std::to_string(n));
  };
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string bytes = readExternal(proto, baseDir, what);
    expectCount(static_cast<int64_t>(bytes.size() / elemSize(*elem)), "external data");
    return Tensor(TensorType(*elem, shape), bytes.data());
  }
  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    if (raw.size() != byteSize)
      failBadInput("tensor '" + what + "': raw_data has " + std::to_string(raw.size()) + " bytes, shape " +
                   shapeToString(shape) + " of " + std::string(elemTypeName(*elem)) + " needs " +
                   std::to_string(byteSize));
    return Tensor(TensorType(*elem, shape), raw.data());
  }
  switch (*elem) {
    case ElemType::F32: expectCount(proto.float_data_size(), "float_data"); break;
    case ElemType::F64: expectCount(proto.double_data_size(), "double_data"); break;
    case ElemType::I64: expectCount(proto.int64_data_size(), "int64_data"); break;
    case ElemType::U32: case ElemType::U64: expectCount(proto.uint64_data_size(), "uint64_data"); break;
    default: expectCount(proto.int32_data_size(), "int32_data");  // i32, i16, u16, i8, u8, bool and f16 bits
  }
  Tensor t(TensorType(*elem, shape));
  switch (*elem) {
    case ElemType::F32:
      std::copy(proto.float_data().begin(), proto.float_data().end(), t.mutableData<float>());
      break;
    case ElemType::F64:
      std::copy(proto.double_data().begin(), proto.double_data().end(), t.mutableData<double>());
      break;
    case ElemType::I64:
      std::copy(proto.int64_data().begin(), proto.int64_data().end(), t.mutableData<int64_t>());
      break;
    case ElemType::U32: case ElemType::U64:
      dispatchStorageType(*elem, [&](auto tag) {
        using T = decltype(tag);
        for (int64_t i = 0; i < n; ++i) t.mutableData<T>()[i] = static_cast<T>(proto.uint64_data(static_cast<int>(i)));
      });
      break;
    default:
      dispatchStorageType(*elem, [&](auto tag) {
        using T = decltype(tag);
        for (int64_t i = 0; i < n; ++i) t.mutableData<T>()[i] = static_cast<T>(proto.int32_data(static_cast<int>(i)));
      });
  }
  return t;
}

void tensorToProto(const Tensor& t, const std::string& name, onnx::TensorProto& proto) {
  proto.Clear();
  proto.set_name(name);
  proto.set_data_type(elemTypeToOnnx(t.elem()));
  for (int64_t d : t.shape()) proto.add_dims(d);
  proto.set_raw_data(t.raw(), t.byteSize());
}

Tensor parseTensorPb(const std::string& bytes, const std::string& source, const fs::path& baseDir) {
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) failBadInput(source + " is not a serialized onnx.TensorProto");
  return tensorFromProto(proto, baseDir, source);
}

Tensor readTensorPb(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) failBadInput("cannot open tensor file " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  // An empty folder would refuse external data: a bare file name's folder is ".".
  return parseTensorPb(ss.str(), file.string(), file.has_parent_path() ? file.parent_path() : fs::path("."));
}

void writeTensorPb(const Tensor& t, const std::string& name, const fs::path& file) {
  onnx::TensorProto proto;
  tensorToProto(t, name, proto);
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) failBadInput("cannot serialize the tensor " + name + " for " + file.string());
  writeFileAtomically(file, bytes);
}

}  // namespace nest
