#include <chrono>
#include <filesystem>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/job_options.h"
#include "backends/backend_registry.h"
#include "core/error.h"
#include "core/npy.h"
#include "core/onnx_tensor.h"
#include "driver/driver.h"

namespace nest::cli {

namespace fs = std::filesystem;

namespace {

int run(const ParsedArgs& args) {
  std::string format = args.get("--format", "pb");
  if (format != "pb" && format != "npy") failBadInput("--format must be pb or npy, not '" + format + "'");
  if (!args.has("--output-dir")) failBadInput("--output-dir DIR is required");
  const int threads = threadsOption(args);
  driver::Job job = jobFrom(args, Quantize::IfRequested);
  applyTarget(job, args, "--backend", "interpreter");
  job.inputFiles = args.all("--input");
  const driver::Prepared prepared = driver::prepare(job);
  if (!prepared.bindingNote.empty()) std::cout << prepared.bindingNote << "\n";
  const Graph& g = prepared.graph();
  const driver::Compiled compiled = driver::compile(job, prepared, CompileRequest{});
  for (const std::string& line : compiled.artifact->placement()) std::cout << line << "\n";
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> statistics;
  std::vector<Tensor> outputs = driver::run(compiled, prepared.inputs, &statistics, threads);
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
  if (args.has("--stats")) {
    if (statistics.empty()) std::cout << "stats: the " << job.target << " backend measures nothing\n";
    for (const std::string& line : statistics) std::cout << line << "\n";
  }
  return kExitOk;
}

}  // namespace

Command runCommand() {
  std::vector<OptionSpec> options = {
      {"--input", "FILE", "input tensor file, positional or NAME=FILE (repeatable)", true},
      {"--output-dir", "DIR", "folder for output_K files (created if missing)"},
      {"--format", "pb|npy", "output file format (default pb)"},
      {"--backend", "NAME", "backend that runs the model: " + backendNameList() + ", or hetero with --devices (default interpreter; `nestc backends`)"},
      {"--stats", "", "print what the backend measured (npu: cycles, utilization and DRAM bytes per node, then a total)"},
      threadsOptionSpec(),
      inputShapeOption()};
  for (const OptionSpec& o : targetOptions()) options.push_back(o);
  for (const OptionSpec& o : quantOptions(false)) options.push_back(o);
  return {{"run", "MODEL --input FILE... --output-dir DIR [options]", "run a model on input tensors",
           "Input files are NumPy .npy or ONNX TensorProto .pb, given in graph-input order or as\n"
           "NAME=FILE. Outputs are written as output_0.pb, output_1.pb, ... in graph-output order.\n"
           "When an input's leading dimension is k times the model's (e.g. 10000x1x28x28 for a\n"
           "1x1x28x28 model), the model runs k times over slices and the outputs are concatenated.\n"
           "Inputs whose values select the computation (a Reshape shape, Slice starts, Resize scales,\n"
           "...) become constants, and dynamic dimensions take the input file's sizes (--input-shape\n"
           "overrides); a `bound:` line says what was bound.\n"
           "With --profile the model is quantized first (as nestc quantize, same options) and the\n"
           "integer graph runs; its outputs are dequantized to float. The graph gets the -O1\n"
           "pipeline (-O0 / -O2 to change it) on every backend, so all backends run the same graph.\n"
           "--backend npu runs the simulated NPU (docs/npu-isa.md): quantize with --profile and\n"
           "--schema symmetric_power2; nodes the NPU cannot run fall back to the CPU, and the command\n"
           "prints which nodes ran where. --threads N spreads the CPU kernels (cpu and hetero) over N\n"
           "threads; the outputs are the same bytes for every N. Example:\n"
           "  nestc run m.onnx --profile m.yaml --schema symmetric_power2 --backend npu --stats \\\n"
           "    --input x.npy --output-dir out",
           options, 1, 1},
          run};
}

}  // namespace nest::cli
