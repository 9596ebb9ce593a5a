#include "core/npy.h"

#include <charconv>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/onnx_tensor.h"
#include "core/resource_limits.h"

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

ElemType elemFromDescr(std::string d, const std::string& source) {
  if (!d.empty() && d[0] == '=') d[0] = '<';
  if (d.size() == 3 && d[0] == '<' && d[2] == '1') d[0] = '|';
  for (ElemType t : kAllElemTypes)
    if (npyDescr(t) == d) return t;
  failUnsupported(source + ": NumPy dtype '" + d + "' is not supported (big-endian or non-numeric)");
}

}  // namespace

Tensor parseNpy(const std::string& bytes, const std::string& source) {
  if (bytes.size() < 8 || bytes.compare(0, 6, "\x93NUMPY") != 0) failBadInput(source + " is not a NumPy .npy file");
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])); };
  const size_t lenBytes = bytes[6] == 1 ? 2 : 4;  // version 1: u16 header length, 2 and 3: u32
  if (bytes.size() < 8 + lenBytes) failBadInput(source + ": truncated .npy header");
  uint32_t headerLen = byte(8) | (byte(9) << 8);
  if (lenBytes == 4) headerLen |= (byte(10) << 16) | (byte(11) << 24);
  // NumPy itself reads headers of at most 10000 bytes (max_header_size); std::regex recurses per
  // character, so a longer one could also exhaust the stack.
  if (headerLen > 10000) failBadInput(source + ": .npy header of " + std::to_string(headerLen) + " bytes (at most 10000)");
  const size_t dataStart = 8 + lenBytes + headerLen;
  if (bytes.size() < dataStart) failBadInput(source + ": truncated .npy header");
  const std::string header = bytes.substr(8 + lenBytes, headerLen);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
    failBadInput(source + ": .npy header without descr");
  ElemType elem = elemFromDescr(m[1], source);
  if (std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True")))
    failUnsupported(source + ": Fortran-ordered arrays are not supported");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
    failBadInput(source + ": .npy header without shape");
  Shape shape;
  std::string dims = m[1];
  std::regex num("[0-9]+");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator(); ++it) {
    const std::string d = it->str();
    int64_t v = 0;  // from_chars reports a value over int64 (std::stoll would throw out_of_range)
    if (std::from_chars(d.data(), d.data() + d.size(), v).ec != std::errc())
      failBadInput(source + ": .npy dimension " + d + " is too large");
    shape.push_back(v);
  }
  checkTensorSize(shape, elem, source);  // before allocating
  const size_t need = static_cast<size_t>(numElements(shape)) * elemSize(elem);
  if (bytes.size() - dataStart < need)
    failBadInput(source + ": data shorter than shape " + shapeToString(shape) + " needs");
  return Tensor(TensorType(elem, shape), bytes.data() + dataStart);
}

Tensor readNpy(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) failBadInput("cannot open " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return parseNpy(ss.str(), file.string());
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
