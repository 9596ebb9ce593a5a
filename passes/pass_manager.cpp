#include "passes/pass_manager.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <unordered_map>

#include "core/error.h"
#include "core/verifier.h"

namespace nest {

namespace {

enum class NodeChange { None, Rewired, Modified };

// How node `b` (of `gb`) differs from node `a` (of `ga`), the same id in two snapshots.
NodeChange compareNodes(const Node& a, const Graph& ga, const Node& b, const Graph& gb) {
  if (a.op != b.op || a.outputs != b.outputs || !(a.attrs == b.attrs) || a.inputs.size() != b.inputs.size())
    return NodeChange::Modified;
  for (size_t i = 0; i < a.outputs.size(); ++i)
    if (!(ga.typeOf(a.outputs[i]) == gb.typeOf(b.outputs[i]))) return NodeChange::Modified;
  bool renamed = false;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    if (a.inputs[i].empty() != b.inputs[i].empty()) return NodeChange::Modified;  // optional operand dropped or given
    if (a.inputs[i].empty()) continue;
    const Tensor* ca = ga.constant(a.inputs[i]);
    const Tensor* cb = gb.constant(b.inputs[i]);
    if ((ca == nullptr) != (cb == nullptr)) return NodeChange::Modified;
    if (ca && !(ca->type() == cb->type() && ca->sameBytes(*cb))) return NodeChange::Modified;  // weights rewritten
    if (a.inputs[i] == b.inputs[i]) continue;
    // Another value in the same place: only a rewiring when it has the operand's type.
    if (!(ga.typeOf(a.inputs[i]) == gb.typeOf(b.inputs[i]))) return NodeChange::Modified;
    renamed = true;
  }
  return renamed ? NodeChange::Rewired : NodeChange::None;
}

}  // namespace

ChangeRecord diffGraphs(const Graph& before, const Graph& after) {
  ChangeRecord c;
  std::unordered_map<NodeId, const Node*> old;
  for (const Node& n : before.nodes) old[n.id] = &n;
  std::set<NodeId> seen;
  for (const Node& n : after.nodes) {
    seen.insert(n.id);
    auto it = old.find(n.id);
    if (it == old.end()) {
      c.added.push_back(n.id);
      if (!n.origin.empty()) c.derivedFrom[n.id] = n.origin;
      continue;
    }
    NodeChange change = compareNodes(*it->second, before, n, after);
    if (n.origin != it->second->origin) {
      std::vector<NodeId> grown;
      for (NodeId id : n.origin)
        if (std::find(it->second->origin.begin(), it->second->origin.end(), id) == it->second->origin.end())
          grown.push_back(id);
      c.derivedFrom[n.id] = grown;
      change = NodeChange::Modified;  // it absorbed other nodes
    }
    if (change == NodeChange::Modified) c.modified.push_back(n.id);
    else if (change == NodeChange::Rewired) c.rewired.push_back(n.id);
  }
  for (const Node& n : before.nodes)
    if (!seen.count(n.id)) c.removed.push_back(n.id);
  return c;
}

std::vector<NodeId> PipelineRun::traceBack(NodeId id) const {
  return traceBackAt(id, static_cast<int>(records.size()) - 1);
}

int PipelineRun::recordOf(const Graph* graph) const {
  if (graph == initial.get()) return -1;
  for (size_t i = 0; i < records.size(); ++i)
    if (records[i].after.get() == graph) return static_cast<int>(i);
  return -2;
}

std::vector<NodeId> PipelineRun::traceBackAt(NodeId id, int record) const {
  std::unordered_map<NodeId, std::vector<NodeId>> origin;
  std::set<NodeId> initialIds;
  for (const Node& n : initial->nodes) {
    initialIds.insert(n.id);
    origin[n.id] = n.origin;
  }
  const size_t through = static_cast<size_t>(std::clamp(record + 1, 0, static_cast<int>(records.size())));
  for (size_t i = 0; i < through; ++i)
    for (const Node& n : records[i].after->nodes) {
      auto& o = origin[n.id];
      for (NodeId x : n.origin)
        if (std::find(o.begin(), o.end(), x) == o.end()) o.push_back(x);
    }
  std::set<NodeId> found, visited;
  std::vector<NodeId> stack = {id};
  while (!stack.empty()) {
    NodeId cur = stack.back();
    stack.pop_back();
    if (!visited.insert(cur).second) continue;
    if (initialIds.count(cur)) found.insert(cur);
    for (NodeId o : origin[cur]) stack.push_back(o);
  }
  return {found.begin(), found.end()};
}

std::vector<NodeId> PipelineRun::traceForward(NodeId initialId) const {
  std::vector<NodeId> result;
  for (const Node& n : this->result().nodes) {
    std::vector<NodeId> back = traceBack(n.id);
    if (std::find(back.begin(), back.end(), initialId) != back.end()) result.push_back(n.id);
  }
  return result;
}

namespace {

// A node a pass created without a key takes the key of the first node it came from.
void inheritKeys(const Graph& before, Graph& after) {
  for (Node& n : after.nodes) {
    if (!n.key.empty()) continue;
    for (NodeId o : n.origin) {
      const Node* from = before.findNode(o);
      if (!from) from = after.findNode(o);
      if (from && !from->key.empty()) {
        n.key = from->key;
        break;
      }
    }
  }
}

}  // namespace

PipelineRun runPipeline(const Graph& graph, const Pipeline& pipeline, const PassManagerOptions& options) {
  PipelineRun run;
  run.initial = std::make_shared<const Graph>(graph);
  std::shared_ptr<const Graph> current = run.initial;
  for (const PipelineStage& stage : pipeline) {
    for (int round = 0; round < (stage.fixedPoint ? kMaxFixedPointRounds : 1); ++round) {
      bool anyChange = false;
      for (const std::string& name : stage.passes) {
        auto bound = std::find_if(stage.bound.begin(), stage.bound.end(), [&](const PassInfo& p) { return p.name == name; });
        const PassInfo& pass = bound != stage.bound.end() ? *bound : findPass(name);
        Graph g = *current;  // the snapshot before stays untouched
        auto t0 = std::chrono::steady_clock::now();
        bool changed;
        std::vector<std::string> notes;
        PassOptions passOptions = options.passOptions;
        passOptions.notes = &notes;
        try {
          changed = pass.run(g, passOptions);
          inheritKeys(*current, g);
          if (options.verifyEachPass) verifyGraph(g);
        } catch (const Error& e) {
          throw Error(e.kind(), "pass " + name + ": " + e.what());
        }
        PassRecord r;
        r.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        r.pass = name;
        r.summary = pass.summary;
        r.round = round;
        r.nodesBefore = current->nodes.size();
        r.nodesAfter = g.nodes.size();
        r.changes = diffGraphs(*current, g);
        r.notes = std::move(notes);
        r.changed = changed || !r.changes.empty();
        r.after = r.changed ? std::make_shared<const Graph>(std::move(g)) : current;
        current = r.after;
        anyChange = anyChange || r.changed;
        run.records.push_back(std::move(r));
        if (options.onPass && !options.onPass(run.records.back())) return run;
      }
      if (!anyChange) break;
    }
  }
  return run;
}

}  // namespace nest
