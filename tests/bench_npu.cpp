// NPU figures (scripts/bench-npu.sh; a benchmark, not a test): a seed model quantized with
// power-of-two scales (profiled on random inputs) compiled for the NPU and run once on the
// simulator. Prints per NPU node the conv shape, cycles and MAC utilization, then the groups the
// issue asks for (first layer, 3x3 convs with >= 64 channels, all), the simulated latency at the
// configured clock, the simulator's speed (simulated MACs per second of wall time) and the
// compile time.
//   bench_npu MODEL.onnx [--hw-params K=V;...]
#include <chrono>
#include <cstdio>
#include <string>

#include "backends/npu/npu_backend.h"
#include "backends/npu/vta/simulator.h"
#include "backends/profiler.h"
#include "core/model_loader.h"
#include "core/tensor.h"
#include "passes/pass_manager.h"
#include "passes/quantization/quantize.h"

using namespace nest;

namespace {

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<Tensor> randomInputs(const Graph& g, unsigned seed) {
  std::vector<Tensor> inputs;
  uint32_t state = seed * 2654435761u + 1;
  for (const std::string& name : g.inputs) {
    Tensor t(g.typeOf(name));
    for (int64_t i = 0; i < t.numElements(); ++i) {
      state = state * 1664525u + 1013904223u;
      t.mutableData<float>()[i] = static_cast<float>(state >> 8) / static_cast<float>(1u << 24) * 4.0f - 2.0f;
    }
    inputs.push_back(std::move(t));
  }
  return inputs;
}

struct Group {
  uint64_t cycles = 0, macs = 0;
  int nodes = 0;
  void add(uint64_t c, uint64_t m) { cycles += c, macs += m, ++nodes; }
  double utilization(const vta::HwConfig& hw) const { return cycles ? 100.0 * macs / (double(cycles) * hw.macsPerCycle()) : 0; }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_npu MODEL.onnx [--hw-params K=V;...]\n");
    return 2;
  }
  vta::HwConfig hw;
  if (argc >= 4 && std::string(argv[2]) == "--hw-params") hw = vta::hwConfigFromString(argv[3]);
  Graph g = runPipeline(loadModel(argv[1]), namedPipeline("O1")).result();
  Profiler profiler(g);
  for (unsigned i = 0; i < 2; ++i) profiler.run(randomInputs(g, 10 + i));
  QuantConfig config;
  config.defaults.schema = QuantSchema::SymmetricPower2;
  Graph q = g;
  quantizeGraph(q, profiler.profile(), config, "bench profile");

  const npu::NpuBackend npu(hw);
  auto t0 = std::chrono::steady_clock::now();
  auto artifact = npu.compile(q, CompileRequest{});
  const double compileMs = msSince(t0);
  const npu::NpuModel& model = npu::npuModelOf(*artifact);

  // Simulate each NPU program once, on the model's own DRAM plan (data: zeros are as costly as
  // any; the in-process runner and the tests check the numbers).
  vta::Simulator sim(hw, model.dramBytes);
  for (const npu::NpuStep& s : model.steps)
    if (s.device == "npu" && !s.program.constants.empty())
      std::copy(s.program.constants.begin(), s.program.constants.end(), sim.dram() + s.program.constantsAddress);
  Group first, conv3x3, all;
  uint64_t hwMacs = 0;
  double simMs = 0;
  std::printf("%-48s %-22s %12s %7s  %s\n", "node", "shape", "cycles", "util", "plan");
  bool seenConv = false;
  for (const npu::NpuStep& s : model.steps) {
    if (s.device != "npu") continue;
    const Node* node = nullptr;
    for (const Node& n : q.nodes)
      if (n.describe() == s.node) node = &n;
    auto ts = std::chrono::steady_clock::now();
    const vta::RunStats st = sim.run(s.program.instructions);
    simMs += msSince(ts);
    hwMacs += st.macs;
    const uint64_t macs = static_cast<uint64_t>(s.program.macs);
    std::string shape = node ? node->op : "?";
    if (node && node->op == "Conv") {
      const Shape& w = q.typeOf(node->inputs[1]).shape;
      shape = std::to_string(w[2]) + "x" + std::to_string(w[3]) + " " + std::to_string(w[1]) + "->" + std::to_string(w[0]);
      if (!seenConv) first.add(st.cycles, macs);
      else if (w[2] == 3 && w[3] == 3 && w[1] >= 64) conv3x3.add(st.cycles, macs);
      seenConv = true;
    }
    all.add(st.cycles, macs);
    std::printf("%-48.48s %-22s %12llu %6.1f%%  %s\n", s.node.c_str(), shape.c_str(), (unsigned long long)st.cycles,
                st.cycles ? 100.0 * macs / (double(st.cycles) * hw.macsPerCycle()) : 0.0, s.program.plan.c_str());
  }
  std::printf("\nfirst layer:                 %d node,  %12llu cycles, utilization %.1f%%\n", first.nodes,
              (unsigned long long)first.cycles, first.utilization(hw));
  std::printf("3x3 convs, >= 64 channels:   %d nodes, %12llu cycles, utilization %.1f%%\n", conv3x3.nodes,
              (unsigned long long)conv3x3.cycles, conv3x3.utilization(hw));
  std::printf("all NPU nodes:               %d nodes, %12llu cycles, utilization %.1f%%\n", all.nodes,
              (unsigned long long)all.cycles, all.utilization(hw));
  std::printf("simulated latency (NPU nodes, %.0f MHz): %.2f ms\n", hw.clockMhz, all.cycles / (hw.clockMhz * 1000.0));
  std::printf("simulator: %.1f G hardware MACs in %.0f ms wall: %.2f G simulated MAC/s\n", hwMacs / 1e9, simMs,
              simMs > 0 ? hwMacs / (simMs / 1000.0) / 1e9 : 0.0);
  std::printf("compile (NPU lowering, tiling search, CPU fallback parts): %.0f ms\n", compileMs);
  return 0;
}
