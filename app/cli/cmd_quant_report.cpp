#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/job_options.h"
#include "app/cli/validation_options.h"
#include "backends/quant_report.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "passes/quantization/quantize.h"

namespace nest::cli {

namespace {

std::string db(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

int runQuantReport(const ParsedArgs& args) {
  const driver::Job job = jobFrom(args, Quantize::Required);
  const driver::Quantization& quant = *job.quantization;
  const int64_t top = countOption(args, "--top", 20, 0);
  const Graph f = floatPipelineGraph(job);
  Graph q = f;
  CalibrationRecord calibrations;
  quantizeGraph(q, *quant.profile, quant.config, quant.profileSource, &calibrations);
  Validation val = validationFrom(f, args);
  std::cerr << val.data.describe();

  const auto start = std::chrono::steady_clock::now();
  double lastReport = -1;
  QuantReportOptions options;
  options.labels = val.labelsOrNull();
  options.onProgress = [&](size_t done, size_t total) {
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (t - lastReport < 1.0 && done != total) return;  // at most one line a second
    std::fprintf(stderr, "compared %zu/%zu runs, %.1f s\n", done, total, t);
    lastReport = t;
  };
  QuantReport report = quantReport(f, q, val.data, options);
  for (NodeQuality& n : report.nodes)
    if (auto it = calibrations.find(n.reference); it != calibrations.end()) n.calibration = calibrationName(it->second);

  const std::vector<size_t> order = report.worstFirst();
  const size_t rows = top == 0 ? order.size() : std::min<size_t>(order.size(), static_cast<size_t>(top));
  std::printf("%-40s %-18s %-5s %-16s %10s %14s\n", "value (worst first)", "op", "type", "calibration", "SQNR dB",
              "max abs error");
  for (size_t i = 0; i < rows; ++i) {
    const NodeQuality& n = report.nodes[order[i]];
    std::printf("%-40s %-18s %-5s %-16s %10s %14.6g\n", n.value.c_str(), n.op.c_str(), n.type.c_str(),
                n.calibration.empty() ? "-" : n.calibration.c_str(), db(n.error.sqnrDb()).c_str(), n.error.maxAbs);
  }
  if (rows < order.size()) std::printf("... %zu more (--top 0 lists all)\n", order.size() - rows);
  std::printf("\n%lld runs, %lld rows\n", static_cast<long long>(report.runs), static_cast<long long>(report.rows));
  for (const OutputQuality& o : report.outputs)
    std::printf("output %s: SQNR %s dB, max abs error %.6g\n", o.name.c_str(), db(o.error.sqnrDb()).c_str(),
                o.error.maxAbs);
  std::printf("top-1 agreement with float: %.2f%% (%lld of %lld)\n", report.top1Agreement(),
              static_cast<long long>(report.top1Agree), static_cast<long long>(report.rows));
  if (report.labelled)
    std::printf("accuracy: float %.2f%%, quantized %.2f%% (%+.2f points) on %lld labelled rows\n",
                report.floatAccuracy(), report.quantAccuracy(), report.quantAccuracy() - report.floatAccuracy(),
                static_cast<long long>(report.labelled));
  if (args.has("--json")) {
    const std::string file = args.get("--json");
    writeFileAtomically(file, report.toJson().dump(2) + "\n");
    std::printf("wrote %s\n", file.c_str());
  }
  return kExitOk;
}

}  // namespace

Command quantReportCommand() {
  std::vector<OptionSpec> options = quantOptions(true);
  for (OptionSpec& o : validationOptions()) options.push_back(o);
  options.push_back({"--top", "N", "list the N worst values (default 20; 0: all)"});
  options.push_back({"--json", "FILE", "also write the whole report as JSON"});
  options.push_back(inputShapeOption());
  return {{"quant-report", "MODEL --profile PROFILE.yaml [quantization options] --input VAL... [--labels L]",
           "quality of the quantized model against float: per-node SQNR, top-1 agreement, accuracy",
           "Quantizes the model as nestc quantize does (same options), runs the float graph and the\n"
           "integer graph in the interpreter over the validation data and compares, for every value\n"
           "of the quantized graph that has a float counterpart (same name), its dequantized result\n"
           "with the float one, over the whole set: SQNR = 10 log10(sum f^2 / sum (f - q)^2) in dB\n"
           "and the largest absolute error. The table lists the worst values first. At the outputs:\n"
           "SQNR, top-1 agreement with float (argmax of the first output, per row of its leading\n"
           "dimension) and, with --labels, the accuracy of both. VAL is read as nestc profile reads\n"
           "CALIB (npy/pb tensors, .pb folders, image folders with --preprocess, MNIST idx files).\n"
           "Example: nestc quant-report mnist.onnx --profile p.yaml --input t10k-images-idx3-ubyte.gz\n"
           "  --labels t10k-labels-idx1-ubyte.gz --skip 500        See docs/quantization.md.",
           options, 1, 1},
          runQuantReport};
}

}  // namespace nest::cli
