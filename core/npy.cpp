#include "core/npy.h"

#include <fstream>
#include <regex>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/onnx_tensor.h"

namespace nest {

namespace fs = std::filesystem;

namespace {

std::string npyDescr(ElemType t) {
  switch (t) {
    case ElemType::F32: return "<f4";
    case ElemType::F16: return "<f2";
    case ElemType::F64: return "<f8";
    case ElemType::I8: return "|i1";
    case ElemType::U8: return "|u1";
    case ElemType::I16: return "<i2";
    case ElemType::U16: return "<u2";
    case ElemType::I32: return "<i4";
    case ElemType::U32: return "<u4";
    case ElemType::I64: return "<i8";
    case ElemType::U64: return "<u8";
    case ElemType::Bool: return "|b1";
  }
  return "";
}

ElemType elemFromDescr(std::string d, const fs::path& file) {
  if (!d.empty() && d[0] == '=') d[0] = '<';
  if (d.size() == 3 && d[0] == '<' && d[2] == '1') d[0] = '|';
  for (ElemType t : kAllElemTypes)
    if (npyDescr(t) == d) return t;
  failUnsupported(file.string() + ": NumPy dtype '" + d + "' is not supported (big-endian or non-numeric)");
}

}  // namespace

Tensor readNpy(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) failBadInput("cannot open " + file.string());
  char magic[8];
  if (!in.read(magic, 8) || std::string(magic, 6) != "\x93NUMPY")
    failBadInput(file.string() + " is not a NumPy .npy file");
  uint32_t headerLen = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    headerLen = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    headerLen = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
  }
  std::string header(headerLen, '\0');
  if (!in.read(header.data(), headerLen)) failBadInput(file.string() + ": truncated .npy header");
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
    failBadInput(file.string() + ": .npy header without descr");
  ElemType elem = elemFromDescr(m[1], file);
  if (std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True")))
    failUnsupported(file.string() + ": Fortran-ordered arrays are not supported");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
    failBadInput(file.string() + ": .npy header without shape");
  Shape shape;
  std::string dims = m[1];
  std::regex num("[0-9]+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it)
    shape.push_back(std::stoll(it->str()));
  Tensor t(TensorType(elem, shape));
  if (!in.read(static_cast<char*>(t.rawMutable()), static_cast<std::streamsize>(t.byteSize())))
    failBadInput(file.string() + ": data shorter than shape " + shapeToString(shape) + " needs");
  return t;
}

void writeNpy(const Tensor& t, const fs::path& file) {
  std::string shape = "(";
  for (size_t i = 0; i < t.shape().size(); ++i) shape += std::to_string(t.shape()[i]) + ", ";
  if (t.shape().size() > 1) shape.resize(shape.size() - 2);
  else if (t.shape().size() == 1) shape.resize(shape.size() - 1);
  shape += ")";
  std::string header = "{'descr': '" + npyDescr(t.elem()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(static_cast<const char*>(t.raw()), t.byteSize());
  writeFileAtomically(file, bytes);
}

Tensor readTensorFile(const fs::path& file) {
  if (!fs::exists(file)) failBadInput("tensor file " + file.string() + " does not exist");
  std::string ext = file.extension().string();
  if (ext == ".npy") return readNpy(file);
  if (ext == ".pb") return readTensorPb(file);
  failBadInput(file.string() + ": unknown tensor file type (expected .npy or .pb)");
}

}  // namespace nest
