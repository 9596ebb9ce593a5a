#include "passes/quantization/lut_activations.h"

#include <algorithm>
#include <cmath>

#include "core/ops/fused_activation.h"
#include "core/quant_calibration.h"
#include "passes/rewrite.h"

namespace nest {

FloatRange preactivationRange(const std::string& op, FloatRange y) {
  if (op == "HardSwish") {
    // hswish(x) = x (x >= 3), x (x + 3) / 6 on [-3, 3], 0 below -3; increasing above -1.5.
    const double m = y.max;
    const double hi = m >= 3 ? m : (m > 0 ? (-3 + std::sqrt(9 + 24 * m)) / 2 : 0.0);
    return {-3.0f, static_cast<float>(hi)};
  }
  // Sigmoid: the logits of the range, inside the results a float can tell from 0 and 1.
  auto logit = [](double p) {
    p = std::clamp(p, 1e-7, 1 - 1e-7);
    return static_cast<float>(std::log(p / (1 - p)));
  };
  return {logit(y.min), logit(y.max)};
}

std::unordered_map<std::string, FloatRange> splitLutActivations(Graph& g, const QuantProfile& profile,
                                                                 const QuantConfig& config) {
  std::unordered_map<std::string, FloatRange> ranges;
  std::vector<Node> old = std::move(g.nodes);
  g.nodes.clear();
  for (Node& n : old) {
    auto act = ops::fusedActivationOf(n);
    const bool lut = act && (act->kind == ops::FusedActivationKind::HardSwish || act->kind == ops::FusedActivationKind::Sigmoid);
    const ValueProfile* p = lut && n.outputs.size() == 1 ? profile.find(n.outputs[0]) : nullptr;
    const QuantSettings s = config.settingsFor(n);
    if (!p || config.keepsFloat(n)) {
      g.nodes.push_back(std::move(n));
      continue;
    }
    const std::string op = act->kind == ops::FusedActivationKind::HardSwish ? "HardSwish" : "Sigmoid";
    const std::string result = n.outputs[0];
    const std::string pre = g.freshValueName(result + "_preact");
    g.setType(pre, g.typeOf(result));
    n.attrs.erase("activation");
    n.attrs.erase("activation_params");
    n.outputs[0] = pre;
    const FloatRange y = calibrateRange(p->min, p->max, p->histogram, s.calibration, s.schema, s.precision);
    ranges[pre] = preactivationRange(op, y);
    Node a;
    a.id = g.nextId();
    g.reserveId(a.id);
    a.op = op;
    a.name = n.name.empty() ? "" : n.name + "_act";
    a.inputs = {pre};
    a.outputs = {result};
    a.origin = {n.id};
    a.key = n.key;  // a node a pass creates takes the key of the node it came from
    g.nodes.push_back(std::move(n));
    g.nodes.push_back(std::move(a));
  }
  return ranges;
}

}  // namespace nest
