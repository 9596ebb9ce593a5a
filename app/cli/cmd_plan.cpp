#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

#include "app/cli/commands.h"
#include "core/error.h"
#include "core/partition_plan.h"

namespace nest::cli {

namespace {

int runPlan(const ParsedArgs& args) {
  const std::string file = args.positional[0];
  PartitionPlan plan;
  try {
    plan = readPlan(file);
  } catch (const Error& e) {
    // Every problem on a line of its own, then how many.
    const std::string message = e.what();
    const size_t count = std::count(message.begin(), message.end(), '\n') + 1;
    std::cerr << message << "\nnestc plan: " << count << (count == 1 ? " problem" : " problems") << " in " << file << "\n";
    return kExitBadInput;
  }
  std::vector<int> nodes(plan.partitions.size(), 0);
  for (const auto& [name, p] : plan.nodeToPartition) ++nodes[p];
  const int fallback = plan.defaultPartition();

  std::printf("plan %s\n", file.c_str());
  std::printf("funcName: %s\n", plan.funcName.c_str());
  std::printf("partitions: %zu, listed nodes: %zu\n", plan.partitions.size(), plan.nodeToPartition.size());
  std::printf("  %-10s %-12s %-12s %s\n", "partition", "backend", "logical ids", "nodes");
  for (size_t p = 0; p < plan.partitions.size(); ++p) {
    const PlanPartition& part = plan.partitions[p];
    std::printf("  %-10s %-12s %-12s %d%s\n", part.name.c_str(), part.backendName.c_str(), part.logicalIDs.c_str(), nodes[p],
                static_cast<int>(p) == fallback ? " + unlisted nodes (default)" : "");
  }
  if (fallback >= 0)
    std::printf("default partition: %s (the nodes the plan does not list, such as the graph's outputs)\n",
                plan.partitions[fallback].name.c_str());
  else
    std::printf("default partition: none (every node of the model must be listed)\n");
  std::string groups;
  for (const auto& group : plan.parallelGroups) {
    std::string g;
    for (int p : group) g += (g.empty() ? "" : "||") + plan.partitions[p].name;
    groups += (groups.empty() ? "(" : " (") + g + ")";
  }
  std::printf("parallel groups: %s\n", groups.empty() ? "none (the partitions run one after another)" : groups.c_str());
  std::map<std::string, int> perBackend;
  for (const PlanPartition& part : plan.partitions) ++perBackend[part.backendName];
  std::string backends;
  for (const auto& [b, n] : perBackend) backends += (backends.empty() ? "" : ", ") + b + " " + std::to_string(n);
  std::printf("partitions per backend: %s\n", backends.c_str());
  return kExitOk;
}

}  // namespace

Command planCommand() {
  return {{"plan", "PLAN.yaml", "summarize a partition plan (NEST-C's format) without a model",
           "Reads a partition plan as NEST-C writes it (funcName, numOfPartitions, backendNames,\n"
           "partitionNames, nodeToPartition, logicalIDs, parallelPartitions; docs/partitioning.md) and\n"
           "prints one row per partition: its name, backend (VTA-1: instance 1 of VTA), logical\n"
           "device ids and the number of nodes the plan puts there; then the default partition, which\n"
           "takes every node the plan does not list, and the groups of partitions that run in parallel.\n"
           "No model is needed. Node names are Glow's: the ONNX node name with characters outside\n"
           "[A-Za-z0-9_] replaced by _, and a __N suffix for the Nth node Glow makes of it.\n"
           "When the file is inconsistent (a count that does not match numOfPartitions, an entry that\n"
           "is not NAME-ID, an unknown partition id, ...) every problem is listed with its line, and\n"
           "the exit code is 2.\n"
           "Example: nestc plan NESTOptimalPlan.yaml",
           {}, 1, 1},
          runPlan};
}

}  // namespace nest::cli
