// Partition plans in NEST-C's format (../shared/testdata/nestc-interop/README.md, "Partition plan"):
// funcName, numOfPartitions, backendNames, partitionNames, nodeToPartition, logicalIDs and the
// optional parallelPartitions, every value a string, lists ':'-separated. Reading keeps what a
// write needs to give the same file back. No Qt.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest {

struct PlanPartition {
  std::string name;         // "p3" (the number is the partition id)
  std::string backendName;  // "CPU", "VTA", "VTA-1" (a -k suffix selects device instance k)
  std::string logicalIDs;   // "1", or several joined with '-'

  bool operator==(const PlanPartition&) const = default;
};

struct PartitionPlan {
  std::string funcName;
  std::vector<PlanPartition> partitions;                         // in partitionNames order
  std::vector<std::pair<std::string, int>> nodeToPartition;      // Glow node name -> index into partitions
  std::vector<std::vector<int>> parallelGroups;                  // indices into partitions: (p5||p6)

  // The partition of nodes the plan does not list (the one no listed node names), or -1 when no
  // partition, or more than one, is without a listed node (planProblems reports the latter).
  int defaultPartition() const;

  bool operator==(const PartitionPlan&) const = default;
};

// Throws BadInput listing every problem at once ("plan P: numOfPartitions is 3 but backendNames
// has 2 entries", an entry that is not NAME-ID, an unknown partition id, ...).
PartitionPlan readPlan(const std::filesystem::path& file);
PartitionPlan parsePlan(const std::string& yaml, const std::string& source);
// Every consistency problem of a plan (empty when none): partition names not p<ID> or used twice,
// an empty backend, a logicalIDs entry that is not ids joined by '-', a node name that is not a
// Glow name or is listed twice, a partition index out of range, more than one partition without
// listed nodes, a parallel group of fewer than two or a partition in two groups. parsePlan adds
// what only the text shows (counts against numOfPartitions, bad entries, unknown ids, keys).
std::vector<std::string> planProblems(const PartitionPlan& plan);
// NEST-C's exact layout (nodeToPartition broken over lines as "\n  :"); parse(write(p)) == p.
std::string writePlan(const PartitionPlan& plan);

// The partition index of every node of `graph`: listed nodes by Glow-style name (the node's
// glowStyleName, also matching NEST-C's "__N" suffixed names of one ONNX node), the rest in the
// default partition. Throws BadInput listing every plan name the graph lacks. Where several names
// of one node disagree (Glow's NAME__1 transpose and NAME__2 convolution of one Conv), the largest
// __N wins (an exact name counts as 0). Unlisted nodes without a default partition: BadInput.
std::map<NodeId, int> partitionOfNodes(const PartitionPlan& plan, const Graph& graph);

}  // namespace nest
