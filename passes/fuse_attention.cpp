// fuse-attention: recognise scaled dot-product attention as exporters write it and make it one
// Attention node (core/ops/attention_ops.cpp), which the CPU backend runs without materialising
// the [Sq, Sk] score matrix of every head (docs/cpu-runtime.md, "Attention").
//
// What it does. MatMul(P, V) where P = Softmax(S, axis = last), S = [Add(S', mask)], S' =
// [Mul / Div by scalar constants](MatMul(Q', KT)) and Q' = [Mul / Div by a scalar constant](Q)
// becomes Attention(Q, KT, V[, mask]) {scale = the product of the constants}. torch's
// MultiheadAttention scales Q before the product (ViT), and multiplies the scores again by a
// constant 1 when it adds a padding mask (nn.TransformerEncoder); both fold into `scale`. The new
// node takes the final MatMul's result and name and lists every matched node as its origin.
//
// Why it is correct. softmax((Q·s1)·KT·s2 + mask) · V = softmax(Q·KT·(s1·s2) + mask) · V in real
// arithmetic; in f32 the scores round differently in the last bits.
//
// When it does not apply. Every intermediate value must be used only inside the pattern and not be
// a graph output; Q, KT, V must be f32, of one rank, with the same batch dimensions; the mask must
// be f32 and broadcast to the scores; the scale factors must be splat constants.
#include <unordered_set>

#include "core/op_table.h"
#include "core/ops/op_helpers.h"
#include "passes/activation_patterns.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

struct Match {
  std::string q, kt, v, mask;
  double scale = 1;
  std::vector<const Node*> nodes;  // every matched node but the final MatMul
};

// Strips Mul / Div by splat constants off `v` (each used only here), multiplying their factors
// into `scale`; returns the value underneath.
std::string stripScale(const patterns::View& w, std::string v, double& scale, std::vector<const Node*>& nodes) {
  for (;;) {
    const Node* n = w.soleProducer(v, "Mul");
    if (!n) n = w.soleProducer(v, "Div");
    if (!n || n->inputs.size() != 2) return v;
    const bool div = n->op == "Div";
    std::optional<double> c = patterns::splatConstant(w.g, n->inputs[1]);
    std::string x = n->inputs[0];
    if (!c && !div) {
      c = patterns::splatConstant(w.g, n->inputs[0]);
      x = n->inputs[1];
    }
    if (!c || *c == 0 || w.g.isConstant(x)) return v;
    scale *= div ? 1 / *c : *c;
    nodes.push_back(n);
    v = x;
  }
}

std::optional<Match> matchAttention(const patterns::View& w, const Node& out) {
  if (out.op != "MatMul" || out.inputs.size() != 2 || out.outputs.size() != 1) return std::nullopt;
  const Graph& g = w.g;
  Match m;
  m.v = out.inputs[1];
  const Node* softmax = w.soleProducer(out.inputs[0], "Softmax");
  if (!softmax) return std::nullopt;
  const int64_t rank = g.typeOf(softmax->inputs[0]).rank();
  if (rank < 2 || ops::normalizeAxis(softmax->attrs.getInt("axis", -1), rank, *softmax) != rank - 1) return std::nullopt;
  m.nodes.push_back(softmax);
  std::string s = softmax->inputs[0];
  if (const Node* add = w.soleProducer(s, "Add"); add && add->inputs.size() == 2) {
    // The scores are the operand with the scores' shape that a MatMul (maybe scaled) produces.
    for (int side = 0; side < 2 && m.mask.empty(); ++side) {
      double scale = 1;
      std::vector<const Node*> scaled;
      const std::string under = stripScale(w, add->inputs[side], scale, scaled);
      if (!w.soleProducer(under, "MatMul") || g.typeOf(add->inputs[side]).shape != g.typeOf(s).shape) continue;
      m.mask = add->inputs[1 - side];
      m.nodes.push_back(add);
      s = add->inputs[side];
    }
    if (m.mask.empty()) return std::nullopt;
  }
  s = stripScale(w, s, m.scale, m.nodes);
  const Node* scores = w.soleProducer(s, "MatMul");
  if (!scores || scores->inputs.size() != 2) return std::nullopt;
  m.nodes.push_back(scores);
  m.kt = scores->inputs[1];
  m.q = stripScale(w, scores->inputs[0], m.scale, m.nodes);
  return m;
}

bool shapesFit(const Graph& g, const Match& m) {
  for (const std::string& v : {m.q, m.kt, m.v})
    if (g.typeOf(v).elem != ElemType::F32 || g.typeOf(v).quant) return false;
  const Shape &q = g.typeOf(m.q).shape, &kt = g.typeOf(m.kt).shape, &v = g.typeOf(m.v).shape;
  if (q.size() < 2 || kt.size() != q.size() || v.size() != q.size()) return false;
  if (!std::equal(q.begin(), q.end() - 2, kt.begin()) || !std::equal(q.begin(), q.end() - 2, v.begin())) return false;
  if (m.mask.empty()) return true;
  const TensorType& mask = g.typeOf(m.mask);
  if (mask.elem != ElemType::F32 || mask.quant || mask.rank() > static_cast<int64_t>(q.size())) return false;
  Shape scores(q.begin(), q.end() - 1);
  scores.push_back(kt.back());
  for (size_t k = 0; k < mask.shape.size(); ++k) {
    const int64_t d = mask.shape[mask.shape.size() - 1 - k], s = scores[scores.size() - 1 - k];
    if (d != 1 && d != s) return false;
  }
  return true;
}

bool fuseOne(Graph& g, const PassOptions& opt) {
  if (!rewrite::anyNode(g, [](const Node& n) { return n.op == "Softmax"; })) return false;
  const patterns::View w(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& out = g.nodes[i];
    std::optional<Match> m = matchAttention(w, out);
    if (!m || !shapesFit(g, *m) || static_cast<double>(static_cast<float>(m->scale)) == 0) continue;
    bool ok = true;
    for (const Node* n : m->nodes) ok = ok && rewrite::mayMerge(opt, out, *n);
    if (!ok) continue;
    std::vector<NodeId> origin = {out.id};
    std::unordered_set<NodeId> erase = {out.id};
    for (const Node* n : m->nodes)
      if (erase.insert(n->id).second) origin.push_back(n->id);
    Attributes a;
    a.set("scale", static_cast<float>(m->scale));
    std::vector<std::string> inputs = {m->q, m->kt, m->v};
    if (!m->mask.empty()) inputs.push_back(m->mask);
    const std::string name = out.name, y = out.outputs[0];
    // At the final MatMul's place: every operand is defined before it.
    rewrite::insertNode(g, i, "Attention", name, inputs, {y}, a, origin);
    rewrite::eraseNodes(g, erase);
    return true;
  }
  return false;
}

}  // namespace

PassInfo fuseAttentionPass() {
  return {"fuse-attention", "make Softmax(Q·KT·scale + mask)·V written as MatMul, Mul/Div, Add, Softmax, MatMul one Attention node",
          [](Graph& g, const PassOptions& opt) {
            const bool changed = rewrite::repeatWhileChanging(g, [&](Graph& x) { return fuseOne(x, opt); });
            if (changed) rewrite::removeUnusedConstants(g);
            return changed;
          }};
}

}  // namespace nest
