// What the CPU backend implements, in one table: the ops it has kernels for, the pass-added
// attributes (AttrSpec::passAdded: fused `activation`, Conv's `output_scale`, the quantization
// `out_*`) each kernel honours, and the element types it takes. A node that uses anything outside
// the table is unsupported with a reason naming the op, attribute or type: a pass-added attribute
// changes the result, so a kernel that ignored it would be silently wrong.
//
// This is the op / attribute / element-type layer. Limits on shapes and attribute values (3-D
// ConvTranspose, Pad mode 'wrap', Cast pairs, ...) stay in loweringUnsupportedReason
// (passes/lowering/lower_to_lir.h), which cpu::unsupportedReason (cpu_backend.h) asks next.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest::cpu {

struct OpSupport {
  std::string op;
  uint32_t types = 0;       // element types (bit 1 << ElemType) of non-quantized operands and results
  uint32_t quantTypes = 0;  // element types of quantized operands and results; 0: no integer kernel
  std::vector<std::string> passAttrs;    // pass-added attributes the kernels honour
  std::vector<std::string> activations;  // values of `activation` the kernels apply
};

// The table, sorted by op name.
const std::vector<OpSupport>& supportTable();
const OpSupport* findSupport(const std::string& op);

// Why the table rules `node` out ("" when op, attributes and element types are all in it):
//   "no CPU kernel for OP"
//   "the CPU backend does not implement attribute 'A' on OP"
//   "the CPU backend does not implement the fused activation 'X' on OP"
//   "OP on T is not supported" / "OP with a T result is not supported"
//   "OP on quantized T (intN precision) is not supported" / "OP with a quantized T result (intN precision) is not supported"
//   "no integer CPU kernel for quantized OP" (an op without any integer form; one whose integer
//   form only the interpreter runs, such as the int16 Softmax, gets the precision message)
std::string tableUnsupportedReason(const Graph& graph, const Node& node);

}  // namespace nest::cpu
