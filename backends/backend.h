// The backend interface: what the driver, the partitioner and the workbench ask of a device's
// compiler. A backend answers which nodes it supports (and why not), what a node costs on it,
// compiles an optimized (sub)graph into an artifact (bundle files) and runs an artifact.
// Backends receive graphs after the graph pipeline: they never run graph passes themselves.
// Every backend is listed in backends/backend_registry.cpp.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest {

// What a backend runs: element types of operands and results, and the precisions a node
// assigned to it may have ("fp32", "int8", "int16").
struct BackendCapabilities {
  std::vector<ElemType> elementTypes;
  std::vector<std::string> precisions;
  bool generatesCode = false;  // its artifact is a source bundle a C compiler builds
};

// A node's estimated cost on a backend, in microseconds, with the figures it came from.
struct NodeCost {
  double microseconds = 0;
  int64_t macs = 0;
  int64_t bytes = 0;  // operand and result bytes moved
};

struct CompileRequest {
  std::string name = "model";  // C identifier: entry function and file names of a bundle
  bool keepDumps = false;      // keep the dump after every LIR pass (CPU)
};

// What a backend compiled: the graph it was given and the files of its bundle.
class Artifact {
 public:
  virtual ~Artifact() = default;
  std::string backend;
  std::string name;
  std::shared_ptr<const Graph> graph;  // as compiled
  // Writes the bundle into `dir` (created if needed); returns the relative file names.
  virtual std::vector<std::string> write(const std::filesystem::path& dir) const = 0;
  // Where the nodes run when a backend places some of them elsewhere (the NPU's CPU fallback),
  // as lines for people; empty when every node runs on the backend itself.
  virtual std::vector<std::string> placement() const { return {}; }
};

// A loaded artifact: runs inputs in graph-input order to outputs in graph-output order.
class Runner {
 public:
  virtual ~Runner() = default;
  virtual std::vector<Tensor> run(const std::vector<Tensor>& inputs) = 0;
  // What the runs so far measured, as lines for people (the NPU: cycles per node, then a total
  // line); empty for backends that measure nothing.
  virtual std::vector<std::string> statistics() const { return {}; }
  // Threads the following runs use (the CPU backend's kernels; results are identical for every
  // count). False when this runner runs on one thread only and `threads` is not 1.
  virtual bool setThreads(int threads) { return threads == 1; }
};

struct UnsupportedNode;  // passes/lowering/lower_to_lir.h

// The reason every compiled backend gives for a node with subgraphs (If, Loop decided at run time:
// core/ops/control_flow_ops.cpp), "" for any other node. Only the interpreter runs them.
inline std::string runtimeControlFlowReason(const Node& node) {
  if (node.op != "If" && node.op != "Loop") return "";
  return node.op + ": control flow decided at run time runs in the interpreter (subgraphs are not compiled)";
}

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  virtual BackendCapabilities capabilities() const = 0;
  // "" when the backend runs `node` of `graph`; otherwise the reason, naming the op, attribute
  // or element type it lacks.
  virtual std::string unsupportedReason(const Graph& graph, const Node& node) const = 0;
  // Default: MACs at 1 GMAC/s plus bytes at 10 GB/s (a rough single-core CPU).
  virtual NodeCost cost(const Graph& graph, const Node& node) const;
  // Throws Unsupported listing every unsupported node before compiling anything.
  virtual std::shared_ptr<const Artifact> compile(const Graph& graph, const CompileRequest& request) const = 0;
  virtual std::unique_ptr<Runner> load(const Artifact& artifact) const = 0;

  bool supports(const Graph& graph, const Node& node) const { return unsupportedReason(graph, node).empty(); }
  bool runsPrecision(const std::string& precision) const;
  // Every node `unsupportedReason` refuses, as "node 'x' (Op): reason" lines (empty when none).
  std::vector<std::string> unsupportedNodes(const Graph& graph) const;
  // Throws Unsupported: "the NAME backend does not support N node(s):" and the lines.
  void requireSupported(const Graph& graph) const;
};

}  // namespace nest
