// A graph pass: a named, documented rewrite of a Graph. Passes are plain functions registered in
// passes/pass_registry.cpp; the PassManager runs them, snapshots the graph after each one and
// derives what changed.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/assignment.h"
#include "core/graph.h"

namespace nest {

struct PassOptions {
  // Constant folding never creates a constant larger than this many bytes, nor one larger than
  // the sum of the constants it replaces by more than this (so folding never bloats the model).
  size_t foldSizeLimitBytes = 1 << 20;
  // Per-node assignments (device, precision) by node key. A pass never merges two nodes the
  // assignments tell apart (rewrite::mayMerge); fusing an activation into its producer is the one
  // exception: the activation follows its producer, and the pass says so in `notes`.
  std::shared_ptr<const Assignments> assignments;
  // Where a pass records what the user should know about its result (the pass manager moves
  // them into the PassRecord). May be null.
  std::vector<std::string>* notes = nullptr;
};

// Returns true when it changed the graph. A pass keeps the graph valid (the verifier runs after
// each pass in tests), keeps graph input and output names, never reuses node ids, and sets
// `origin` on each node it creates (and appends to `origin` of a node that absorbs others) so
// provenance can be traced (see passes/rewrite.h for the helpers that do this).
// A std::function so that a pass may carry bound data (the quantize pass: profile and config).
using PassFn = std::function<bool(Graph& graph, const PassOptions& options)>;

struct PassInfo {
  std::string name;     // command-line name, e.g. "fold-batchnorm"
  std::string summary;  // one line for --help and the workbench
  PassFn run;
};

}  // namespace nest
