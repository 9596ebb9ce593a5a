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
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

Tensor makeTensor(ElemType elem, Shape shape, const std::vector<double>& v) {
  if (elem == ElemType::F64) return Tensor::fromVector<double>(elem, std::move(shape), v);
  std::vector<float> f(v.begin(), v.end());
  return Tensor::fromVector<float>(ElemType::F32, std::move(shape), f);
}

// Whether the producer `p` of a value with `channels` output channels can absorb a per-channel
// affine map y * s[c] + t[c] into its weights and bias.
bool affineFoldable(const Graph& g, const Node& p, int64_t channels) {
  if (p.op != "Conv" && p.op != "Gemm") return false;
  if (p.attrs.has("activation") || p.outputs.size() != 1) return false;
  const TensorType& y = g.typeOf(p.outputs[0]);
  if (y.elem != ElemType::F32 && y.elem != ElemType::F64) return false;
  if (y.rank() < 2 || y.shape[1] != channels) return false;
  if (!p.hasInput(1) || !g.isConstant(p.inputs[1])) return false;
  if (p.hasInput(2) && !g.isConstant(p.inputs[2])) return false;
  if (g.typeOf(p.inputs[1]).quant || y.quant) return false;
  if (p.op == "Conv") return g.typeOf(p.inputs[1]).shape.at(0) == channels;
  // Gemm: the bias must be a scalar or per column.
  if (p.hasInput(2)) {
    const Shape& c = g.typeOf(p.inputs[2]).shape;
    const int64_t n = numElements(c);
    const bool perColumn = (c.size() == 1 && c[0] == channels) || (c.size() == 2 && c[0] == 1 && c[1] == channels);
    if (n != 1 && !perColumn) return false;
  }
  return true;
}

// Rewrites `p` (checked by affineFoldable) to compute p(x) * s[c] + t[c].
// A Conv keeps its weights and multiplies its result by the per-channel `output_scale` attribute
// (composed with any earlier one): rewriting the weights would copy the whole model's
// convolution weights into every later snapshot. A Gemm's weights are scaled (they are small).
void foldAffine(Graph& g, Node& p, const std::vector<double>& s, const std::vector<double>& t) {
  const int64_t channels = static_cast<int64_t>(s.size());
  const ElemType elem = g.typeOf(p.outputs[0]).elem;
  const std::string wName = p.inputs[1];
  std::vector<double> bias(static_cast<size_t>(channels), 0.0);
  if (p.op == "Conv") {
    Floats scale = p.attrs.getFloats("output_scale", Floats(static_cast<size_t>(channels), 1.0f));
    for (int64_t m = 0; m < channels; ++m) scale[m] = static_cast<float>(scale[m] * s[m]);
    p.attrs.set("output_scale", scale);
    if (p.hasInput(2)) bias = g.constant(p.inputs[2])->toDoubles();
  } else {
    const Tensor& w = *g.constant(wName);
    std::vector<double> wv = w.toDoubles();
    const bool transB = p.attrs.getInt("transB", 0) != 0;
    const Shape& ws = w.shape();
    for (int64_t r = 0; r < ws[0]; ++r)
      for (int64_t c = 0; c < ws[1]; ++c) wv[r * ws[1] + c] *= s[transB ? r : c];
    const double beta = p.attrs.getFloat("beta", 1.0f);
    if (p.hasInput(2) && beta != 0.0) {
      const Tensor& c = *g.constant(p.inputs[2]);
      for (int64_t n = 0; n < channels; ++n) bias[n] = beta * c.getDouble(c.numElements() == 1 ? 0 : n);
    }
    p.attrs.erase("beta");
    p.inputs[1] = rewrite::addConstant(g, wName + "_folded", makeTensor(elem, w.shape(), wv));
  }
  for (int64_t m = 0; m < channels; ++m) bias[m] = bias[m] * s[m] + t[m];
  const std::string biasBase = p.hasInput(2) ? p.inputs[2] : wName + "_bias";
  const std::string newB = rewrite::addConstant(g, biasBase + "_folded", makeTensor(elem, {channels}, bias));
  p.inputs.resize(3);
  p.inputs[2] = newB;
}

bool foldOne(Graph& g) {
  auto uses = rewrite::useCounts(g);
  auto prod = rewrite::producers(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& bn = g.nodes[i];
    if (bn.op != "BatchNormalization" || bn.outputs.size() != 1 || bn.inputs.size() != 5) continue;
    if (bn.attrs.getInt("training_mode", 0) != 0) continue;
    bool constParams = true;
    for (size_t k = 1; k < 5; ++k) constParams = constParams && bn.hasInput(k) && g.isConstant(bn.inputs[k]);
    if (!constParams) continue;
    const std::string x = bn.inputs[0];
    auto pit = prod.find(x);
    if (pit == prod.end() || uses[x] != 1 || rewrite::isGraphOutput(g, x)) continue;
    const int64_t channels = g.typeOf(x).rank() >= 2 ? g.typeOf(x).shape[1] : -1;
    if (channels < 0 || !affineFoldable(g, g.nodes[pit->second], channels)) continue;

    const double eps = bn.attrs.getFloat("epsilon", 1e-5f);
    const std::vector<double> gamma = g.constant(bn.inputs[1])->toDoubles(), beta = g.constant(bn.inputs[2])->toDoubles();
    const std::vector<double> mean = g.constant(bn.inputs[3])->toDoubles(), var = g.constant(bn.inputs[4])->toDoubles();
    std::vector<double> s(static_cast<size_t>(channels)), t(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) {
      s[c] = gamma[c] / std::sqrt(var[c] + eps);
      t[c] = beta[c] - mean[c] * s[c];
    }
    const Node bnCopy = bn;
    Node& p = g.nodes[pit->second];
    foldAffine(g, p, s, t);
    rewrite::absorb(p, bnCopy);
    if (!rewrite::replaceAllUses(g, bnCopy.outputs[0], x)) failInternal("fold-batchnorm: cannot reroute " + x);
    rewrite::eraseNodes(g, {bnCopy.id});
    return true;
  }
  return false;
}

bool run(Graph& g, const PassOptions&) {
  bool changed = false;
  while (foldOne(g)) changed = true;
  if (changed) rewrite::removeUnusedConstants(g);
  return changed;
}

}  // namespace

PassInfo foldBatchNormPass() {
  return {"fold-batchnorm", "fold inference BatchNormalization into the preceding Conv or Gemm weights and bias", run};
}

}  // namespace nest
