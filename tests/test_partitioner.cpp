// The partitioner (backends/partition): schedules of hand-built graphs with hand-set costs
// computed by hand, pins / unsupported ops / memory errors, the baselines' placements, and
// optimality against exhaustive search on 200 random DAGs.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "backends/partition/partitioner.h"
#include "tests/test_support.h"

using namespace nest;
using namespace nest::partition;

namespace {

// Values of `floats` floats; nodes consume the values named.
struct Builder {
  Graph g;
  std::string input(const std::string& name, int64_t floats) {
    g.inputs.push_back(name);
    g.setType(name, TensorType(ElemType::F32, {floats}));
    return name;
  }
  std::string node(const std::string& name, std::vector<std::string> inputs, int64_t floats) {
    g.addNode("Add", name, std::move(inputs), {name});
    g.setType(name, TensorType(ElemType::F32, {floats}));
    return name;
  }
};

DeviceInfo device(const std::string& name, const std::string& backend) {
  DeviceInfo d;
  d.name = name;
  d.backend = backend;
  d.linkBytesPerSecond = 1e9;  // 4000 bytes: 4 us + 10 us latency = 14 us per link crossed
  d.linkLatencyUs = 10;
  return d;
}

CostModel costsOf(std::vector<std::vector<double>> us, int deviceCount) {
  CostModel c;
  c.devices.push_back(device("cpu", "cpu"));
  for (int d = 1; d < deviceCount; ++d) c.devices.push_back(device("npu" + std::to_string(d - 1), "npu"));
  c.nodeBytes.assign(us.size(), std::vector<int64_t>(static_cast<size_t>(deviceCount), 0));
  c.reasons.assign(us.size(), "");
  c.nodeUs = std::move(us);
  return c;
}

// (a) x -> A -> B -> C -> D -> out, 1000 floats each. The NPU is faster, but C cannot run there.
Graph chainGraph() {
  Builder b;
  std::string x = b.input("x", 1000);
  x = b.node("A", {x}, 1000);
  x = b.node("B", {x}, 1000);
  x = b.node("C", {x}, 1000);
  x = b.node("D", {x}, 1000);
  b.g.outputs = {x};
  return b.g;
}
CostModel chainCosts() {
  CostModel c = costsOf({{50, 20}, {50, 20}, {30, kCannotRun}, {30, 20}}, 2);
  c.reasons[2] = "op C is not supported by the NPU";
  return c;
}

// (b) x -> S -> {L, R} -> J -> out: the branches take 100 us on the CPU, 60 on the NPU.
Graph diamondGraph() {
  Builder b;
  std::string x = b.input("x", 1000);
  std::string s = b.node("S", {x}, 1000);
  std::string l = b.node("L", {s}, 1000);
  std::string r = b.node("R", {s}, 1000);
  b.g.outputs = {b.node("J", {l, r}, 1000)};
  return b.g;
}
CostModel diamondCosts() { return costsOf({{10, 10}, {100, 60}, {100, 60}, {10, 10}}, 2); }

std::string placementText(const std::vector<int>& p) {
  std::string s;
  for (int d : p) s += std::to_string(d);
  return s;
}

// A random DAG: series-parallel compositions of chains and forks, sometimes with extra forward
// edges (not series-parallel then). Nodes are created in topological order.
struct RandomDag {
  Graph graph;
  CostModel costs;
};

RandomDag randomDag(std::mt19937& rng, int nodeCount, int deviceCount, bool extraEdges) {
  Builder b;
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int made = 0;
  std::vector<std::string> all;
  auto add = [&](std::vector<std::string> ins) {
    std::string name = "n" + std::to_string(made++);
    all.push_back(b.node(name, std::move(ins), pick(1, 16) * 250));
    return name;
  };
  // Emits a series-parallel block of about `budget` nodes after `from`; returns its last value.
  std::function<std::string(const std::string&, int)> block = [&](const std::string& from, int budget) -> std::string {
    if (budget <= 2 || pick(0, 2) == 0) {
      std::string x = from;
      for (int i = 0; i < budget; ++i) x = add({x});
      return x;
    }
    int branches = std::min(pick(2, 4), budget - 1);
    int body = budget - 1;  // the join
    std::vector<std::string> ends;
    for (int k = 0; k < branches && body > 0; ++k) {
      int share = k + 1 == branches ? body : std::max(1, body / (branches - k) + pick(-1, 1));
      share = std::min(share, body);
      body -= share;
      ends.push_back(block(from, share));
    }
    return add(ends);
  };
  std::string x = b.input("x", pick(1, 16) * 250);
  std::string last = x;
  while (made < nodeCount) last = block(last, std::min(nodeCount - made, pick(1, nodeCount)));
  if (extraEdges)  // a few forward edges between random nodes
    for (int k = 0; k < 2; ++k) {
      int from = pick(0, nodeCount - 2), to = pick(from + 1, nodeCount - 1);
      b.g.nodes[static_cast<size_t>(to)].inputs.push_back(all[static_cast<size_t>(from)]);
    }
  b.g.outputs = {last};
  std::vector<std::vector<double>> us;
  for (int i = 0; i < nodeCount; ++i) {
    std::vector<double> row = {static_cast<double>(pick(10, 200))};
    for (int d = 1; d < deviceCount; ++d) row.push_back(pick(0, 4) == 0 ? kCannotRun : static_cast<double>(pick(2, 120)));
    us.push_back(row);
  }
  RandomDag r{b.g, costsOf(us, deviceCount)};
  for (int d = 1; d < deviceCount; ++d) {
    r.costs.devices[static_cast<size_t>(d)].linkBytesPerSecond = pick(1, 8) * 1e9;
    r.costs.devices[static_cast<size_t>(d)].linkLatencyUs = pick(2, 20);
  }
  return r;
}

}  // namespace

