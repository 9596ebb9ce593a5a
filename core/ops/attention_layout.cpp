#include "core/ops/attention_layout.h"

#include "core/error.h"
#include "core/ops/op_helpers.h"

namespace nest::ops {

namespace {

std::string permToString(const std::vector<int64_t>& perm) {
  std::string s = "[";
  for (size_t i = 0; i < perm.size(); ++i) s += (i ? ", " : "") + std::to_string(perm[i]);
  return s + "]";
}

}  // namespace

std::vector<int64_t> attentionPerm(const Attributes& attrs, int which, size_t rank, const Node& node) {
  const char* name = kAttentionPermAttrs[which];
  std::vector<int64_t> perm;
  if (!attrs.has(name)) {
    for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(i));
    return perm;
  }
  perm = attrs.getInts(name);
  std::vector<bool> seen(rank, false);
  bool ok = perm.size() == rank;
  for (int64_t p : perm) {
    if (!ok || p < 0 || p >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(p)]) {
      ok = false;
      break;
    }
    seen[static_cast<size_t>(p)] = true;
  }
  if (!ok)
    failBadInput(node.describe() + ": " + name + " " + permToString(perm) + " is not a permutation of the " +
                 std::to_string(rank) + " axes of the operands");
  return perm;
}

bool attentionPlainLayout(const Attributes& attrs) {
  for (const char* name : kAttentionPermAttrs) {
    if (!attrs.has(name)) continue;
    const std::vector<int64_t> perm = attrs.getInts(name);
    for (size_t i = 0; i < perm.size(); ++i)
      if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

AttentionView attentionView(const Shape& stored, const std::vector<int64_t>& perm) {
  const std::vector<int64_t> st = stridesOf(stored);
  AttentionView v;
  for (int64_t p : perm) {
    v.shape.push_back(stored[static_cast<size_t>(p)]);
    v.strides.push_back(st[static_cast<size_t>(p)]);
  }
  return v;
}

std::vector<int64_t> inversePerm(const std::vector<int64_t>& perm) {
  std::vector<int64_t> inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return inv;
}

Shape attentionStoredResult(const Shape& y, const std::vector<int64_t>& yPerm) {
  const std::vector<int64_t> inv = inversePerm(yPerm);
  Shape s;
  for (int64_t p : inv) s.push_back(y[static_cast<size_t>(p)]);
  return s;
}

}  // namespace nest::ops
