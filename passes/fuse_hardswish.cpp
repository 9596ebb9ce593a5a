// fuse-hardswish: recognises a hard-swish that an exporter wrote out as elementary ops and makes
// it one HardSwish node (ONNX HardSwish, opset 14), so later passes and the quantizer see one
// activation (docs/quantization.md, "Lookup-table activations": a decomposed hard-swish quantized
// op by op loses 2-6 dB per instance).
//
// What it does. With x any value, c3, c6 splat constants 3 and 6 (1/6 as a float constant for
// the multiplications), and either operand order for Add and Mul:
//   Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6)       Mul(Mul(x, Clip(Add(x, 3), 0, 6)), 1/6)
//   Mul(x, Div(Clip(Add(x, 3), 0, 6), 6))       Mul(x, Mul(Clip(Add(x, 3), 0, 6), 1/6))
//   Mul(x, HardSigmoid(x, alpha=1/6, beta=0.5))
// (an Add carrying a fused Clip [0, 6] stands for Add + Clip) becomes HardSwish(x). The new node
// takes the final node's result and name and records every matched node as its origin.
//
// Why it is correct. Each form is x * min(max(x + 3, 0), 6) / 6 = HardSwish(x) in real
// arithmetic. In f32 the result may differ in the last bit (one rounding of x/6 + 0.5 against
// the chain's three roundings).
//
// When it does not apply. Every intermediate value must be used only inside the pattern and not
// be a graph output; all values must have x's float type and shape (no broadcasting); the
// constants must be the exact numbers (1/6 within 1e-6 relative).
#include "passes/activation_patterns.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

using patterns::near;

struct Match {
  std::string x;
  std::vector<const Node*> nodes;  // every matched node but the final one
};

// clip(x + 3, 0, 6) ending in value `v`: a Clip of an Add, or an Add with the Clip fused.
std::optional<Match> matchRelu6Shift(const patterns::View& w, const std::string& v) {
  const Graph& g = w.g;
  const Node* clip = w.soleProducer(v, "Clip");
  const Node* add = nullptr;
  if (clip) {
    auto b = patterns::clipBounds(*clip);
    if (!b || b->first != 0 || b->second != 6 || clip->inputs.size() != 1) return std::nullopt;
    add = w.soleProducer(clip->inputs[0], "Add");
  } else if (auto p = w.producers.find(v); p != w.producers.end()) {
    // The Add with Clip [0, 6] fused by fuse-activations.
    const Node& n = g.nodes[p->second];
    const Floats params = n.attrs.getFloats("activation_params", {});
    if (n.op == "Add" && n.attrs.getString("activation", "") == "Clip" && params == Floats{0.0f, 6.0f} &&
        w.uses.at(v) == 1 && !rewrite::isGraphOutput(g, v))
      add = &n;
    if (add) {
      for (int side = 0; side < 2; ++side)
        if (near(patterns::splatConstant(g, add->inputs[1 - side]), 3.0) && !g.isConstant(add->inputs[side]))
          return Match{add->inputs[side], {add}};
    }
    return std::nullopt;
  }
  if (!add || add->inputs.size() != 2) return std::nullopt;
  for (int side = 0; side < 2; ++side)
    if (near(patterns::splatConstant(g, add->inputs[1 - side]), 3.0) && !g.isConstant(add->inputs[side]))
      return Match{add->inputs[side], {add, clip}};
  return std::nullopt;
}

// `v` = c / 6 spelled Div(c, 6) or Mul(c, 1/6): the non-constant operand and the node.
std::optional<std::pair<std::string, const Node*>> matchSixth(const patterns::View& w, const Node& n) {
  if (n.inputs.size() != 2 || n.attrs.has("activation")) return std::nullopt;
  if (n.op == "Div" && near(patterns::splatConstant(w.g, n.inputs[1]), 6.0)) return std::make_pair(n.inputs[0], &n);
  if (n.op == "Mul")
    for (int side = 0; side < 2; ++side)
      if (near(patterns::splatConstant(w.g, n.inputs[1 - side]), 1.0 / 6.0)) return std::make_pair(n.inputs[side], &n);
  return std::nullopt;
}

