// equalize-cross-layer: cross-layer weight equalization (Nagel et al. 2019, "Data-Free
// Quantization Through Weight Equalization and Bias Correction", section 4.1), an optional pass
// before quantization. Depthwise-separable networks have per-output-channel weight ranges that
// differ by orders of magnitude, so one per-tensor scale wastes most levels on the small channels.
//
// What it does. For a pair Conv1 -> [fused Relu or none] -> Conv2 where Conv1's result is read only
// by Conv2, every channel c between them is rescaled: Conv1's output channel c (weights, bias, or
// its output_scale when fold-batchnorm left one) is divided by s_c and Conv2's input channel c
// multiplied by s_c, with s_c = sqrt(r1_c * r2_c) / r2_c (r1_c: max |weight| of Conv1's output
// channel c, r2_c: of Conv2's input channel c). Both ranges become sqrt(r1_c * r2_c). Pairs are
// visited in graph order and the whole sweep repeats (a Conv can be the second of one pair and
// the first of the next) until no scale moves by more than 1e-4, at most 30 sweeps.
//
// Why it is correct. relu(y / s) = relu(y) / s for s > 0, and Conv2 is linear in each input
// channel, so Conv2's result is unchanged in real arithmetic (zero padding stays zero). Clip
// (ReLU6) is not positively homogeneous, so pairs through Clip are left alone.
//
// When it does not apply. Both Convs f32 with constant weights (and bias), Conv1 with group 1 or
// depthwise, Conv2 with group 1 or depthwise (group = channels, one input channel per group), no
// activation other than Relu on Conv1, Conv1's result not a graph output. New weights are NEW
// constants (the old ones may be shared). Each rewritten Conv records its partner in its
// provenance (origin).
#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

struct Pair {
  size_t first, second;  // indices in g.nodes
};

bool plainConv(const Graph& g, const Node& n) {
  if (n.op != "Conv" || n.outputs.size() != 1 || n.inputs.size() < 2 || !g.isConstant(n.inputs[1])) return false;
  if (n.hasInput(2) && !g.isConstant(n.inputs[2])) return false;
  if (g.typeOf(n.outputs[0]).elem != ElemType::F32 || g.constant(n.inputs[1])->elem() != ElemType::F32) return false;
  if (n.hasInput(2) && g.constant(n.inputs[2])->elem() != ElemType::F32) return false;
  const int64_t group = n.attrs.getInt("group", 1);
  const Shape& w = g.constant(n.inputs[1])->shape();
  return w.size() >= 3 && (group == 1 || (w[1] == 1 && group == w[0]));
}

std::vector<Pair> findPairs(const Graph& g) {
  std::vector<Pair> pairs;
  auto cons = rewrite::consumers(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& a = g.nodes[i];
    if (!plainConv(g, a) || rewrite::isGraphOutput(g, a.outputs[0])) continue;
    if (a.attrs.has("activation") && a.attrs.getString("activation", "") != "Relu") continue;
    auto it = cons.find(a.outputs[0]);
    if (it == cons.end() || it->second.size() != 1) continue;
    const Node& b = g.nodes[it->second[0]];
    if (!plainConv(g, b) || b.inputs[0] != a.outputs[0]) continue;
    const int64_t channels = g.constant(a.inputs[1])->shape()[0];
    const int64_t group = b.attrs.getInt("group", 1);
    const Shape& w2 = g.constant(b.inputs[1])->shape();
    if (group == 1 ? w2[1] != channels : w2[0] != channels) continue;
    pairs.push_back({i, it->second[0]});
  }
  return pairs;
}

// Conv1's effective per-output-channel weights include its output_scale.
std::vector<double> outputScale(const Node& n, int64_t channels) {
  std::vector<double> s(static_cast<size_t>(channels), 1.0);
  if (n.attrs.has("output_scale")) {
    const Floats f = n.attrs.getFloats("output_scale");
    for (int64_t c = 0; c < channels && static_cast<size_t>(c) < f.size(); ++c) s[c] = f[c];
  }
  return s;
}

// Working copies of the weights and biases being equalized (deep copies: Tensor copies share
// their bytes, and the old constants may be shared), written back once at the end.
struct Work {
  std::map<size_t, Tensor> weights, biases;
  Tensor& weight(const Graph& g, size_t node) {
    auto it = weights.find(node);
    if (it != weights.end()) return it->second;
    const Tensor& t = *g.constant(g.nodes[node].inputs[1]);
    return weights.emplace(node, Tensor(t.type(), t.raw())).first->second;
  }
  Tensor* bias(const Graph& g, size_t node) {
    if (!g.nodes[node].hasInput(2)) return nullptr;
    auto it = biases.find(node);
    if (it != biases.end()) return &it->second;
    const Tensor& t = *g.constant(g.nodes[node].inputs[2]);
    return &biases.emplace(node, Tensor(t.type(), t.raw())).first->second;
  }
};

