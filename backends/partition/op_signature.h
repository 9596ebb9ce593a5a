// What a node's CPU time depends on, as text: the op, its attributes, the types of its operands
// and results (element type, shape, quantization form) and which operands are constants. Two
// nodes with equal signatures compile to the same kernels with the same loop bounds. No Qt.
#pragma once
#include <string>

#include "core/graph.h"

namespace nest::partition {

// Quantization enters by form only (per tensor or the channel axis, zero points all zero or
// not): the scales change the constants of the requantization, not the work. Float-list and
// tensor attributes (a folded BatchNorm's per-channel output_scale) enter by length and type.
std::string opSignature(const Graph& graph, const Node& node);
// A 64-bit FNV-1a hash of the signature in hex: the cache key.
std::string signatureHash(const std::string& signature);

}  // namespace nest::partition
