#include "core/protobuf_diagnosis.h"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace nest {

namespace {

// 12345 -> "12,345" (byte counts in messages).
std::string grouped(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Text: the first 16 bytes are printable ASCII / UTF-8 or whitespace. An ONNX model starts with a
// field tag (0x08 for ir_version) and has control bytes (small tags and lengths) early on.
bool looksLikeText(const std::string& bytes) {
  const size_t n = std::min<size_t>(bytes.size(), 16);
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c != '\n' && c != '\r' && c != '\t' && c < 0x20) return false;
  }
  return n > 0;
}

// The start of the text, on one line, quoted.
std::string textSample(const std::string& bytes) {
  std::string s;
  for (char c : bytes.substr(0, 40)) {
    const auto u = static_cast<unsigned char>(c);
    s += (c == '\n' || c == '\r' || c == '\t') ? ' ' : (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  return "\"" + s + (bytes.size() > 40 ? "…" : "") + "\"";
}

std::optional<uint64_t> readVarint(const std::string& bytes, size_t& pos) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64 && pos < bytes.size(); shift += 7) {
    const auto b = static_cast<unsigned char>(bytes[pos++]);
    value |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return value;
  }
  return std::nullopt;  // ran off the end (or more than 10 bytes)
}

}  // namespace

std::string describeProtobufDamage(const std::string& bytes) {
  const std::string size = grouped(bytes.size()) + " bytes";
  if (bytes.empty()) return "the file is empty (0 bytes)";
  if (looksLikeText(bytes))
    return "not an ONNX protobuf (text found: " + textSample(bytes) +
           "); an ONNX model in protobuf text format must be named .onnxtxt";
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t fieldStart = pos;
    const std::optional<uint64_t> tag = readVarint(bytes, pos);
    if (!tag) return "truncated: the file ends inside a field tag at byte " + grouped(fieldStart) + " (the file has " + size + ")";
    const uint64_t field = *tag >> 3;
    const int wire = static_cast<int>(*tag & 7);
    if (field == 0 || wire == 3 || wire == 4 || wire > 5)
      return "not an ONNX protobuf (invalid wire data at byte " + grouped(fieldStart) + " of " + size + ")";
    if (wire == 0) {
      if (!readVarint(bytes, pos))
        return "truncated: the file ends inside field " + std::to_string(field) + " at byte " + grouped(fieldStart) +
               " (the file has " + size + ")";
      continue;
    }
    uint64_t length = wire == 1 ? 8 : wire == 5 ? 4 : 0;
    if (wire == 2) {
      const std::optional<uint64_t> l = readVarint(bytes, pos);
      if (!l) return "truncated: the file ends inside the length of field " + std::to_string(field) + " (the file has " + size + ")";
      length = *l;
    }
    if (length > bytes.size() - pos)
      return "truncated: field " + std::to_string(field) + " starting at byte " + grouped(fieldStart) + " needs " +
             grouped(pos + length) + " bytes but the file has " + size + " (was the download or copy cut short?)";
    pos += length;
  }
  return "";
}

}  // namespace nest
