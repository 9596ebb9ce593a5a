#include <cstdio>
#include <fstream>

#include "app/cli/commands.h"
#include "app/cli/job_options.h"
#include "backends/partition/schedule_plan.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "driver/driver.h"
#include "driver/partition_stage.h"

namespace nest::cli {

namespace {

void printSchedule(const Graph& graph, const driver::Partitioned& parts, const partition::Schedule& s) {
  std::printf("%-5s %-14s %-6s %6s %12s %12s %12s %12s\n", "part", "device", "backend", "nodes", "start_ms", "end_ms",
              "bytes_in", "bytes_out");
  for (size_t p = 0; p < s.partitions.size(); ++p) {
    const partition::ScheduledPartition& part = s.partitions[p];
    const DeviceConfig& d = parts.devices[static_cast<size_t>(part.device)];
    std::printf("p%-4zu %-14s %-6s %6zu %12.3f %12.3f %12lld %12lld\n", p, d.name.c_str(), d.registryBackend().c_str(),
                part.nodes.size(), part.startUs / 1000.0, part.endUs / 1000.0, static_cast<long long>(part.bytesIn),
                static_cast<long long>(part.bytesOut));
  }
  for (const std::vector<int>& group : s.parallelGroups) {
    std::string g;
    for (int p : group) g += (g.empty() ? "p" : " || p") + std::to_string(p);
    std::printf("parallel: %s\n", g.c_str());
  }
  (void)graph;
}

int partitionModel(const ParsedArgs& args) {
  driver::Job job = jobFrom(args, Quantize::IfRequested);
  applyTarget(job, args, "--target", "hetero");
  if (job.devicesFile.empty()) failBadInput("--devices D.yaml is required (a device list in NEST-C's format)");
  const driver::Prepared prepared = driver::prepare(job);
  const Graph& g = prepared.graph();
  const driver::Partitioned parts = driver::partitionForJob(job, g, prepared.imported.get());
  std::printf("%s: %zu nodes on %zu devices (%s); costs %.0f ms, partitioning %.1f ms\n", job.model.filename().string().c_str(),
              g.nodes.size(), parts.devices.size(), parts.how.c_str(), parts.costMs, parts.partitionMs);
  printSchedule(g, parts, parts.schedule);
  std::printf("\n%-10s %12s %11s\n", "strategy", "latency_ms", "partitions");
  std::printf("%-10s %12.3f %11zu   <- %s\n", "chosen", parts.schedule.latencyUs / 1000.0, parts.schedule.partitions.size(),
              parts.how.c_str());
  for (const auto& [name, s] : parts.baselines)
    std::printf("%-10s %12.3f %11zu\n", name.c_str(), s.latencyUs / 1000.0, s.partitions.size());
  if (args.has("-o")) {
    const std::string file = args.get("-o");
    writeFileAtomically(file, writePlan(partition::planFromSchedule(g, parts.schedule, parts.devices,
                                                                    job.model.filename().string())));
    std::printf("wrote %s\n", file.c_str());
  }
  return kExitOk;
}

}  // namespace

Command partitionCommand() {
  std::vector<OptionSpec> options = {{"-o", "PLAN.yaml", "write the placement as a NEST-C partition plan"}, inputShapeOption()};
  for (const OptionSpec& o : targetOptions()) options.push_back(o);
  for (const OptionSpec& o : quantOptions(false)) options.push_back(o);
  return {{"partition", "MODEL --devices D.yaml [--strategy S] [--profile P] [-o PLAN.yaml]",
           "place a model's nodes on a CPU and NPUs for the least latency",
           "Measures every node on every device of D.yaml (NEST-C's device configuration; the CPU\n"
           "timed, the NPU from its simulator's cycle model, transfers from the links), then places\n"
           "the nodes (--strategy auto: exact dynamic programming over chains and series-parallel\n"
           "regions, parallel branches on different devices overlapping; greedy: everything the NPU\n"
           "runs on the NPU, as NEST-C ends up doing; nestc-dp: NEST-C's branch DP with its fixed\n"
           "switch penalty; cpu: all on the CPU). The project's device pins hold; --plan P.yaml\n"
           "evaluates a given plan instead. Prints one row per partition (device, nodes, estimated\n"
           "start and end, cut bytes in and out), the parallel groups, then every strategy's latency.\n"
           "Quantize with --profile (and --schema symmetric_power2 for the NPU). Example:\n"
           "  nestc partition m.onnx --devices resources/devices/cpu-npu.yaml --profile m.yaml \\\n"
           "    --schema symmetric_power2 -o m.plan.yaml\n"
           "  nestc compile m.onnx --target hetero --devices resources/devices/cpu-npu.yaml \\\n"
           "    --plan m.plan.yaml --profile m.yaml --schema symmetric_power2 -o bundle",
           options, 1, 1},
          partitionModel};
}

}  // namespace nest::cli
