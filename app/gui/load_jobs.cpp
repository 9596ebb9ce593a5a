#include "app/gui/load_jobs.h"

#include <QFileInfo>
#include <QObject>
#include <QStringList>

#include <exception>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_backend_entry.h"
#include "core/error.h"
#include "driver/driver.h"

namespace nest::gui {

using nlohmann::json;

namespace {

// Error texts of a job's exception (never throws).
template <class Body>
QString runCatching(Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    return QStringLiteral("internal error: %1").arg(QString::fromStdString(e.what()));
  }
  return QString();
}

// The project's paths made absolute (model, profile, device configuration), so the document does
// not depend on where it is saved.
void makePathsAbsolute(ProjectFile& project, const std::filesystem::path& projectFile) {
  project.model = std::filesystem::absolute(resolveModelPath(project, projectFile));
  if (auto profile = projectProfilePath(project, projectFile))
    project.quantization["profile"] = std::filesystem::absolute(*profile).string();
  if (auto config = projectDeviceConfigPath(project, projectFile)) project.deviceConfig = std::filesystem::absolute(*config);
}

// `grouping` decided for `graph` (an automatic one resolved).
ViewGrouping resolved(ViewGrouping grouping, const Graph& graph) {
  if (!grouping.automatic) return grouping;
  grouping.automatic = false;
  grouping.collapsed = grouping.byScope && graph.nodes.size() > kCollapseAbove ? allScopes(graph) : std::set<std::string>{};
  return grouping;
}

render::LayoutOptions layoutOptionsOf(const ViewGrouping& grouping, const Cancel& cancel) {
  render::LayoutOptions options;
  options.cancel = cancel.get();
  options.groupByScope = grouping.byScope;
  options.collapsed = grouping.collapsed;
  return options;
}

// The graph passes on model->imported with `job`, then the layout (reused from `previous` when
// the graph draws the same, grouped the same) and the statistics.
void runPassesAndLayout(LoadedModel& model, const driver::Job& job, const LoadedModel* previous, const Cancel& cancel,
                        const ViewGrouping& grouping) {
  driver::Progress progress;
  progress.cancel = cancel.get();
  model.run = driver::prepareImported(job, model.imported, progress).run;
  model.grouping = resolved(grouping, model.run.result());
  if (previous && previous->grouping == model.grouping && drawsSame(previous->run.result(), model.run.result())) {
    model.layout = previous->layout;
  } else {
    model.layout = std::make_shared<render::GraphLayout>(render::layoutGraph(model.run.result(), layoutOptionsOf(model.grouping, cancel)));
  }
  if (PreparedItems::worthIt(*model.layout)) model.prepared = std::make_shared<PreparedItems>(*model.layout);
  model.stats = computeStats(model.run.result());
}

}  // namespace

std::set<std::string> allScopes(const Graph& graph) {
  std::set<std::string> scopes;
  for (const ScopeGroup& g : scopeTreeOf(graph).groups) scopes.insert(g.scope);
  return scopes;
}

driver::Job documentJob(const ProjectFile& project, const QString& projectPath, std::shared_ptr<const QuantProfile> profile) {
  // Errors name the project file, or the model when there is none yet.
  const std::filesystem::path source = projectPath.isEmpty() ? std::filesystem::path(project.model.string() + ".nestproj")
                                                             : std::filesystem::path(projectPath.toStdString());
  driver::Job job;
  ProjectFile settings = project;
  const bool reuseProfile = profile && settings.quantization.contains("profile");
  if (reuseProfile) settings.quantization.erase("profile");
  driver::applyProject(job, settings, source);
  if (reuseProfile)
    job.quantization = driver::Quantization{profile, project.quantization["profile"].get<std::string>(),
                                            quantConfigOf(project, source.string())};
  // Nodes without a device run on the CPU (device mode schedules on the device list's CPU).
  job.target = "cpu";
  return job;
}

