// Between schedules (partitioner.h) and NEST-C partition plans (core/partition_plan.h): a
// schedule written as a plan, and a plan read back as a placement of a graph on a device list.
#pragma once
#include <string>
#include <vector>

#include "backends/partition/partitioner.h"
#include "core/device_config.h"
#include "core/partition_plan.h"

namespace nest::partition {

// The plan of `schedule`: one partition per scheduled partition (backendName of its device, with
// NEST-C's "-k" suffix when several devices share a backendName, logicalIDs the device's
// deviceID or its index), every node listed by its Glow-style name except those of the last
// partition when it is on the partitionDefaultDevice (NEST-C's writer leaves those out), and
// the parallel groups.
PartitionPlan planFromSchedule(const Graph& graph, const Schedule& schedule, const std::vector<DeviceConfig>& devices,
                               const std::string& funcName);

// The device of every node under `plan`: each partition's backendName (and "-k" instance) is
// matched to a device of `devices`. A plan names nodes as NEST-C sees them after its own graph
// optimizations; a name that `graph` lacks but `imported` (the graph as imported) has belongs to a
// node a pass merged into another (a Relu fused into its Conv) and is skipped: the surviving node's
// entry places it. Throws BadInput listing plan partitions with no such device and plan names
// neither graph has.
std::vector<int> placementFromPlan(const Graph& graph, const PartitionPlan& plan, const std::vector<DeviceConfig>& devices,
                                   const Graph* imported = nullptr);

}  // namespace nest::partition
