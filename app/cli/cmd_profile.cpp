#include <chrono>
#include <cstdio>
#include <iostream>

#include "app/cli/commands.h"
#include "driver/driver.h"
#include "backends/profiler.h"
#include "core/calibration_data.h"
#include "core/error.h"
#include "core/project_file.h"
#include "core/quant_profile.h"
#include "passes/pass_manager.h"

namespace nest::cli {

namespace {

int profile(const ParsedArgs& args) {
  if (!args.has("-o")) failBadInput("-o PROFILE.yaml is required");
  if (!args.has("--input")) failBadInput("--input CALIB is required (see nestc profile --help)");
  // The float pipeline: the project's (a level or a pass list) unless -O0/-O1/-O2 says otherwise,
  // the same rule as the quantizing commands.
  const int levels = args.has("-O0") + args.has("-O1") + args.has("-O2");
  if (levels > 1) failBadInput("give one of -O0, -O1, -O2");
  std::string level = "O1";
  std::vector<std::string> passes;
  if (args.has("--project")) {
    ProjectFile project = readProjectFile(args.get("--project"));
    level = project.level;
    passes = project.passes;
  }
  if (levels) {
    level = args.has("-O0") ? "O0" : args.has("-O2") ? "O2" : "O1";
    passes.clear();
  }
  const std::string pipelineName = passes.empty() ? "-" + level : "the project's pass list";
  CalibrationOptions calib;
  if (args.has("--preprocess")) {
    calib.preprocess = parsePreprocessSpec(args.get("--preprocess"));
    calib.preprocessGiven = true;
  }
  calib.skip = countOption(args, "--skip", 0, 0);
  calib.limit = countOption(args, "--limit", -1, 1);
  const size_t bins = static_cast<size_t>(countOption(args, "--bins", 2000, 1));

  // The quantize pass runs after the float pipeline, so that is the graph to profile.
  driver::Job job;
  job.model = args.positional[0];
  job.import = importOptionsFrom(args);
  job.level = level;
  job.passes = passes;
  const driver::Prepared prepared = driver::prepare(job);
  const Graph& g = prepared.graph();
  CalibrationSet data = openCalibrationSet(g, args.all("--input"), calib);
  std::cerr << data.describe();

  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  const int64_t perRun = data.samplesPerRun();
  double lastReport = -1;
  ProfileRunOptions run;
  run.bins = bins;
  run.channelStats = args.has("--channel-stats");
  std::vector<std::string> nonFinite;
  run.nonFiniteValues = &nonFinite;
  run.onProgress = [&](size_t done, size_t total) {
    double t = seconds();
    if (t - lastReport >= 1.0 || done == total) {  // at most one progress line a second
      std::fprintf(stderr, "profiled %lld/%lld samples, %.1f s\n", static_cast<long long>(done * perRun),
                   static_cast<long long>(total * perRun), t);
      lastReport = t;
    }
  };
  QuantProfile result = profileGraph(g, data, run);
  writeProfile(args.get("-o"), result);
  for (const std::string& v : nonFinite)
    std::cerr << "warning: value '" << v << "' held NaN or infinity; those elements are not in its profile\n";
  std::printf("profiled %zu values over %zu runs (%lld samples) in %.1f s after %s; graph hash %s\nwrote %s\n",
              result.values.size(), data.runs(), static_cast<long long>(data.runs() * perRun), seconds(),
              pipelineName.c_str(), result.graphHash.c_str(), args.get("-o").c_str());
  return kExitOk;
}

}  // namespace

Command profileCommand() {
  return {{"profile", "MODEL --input CALIB... -o PROFILE.yaml [options]",
           "record value ranges and histograms over calibration data (for quantization)",
           "Runs the float model (after the -O1 pipeline, or -O0/-O2 or a --project's pipeline: quantize\n"
           "with the same one) in the reference interpreter over calibration inputs and writes, for every\n"
           "float graph input and node result, its min, max and a histogram in Glow's profile YAML,\n"
           "with a hash of the profiled graph so that a stale profile is refused later.\n"
           "CALIB, per graph input (positional in graph-input order, or NAME=CALIB):\n"
           "  FILE.npy | FILE.pb   a tensor whose leading dimension is k times the model's: k runs\n"
           "  FOLDER of .pb files  TensorProto files, sorted by name, concatenated along dimension 0\n"
           "  FOLDER of images     .png .jpg .jpeg .bmp, sorted by name, shaped by --preprocess\n"
           "  MNIST idx file       (.idx, *-ubyte, .gz) images as float N x 1 x 28 x 28, raw 0..255\n"
           "--skip and --limit count samples (images, or rows of the leading dimension).\n"
           "--preprocess SPEC (image folders; idx files take scale, mean, std):\n" +
               preprocessGrammar() +
               "Example: nestc profile resnet18.onnx --input images/ --preprocess\n"
               "  resize=256x256,crop=224x224,scale=0.00392157,mean=0.485,0.456,0.406,std=0.229,0.224,0.225\n"
               "  -o resnet18.yaml        Format: docs/quantization.md.",
           {{"--input", "CALIB", "calibration data, positional or NAME=CALIB (repeatable)", true},
            {"-o", "PROFILE.yaml", "profile to write (required)"},
            {"--bins", "N", "histogram bins per value (default 2000, as Glow)"},
            {"--channel-stats", "", "also record each value's per-channel means, minima and maxima (for --bias-correction and --absorb-high-bias; Glow's reader does not know the key)"},
            {"--preprocess", "SPEC", "how image pixels become input values (see above)"},
            {"--skip", "N", "leave out the first N samples"},
            {"--limit", "N", "use at most N samples (after --skip)"},
            {"-O0", "", "profile the graph without float optimizations"},
            {"-O1", "", "profile the graph after -O1 (default)"},
            {"-O2", "", "profile the graph after -O2"},
            {"--project", "P.nestproj", "take the float pipeline (level or pass list) from a project file"},
            inputShapeOption()},
           1, 1},
          profile};
}

}  // namespace nest::cli
