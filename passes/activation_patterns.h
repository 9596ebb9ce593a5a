// Small matchers shared by the passes that recognise decomposed activations (fuse-hardswish,
// fuse-swish, fuse-gelu): scalar constants, the producer of a value used only once, the other
// operand of a binary node, Clip bounds.
#pragma once
#include <optional>
#include <string>
#include <unordered_map>

#include "core/graph.h"

namespace nest::patterns {

// The value of constant `v` when every element is the same finite number (a scalar or a splat).
std::optional<double> splatConstant(const Graph& g, const std::string& v);
// |a - b| <= 1e-6 * max(1, |b|): decomposed activations spell 1/6 or 1/sqrt(2) as rounded floats.
bool near(std::optional<double> a, double b);

// The graph as the matchers see it: use counts and producers, built once per sweep.
struct View {
  const Graph& g;
  std::unordered_map<std::string, int> uses;
  std::unordered_map<std::string, size_t> producers;
  explicit View(const Graph& g);
  // The node producing `v` when it has op `op`, one result, no fused activation, and `v` is used
  // exactly once and is not a graph output (so the node can be removed); else nullptr.
  const Node* soleProducer(const std::string& v, const std::string& op) const;
};

// For a two-operand node: the operand that is not `v` (nullopt unless exactly one operand is `v`).
std::optional<std::string> otherOperand(const Node& n, const std::string& v);

// Clip's bounds [min, max] (attributes as float or one-element tensors; absent: -inf / +inf), or
// a Relu6-like fused Clip of an Add; nullopt when not constant.
std::optional<std::pair<double, double>> clipBounds(const Node& clip);

}  // namespace nest::patterns
