#include "backends/interpreter/interpreter.h"

#include <cstring>
#include <unordered_map>

#include "core/error.h"
#include "core/verifier.h"

namespace nest {

Interpreter::Interpreter(const Graph& graph) : graph_(graph) {
  verifyGraph(graph_);
  std::unordered_map<std::string, size_t> lastUse;
  for (size_t i = 0; i < graph_.nodes.size(); ++i)
    for (const std::string& in : graph_.nodes[i].inputs)
      if (!in.empty() && !graph_.isConstant(in)) lastUse[in] = i;
  for (const std::string& out : graph_.outputs) lastUse.erase(out);
  steps_.resize(graph_.nodes.size());
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    Step& s = steps_[i];
    s.def = OpTable::instance().find(n.op);
    if (s.def->hasSubgraphs()) {
      for (const char* name : n.op == "If" ? std::vector<const char*>{"then_branch", "else_branch"}
                                           : std::vector<const char*>{"body"})
        s.bodies.push_back(std::make_shared<const Interpreter>(*n.attrs.getGraph(name)));
    } else if (!s.def->kernel) {
      failUnsupported(n.describe() + ": the interpreter has no kernel for this op");
    }
    for (const std::string& out : n.outputs) s.outputTypes.push_back(graph_.typeOf(out));
  }
  for (const auto& [value, step] : lastUse) steps_[step].release.push_back(value);
}

std::vector<Tensor> Interpreter::run(const std::vector<Tensor>& inputs) const {
  if (inputs.size() != graph_.inputs.size())
    failBadInput("the model takes " + std::to_string(graph_.inputs.size()) + " inputs, " +
                 std::to_string(inputs.size()) + " given");
  std::unordered_map<std::string, Tensor> env;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string& name = graph_.inputs[i];
    const TensorType& want = graph_.typeOf(name);
    if (inputs[i].elem() != want.elem || inputs[i].shape() != want.shape)
      failBadInput("input '" + name + "' must be " + typeToString(want) + ", got " + typeToString(inputs[i].type()));
    env[name] = inputs[i];
  }
  auto lookup = [&](const std::string& v) -> const Tensor* {
    if (v.empty()) return nullptr;
    if (const Tensor* c = graph_.constant(v)) return c;
    auto it = env.find(v);
    if (it == env.end()) failInternal("value '" + v + "' was not computed");
    return &it->second;
  };
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Node& n = graph_.nodes[i];
    const Step& s = steps_[i];
    std::vector<const Tensor*> ins;
    ins.reserve(n.inputs.size());
    for (const std::string& in : n.inputs) ins.push_back(lookup(in));
    std::vector<Tensor> outs = s.bodies.empty() ? runKernel(*s.def, n, ins, s.outputTypes)
                               : n.op == "If"   ? runIf(n, s, ins)
                                                : runLoop(n, s, ins);
    if (observer_) observer_(n, outs);
    for (size_t k = 0; k < outs.size(); ++k) env[n.outputs[k]] = std::move(outs[k]);
    for (const std::string& dead : s.release) env.erase(dead);
  }
  std::vector<Tensor> results;
  for (const std::string& out : graph_.outputs) results.push_back(*lookup(out));
  return results;
}

namespace {

bool truth(const Tensor& t) { return t.getDouble(0) != 0.0; }

}  // namespace

// If: operands (cond, captured...); the taken branch runs on the captured values.
std::vector<Tensor> Interpreter::runIf(const Node& n, const Step& s, const std::vector<const Tensor*>& ins) const {
  const Interpreter& branch = *s.bodies[truth(*ins.at(0)) ? 0 : 1];
  std::vector<Tensor> args;
  for (size_t i = 1; i < ins.size(); ++i) args.push_back(*ins[i]);
  try {
    return branch.run(args);
  } catch (const Error& e) {
    throw Error(e.kind(), n.describe() + ", " + (truth(*ins[0]) ? "then_branch" : "else_branch") + ": " + e.what());
  }
}

