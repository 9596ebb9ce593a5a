// fold-scale-bias: folds a Mul by a constant per-channel (or scalar) tensor, or an Add of one,
// that directly follows a Conv or Gemm into that node's weights and bias.
//
// What it does. For a Conv result y[n, m, ...] and a constant c broadcast per output channel
// (shape [M,1,1], [1,M,1,1], [M] for a 1-D conv... any shape that is 1 everywhere except possibly
// axis 1 after aligning to y's rank; a scalar too):
//   Mul(y, c) = conv(x, W) * c[m] + b * c[m]        Add(y, c) = conv(x, W) + (b + c[m])
// A Conv records the factor in its per-output-channel `output_scale` (its weights stay shared, as
// in fold-batchnorm; passes/affine_fold.h). For a Gemm result y[i, n] the channel is the column n:
// B's column n (row n with transB) is scaled and the bias becomes a per-column vector. The producer
// takes over the Mul's / Add's result.
//
// Why it is correct. Per-channel scaling distributes over the sum that forms each output element,
// so both sides are equal in real arithmetic; floating point changes only the rounding of one
// product per output. New weights and biases are NEW constants (the old ones may be shared).
//
// When it does not apply. The constant must broadcast per output channel and must not make the
// result larger (the Mul/Add result has the producer's shape); the producer's result must be used
// only by that Mul/Add and not be a graph output; the producer must have no fused activation, have
// constant weights and bias and compute in f32 or f64; a Gemm's bias must be a scalar or per column.
#include "core/error.h"
#include "passes/affine_fold.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

// The per-channel values of constant `c` broadcast against a result of shape `y` (channel axis 1),
// or nullopt when c is not constant along every other axis or would enlarge the result.
std::optional<std::vector<double>> perChannel(const Tensor& c, const Shape& y) {
  const Shape& cs = c.shape();
  if (cs.size() > y.size() || y.size() < 2) return std::nullopt;
  const size_t lead = y.size() - cs.size();
  bool perCh = false;
  for (size_t d = 0; d < cs.size(); ++d) {
    const size_t axis = d + lead;
    if (cs[d] == 1) continue;
    if (axis == 1 && cs[d] == y[1]) perCh = true;
    else return std::nullopt;
  }
  const std::vector<double> v = c.toDoubles();
  if (v.empty()) return std::nullopt;
  std::vector<double> out(static_cast<size_t>(y[1]));
  for (int64_t m = 0; m < y[1]; ++m) out[m] = v[perCh ? m : 0];
  return out;
}

// A Mul or Add of a constant and a computed value (what the loop below looks at further).
bool isCandidate(const Graph& g, const Node& n) {
  return (n.op == "Mul" || n.op == "Add") && n.inputs.size() == 2 && n.outputs.size() == 1 &&
         !n.attrs.has("activation") && g.isConstant(n.inputs[0]) != g.isConstant(n.inputs[1]);
}

bool foldOne(Graph& g, const PassOptions& opt) {
  if (!rewrite::anyNode(g, [&](const Node& n) { return isCandidate(g, n); })) return false;
  auto uses = rewrite::useCounts(g);
  auto prod = rewrite::producers(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if ((n.op != "Mul" && n.op != "Add") || n.inputs.size() != 2 || n.outputs.size() != 1) continue;
    if (n.attrs.has("activation")) continue;
    for (int side = 0; side < 2; ++side) {
      const std::string x = n.inputs[side];
      const std::string cName = n.inputs[1 - side];
      if (!g.isConstant(cName) || g.isConstant(x)) continue;
      auto pit = prod.find(x);
      if (pit == prod.end() || uses[x] != 1 || rewrite::isGraphOutput(g, x)) continue;
      const TensorType& yt = g.typeOf(x);
      if (g.typeOf(n.outputs[0]) != yt) continue;  // the constant must not enlarge the result
      if (yt.rank() < 2 || !affine::foldable(g, g.nodes[pit->second], yt.shape[1])) continue;
      if (!rewrite::mayMerge(opt, g.nodes[pit->second], n)) continue;
      const Tensor& c = *g.constant(cName);
      if (c.elem() != yt.elem || c.type().quant) continue;
      std::optional<std::vector<double>> v = perChannel(c, yt.shape);
      if (!v) continue;
      std::vector<double> s(v->size(), 1.0), t(v->size(), 0.0);
      (n.op == "Mul" ? s : t) = *v;
      affine::absorbInto(g, pit->second, n, s, t, "fold-scale-bias");
      return true;
    }
  }
  return false;
}

bool run(Graph& g, const PassOptions& opt) {
  const bool changed = rewrite::repeatWhileChanging(g, [&](Graph& x) { return foldOne(x, opt); });
  if (changed) rewrite::removeUnusedConstants(g);
  return changed;
}

}  // namespace

PassInfo foldScaleBiasPass() {
  return {"fold-scale-bias", "fold a per-channel constant Mul / Add after a Conv or Gemm into its weights and bias", run};
}

}  // namespace nest
