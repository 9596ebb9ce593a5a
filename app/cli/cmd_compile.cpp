#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/cli/commands.h"
#include "app/cli/job_options.h"
#include "backends/backend_registry.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_backend_entry.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "driver/driver.h"

namespace nest::cli {

namespace fs = std::filesystem;

namespace {

std::string megabytes(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

int compile(const ParsedArgs& args) {
  if (!args.has("-o")) failBadInput("-o DIR is required: the folder the bundle is written into");
  driver::Job job = jobFrom(args, Quantize::IfRequested);  // quantized (an int8 bundle) with --profile
  applyTarget(job, args, "--target", "cpu");
  CompileRequest request;
  request.name = args.get("--name", "model");
  if (!cpu::isCIdentifier(request.name))
    failBadInput("--name " + request.name + ": must be a C identifier (letters, digits, '_', not a C keyword)");
  request.keepDumps = args.has("--dump-lir") || args.has("--print-lir");

  const driver::Prepared prepared = driver::prepare(job);
  for (const std::string& n : prepared.notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  // Throws Unsupported listing every unsupported node before generating code.
  const driver::Compiled compiled = driver::compile(job, prepared, request);
  auto t1 = std::chrono::steady_clock::now();
  fs::path dir = args.get("-o");
  std::vector<std::string> files = compiled.artifact->write(dir);
  double writeMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
  size_t bundleBytes = 0;
  for (const std::string& name : files) bundleBytes += fs::file_size(dir / name);
  for (const std::string& line : compiled.artifact->placement()) std::printf("%s\n", line.c_str());
  if (job.target != "cpu") {
    std::printf("bundle: %s (%zu files, %s)\nimport %.1f ms; graph passes %.1f ms; compile %.1f ms; write %.1f ms\n",
                dir.string().c_str(), files.size(), megabytes(bundleBytes).c_str(), prepared.importMs,
                prepared.pipelineMs, compiled.ms, writeMs);
    return kExitOk;
  }
  const cpu::CompiledModel& m = cpu::compiledModelOf(*compiled.artifact);

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
  std::printf("bundle: %s (%zu files, %s; %s.weights.bin %s)\n", dir.string().c_str(), files.size(),
              megabytes(bundleBytes).c_str(), m.name.c_str(), megabytes(f.weightBytes).c_str());
  std::printf("import %.1f ms; compile %.1f ms (graph passes %.1f, lowering %.1f, LIR passes %.1f, codegen %.1f, write %.1f); C compiler not run\n",
              prepared.importMs, prepared.pipelineMs + m.totalMs() + writeMs, prepared.pipelineMs, m.lowerMs, m.lirMs,
              m.codegenMs, writeMs);
  if (args.has("--print-lir")) std::printf("%s", m.lir.records.empty() ? m.lir.initialDump.c_str() : m.lir.records.back().dump.c_str());
  if (args.has("--dump-lir")) {
    fs::path d = args.get("--dump-lir");
    fs::create_directories(d);
    writeFileAtomically(d / "00-lowered.lir", m.lir.initialDump);
    for (size_t k = 0; k < m.lir.records.size(); ++k) {
      char prefix[24];
      std::snprintf(prefix, sizeof prefix, "%02zu-", k + 1);
      writeFileAtomically(d / (prefix + m.lir.records[k].pass + ".lir"), m.lir.records[k].dump);
    }
  }
  return kExitOk;
}

}  // namespace

Command compileCommand() {
  std::vector<OptionSpec> options = {
      {"--target", "NAME", "backend that compiles: " + backendNameList() + ", or hetero with --devices (default cpu; `nestc backends`)"},
      {"-o", "DIR", "bundle folder (created if missing)"},
      {"--name", "NAME", "C name of the bundle: entry function and file names (default model)"},
      {"--print-lir", "", "print the final low-level IR"},
      {"--dump-lir", "DIR", "write the LIR after lowering and after each LIR pass into DIR"},
      inputShapeOption()};
  for (const OptionSpec& o : targetOptions()) options.push_back(o);
  for (const OptionSpec& o : quantOptions(false)) options.push_back(o);  // --profile, --project, -O0/1/2, ...
  return {{"compile", "MODEL [--target NAME] -o DIR [options]", "compile a model into a bundle (a C99 bundle for cpu)",
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
           "With --project the project's per-node assignments apply: a node assigned to a device of\n"
           "another backend than the target is refused (one model across devices is not compiled\n"
           "yet). --target interpreter writes the optimized graph as text IR (NAME.nir).\n"
           "See docs/cpu-bundle.md and docs/low-level-ir.md.",
           options, 0, 1},
          compile};
}

}  // namespace nest::cli
