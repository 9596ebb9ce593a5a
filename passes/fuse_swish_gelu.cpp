// fuse-swish and fuse-gelu: recognise SiLU / Swish and GELU written out as elementary ops and
// make each one node (docs/quantization.md, "Lookup-table activations"): Swish, an internal op
// (x * sigmoid(x); ONNX has none at opset 17), and Gelu (ONNX opset 20, `approximate`).
//
// What they do. fuse-swish: Mul(x, Sigmoid(x)) (either order) becomes Swish(x); Mul(x,
// Sigmoid(Mul(x, alpha))) with a splat constant alpha becomes Swish(x, alpha) (x * sigmoid(alpha x)). fuse-gelu: a
// product (one Mul, or Muls nested in any order) of x, the constant 0.5 and 1 + erf(x / sqrt 2)
// becomes Gelu(x); the scaling x / sqrt 2 may be a Div by sqrt 2 or a Mul by 1 / sqrt 2. With
// 1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)) instead (x^3 as Pow(x, 3) or a product of three
// x), it becomes Gelu(x, approximate="tanh"). The new node takes the final Mul's result and name
// and lists every matched node as its origin.
//
// Why it is correct. Each form is the op's definition in real arithmetic; in f32 the result may
// differ in the last bits (the products are rounded in another order).
//
// When it does not apply. Every intermediate value must be used only inside the pattern and not
// be a graph output; all values must have x's float type and shape; constants must match within
// 1e-6 relative (Sigmoid's x must be the very value multiplied).
#include <algorithm>
#include <cmath>

#include "passes/activation_patterns.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

using patterns::near;

// The leaves of the product ending in `v`: the Muls it is made of (other than `root`) are
// expanded when they have no other use; constants are multiplied into `constant`.
struct Product {
  std::vector<std::string> factors;  // non-constant leaves
  double constant = 1;
  std::vector<const Node*> nodes;    // expanded Muls
};

void collect(const patterns::View& w, const Node& mul, Product& p) {
  for (const std::string& v : mul.inputs) {
    if (auto c = patterns::splatConstant(w.g, v)) {
      p.constant *= *c;
    } else if (const Node* inner = w.soleProducer(v, "Mul"); inner && inner->inputs.size() == 2) {
      p.nodes.push_back(inner);
      collect(w, *inner, p);
    } else {
      p.factors.push_back(v);
    }
  }
}

struct Match {
  std::string x;
  std::vector<const Node*> nodes;  // every matched node but the final one
  std::string approximate;         // Gelu only
  double alpha = 1;                // Swish only
};

// tanh's argument sqrt(2/pi) * (x + 0.044715 x^3) ending in `v`, for the given x.
bool matchTanhArgument(const patterns::View& w, const std::string& v, const std::string& x, std::vector<const Node*>& nodes) {
  const Node* scale = w.soleProducer(v, "Mul");
  if (!scale) return false;
  Product outer;
  collect(w, *scale, outer);
  if (outer.factors.size() != 1 || !near(outer.constant, 0.79788456080286535588)) return false;
  const Node* add = w.soleProducer(outer.factors[0], "Add");
  if (!add || add->inputs.size() != 2) return false;
  auto cubic = patterns::otherOperand(*add, x);
  if (!cubic) return false;
  const Node* cube = w.soleProducer(*cubic, "Mul");
  if (!cube) return false;
  Product c;
  collect(w, *cube, c);
  if (!near(c.constant, 0.044715)) return false;
  const bool threeX = c.factors.size() == 3 && std::all_of(c.factors.begin(), c.factors.end(), [&](const std::string& f) { return f == x; });
  const Node* pow = c.factors.size() == 1 ? w.soleProducer(c.factors[0], "Pow") : nullptr;
  const bool powForm = pow && pow->inputs.size() == 2 && pow->inputs[0] == x && near(patterns::splatConstant(w.g, pow->inputs[1]), 3.0);
  if (!threeX && !powForm) return false;
  nodes.insert(nodes.end(), {scale, add, cube});
  nodes.insert(nodes.end(), outer.nodes.begin(), outer.nodes.end());
  nodes.insert(nodes.end(), c.nodes.begin(), c.nodes.end());
  if (powForm) nodes.push_back(pow);
  return true;
}

