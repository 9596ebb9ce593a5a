#include "backends/npu/conv_tiling.h"

#include <algorithm>
#include <set>

namespace nest::npu {

namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// n, ceil(n/2), ceil(n/4), ... 1.
std::vector<int64_t> halvings(int64_t n) {
  std::vector<int64_t> out;
  for (int64_t d = 1;; d *= 2) {
    const int64_t v = ceilDiv(n, d);
    if (out.empty() || out.back() != v) out.push_back(v);
    if (v == 1) break;
  }
  return out;
}

// Tile sizes that split n into k nearly equal tiles, k = 1..limit (distinct sizes).
std::vector<int64_t> evenSplits(int64_t n, int64_t limit) {
  std::set<int64_t, std::greater<>> sizes;
  for (int64_t k = 1; k <= std::min(n, limit); ++k) sizes.insert(ceilDiv(n, k));
  if (n > limit)
    for (int64_t v : halvings(ceilDiv(n, limit))) sizes.insert(v);
  return {sizes.begin(), sizes.end()};
}

// A quick analytical cycle estimate under the simulator's rules (DMA latency + bytes per cycle,
// one cycle per GEMM / ALU iteration), assuming the three modules overlap perfectly.
double quickEstimate(const MacSpec& s, const MacGeometry& g, const MacTiling& t, const RequantPlan& plan,
                     const vta::HwConfig& c) {
  const int64_t yT = ceilDiv(g.outH, t.tileH), xT = ceilDiv(g.outW, t.tileW);
  const int64_t coT = ceilDiv(g.coBlocks, t.coBlocks), ciT = ceilDiv(g.ciBlocks, t.ciBlocks);
  const int64_t spatial = g.batchBlocks * yT * xT;
  const double lat = c.dramLatencyCycles, bw = c.dramBytesPerCycle;
  // Full-size tiles stand in for edge tiles.
  const double inputLoad = s.matrix ? lat + t.tileH * t.ciBlocks * c.inpEntryBytes() / bw
                                    : t.ciBlocks * (lat + inputTileEntries(s, g, t.tileH, t.tileW, 1) * c.inpEntryBytes() / bw);
  const double weightLoad = lat + t.coBlocks * t.ciBlocks * g.kernelEntries * c.wgtEntryBytes() / bw;
  const double inputLoads = t.weightsOuter ? (spatial == 1 && ciT == 1 ? 1 : spatial * ciT * coT)
                                           : (ciT == 1 ? spatial : spatial * ciT * coT);
  const double weightLoads = t.weightsOuter ? (ciT == 1 ? coT : spatial * ciT * coT) : (coT == 1 && ciT == 1 ? 1 : spatial * ciT * coT);
  const double load = inputLoads * inputLoad + weightLoads * weightLoad;
  const double pixels = static_cast<double>(g.batchBlocks) * g.outH * g.outW;
  const double compute = pixels * g.coBlocks * (g.ciBlocks * g.kernelEntries + g.accPerEntry + plan.steps.size());
  const double storesPerTile = s.matrix ? 1 : t.coBlocks;
  const double store = spatial * coT * storesPerTile * lat + pixels * g.coBlocks * c.outEntryBytes() / bw;
  // The first group's load and the last tile's store do not overlap anything.
  const double tail = t.tileH * t.tileW * t.coBlocks * (plan.steps.size() + 0.0) + storesPerTile * lat;
  return std::max({load, compute, store}) + inputLoad + weightLoad + tail;
}

}  // namespace

MacGeometry macGeometry(const MacSpec& s, const RequantPlan& plan, const vta::HwConfig& c) {
  MacGeometry g;
  g.ciBlocks = ceilDiv(s.ci, c.blockIn());
  g.coBlocks = ceilDiv(s.co, c.blockOut());
  if (s.matrix) {
    g.batchBlocks = 1;
    g.inH = g.outH = ceilDiv(s.n, c.batch());
  } else {
    g.batchBlocks = ceilDiv(s.n, c.batch());
    g.inH = s.h;
    g.inW = s.w;
    g.outH = s.oh;
    g.outW = s.ow;
  }
  g.kernelEntries = s.kh * s.kw;
  for (const AccVector& v : plan.vectors) g.accConstEntries += accVectorEntries(v, c);
  g.inpHalf = c.inpDepth() / 2;
  g.wgtHalf = c.wgtDepth() / 2;
  g.accHalf = std::max<int64_t>(0, (c.accDepth() - g.accConstEntries) / 2);
  g.accPerEntry = plan.needsSign ? 2 : 1;
  return g;
}

std::string MacTiling::describe(const MacSpec& s) const {
  const std::string out = s.matrix ? std::to_string(tileH) + " row-blocks" : std::to_string(tileH) + "x" + std::to_string(tileW) + " out";
  return "tile " + out + " x " + std::to_string(coBlocks) + " co-blocks x " + std::to_string(ciBlocks) + " ci-blocks, " +
         (weightsOuter ? "weights-outer" : "input-outer") + ", 2 threads";
}

int64_t inputTileEntries(const MacSpec& s, const MacGeometry&, int64_t tileH, int64_t tileW, int64_t ciBlocks) {
  if (s.matrix) return tileH * ciBlocks;
  return ciBlocks * ((tileH - 1) * s.strideH + s.kh) * ((tileW - 1) * s.strideW + s.kw);
}

bool fits(const MacSpec& s, const MacGeometry& g, const MacTiling& t) {
  return inputTileEntries(s, g, t.tileH, t.tileW, t.ciBlocks) <= g.inpHalf &&
         t.coBlocks * t.ciBlocks * g.kernelEntries <= g.wgtHalf &&
         t.coBlocks * t.tileH * t.tileW * g.accPerEntry <= g.accHalf;
}

std::vector<MacTiling> macTilingCandidates(const MacSpec& s, const MacGeometry& g, const vta::HwConfig& c) {
  RequantPlan dummy;  // the ALU step count only shifts every candidate alike
  std::vector<std::pair<double, MacTiling>> scored;
  const std::vector<int64_t> widths = s.matrix ? std::vector<int64_t>{1} : evenSplits(g.outW, 8);
  const std::vector<int64_t> heights = evenSplits(g.outH, 64);
  for (int64_t ci : halvings(g.ciBlocks))
    for (int64_t co : halvings(g.coBlocks))
      for (int64_t w : widths) {
        // The tallest tile that fits, made even over the rows.
        MacTiling t{1, w, co, ci, true};
        bool found = false;
        for (int64_t h : heights) {
          t.tileH = h;
          if (fits(s, g, t)) {
            found = true;
            break;
          }
        }
        if (!found) continue;
        t.tileH = ceilDiv(g.outH, ceilDiv(g.outH, t.tileH));
        for (bool weightsOuter : {true, false}) {
          t.weightsOuter = weightsOuter;
          scored.push_back({quickEstimate(s, g, t, dummy, c), t});
        }
      }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<MacTiling> out;
  for (const auto& [cost, t] : scored) out.push_back(t);
  return out;
}

}  // namespace nest::npu
