// The work the workbench does off the UI thread (run with QtConcurrent): import a model (or a
// .nestproj project: its model, input shapes and pipeline), run the pipeline (-O1 for a plain
// model) on it and lay out the result; lay out one pipeline snapshot. Each job returns its
// outcome (never throws), so the UI thread only has to look at `error`.
#pragma once
#include <QString>

#include <atomic>
#include <memory>

#include "app/render/graph_layout.h"
#include "core/graph_stats.h"
#include "core/project_file.h"
#include "passes/lowering/lir_passes.h"
#include "passes/pass_manager.h"

namespace nest::gui {

using Cancel = std::shared_ptr<std::atomic<bool>>;
using LayoutPtr = std::shared_ptr<const render::GraphLayout>;

struct LoadedModel {
  QString path;         // the model file (for a project: its resolved model path)
  QString projectPath;  // the .nestproj it came from, or empty
  ProjectFile project;  // the settings used (model = path; pipeline; input shapes)
  PipelineRun run;     // the pipeline on the imported graph
  LayoutPtr layout;    // of run.result()
  GraphStats stats;    // of run.result()
};

struct LoadOutcome {
  std::shared_ptr<const LoadedModel> model;  // null on error or cancel
  QString error;                             // the nest::Error message (empty on success)
};

struct LayoutOutcome {
  std::shared_ptr<const Graph> graph;  // the snapshot laid out
  LayoutPtr layout;                    // null on error or cancel
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
LoadOutcome loadModelJob(const QString& path, Cancel cancel);
bool isProjectFile(const QString& path);
LayoutOutcome layoutJob(std::shared_ptr<const Graph> graph, Cancel cancel);
// Lowers an already optimized (or quantized) graph with the CPU backend, no graph passes again.
LirOutcome lirJob(std::shared_ptr<const Graph> graph);

}  // namespace nest::gui
