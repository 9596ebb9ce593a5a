#include "backends/hetero/hetero_backend.h"

#include <algorithm>
#include <map>
#include <set>

#include "backends/cpu/cpu_backend_entry.h"
#include "backends/hetero/hetero_bundle_writer.h"
#include "backends/hetero/hetero_runner.h"
#include "backends/npu/npu_backend.h"
#include "core/error.h"
#include "core/subgraph.h"

namespace nest::hetero {

namespace {

class HeteroArtifact final : public Artifact {
 public:
  HeteroModel model;
  std::vector<std::string> write(const std::filesystem::path& dir) const override {
    return writeHeteroBundle(model, *graph, name, dir);
  }
  std::vector<std::string> placement() const override;
};

std::vector<std::string> HeteroArtifact::placement() const {
  std::vector<std::string> lines = {"hetero: " + std::to_string(model.parts.size()) + " partition(s) in " +
                                    std::to_string(model.stages.size()) + " stage(s)"};
  for (size_t k = 0; k < model.parts.size(); ++k) {
    const HeteroPart& p = model.parts[k];
    lines.push_back("  p" + std::to_string(k) + " " + p.deviceName + " (" + p.kind + "): " + std::to_string(p.nodeCount) +
                    " node(s), " + std::to_string(p.inputs.size()) + " input(s), " + std::to_string(p.outputs.size()) +
                    " output(s)");
    for (const std::string& line : p.artifact->placement()) lines.push_back("    " + line);
  }
  for (const std::vector<int>& stage : model.stages) {
    if (stage.size() < 2) continue;
    std::string group = "  parallel:";
    for (int k : stage) group += " p" + std::to_string(k);
    lines.push_back(group);
  }
  return lines;
}

std::string partitionName(size_t k) { return "partition " + std::to_string(k); }

// Every way the schedule does not fit the graph or the devices, as lines.
std::vector<std::string> scheduleProblems(const Graph& graph, const partition::Schedule& s, size_t deviceCount) {
  std::vector<std::string> problems;
  if (s.deviceOfNode.size() != graph.nodes.size())
    problems.push_back("deviceOfNode places " + std::to_string(s.deviceOfNode.size()) + " node(s), the graph has " +
                       std::to_string(graph.nodes.size()));
  std::vector<int> partOfNode(graph.nodes.size(), -1);
  for (size_t k = 0; k < s.partitions.size(); ++k) {
    const partition::ScheduledPartition& p = s.partitions[k];
    if (p.device < 0 || static_cast<size_t>(p.device) >= deviceCount)
      problems.push_back(partitionName(k) + " is on device " + std::to_string(p.device) + ", there are " +
                         std::to_string(deviceCount) + " device(s)");
    if (p.nodes.empty()) problems.push_back(partitionName(k) + " has no nodes");
    for (size_t n : p.nodes) {
      if (n >= graph.nodes.size()) {
        problems.push_back(partitionName(k) + " names node index " + std::to_string(n) + ", the graph has " +
                           std::to_string(graph.nodes.size()) + " node(s)");
        continue;
      }
      if (partOfNode[n] >= 0)
        problems.push_back(graph.nodes[n].describe() + " is in " + partitionName(partOfNode[n]) + " and " + partitionName(k));
      partOfNode[n] = static_cast<int>(k);
      if (n < s.deviceOfNode.size() && s.deviceOfNode[n] != p.device)
        problems.push_back(graph.nodes[n].describe() + " is placed on device " + std::to_string(s.deviceOfNode[n]) +
                           " but is in " + partitionName(k) + " on device " + std::to_string(p.device));
    }
  }
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    if (partOfNode[n] < 0) problems.push_back(graph.nodes[n].describe() + " is in no partition");
  std::set<int> grouped;
  for (const std::vector<int>& group : s.parallelGroups)
    for (int k : group) {
      if (k < 0 || static_cast<size_t>(k) >= s.partitions.size())
        problems.push_back("parallel group names partition " + std::to_string(k) + ", there are " +
                           std::to_string(s.partitions.size()));
      else if (!grouped.insert(k).second)
        problems.push_back(partitionName(k) + " is in more than one parallel group (or twice in one)");
    }
  return problems;
}

// The stages: partitions in order, a parallel group as one stage where its first member comes.
std::vector<std::vector<int>> stagesOf(const partition::Schedule& s) {
  std::map<int, const std::vector<int>*> groupOf;
  for (const std::vector<int>& group : s.parallelGroups)
    for (int k : group) groupOf[k] = &group;
  std::vector<std::vector<int>> stages;
  std::set<int> staged;
  for (int k = 0; k < static_cast<int>(s.partitions.size()); ++k) {
    if (staged.count(k)) continue;
    std::vector<int> stage = groupOf.count(k) ? *groupOf[k] : std::vector<int>{k};
    std::sort(stage.begin(), stage.end());
    staged.insert(stage.begin(), stage.end());
    stages.push_back(std::move(stage));
  }
  return stages;
}

}  // namespace

HeteroBackend::HeteroBackend(std::vector<HeteroDevice> devices, partition::Schedule schedule)
    : devices_(std::move(devices)), schedule_(std::move(schedule)) {
  if (devices_.empty()) failBadInput("the hetero backend needs at least one device");
  for (const HeteroDevice& d : devices_)
    if (!d.backend) failBadInput("device '" + d.config.name + "' (" + d.config.backendName + ") has no backend");
}

std::string HeteroBackend::description() const {
  std::string text = "heterogeneous: " + std::to_string(schedule_.partitions.size()) + " partition(s) on";
  for (size_t i = 0; i < devices_.size(); ++i)
    text += (i ? ", " : " ") + devices_[i].config.name + " (" + devices_[i].backend->name() + ")";
  return text + "; parallel groups run on threads";
}

BackendCapabilities HeteroBackend::capabilities() const {
  BackendCapabilities caps;
  caps.generatesCode = true;
  for (const HeteroDevice& d : devices_) {
    const BackendCapabilities c = d.backend->capabilities();
    for (ElemType e : c.elementTypes)
      if (std::find(caps.elementTypes.begin(), caps.elementTypes.end(), e) == caps.elementTypes.end()) caps.elementTypes.push_back(e);
    for (const std::string& p : c.precisions)
      if (std::find(caps.precisions.begin(), caps.precisions.end(), p) == caps.precisions.end()) caps.precisions.push_back(p);
  }
  return caps;
}

std::string HeteroBackend::unsupportedReason(const Graph& graph, const Node& node) const {
  size_t index = graph.nodes.size();
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (&graph.nodes[i] == &node || graph.nodes[i].id == node.id) {
      index = i;
      break;
    }
  if (index >= schedule_.deviceOfNode.size()) return "the schedule does not place this node";
  const int d = schedule_.deviceOfNode[index];
  if (d < 0 || static_cast<size_t>(d) >= devices_.size()) return "the schedule places it on device " + std::to_string(d) + ", which does not exist";
  const Backend& backend = *devices_[d].backend;
  std::string reason = backend.unsupportedReason(graph, node);
  // The NPU backend runs what its NPU does not on the host CPU (its own fallback).
  if (!reason.empty() && backend.name() == "npu" && cpu::CpuBackend().supports(graph, node)) return "";
  return reason.empty() ? "" : devices_[d].config.name + " (" + backend.name() + "): " + reason;
}

std::shared_ptr<const Artifact> HeteroBackend::compile(const Graph& graph, const CompileRequest& request) const {
  const std::vector<std::string> problems = scheduleProblems(graph, schedule_, devices_.size());
  if (!problems.empty()) {
    std::string msg = "the schedule does not fit graph '" + graph.name + "' (" + std::to_string(problems.size()) + " problem(s)):";
    for (const std::string& p : problems) msg += "\n  " + p;
    failBadInput(msg);
  }
  requireSupported(graph);

  auto artifact = std::make_shared<HeteroArtifact>();
  artifact->backend = name();
  artifact->name = request.name;
  artifact->graph = std::make_shared<const Graph>(graph);
  HeteroModel& model = artifact->model;
  model.stages = stagesOf(schedule_);

  // Which part produces each value, as (part, output index).
  std::map<std::string, ValueSource> producer;
  for (size_t k = 0; k < graph.inputs.size(); ++k) producer[graph.inputs[k]] = {-1, k};
  std::vector<int> stageOf(schedule_.partitions.size());
  for (size_t s = 0; s < model.stages.size(); ++s)
    for (int k : model.stages[s]) stageOf[k] = static_cast<int>(s);

  model.parts.resize(schedule_.partitions.size());
  for (size_t k = 0; k < schedule_.partitions.size(); ++k) {
    const partition::ScheduledPartition& sp = schedule_.partitions[k];
    std::vector<size_t> nodes = sp.nodes;
    std::sort(nodes.begin(), nodes.end());
    const std::string partName = request.name + "_p" + std::to_string(k);
    const Graph sub = extractSubgraph(graph, nodes, partName);
    HeteroPart& part = model.parts[k];
    const HeteroDevice& device = devices_[sp.device];
    part.deviceName = device.config.name;
    part.kind = device.backend->name();
    part.nodeCount = nodes.size();
    part.inputs = sub.inputs;
    part.outputs = sub.outputs;
    part.backend = device.backend;
    for (size_t i = 0; i < sub.outputs.size(); ++i) producer[sub.outputs[i]] = {static_cast<int>(k), i};
    part.artifact = device.backend->compile(sub, CompileRequest{partName, request.keepDumps});
    if (part.kind == "npu") part.npuClockMhz = npu::npuModelOf(*part.artifact).config.clockMhz;
  }

  // Every part reads what an earlier stage (or the caller) made.
  std::vector<std::string> order;
  for (size_t k = 0; k < model.parts.size(); ++k) {
    HeteroPart& part = model.parts[k];
    for (const std::string& v : part.inputs) {
      auto it = producer.find(v);
      if (it == producer.end()) failInternal("value '" + v + "' read by partition " + std::to_string(k) + " has no producer");
      const ValueSource src = it->second;
      if (src.part >= 0 && stageOf[src.part] >= stageOf[k])
        order.push_back(partitionName(k) + " reads '" + v + "' from " + partitionName(src.part) +
                        (stageOf[src.part] == stageOf[k] ? ", in the same parallel group" : ", which runs later"));
      part.sources.push_back(src);
    }
  }
  if (!order.empty()) {
    std::string msg = "the schedule's partitions cannot run in its order:";
    for (const std::string& p : order) msg += "\n  " + p;
    failBadInput(msg);
  }
  for (const std::string& v : graph.outputs) {
    auto it = producer.find(v);
    if (it == producer.end()) failBadInput("graph output '" + v + "' is produced by no partition");
    model.outputSources.push_back(it->second);
  }
  return artifact;
}

std::unique_ptr<Runner> HeteroBackend::load(const Artifact& artifact) const {
  return loadHetero(heteroModelOf(artifact), *artifact.graph);
}

const HeteroModel& heteroModelOf(const Artifact& artifact) {
  const auto* a = dynamic_cast<const HeteroArtifact*>(&artifact);
  if (!a) failBadInput("artifact '" + artifact.name + "' of backend " + artifact.backend + " is not a hetero artifact");
  return a->model;
}

}  // namespace nest::hetero
