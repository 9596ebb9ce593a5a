// The registry of graph passes and the named pipelines (-O0, -O1, -O2).
#pragma once
#include <string>
#include <vector>

#include "passes/pass.h"

namespace nest {

const std::vector<PassInfo>& allPasses();
// Throws BadInput naming the known passes when `name` is unknown.
const PassInfo& findPass(const std::string& name);

// A pipeline stage: passes run in order; a fixed-point stage repeats them until none changes
// the graph (at most kMaxFixedPointRounds rounds).
struct PipelineStage {
  std::vector<std::string> passes;
  bool fixedPoint = false;
  // Passes not in the registry because they carry data (built per run, e.g. quantize with its
  // profile); a name in `passes` is looked up here first.
  std::vector<PassInfo> bound = {};
};
using Pipeline = std::vector<PipelineStage>;
constexpr int kMaxFixedPointRounds = 8;

// "O0", "O1", "O2"; throws BadInput on another name.
Pipeline namedPipeline(const std::string& level);
// A stage running one bound pass once.
PipelineStage boundPassStage(PassInfo pass);
// An explicit list, each pass once, in order.
Pipeline explicitPipeline(const std::vector<std::string>& passes);

}  // namespace nest
