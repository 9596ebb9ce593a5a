// The partitioner's dynamic program over series-parallel structure.
//
// A node list (the graph, or one branch of a fork) is cut into a series of regions at its
// single-value cut points: after node v, every value still needed later is v's. A region is
// (previous cut, next cut]; the DP state at a cut is the device holding the cut value and its
// value the earliest finish time, so F'[x] = min_e F[e] + region(e -> x). A region is solved
//  - exactly by trying every placement when that is cheap (a chain link is a region of one node),
//  - else as a fork-join: the nodes before its last one fall into independent branches (up to
//    4); each branch is solved recursively, as its own series, for every entry device and every
//    set of devices it may use; branches are combined with overlap (the slowest branch, and the
//    summed load where branches share a device), and the best combinations are scheduled exactly,
//  - else (too many branches, no structure) by hill climbing on the region.
// Every candidate is scored with the same schedule model as evaluate().
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <tuple>

#include "backends/partition/schedule_dag.h"

namespace nest::partition::detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr long kEnumerateLimit = 243;    // placements tried one by one in a region
constexpr size_t kMaxBranches = 4;
constexpr long kMaxCombinations = 4096;  // branch candidate combinations estimated per region
constexpr size_t kCombinationsScheduled = 3;

struct Placed {
  double cost = kInf;
  std::vector<int> devices;  // aligned with the solved node list
};

class SeriesParallelSolver {
 public:
  explicit SeriesParallelSolver(const Dag& dag)
      : dag_(dag), scheduler_(dag), scratch_(static_cast<size_t>(dag.nodeCount), 0), mark_(static_cast<size_t>(dag.nodeCount), 0) {}

  std::vector<int> solve() {
    std::vector<int> all(static_cast<size_t>(dag_.nodeCount));
    std::iota(all.begin(), all.end(), 0);
    unsigned everyDevice = (1u << dag_.deviceCount) - 1;
    Placed p = solveSeries(all, -1, 0, everyDevice, 0);
    if (std::isinf(p.cost)) return {};
    return p.devices;
  }

 private:
  const Dag& dag_;
  SubsetScheduler scheduler_;
  std::vector<int> scratch_;
  std::vector<int> mark_;
  int markStamp_ = 0;
  std::map<std::vector<int>, int> listId_;
  std::map<std::tuple<int, int, int, unsigned, int>, Placed> memo_;

  Score schedule(const std::vector<int>& nodes, const std::vector<int>& devices, int entry, int entryDevice, int target) {
    for (size_t i = 0; i < nodes.size(); ++i) scratch_[static_cast<size_t>(nodes[i])] = devices[i];
    return scheduler_.run(nodes, scratch_.data(), entry, entryDevice, target);
  }

  // The best placement of `nodes` on devices in `mask` when their only outside producer is
  // `entry`, done at time 0 on `entryDevice`; cost: when the results are on `target`.
  Placed solveSeries(const std::vector<int>& nodes, int entry, int entryDevice, unsigned mask, int target) {
    auto [it, fresh] = listId_.try_emplace(nodes, static_cast<int>(listId_.size()));
    auto key = std::make_tuple(it->second, entry, entry < 0 ? 0 : entryDevice, mask, target);
    if (auto m = memo_.find(key); m != memo_.end()) return m->second;
    Placed result = solveSeriesUncached(nodes, entry, entryDevice, mask, target);
    memo_[key] = result;
    return result;
  }