// Loop: operands (M, cond, carried..., captured...). ONNX semantics: the body runs while the
// iteration number is below M (when given) and the condition is true (when given); it takes
// (iteration, condition, carried..., captured...) and gives (condition, carried...).
std::vector<Tensor> Interpreter::runLoop(const Node& n, const Step& s, const std::vector<const Tensor*>& ins) const {
  const Interpreter& body = *s.bodies[0];
  const Graph& g = body.graph();
  const size_t carried = n.outputs.size();
  const bool hasM = ins.at(0) != nullptr, hasCond = ins.at(1) != nullptr;
  const int64_t trips = hasM ? ins[0]->getInt(0) : 0;
  bool cond = hasCond ? truth(*ins[1]) : true;
  std::vector<Tensor> args;
  args.push_back(Tensor(g.typeOf(g.inputs[0])));
  args.push_back(Tensor(g.typeOf(g.inputs[1])));
  for (size_t i = 2; i < ins.size(); ++i) args.push_back(*ins[i]);
  for (int64_t it = 0; (!hasM || it < trips) && cond; ++it) {
    if (it == kMaxLoopIterations)
      failBadInput(n.describe() + ": ran " + std::to_string(kMaxLoopIterations) +
                   " iterations without its condition turning false (the interpreter's limit)");
    args[0] = Tensor::fromVector<int64_t>(ElemType::I64, g.typeOf(g.inputs[0]).shape, {it});
    args[1] = Tensor::fromVector<uint8_t>(ElemType::Bool, g.typeOf(g.inputs[1]).shape, {static_cast<uint8_t>(cond)});
    std::vector<Tensor> results;
    try {
      results = body.run(args);
    } catch (const Error& e) {
      throw Error(e.kind(), n.describe() + ", iteration " + std::to_string(it) + ": " + e.what());
    }
    if (hasCond) cond = truth(results[0]);  // without a condition operand the body's is ignored (ONNX)
    for (size_t k = 0; k < carried; ++k) args[2 + k] = std::move(results[1 + k]);
  }
  return std::vector<Tensor>(std::make_move_iterator(args.begin() + 2),
                             std::make_move_iterator(args.begin() + 2 + static_cast<std::ptrdiff_t>(carried)));
}

std::vector<Tensor> runInSlices(const Graph& graph, const std::vector<Tensor>& inputs,
                                const std::function<std::vector<Tensor>(const std::vector<Tensor>&)>& runOnce) {
  if (inputs.size() != graph.inputs.size())
    failBadInput("the model takes " + std::to_string(graph.inputs.size()) + " inputs, " +
                 std::to_string(inputs.size()) + " given");
  int64_t k = 1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorType& want = graph.typeOf(graph.inputs[i]);
    const Shape& have = inputs[i].shape();
    if (have == want.shape || want.shape.empty() || have.size() != want.shape.size() || want.shape[0] == 0) continue;
    bool restSame = std::equal(have.begin() + 1, have.end(), want.shape.begin() + 1);
    if (!restSame || have[0] % want.shape[0] != 0) continue;  // run() reports the mismatch
    int64_t ki = have[0] / want.shape[0];
    if (k != 1 && ki != k)
      failBadInput("input '" + graph.inputs[i] + "' holds " + std::to_string(ki) + " batches but another input holds " +
                   std::to_string(k));
    k = ki;
  }
  if (k == 1) return runOnce(inputs);
  std::vector<std::vector<Tensor>> perRun;
  for (int64_t r = 0; r < k; ++r) {
    std::vector<Tensor> slice;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const TensorType& want = graph.typeOf(graph.inputs[i]);
      if (inputs[i].shape() == want.shape) {
        slice.push_back(inputs[i]);
        continue;
      }
      Tensor part(TensorType(inputs[i].elem(), want.shape));
      std::memcpy(part.rawMutable(), static_cast<const char*>(inputs[i].raw()) + r * part.byteSize(), part.byteSize());
      slice.push_back(std::move(part));
    }
    perRun.push_back(runOnce(slice));
  }
  std::vector<Tensor> outputs;
  for (size_t o = 0; o < perRun[0].size(); ++o) {
    const Tensor& first = perRun[0][o];
    Shape shape = first.shape();
    if (shape.empty()) shape = {1};
    shape[0] *= k;
    Tensor all(TensorType(first.elem(), shape));
    for (int64_t r = 0; r < k; ++r)
      std::memcpy(static_cast<char*>(all.rawMutable()) + r * first.byteSize(), perRun[r][o].raw(), first.byteSize());
    outputs.push_back(std::move(all));
  }
  return outputs;
}

}  // namespace nest