class PartitionerTest : public QObject {
  Q_OBJECT

 private slots:
  void transferTime() {
    CostModel c = costsOf({}, 3);
    QCOMPARE(c.transferUs(4000, 0, 0), 0.0);
    QCOMPARE(c.transferUs(4000, 0, 1), 14.0);
    QCOMPARE(c.transferUs(4000, 2, 0), 14.0);
    QCOMPARE(c.transferUs(4000, 1, 2), 28.0);  // via the host: both links
  }

  void strategyNames() {
    for (Strategy s : {Strategy::Auto, Strategy::Greedy, Strategy::NestcDp, Strategy::Cpu}) QVERIFY(parseStrategy(strategyName(s)) == s);
    QCOMPARE(strategyName(Strategy::NestcDp), std::string("nestc-dp"));
    std::string msg = testing::errorOf([] { parseStrategy("fastest"); });
    NEST_VERIFY(msg.find("'fastest'") != std::string::npos, msg);
  }

  // (a) Options by hand (transfers 14 us): NNCC = 14+20+20+14+30+30 = 128 (2 partitions);
  // greedy NNCN = 14+40+14+30+14+20+14 = 146; all CPU = 160; CNCC = NCCC = 158.
  void chainSwitchingTwiceLoses() {
    Graph g = chainGraph();
    CostModel c = chainCosts();
    Schedule s = partitionGraph(g, c, Strategy::Auto);
    QCOMPARE(placementText(s.deviceOfNode), std::string("1100"));
    QCOMPARE(s.latencyUs, 128.0);
    QCOMPARE(s.partitions.size(), size_t(2));
    QCOMPARE(s.partitions[0].startUs, 14.0);
    QCOMPARE(s.partitions[0].endUs, 54.0);
    QCOMPARE(s.partitions[1].startUs, 68.0);
    QCOMPARE(s.partitions[1].bytesIn, int64_t(4000));
    QCOMPARE(s.partitions[1].bytesOut, int64_t(4000));
    QVERIFY(s.parallelGroups.empty());
    Schedule greedy = partitionGraph(g, c, Strategy::Greedy);
    QCOMPARE(placementText(greedy.deviceOfNode), std::string("1101"));
    QCOMPARE(greedy.latencyUs, 146.0);
    QCOMPARE(greedy.partitions.size(), size_t(3));
    // NEST-C's DP: NNCC = 40 + 100 + 60 = 200 > all CPU 160 -> all CPU.
    Schedule nestc = partitionGraph(g, c, Strategy::NestcDp);
    QCOMPARE(placementText(nestc.deviceOfNode), std::string("0000"));
    QCOMPARE(nestc.latencyUs, 160.0);
    QCOMPARE(partitionGraph(g, c, Strategy::Cpu).latencyUs, 160.0);
    QVERIFY(s.latencyUs <= greedy.latencyUs && s.latencyUs <= nestc.latencyUs);
    QCOMPARE(exhaustiveOptimum(g, c).latencyUs, 128.0);
  }

