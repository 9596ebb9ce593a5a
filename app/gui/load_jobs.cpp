#include "app/gui/load_jobs.h"

#include <exception>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_backend_entry.h"
#include "core/error.h"
#include "driver/driver.h"

namespace nest::gui {

LoadOutcome loadModelJob(const QString& path, Cancel cancel) {
  LoadOutcome out;
  try {
    auto model = std::make_shared<LoadedModel>();
    std::filesystem::path file(path.toStdString());
    if (isProjectFile(path)) {
      model->projectPath = path;
      model->project = readProjectFile(file);
      file = resolveModelPath(model->project, file);
    }
    // The driver does the work: import, the project's pipeline and assignments, and the quantize
    // pass when the project's "quantization" names a profile.
    driver::Job job;
    if (model->projectPath.isEmpty()) job.model = file;
    else driver::applyProject(job, model->project, model->projectPath.toStdString());
    model->path = QString::fromStdString(file.string());
    model->project.model = file;
    if (auto profile = model->projectPath.isEmpty() ? std::nullopt
                                                    : projectProfilePath(model->project, model->projectPath.toStdString()))
      model->project.quantization["profile"] = std::filesystem::absolute(*profile).string();  // as the model path
    driver::Progress progress;
    progress.cancel = cancel.get();
    model->run = driver::prepare(job, progress).run;
    render::LayoutOptions layoutOptions;
    layoutOptions.cancel = cancel.get();
    model->layout = std::make_shared<render::GraphLayout>(render::layoutGraph(model->run.result(), layoutOptions));
    model->stats = computeStats(model->run.result());
    out.model = std::move(model);
  } catch (const driver::Cancelled&) {
    return {};
  } catch (const Error& e) {
    out.error = QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    out.error = QStringLiteral("internal error: %1").arg(QString::fromStdString(e.what()));
  }
  if (*cancel) out = {};
  return out;
}

bool isProjectFile(const QString& path) { return path.endsWith(QStringLiteral(".nestproj"), Qt::CaseInsensitive); }

LayoutOutcome layoutJob(std::shared_ptr<const Graph> graph, Cancel cancel) {
  LayoutOutcome out;
  out.graph = graph;
  try {
    render::LayoutOptions options;
    options.cancel = cancel.get();
    out.layout = std::make_shared<render::GraphLayout>(render::layoutGraph(*graph, options));
    out.stats = computeStats(*graph);
  } catch (const Error& e) {
    out.error = QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    out.error = QStringLiteral("internal error: %1").arg(QString::fromStdString(e.what()));
  }
  if (*cancel) out.layout.reset();
  return out;
}

LirOutcome lirJob(std::shared_ptr<const Graph> graph) {
  LirOutcome out;
  out.graph = graph;
  try {
    CompileRequest request;
    request.keepDumps = true;
    const driver::Compiled artifact = driver::compileGraph(*graph, "cpu", request);
    cpu::CompiledModel compiled = cpu::compiledModelOf(*artifact.artifact);
    out.initialDump = std::move(compiled.lir.initialDump);
    out.records = std::move(compiled.lir.records);
    const lir::Function& f = compiled.lir.result;
    for (const lir::Instr& in : f.instrs) out.kernelCalls += !in.isMemoryOp();
    out.buffers = f.buffers.size();
    out.weightBytes = f.weightBytes;
    out.activationBytes = f.activationBytes;
    out.naiveActivationBytes = f.naiveActivationBytes();
  } catch (const Error& e) {
    out.error = QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    out.error = QStringLiteral("internal error: %1").arg(QString::fromStdString(e.what()));
  }
  return out;
}

}  // namespace nest::gui