  Placed solveSeriesUncached(const std::vector<int>& nodes, int entry, int entryDevice, unsigned mask, int target) {
    std::vector<std::pair<size_t, size_t>> regions;  // [begin, end) positions in `nodes`
    bool lastClosed = false;
    cutIntoRegions(nodes, entry, regions, lastClosed);
    const int d = dag_.deviceCount;
    // State: device of the last cut node -> cost and placement of nodes so far.
    std::vector<Placed> state(static_cast<size_t>(d));
    state[static_cast<size_t>(entry < 0 ? 0 : entryDevice)].cost = 0;
    for (size_t r = 0; r < regions.size(); ++r) {
      std::vector<int> region(nodes.begin() + static_cast<long>(regions[r].first), nodes.begin() + static_cast<long>(regions[r].second));
      int regionEntry = r == 0 ? entry : nodes[regions[r].first - 1];
      bool closed = r + 1 < regions.size() || lastClosed;
      std::vector<Placed> next(closed ? static_cast<size_t>(d) : 1);
      for (int e = 0; e < d; ++e) {
        const Placed& from = state[static_cast<size_t>(e)];
        if (std::isinf(from.cost)) continue;
        for (int x = 0; x < (closed ? d : 1); ++x) {
          Placed part = solveRegion(region, regionEntry, e, mask, closed ? x : -1, target);
          double cost = from.cost + part.cost;
          Placed& slot = next[static_cast<size_t>(x)];
          if (cost < slot.cost) {
            slot.cost = cost;
            slot.devices = from.devices;
            slot.devices.insert(slot.devices.end(), part.devices.begin(), part.devices.end());
          }
        }
      }
      state = std::move(next);
    }
    if (!lastClosed) return state[0];
    Placed best;
    for (int x = 0; x < d; ++x) {
      const Placed& s = state[static_cast<size_t>(x)];
      if (std::isinf(s.cost)) continue;
      double cost = s.cost + deliveryUs(nodes, nodes.back(), x, target);
      if (cost < best.cost) best = Placed{cost, s.devices};
    }
    return best;
  }

  // Time to deliver `node`'s results that leave `nodes` (graph outputs to the host).
  double deliveryUs(const std::vector<int>& nodes, int node, int device, int target) {
    double us = 0;
    for (int value : dag_.outValues[static_cast<size_t>(node)]) {
      if (dag_.isGraphOutput[static_cast<size_t>(value)]) us = std::max(us, dag_.transfer(value, device, 0));
      for (int c : dag_.consumers[static_cast<size_t>(value)])
        if (target >= 0 && !std::binary_search(nodes.begin(), nodes.end(), c)) us = std::max(us, dag_.transfer(value, device, target));
    }
    return us;
  }

  // Single-value cut points: after node v, every live value (needed later in `nodes` or outside
  // them) is one of v's results.
  void cutIntoRegions(const std::vector<int>& nodes, int entry, std::vector<std::pair<size_t, size_t>>& regions, bool& lastClosed) {
    ++markStamp_;
    for (int v : nodes) mark_[static_cast<size_t>(v)] = markStamp_;
    auto inside = [&](int node) { return node >= 0 && mark_[static_cast<size_t>(node)] == markStamp_; };
    std::map<int, int> remaining;  // value -> consumers inside still to come
    std::map<int, bool> leaves;    // value -> needed outside the list
    auto track = [&](int value) {
      if (remaining.count(value)) return;
      int left = 0;
      bool out = dag_.isGraphOutput[static_cast<size_t>(value)] != 0;
      for (int c : dag_.consumers[static_cast<size_t>(value)]) {
        if (inside(c)) ++left;
        else out = true;
      }
      remaining[value] = left;
      leaves[value] = out;
    };
    int live = 0;
    if (entry >= 0)
      for (int value : dag_.outValues[static_cast<size_t>(entry)]) {
        track(value);
        leaves[value] = false;  // the entry's own delivery is not this list's business
        if (remaining[value] > 0) ++live;
      }
    size_t begin = 0;
    lastClosed = false;
    for (size_t k = 0; k < nodes.size(); ++k) {
      int v = nodes[k];
      for (int value : dag_.inValues[static_cast<size_t>(v)]) {
        int p = dag_.producer[static_cast<size_t>(value)];
        if (!(inside(p) || (p >= 0 && p == entry))) continue;
        track(value);
        if (--remaining[value] == 0 && !leaves[value]) --live;
      }
      int own = 0;
      for (int value : dag_.outValues[static_cast<size_t>(v)]) {
        track(value);
        if (remaining[value] > 0 || leaves[value]) { ++live; ++own; }
      }
      bool cut = own > 0 && live == own;
      if (k + 1 == nodes.size()) {
        lastClosed = cut;
        regions.emplace_back(begin, k + 1);
      } else if (cut) {
        regions.emplace_back(begin, k + 1);
        begin = k + 1;
      }
    }
  }

