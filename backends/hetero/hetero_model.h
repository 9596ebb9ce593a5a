// What HeteroBackend::compile makes of a scheduled graph (internal to backends/hetero/): one part
// per partition, compiled by its device's backend, where each part's inputs come from, and the
// stages the parts run in (a stage of several parts is a parallel group).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"

namespace nest::hetero {

// Where a value comes from: a graph input (part < 0, index into graph.inputs) or output `index`
// of part `part`.
struct ValueSource {
  int part = -1;
  size_t index = 0;
};

struct HeteroPart {
  std::string deviceName;  // the device configuration's name: "npu0"
  std::string kind;        // its backend: "cpu", "npu", ...
  size_t nodeCount = 0;
  std::vector<std::string> inputs, outputs;  // the part's graph inputs and outputs (cut tensors)
  std::vector<ValueSource> sources;          // [input]
  std::shared_ptr<const Backend> backend;
  std::shared_ptr<const Artifact> artifact;
  double npuClockMhz = 0;  // > 0 for an NPU part: its time is the simulated cycles at this clock
  bool simulated() const { return npuClockMhz > 0; }
};

struct HeteroModel {
  std::vector<HeteroPart> parts;           // in partition order
  std::vector<std::vector<int>> stages;    // run one after the other; the parts of one concurrently
  std::vector<ValueSource> outputSources;  // [graph output]
};

const HeteroModel& heteroModelOf(const Artifact& artifact);

}  // namespace nest::hetero