// One pair equalized; returns the largest |log s_c|.
double equalizePair(const Graph& g, Work& work, const Pair& p) {
  const Node& a = g.nodes[p.first];
  const Node& b = g.nodes[p.second];
  Tensor& w1 = work.weight(g, p.first);
  Tensor& w2 = work.weight(g, p.second);
  const int64_t channels = w1.shape()[0];
  const bool depthwise2 = b.attrs.getInt("group", 1) != 1;
  const std::vector<double> scale1 = outputScale(a, channels);
  const int64_t per1 = w1.numElements() / channels;
  std::vector<double> r1(static_cast<size_t>(channels), 0), r2(static_cast<size_t>(channels), 0);
  const float* p1 = w1.data<float>();
  for (int64_t i = 0; i < w1.numElements(); ++i) {
    const int64_t c = i / per1;
    r1[c] = std::max(r1[c], std::fabs(p1[i] * scale1[c]));
  }
  // Conv2's input channel c: W2[c] for depthwise, W2[:, c] for group 1.
  const Shape& s2 = w2.shape();
  const int64_t inner = w2.numElements() / (s2[0] * s2[1]);
  auto channelOf2 = [&](int64_t i) { return depthwise2 ? i / (s2[1] * inner) : (i / inner) % s2[1]; };
  const float* p2 = w2.data<float>();
  for (int64_t i = 0; i < w2.numElements(); ++i) r2[channelOf2(i)] = std::max(r2[channelOf2(i)], double(std::fabs(p2[i])));
  std::vector<double> s(static_cast<size_t>(channels), 1.0);
  double moved = 0;
  for (int64_t c = 0; c < channels; ++c) {
    if (r1[c] > 0 && r2[c] > 0) s[c] = std::sqrt(r1[c] * r2[c]) / r2[c];
    moved = std::max(moved, std::fabs(std::log(s[c])));
  }
  if (moved < 1e-9) return 0;
  float* q1 = w1.mutableData<float>();
  for (int64_t i = 0; i < w1.numElements(); ++i) q1[i] = static_cast<float>(q1[i] / s[i / per1]);
  float* q2 = w2.mutableData<float>();
  for (int64_t i = 0; i < w2.numElements(); ++i) q2[i] = static_cast<float>(q2[i] * s[channelOf2(i)]);
  if (Tensor* bias = work.bias(g, p.first)) {
    float* pb = bias->mutableData<float>();
    for (int64_t c = 0; c < bias->numElements(); ++c) pb[c] = static_cast<float>(pb[c] / s[c]);
  }
  return moved;
}

bool run(Graph& g, const PassOptions&) {
  const std::vector<Pair> pairs = findPairs(g);
  if (pairs.empty()) return false;
  Work work;
  for (int sweep = 0; sweep < 30; ++sweep) {
    double moved = 0;
    for (const Pair& p : pairs) moved = std::max(moved, equalizePair(g, work, p));
    if (moved < 1e-4) break;
  }
  for (auto& [node, w] : work.weights) g.nodes[node].inputs[1] = rewrite::addConstant(g, g.nodes[node].inputs[1] + "_cle", w);
  for (auto& [node, b] : work.biases) g.nodes[node].inputs[2] = rewrite::addConstant(g, g.nodes[node].inputs[2] + "_cle", b);
  for (const Pair& p : pairs)
    for (auto [self, partner] : {std::pair{p.first, p.second}, std::pair{p.second, p.first}}) {
      Node& n = g.nodes[self];
      if (n.origin.empty()) n.origin.push_back(n.id);
      const NodeId other = g.nodes[partner].id;
      if (std::find(n.origin.begin(), n.origin.end(), other) == n.origin.end()) n.origin.push_back(other);
    }
  rewrite::removeUnusedConstants(g);
  return true;
}

}  // namespace

PassInfo equalizeCrossLayerPass() {
  return {"equalize-cross-layer",
          "cross-layer weight equalization of Conv -> [Relu] -> Conv pairs (depthwise included) before quantization", run};
}

}  // namespace nest
