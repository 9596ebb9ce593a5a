#include "passes/quantization/high_bias_absorption.h"

#include <algorithm>
#include <limits>

#include "passes/rewrite.h"

namespace nest {

namespace {

bool constF32(const Graph& g, const std::string& v) {
  return g.isConstant(v) && g.constant(v)->elem() == ElemType::F32;
}

bool unpadded(const Node& n) {
  const std::string autoPad = n.attrs.getString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID") return false;
  if (!n.attrs.has("pads")) return true;
  const auto pads = n.attrs.getInts("pads");
  return std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; });
}

Tensor deepCopy(const Tensor& t) { return Tensor(t.type(), t.raw()); }

}  // namespace

int absorbHighBiases(Graph& g, QuantProfile& profile) {
  int absorbed = 0;
  auto cons = rewrite::consumers(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& a = g.nodes[i];
    if (a.op != "Conv" || a.outputs.size() != 1 || a.attrs.getString("activation", "") != "Relu") continue;
    if (!constF32(g, a.inputs.at(1)) || !a.hasInput(2) || !constF32(g, a.inputs[2])) continue;
    if (rewrite::isGraphOutput(g, a.outputs[0])) continue;
    auto it = cons.find(a.outputs[0]);
    if (it == cons.end() || it->second.size() != 1) continue;
    const size_t bi = it->second[0];
    const Node& b = g.nodes[bi];
    if (b.op != "Conv" || b.inputs.at(0) != a.outputs[0] || !constF32(g, b.inputs.at(1)) || !unpadded(b)) continue;
    if (b.hasInput(2) && !constF32(g, b.inputs[2])) continue;
    const Tensor& w2 = *g.constant(b.inputs[1]);
    const int64_t channels = g.constant(a.inputs[1])->shape()[0];
    const int64_t group = b.attrs.getInt("group", 1);
    const bool depthwise = group != 1;
    if (depthwise ? (w2.shape()[1] != 1 || group != channels || w2.shape()[0] != channels) : w2.shape()[1] != channels) continue;
    ValueProfile* vp = nullptr;
    for (ValueProfile& v : profile.values)
      if (v.name == a.outputs[0]) vp = &v;
    if (!vp || static_cast<int64_t>(vp->channelMins.size()) != channels) continue;
    std::vector<double> c(static_cast<size_t>(channels));
    bool any = false;
    for (int64_t ch = 0; ch < channels; ++ch) {
      c[ch] = std::max(0.0f, vp->channelMins[ch]);
      any = any || c[ch] > 0;
    }
    if (!any) continue;
    // Conv1's bias loses c; Conv2's bias gains W2 · c per output channel (times its output_scale).
    Tensor b1 = deepCopy(*g.constant(a.inputs[2]));
    for (int64_t ch = 0; ch < channels; ++ch) b1.mutableData<float>()[ch] -= static_cast<float>(c[ch]);
    const int64_t outputs = w2.shape()[0], inner = w2.numElements() / (w2.shape()[0] * w2.shape()[1]);
    std::vector<double> shift(static_cast<size_t>(outputs), 0.0);
    const float* pw = w2.data<float>();
    for (int64_t k = 0; k < w2.numElements(); ++k) {
      const int64_t o = k / (w2.shape()[1] * inner);
      const int64_t in = depthwise ? o : (k / inner) % w2.shape()[1];
      shift[o] += static_cast<double>(pw[k]) * c[in];
    }
    if (b.attrs.has("output_scale")) {
      const Floats s = b.attrs.getFloats("output_scale");
      for (int64_t o = 0; o < outputs && static_cast<size_t>(o) < s.size(); ++o) shift[o] *= s[o];
    }
    Tensor b2 = b.hasInput(2) ? deepCopy(*g.constant(b.inputs[2])) : Tensor(TensorType(ElemType::F32, {outputs}));
    for (int64_t o = 0; o < outputs; ++o) b2.mutableData<float>()[o] += static_cast<float>(shift[o]);
    const std::string b1Name = rewrite::addConstant(g, g.nodes[i].inputs[2] + "_hba", b1);
    const std::string b2Name =
        rewrite::addConstant(g, (b.hasInput(2) ? b.inputs[2] : b.inputs[1] + "_bias") + "_hba", b2);
    g.nodes[i].inputs[2] = b1Name;
    g.nodes[bi].inputs.resize(3);
    g.nodes[bi].inputs[2] = b2Name;
    // Conv1's result moved down by c per channel: its profiled range follows, its histogram
    // cannot (per-tensor bins mix the channels), so calibration falls back to min/max for it.
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (int64_t ch = 0; ch < channels; ++ch) {
      vp->channelMins[ch] = std::max(0.0f, vp->channelMins[ch] - static_cast<float>(c[ch]));
      vp->channelMaxs[ch] -= static_cast<float>(c[ch]);
      if (static_cast<size_t>(ch) < vp->channelMeans.size()) vp->channelMeans[ch] -= c[ch];
      lo = std::min(lo, vp->channelMins[ch]);
      hi = std::max(hi, vp->channelMaxs[ch]);
    }
    vp->min = lo;
    vp->max = hi;
    vp->histogram.clear();
    ++absorbed;
  }
  if (absorbed) rewrite::removeUnusedConstants(g);
  return absorbed;
}

}  // namespace nest
