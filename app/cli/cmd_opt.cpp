#include <cstdio>
#include <iostream>
#include <sstream>

#include "app/cli/commands.h"
#include "core/error.h"
#include "core/onnx_export.h"
#include "core/text_ir.h"
#include "driver/driver.h"
#include "passes/pass_registry.h"
#include "passes/pipeline_dump.h"

namespace nest::cli {

namespace {

// The job's pipeline: a level or an explicit --passes list.
void setPipeline(driver::Job& job, const ParsedArgs& args) {
  int levels = args.has("-O0") + args.has("-O1") + args.has("-O2");
  if (levels > 1 || (levels && args.has("--passes"))) failBadInput("give one of -O0, -O1, -O2 or --passes");
  if (args.has("--passes")) {
    std::vector<std::string> names;
    std::stringstream ss(args.get("--passes"));
    for (std::string name; std::getline(ss, name, ',');)
      if (!name.empty()) names.push_back(name);
    if (names.empty()) failBadInput("--passes needs a comma-separated list of passes (see --list-passes)");
    for (const std::string& name : names) findPass(name);  // an unknown pass fails before the import
    job.passes = names;
    return;
  }
  job.level = args.has("-O0") ? "O0" : args.has("-O2") ? "O2" : "O1";
}

void printRow(size_t index, const PassRecord& r) {
  std::printf("%3zu  %-26s %8.2f  %6zu -> %-6zu %+5d %5zu %5zu %5zu %5zu\n", index, r.pass.c_str(), r.milliseconds,
              r.nodesBefore, r.nodesAfter, static_cast<int>(r.nodesAfter) - static_cast<int>(r.nodesBefore),
              r.changes.added.size(), r.changes.removed.size(), r.changes.modified.size(), r.changes.rewired.size());
}

int opt(const ParsedArgs& args) {
  if (args.has("--list-passes")) {
    // Plugin passes (--load-pass-plugin) follow the built-ins, each with the plugin it came from.
    for (const PassInfo& p : allPasses()) {
      const std::string origin = passOrigin(p.name);
      std::printf("%-26s %s%s\n", p.name.c_str(), p.summary.c_str(),
                  origin == kBuiltinOrigin ? "" : ("  [plugin " + origin + "]").c_str());
    }
    return kExitOk;
  }
  if (args.positional.empty()) failBadInput("nestc opt: expected MODEL (see nestc opt --help)");
  driver::Job job;
  job.model = args.positional[0];
  job.import = importOptionsFrom(args);
  setPipeline(job, args);
  job.verifyEachPass = args.has("--verify-each");
  DumpFormat format = parseDumpFormat(args.get("--format", "text"));
  bool printAfterAll = args.has("--print-after-all");
  std::printf("%3s  %-26s %8s  %16s %5s %5s %5s %5s %5s\n", "#", "pass", "ms", "nodes", "delta", "added", "rem", "mod",
              "rewir");
  size_t index = 0;
  driver::Progress progress;
  progress.onPass = [&](const PassRecord& r) {
    printRow(++index, r);
    if (printAfterAll) std::cout << "// after " << r.pass << "\n" << printGraph(*r.after);
    std::fflush(stdout);
  };
  const PipelineRun run = driver::prepare(job, progress).run;
  double total = 0;
  for (const PassRecord& r : run.records) total += r.milliseconds;
  std::printf("%zu passes, %.2f ms; nodes %zu -> %zu\n", run.records.size(), total, run.initial->nodes.size(),
              run.result().nodes.size());
  if (args.has("--dump-after-each-pass")) dumpPipeline(run, args.get("--dump-after-each-pass"), format);
  if (args.has("-o")) {
    std::filesystem::path out = args.get("-o");
    if (out.extension() == ".onnx") exportOnnx(run.result(), out);
    else if (out.extension() == ".nir") writeTextIrFile(run.result(), out);
    else failBadInput("-o " + out.string() + ": the output must end in .onnx or .nir");
  }
  return kExitOk;
}

}  // namespace

Command optCommand() {
  return {{"opt", "MODEL [-O0|-O1|-O2|--passes a,b,c] [options]", "optimize a graph, pass by pass, and show what each pass did",
           "Runs a pipeline of graph passes and prints one row per pass: wall time, node counts before\n"
           "and after, and how many nodes it added, removed and modified. -O1 (the default) folds\n"
           "BatchNormalization and constants, removes no-ops and dead code, and fuses activations;\n"
           "-O2 adds transpose sinking. --passes runs an explicit list (see --list-passes).\n"
           "--load-pass-plugin LIB.so adds the passes of a plugin (docs/labs/lab2).\n"
           "--dump-after-each-pass writes the graph after every pass; with --format json also\n"
           "pipeline.json with the change records and provenance (docs/pass-dump-format.md).",
           {{"-O0", "", "no optimization"},
            {"-O1", "", "standard optimizations (default)"},
            {"-O2", "", "-O1 plus layout optimizations (transpose sinking)"},
            {"--passes", "LIST", "comma-separated passes to run in order instead of a level"},
            {"--list-passes", "", "list the passes (built-in, then those of --load-pass-plugin) and exit"},
            {"--print-after-all", "", "print the text IR after every pass"},
            {"--dump-after-each-pass", "DIR", "write the graph after each pass into DIR"},
            {"--format", "text|dot|json", "format of the dumped graphs (default text)"},
            {"--verify-each", "", "run the IR verifier after every pass"},
            {"-o", "OUT", "write the optimized graph: OUT.onnx (standard ONNX) or OUT.nir (text IR)"},
            inputShapeOption()},
           0, 1},
          opt};
}

}  // namespace nest::cli
