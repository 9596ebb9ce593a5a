// The work the workbench does off the UI thread (run with QtConcurrent): import a model (or a
// .nestproj project: its model, input shapes and pipeline), run the pipeline (-O1 for a plain
// model) on it and lay out the result; lay out one pipeline snapshot. Each job returns its
// outcome (never throws), so the UI thread only has to look at `error`.
#pragma once
#include <QString>

#include <atomic>
#include <memory>
#include <set>
#include <string>

#include "app/gui/graph_view.h"
#include "app/render/graph_layout.h"
#include "core/graph_stats.h"
#include "core/project_file.h"
#include "core/quant_profile.h"
#include "driver/job.h"
#include "passes/lowering/lir_passes.h"
#include "passes/pass_manager.h"

namespace nest::gui {

using Cancel = std::shared_ptr<std::atomic<bool>>;
using LayoutPtr = std::shared_ptr<const render::GraphLayout>;

// How the main view groups a graph by name scope (render::LayoutOptions::groupByScope).
struct ViewGrouping {
  bool byScope = false;
  std::set<std::string> collapsed;  // scopes drawn as one box
  // Decided by the job from the graph: every group collapsed when the graph has more than
  // kCollapseAbove nodes (a readable first view of a big model), none otherwise.
  bool automatic = false;
  bool operator==(const ViewGrouping&) const = default;
};
inline constexpr size_t kCollapseAbove = 1000;
// Every group's scope in the graph (what "Collapse All Groups" collapses).
std::set<std::string> allScopes(const Graph& graph);

struct LoadedModel {
  QString path;         // the model file (for a project: its resolved model path)
  QString projectPath;  // the .nestproj it came from, or empty
  // The settings used (model = path; pipeline; input shapes; assignments), every path in it
  // absolute (model, quantization.profile, deviceConfig).
  ProjectFile project;
  std::shared_ptr<const Graph> imported;            // the import, kept so edits never redo it
  std::shared_ptr<const QuantProfile> profile;      // read once, reused by edits (null: none)
  PipelineRun run;     // the pipeline on the imported graph
  LayoutPtr layout;    // of run.result()
  ViewGrouping grouping;  // of `layout` (never automatic)
  PreparedItemsPtr prepared;  // the items of a big `layout`, made in the job (null: small)
  GraphStats stats;    // of run.result()
};

struct LoadOutcome {
  std::shared_ptr<const LoadedModel> model;  // null on error or cancel
  QString error;                             // the nest::Error message (empty on success)
};

struct LayoutOutcome {
  std::shared_ptr<const Graph> graph;  // the snapshot laid out
  LayoutPtr layout;                    // null on error or cancel
  PreparedItemsPtr prepared;           // its items when asked for and big (GraphView::showLayout)
  GraphStats stats;                    // of graph (for the status bar; costly on big graphs)
  QString error;
};

// The low-level IR of a graph as the CPU backend lowers it: the dump after lowering and after
// each LIR pass (with its time), and the memory figures after planning.
struct LirOutcome {
  std::shared_ptr<const Graph> graph;  // the graph lowered
  std::string initialDump;
  std::vector<lir::LirPassRecord> records;
  size_t kernelCalls = 0, buffers = 0;
  size_t weightBytes = 0, activationBytes = 0, naiveActivationBytes = 0;
  QString error;  // unsupported nodes or another nest::Error message (empty on success)
};

// `path` is a model file or a .nestproj project (see isProjectFile).
// `modelOverride`: for a project, the model to open instead of the one it names.
// `grouping`: how the result is laid out.
LoadOutcome loadModelJob(const QString& path, Cancel cancel, const QString& modelOverride = QString(),
                         ViewGrouping grouping = {});
// After an edit: the graph passes again on `previous`'s imported graph with `project` (the
// document's settings and assignments; absolute paths), not the import; the profile is reread only
// when the project names another one; the layout is reused when the final graph draws the same
// (same nodes, values and types) with the same `grouping`. `projectPath` names the document in
// errors (may be empty).
LoadOutcome recomputeJob(std::shared_ptr<const LoadedModel> previous, ProjectFile project, QString projectPath,
                         Cancel cancel, ViewGrouping grouping = {});
// The driver job of a document: its project's settings, assignments, devices (a deviceConfig is
// read) and quantization (`profile` when given instead of reading the file again).
driver::Job documentJob(const ProjectFile& project, const QString& projectPath,
                        std::shared_ptr<const QuantProfile> profile = nullptr);
// Whether two graphs draw the same (a layout of one serves the other).
bool drawsSame(const Graph& a, const Graph& b);
bool isProjectFile(const QString& path);
// The pipeline a project runs, for messages: "-O1", "-O2", "-O0" or its pass list "[a, b, c]".
QString pipelineName(const ProjectFile& project);
// `prepareItems`: make the view's items of a big layout too (for the one GraphView that shows it).
LayoutOutcome layoutJob(std::shared_ptr<const Graph> graph, Cancel cancel, ViewGrouping grouping = {}, bool prepareItems = false);
// Lowers an already optimized (or quantized) graph with the CPU backend, no graph passes again.
LirOutcome lirJob(std::shared_ptr<const Graph> graph);

}  // namespace nest::gui
