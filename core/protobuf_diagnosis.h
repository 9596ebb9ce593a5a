// Why bytes that should be a serialized protobuf message (an ONNX model) do not parse: text where
// binary was expected, a file cut short, or bytes that are not protobuf wire data at all. No Qt.
#pragma once
#include <string>

namespace nest {

// A sentence for the error message, e.g. "truncated: field 7 starting at byte 12 needs 4,000 bytes
// but the file ends after 1,000 bytes" or "not an ONNX protobuf (text found: \"hello world\")".
// Looks at the top-level fields only; "" when the top level is well formed (the damage is nested).
std::string describeProtobufDamage(const std::string& bytes);

}  // namespace nest