LoadOutcome loadModelJob(const QString& path, Cancel cancel, const QString& modelOverride, ViewGrouping grouping) {
  LoadOutcome out;
  try {
    out.error = runCatching([&] {
      auto model = std::make_shared<LoadedModel>();
      std::filesystem::path file(path.toStdString());
      if (isProjectFile(path)) {
        model->projectPath = QFileInfo(path).absoluteFilePath();
        model->project = readProjectFile(file);
        if (!modelOverride.isEmpty()) model->project.model = QFileInfo(modelOverride).absoluteFilePath().toStdString();
        makePathsAbsolute(model->project, file);
      } else {
        model->project.model = std::filesystem::absolute(file);
      }
      model->path = QString::fromStdString(model->project.model.string());
      // The driver does the work: import, then the project's pipeline and assignments, and the
      // quantize pass when the project's "quantization" names a profile.
      const driver::Job job = documentJob(model->project, model->projectPath);
      if (job.quantization) model->profile = job.quantization->profile;
      if (*cancel) throw driver::Cancelled();
      model->imported = std::make_shared<const Graph>(driver::importModel(job));
      runPassesAndLayout(*model, job, nullptr, cancel, grouping);
      out.model = std::move(model);
    });
  } catch (const driver::Cancelled&) {
    return {};
  }
  if (*cancel) out = {};
  return out;
}

LoadOutcome recomputeJob(std::shared_ptr<const LoadedModel> previous, ProjectFile project, QString projectPath,
                         Cancel cancel, ViewGrouping grouping) {
  LoadOutcome out;
  try {
    out.error = runCatching([&] {
      auto model = std::make_shared<LoadedModel>();
      model->path = previous->path;
      model->projectPath = projectPath;
      model->project = std::move(project);
      model->imported = previous->imported;
      const bool sameProfile = previous->profile && model->project.quantization.contains("profile") &&
                               previous->project.quantization.value("profile", json()) == model->project.quantization["profile"];
      const driver::Job job = documentJob(model->project, projectPath, sameProfile ? previous->profile : nullptr);
      if (job.quantization) model->profile = job.quantization->profile;
      runPassesAndLayout(*model, job, previous.get(), cancel, grouping);
      out.model = std::move(model);
    });
  } catch (const driver::Cancelled&) {
    return {};
  }
  if (*cancel) out = {};
  return out;
}

bool drawsSame(const Graph& a, const Graph& b) {
  if (a.nodes.size() != b.nodes.size() || a.inputs != b.inputs || a.outputs != b.outputs) return false;
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const Node &x = a.nodes[i], &y = b.nodes[i];
    if (x.id != y.id || x.op != y.op || x.name != y.name || x.inputs != y.inputs || x.outputs != y.outputs ||
        !(x.attrs == y.attrs))
      return false;
    for (const std::string& r : x.outputs)
      if (!r.empty() && !(a.typeOf(r) == b.typeOf(r))) return false;
  }
  for (const std::string& v : a.inputs)
    if (!(a.typeOf(v) == b.typeOf(v))) return false;
  return true;
}

bool isProjectFile(const QString& path) { return path.endsWith(QStringLiteral(".nestproj"), Qt::CaseInsensitive); }

LayoutOutcome layoutJob(std::shared_ptr<const Graph> graph, Cancel cancel, ViewGrouping grouping, bool prepareItems) {
  LayoutOutcome out;
  out.graph = graph;
  try {
    out.layout = std::make_shared<render::GraphLayout>(render::layoutGraph(*graph, layoutOptionsOf(resolved(grouping, *graph), cancel)));
    if (prepareItems && PreparedItems::worthIt(*out.layout)) out.prepared = std::make_shared<PreparedItems>(*out.layout);
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

QString pipelineName(const ProjectFile& project) {
  if (project.passes.empty()) return "-" + QString::fromStdString(project.level);
  QStringList names;
  for (const std::string& p : project.passes) names << QString::fromStdString(p);
  return "[" + names.join(", ") + "]";
}

}  // namespace nest::gui
