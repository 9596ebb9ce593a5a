#include "app/gui/load_jobs.h"

#include <exception>

#include "backends/cpu/cpu_backend.h"
#include "core/error.h"
#include "core/model_loader.h"
#include "core/quant_config.h"
#include "core/quant_profile.h"
#include "passes/pass_registry.h"
#include "passes/quantization/quantize.h"

namespace nest::gui {

namespace {

// The project's float pipeline, then the quantize pass when its "quantization" names a profile.
Pipeline projectPipeline(const LoadedModel& model) {
  const ProjectFile& project = model.project;
  const std::string source = model.projectPath.toStdString();
  const auto profilePath = model.projectPath.isEmpty() ? std::nullopt : projectProfilePath(project, source);
  if (!profilePath)
    return project.passes.empty() ? namedPipeline(project.level) : explicitPipeline(project.passes);
  auto profile = std::make_shared<const QuantProfile>(readProfile(*profilePath));
  return quantizationPipeline(project.level, project.passes, std::move(profile), quantConfigOf(project, source),
                              profilePath->string());
}

}  // namespace

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
    model->path = QString::fromStdString(file.string());
    model->project.model = file;
    ImportOptions importOptions;
    importOptions.inputShapes = model->project.inputShapes;
    const Pipeline pipeline = projectPipeline(*model);
    if (auto profile = model->projectPath.isEmpty() ? std::nullopt
                                                    : projectProfilePath(model->project, model->projectPath.toStdString()))
      model->project.quantization["profile"] = std::filesystem::absolute(*profile).string();  // as the model path
    Graph graph = loadModel(file, importOptions);
    if (*cancel) return out;
    PassManagerOptions options;
    options.onPass = [&](const PassRecord&) { return !*cancel; };
    model->run = runPipeline(graph, pipeline, options);
    if (*cancel) return out;
    render::LayoutOptions layoutOptions;
    layoutOptions.cancel = cancel.get();
    model->layout = std::make_shared<render::GraphLayout>(render::layoutGraph(model->run.result(), layoutOptions));
    model->stats = computeStats(model->run.result());
    out.model = std::move(model);
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
    cpu::CompileOptions options;
    options.pipeline = {};
    options.keepDumps = true;
    cpu::CompiledModel compiled = cpu::compile(*graph, options);
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
