#include "core/resource_limits.h"

#include <filesystem>

#include "core/error.h"

namespace nest {

namespace {
std::string count(int64_t n) {
  // 4294967296 -> "4294967296 (2^32)" for the powers of two the limits are.
  std::string s = std::to_string(n);
  if (n > 0 && (n & (n - 1)) == 0) s += " (2^" + std::to_string(__builtin_ctzll(static_cast<uint64_t>(n))) + ")";
  return s;
}
}  // namespace

int64_t checkTensorSize(const Shape& shape, ElemType elem, const std::string& what) {
  for (int64_t d : shape)
    if (d < 0) failBadInput(what + " has a negative dimension in shape " + shapeToString(shape));
  for (int64_t d : shape)
    if (d == 0) return 0;
  // Multiplied in unsigned 128 bits: no dimension can overflow it before the check.
  unsigned __int128 n = 1;
  for (int64_t d : shape) {
    n *= static_cast<uint64_t>(d);
    if (n > static_cast<uint64_t>(ResourceLimits::kMaxTensorElements))
      failBadInput(what + " has shape " + shapeToString(shape) + ", more than the limit of " +
                   count(ResourceLimits::kMaxTensorElements) + " elements per tensor");
  }
  const auto elements = static_cast<int64_t>(n);
  if (elements * static_cast<int64_t>(elemSize(elem)) > ResourceLimits::kMaxTensorBytes)
    failBadInput(what + " has shape " + shapeToString(shape) + " of " + std::string(elemTypeName(elem)) + ", " +
                 std::to_string(elements * static_cast<int64_t>(elemSize(elem))) + " bytes, more than the limit of " +
                 count(ResourceLimits::kMaxTensorBytes) + " bytes per tensor");
  return elements;
}

void checkNodeCount(int64_t n, const std::string& what) {
  if (n > ResourceLimits::kMaxNodes)
    failBadInput(what + " has " + std::to_string(n) + " nodes, more than the limit of " +
                 count(ResourceLimits::kMaxNodes));
}

void checkNestingDepth(int depth, const std::string& what) {
  if (depth > ResourceLimits::kMaxNestingDepth)
    failBadInput(what + " nests subgraphs deeper than the limit of " +
                 std::to_string(ResourceLimits::kMaxNestingDepth) + " levels");
}

void checkExternalDataLocation(const std::string& location, const std::string& what) {
  const std::filesystem::path p(location);
  bool climbs = false;
  for (const auto& part : p)
    if (part == "..") climbs = true;
  if (p.is_absolute() || p.has_root_name() || p.has_root_directory() || climbs)
    failBadInput(what + ": external data location '" + location +
                 "' leaves the model's folder (absolute paths and '..' are refused)");
}

}  // namespace nest