  // The best placement of one region; `exitDevice` -1: an open region (the list's end).
  Placed solveRegion(const std::vector<int>& region, int entry, int entryDevice, unsigned mask, int exitDevice, int target) {
    const size_t size = region.size();
    std::vector<std::vector<int>> choices(size);
    long combinations = 1;
    for (size_t i = 0; i < size; ++i) {
      unsigned allowed = dag_.allowed[static_cast<size_t>(region[i])] & mask;
      if (exitDevice >= 0 && i + 1 == size) allowed &= 1u << exitDevice;
      for (int d = 0; d < dag_.deviceCount; ++d)
        if (allowed & (1u << d)) choices[i].push_back(d);
      if (choices[i].empty()) return {};
      combinations = std::min(combinations * static_cast<long>(choices[i].size()), kEnumerateLimit + 1);
    }
    const int regionTarget = exitDevice >= 0 ? -1 : target;
    if (combinations <= kEnumerateLimit) return enumerate(region, choices, entry, entryDevice, regionTarget);
    Placed forkJoin = solveForkJoin(region, entry, entryDevice, mask, exitDevice, target, choices);
    if (!std::isinf(forkJoin.cost)) return forkJoin;
    return hillClimb(region, choices, entry, entryDevice, regionTarget);
  }

  Placed enumerate(const std::vector<int>& region, const std::vector<std::vector<int>>& choices, int entry, int entryDevice, int target) {
    const size_t size = region.size();
    std::vector<size_t> digit(size, 0);
    std::vector<int> devices(size);
    for (size_t i = 0; i < size; ++i) devices[i] = choices[i][0];
    Placed best;
    Score bestScore;
    while (true) {
      Score s = schedule(region, devices, entry, entryDevice, target);
      if (std::isinf(best.cost) || better(s, bestScore)) { best = Placed{s.latencyUs, devices}; bestScore = s; }
      size_t i = 0;
      for (; i < size; ++i) {
        if (++digit[i] < choices[i].size()) { devices[i] = choices[i][digit[i]]; break; }
        digit[i] = 0;
        devices[i] = choices[i][0];
      }
      if (i == size) break;
    }
    return best;
  }

  std::vector<unsigned> deviceSets(unsigned mask) {
    std::vector<unsigned> sets;
    int bits = __builtin_popcount(mask);
    for (unsigned s = mask; s; s = (s - 1) & mask)
      if (bits <= 3 || __builtin_popcount(s) <= 2 || s == mask) sets.push_back(s);
    return sets;
  }

  struct Candidate {
    double cost;
    std::vector<double> busy;  // per device
    std::vector<int> devices;
  };

  Placed solveForkJoin(const std::vector<int>& region, int entry, int entryDevice, unsigned mask, int exitDevice, int target,
                       const std::vector<std::vector<int>>& choices) {
    const bool closed = exitDevice >= 0;
    std::vector<int> members(region.begin(), closed ? region.end() - 1 : region.end());
    std::vector<std::vector<int>> branches = components(members);
    if (branches.empty() || branches.size() > kMaxBranches || (!closed && branches.size() < 2)) return {};
    const int branchTarget = closed ? exitDevice : target;
    const size_t d = static_cast<size_t>(dag_.deviceCount);
    std::vector<std::vector<Candidate>> candidates(branches.size());
    for (size_t b = 0; b < branches.size(); ++b) {
      for (unsigned set : deviceSets(mask)) {
        Placed p = solveSeries(branches[b], entry, entryDevice, set, branchTarget);
        if (std::isinf(p.cost)) continue;
        bool seen = false;
        for (const Candidate& c : candidates[b]) seen = seen || c.devices == p.devices;
        if (seen) continue;
        Candidate c{p.cost, std::vector<double>(d, 0), p.devices};
        for (size_t i = 0; i < branches[b].size(); ++i) c.busy[static_cast<size_t>(p.devices[i])] += dag_.nodeUs(branches[b][i], p.devices[i]);
        candidates[b].push_back(std::move(c));
      }
      if (candidates[b].empty()) return {};
      std::sort(candidates[b].begin(), candidates[b].end(), [](const Candidate& a, const Candidate& c) { return a.cost < c.cost; });
    }
    // Keep the product of candidate counts bounded: drop each branch's slowest first.
    auto product = [&]() { long p = 1; for (auto& c : candidates) p *= static_cast<long>(c.size()); return p; };
    while (product() > kMaxCombinations) {
      size_t widest = 0;
      for (size_t b = 1; b < candidates.size(); ++b)
        if (candidates[b].size() > candidates[widest].size()) widest = b;
      candidates[widest].pop_back();
    }
    // Estimate every combination: the slowest branch, or the busiest device's summed load.
    std::vector<std::pair<double, std::vector<size_t>>> top;
    std::vector<size_t> pick(branches.size(), 0);
    std::vector<double> load(d);
    while (true) {
      double estimate = 0;
      std::fill(load.begin(), load.end(), 0.0);
      for (size_t b = 0; b < branches.size(); ++b) {
        const Candidate& c = candidates[b][pick[b]];
        estimate = std::max(estimate, c.cost);
        for (size_t x = 0; x < d; ++x) load[x] += c.busy[x];
      }
      for (size_t x = 0; x < d; ++x) estimate = std::max(estimate, load[x]);
      top.emplace_back(estimate, pick);
      std::stable_sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      if (top.size() > kCombinationsScheduled) top.pop_back();
      size_t b = 0;
      for (; b < branches.size(); ++b) {
        if (++pick[b] < candidates[b].size()) break;
        pick[b] = 0;
      }
      if (b == branches.size()) break;
    }
    // Schedule the best estimates exactly.
    std::map<int, size_t> position;
    for (size_t i = 0; i < region.size(); ++i) position[region[i]] = i;
    Placed best;
    Score bestScore;
    const int regionTarget = closed ? -1 : target;
    for (const auto& [estimate, chosen] : top) {
      std::vector<int> devices(region.size(), 0);
      for (size_t b = 0; b < branches.size(); ++b)
        for (size_t i = 0; i < branches[b].size(); ++i) devices[position[branches[b][i]]] = candidates[b][chosen[b]].devices[i];
      if (closed) devices.back() = choices.back()[0];
      Score s = schedule(region, devices, entry, entryDevice, regionTarget);
      if (std::isinf(best.cost) || better(s, bestScore)) { best = Placed{s.latencyUs, devices}; bestScore = s; }
    }
    return best;
  }