// x * HardSigmoid(x) or x * relu6shift(x) [/ 6] for the Mul `m`; `sixthInside` tells whether the
// 1/6 is still to be found inside the other operand.
std::optional<Match> matchProduct(const patterns::View& w, const Node& m, bool sixthInside) {
  if (m.op != "Mul" || m.inputs.size() != 2 || m.attrs.has("activation")) return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    const std::string& x = m.inputs[side];
    const std::string& other = m.inputs[1 - side];
    if (x == other || w.g.isConstant(x)) continue;
    if (sixthInside) {
      if (const Node* hs = w.soleProducer(other, "HardSigmoid")) {
        if (hs->inputs[0] == x && near(hs->attrs.getFloat("alpha", 0.2f), 1.0 / 6.0) && hs->attrs.getFloat("beta", 0.5f) == 0.5f)
          return Match{x, {hs}};
        continue;
      }
      auto p = w.producers.find(other);
      if (p == w.producers.end() || w.uses.at(other) != 1 || rewrite::isGraphOutput(w.g, other)) continue;
      auto s = matchSixth(w, w.g.nodes[p->second]);
      if (!s) continue;
      auto r = matchRelu6Shift(w, s->first);
      if (r && r->x == x) {
        r->nodes.push_back(s->second);
        return r;
      }
    } else {
      auto r = matchRelu6Shift(w, other);
      if (r && r->x == x) return r;
    }
  }
  return std::nullopt;
}

std::optional<Match> matchAt(const patterns::View& w, const Node& e) {
  if (e.outputs.size() != 1) return std::nullopt;
  if (auto s = matchSixth(w, e)) {  // (x * relu6shift(x)) / 6
    if (const Node* m = w.soleProducer(s->first, "Mul"))
      if (auto r = matchProduct(w, *m, false)) {
        r->nodes.push_back(m);
        return r;
      }
  }
  return matchProduct(w, e, true);  // x * (relu6shift(x) / 6), x * HardSigmoid(x)
}

bool fuseOne(Graph& g, const PassOptions& opt) {
  if (!rewrite::anyNode(g, [](const Node& n) { return n.op == "Mul" || n.op == "Div"; })) return false;
  const patterns::View w(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& e = g.nodes[i];
    if (e.op != "Mul" && e.op != "Div") continue;
    std::optional<Match> m = matchAt(w, e);
    if (!m) continue;
    const TensorType& t = g.typeOf(m->x);
    if (!isFloat(t.elem) || t.quant || g.typeOf(e.outputs[0]) != t) continue;
    bool sameType = true, mergeable = true;
    for (const Node* n : m->nodes) {
      sameType = sameType && g.typeOf(n->outputs[0]) == t;
      mergeable = mergeable && rewrite::mayMerge(opt, e, *n);
    }
    if (!sameType || !mergeable) continue;
    std::vector<NodeId> origin = {e.id};
    std::unordered_set<NodeId> erase = {e.id};
    for (const Node* n : m->nodes) {
      origin.push_back(n->id);
      erase.insert(n->id);
    }
    const std::string name = e.name, y = e.outputs[0], x = m->x;
    rewrite::insertNode(g, i, "HardSwish", name, {x}, {y}, {}, origin);
    rewrite::eraseNodes(g, erase);
    return true;
  }
  return false;
}

bool run(Graph& g, const PassOptions& opt) {
  const bool changed = rewrite::repeatWhileChanging(g, [&](Graph& x) { return fuseOne(x, opt); });
  if (changed) rewrite::removeUnusedConstants(g);
  return changed;
}

}  // namespace

PassInfo fuseHardSwishPass() {
  return {"fuse-hardswish", "make a hard-swish written as Add, Clip, Mul and Div (or x * HardSigmoid(x)) one HardSwish node", run};
}

}  // namespace nest
