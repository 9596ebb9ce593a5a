// nestc costs: every node's time on every device of a device list (backends/partition/node_costs.h),
// as a table for people, our costs file (-o) and NEST-C's per-op cost tables (--nestc-tables).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/job_options.h"
#include "backends/partition/node_costs.h"
#include "core/atomic_file.h"
#include "core/device_config.h"
#include "core/error.h"
#include "core/node_keys.h"
#include "driver/driver.h"

namespace nest::cli {

namespace {

namespace fs = std::filesystem;

void writeText(const fs::path& file, const std::string& text) {
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  writeFileAtomically(file, text);
}

std::string cell(double us) {
  if (std::isinf(us)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", us);
  return buffer;
}

int costs(const ParsedArgs& args) {
  if (!args.has("--devices")) failBadInput("--devices D.yaml is required");
  if (!args.has("-o")) failBadInput("-o COSTS.yaml is required");
  const std::vector<DeviceConfig> devices = readDeviceConfigs(args.get("--devices"));
  partition::CostOptions options;
  options.repeats = static_cast<int>(countOption(args, "--repeats", 5, 1));
  if (!args.has("--no-cache")) options.cacheFile = args.has("--cache") ? fs::path(args.get("--cache")) : partition::defaultCostCache();
  partition::CostStats stats;
  options.stats = &stats;

  const driver::Prepared prepared = driver::prepare(jobFrom(args, Quantize::IfRequested));
  for (const std::string& n : prepared.notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  const Graph& g = prepared.graph();
  const partition::CostModel model = partition::measureCosts(g, devices, options);

  // The table: one row per node, one column per device (microseconds; '-' cannot run there).
  std::printf("%-32s %-18s", "node", "op");
  for (const auto& d : model.devices) std::printf(" %12s", d.name.c_str());
  std::printf("\n");
  std::vector<double> totals(model.devices.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    std::string name = glowStyleName(g.nodes[i]);
    if (name.size() > 32) name = name.substr(0, 29) + "...";
    std::printf("%-32s %-18s", name.c_str(), g.nodes[i].op.c_str());
    for (size_t k = 0; k < model.devices.size(); ++k) {
      std::printf(" %12s", cell(model.nodeUs[i][k]).c_str());
      if (std::isfinite(model.nodeUs[i][k])) totals[k] += model.nodeUs[i][k];
    }
    std::printf("\n");
  }
  std::printf("%-32s %-18s", "total (nodes it runs)", "");
  for (double t : totals) std::printf(" %12s", cell(t).c_str());
  std::printf("\n");
  std::printf("cpu: %d node(s), %d op signature(s): %d compiled and timed in %.1f s (+%.2f s running), %d from the cache%s%s\n",
              stats.cpuNodes, stats.signatures, stats.compiles, stats.compileSeconds, stats.measureSeconds, stats.cacheHits,
              options.cacheFile.empty() ? "" : " ", options.cacheFile.string().c_str());
  std::printf("cpu: node times scaled by %.3f to the whole graph's measured CPU time\n", stats.cpuCalibration);

  writeText(args.get("-o"), partition::writeCosts(g, model));
  std::printf("wrote %s\n", args.get("-o").c_str());
  if (args.has("--nestc-tables")) {
    const fs::path dir = args.get("--nestc-tables");
    for (size_t k = 0; k < model.devices.size(); ++k) {
      const fs::path file = dir / ("initialProfile" + model.devices[k].name + ".yaml");
      writeText(file, partition::writeOpCostTable(partition::opCostTableOf(g, model, static_cast<int>(k))));
      std::printf("wrote %s\n", file.string().c_str());
    }
  }
  return kExitOk;
}

}  // namespace

Command costsCommand() {
  std::vector<OptionSpec> options = quantOptions(false);
  options.push_back({"--devices", "D.yaml", "the device list (NEST-C's device-configuration format); the first is the host CPU"});
  options.push_back({"-o", "COSTS.yaml", "write the costs: per device the microseconds of every node, and why a device cannot run one"});
  options.push_back({"--nestc-tables", "DIR", "also write NEST-C's per-op cost table of each device (DIR/initialProfileNAME.yaml)"});
  options.push_back({"--repeats", "N", "timed runs per CPU measurement, the median is kept (default 5)"});
  options.push_back({"--cache", "FILE", "the CPU measurements by op signature (default: nest-cpu-costs.json in the temp folder)"});
  options.push_back({"--no-cache", "", "measure every CPU op signature again, reading and writing no cache"});
  options.push_back(inputShapeOption());
  return {{"costs", "MODEL --devices D.yaml [--profile P] [options] -o COSTS.yaml", "measure every node's time on every device",
           "The graph is the one nestc compile would build (the float pipeline, quantized with\n"
           "--profile or the project's profile). On a CPU device each node is measured: compiled\n"
           "alone by the CPU backend and timed (the median of --repeats runs); equal nodes (same op,\n"
           "attributes, types and quantization form) are measured once and kept in a cache, so a\n"
           "second run compiles nothing. On an NPU device the time is the simulator's cycle model\n"
           "for the device's hardware parameters. A node a device cannot run (its backend, or the\n"
           "device's supportedNodes / nonSupportedNodes) costs INFINITY, with the reason in the file.",
           options, 0, 1},
          costs};
}

}  // namespace nest::cli