  // (b) S on the CPU (0-10), L on the NPU (24-84), R on the CPU (10-110), J on the CPU
  // (110-120): 120 us. All on the NPU: 14 + 140 + 14 = 168 (greedy, and NEST-C's DP: 140 vs
  // 220 on the CPU).
  void diamondOverlapsBranches() {
    Graph g = diamondGraph();
    CostModel c = diamondCosts();
    Schedule s = partitionGraph(g, c, Strategy::Auto);
    QCOMPARE(placementText(s.deviceOfNode), std::string("0100"));
    QCOMPARE(s.latencyUs, 120.0);
    QCOMPARE(s.partitions.size(), size_t(4));
    QCOMPARE(s.partitions[1].startUs, 24.0);
    QCOMPARE(s.partitions[1].endUs, 84.0);
    QCOMPARE(s.partitions[2].startUs, 10.0);
    QCOMPARE(s.partitions[2].endUs, 110.0);
    QCOMPARE(s.parallelGroups.size(), size_t(1));
    QCOMPARE(s.parallelGroups[0], (std::vector<int>{1, 2}));
    Schedule greedy = partitionGraph(g, c, Strategy::Greedy);
    QCOMPARE(placementText(greedy.deviceOfNode), std::string("1111"));
    QCOMPARE(greedy.latencyUs, 168.0);
    Schedule nestc = partitionGraph(g, c, Strategy::NestcDp);
    QCOMPARE(placementText(nestc.deviceOfNode), std::string("1111"));
    QCOMPARE(nestc.latencyUs, 168.0);
    QCOMPARE(partitionGraph(g, c, Strategy::Cpu).latencyUs, 220.0);
    QCOMPARE(exhaustiveOptimum(g, c).latencyUs, 120.0);
  }

  void pinsAndUnsupportedOps() {
    Graph g = chainGraph();
    CostModel c = chainCosts();
    // D pinned to the NPU: NNCN = 146 beats CCCN = 178.
    Schedule s = partitionGraph(g, c, Strategy::Auto, {{3, 1}});
    QCOMPARE(placementText(s.deviceOfNode), std::string("1101"));
    QCOMPARE(s.latencyUs, 146.0);
    // Pins hold for the baselines too.
    QCOMPARE(placementText(partitionGraph(g, c, Strategy::Cpu, {{0, 1}}).deviceOfNode), std::string("1000"));
    std::string msg = testing::errorOf([&] { partitionGraph(g, c, Strategy::Auto, {{2, 1}}); });
    NEST_VERIFY(msg.find("node 'C' (Add) is pinned to device 'npu0', which cannot run it: op C is not supported by the NPU") != std::string::npos, msg);
    msg = testing::errorOf([&] { evaluate(g, c, {1, 1, 1, 1}); });
    NEST_VERIFY(msg.find("node 'C' (Add) cannot run on device 'npu0': op C is not supported by the NPU") != std::string::npos, msg);
    msg = testing::errorOf([&] { partitionGraph(g, c, Strategy::Auto, {{2, 5}}); });
    NEST_VERIFY(msg.find("pinned to device 5, there are 2") != std::string::npos, msg);
  }

  // 100 bytes on the NPU, 60 per node: one node fits. A on the NPU: 14+20+14+110 = 158 with 2
  // partitions; B on the NPU is 158 too but with 3.
  void memoryCapacity() {
    Graph g = chainGraph();
    CostModel c = chainCosts();
    c.devices[1].memoryBytes = 100;
    for (auto& row : c.nodeBytes) row[1] = 60;
    Schedule s = partitionGraph(g, c, Strategy::Auto);
    QCOMPARE(placementText(s.deviceOfNode), std::string("1000"));
    QCOMPARE(s.latencyUs, 158.0);
    QCOMPARE(exhaustiveOptimum(g, c).latencyUs, 158.0);
    std::string msg = testing::errorOf([&] { partitionGraph(g, c, Strategy::Greedy); });
    NEST_VERIFY(msg.find("device 'npu0' needs 180 bytes for its nodes, it has 100") != std::string::npos, msg);
  }

