// The reference interpreter: runs a graph node by node with the op table's reference kernels.
// It is the ground truth every other backend is compared against. It also runs control flow
// decided at run time (If, Loop: core/ops/control_flow_ops.cpp) by running their subgraphs with
// interpreters of their own.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/op_table.h"

namespace nest {

class Interpreter {
 public:
  // A Loop (decided at run time) that runs more iterations than this fails naming the node: a
  // condition that never turns false must not hang.
  static constexpr int64_t kMaxLoopIterations = 1000000;

  // Verifies the graph and prepares the plan (kernels, when each value dies).
  explicit Interpreter(const Graph& graph);

  // Runs with inputs in graph-input order; returns outputs in graph-output order.
  // Throws BadInput when an input's type or shape differs from the graph's.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) const;

  // Optional observer called after each node with its results (profiling, debugging).
  using NodeObserver = std::function<void(const Node&, const std::vector<Tensor>&)>;
  void setObserver(NodeObserver observer) { observer_ = std::move(observer); }

  const Graph& graph() const { return graph_; }

 private:
  struct Step {
    const OpDef* def;
    std::vector<TensorType> outputTypes;
    std::vector<std::string> release;  // values last used by this step
    // If (then, else) and Loop (body): interpreters of the node's subgraphs, which run them.
    std::vector<std::shared_ptr<const Interpreter>> bodies;
  };
  std::vector<Tensor> runIf(const Node& n, const Step& s, const std::vector<const Tensor*>& ins) const;
  std::vector<Tensor> runLoop(const Node& n, const Step& s, const std::vector<const Tensor*>& ins) const;
  const Graph& graph_;
  std::vector<Step> steps_;
  NodeObserver observer_;
};

// Runs `runOnce` over inputs whose leading dimension is k times the graph input's: each run gets
// one slice of every such input, and the outputs are concatenated along the leading dimension.
// With k == 1 this is a single run. Throws when inputs disagree on k or do not divide evenly.
std::vector<Tensor> runInSlices(const Graph& graph, const std::vector<Tensor>& inputs,
                                const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& runOnce);

}  // namespace nest