// 1 + erf(x / sqrt 2) or 1 + tanh(...) ending in `v`, for the given x.
std::optional<Match> matchOnePlus(const patterns::View& w, const std::string& v, const std::string& x) {
  const Node* add = w.soleProducer(v, "Add");
  if (!add || add->inputs.size() != 2) return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    if (!near(patterns::splatConstant(w.g, add->inputs[1 - side]), 1.0)) continue;
    const std::string& t = add->inputs[side];
    if (const Node* erf = w.soleProducer(t, "Erf")) {
      const Node* s = w.soleProducer(erf->inputs[0], "Div");
      const bool div = s && s->inputs.size() == 2 && s->inputs[0] == x && near(patterns::splatConstant(w.g, s->inputs[1]), std::sqrt(2.0));
      if (!div) {
        s = w.soleProducer(erf->inputs[0], "Mul");
        auto other = s ? patterns::otherOperand(*s, x) : std::nullopt;
        if (!other || !near(patterns::splatConstant(w.g, *other), 1 / std::sqrt(2.0))) continue;
      }
      return Match{x, {add, erf, s}, "none", 1};
    }
    if (const Node* th = w.soleProducer(t, "Tanh")) {
      Match m{x, {add, th}, "tanh", 1};
      if (matchTanhArgument(w, th->inputs[0], x, m.nodes)) return m;
    }
  }
  return std::nullopt;
}

std::optional<Match> matchGelu(const patterns::View& w, const Node& e) {
  if (e.op != "Mul" || e.inputs.size() != 2 || e.outputs.size() != 1 || e.attrs.has("activation")) return std::nullopt;
  Product p;
  collect(w, e, p);
  if (p.factors.size() != 2 || !near(p.constant, 0.5)) return std::nullopt;
  for (int k = 0; k < 2; ++k)
    if (auto m = matchOnePlus(w, p.factors[1 - k], p.factors[k])) {
      m->nodes.insert(m->nodes.end(), p.nodes.begin(), p.nodes.end());
      return m;
    }
  return std::nullopt;
}

// x * Sigmoid(x), or x * Sigmoid(alpha * x) with a splat constant alpha (Paddle's swish(beta)).
std::optional<Match> matchSwish(const patterns::View& w, const Node& e) {
  if (e.op != "Mul" || e.inputs.size() != 2 || e.outputs.size() != 1 || e.attrs.has("activation")) return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    const std::string& x = e.inputs[side];
    const Node* s = w.soleProducer(e.inputs[1 - side], "Sigmoid");
    if (!s) continue;
    if (s->inputs[0] == x) return Match{x, {s}, "", 1.0};
    const Node* scale = w.soleProducer(s->inputs[0], "Mul");
    auto other = scale ? patterns::otherOperand(*scale, x) : std::nullopt;
    auto alpha = other ? patterns::splatConstant(w.g, *other) : std::nullopt;
    if (alpha && static_cast<double>(static_cast<float>(*alpha)) == *alpha) return Match{x, {s, scale}, "", *alpha};
  }
  return std::nullopt;
}

// One rewrite of the first match; the node types and sharing rules of every fusion pass.
bool fuseOne(Graph& g, const PassOptions& opt, const std::string& op,
             std::optional<Match> (*match)(const patterns::View&, const Node&)) {
  if (!rewrite::anyNode(g, [](const Node& n) { return n.op == "Mul"; })) return false;
  const patterns::View w(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& e = g.nodes[i];
    if (e.op != "Mul") continue;
    std::optional<Match> m = match(w, e);
    if (!m || g.isConstant(m->x)) continue;
    const TensorType& t = g.typeOf(m->x);
    if (!isFloat(t.elem) || t.quant || g.typeOf(e.outputs[0]) != t) continue;
    bool ok = true;
    for (const Node* n : m->nodes) ok = ok && g.typeOf(n->outputs[0]) == t && rewrite::mayMerge(opt, e, *n);
    if (!ok) continue;
    std::vector<NodeId> origin = {e.id};
    std::unordered_set<NodeId> erase = {e.id};
    for (const Node* n : m->nodes)
      if (erase.insert(n->id).second) origin.push_back(n->id);
    Attributes a;
    if (!m->approximate.empty()) a.set("approximate", m->approximate);
    if (op == "Swish" && m->alpha != 1) a.set("alpha", static_cast<float>(m->alpha));
    const std::string name = e.name, y = e.outputs[0], x = m->x;
    rewrite::insertNode(g, i, op, name, {x}, {y}, a, origin);
    rewrite::eraseNodes(g, erase);
    return true;
  }
  return false;
}

PassInfo fusionPass(const char* name, const char* summary, const char* op,
                    std::optional<Match> (*match)(const patterns::View&, const Node&)) {
  return {name, summary, [op, match](Graph& g, const PassOptions& opt) {
            const bool changed = rewrite::repeatWhileChanging(g, [&](Graph& x) { return fuseOne(x, opt, op, match); });
            if (changed) rewrite::removeUnusedConstants(g);
            return changed;
          }};
}

}  // namespace

PassInfo fuseSwishPass() {
  return fusionPass("fuse-swish", "make x * Sigmoid(x) (or x * Sigmoid(alpha x)) one Swish (SiLU) node", "Swish", matchSwish);
}

PassInfo fuseGeluPass() {
  return fusionPass("fuse-gelu", "make GELU written with Erf (or its Tanh approximation), Add and Mul one Gelu node", "Gelu",
                    matchGelu);
}

}  // namespace nest
