// Partitioning for the workbench's device mode, off the UI thread: the schedule of the document's
// current placement (for the partition summary and its timeline) and "Auto partition" (the
// partitioner with the document's pins). Both go through driver/partition_stage.h, the code
// `nestc partition` runs; the costs measured for a graph are handed back so the next edit on the
// same graph reuses them. Jobs never throw: errors come back as text.
#pragma once
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "app/gui/load_jobs.h"
#include "backends/partition/cost_model.h"
#include "driver/job.h"

namespace nest::gui {

// One partition of a schedule, in the workbench's terms.
struct PartitionRow {
  int device = 0;            // index into PartitionSummary::devices
  QList<NodeId> nodes;       // graph node ids, topological order
  double startUs = 0, endUs = 0;
  qint64 bytesIn = 0, bytesOut = 0;  // cut tensors entering / leaving
};

struct PartitionSummary {
  QStringList devices;                 // device names, device 0 the host CPU
  QStringList backends;                // their registry backends (cpu, npu)
  QList<PartitionRow> partitions;      // execution order
  QList<QList<int>> parallelGroups;    // partition indices that run concurrently
  double latencyUs = 0;                // the placement's makespan
  double allCpuUs = 0;                 // the same graph all on the CPU
  bool empty() const { return partitions.isEmpty(); }
};

using CostsPtr = std::shared_ptr<const partition::CostModel>;

struct PartitionOutcome {
  std::shared_ptr<const Graph> graph;  // the graph scheduled (a snapshot: the document's final graph)
  CostsPtr costs;                      // measured for `graph` (or the ones passed in)
  PartitionSummary summary;            // of the placement (auto: of the partitioner's placement)
  // Auto partition only: the device of every node key the partitioner placed, by stable key
  // (core/node_keys.h): what the document writes as the auto placement. Pinned keys are left out.
  std::map<std::string, std::string> placement;
  QString error;                       // empty on success; "cancelled" is not an error (see cancelled)
  bool cancelled = false;
};

using JobProgress = std::function<void(const QString& what, int done, int total)>;

// The schedule of `job`'s placement on `graph` (job.devicesFile must be set: the NEST-C device
// list). `costs`: reused when non-null (they must be for this graph and device list).
PartitionOutcome scheduleJob(driver::Job job, std::shared_ptr<const Graph> imported, std::shared_ptr<const Graph> graph,
                             CostsPtr costs, Cancel cancel, JobProgress progress = {});
// The partitioner (job.strategy, normally "auto") with the job's device assignments as pins.
PartitionOutcome autoPartitionJob(driver::Job job, std::shared_ptr<const Graph> imported,
                                  std::shared_ptr<const Graph> graph, CostsPtr costs, Cancel cancel,
                                  JobProgress progress = {});

}  // namespace nest::gui
