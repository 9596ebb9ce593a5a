// Folding a per-channel affine map y * s[c] + t[c] that follows a Conv or Gemm into that node —
// shared by fold-batchnorm (BatchNormalization) and fold-scale-bias (constant Mul / Add).
#pragma once
#include <vector>

#include "core/graph.h"

namespace nest::affine {

// Whether producer `p`, whose result has `channels` channels on axis 1, can absorb the map:
// a Conv or Gemm with constant weights (and bias), f32/f64, not quantized, no fused activation;
// a Gemm's bias must be a scalar or per column.
bool foldable(const Graph& g, const Node& p, int64_t channels);

// Rewrites `p` to compute p(x) * s[c] + t[c]. A Conv keeps its weights (shared with earlier
// snapshots) and composes s into its per-output-channel `output_scale`; a Gemm's weights are
// scaled. The bias becomes b * s + t. New values are new constants.
void fold(Graph& g, Node& p, const std::vector<double>& s, const std::vector<double>& t);

// Folds the map computed by `affineNode` (a BatchNormalization, Mul or Add whose operand is the
// result of node `producerIndex`) into that producer: fold(), provenance, the producer takes over
// the node's result, and the node is erased. `pass` names the caller in internal errors.
void absorbInto(Graph& g, size_t producerIndex, const Node& affineNode, const std::vector<double>& s,
                const std::vector<double>& t, const std::string& pass);

}  // namespace nest::affine
