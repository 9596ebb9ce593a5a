// fuse-activations: turns an activation node that follows a producer that declares it (the op
// table's OpDef::fusableActivations: Conv, Gemm and Add today) into that node's fused activation
// (attributes `activation` / `activation_params`, see core/ops/fused_activation.h).
//
// What it does. An activation (Relu, Clip with constant bounds — Relu6 is Clip 0..6 —, LeakyRelu,
// Sigmoid, HardSwish) whose operand is the result of an op that lists it becomes that producer's `activation`; the
// producer takes over the activation's result (and its name when it is a graph output) and the
// activation node is removed. Clip becomes params [min, max] (an absent bound is -inf / +inf),
// LeakyRelu params [alpha].
//
// Why it is correct. The kernels apply a fused activation to their result with exactly the
// arithmetic of the standalone activation kernel, so results are bit-identical.
//
// When it does not apply. The producer's result must be used only by the activation and not be a
// graph output (nobody else may see the values before the activation); the producer must not carry
// an activation already; the element type must be a float type; Clip bounds must be exactly
// representable as f32 (they are stored as Floats).
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/ops/fused_activation.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

// A Clip bound (attribute `name`) as a float; nullopt when it cannot be stored exactly.
std::optional<float> clipBound(const Attributes& attrs, const std::string& name, float absent) {
  auto it = attrs.all().find(name);
  if (it == attrs.all().end()) return absent;
  double v;
  if (const Tensor* t = std::get_if<Tensor>(&it->second)) {
    if (t->numElements() != 1) return std::nullopt;
    v = t->getDouble(0);
  } else if (const float* f = std::get_if<float>(&it->second)) {
    v = *f;
  } else {
    return std::nullopt;
  }
  const float f = static_cast<float>(v);
  if (std::isnan(v) || static_cast<double>(f) != v) return std::nullopt;
  return f;
}

// The fused form (params) of activation node `a`, or nullopt when it has none.
std::optional<Floats> fusedParams(const Node& a) {
  if (a.op == "Relu" || a.op == "Sigmoid" || a.op == "HardSwish") return Floats{};
  if (a.op == "LeakyRelu") return Floats{a.attrs.getFloat("alpha", 0.01f)};
  if (a.op == "Clip") {
    const float inf = std::numeric_limits<float>::infinity();
    std::optional<float> lo = clipBound(a.attrs, "min", -inf), hi = clipBound(a.attrs, "max", inf);
    if (!lo || !hi) return std::nullopt;
    return Floats{*lo, *hi};
  }
  return std::nullopt;
}

// One sweep over the graph: every qualifying activation is fused into its producer. Fusions are
// independent (the producer's result has the activation as its only user, and a producer that
// received an activation cannot take another), so they are collected first and the graph is
// rewritten once — linear in the graph size, not one rescan per fusion.
bool run(Graph& g, const PassOptions& opt) {
  auto uses = rewrite::useCounts(g);
  auto prod = rewrite::producers(g);
  std::unordered_map<std::string, std::string> rename;  // activation result -> producer result
  std::unordered_set<NodeId> fused;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& a = g.nodes[i];
    if (!ops::isFusableActivationName(a.op) || a.inputs.size() != 1 || a.outputs.size() != 1) continue;
    const std::string x = a.inputs[0];
    auto pit = prod.find(x);
    if (pit == prod.end() || uses[x] != 1 || rewrite::isGraphOutput(g, x)) continue;
    Node& q = g.nodes[pit->second];
    const OpDef* qdef = OpTable::instance().find(q.op);
    if (!qdef || !qdef->fuses(a.op)) continue;
    if (q.outputs.size() != 1 || q.attrs.has("activation") || q.attrs.has("activation_params")) continue;
    const TensorType& t = g.typeOf(x);
    if (!isFloat(t.elem) || t.quant || g.typeOf(a.outputs[0]) != t) continue;
    std::optional<Floats> params = fusedParams(a);
    if (!params) continue;
    q.attrs.set("activation", a.op);
    if (!params->empty()) q.attrs.set("activation_params", *params);
    if (!rewrite::mayMerge(opt, q, a))
      rewrite::note(opt, a.describe() + " is fused into " + q.describe() + " and follows its device and precision");
    rewrite::absorb(q, a);
    if (rewrite::isGraphOutput(g, a.outputs[0])) {
      // The graph output keeps its name: the producer now defines it (x had no other user).
      q.outputs[0] = a.outputs[0];
      g.eraseType(x);
    } else {
      rename[a.outputs[0]] = x;
    }
    fused.insert(a.id);
  }
  if (fused.empty()) return false;
  for (Node& n : g.nodes)
    for (std::string& in : n.inputs)
      if (auto it = rename.find(in); it != rename.end()) in = it->second;
  rewrite::eraseNodes(g, fused);
  return true;
}

}  // namespace

PassInfo fuseActivationsPass() {
  return {"fuse-activations", "fuse Relu, Clip, LeakyRelu, Sigmoid, HardSwish into the preceding Conv, Gemm or Add", run};
}

}  // namespace nest
