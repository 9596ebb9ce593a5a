// Partitioning in the driver: a job's device list (NEST-C format), the costs of every node on every
// device, the placement (a plan file, else the strategy; the project's device pins hold either
// way) and the baselines to compare it with (docs/partitioning.md).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "backends/partition/cost_model.h"
#include "backends/partition/partitioner.h"
#include "core/device_config.h"
#include "driver/driver.h"
#include "driver/job.h"

namespace nest::driver {

struct Partitioned {
  std::vector<DeviceConfig> devices;
  partition::CostModel costs;
  partition::Schedule schedule;  // the placement chosen (plan, or the strategy)
  std::string how;               // "plan P.yaml" or "strategy auto"
  // The strategies computed in the same run, for comparison: cpu, greedy, nestc-dp, auto.
  std::vector<std::pair<std::string, partition::Schedule>> baselines;
  double costMs = 0, partitionMs = 0;
};

// The job's device list as DeviceSpecs (names, registry backends, hardware parameters), for
// assignments to name them. BadInput naming the file when it does not read.
std::vector<DeviceSpec> deviceSpecsOf(const std::vector<DeviceConfig>& devices);

// BadInput when the job has no device list, the plan names nodes the graph lacks, a pin conflicts
// with the plan, or a pinned node cannot run on its device. `imported` (the graph before the
// passes) lets a plan name nodes the passes merged into others.
// `progress`: onStage("costs"), ("partition"); its cancel flag stops the cost measurement between
// nodes (driver::Cancelled). `knownCosts`: costs already measured for this very graph and device
// list (the workbench keeps them between edits), used instead of measuring again.
Partitioned partitionForJob(const Job& job, const Graph& graph, const Graph* imported = nullptr,
                            const Progress& progress = {}, const partition::CostModel* knownCosts = nullptr);

// The schedule of the job's own placement: every node on its assigned device (driver::placeNodes:
// assignment, else the job's default device, else the first device), evaluated with `costs` over
// `devices` (the job's device list as read). BadInput when a node is placed on a device it cannot
// run on or one the list lacks (naming them). The default device is the job's, else the list's
// first (the host CPU). Quantize / Dequantize nodes the quantize pass inserted do not carry their
// key's pin (carriesDeviceAssignment): they go to the device of the node they serve (their key's)
// when it runs them, else to the default device.
partition::Schedule scheduleOfAssignments(const Job& job, const Graph& graph, const Graph* imported,
                                          const std::vector<DeviceConfig>& devices,
                                          const partition::CostModel& costs);

}  // namespace nest::driver
