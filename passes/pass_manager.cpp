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
// `sameConstants` / `sameTypes`: the two graphs share their constant / type table, so a value
// of the same name has the same weights / type in both and need not be looked up.
NodeChange compareNodes(const Node& a, const Graph& ga, const Node& b, const Graph& gb, bool sameConstants,
                        bool sameTypes) {
  if (a.op != b.op || a.outputs != b.outputs || a.inputs.size() != b.inputs.size() || !(a.attrs == b.attrs))
    return NodeChange::Modified;
  if (!sameTypes)
    for (size_t i = 0; i < a.outputs.size(); ++i)
      if (!(ga.typeOf(a.outputs[i]) == gb.typeOf(b.outputs[i]))) return NodeChange::Modified;
  bool renamed = false;
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    const std::string& ina = a.inputs[i];
    const std::string& inb = b.inputs[i];
    if (ina.empty() != inb.empty()) return NodeChange::Modified;  // optional operand dropped or given
    if (ina.empty()) continue;
    const bool sameName = ina == inb;
    if (sameName && sameConstants) continue;  // the same value: same weights, same type
    const Tensor* ca = ga.constant(ina);
    const Tensor* cb = gb.constant(inb);
    if ((ca == nullptr) != (cb == nullptr)) return NodeChange::Modified;
    if (ca && !(ca->type() == cb->type() && ca->sameBytes(*cb))) return NodeChange::Modified;  // weights rewritten
    if (sameName) continue;
    // Another value in the same place: only a rewiring when it has the operand's type.
    if (!(ga.typeOf(ina) == gb.typeOf(inb))) return NodeChange::Modified;
    renamed = true;
  }
  return renamed ? NodeChange::Rewired : NodeChange::None;
}

}  // namespace

ChangeRecord diffGraphs(const Graph& before, const Graph& after) {
  ChangeRecord c;
  const bool sameConstants = before.sharesConstantsWith(after);
  const bool sameTypes = before.sharesTypesWith(after);
  // Most nodes keep their position: match by position first, by id (an index built on the first
  // miss) otherwise.
  std::unordered_map<NodeId, size_t> indexOfId;
  auto findBefore = [&](NodeId id, size_t position) -> const Node* {
    if (position < before.nodes.size() && before.nodes[position].id == id) return &before.nodes[position];
    if (indexOfId.empty() && !before.nodes.empty()) {
      indexOfId.reserve(before.nodes.size());
      for (size_t i = 0; i < before.nodes.size(); ++i) indexOfId[before.nodes[i].id] = i;
    }
    auto it = indexOfId.find(id);
    return it == indexOfId.end() ? nullptr : &before.nodes[it->second];
  };
  std::vector<char> seen(before.nodes.size(), 0);  // by index in before.nodes
  for (size_t position = 0; position < after.nodes.size(); ++position) {
    const Node& n = after.nodes[position];
    const Node* old = findBefore(n.id, position);
    if (!old) {
      c.added.push_back(n.id);
      if (!n.origin.empty()) c.derivedFrom[n.id] = n.origin;
      continue;
    }
    seen[static_cast<size_t>(old - before.nodes.data())] = 1;
    NodeChange change = compareNodes(*old, before, n, after, sameConstants, sameTypes);
    if (n.origin != old->origin) {
      std::vector<NodeId> grown;
      for (NodeId id : n.origin)
        if (std::find(old->origin.begin(), old->origin.end(), id) == old->origin.end()) grown.push_back(id);
      c.derivedFrom[n.id] = grown;
      change = NodeChange::Modified;  // it absorbed other nodes
    }
    if (change == NodeChange::Modified) c.modified.push_back(n.id);
    else if (change == NodeChange::Rewired) c.rewired.push_back(n.id);
  }
  for (size_t i = 0; i < before.nodes.size(); ++i)
    if (!seen[i]) c.removed.push_back(before.nodes[i].id);
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
