#include "core/idx_file.h"

#include <zlib.h>

#include <algorithm>

#include "core/error.h"

namespace nest {

namespace {

std::string readAllGz(const std::filesystem::path& file) {
  gzFile f = gzopen(file.c_str(), "rb");
  if (!f) failBadInput("cannot open " + file.string());
  std::string data;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  bool failed = n < 0;
  gzclose(f);
  if (failed) failBadInput(file.string() + ": corrupt gzip data");
  return data;
}

}  // namespace

Tensor readIdxFile(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) failBadInput("idx file " + file.string() + " does not exist");
  std::string data = readAllGz(file);  // gzread also reads uncompressed files
  auto byte = [&](size_t i) { return static_cast<unsigned char>(data[i]); };
  if (data.size() < 4 || byte(0) != 0 || byte(1) != 0) failBadInput(file.string() + " is not an idx file");
  ElemType elem;
  switch (byte(2)) {
    case 0x08: elem = ElemType::U8; break;
    case 0x09: elem = ElemType::I8; break;
    case 0x0B: elem = ElemType::I16; break;
    case 0x0C: elem = ElemType::I32; break;
    case 0x0D: elem = ElemType::F32; break;
    case 0x0E: elem = ElemType::F64; break;
    default: failBadInput(file.string() + ": unknown idx element type");
  }
  size_t rank = byte(3), offset = 4 + 4 * rank;
  if (data.size() < offset) failBadInput(file.string() + ": truncated idx header");
  Shape shape;
  for (size_t d = 0; d < rank; ++d)
    shape.push_back((int64_t{byte(4 + 4 * d)} << 24) | (byte(5 + 4 * d) << 16) | (byte(6 + 4 * d) << 8) | byte(7 + 4 * d));
  Tensor t(TensorType(elem, shape));
  if (data.size() < offset + t.byteSize()) failBadInput(file.string() + ": data shorter than its shape " + shapeToString(shape));
  // idx stores multi-byte values big-endian.
  const size_t size = elemSize(elem);
  auto* out = static_cast<unsigned char*>(t.rawMutable());
  for (size_t i = 0; i < t.byteSize(); i += size)
    for (size_t b = 0; b < size; ++b) out[i + b] = byte(offset + i + size - 1 - b);
  return t;
}

}  // namespace nest
