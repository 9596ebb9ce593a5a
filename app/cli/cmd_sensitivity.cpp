#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/job_options.h"
#include "app/cli/validation_options.h"
#include "backends/cpu/cpu_support_table.h"
#include "backends/quant_sensitivity.h"
#include "core/error.h"
#include "core/node_keys.h"
#include "core/project_file.h"

namespace nest::cli {

namespace {

double numberOption(const ParsedArgs& args, const std::string& opt) {
  const std::string s = args.get(opt);
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size() || !std::isfinite(v)) failBadInput(opt + " must be a number, not '" + s + "'");
  return v;
}

std::string figures(const QualityFigures& f) {
  char buf[200];
  if (f.labelled)
    std::snprintf(buf, sizeof buf, "accuracy %.2f%% (float %.2f%%, drop %.2f points), top-1 agreement %.2f%%",
                  f.quantAccuracy, f.floatAccuracy, f.drop(), f.top1Agreement);
  else
    std::snprintf(buf, sizeof buf, "top-1 agreement %.2f%% (drop %.2f points)", f.top1Agreement, f.drop());
  return std::string(buf) + ", output SQNR " + (std::isfinite(f.outputSqnrDb) ? std::to_string(f.outputSqnrDb) : "inf") +
         " dB";
}

// The project to write: the one given with --project (its other settings kept) or a new one for
// the model, with the effective quantization settings and the chosen keepFloat overrides.
ProjectFile projectWithChoice(const ParsedArgs& args, const driver::Job& job, const Graph& floatGraph,
                              const SensitivityResult& result) {
  const driver::Quantization& quant = *job.quantization;
  ProjectFile p;
  if (args.has("--project")) {
    p = readProjectFile(args.get("--project"));
  } else {
    p.model = std::filesystem::absolute(args.positional[0]).lexically_normal();
    p.level = job.level;
    p.passes = job.passes;
  }
  const QuantSettings& s = quant.config.defaults;
  p.quantization["schema"] = quantSchemaName(s.schema);
  p.quantization["calibration"] = calibrationName(s.calibration);
  p.quantization["precision"] = quantPrecisionName(s.precision);
  p.quantization["perChannel"] = quant.config.perChannel;
  p.quantization["profile"] = std::filesystem::absolute(quant.profileSource).lexically_normal().string();
  for (const std::string& key : result.keptInt16) {
    p.nodes[key]["precision"] = "int16";
    for (const Node& n : floatGraph.nodes)
      if (stableKey(n) == key) {
        if (!n.name.empty()) p.nodes[key]["name"] = n.name;
        p.nodes[key]["glowName"] = glowStyleName(n);
        break;
      }
  }
  for (const std::string& key : result.keptFloat) {
    p.nodes[key]["keepFloat"] = true;
    for (const Node& n : floatGraph.nodes)  // the names people and NEST-C know the node by
      if (stableKey(n) == key) {
        if (!n.name.empty()) p.nodes[key]["name"] = n.name;
        p.nodes[key]["glowName"] = glowStyleName(n);
        break;
      }
  }
  return p;
}

int sensitivity(const ParsedArgs& args) {
  if (!args.has("-o")) failBadInput("-o PROJECT.nestproj is required");
  if (args.has("--max-drop") == args.has("--min-sqnr")) failBadInput("give one target: --max-drop POINTS or --min-sqnr DB");
  SensitivityOptions options;
  if (args.has("--max-drop")) {
    options.value = numberOption(args, "--max-drop");
    if (options.value < 0) failBadInput("--max-drop must be >= 0 points");
  } else {
    options.target = SensitivityTarget::MinSqnr;
    options.value = numberOption(args, "--min-sqnr");
  }
  options.isolated = args.has("--isolated");
  options.int16Step = args.has("--int16");
  const std::string target = args.has("--target") ? args.get("--target") : "interpreter";
  if (target == "cpu") {
    options.int16Unsupported = [](const Graph& q, const Node& n) {
      const std::string why = cpu::tableUnsupportedReason(q, n);
      return why.empty() ? why : "the CPU backend: " + why;
    };
  } else if (target != "interpreter") {
    failBadInput("--target: unknown target '" + target + "' (use interpreter or cpu)");
  }
  if (args.has("--target") && !options.int16Step) failBadInput("--target only matters with --int16");
  const driver::Job job = jobFrom(args, Quantize::Required);
  const Graph f = floatPipelineGraph(job);
  Validation val = validationFrom(f, args);
  std::cerr << val.data.describe();
  options.labels = val.labelsOrNull();
  options.onProgress = [](const std::string& line) { std::cerr << line << "\n"; };

  const SensitivityResult result = analyzeSensitivity(f, *job.quantization->profile, job.quantization->config, val.data, options);

  std::printf("%-4s %-40s %-18s %12s %10s %12s\n", "rank", "node (most damaging first)", "op",
              options.isolated ? "damage" : "noise added", "SQNR dB", "weight SQNR");
  for (size_t i = 0; i < result.ranking.size(); ++i) {
    const NodeSensitivity& n = result.ranking[i];
    std::printf("%-4zu %-40s %-18s %12.4g %10.2f %12s\n", i + 1, n.node.c_str(), n.op.c_str(), n.score, n.sqnrDb,
                std::isnan(n.weightSqnrDb) ? "-" : std::to_string(n.weightSqnrDb).substr(0, 6).c_str());
  }
  std::printf("\nfully quantized: %s\n", figures(result.fullyQuantized).c_str());
  std::printf("kept float (%zu): ", result.keptFloat.size());
  for (size_t i = 0; i < result.keptFloat.size(); ++i) std::printf("%s%s", i ? ", " : "", result.keptFloat[i].c_str());
  std::printf("%s\n", result.keptFloat.empty() ? "none" : "");
  if (options.int16Step) {
    std::printf("kept int16 (%zu): ", result.keptInt16.size());
    for (size_t i = 0; i < result.keptInt16.size(); ++i) std::printf("%s%s", i ? ", " : "", result.keptInt16[i].c_str());
    std::printf("%s\n", result.keptInt16.empty() ? "none" : "");
    for (const auto& [node, why] : result.int16Refused) std::printf("int16 not an option for %s: %s\n", node.c_str(), why.c_str());
    std::printf("\n%-40s %-6s %12s %12s %12s %12s %s\n", "step: node", "to", "SQNR before", "SQNR after", "bytes added",
                "MACs wider", "");
    for (const PrecisionStep& st : result.steps)
      std::printf("%-40s %-6s %12.2f %12.2f %12lld %12lld %s\n", st.node.c_str(), st.precision.c_str(), st.before.outputSqnrDb,
                  st.after.outputSqnrDb, static_cast<long long>(st.bytesAdded), static_cast<long long>(st.macs),
                  st.reverted ? "(undone: not needed)" : "");
  }
  std::printf("result: %s\n", figures(result.chosen).c_str());
  std::printf("%d verification runs over the set\n", result.evaluations);

  const std::string out = args.get("-o");
  writeProjectFile(out, projectWithChoice(args, job, f, result));
  std::printf("wrote %s\n", out.c_str());
  if (!result.met) {
    std::fprintf(stderr, "error: the target is not met even with every ranked node kept float\n");
    return kExitWrongResults;
  }
  return kExitOk;
}

}  // namespace

