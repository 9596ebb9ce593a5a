// fuse-layernorm: recognise layer normalization written out as elementary ops (what exporters emit
// below opset 17, which has no LayerNormalization) and make it one LayerNormalization node.
//
// What it does. With d = Sub(x, ReduceMean(x, axes)), the normalized value
// Div(d, Sqrt(Add(ReduceMean(Pow(d, 2), axes), eps))) (the square may also be Mul(d, d)),
// optionally multiplied by a constant gamma and then added to a constant beta, becomes
// LayerNormalization(x, gamma, beta) {axis, epsilon}; `axes` must be the trailing axes (from
// `axis` on), gamma / beta constants of the normalized shape (leading 1s allowed). Without gamma
// the scale is a constant of ones (f32 only). The new node takes the last matched node's result and name and
// lists every matched node as its origin.
//
// Why it is correct. It is LayerNormalization's definition (biased variance, epsilon inside the
// square root); in f32 the result differs in the last bits (the reference kernel sums in double).
//
// When it does not apply. Every intermediate value must be used only inside the pattern (d exactly
// by the square and the Div) and not be a graph output; x must be a float type; epsilon a splat
// constant that is exact in f32; both ReduceMeans keep their dimensions.
#include <algorithm>
#include <unordered_set>

#include "core/op_table.h"
#include "core/ops/op_helpers.h"
#include "passes/activation_patterns.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

struct Match {
  std::string x, scale, bias;
  int64_t axis = -1;
  float epsilon = 0;
  const Node* last = nullptr;      // the node whose result the LayerNormalization takes
  std::vector<const Node*> nodes;  // every matched node but `last`
};

// The first reduced axis when `mean` is a ReduceMean over exactly the trailing axes with keepdims.
std::optional<int64_t> trailingAxis(const Graph& g, const Node& mean) {
  if (mean.inputs.size() != 1 || mean.attrs.getInt("keepdims", 1) == 0) return std::nullopt;
  const int64_t rank = g.typeOf(mean.inputs[0]).rank();
  Ints axes = mean.attrs.getInts("axes", {});
  if (axes.empty()) return std::nullopt;
  for (int64_t& a : axes) a = ops::normalizeAxis(a, rank, mean);
  std::sort(axes.begin(), axes.end());
  for (size_t k = 0; k < axes.size(); ++k)
    if (axes[k] != rank - static_cast<int64_t>(axes.size()) + static_cast<int64_t>(k)) return std::nullopt;
  return axes.front();
}

// A constant that broadcasts as the normalized dimensions `norm` exactly (leading 1s allowed).
bool isNormalizedConstant(const Graph& g, const std::string& v, const Shape& norm) {
  const Tensor* t = g.constant(v);
  if (!t || t->elem() != g.typeOf(v).elem) return false;
  Shape s = t->shape();
  while (s.size() > norm.size() && s.front() == 1) s.erase(s.begin());
  return s == norm;
}

