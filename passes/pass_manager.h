// Runs a pipeline and instruments it: after every pass an immutable snapshot of the graph (sharing
// constant storage with the others), the pass's wall time, node counts, and a change record
// (nodes added, removed, modified, rewired; provenance of the nodes the pass created or merged).
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "passes/pass.h"
#include "passes/pass_registry.h"

namespace nest {

struct ChangeRecord {
  // modified: the node itself changed (op, attributes, results, result or operand types, operand
  // weights, operand count, or it absorbed other nodes). rewired: only the names of some operands
  // differ (an upstream node was folded or merged and the node now reads its replacement); the
  // node computes the same thing from the same kinds of values. The two lists are disjoint.
  std::vector<NodeId> added, removed, modified, rewired;
  // For each added or modified node whose provenance grew in this pass: the ids it came from.
  std::map<NodeId, std::vector<NodeId>> derivedFrom;
  bool empty() const { return added.empty() && removed.empty() && modified.empty() && rewired.empty(); }
};

// Compares two graphs by node id: added/removed ids, modified and rewired nodes (see ChangeRecord).
ChangeRecord diffGraphs(const Graph& before, const Graph& after);

struct PassRecord {
  std::string pass;
  std::string summary;  // the pass's one-line summary (bound passes are not in the registry)
  int round = 0;  // fixed-point round within its stage (0 for single passes)
  double milliseconds = 0;
  size_t nodesBefore = 0, nodesAfter = 0;
  bool changed = false;
  ChangeRecord changes;
  std::vector<std::string> notes;  // what the pass says the user should know (PassOptions::notes)
  std::shared_ptr<const Graph> after;  // snapshot
};

struct PipelineRun {
  std::shared_ptr<const Graph> initial;
  std::vector<PassRecord> records;
  const Graph& result() const { return records.empty() ? *initial : *records.back().after; }

  // Provenance: the nodes of the initial graph a node (of any snapshot) derives from, and the
  // nodes of the final graph an initial node became (empty when it was removed without a trace,
  // e.g. dead code).
  std::vector<NodeId> traceBack(NodeId id) const;
  // The same at pipeline record `record` (-1: the initial graph): only what the passes up to and
  // including that one recorded, so a node never lists nodes that later passes merge into it.
  std::vector<NodeId> traceBackAt(NodeId id, int record) const;
  // The record whose snapshot is `graph` (the first, as unchanged passes may share it), -1 for
  // the initial graph, -2 when it is none of them.
  int recordOf(const Graph* graph) const;
  std::vector<NodeId> traceForward(NodeId initialId) const;
};

struct PassManagerOptions {
  PassOptions passOptions;
  bool verifyEachPass = false;  // run the verifier after every pass (tests turn it on)
  // Called after each pass (progress for the GUI and CLI); return false to cancel.
  std::function<bool(const PassRecord&)> onPass;
};

// Runs the pipeline on a copy of `graph`. Throws the pass's Error (naming the pass) if a pass fails
// or, with verifyEachPass, leaves an invalid graph.
PipelineRun runPipeline(const Graph& graph, const Pipeline& pipeline, const PassManagerOptions& options = {});

}  // namespace nest
