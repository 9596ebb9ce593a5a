#include <chrono>
#include <filesystem>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/job_options.h"
#include "backends/backend_registry.h"
#include "core/error.h"
#include "driver/driver.h"
#include "core/npy.h"
#include "core/onnx_tensor.h"

namespace nest::cli {

namespace fs = std::filesystem;

namespace {

// Pairs --input specs with graph inputs: positional in graph-input order, or NAME=FILE.
std::vector<Tensor> readInputs(const Graph& g, const std::vector<std::string>& specs) {
  std::vector<Tensor> inputs(g.inputs.size());
  std::vector<bool> given(g.inputs.size(), false);
  size_t nextPositional = 0;
  for (const std::string& spec : specs) {
    size_t slot = g.inputs.size();
    std::string file = spec;
    if (auto eq = spec.find('='); eq != std::string::npos) {
      auto it = std::find(g.inputs.begin(), g.inputs.end(), spec.substr(0, eq));
      if (it == g.inputs.end() && !fs::exists(spec)) failBadInput("--input " + spec + ": the model has no input named '" + spec.substr(0, eq) + "'");
      if (it != g.inputs.end()) {
        slot = static_cast<size_t>(it - g.inputs.begin());
        file = spec.substr(eq + 1);
      }
    }
    if (slot == g.inputs.size()) {
      while (nextPositional < g.inputs.size() && given[nextPositional]) ++nextPositional;
      if (nextPositional == g.inputs.size())
        failBadInput("too many --input files: the model takes " + std::to_string(g.inputs.size()));
      slot = nextPositional;
    }
    if (given[slot]) failBadInput("input '" + g.inputs[slot] + "' is given twice");
    inputs[slot] = readTensorFile(file);
    given[slot] = true;
  }
  for (size_t i = 0; i < g.inputs.size(); ++i)
    if (!given[i]) failBadInput("no --input for graph input '" + g.inputs[i] + "' (" + typeToString(g.typeOf(g.inputs[i])) + ")");
  return inputs;
}

int run(const ParsedArgs& args) {
  std::string format = args.get("--format", "pb");
  if (format != "pb" && format != "npy") failBadInput("--format must be pb or npy, not '" + format + "'");
  if (!args.has("--output-dir")) failBadInput("--output-dir DIR is required");
  driver::Job job = jobFrom(args, Quantize::IfRequested);
  job.target = args.get("--backend", "interpreter");
  findBackend(job.target);  // an unknown name fails before any work
  const driver::Prepared prepared = driver::prepare(job);
  const Graph& g = prepared.graph();
  std::vector<Tensor> inputs = readInputs(g, args.all("--input"));
  const driver::Compiled compiled = driver::compile(job, prepared, CompileRequest{});
  auto start = std::chrono::steady_clock::now();
  std::vector<Tensor> outputs = driver::run(compiled, inputs);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  fs::path dir = args.get("--output-dir");
  fs::create_directories(dir);
  for (size_t k = 0; k < outputs.size(); ++k) {
    fs::path file = dir / ("output_" + std::to_string(k) + "." + format);
    if (format == "npy") writeNpy(outputs[k], file);
    else writeTensorPb(outputs[k], g.outputs[k], file);
    std::cout << file.string() << "  " << g.outputs[k] << ": " << typeToString(outputs[k].type()) << "\n";
  }
  std::cout << "ran in " << ms << " ms\n";
  return kExitOk;
}

}  // namespace

Command runCommand() {
  std::vector<OptionSpec> options = {
      {"--input", "FILE", "input tensor file, positional or NAME=FILE (repeatable)", true},
      {"--output-dir", "DIR", "folder for output_K files (created if missing)"},
      {"--format", "pb|npy", "output file format (default pb)"},
      {"--backend", "NAME", "backend that runs the model: " + backendNameList() + " (default interpreter; `nestc backends`)"},
      inputShapeOption()};
  for (const OptionSpec& o : quantOptions(false)) options.push_back(o);
  return {{"run", "MODEL --input FILE... --output-dir DIR [options]", "run a model on input tensors",
           "Input files are NumPy .npy or ONNX TensorProto .pb, given in graph-input order or as\n"
           "NAME=FILE. Outputs are written as output_0.pb, output_1.pb, ... in graph-output order.\n"
           "When an input's leading dimension is k times the model's (e.g. 10000x1x28x28 for a\n"
           "1x1x28x28 model), the model runs k times over slices and the outputs are concatenated.\n"
           "With --profile the model is quantized first (as nestc quantize, same options) and the\n"
           "integer graph runs; its outputs are dequantized to float. The graph gets the -O1\n"
           "pipeline (-O0 / -O2 to change it) on every backend, so all backends run the same graph.",
           options, 1, 1},
          run};
}

}  // namespace nest::cli