std::optional<Match> matchLayerNorm(const patterns::View& w, const Node& div) {
  const Graph& g = w.g;
  if (div.op != "Div" || div.inputs.size() != 2 || div.outputs.size() != 1 || div.attrs.has("activation")) return std::nullopt;
  const std::string& d = div.inputs[0];
  const Node* sqrt = w.soleProducer(div.inputs[1], "Sqrt");
  const Node* addEps = sqrt ? w.soleProducer(sqrt->inputs[0], "Add") : nullptr;
  if (!addEps || addEps->inputs.size() != 2) return std::nullopt;
  const Node* var = nullptr;
  std::optional<double> eps;
  for (int side = 0; side < 2 && !var; ++side) {
    eps = patterns::splatConstant(g, addEps->inputs[1 - side]);
    if (eps) var = w.soleProducer(addEps->inputs[side], "ReduceMean");
  }
  if (!var || !eps || static_cast<double>(static_cast<float>(*eps)) != *eps) return std::nullopt;
  // The square of d: Pow(d, 2) (d used by it and the Div) or Mul(d, d) (d used three times).
  const Node* square = w.soleProducer(var->inputs[0], "Pow");
  int dUses = 2;
  if (square && !(square->inputs[0] == d && patterns::near(patterns::splatConstant(g, square->inputs[1]), 2.0))) return std::nullopt;
  if (!square) {
    square = w.soleProducer(var->inputs[0], "Mul");
    if (!square || square->inputs.size() != 2 || square->inputs[0] != d || square->inputs[1] != d) return std::nullopt;
    dUses = 3;
  }
  auto du = w.uses.find(d);
  auto dp = w.producers.find(d);
  if (du == w.uses.end() || du->second != dUses || dp == w.producers.end() || rewrite::isGraphOutput(g, d)) return std::nullopt;
  const Node& sub = g.nodes[dp->second];
  if (sub.op != "Sub" || sub.inputs.size() != 2 || sub.attrs.has("activation")) return std::nullopt;
  const Node* mean = w.soleProducer(sub.inputs[1], "ReduceMean");
  if (!mean || mean->inputs[0] != sub.inputs[0]) return std::nullopt;
  const std::optional<int64_t> axis = trailingAxis(g, *mean), varAxis = trailingAxis(g, *var);
  if (!axis || axis != varAxis || mean->attrs.getInts("axes", {}).size() != var->attrs.getInts("axes", {}).size())
    return std::nullopt;
  Match m;
  m.x = sub.inputs[0];
  m.axis = *axis;
  m.epsilon = static_cast<float>(*eps);
  m.nodes = {&sub, mean, square, var, addEps, sqrt};
  m.last = &div;
  const TensorType& xt = g.typeOf(m.x);
  const Shape norm(xt.shape.begin() + *axis, xt.shape.end());
  // Optional gamma, then beta: the sole user of the result so far.
  auto soleUser = [&](const Node& n, const std::string& op) -> const Node* {
    const std::string& v = n.outputs[0];
    auto u = w.uses.find(v);
    if (u == w.uses.end() || u->second != 1 || rewrite::isGraphOutput(g, v)) return nullptr;
    for (const Node& c : g.nodes)
      if (c.op == op && c.inputs.size() == 2 && !c.attrs.has("activation") &&
          (c.inputs[0] == v || c.inputs[1] == v))
        return &c;
    return nullptr;
  };
  if (const Node* mul = soleUser(*m.last, "Mul")) {
    const std::string other = mul->inputs[0] == m.last->outputs[0] ? mul->inputs[1] : mul->inputs[0];
    if (isNormalizedConstant(g, other, norm)) {
      m.scale = other;
      m.nodes.push_back(m.last);
      m.last = mul;
      if (const Node* add = soleUser(*m.last, "Add")) {
        const std::string b = add->inputs[0] == m.last->outputs[0] ? add->inputs[1] : add->inputs[0];
        if (isNormalizedConstant(g, b, norm)) {
          m.bias = b;
          m.nodes.push_back(m.last);
          m.last = add;
        }
      }
    }
  }
  return m;
}

bool fuseOne(Graph& g, const PassOptions& opt) {
  if (!rewrite::anyNode(g, [](const Node& n) { return n.op == "ReduceMean"; })) return false;
  const patterns::View w(g);
  for (const Node& div : g.nodes) {
    std::optional<Match> m = matchLayerNorm(w, div);
    if (!m) continue;
    const TensorType& t = g.typeOf(m->x);
    if (!isFloat(t.elem) || t.quant || g.typeOf(m->last->outputs[0]) != t) continue;
    bool ok = true;
    for (const Node* n : m->nodes) ok = ok && rewrite::mayMerge(opt, *m->last, *n);
    if (!ok) continue;
    const Node& last = *m->last;
    std::vector<NodeId> origin = {last.id};
    std::unordered_set<NodeId> erase = {last.id};
    for (const Node* n : m->nodes)
      if (erase.insert(n->id).second) origin.push_back(n->id);
    if (m->scale.empty()) {  // LayerNormalization requires a scale: ones
      if (t.elem != ElemType::F32) continue;
      const Shape norm(t.shape.begin() + m->axis, t.shape.end());
      m->scale = last.outputs[0] + "_scale";
      g.setConstant(m->scale, Tensor::fromVector<float>(ElemType::F32, norm, std::vector<float>(numElements(norm), 1.0f)));
    }
    Attributes a;
    a.set("axis", m->axis);
    a.set("epsilon", m->epsilon);
    std::vector<std::string> inputs = {m->x, m->scale};
    if (!m->bias.empty()) inputs.push_back(m->bias);
    const std::string name = last.name, y = last.outputs[0];
    size_t index = 0;
    while (g.nodes[index].id != last.id) ++index;
    rewrite::insertNode(g, index, "LayerNormalization", name, inputs, {y}, a, origin);
    rewrite::eraseNodes(g, erase);
    return true;
  }
  return false;
}

}  // namespace

PassInfo fuseLayerNormPass() {
  return {"fuse-layernorm", "make LayerNorm written as ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div (and Mul, Add) one LayerNormalization node",
          [](Graph& g, const PassOptions& opt) {
            const bool changed = rewrite::repeatWhileChanging(g, [&](Graph& x) { return fuseOne(x, opt); });
            if (changed) rewrite::removeUnusedConstants(g);
            return changed;
          }};
}

}  // namespace nest
