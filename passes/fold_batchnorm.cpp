// fold-batchnorm: folds an inference-mode BatchNormalization into the Conv or Gemm that produces
// its operand.
//
// What it does. In inference mode BatchNormalization is a per-channel affine map
//   y = x * s[c] + t[c],   s = gamma / sqrt(var + eps),   t = beta - mean * s.
// When x is the result of a Conv (channel = output channel) or a Gemm (channel = output column),
//   conv(x, W) * s + t  with bias b:  (conv(x, W) + b) * s + t = conv(x, W) * s + (b * s + t).
// A Conv records s in its `output_scale` attribute (one factor per output channel, applied to the
// convolution before the bias) and gets the new bias b * s + t; its weights stay as they are, shared
// with every earlier snapshot (ONNX export and code generation multiply them into W). A Gemm's
// weights are scaled directly: W * s. Either way the producer takes over the BatchNormalization's
// result and the BatchNormalization disappears.
//
// Why it is correct. The identity above is exact in real arithmetic; in floating point only the
// rounding of one product per output changes (well within the 1e-4 relative tolerance). New biases
// and Gemm weights are NEW constants: the originals may be shared with other nodes or snapshots.
//
// When it does not apply. The BatchNormalization must have one result and training_mode = 0; its
// scale, bias, mean and variance must be constants; its operand must be used by it alone (another
// user would see the scaled values) and not be a graph output; the producer must be a Conv or Gemm
// without a fused activation (the activation sits between the two affine maps), with constant
// weights and bias, of element type f32 or f64 (f16 weights would be rounded to half precision);
// a Gemm's bias must be a scalar or per column ([N] or [1,N]). A BatchNormalization that does not
// qualify stays as it is.
#include <cmath>

#include "core/error.h"
#include "passes/affine_fold.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

bool isCandidate(const Node& bn) {
  return bn.op == "BatchNormalization" && bn.outputs.size() == 1 && bn.inputs.size() == 5;
}

bool foldOne(Graph& g, const PassOptions& opt) {
  if (!rewrite::anyNode(g, isCandidate)) return false;
  auto uses = rewrite::useCounts(g);
  auto prod = rewrite::producers(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& bn = g.nodes[i];
    if (!isCandidate(bn)) continue;
    if (bn.attrs.getInt("training_mode", 0) != 0) continue;
    bool constParams = true;
    for (size_t k = 1; k < 5; ++k) constParams = constParams && bn.hasInput(k) && g.isConstant(bn.inputs[k]);
    if (!constParams) continue;
    const std::string x = bn.inputs[0];
    auto pit = prod.find(x);
    if (pit == prod.end() || uses[x] != 1 || rewrite::isGraphOutput(g, x)) continue;
    const int64_t channels = g.typeOf(x).rank() >= 2 ? g.typeOf(x).shape[1] : -1;
    if (channels < 0 || !affine::foldable(g, g.nodes[pit->second], channels)) continue;
    if (!rewrite::mayMerge(opt, g.nodes[pit->second], bn)) continue;  // assigned apart: keep both

    const double eps = bn.attrs.getFloat("epsilon", 1e-5f);
    const std::vector<double> gamma = g.constant(bn.inputs[1])->toDoubles(), beta = g.constant(bn.inputs[2])->toDoubles();
    const std::vector<double> mean = g.constant(bn.inputs[3])->toDoubles(), var = g.constant(bn.inputs[4])->toDoubles();
    std::vector<double> s(static_cast<size_t>(channels)), t(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) {
      s[c] = gamma[c] / std::sqrt(var[c] + eps);
      t[c] = beta[c] - mean[c] * s[c];
    }
    affine::absorbInto(g, pit->second, bn, s, t, "fold-batchnorm");
    return true;
  }
  return false;
}

bool run(Graph& g, const PassOptions& opt) {
  const bool changed = rewrite::repeatWhileChanging(g, [&](Graph& x) { return foldOne(x, opt); });
  if (changed) rewrite::removeUnusedConstants(g);
  return changed;
}

}  // namespace

PassInfo foldBatchNormPass() {
  return {"fold-batchnorm", "fold inference BatchNormalization into the preceding Conv or Gemm weights and bias", run};
}

}  // namespace nest
