// The compile driver: the one place that composes the compiler's stages. Every nestc command
// and every workbench job calls it; app/ only turns options or documents into a Job.
//
//   prepare:  import -> project settings (assignments) -> float pipeline -> quantize -> checks
//   compile:  placement on devices -> the target backend's compile (an Artifact: bundle files)
//   run:      load the artifact and run inputs (in slices when an input holds k batches)
//
// Backends receive the optimized graph; none runs graph passes itself. Long stages report
// progress and stop early when cancelled (driver::Cancelled).
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/onnx_test_case.h"
#include "driver/job.h"
#include "passes/pass_manager.h"

namespace nest::driver {

struct Progress {
  std::function<void(const std::string& stage)> onStage;  // "import", "pipeline", "compile", ...
  std::function<void(const PassRecord&)> onPass;           // after every graph pass
  const std::atomic<bool>* cancel = nullptr;               // set from another thread to stop early
};

// Thrown by a stage that saw Progress::cancel set.
struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};

struct Prepared {
  std::shared_ptr<const Graph> imported;
  PipelineRun run;                 // float pipeline, then quantize: every pass snapshotted
  std::vector<std::string> notes;  // what passes said (an activation following its producer)
  std::vector<Tensor> inputs;      // the job's input files, in graph-input order
  std::string bindingNote;         // what the input files bound ("bound: ..."), or empty
  double importMs = 0, pipelineMs = 0;
  const Graph& graph() const { return run.result(); }
};

// Import and the graph passes. Throws BadInput listing every invalid assignment at once (unknown
// node or device, an op the device's backend does not support, a precision it cannot run).
Prepared prepare(const Job& job, const Progress& progress = {});
// prepare() from an already imported graph (keys assigned): the graph passes and the checks, not
// the import. The workbench reruns this after an edit (assignments steer what passes may merge,
// so a device or precision edit reruns the pipeline, never the import). Inputs are not bound.
Prepared prepareImported(const Job& job, std::shared_ptr<const Graph> imported, const Progress& progress = {});
// Only the import (with the job's import options), keys assigned; without input files.
Graph importModel(const Job& job);
// The graph pipeline the job asks for (float passes, then quantize when it quantizes).
Pipeline pipelineOf(const Job& job);

// The device each node of `graph` runs on: its assignment, else the job's default device, else
// the target's device.
std::map<NodeId, std::string> placeNodes(const Job& job, const Graph& graph);

struct Compiled {
  std::shared_ptr<const Backend> backend;  // the registry's, or one configured by hardware parameters
  std::shared_ptr<const Artifact> artifact;
  double ms = 0;
};

// Places the prepared graph and compiles it with the target backend. Nodes placed on another
// device are refused (compiling one model across devices comes with partitioning).
Compiled compile(const Job& job, const Prepared& prepared, const CompileRequest& request,
                 const Progress& progress = {});
// Compiles an already optimized graph (a workbench snapshot) with the named backend, configured
// by hardware `parameters` when given (configuredBackend).
Compiled compileGraph(const Graph& graph, const std::string& backend, const CompileRequest& request,
                      const std::map<std::string, std::string>& parameters = {});

// Loads the artifact and runs it; inputs whose leading dimension is k times the model's run in
// k slices (runInSlices).
// `statistics` receives what the runner measured (Runner::statistics), when given. `threads`:
// threads of the CPU kernels (cpu and hetero); BadInput when the backend runs on one thread only.
std::vector<Tensor> run(const Compiled& compiled, const std::vector<Tensor>& inputs,
                        std::vector<std::string>* statistics = nullptr, int threads = 1);

// For ONNX test folders (onnx_test_case.h): gives each imported graph the pipeline `level`, then
// compiles and runs it on `backend` (BadInput naming the valid backends when unknown), on
// `threads` threads as `run` does.
GraphRunner graphRunner(const std::string& backend, const std::string& level = "O1", int threads = 1);

}  // namespace nest::driver
