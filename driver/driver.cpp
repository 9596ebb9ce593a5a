#include "driver/driver.h"

#include <chrono>
#include <set>

#include "backends/backend_registry.h"
#include "backends/input_binding.h"
#include "backends/interpreter/interpreter.h"
#include "core/error.h"
#include "core/model_loader.h"
#include "core/node_keys.h"
#include "backends/hetero/hetero_backend.h"
#include "driver/assignment_check.h"
#include "driver/partition_stage.h"
#include "passes/all_passes.h"
#include "passes/quantization/quantize.h"

namespace nest::driver {

namespace {

double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

void stage(const Progress& progress, const std::string& name) {
  if (progress.cancel && progress.cancel->load()) throw Cancelled();
  if (progress.onStage) progress.onStage(name);
}

Pipeline floatPipeline(const Job& job) {
  return job.passes.empty() ? namedPipeline(job.level) : explicitPipeline(job.passes);
}

// The device of unassigned nodes: the job's default, else the first device of the target backend.
std::string defaultDeviceOf(const Job& job, const std::vector<DeviceSpec>& devices) {
  if (!job.defaultDevice.empty()) return job.defaultDevice;
  for (const DeviceSpec& d : devices)
    if (d.backend == job.target) return d.name;
  failBadInput("no device in the device list runs on the target backend '" + job.target + "'");
}

}  // namespace

Graph importModel(const Job& job) {
  if (job.model.empty()) failBadInput("no model given");
  return loadModel(job.model, job.import);  // keys assigned by the loader
}

Pipeline pipelineOf(const Job& job) {
  if (!job.quantization) return floatPipeline(job);
  const Quantization& q = *job.quantization;
  return quantizationPipeline(job.level, job.passes, q.profile, q.config, q.profileSource);
}

namespace {

// The graph passes (float pipeline, then quantize) on p.imported, and the assignment checks.
void runGraphPasses(const Job& job, Prepared& p, const Progress& progress) {
  stage(progress, "pipeline");
  PassManagerOptions options;
  options.passOptions.assignments = std::make_shared<const Assignments>(job.assignments);
  options.verifyEachPass = job.verifyEachPass;
  bool cancelled = false;
  options.onPass = [&](const PassRecord& r) {
    if (progress.onPass) progress.onPass(r);
    cancelled = progress.cancel && progress.cancel->load();
    return !cancelled;
  };
  auto t1 = std::chrono::steady_clock::now();
  p.run = runPipeline(*p.imported, pipelineOf(job), options);
  p.pipelineMs = msSince(t1);
  if (cancelled) throw Cancelled();
  for (const PassRecord& r : p.run.records)
    for (const std::string& n : r.notes) p.notes.push_back(r.pass + ": " + n);

  requireValidAssignments(job, *p.imported, p.graph());
}

}  // namespace

Prepared prepare(const Job& job, const Progress& progress) {
  Prepared p;
  stage(progress, "import");
  auto t0 = std::chrono::steady_clock::now();
  if (!job.inputFiles) {
    p.imported = std::make_shared<const Graph>(importModel(job));
  } else {
    BoundModel bound = bindModelInputs(job.model, *job.inputFiles, job.import);
    assignStableKeys(bound.graph);
    p.imported = std::make_shared<const Graph>(std::move(bound.graph));
    p.inputs = std::move(bound.inputs);
    p.bindingNote = std::move(bound.note);
  }
  p.importMs = msSince(t0);
  runGraphPasses(job, p, progress);
  return p;
}

Prepared prepareImported(const Job& job, std::shared_ptr<const Graph> imported, const Progress& progress) {
  Prepared p;
  p.imported = std::move(imported);
  runGraphPasses(job, p, progress);
  return p;
}

std::map<NodeId, std::string> placeNodes(const Job& job, const Graph& graph) {
  const std::vector<DeviceSpec> devices = effectiveDevices(job);
  const std::string fallback = defaultDeviceOf(job, devices);
  std::map<NodeId, std::string> placement;
  for (const Node& n : graph.nodes) {
    const std::string assigned = job.assignments.deviceOf(n);
    placement[n.id] = assigned.empty() ? fallback : assigned;
  }
  return placement;
}

namespace {

// Target "hetero": the graph partitioned over the job's device list and compiled part by part.
Compiled compileHetero(const Job& job, const Graph& graph, const Graph& imported, const CompileRequest& request,
                       const Progress& progress) {
  auto t0 = std::chrono::steady_clock::now();
  Graph g = graph;
  const Backend& host = findBackend("cpu");
  foldForBackend(g, [&host](const Graph& x, const Node& n) { return !host.supports(x, n); });
  stage(progress, "partition");
  const Partitioned parts = partitionForJob(job, g, &imported);
  std::vector<hetero::HeteroDevice> devices;
  for (const DeviceConfig& d : parts.devices) {
    if (d.registryBackend().empty())
      failBadInput(job.devicesFile.string() + ": device '" + d.name + "' has backendName " + d.backendName +
                   ", which nestc has no backend for (CPU, VTA, EVTA, NPU, Interpreter)");
    devices.push_back({d, configuredBackend(d.registryBackend(), d.hardware, "device '" + d.name + "'")});
  }
  stage(progress, "compile");
  Compiled c;
  c.backend = std::make_shared<hetero::HeteroBackend>(std::move(devices), parts.schedule);
  c.artifact = c.backend->compile(g, request);
  c.ms = msSince(t0);
  return c;
}

}  // namespace

Compiled compile(const Job& job, const Prepared& prepared, const CompileRequest& request, const Progress& progress) {
  if (job.target == "hetero") return compileHetero(job, prepared.graph(), *prepared.imported, request, progress);
  stage(progress, "placement");
  const Backend& target = findBackend(job.target);
  const std::vector<DeviceSpec> devices = effectiveDevices(job);
  std::map<std::string, int> nodesPerDevice;
  for (const auto& [id, device] : placeNodes(job, prepared.graph())) ++nodesPerDevice[device];
  std::vector<std::string> elsewhere;
  for (const auto& [device, count] : nodesPerDevice) {
    const DeviceSpec* d = findDevice(devices, device);  // prepare() validated every device name
    if (!d) failBadInput("unknown device '" + device + "'");
    if (d->backend != target.name())
      elsewhere.push_back(device + " (" + d->backend + ", " + std::to_string(count) + " node(s))");
  }
  if (!elsewhere.empty()) {
    std::string msg = "the target is " + target.name() + " but nodes are placed on ";
    for (size_t i = 0; i < elsewhere.size(); ++i) msg += (i ? ", " : "") + elsewhere[i];
    failUnsupported(msg + ": compile across devices with --target hetero --devices D.yaml (docs/partitioning.md), "
                          "or assign those nodes to a " + target.name() + " device");
  }
  stage(progress, "compile");
  return compileGraph(prepared.graph(), target.name(), request, targetParameters(job));
}

Compiled compileGraph(const Graph& graph, const std::string& backend, const CompileRequest& request,
                      const std::map<std::string, std::string>& parameters) {
  Compiled c;
  c.backend = configuredBackend(backend, parameters, backend + " hardware parameters");
  auto t0 = std::chrono::steady_clock::now();
  // What the backend cannot run but the compiler can compute (all operands constant) becomes a
  // constant whatever its size: anything computable at compile time compiles.
  Graph g = graph;
  const Backend* b = c.backend.get();
  foldForBackend(g, [b](const Graph& x, const Node& n) { return !b->supports(x, n); });
  c.artifact = c.backend->compile(g, request);
  c.ms = msSince(t0);
  return c;
}

namespace {

std::unique_ptr<Runner> loadWithThreads(const Compiled& compiled, int threads) {
  std::unique_ptr<Runner> runner = compiled.backend->load(*compiled.artifact);
  if (!runner->setThreads(threads))
    failBadInput("the " + compiled.backend->name() + " backend runs on one thread; --threads " + std::to_string(threads) +
                 " applies to the cpu and hetero backends (1 to 256)");
  return runner;
}

}  // namespace

std::vector<Tensor> run(const Compiled& compiled, const std::vector<Tensor>& inputs, std::vector<std::string>* statistics,
                        int threads) {
  std::unique_ptr<Runner> runner = loadWithThreads(compiled, threads);
  std::vector<Tensor> outputs = runInSlices(*compiled.artifact->graph, inputs,
                                            [&](const std::vector<Tensor>& slice) { return runner->run(slice); });
  if (statistics) *statistics = runner->statistics();
  return outputs;
}

GraphRunner graphRunner(const std::string& backend, const std::string& level, int threads) {
  const Backend* b = &findBackend(backend);
  const Pipeline pipeline = namedPipeline(level);
  return [b, pipeline, threads](const Graph& g, const std::vector<Tensor>& inputs) {
    Graph keyed = g;
    assignStableKeys(keyed);
    PipelineRun optimized = runPipeline(keyed, pipeline);
    const Compiled compiled = compileGraph(optimized.result(), b->name(), CompileRequest{});
    return loadWithThreads(compiled, threads)->run(inputs);
  };
}

}  // namespace nest::driver
