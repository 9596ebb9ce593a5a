// merge-pad: folds a zero-valued constant-mode Pad of the spatial dimensions into the padding of
// the Conv or AveragePool (count_include_pad = 1) that consumes it.
//
// What it does. Pad(x, pads) -> Conv(pads = p) becomes Conv(x, pads = p + pads), likewise for an
// AveragePool that counts padding in its divisor. The consumer absorbs the Pad node.
//
// Why it is correct. Conv's implicit padding is zeros, exactly what a constant Pad with value 0
// inserts, so each window sees the same values. An AveragePool with count_include_pad = 1 divides by
// the full window size whether the zeros are explicit or implicit padding (ceil_mode = 0 keeps every
// window inside the padded extent, so no window is clipped differently).
//
// When it does not apply. The Pad must be constant mode with value 0, pad only dims 2 and up (not
// batch or channel) and by non-negative amounts (negative pads crop); its result must be used only
// by the consumer, as the consumer's data operand, and not be a graph output; the consumer's
// auto_pad must be NOTSET (or absent); an AveragePool must have count_include_pad = 1 and
// ceil_mode = 0; the merged node must infer the same result type.
#include <optional>

#include "core/error.h"
#include "passes/all_passes.h"
#include "passes/rewrite.h"

namespace nest {

namespace {

// Per-axis begin/end pads of a Pad node on an operand of rank `rank`, or nullopt if not a zero
// constant pad with valid attributes.
std::optional<std::pair<Ints, Ints>> zeroPadAmounts(const Node& pad, int64_t rank) {
  if (pad.attrs.getString("mode", "constant") != "constant") return std::nullopt;
  for (const char* name : {"constant_value", "value"}) {
    auto it = pad.attrs.all().find(name);
    if (it == pad.attrs.all().end()) continue;
    if (const Tensor* t = std::get_if<Tensor>(&it->second)) {
      if (t->numElements() > 1 || (t->numElements() == 1 && t->getDouble(0) != 0.0)) return std::nullopt;
    } else if (const float* f = std::get_if<float>(&it->second)) {
      if (*f != 0.0f) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  Ints pads = pad.attrs.getInts("pads");
  Ints axes = pad.attrs.getInts("axes");
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  const size_t n = axes.size();
  if (pads.empty()) pads.assign(2 * n, 0);
  if (pads.size() != 2 * n) return std::nullopt;
  Ints begin(static_cast<size_t>(rank), 0), end(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < n; ++i) {
    int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (a < 0 || a >= rank) return std::nullopt;
    begin[a] += pads[i];
    end[a] += pads[i + n];
  }
  return std::make_pair(begin, end);
}

bool mergeOne(Graph& g, const PassOptions& opt) {
  if (!rewrite::anyNode(g, [](const Node& n) { return n.op == "Pad"; })) return false;  // nothing to merge
  auto uses = rewrite::useCounts(g);
  auto prod = rewrite::producers(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& c = g.nodes[i];
    const bool conv = c.op == "Conv";
    const bool avg = c.op == "AveragePool" && c.attrs.getInt("count_include_pad", 0) == 1 &&
                     c.attrs.getInt("ceil_mode", 0) == 0;
    if ((!conv && !avg) || c.inputs.empty()) continue;
    if (c.attrs.getString("auto_pad", "NOTSET") != "NOTSET") continue;
    const std::string x = c.inputs[0];
    auto pit = prod.find(x);
    if (pit == prod.end() || uses[x] != 1 || rewrite::isGraphOutput(g, x)) continue;
    const Node& pad = g.nodes[pit->second];
    if (pad.op != "Pad" || pad.inputs.size() != 1 || pad.outputs.size() != 1) continue;
    if (!rewrite::mayMerge(opt, c, pad)) continue;
    const int64_t rank = g.typeOf(pad.inputs[0]).rank();
    if (rank < 3) continue;
    auto amounts = zeroPadAmounts(pad, rank);
    if (!amounts) continue;
    const auto& [begin, end] = *amounts;
    bool ok = begin[0] == 0 && end[0] == 0 && begin[1] == 0 && end[1] == 0;
    for (int64_t d = 0; d < rank; ++d) ok = ok && begin[d] >= 0 && end[d] >= 0;
    if (!ok) continue;
    const int64_t spatial = rank - 2;
    Ints pads = c.attrs.getInts("pads");
    if (pads.empty()) pads.assign(static_cast<size_t>(2 * spatial), 0);
    if (static_cast<int64_t>(pads.size()) != 2 * spatial) continue;
    for (int64_t d = 0; d < spatial; ++d) {
      pads[d] += begin[d + 2];
      pads[d + spatial] += end[d + 2];
    }
    // Check the merged node before changing anything.
    Node merged = c;
    merged.inputs[0] = pad.inputs[0];
    merged.attrs.set("pads", pads);
    std::vector<const TensorType*> inTypes;
    for (const std::string& in : merged.inputs) inTypes.push_back(in.empty() ? nullptr : &g.typeOf(in));
    try {
      std::vector<TensorType> out = inferNodeTypes(*OpTable::instance().find(c.op), merged, inTypes);
      if (out.size() != c.outputs.size() || out[0] != g.typeOf(c.outputs[0])) continue;
    } catch (const Error&) {
      continue;
    }
    const Node padCopy = pad;
    Node& target = g.nodes[i];
    target.inputs[0] = padCopy.inputs[0];
    target.attrs.set("pads", pads);
    rewrite::absorb(target, padCopy);
    rewrite::eraseNodes(g, {padCopy.id});
    return true;
  }
  return false;
}

bool run(Graph& g, const PassOptions& opt) {
  const bool changed = rewrite::repeatWhileChanging(g, [&](Graph& x) { return mergeOne(x, opt); });
  return changed;
}

}  // namespace

PassInfo mergePadPass() {
  return {"merge-pad", "fold a zero constant Pad of spatial dims into the following Conv / AveragePool pads", run};
}

}  // namespace nest