  // Connected parts of `members` (edges between them), each in ascending order.
  std::vector<std::vector<int>> components(const std::vector<int>& members) {
    std::map<int, int> root;
    for (int v : members) root[v] = v;
    auto find = [&](int x) { while (root[x] != x) x = root[x] = root[root[x]]; return x; };
    for (int v : members)
      for (int value : dag_.inValues[static_cast<size_t>(v)]) {
        int p = dag_.producer[static_cast<size_t>(value)];
        if (p >= 0 && root.count(p)) root[find(p)] = find(v);
      }
    std::map<int, std::vector<int>> byRoot;
    for (int v : members) byRoot[find(v)].push_back(v);
    std::vector<std::vector<int>> parts;
    for (auto& [r, part] : byRoot) parts.push_back(std::move(part));
    std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.front() < b.front(); });
    return parts;
  }

  // Fallback: from each device everywhere it is allowed, move single nodes while it helps.
  Placed hillClimb(const std::vector<int>& region, const std::vector<std::vector<int>>& choices, int entry, int entryDevice, int target) {
    Placed best;
    Score bestScore;
    for (int start = 0; start < dag_.deviceCount; ++start) {
      std::vector<int> devices(region.size());
      for (size_t i = 0; i < region.size(); ++i)
        devices[i] = std::find(choices[i].begin(), choices[i].end(), start) != choices[i].end() ? start : choices[i][0];
      Score current = schedule(region, devices, entry, entryDevice, target);
      for (bool improved = true; improved;) {
        improved = false;
        for (size_t i = 0; i < region.size(); ++i)
          for (int c : choices[i]) {
            if (c == devices[i]) continue;
            int old = devices[i];
            devices[i] = c;
            Score s = schedule(region, devices, entry, entryDevice, target);
            if (better(s, current)) { current = s; improved = true; }
            else devices[i] = old;
          }
      }
      if (std::isinf(best.cost) || better(current, bestScore)) { best = Placed{current.latencyUs, devices}; bestScore = current; }
    }
    return best;
  }
};

}  // namespace

std::vector<int> seriesParallelPlacement(const Dag& dag) {
  std::vector<int> placement = SeriesParallelSolver(dag).solve();
  if (placement.size() != static_cast<size_t>(dag.nodeCount)) {  // nothing feasible: first allowed device
    placement.assign(static_cast<size_t>(dag.nodeCount), 0);
    for (int i = 0; i < dag.nodeCount; ++i)
      for (int d = 0; d < dag.deviceCount; ++d)
        if (dag.allowed[i] & (1u << d)) { placement[i] = d; break; }
  }
  return placement;
}

}  // namespace nest::partition::detail
