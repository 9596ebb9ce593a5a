#include "passes/affine_fold.h"

#include "core/error.h"
#include "passes/rewrite.h"

namespace nest::affine {

namespace {

// A result-typed tensor from doubles (f64 kept, everything else f32: foldable() admits only these).
Tensor tensorFromDoubles(ElemType elem, Shape shape, const std::vector<double>& v) {
  if (elem == ElemType::F64) return Tensor::fromVector<double>(elem, std::move(shape), v);
  std::vector<float> f(v.begin(), v.end());
  return Tensor::fromVector<float>(ElemType::F32, std::move(shape), f);
}

}  // namespace

bool foldable(const Graph& g, const Node& p, int64_t channels) {
  if (p.op != "Conv" && p.op != "Gemm") return false;
  if (p.attrs.has("activation") || p.outputs.size() != 1) return false;
  const TensorType& y = g.typeOf(p.outputs[0]);
  if (y.elem != ElemType::F32 && y.elem != ElemType::F64) return false;
  if (y.rank() < 2 || y.shape[1] != channels) return false;
  if (!p.hasInput(1) || !g.isConstant(p.inputs[1])) return false;
  if (p.hasInput(2) && !g.isConstant(p.inputs[2])) return false;
  if (g.typeOf(p.inputs[1]).quant || y.quant) return false;
  if (p.op == "Conv") return g.typeOf(p.inputs[1]).shape.at(0) == channels;
  if (p.hasInput(2)) {  // Gemm: the bias must be a scalar or per column
    const Shape& c = g.typeOf(p.inputs[2]).shape;
    const int64_t n = numElements(c);
    const bool perColumn = (c.size() == 1 && c[0] == channels) || (c.size() == 2 && c[0] == 1 && c[1] == channels);
    if (n != 1 && !perColumn) return false;
  }
  return true;
}

void fold(Graph& g, Node& p, const std::vector<double>& s, const std::vector<double>& t) {
  const int64_t channels = static_cast<int64_t>(s.size());
  const ElemType elem = g.typeOf(p.outputs[0]).elem;
  const std::string wName = p.inputs[1];
  bool scales = false;
  for (double v : s) scales = scales || v != 1.0;
  std::vector<double> bias(static_cast<size_t>(channels), 0.0);
  if (p.op == "Conv") {
    if (scales) {
      Floats scale = p.attrs.getFloats("output_scale", Floats(static_cast<size_t>(channels), 1.0f));
      for (int64_t m = 0; m < channels; ++m) scale[m] = static_cast<float>(scale[m] * s[m]);
      p.attrs.set("output_scale", scale);
    }
    if (p.hasInput(2)) bias = g.constant(p.inputs[2])->toDoubles();
  } else {
    const double beta = p.attrs.getFloat("beta", 1.0f);
    if (p.hasInput(2) && beta != 0.0) {
      const Tensor& c = *g.constant(p.inputs[2]);
      for (int64_t n = 0; n < channels; ++n) bias[n] = beta * c.getDouble(c.numElements() == 1 ? 0 : n);
    }
    p.attrs.erase("beta");
    if (scales) {
      const Tensor& w = *g.constant(wName);
      std::vector<double> wv = w.toDoubles();
      const bool transB = p.attrs.getInt("transB", 0) != 0;
      const Shape& ws = w.shape();
      for (int64_t r = 0; r < ws[0]; ++r)
        for (int64_t c = 0; c < ws[1]; ++c) wv[r * ws[1] + c] *= s[transB ? r : c];
      p.inputs[1] = rewrite::addConstant(g, wName + "_folded", tensorFromDoubles(elem, w.shape(), wv));
    }
  }
  for (int64_t m = 0; m < channels; ++m) bias[m] = bias[m] * s[m] + t[m];
  const std::string biasBase = p.hasInput(2) ? p.inputs[2] : wName + "_bias";
  const std::string newB = rewrite::addConstant(g, biasBase + "_folded", tensorFromDoubles(elem, {channels}, bias));
  p.inputs.resize(3);
  p.inputs[2] = newB;
}

void absorbInto(Graph& g, size_t producerIndex, const Node& affineNode, const std::vector<double>& s,
                const std::vector<double>& t, const std::string& pass) {
  const Node node = affineNode;  // a copy: the reference may point into g.nodes
  Node& p = g.nodes[producerIndex];
  const std::string produced = p.outputs[0];
  fold(g, p, s, t);
  rewrite::absorb(p, node);
  if (!rewrite::replaceAllUses(g, node.outputs[0], produced)) failInternal(pass + ": cannot reroute " + produced);
  rewrite::eraseNodes(g, {node.id});
}

}  // namespace nest::affine