  void exhaustiveRefusesLargeGraphs() {
    Builder b;
    std::string x = b.input("x", 10);
    for (int i = 0; i < 19; ++i) x = b.node("n" + std::to_string(i), {x}, 10);
    b.g.outputs = {x};
    CostModel c = costsOf(std::vector<std::vector<double>>(19, {1.0, 1.0}), 2);
    std::string msg = testing::errorOf([&] { exhaustiveOptimum(b.g, c); });
    NEST_VERIFY(msg.find("at most 18 nodes") != std::string::npos && msg.find("has 19") != std::string::npos, msg);
  }

  // (e) 200 random DAGs against the exhaustive optimum.
  void optimalOnRandomGraphs() {
    std::mt19937 rng(20240612);
    int total = 0, withinOnePercent = 0, exact = 0, notSeriesParallel = 0;
    double worst = 1;
    for (int t = 0; t < 200; ++t) {
      int devices = t % 3 == 0 ? 3 : 2;
      int nodes = devices == 3 ? std::uniform_int_distribution<int>(6, 11)(rng) : std::uniform_int_distribution<int>(6, 16)(rng);
      bool extra = t % 4 == 1;
      notSeriesParallel += extra;
      RandomDag r = randomDag(rng, nodes, devices, extra);
      Schedule ours = partitionGraph(r.graph, r.costs, Strategy::Auto);
      Schedule best = exhaustiveOptimum(r.graph, r.costs);
      double ratio = ours.latencyUs / best.latencyUs;
      ++total;
      withinOnePercent += ratio <= 1.01 + 1e-12;
      exact += ratio <= 1 + 1e-9;
      worst = std::max(worst, ratio);
      if (ratio > 1.01)
        qWarning("case %d (%d nodes, %d devices): ours %.3f us (%s), optimum %.3f us (%s)", t, nodes, devices, ours.latencyUs,
                 placementText(ours.deviceOfNode).c_str(), best.latencyUs, placementText(best.deviceOfNode).c_str());
      QVERIFY(ours.latencyUs >= best.latencyUs * (1 - 1e-9));
      QVERIFY(ours.latencyUs <= partitionGraph(r.graph, r.costs, Strategy::Greedy).latencyUs * (1 + 1e-9));
    }
    std::printf("random DAGs: %d, %d with extra edges; exactly optimal %d, within 1%% %d, worst ratio %.4f\n", total, notSeriesParallel, exact,
                withinOnePercent, worst);
    QCOMPARE(withinOnePercent, total);
  }

  // Timing only: a 300-node random series-parallel graph on 3 devices.
  void largeGraphTiming() {
    std::mt19937 rng(7);
    RandomDag r = randomDag(rng, 300, 3, false);
    auto t0 = std::chrono::steady_clock::now();
    Schedule s = partitionGraph(r.graph, r.costs, Strategy::Auto);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    Schedule greedy = partitionGraph(r.graph, r.costs, Strategy::Greedy);
    Schedule nestc = partitionGraph(r.graph, r.costs, Strategy::NestcDp);
    Schedule cpu = partitionGraph(r.graph, r.costs, Strategy::Cpu);
    std::printf("300 nodes, 3 devices: auto %.1f ms -> %.1f us in %zu partitions; greedy %.1f, nestc-dp %.1f, cpu %.1f us\n", ms, s.latencyUs,
                s.partitions.size(), greedy.latencyUs, nestc.latencyUs, cpu.latencyUs);
    QVERIFY(s.latencyUs <= greedy.latencyUs && s.latencyUs <= nestc.latencyUs && s.latencyUs <= cpu.latencyUs);
  }
};

QTEST_GUILESS_MAIN(PartitionerTest)
#include "test_partitioner.moc"
