// The work the workbench does off the UI thread (run with QtConcurrent): import a model, run the
// -O1 pipeline on it and lay out the result; lay out one pipeline snapshot. Each job returns its
// outcome (never throws), so the UI thread only has to look at `error`.
#pragma once
#include <QString>

#include <atomic>
#include <memory>

#include "app/render/graph_layout.h"
#include "core/graph_stats.h"
#include "passes/pass_manager.h"

namespace nest::gui {

using Cancel = std::shared_ptr<std::atomic<bool>>;
using LayoutPtr = std::shared_ptr<const render::GraphLayout>;

struct LoadedModel {
  QString path;
  PipelineRun run;     // -O1 on the imported graph
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
  QString error;
};

LoadOutcome loadModelJob(const QString& path, Cancel cancel);
LayoutOutcome layoutJob(std::shared_ptr<const Graph> graph, Cancel cancel);

}  // namespace nest::gui