Command sensitivityCommand() {
  std::vector<OptionSpec> options = quantOptions(true);
  for (OptionSpec& o : validationOptions()) options.push_back(o);
  options.push_back({"--max-drop", "POINTS", "target: accuracy drop (with --labels) or top-1-agreement drop, in points"});
  options.push_back({"--min-sqnr", "DB", "target instead: output SQNR of the first output, in dB"});
  options.push_back({"--isolated", "", "rank by quantizing each node alone (one run of the set per node)"});
  options.push_back({"--int16", "", "move a node to int16 first and to float only when int16 is not enough"});
  options.push_back({"--target", "interpreter|cpu", "with --int16: where int16 must run (default interpreter; cpu has no int16 kernels)"});
  options.push_back({"-o", "PROJECT.nestproj", "project file to write (required)"});
  options.push_back(inputShapeOption());
  return {{"sensitivity", "MODEL --profile PROFILE.yaml [options] --input VAL... (--max-drop P | --min-sqnr DB) -o P.nestproj",
           "choose the nodes to keep in float (mixed precision) for a quality target",
           "Ranks the quantized nodes by damage, then keeps the most damaging ones in float, one\n"
           "at a time, until the target is met, verifying each set with a real run of the integer\n"
           "graph over the validation data; nodes the final set does not need are dropped again.\n"
           "Damage is by default the noise a node adds itself (noise/signal of its result minus that\n"
           "of its operands, from one float and one fully quantized run, as QuantuneV2's local\n"
           "metrics); --isolated measures the target metric with each node alone quantized.\n"
           "Targets: --max-drop POINTS (accuracy drop with --labels, else 100 - top-1 agreement with\n"
           "float) or --min-sqnr DB. The choice is written as per-node keepFloat overrides into the\n"
           "project file (-o), with the quantization settings used; --project P starts from P and\n"
           "keeps its other settings. `nestc quantize MODEL --profile ... --project OUT` applies it.\n"
           "With --int16 a node first moves to int16 (precision overrides in the project) and only\n"
           "then to float; every step is listed with the output SQNR before and after, the bytes it\n"
           "adds and the MACs it widens; nodes the --target cannot run in int16 go straight to float.\n"
           "Exit 1 when the target cannot be met. Progress goes to stderr. See docs/quantization.md.",
           options, 1, 1},
          sensitivity};
}

}  // namespace nest::cli
