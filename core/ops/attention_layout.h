// The Attention op's operand layouts (core/ops/attention_ops.cpp), shared by its shape inference
// and kernel, the CPU backend's descriptor (backends/cpu/kernel_descs.cpp), the ONNX export and
// the passes that fold Transposes into it (passes/fold_attention_transposes.cpp).
//
// Attention computes Y = Softmax(Q · KT · scale + mask) · V on the operands of its formula, Q
// [..., Sq, d], KT [..., d, Sk], V [..., Sk, dv], Y [..., Sq, dv]. The optional attributes
// q_perm, kt_perm, v_perm and y_perm say how each stored tensor is transposed into that operand:
// Q = Transpose(input 0, q_perm), KT = Transpose(input 1, kt_perm), V = Transpose(input 2, v_perm),
// Y = Transpose(result, y_perm), so the result is stored as Transpose(Y, inverse(y_perm)). An
// absent attribute is the identity. The mask always broadcasts against the formula's scores.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/attribute.h"
#include "core/graph.h"

namespace nest::ops {

// The attribute names of the four operands' perms, in operand order Q, KT, V, Y.
inline constexpr const char* kAttentionPermAttrs[4] = {"q_perm", "kt_perm", "v_perm", "y_perm"};

// Operand `which`'s perm (0 Q, 1 KT, 2 V, 3 Y) for rank `rank`: the identity when absent; throws
// naming the node when it is not a permutation of 0..rank-1.
std::vector<int64_t> attentionPerm(const Attributes& attrs, int which, size_t rank, const Node& node);

// True when no operand has a perm other than the identity.
bool attentionPlainLayout(const Attributes& attrs);

// One operand seen through its perm: its shape in the formula and, for each of those axes, the
// element stride into the stored (row-major) tensor.
struct AttentionView {
  Shape shape;
  std::vector<int64_t> strides;
};
// `stored` transposed by `perm` (shape[i] = stored[perm[i]], strides[i] = storedStrides[perm[i]]).
AttentionView attentionView(const Shape& stored, const std::vector<int64_t>& perm);

// The stored result's shape for the formula's Y shape: Transpose(Y, inverse(y_perm)).
Shape attentionStoredResult(const Shape& y, const std::vector<int64_t>& yPerm);

std::vector<int64_t> inversePerm(const std::vector<int64_t>& perm);

}  // namespace nest::ops
