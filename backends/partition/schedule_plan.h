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
// matched to a device of `devices`. Throws BadInput listing plan partitions with no such device and
// plan names the graph lacks.
std::vector<int> placementFromPlan(const Graph& graph, const PartitionPlan& plan, const std::vector<DeviceConfig>& devices);

}  // namespace nest::partition
