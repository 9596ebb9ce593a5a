#include "core/ops/fused_activation.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/ops/op_helpers.h"

namespace nest::ops {

namespace {

struct KindInfo {
  const char* name;
  FusedActivationKind kind;
  size_t params;
};

constexpr KindInfo kKinds[] = {
    {"Relu", FusedActivationKind::Relu, 0},       {"Clip", FusedActivationKind::Clip, 2},
    {"LeakyRelu", FusedActivationKind::LeakyRelu, 1}, {"Sigmoid", FusedActivationKind::Sigmoid, 0},
    {"HardSwish", FusedActivationKind::HardSwish, 0},
};

const KindInfo* findKind(const std::string& name) {
  for (const KindInfo& k : kKinds)
    if (name == k.name) return &k;
  return nullptr;
}

// Same arithmetic as the standalone kernels in activation_ops.cpp (C is float or double).
template <typename C>
C activate(const FusedActivation& a, C x) {
  switch (a.kind) {
    case FusedActivationKind::Relu: return x > C(0) ? x : C(0);
    case FusedActivationKind::Clip: {
      const C l = static_cast<C>(a.params[0]), h = static_cast<C>(a.params[1]);
      const C v = x < l ? l : x;
      return h < v ? h : v;
    }
    case FusedActivationKind::LeakyRelu: {
      const double alpha = a.params[0];
      return x < C(0) ? static_cast<C>(alpha) * x : x;
    }
    case FusedActivationKind::Sigmoid: {
      if (x >= C(0)) return C(1) / (C(1) + std::exp(-x));
      const C e = std::exp(x);
      return e / (C(1) + e);
    }
    case FusedActivationKind::HardSwish: return x * std::clamp(x / C(6) + C(0.5), C(0), C(1));
  }
  return x;
}

template <typename T>
void applyTyped(const FusedActivation& a, Tensor& t) {
  void* p = t.rawMutable();
  const int64_t n = t.numElements();
  for (int64_t i = 0; i < n; ++i) Elem<T>::store(p, i, activate(a, Elem<T>::load(p, i)));
}

}  // namespace

const std::vector<AttrSpec>& fusedActivationAttrs() {
  static const std::vector<AttrSpec> attrs = {{"activation", AttrKind::String, true},
                                              {"activation_params", AttrKind::Floats, true}};
  return attrs;
}

const std::vector<std::string>& fusableActivationNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const KindInfo& k : kKinds) v.push_back(k.name);
    return v;
  }();
  return names;
}

void declareFusedActivations(OpDef& def) {
  def.attrs.insert(def.attrs.end(), fusedActivationAttrs().begin(), fusedActivationAttrs().end());
  def.fusableActivations = fusableActivationNames();
}

bool isFusableActivationName(const std::string& name) { return findKind(name) != nullptr; }

// Parses the attributes; on a problem returns nullopt and sets *error (without the node prefix).
static std::optional<FusedActivation> parseFused(const Node& node, std::string* error) {
  if (!node.attrs.has("activation")) {
    if (node.attrs.has("activation_params")) *error = "activation_params given without an activation";
    return std::nullopt;
  }
  const std::string name = node.attrs.getString("activation", "");
  const KindInfo* k = findKind(name);
  if (!k) {
    *error = "unknown fused activation '" + name + "' (expected Relu, Clip, LeakyRelu, Sigmoid or HardSwish)";
    return std::nullopt;
  }
  FusedActivation a{k->kind, node.attrs.getFloats("activation_params")};
  if (a.params.size() != k->params) {
    *error = "fused activation " + name + " takes " + std::to_string(k->params) + " activation_params, got " +
             std::to_string(a.params.size());
    return std::nullopt;
  }
  return a;
}

std::optional<FusedActivation> fusedActivationOf(const Node& node) {
  std::string error;
  std::optional<FusedActivation> a = parseFused(node, &error);
  if (!error.empty()) failBadInput(node.describe() + ": " + error);
  return a;
}

void checkFusedActivation(InferContext& ctx, ElemType elem) {
  std::string error;
  std::optional<FusedActivation> a = parseFused(ctx.node(), &error);
  if (!error.empty()) ctx.fail(error);
  if (a && elem != ElemType::F32 && elem != ElemType::F16 && elem != ElemType::F64)
    ctx.fail("a fused activation needs a float result, got " + std::string(elemTypeName(elem)));
}

void applyFusedActivation(const Node& node, Tensor& result) {
  std::optional<FusedActivation> a = fusedActivationOf(node);
  if (!a) return;
  switch (result.elem()) {
    case ElemType::F32: applyTyped<float>(*a, result); return;
    case ElemType::F64: applyTyped<double>(*a, result); return;
    case ElemType::F16: applyTyped<Half>(*a, result); return;
    default:
      failBadInput(node.describe() + ": a fused activation needs a float result, got " +
                   std::string(elemTypeName(result.elem())));
  }
}

}  // namespace nest::ops
