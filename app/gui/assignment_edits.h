// Edits of a document's per-node assignments (ProjectFile::nodes, by stable key): what the device
// and precision actions change. Entries are rewritten through core's Assignment (so they stay in
// the project format), keys of the entry this code does not know are kept, and an entry left
// with nothing is removed.
#pragma once
#include <QList>

#include <functional>
#include <string>
#include <vector>

#include "core/assignment.h"
#include "core/project_file.h"

namespace nest::gui {

struct NodeRef {
  std::string key, name, glowName;
};

// The distinct stable keys of `ids` in `graph` (graph order), with their names.
std::vector<NodeRef> nodeRefs(const Graph& graph, const QList<NodeId>& ids);

// Applies `change` to the assignment of every node in `nodes` (a default one when it has none).
void editAssignments(ProjectFile& project, const std::vector<NodeRef>& nodes,
                     const std::function<void(Assignment&)>& change);

// The document's assignments (BadInput when an entry is malformed, which a loaded project never is).
Assignments documentAssignments(const ProjectFile& project);

}  // namespace nest::gui
