// The registry of graph passes and the named pipelines (-O0, -O1, -O2).
#pragma once
#include <string>
#include <vector>

#include "passes/pass.h"

namespace nest {

// The built-in passes, then the plugin passes in the order they were registered. Copies: a plugin
// may register while a pipeline runs on another thread (the workbench), so the registry hands out
// no references into itself.
std::vector<PassInfo> allPasses();
// Throws BadInput naming the known passes when `name` is unknown.
PassInfo findPass(const std::string& name);

// Where a pass comes from: kBuiltinOrigin, or the path of the plugin that registered it
// (passes/pass_plugin.h). Throws BadInput (as findPass) when `name` is unknown.
inline constexpr const char* kBuiltinOrigin = "built-in";
std::string passOrigin(const std::string& name);
// Adds a plugin pass with its origin (the plugin's path). Throws BadInput when the name is empty
// or already registered (naming the built-in or the plugin that has it).
void registerPluginPass(PassInfo pass, const std::string& origin);

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
