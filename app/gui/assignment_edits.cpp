#include "app/gui/assignment_edits.h"

#include <set>

#include "core/node_keys.h"

namespace nest::gui {

std::vector<NodeRef> nodeRefs(const Graph& graph, const QList<NodeId>& ids) {
  const std::set<NodeId> wanted(ids.begin(), ids.end());
  std::set<std::string> seen;
  std::vector<NodeRef> refs;
  for (const Node& n : graph.nodes) {
    if (!wanted.count(n.id)) continue;
    const std::string key = stableKey(n);
    if (seen.insert(key).second) refs.push_back({key, n.name, glowStyleName(n)});
  }
  return refs;
}

void editAssignments(ProjectFile& project, const std::vector<NodeRef>& nodes,
                     const std::function<void(Assignment&)>& change) {
  if (!project.nodes.is_object()) project.nodes = nlohmann::json::object();
  for (const NodeRef& node : nodes) {
    nlohmann::json entry = project.nodes.contains(node.key) ? project.nodes[node.key] : nlohmann::json::object();
    Assignment a = parseAssignments(nlohmann::json{{node.key, entry}}, "document").byKey.at(node.key);
    change(a);
    a.name = node.name;
    a.glowName = node.glowName;
    if (a.device.empty()) a.autoPlaced = false;
    // The fields Assignment knows are rewritten; others stay as they were.
    for (const char* field : {"device", "autoPlaced", "precision", "keepFloat", "schema", "calibration", "name", "glowName"})
      entry.erase(field);
    entry.update(assignmentToJson(a));
    const size_t nameFields = entry.contains("name") + entry.contains("glowName");
    if (entry.size() == nameFields)  // nothing assigned any more
      project.nodes.erase(node.key);
    else
      project.nodes[node.key] = entry;
  }
}

Assignments documentAssignments(const ProjectFile& project) { return assignmentsOf(project, "document"); }

}  // namespace nest::gui
