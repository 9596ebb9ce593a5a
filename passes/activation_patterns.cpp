#include "passes/activation_patterns.h"

#include <cmath>
#include <limits>

#include "core/ops/fused_activation.h"
#include "passes/rewrite.h"

namespace nest::patterns {

std::optional<double> splatConstant(const Graph& g, const std::string& v) {
  const Tensor* t = g.isConstant(v) ? g.constant(v) : nullptr;
  if (!t || t->numElements() < 1 || t->type().quant) return std::nullopt;
  const double first = t->getDouble(0);
  if (!std::isfinite(first)) return std::nullopt;
  for (int64_t i = 1; i < t->numElements(); ++i)
    if (t->getDouble(i) != first) return std::nullopt;
  return first;
}

bool near(std::optional<double> a, double b) { return a && std::fabs(*a - b) <= 1e-6 * std::max(1.0, std::fabs(b)); }

View::View(const Graph& graph) : g(graph), uses(rewrite::useCounts(graph)), producers(rewrite::producers(graph)) {}

const Node* View::soleProducer(const std::string& v, const std::string& op) const {
  auto p = producers.find(v);
  if (p == producers.end()) return nullptr;
  const Node& n = g.nodes[p->second];
  auto u = uses.find(v);
  if (n.op != op || n.outputs.size() != 1 || n.attrs.has("activation") || u == uses.end() || u->second != 1 ||
      rewrite::isGraphOutput(g, v))
    return nullptr;
  return &n;
}

std::optional<std::string> otherOperand(const Node& n, const std::string& v) {
  if (n.inputs.size() != 2) return std::nullopt;
  if (n.inputs[0] == v && n.inputs[1] != v) return n.inputs[1];
  if (n.inputs[1] == v && n.inputs[0] != v) return n.inputs[0];
  return std::nullopt;
}

std::optional<std::pair<double, double>> clipBounds(const Node& clip) {
  auto bound = [&](const char* name, double absent) -> std::optional<double> {
    auto it = clip.attrs.all().find(name);
    if (it == clip.attrs.all().end()) return absent;
    if (const Tensor* t = std::get_if<Tensor>(&it->second)) {
      if (t->numElements() != 1 || t->type().quant) return std::nullopt;
      return t->getDouble(0);
    }
    if (const float* f = std::get_if<float>(&it->second)) return *f;
    return std::nullopt;
  };
  const double inf = std::numeric_limits<double>::infinity();
  auto lo = bound("min", -inf), hi = bound("max", inf);
  if (!lo || !hi) return std::nullopt;
  return std::make_pair(*lo, *hi);
}

}  // namespace nest::patterns
