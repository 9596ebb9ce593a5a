#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/cli/commands.h"
#include "app/cli/quant_options.h"
#include "backends/cpu/bundle_writer.h"
#include "backends/cpu/cpu_backend.h"
#include "core/error.h"
#include "core/model_loader.h"
#include "core/project_file.h"

namespace nest::cli {

namespace fs = std::filesystem;

namespace {

std::string megabytes(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

void writeText(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out) failBadInput("cannot write '" + file.string() + "'");
}

int compile(const ParsedArgs& args) {
  if (args.get("--target", "cpu") != "cpu") failBadInput("--target must be cpu (the only code generator so far), not '" + args.get("--target") + "'");
  if (!args.has("-o")) failBadInput("-o DIR is required: the folder the bundle is written into");
  ImportOptions importOptions = importOptionsFrom(args);
  cpu::CompileOptions options;
  options.name = args.get("--name", "model");
  if (!cpu::isCIdentifier(options.name))
    failBadInput("--name " + options.name + ": must be a C identifier (letters, digits, '_', not a C keyword)");
  options.keepDumps = args.has("--dump-lir") || args.has("--print-lir");
  fs::path modelPath;
  if (args.has("--project")) {
    fs::path projectFile = args.get("--project");
    ProjectFile project = readProjectFile(projectFile);
    modelPath = resolveModelPath(project, projectFile);
    for (const auto& [name, shape] : project.inputShapes) importOptions.inputShapes.emplace(name, shape);
    options.pipeline = project.passes.empty() ? namedPipeline(project.level) : explicitPipeline(project.passes);
  }
  if (!args.positional.empty()) modelPath = args.positional[0];
  if (modelPath.empty()) failBadInput("nestc compile: expected MODEL or --project P (see nestc compile --help)");
  int levels = args.has("-O0") + args.has("-O1") + args.has("-O2");
  if (levels > 1) failBadInput("give one of -O0, -O1, -O2");
  if (levels) options.pipeline = namedPipeline(args.has("-O0") ? "O0" : args.has("-O2") ? "O2" : "O1");

  auto t0 = std::chrono::steady_clock::now();
  Graph g = loadModel(modelPath, importOptions);
  double importMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (quantizationRequested(args)) g = quantizeModel(g, quantRequestFrom(args)).result();  // an int8 bundle
  cpu::CompiledModel m = cpu::compile(g, options);  // throws Unsupported listing every unsupported node
  auto t1 = std::chrono::steady_clock::now();
  fs::path dir = args.get("-o");
  std::vector<std::string> files = cpu::writeBundle(m, dir);
  double writeMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();

  const lir::Function& f = m.lir.result;
  size_t instrs = 0;
  for (const lir::Instr& in : f.instrs) instrs += !in.isMemoryOp();
  std::printf("%-18s %8s\n", "LIR pass", "ms");
  for (const lir::LirPassRecord& r : m.lir.records) std::printf("%-18s %8.2f%s\n", r.pass.c_str(), r.milliseconds, r.changed ? "" : "  (no change)");
  const size_t naive = f.naiveActivationBytes();
  std::printf("LIR: %zu kernel calls, %zu buffers\n", instrs, f.buffers.size());
  std::printf("memory: weights %s, inputs+outputs %s, activations %s planned vs %s naive (%.1f%% of naive)\n",
              megabytes(f.weightBytes).c_str(), megabytes(f.mutableBytes).c_str(), megabytes(f.activationBytes).c_str(),
              megabytes(naive).c_str(), naive ? 100.0 * static_cast<double>(f.activationBytes) / static_cast<double>(naive) : 0.0);
  size_t bundleBytes = 0;
  for (const std::string& name : files) bundleBytes += fs::file_size(dir / name);
  std::printf("bundle: %s (%zu files, %s; %s.weights.bin %s)\n", dir.string().c_str(), files.size(),
              megabytes(bundleBytes).c_str(), m.name.c_str(), megabytes(f.weightBytes).c_str());
  std::printf("import %.1f ms; compile %.1f ms (graph passes %.1f, lowering %.1f, LIR passes %.1f, codegen %.1f, write %.1f); C compiler not run\n",
              importMs, m.totalMs() + writeMs, m.graphMs, m.lowerMs, m.lirMs, m.codegenMs, writeMs);
  if (args.has("--print-lir")) std::printf("%s", m.lir.records.empty() ? m.lir.initialDump.c_str() : m.lir.records.back().dump.c_str());
  if (args.has("--dump-lir")) {
    fs::path d = args.get("--dump-lir");
    fs::create_directories(d);
    writeText(d / "00-lowered.lir", m.lir.initialDump);
    for (size_t k = 0; k < m.lir.records.size(); ++k) {
      char prefix[24];
      std::snprintf(prefix, sizeof prefix, "%02zu-", k + 1);
      writeText(d / (prefix + m.lir.records[k].pass + ".lir"), m.lir.records[k].dump);
    }
  }
  return kExitOk;
}

}  // namespace

Command compileCommand() {
  std::vector<OptionSpec> options = {
      {"--target", "cpu", "code generator (default cpu)"},
      {"-o", "DIR", "bundle folder (created if missing)"},
      {"--name", "NAME", "C name of the bundle: entry function and file names (default model)"},
      {"--project", "P", "take model, pipeline, input shapes (and quantization overrides) from a .nestproj file"},
      {"-O0", "", "no graph optimization"},
      {"-O1", "", "standard graph optimizations (default)"},
      {"-O2", "", "-O1 plus layout optimizations"},
      {"--print-lir", "", "print the final low-level IR"},
      {"--dump-lir", "DIR", "write the LIR after lowering and after each LIR pass into DIR"},
      inputShapeOption()};
  for (const OptionSpec& o : quantOptions(false)) {  // --profile etc.; --project and -O are above
    bool known = false;
    for (const OptionSpec& have : options) known |= have.name == o.name;
    if (!known) options.push_back(o);
  }
  return {{"compile", "MODEL --target cpu -o DIR [options]", "compile a model into a self-contained C bundle",
           "Optimizes the graph (-O1 by default), lowers it to the low-level IR (one kernel call per\n"
           "instruction, views without copies, in-place elementwise ops, activation memory planned\n"
           "into one arena), packs the weights and writes a bundle folder: NAME.h (API: memory sizes,\n"
           "input/output table, entry function), NAME.c (C99), NAME.weights.bin, the runtime sources,\n"
           "main.c, a Makefile and a CMakeLists.txt. `make -C DIR` builds DIR/run:\n"
           "  DIR/run --input FILE... --output-dir OUT [--repeat N]\n"
           "Nodes the CPU backend cannot compile are all listed before any code is generated (exit 2).\n"
           "With --profile the model is quantized first (as nestc quantize, same options) and the\n"
           "bundle runs the integer graph (int8 / uint8 kernels, AVX-512 VNNI where the compiler\n"
           "enables it; docs/cpu-runtime.md \"Int8\"). The input/output table gives each tensor's\n"
           "quantization; graph inputs and outputs stay float (Quantize / Dequantize inside), e.g.\n"
           "  nestc profile m.onnx --input images/ --preprocess SPEC -o m.yaml\n"
           "  nestc compile m.onnx --target cpu --profile m.yaml --per-channel -o m_int8\n"
           "See docs/cpu-bundle.md and docs/low-level-ir.md.",
           options, 0, 1},
          compile};
}

}  // namespace nest::cli
